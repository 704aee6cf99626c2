"""The web interface: every page answers, search finds and highlights, the service form checks a
composed service with the same core functions as the command line, the overlap matrix and
theme views work with and without overlap data, and every HTML answer carries the security
headers (and needs no inline script or style)."""

from __future__ import annotations

import html as htmllib
import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from cloudkader.terms.namespaces import CKD, ID
from cloudkader.knowledge.sources import normalise, normalised_source
from cloudkader.web.security import CSP

HTML = {"Accept": "text/html"}




def _text(resp) -> str:
    return resp.get_data(as_text=True)


def _hrefs(page: str) -> list[str]:
    return [htmllib.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def _framework_keys(store) -> list[str]:
    res = store.query("PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?k WHERE { ?f a ckd:Framework ; ckd:key ?k }")
    return sorted(str(r[0]) for r in res.rows)


def _theme_slugs(store) -> list[str]:
    res = store.query("PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?t WHERE { ?t a ckd:Theme }")
    return sorted(str(r[0]).rsplit("/", 1)[-1] for r in res.rows)


PAGES = ["/", "/frameworks", "/search", "/search?q=exit+strategie", "/check", "/overlaps/matrix",
         "/register", "/def", "/id/rijk/voorwaarde-4", "/id/rijk", "/id/org/jenv", "/id/theme/exit-strategy",
         "/overlaps/theme/exit-strategy", "/overlaps/pair/rijk/tk", "/?lang=en", "/check?lang=en"]


@pytest.mark.parametrize("path", PAGES)
def test_page_answers_with_security_headers(path, client):
    r = client.get(path, headers=HTML)
    assert r.status_code == 200, _text(r)[:2000]
    assert r.mimetype == "text/html"
    assert r.headers["Content-Security-Policy"] == CSP  # the one app-wide policy
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    page = _text(r)
    # nothing that default-src 'self' would block: no inline script, style or event handler
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), "inline <script>"
    assert "<style" not in page and " style=" not in page, "inline style"
    assert not re.search(r"\son[a-z]+=", page), "inline event handler"
    for src in re.findall(r'(?:src|href)="(https?:[^"]+\.(?:js|css))"', page):
        pytest.fail(f"external asset {src}: everything must be served offline")


def test_every_framework_and_theme_page(client, store):
    keys = _framework_keys(store)
    assert {"rijk", "tk", "gemeenten", "jenv", "irc"} <= set(keys)
    for key in keys:
        r = client.get(f"/frameworks/{key}", headers=HTML)
        assert r.status_code == 200, key
    for slug in _theme_slugs(store):
        assert client.get(f"/overlaps/theme/{slug}", headers=HTML).status_code == 200, slug
    assert client.get("/frameworks/nope", headers=HTML).status_code == 404
    assert client.get("/overlaps/theme/nope", headers=HTML).status_code == 404
    assert client.get("/overlaps/pair/rijk/nope", headers=HTML).status_code == 404


def test_static_assets(client):
    for name, media in (("style.css", "text/css"), ("check.js", "text/javascript"), ("favicon.svg", "image/svg+xml")):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.mimetype == media, name


def test_home_counts_come_from_the_store(client, store):
    page = _text(client.get("/", headers=HTML))
    n = store.query("PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p ckd:framework ?f }").rows[0][0]
    assert f"<strong>{int(n)}</strong><span>bepalingen</span>" in page
    assert "<strong>6</strong><span>kaders</span>" in page


def test_framework_browser_groups_by_section_in_source_order(client):
    page = _text(client.get("/frameworks/tk", headers=HTML))
    # sections in the order of the source, each a heading
    headings = re.findall(r'<h3 lang="nl">([^<]+)</h3>', page)
    assert "Informatiebeveiliging" in headings and "Exit-strategie" in headings
    assert headings.index("Informatiebeveiliging") < headings.index("Exit-strategie")
    # the elements in their order, the ones without text (5–10) kept in their place
    order = [int(n) for n in re.findall(r'href="/id/tk/element-(\d+)"', page)]
    seen = list(dict.fromkeys(order))
    assert seen == sorted(seen) and seen[:11] == list(range(1, 12))
    assert "De bron noemt deze bepaling zonder tekst." in page
    rijk = _text(client.get("/frameworks/rijk", headers=HTML))
    assert rijk.index("/id/rijk/voorwaarde-1\"") < rijk.index("/id/rijk/voorwaarde-2\"") < rijk.index("/id/rijk/voorwaarde-11\"")


def test_search_finds_and_highlights(client):
    r = client.get("/search?q=exit+strategie", headers=HTML)
    page = _text(r)
    assert "/id/rijk/voorwaarde-4" in _hrefs(page)
    assert "<mark>exit strategie</mark>" in page
    # case-insensitive, and hyphens or spaces are the same
    upper = _text(client.get("/search?q=EXIT+STRATEGIE", headers=HTML))
    assert "/id/rijk/voorwaarde-4" in _hrefs(upper)
    assert "/id/jenv/artikel-7" in _hrefs(upper)  # "exit-strategie"
    # a framework filter
    only_jenv = _text(client.get("/search?q=exit+strategie&framework=jenv", headers=HTML))
    assert "/id/rijk/voorwaarde-4" not in _hrefs(only_jenv) and "/id/jenv/artikel-7" in _hrefs(only_jenv)
    # the texts are escaped, the query too
    evil = _text(client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E", headers=HTML))
    assert "<script>alert(1)" not in evil and "0 bepalingen gevonden" in evil
    # words anywhere when the phrase does not occur
    words = _text(client.get("/search?q=strategie+leverancier+exit", headers=HTML))
    assert "alle woorden" in words and "<mark>" in words


def test_provision_page_shows_everything(client):
    page = _text(client.get("/id/rijk/voorwaarde-4", headers=HTML))
    assert "Er dient altijd een ‘exit strategie’ opgenomen te zijn" in page
    assert "Voorwaarde 4 — Exit strategie" in page and "Condition 4 — Exit strategy" in page
    assert "Voorwaarden voor het gebruik van publieke cloud voor overheidsdiensten" in page  # section heading
    assert "rijksbreed-cloudbeleid-2022.txt" in page  # the seed file
    hrefs = _hrefs(page)
    for h in ("/frameworks/rijk", "/id/theme/exit-strategy", "/def#ExitStrategy", "/def#Requirement",
              "/def#Obligatory", "/id/doc/seed-rijksbreed-cloudbeleid-2022"):
        assert h in hrefs, h
    assert "verplicht" in page
    # the shape that checks it, from the shapes graph
    assert "shr:voorwaarde-4" in page
    # its overlaps (the section is there, with or without data) and register services
    assert 'id="overlaps"' in page and 'id="register"' in page


def test_provision_texts_in_source_order(client, store):
    for iri in ("https://w3id.org/cloudkader/id/rijk/voorwaarde-6", "https://w3id.org/cloudkader/id/rijk/voorwaarde-9"):
        texts = [str(o) for o in store.triples_about(iri).objects(URIRef(iri), CKD.text)]
        assert len(texts) > 1
        src = normalised_source("rijksbreed-cloudbeleid-2022.txt")
        expected = sorted(texts, key=lambda x: src.find(normalise(x)))
        page = htmllib.unescape(_text(client.get("/id/" + iri[len(str(ID)):], headers=HTML)))
        block = page[page.index('<blockquote class="verbatim big"'):]
        block = block[:block.index("</blockquote>")]
        positions = [block.index(x) for x in expected]
        assert positions == sorted(positions), iri


def test_provision_without_text(client):
    page = _text(client.get("/id/tk/element-5", headers=HTML))
    assert "De bron noemt deze bepaling zonder tekst." in page


def _check(client, **fields):
    data = {"org": "jenv", "deployment": "PublicCloud", "servicemodel": "SaaS", "product": ["SharePointOnline"],
            "data": ["PersonalData"], "location": ["NLD"]}
    data.update(fields)
    return client.post("/check", data=data, headers=HTML)


def test_check_jenv_sharepoint_with_personal_data(client):
    r = _check(client, name="Samenwerken")
    assert r.status_code == 200
    assert r.headers["Content-Security-Policy"] == CSP  # the one app-wide policy
    page = _text(r)
    hrefs = _hrefs(page)
    for h in ("/id/jenv/beleidslijn-onedrive-sharepoint", "/id/jenv/beleidslijn-ms365",
              "/id/rijk/algemeen-persoonsgegevens", "/id/rijk/voorwaarde-4"):
        assert h in hrefs, h
    # frameworks in scope, with their scope
    assert "Rijksbreed cloudbeleid 2022" in page and "bindend" in page
    # the gap: SharePoint Online is not permitted under the JenV line
    gaps = page[page.index('<ul class="gaps">'):]
    assert "/id/jenv/beleidslijn-onedrive-sharepoint" in gaps
    # the generated description
    turtle = htmllib.unescape(page[page.index('<pre id="turtle">'):page.index("</pre>")])
    turtle = re.sub(r"</?(pre|code)[^>]*>", "", turtle)
    g = Graph().parse(data=turtle, format="turtle")
    svc = next(g.subjects(RDF.type, CKD.CloudService))
    assert (svc, CKD.usesProduct, CKD.SharePointOnline) in g
    assert (svc, CKD.usedBy, URIRef("https://w3id.org/cloudkader/id/org/jenv")) in g
    assert (svc, CKD.processes, CKD.PersonalData) in g
    assert (svc, RDF.type, CKD.CloudService) in g
    # the form keeps what was chosen
    assert '<option value="jenv" selected>' in page
    assert 'value="SharePointOnline" checked' in page


def test_check_exit_strategy_parts_and_gemeente(client):
    page = _text(_check(client, org="own", ownclass="Gemeente", product=[], measure=[],
                        **{"part-ExitStrategy": ["DataPortability", "DataDestruction"]},
                        jurisdiction="USA", provider="Voorbeeld Cloud"))
    assert "/id/gemeenten" in _hrefs(page)  # the municipal framework is in scope
    turtle = htmllib.unescape(page[page.index('<pre id="turtle">'):page.index("</pre>")])
    assert "ckd:Gemeente" in turtle and "ckd:ExitStrategy" in turtle and "ckd:DataPortability" in turtle
    assert "country:USA" in turtle and "Voorbeeld Cloud" in turtle


def test_check_rejects_bad_input(client):
    r = _check(client, org="")
    assert r.status_code == 400 and "organisatie" in _text(r)
    r = _check(client, org="jenv", product=["NoSuchProduct"])
    assert r.status_code == 400 and "NoSuchProduct" in _text(r)
    r = _check(client, org='jenv" ; a ckd:Evil')
    assert r.status_code == 400


def test_check_in_english(client):
    page = _text(client.post("/check?lang=en", data={"org": "tk", "deployment": "PublicCloud"}, headers=HTML))
    assert "Provisions that apply" in page
    assert "/id/tk" in _hrefs(page)


def test_language_toggle_is_remembered(client):
    r = client.get("/frameworks?lang=en", headers=HTML)
    assert "Frameworks" in _text(r) and "lang=en" in r.headers.get("Set-Cookie", "")
    assert '<html lang="en">' in _text(client.get("/frameworks", headers=HTML))
    assert '<html lang="nl">' in _text(client.get("/frameworks?lang=nl", headers=HTML))


def test_register_lists_every_service_with_its_result(client, store):
    res = store.query("PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?s WHERE { GRAPH <https://w3id.org/cloudkader/graph/register> { ?s a ckd:CloudService } }")
    services = sorted(str(r[0]) for r in res.rows)
    page = _text(client.get("/register", headers=HTML))
    hrefs = _hrefs(page)
    for s in services:
        assert "/id/" + s[len(str(ID)):] in hrefs, s
    if services:
        assert "voldoet" in page


def test_register_service_pages_show_the_check_as_the_form_does(client, cli):
    """Each register service's own page shows its check in the check form's layout (binding
    frameworks first, three outcomes), with the counts of `cloudkader validate` on the register."""
    from cloudkader.terms import paths

    run = cli("validate", paths.DATA_DIR / "register" / "kamerbrief-2024.ttl", "--format", "json")
    services = run.json()["services"]
    assert len(services) == 20
    for svc in services:
        want = {"violation": sum(1 for r in svc["results"] if r["severity"] == "Violation" and r["blocking"]),
                "warning": sum(1 for r in svc["results"] if not (r["severity"] == "Violation" and r["blocking"])),
                "undetermined": len(svc["undetermined"])}
        page = _text(client.get("/id/" + svc["service"][len(str(ID)):], headers=HTML))
        summary = page[page.index('<div class="summary">'):]
        got = {o: int(re.search(rf'class="stat count-{o}">.*?<strong>(\d+)</strong>', summary, re.S).group(1))
               for o in want}
        assert got == want, svc["service"]
        assert "Toetsing" in page and 'class="outcome-badge' in page
        scopes = re.findall(r'<section class="fw-result scope-(\w+)"', page)
        assert scopes == sorted(scopes, key=lambda x: {"binding": 0, "advisory": 1}.get(x, 2)), scopes


def test_overlap_matrix_colours_cells(client):
    page = _text(client.get("/overlaps/matrix", headers=HTML))
    assert '<table class="matrix" id="matrix">' in page
    assert re.search(r'<td class="heat-\d"', page)
    for key in ("rijk", "tk", "gemeenten", "jenv", "irc"):
        assert f'href="/overlaps/pair/rijk/{key}"' in page or key == "rijk"


_CELL = re.compile(r'<td class="heat-\d" data-source="([^"]+)" data-target="([^"]+)" data-total="(\d+)">'
                   r'<a href="([^"]+)">(.*?)</a></td>', re.S)
_REL = re.compile(r'<span class="rel[^"]*" data-relation="([^"]+)" data-count="(\d+)" title="[^"]*">'
                  r'<span aria-hidden="true">([^<]+)</span><span class="sr">([^<]+)</span>(\d+)</span>')


def _matrix_cells(page: str) -> dict:
    cells = {}
    for a, b, total, href, inner in _CELL.findall(page):
        rels = {rel: (int(n), symbol + shown_n) for rel, n, symbol, _words, shown_n in _REL.findall(inner)
                if shown_n == n}
        visible = re.sub(r'<span class="sr">[^<]*</span>', "", inner)
        cells[(a, b)] = {"total": int(total), "href": href, "rels": rels,
                         "spoken": htmllib.unescape(re.sub(r"<[^>]+>", " ", inner)), "visible": re.sub(r"<[^>]+>", "", visible)}
    return cells


def test_overlap_matrix_cells_equal_the_command_line(client, cli):
    """Every cell of the page, in both directions, has the numbers of ``cloudkader overlaps
    --matrix --format json`` — the breakdown as visible text, not in a tooltip."""
    r = cli("overlaps", "--matrix", "--format", "json")
    assert r.code == 0, r.err
    expected = {(c["source"], c["target"]): c for c in r.json()["cells"]}
    cells = _matrix_cells(_text(client.get("/overlaps/matrix", headers=HTML)))
    assert set(cells) == set(expected), set(cells) ^ set(expected)
    symbols = {"equivalent": "=", "subset-of": "⊂", "superset-of": "⊃", "intersects-with": "∩", "contrary": "≠"}
    for pair, want in expected.items():
        got = cells[pair]
        assert got["total"] == want["total"], pair
        assert {rel: n for rel, (n, _) in got["rels"].items()} == {k: v for k, v in want["counts"].items() if v}, pair
        for rel, (n, shown) in got["rels"].items():
            assert shown == f"{symbols[rel]}{n}" and shown in got["visible"], (pair, rel)
        assert got["href"] == f"/overlaps/pair/{pair[0]}/{pair[1]}"
        # what a screen reader says: the pair and each relation in words
        assert f"{pair[0]} × {pair[1]}" in got["spoken"] and str(want["total"]) in got["spoken"]
    # the direction is the row's: a subset-of in one direction is a superset-of in the other
    for (a, b), want in expected.items():
        back = expected[(b, a)]["counts"]
        assert want["counts"]["subset-of"] == back["superset-of"] and want["counts"]["contrary"] == back["contrary"]
    assert any(c["counts"]["subset-of"] != c["counts"]["superset-of"] for c in expected.values()), \
        "the corpus has asymmetric cells, so direction matters"
    # the same numbers as data
    assert client.get("/overlaps/matrix.json").get_json()["cells"] == r.json()["cells"]
    # and a click on a cell lists exactly its overlaps, turned to the row's side
    for (a, b), want in expected.items():
        pair = _text(client.get(f"/overlaps/pair/{a}/{b}", headers=HTML))
        summary = dict(re.findall(r'<li data-relation="([^"]+)" data-count="(\d+)">', pair))
        assert {k: int(v) for k, v in summary.items()} == {k: v for k, v in want["counts"].items() if v}, (a, b)
        shown = re.findall(r'<span class="badge rel-[a-z]+" data-relation="([^"]*)">', pair)
        assert len(shown) == want["total"] and all(shown.count(k) == v for k, v in want["counts"].items()), (a, b)


# --- with and without overlap data: a store with two synthetic overlaps ------------------------

OVERLAP_SPEC = "memory-with-test-overlaps"
TEST_GRAPH = "https://w3id.org/cloudkader/graph/test-overlaps"


@pytest.fixture
def overlap_client(monkeypatch, store):
    """The app on a store that holds the corpus plus two overlaps made up for this test (one of
    them contrary), under its own store name so that no cache is shared with other tests."""
    from rdflib import Dataset

    from cloudkader.knowledge import app_state
    from cloudkader import core
    from cloudkader.stores.local import MemoryStore
    from cloudkader.web import create_app
    from cloudkader.web import check_form, corpus_view, docs, pages, register_report

    ds = Dataset(default_union=True)
    for q in store.dataset.quads((None, None, None, None)):
        ds.add(q)
    test_store = MemoryStore(ds)
    g = Graph()
    ov1, ov2 = URIRef(str(ID) + "overlap/test-1"), URIRef(str(ID) + "overlap/test-2")
    rijk4, jenv7, tk18 = (URIRef(str(ID) + x) for x in ("rijk/voorwaarde-4", "jenv/artikel-7", "tk/element-18"))
    exit_theme = URIRef(str(ID) + "theme/exit-strategy")
    for ov, target, rel, why in ((ov1, jenv7, CKD.IntersectsWith, "Testoverlap A."), (ov2, tk18, CKD.Contrary, "Testconflict B.")):
        g.add((ov, RDF.type, CKD.Overlap))
        g.add((ov, CKD.source, rijk4))
        g.add((ov, CKD.target, target))
        g.add((ov, CKD.relation, rel))
        g.add((ov, CKD.theme, exit_theme))
        g.add((ov, CKD.rationale, Literal(why, lang="nl")))
    test_store.add_graph(TEST_GRAPH, g)

    real = app_state.get_store

    def fake_get_store(spec="memory"):
        return test_store if spec == OVERLAP_SPEC else real(spec)

    # every module of the web layer that opens the store by name (``from … import get_store``)
    for module in (corpus_view, register_report, docs, pages, check_form, core):
        if hasattr(module, "get_store"):
            monkeypatch.setattr(module, "get_store", fake_get_store)
    # (what the caches keep for OVERLAP_SPEC stays there: no other test uses that name)
    return create_app(OVERLAP_SPEC).test_client()


def test_overlaps_shown_on_provision_matrix_and_theme(overlap_client):
    page = _text(overlap_client.get("/id/rijk/voorwaarde-4", headers=HTML))
    section = page[page.index('id="overlaps"'):page.index('id="shapes"')]
    assert "/id/jenv/artikel-7" in section and "Testoverlap A." in section
    assert "/id/tk/element-18" in section and "Testconflict B." in section
    assert 'class="conflict"' in section  # the contrary one stands out
    # the other side sees it too
    other = _text(overlap_client.get("/id/jenv/artikel-7", headers=HTML))
    assert "Testoverlap A." in other
    matrix = _text(overlap_client.get("/overlaps/matrix", headers=HTML))
    assert "/overlaps/pair/rijk/jenv" in matrix
    pair = _text(overlap_client.get("/overlaps/pair/rijk/tk", headers=HTML))
    assert "Testconflict B." in pair
    theme = _text(overlap_client.get("/overlaps/theme/exit-strategy", headers=HTML))
    assert "Testoverlap A." in theme and "Testconflict B." in theme
    # the overlap node itself dereferences
    assert overlap_client.get("/id/overlap/test-1", headers=HTML).status_code == 200


def test_check_answers_in_the_url_bad_answers_and_formats(client):
    """The permalink (a GET with the answers) gives the page and the exports; bad answers a 400
    naming the field."""
    q = "/check?org=own&ownclass=Gemeente&partof=bzk&deployment=PublicCloud&certification=doc/eu-us-data-privacy-framework"
    page = _text(client.get(q, headers=HTML))
    turtle = htmllib.unescape(page[page.index('<pre id="turtle">'):page.index("</pre>")])
    assert "ckd:partOf org:bzk" in turtle and "ckd:certifiedUnder" in turtle
    assert 'id="permalink"' in page
    js = client.get(q + "&format=json").get_json()
    assert js["services"][0]["frameworks"] and "conforms" in js
    for bad, field in (("&format=yaml", "format"), ("&part-CloudContract=gemeenten/nope", "part-CloudContract"),
                       ("&location=XXX", "location")):
        r = client.get(q + bad, headers=HTML)
        assert r.status_code == 400 and field in _text(r), bad
    r = client.get("/check?org=own", headers=HTML)
    assert r.status_code == 400 and "soort organisatie" in _text(r)


def test_check_form_on_a_date(client):
    """The form's date field: the frameworks as they stood that day (the Rijk policy holds from
    29 August 2022), in the permalink; an impossible day is a 400 naming the field."""
    answers = {"org": "bzk", "deployment": "PublicCloud", "servicemodel": "SaaS", "data": "PersonalData", "format": "json"}

    def frameworks(day):
        r = client.get("/check", query_string={**answers, "at": day})
        assert r.status_code == 200, r.get_data(as_text=True)[:500]
        doc = r.get_json()
        assert doc.get("at") == day
        return {f["framework"].rsplit("/", 1)[-1] for f in doc["services"][0]["frameworks"]}

    assert "rijk" not in frameworks("2022-08-28") and "rijk" in frameworks("2022-08-29")
    page = client.get("/check", query_string={k: v for k, v in {**answers, "at": "2022-08-28"}.items() if k != "format"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="at"' in html and "at=2022-08-28" in html and 'value="2022-08-28"' in html
    bad = client.get("/check", query_string={**answers, "at": "2019-02-30", "format": "html"})
    assert bad.status_code == 400 and "at:" in bad.get_data(as_text=True)

"""Listings as data (register, frameworks, search, the overlap matrix): one URL answers HTML,
JSON and CSV — by suffix, by ``format=`` and by ``Accept`` — with filters and sorting in the
URL; and search that understands Dutch policy language (stemming, synonyms kept as data, an
FTS5 index)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from cloudkader.web import search_index

HTML = {"Accept": "text/html"}
ID = "https://w3id.org/cloudkader/id/"


def _csv(resp) -> list[dict]:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))


@pytest.mark.parametrize("path,key", [("/register", "services"), ("/frameworks", "frameworks"),
                                      ("/search?q=exit", "results")])
def test_same_url_three_formats(client, path, key):
    base, _, query = path.partition("?")
    q = ("?" + query) if query else ""
    by_suffix = client.get(f"{base}.json{q}")
    by_param = client.get(f"{base}?format=json{'&' + query if query else ''}")
    by_accept = client.get(path, headers={"Accept": "application/json"})
    for r in (by_suffix, by_param, by_accept):
        assert r.status_code == 200 and r.mimetype == "application/json"
        assert "Accept" in r.headers.get("Vary", "")
    assert by_suffix.get_json() == by_param.get_json() == by_accept.get_json()
    records = by_suffix.get_json()[key]
    assert records
    rows = _csv(client.get(path, headers={"Accept": "text/csv"}))
    assert rows == _csv(client.get(f"{base}.csv{q}"))
    assert len(rows) == len(records)
    # a browser gets the page, with links to both data forms of the same view
    page = client.get(path, headers=HTML).get_data(as_text=True)
    assert 'data-format="json"' in page and 'data-format="csv"' in page
    # unknown formats are refused with a message, never a 500
    assert client.get(f"{base}.xml{q}").status_code == 400
    assert client.get(f"{base}?format=pdf").status_code == 400
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406


def test_register_filters_and_sorting(client, store):
    everything = client.get("/register.json").get_json()
    assert everything["count"] == everything["total"] > 0
    # ministry: the services used by the ministry or one of its parts, as the graph says
    res = store.query("""PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT DISTINCT ?s WHERE {
        GRAPH <https://w3id.org/cloudkader/graph/register> { ?s a ckd:CloudService ; ckd:usedBy ?o }
        ?o ckd:partOf* <https://w3id.org/cloudkader/id/org/fin> }""")
    fin = sorted(str(r[0]) for r in res.rows)
    assert fin
    got = client.get("/register.json?ministry=fin").get_json()
    assert sorted(s["service"] for s in got["services"]) == fin and got["filters"] == {"ministry": ["fin"]}
    # filters combine; several values of one filter are alternatives
    planned = client.get("/register.json?status=Planned").get_json()["services"]
    intended = client.get("/register.json?status=Intended").get_json()["services"]
    both = client.get("/register.json?status=Planned&status=Intended").get_json()["services"]
    assert len(both) == len(planned) + len(intended)
    assert all("Planned" in s["status"] for s in planned)
    ms = client.get("/register.json?provider=microsoft&status=Intended").get_json()["services"]
    assert ms and all("microsoft" in s["providers"] and "Intended" in s["status"] for s in ms)
    bad = client.get("/register.json?conforms=false").get_json()["services"]
    assert all(s["conforms"] is False for s in bad)
    theme = client.get("/register.json?theme=exit-strategy&framework=rijk").get_json()["services"]
    assert all("exit-strategy" in s["themes"] and any(f["framework"] == "rijk" for f in s["frameworks"]) for s in theme)
    # sorting, both ways
    desc = [s["violations"] for s in client.get("/register.json?sort=-violations").get_json()["services"]]
    assert desc == sorted(desc, reverse=True) and desc[0] > desc[-1]
    names = [s["label"].lower() for s in client.get("/register.json?sort=service").get_json()["services"]]
    assert names == sorted(names)
    # bad values: a clear 400
    for q in ("ministry=nope", "sort=colour", "status=<script>"):
        r = client.get(f"/register.json?{q}")
        assert r.status_code == 400 and "error" in r.get_json()
    # the page reflects the filters: the option is selected and the data links keep them
    page = client.get("/register?ministry=fin&sort=-violations", headers=HTML).get_data(as_text=True)
    assert '<option value="fin" selected>' in page
    assert '/register?ministry=fin&amp;sort=-violations&amp;format=csv' in page
    assert page.count('<tr class="service">') == len(fin)


def test_frameworks_filters_and_sorting(client):
    everything = client.get("/frameworks.json").get_json()["frameworks"]
    assert [f["key"] for f in everything][:1] == ["rijk"]
    by_count = client.get("/frameworks.json?sort=-provisions").get_json()["frameworks"]
    counts = [f["provisions"] for f in by_count]
    assert counts == sorted(counts, reverse=True)
    theme = everything[0]["themes"][0]
    with_theme = client.get(f"/frameworks.json?theme={theme}").get_json()["frameworks"]
    assert with_theme and all(theme in f["themes"] for f in with_theme)
    publisher = everything[0]["publishers"][0]
    mine = client.get(f"/frameworks.json?ministry={publisher}").get_json()["frameworks"]
    assert all(publisher in f["publishers"] for f in mine)
    assert client.get("/frameworks.json?theme=nope").status_code == 400


def test_no_exported_cell_starts_a_formula(client):
    for url in ("/register.csv", "/frameworks.csv", "/search.csv?q=de", "/overlaps/matrix.csv"):
        for row in _csv(client.get(url)):
            for value in row.values():
                assert not (value or "").startswith(("=", "+", "-", "@")), (url, value)


# --- search --------------------------------------------------------------------------------------


def _search(client, q: str, **filters) -> dict:
    r = client.get("/search.json", query_string={"q": q, **filters})
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_json()


def _iris(result: dict) -> list[str]:
    return [r["iri"][len(ID):] for r in result["results"]]


def test_brp_finds_the_provisions_on_base_registers(client):
    hits = _iris(_search(client, "BRP"))
    # "BRP" occurs in no text: the synonym list says it is the Basisregistratie Personen, a basisregistratie
    assert "irc/artikel-12" in hits and "rijk/voorwaarde-11" in hits, hits
    assert _iris(_search(client, "basisregistratie personen")) == hits
    page = client.get("/search?q=BRP", headers=HTML).get_data(as_text=True)
    assert "<mark>basisregistraties</mark>" in page


def test_verwerkersovereenkomst_finds_bewerkersovereenkomst(client):
    result = _search(client, "verwerkersovereenkomst", framework="gemeenten")
    assert result["count"] > 0
    for r in result["results"]:
        assert r["framework"] == "gemeenten"
    texts = {r["iri"][len(ID):]: " ".join(r["texts"]).lower() for r in result["results"]}
    only_old_word = [k for k, t in texts.items() if "bewerkersovereenkomst" in t and "verwerkersovereenkomst" not in t]
    assert "gemeenten/contract-bewerkersovereenkomst" in only_old_word, texts.keys()
    # and the other way round
    assert set(_iris(_search(client, "bewerkersovereenkomst"))) == set(_iris(_search(client, "verwerkersovereenkomst")))


def test_stemming_and_abbreviations(client):
    # DTIA -> TIA (Transfer Impact Assessment), only in the TK framework's element 12
    assert "tk/element-12" in _iris(_search(client, "DTIA"))
    # plural finds singular and the other way round
    assert set(_iris(_search(client, "leveranciers"))) == set(_iris(_search(client, "leverancier")))
    assert set(_iris(_search(client, "basisregistraties"))) >= {"irc/artikel-12"}
    # a filter by theme and modality; sort in document order
    doc = _search(client, "exit strategie", sort="document")
    rel = _search(client, "exit strategie")
    assert sorted(_iris(doc)) == sorted(_iris(rel))
    keys = [r["framework"] for r in doc["results"]]
    assert keys == sorted(keys, key=["rijk", "tk", "gemeenten", "jenv", "irc"].index)
    ranks = [r["rank"] for r in rel["results"]]
    assert ranks == sorted(ranks, reverse=True)
    obligatory = _search(client, "exit strategie", modality="Obligatory")
    assert obligatory["count"] and all(r["modality"] == "Obligatory" for r in obligatory["results"])
    assert client.get("/search.json?q=x&sort=nope").status_code == 400


def test_synonyms_are_data(tmp_path):
    """The synonym list is the SKOS file: a concept added there changes what a query means."""
    default = search_index.load_synonyms()
    units = search_index.parse_query("BRP", default)
    assert (search_index.stem("basisregistraties"),) in units[0].alternatives
    f = tmp_path / "syn.ttl"
    f.write_text("""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
<urn:x:kluis> a skos:Concept ; skos:prefLabel "kluis"@nl ; skos:altLabel "brandkast"@nl .""", encoding="utf-8")
    mine = search_index.load_synonyms(f)
    assert [a for u in search_index.parse_query("brandkast", mine) for a in u.alternatives] == [("brandkast",), ("kluis",)]
    assert search_index.parse_query("BRP", mine)[0].alternatives == [("brp",)]


def test_index_is_full_text_not_substring(client, store):
    # "ring" is inside many words ("verwerking", "beveiliging"): a substring search finds those
    res = store.query("""PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {
        ?p ckd:text ?t FILTER(CONTAINS(LCASE(STR(?t)), "ring")) }""")
    substring_hits = int(res.rows[0][0])
    assert substring_hits >= 5
    result = _search(client, "ring")
    assert result["count"] < substring_hits / 2
    for r in result["results"]:  # each hit has the word itself
        words = re.findall(r"\w+", " ".join(r["texts"]) + " " + r["label"])
        assert any(search_index.stem(w) == search_index.stem("ring") for w in words), r["iri"]

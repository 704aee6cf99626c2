"""Linked data: every cloudkader IRI dereferences at /id/… (HTML for a browser, Turtle, JSON-LD,
N-Triples, RDF/XML by Accept or ?format=), the ontology at /def, and an unknown IRI is a 404
with a message. Runs the real application (Flask test client) on the real compiled corpus."""

from __future__ import annotations

import re

import pytest

from cloudkader.web.security import CSP
from rdflib import BNode, Graph, URIRef
from rdflib.compare import to_isomorphic

from cloudkader.terms.namespaces import CKD, ID

ID_NS = str(ID)
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
RDF_MEDIA = {
    "turtle": ("text/turtle", "turtle"),
    "json-ld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "xml": ("application/rdf+xml", "xml"),
}


@pytest.fixture(scope="module")
def app():
    from cloudkader.web import create_app

    return create_app("memory")


@pytest.fixture
def client(app):
    return app.test_client()  # a fresh client per test: no cookie (language) carried over


def _iris(store, where: str) -> list[str]:
    res = store.query(
        "PREFIX ckd: <https://w3id.org/cloudkader/def#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        f"SELECT DISTINCT ?s WHERE {{ {where} FILTER(isIRI(?s) && STRSTARTS(STR(?s), \"{ID_NS}\")) }}")
    return sorted(str(r[0]) for r in res.rows)


KINDS = {
    "framework": "?s a ckd:Framework",
    "provision": "?s ckd:framework ?f",
    "organisation": "?s a ckd:Organisation",
    "role": "?s a ckd:Role",
    "theme": "?s a ckd:Theme",
    "document": "{ ?s a ckd:CitedDocument } UNION { ?s a ckd:SourceText }",
    "service": "?s a ckd:CloudService",
    "system": "?s a/rdfs:subClassOf* ckd:System",
    "anything": "?s ?p ?o",
}
MINIMUM = {"framework": 5, "provision": 100, "organisation": 15, "role": 5, "theme": 16, "document": 5, "system": 2,
           "service": 1}


def _path(iri: str) -> str:
    return "/id/" + iri[len(ID_NS):]


def _ground(g: Graph) -> set:
    return {t for t in g if not any(isinstance(x, BNode) for x in t)}


@pytest.mark.parametrize("kind", list(KINDS))
def test_every_iri_dereferences_as_html_and_turtle(kind, client, store):
    iris = _iris(store, KINDS[kind])
    assert len(iris) >= MINIMUM.get(kind, 0), f"too few {kind} IRIs in the store: {len(iris)}"
    failures = []
    for iri in iris:
        r = client.get(_path(iri), headers=HTML)
        if r.status_code != 200 or r.mimetype != "text/html":
            failures.append(f"{iri} HTML: {r.status_code} {r.mimetype}")
            continue
        page = r.get_data(as_text=True)
        if "<h1>" not in page or iri not in page:
            failures.append(f"{iri} HTML: no heading or IRI on the page")
        r = client.get(_path(iri), headers={"Accept": "text/turtle"})
        if r.status_code != 200 or r.mimetype != "text/turtle":
            failures.append(f"{iri} Turtle: {r.status_code} {r.mimetype}")
            continue
        g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
        about = store.triples_about(iri)
        missing = _ground(about) - set(g)
        if missing:
            failures.append(f"{iri} Turtle lacks {len(missing)} triple(s), e.g. {next(iter(missing))}")
        if len(g) < len(about):
            failures.append(f"{iri} Turtle has {len(g)} triples, the store {len(about)} about it")
    assert not failures, "\n".join(failures[:30])


SAMPLES = [
    "https://w3id.org/cloudkader/id/rijk/voorwaarde-4",
    "https://w3id.org/cloudkader/id/rijk",
    "https://w3id.org/cloudkader/id/jenv/beleidslijn-onedrive-sharepoint",
    "https://w3id.org/cloudkader/id/tk/element-5",
    "https://w3id.org/cloudkader/id/org/jenv",
    "https://w3id.org/cloudkader/id/theme/exit-strategy",
    "https://w3id.org/cloudkader/id/role/cio-rijk",
]


@pytest.mark.parametrize("fmt", list(RDF_MEDIA))
@pytest.mark.parametrize("iri", SAMPLES)
def test_content_negotiation_round_trips(iri, fmt, client, store):
    media, rdflib_fmt = RDF_MEDIA[fmt]
    about = store.triples_about(iri)
    assert len(about), f"{iri} is not in the store"
    for r in (client.get(_path(iri), headers={"Accept": media}),
              client.get(_path(iri) + f"?format={fmt}", headers=HTML)):  # ?format= wins over Accept
        assert r.status_code == 200, r.get_data(as_text=True)
        assert r.mimetype == media
        assert "Accept" in r.headers.get("Vary", "")
        g = Graph().parse(data=r.get_data(as_text=True), format=rdflib_fmt)
        assert _ground(about) <= set(g), f"{fmt} answer for {iri} lacks triples of the store"
        assert len(g) >= len(about)
        if any(isinstance(x, BNode) for t in about for x in t):  # blank nodes come along whole
            bnode_part = Graph()
            for t in g:
                if isinstance(t[0], BNode):
                    bnode_part.add(t)
            expected = Graph()
            for t in about:
                if isinstance(t[0], BNode):
                    expected.add(t)
            assert to_isomorphic(bnode_part) == to_isomorphic(expected)


def test_accept_header_variants(client):
    path = "/id/rijk/voorwaarde-4"
    cases = {
        "text/turtle;q=0.9, application/ld+json": "application/ld+json",
        "application/n-triples": "application/n-triples",
        "application/rdf+xml, text/html;q=0.5": "application/rdf+xml",
        "text/*": "text/turtle",
        "*/*": "text/turtle",  # a client with no preference gets data, not HTML
        "text/html, application/xhtml+xml": "text/html",
        "application/json": "application/ld+json",
    }
    for accept, media in cases.items():
        r = client.get(path, headers={"Accept": accept})
        assert r.status_code == 200, accept
        assert r.mimetype == media, f"Accept {accept!r}: got {r.mimetype}, expected {media}"
    assert client.get(path).mimetype == "text/turtle"  # no Accept header at all


def test_unknown_iri_is_404_with_a_message(client):
    for accept in ("text/html", "text/turtle", "application/ld+json"):
        r = client.get("/id/rijk/voorwaarde-99", headers={"Accept": accept})
        assert r.status_code == 404
        assert "https://w3id.org/cloudkader/id/rijk/voorwaarde-99" in r.get_data(as_text=True)
    r = client.get("/id/nothing/here", headers=HTML)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "niet bekend" in r.get_data(as_text=True)
    assert client.get("/id/org/<script>", headers=HTML).status_code == 404


def test_bad_format_and_not_acceptable(client):
    r = client.get("/id/rijk?format=pdf")
    assert r.status_code == 400 and "pdf" in r.get_data(as_text=True)
    r = client.get("/id/rijk", headers={"Accept": "image/png"})
    assert r.status_code == 406
    r = client.get("/def", headers={"Accept": "image/png"})
    assert r.status_code == 406


def test_html_links_point_to_local_paths(client):
    page = client.get("/id/rijk/voorwaarde-4", headers=HTML).get_data(as_text=True)
    hrefs = re.findall(r'href="([^"]+)"', page)
    assert "/id/rijk" in hrefs  # the framework
    assert "/id/theme/exit-strategy" in hrefs
    assert "/def#Requirement" in hrefs  # the kind, in the ontology documentation
    assert not [h for h in hrefs if h.startswith(ID_NS)], "cloudkader IRIs must link to their local /id/ path"
    # and the alternates are advertised
    assert '<link rel="alternate" type="text/turtle" href="/id/rijk/voorwaarde-4?format=turtle">' in page


def test_trailing_slash_redirects(client):
    r = client.get("/id/rijk/voorwaarde-4/", headers=HTML)
    assert r.status_code == 301 and r.headers["Location"].endswith("/id/rijk/voorwaarde-4")


# --- the ontology ------------------------------------------------------------------------------


def _ontology(store) -> Graph:
    res = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <https://w3id.org/cloudkader/graph/ontology> { ?s ?p ?o } }")
    return res.graph


@pytest.mark.parametrize("fmt", list(RDF_MEDIA))
def test_def_serves_the_whole_ontology(fmt, client, store):
    media, rdflib_fmt = RDF_MEDIA[fmt]
    r = client.get("/def", headers={"Accept": media})
    assert r.status_code == 200 and r.mimetype == media
    g = Graph().parse(data=r.get_data(as_text=True), format=rdflib_fmt)
    onto = _ontology(store)
    assert _ground(onto) <= set(g)
    assert len(g) == len(onto)
    assert (URIRef("https://w3id.org/cloudkader/def"), None, None) in g


def test_def_html_documents_every_term(client, store):
    r = client.get("/def", headers=HTML)
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert r.headers["Content-Security-Policy"] == CSP  # the one app-wide policy
    onto = _ontology(store)
    terms = {str(s)[len(str(CKD)):] for s in onto.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CKD))}
    assert len(terms) > 100
    anchors = set(re.findall(r'<article class="term" id="([^"]+)"', page))
    assert terms <= anchors, f"terms without documentation: {sorted(terms - anchors)[:20]}"
    # labels in both languages and a definition, e.g. for ckd:Provision
    block = page[page.index('id="Provision"'):]
    block = block[:block.index("</article>")]
    assert "bepaling" in block and "provision" in block
    assert "Een afzonderlijk genummerd" in block
    # the English documentation
    en = client.get("/def?lang=en", headers=HTML).get_data(as_text=True)
    assert "Class hierarchy" in en and "A separately numbered" in en


def test_def_term_paths(client):
    r = client.get("/def/PersonalData", headers=HTML)
    assert r.status_code == 303 and r.headers["Location"].endswith("/def#PersonalData")
    r = client.get("/def/PersonalData", headers={"Accept": "text/turtle"})
    assert r.status_code == 200
    g = Graph().parse(data=r.get_data(as_text=True), format="turtle")
    assert (URIRef(str(CKD) + "PersonalData"), None, None) in g
    assert client.get("/def/NoSuchTerm", headers=HTML).status_code == 404


# --- every store gives the same pages -------------------------------------------------------------


def test_oxigraph_store_gives_the_same_pages(client):
    from cloudkader.web import create_app

    ox = create_app("oxigraph").test_client()
    for path in ("/id/rijk/voorwaarde-4", "/id/org/jenv", "/id/theme/exit-strategy", "/id/rijk"):
        a = client.get(path, headers=HTML).get_data(as_text=True)
        b = ox.get(path, headers=HTML).get_data(as_text=True)
        assert a == b, f"{path}: the oxigraph store renders a different page"
        ga = Graph().parse(data=client.get(path, headers={"Accept": "text/turtle"}).get_data(as_text=True), format="turtle")
        gb = Graph().parse(data=ox.get(path, headers={"Accept": "text/turtle"}).get_data(as_text=True), format="turtle")
        assert to_isomorphic(ga) == to_isomorphic(gb), path

"""The SPARQL 1.1 Protocol endpoint /sparql with the Flask test client: every result format by
content negotiation, the service description, the HTML query page, the protocol errors, CORS."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from cloudkader.knowledge import queries
from cloudkader.web.negotiation import choose, parse_accept, prefers_html

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
SRX = "{http://www.w3.org/2005/sparql-results#}"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"

SELECT = """PREFIX ckd: <https://w3id.org/cloudkader/def#>
SELECT ?framework ?key WHERE { ?framework a ckd:Framework ; ckd:key ?key } ORDER BY ?key"""
ASK = "PREFIX ckd: <https://w3id.org/cloudkader/def#> ASK { ?f a ckd:Framework }"
ASK_FALSE = "ASK { <urn:x:nothing> ?p ?o }"
CONSTRUCT = """PREFIX ckd: <https://w3id.org/cloudkader/def#>
CONSTRUCT { ?f a ckd:Framework ; ckd:key ?key } WHERE { ?f a ckd:Framework ; ckd:key ?key }"""
DESCRIBE = "DESCRIBE <https://w3id.org/cloudkader/id/rijk>"
KEYS = ["avg", "gemeenten", "irc", "jenv", "rijk", "tk"]




def get(client, query, accept=None, **params):
    headers = {"Accept": accept} if accept else {}
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers)


def ctype(resp) -> str:
    return resp.headers["Content-Type"].split(";")[0].strip()


# -- SELECT ------------------------------------------------------------------------------------------


def test_select_json_is_the_default(client):
    r = get(client, SELECT)
    assert r.status_code == 200
    assert ctype(r) == "application/sparql-results+json"
    doc = r.get_json(force=True)
    assert doc["head"]["vars"] == ["framework", "key"]
    assert [b["key"]["value"] for b in doc["results"]["bindings"]] == KEYS
    assert doc["results"]["bindings"][0]["framework"] == {"type": "uri", "value": "https://w3id.org/cloudkader/id/avg"}


@pytest.mark.parametrize("accept", ["application/sparql-results+json", "*/*", "application/json", ""])
def test_select_json_by_accept(client, accept):
    r = get(client, SELECT, accept)
    assert r.status_code == 200 and ctype(r) == "application/sparql-results+json"


def test_select_xml(client):
    r = get(client, SELECT, "application/sparql-results+xml")
    assert r.status_code == 200 and ctype(r) == "application/sparql-results+xml"
    root = ET.fromstring(r.data)
    assert [v.get("name") for v in root.iter(SRX + "variable")] == ["framework", "key"]
    keys = [b.find(SRX + "literal").text for b in root.iter(SRX + "binding") if b.get("name") == "key"]
    assert keys == KEYS


def test_select_csv(client):
    r = get(client, SELECT, "text/csv")
    assert r.status_code == 200 and ctype(r) == "text/csv"
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8"))))
    assert rows[0] == ["framework", "key"]
    assert [row[1] for row in rows[1:]] == KEYS


def test_select_tsv(client):
    r = get(client, SELECT, "text/tab-separated-values")
    assert r.status_code == 200 and ctype(r) == "text/tab-separated-values"
    lines = r.data.decode("utf-8").splitlines()
    assert lines[0] == "?framework\t?key"
    assert lines[1] == '<https://w3id.org/cloudkader/id/avg>\t"avg"'


@pytest.mark.parametrize("fmt,expected", [("json", "application/sparql-results+json"),
                                          ("xml", "application/sparql-results+xml"),
                                          ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_select_format_parameter_overrides_accept(client, fmt, expected):
    r = get(client, SELECT, "image/png", format=fmt)
    assert r.status_code == 200 and ctype(r) == expected


@pytest.mark.parametrize("accept,expected", [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv, application/sparql-results+json;q=0.9", "text/csv"),
    ("text/*", "text/csv"),
    ("application/sparql-results+json;q=0, */*;q=0.1", "application/sparql-results+xml"),
    ("text/tab-separated-values;q=0.2, text/csv;q=0.1", "text/tab-separated-values"),
])
def test_select_q_values(client, accept, expected):
    r = get(client, SELECT, accept)
    assert r.status_code == 200 and ctype(r) == expected


def test_select_same_answer_as_cli(client, cli):
    q = queries.get("frameworks")
    run = cli("query", "--name", "frameworks", "--format", "json")
    assert run.code == 0
    r = get(client, q.text)
    assert r.get_json(force=True) == run.json()


# -- ASK -----------------------------------------------------------------------------------------------


def test_ask_json_and_xml(client):
    assert get(client, ASK).get_json(force=True) == {"head": {}, "boolean": True}
    assert get(client, ASK_FALSE).get_json(force=True)["boolean"] is False
    r = get(client, ASK, "application/sparql-results+xml")
    assert ctype(r) == "application/sparql-results+xml"
    assert ET.fromstring(r.data).find(SRX + "boolean").text == "true"


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values"])
def test_ask_csv_tsv(client, accept):
    r = get(client, ASK, accept)
    assert r.status_code == 200 and ctype(r) == accept and "true" in r.data.decode()


# -- CONSTRUCT / DESCRIBE -------------------------------------------------------------------------------

RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/ld+json": "json-ld",
             "application/rdf+xml": "xml"}


@pytest.fixture(scope="module")
def construct_graph(app):
    r = app.test_client().get("/sparql", query_string={"query": CONSTRUCT}, headers={"Accept": "text/turtle"})
    return Graph().parse(data=r.data, format="turtle")


def test_construct_turtle_is_the_default(client, construct_graph):
    r = get(client, CONSTRUCT)
    assert r.status_code == 200 and ctype(r) == "text/turtle"
    assert len(construct_graph) == 12  # two triples per framework, six frameworks (the AVG since issue 13)
    assert (URIRef("https://w3id.org/cloudkader/id/rijk"), URIRef("https://w3id.org/cloudkader/def#key"), Literal("rijk")) in construct_graph


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_construct_every_rdf_format(client, construct_graph, accept):
    r = get(client, CONSTRUCT, accept)
    assert r.status_code == 200 and ctype(r) == accept
    assert isomorphic(Graph().parse(data=r.data, format=RDF_TYPES[accept]), construct_graph)


@pytest.mark.parametrize("fmt,expected", [("turtle", "text/turtle"), ("nt", "application/n-triples"),
                                          ("json-ld", "application/ld+json"), ("json", "application/ld+json"),
                                          ("xml", "application/rdf+xml")])
def test_construct_format_parameter(client, fmt, expected):
    r = get(client, CONSTRUCT, format=fmt)
    assert r.status_code == 200 and ctype(r) == expected


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_describe_every_rdf_format(client, accept):
    r = get(client, DESCRIBE, accept)
    assert r.status_code == 200 and ctype(r) == accept
    g = Graph().parse(data=r.data, format=RDF_TYPES[accept])
    assert (URIRef("https://w3id.org/cloudkader/id/rijk"), RDF.type, URIRef("https://w3id.org/cloudkader/def#Framework")) in g


# -- POST and the dataset -------------------------------------------------------------------------------


def test_post_form(client):
    r = client.post("/sparql", data={"query": ASK}, headers={"Accept": "application/sparql-results+json"})
    assert r.status_code == 200 and r.get_json(force=True)["boolean"] is True


def test_post_form_with_format_in_body(client):
    r = client.post("/sparql", data={"query": SELECT, "format": "csv"})
    assert r.status_code == 200 and ctype(r) == "text/csv"


def test_post_direct(client):
    r = client.post("/sparql", data=SELECT.encode("utf-8"), content_type="application/sparql-query")
    assert r.status_code == 200
    assert [b["key"]["value"] for b in r.get_json(force=True)["results"]["bindings"]] == KEYS


def test_post_direct_with_utf8_charset(client):
    q = 'ASK { FILTER("é" = "é") }'.encode("utf-8")
    r = client.post("/sparql", data=q, content_type="application/sparql-query; charset=UTF-8")
    assert r.status_code == 200 and r.get_json(force=True)["boolean"] is True


def test_default_graph_uri_and_named_graph_uri(client, store):
    names = store.graph_names()
    rijk = "https://w3id.org/cloudkader/graph/rijk"
    tk = "https://w3id.org/cloudkader/graph/tk"
    assert rijk in names and tk in names
    q = "PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT DISTINCT ?f WHERE { ?p ckd:framework ?f }"
    r = client.get("/sparql", query_string={"query": q, "default-graph-uri": rijk})
    assert {b["f"]["value"] for b in r.get_json(force=True)["results"]["bindings"]} == {"https://w3id.org/cloudkader/id/rijk"}
    q = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = client.get("/sparql", query_string=[("query", q), ("named-graph-uri", rijk), ("named-graph-uri", tk)])
    assert {b["g"]["value"] for b in r.get_json(force=True)["results"]["bindings"]} == {rijk, tk}
    # in a form body as well
    r = client.post("/sparql", data=urlencode([("query", q), ("named-graph-uri", tk)]),
                    content_type="application/x-www-form-urlencoded")
    assert {b["g"]["value"] for b in r.get_json(force=True)["results"]["bindings"]} == {tk}


def test_default_graph_is_the_union(client, store):
    q = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    r = get(client, q)
    assert int(r.get_json(force=True)["results"]["bindings"][0]["n"]["value"]) == len(store.graph_names())


# -- errors ---------------------------------------------------------------------------------------------


def assert_text_error(r, status, *fragments):
    assert r.status_code == status, r.data
    assert ctype(r) == "text/plain"
    text = r.data.decode("utf-8")
    for f in fragments:
        assert f in text, text
    return text


def test_two_queries(client):
    r = client.get("/sparql?query=" + quote(ASK) + "&query=" + quote(SELECT))
    assert_text_error(r, 400, "query")


def test_query_plus_update(client):
    r = client.get("/sparql?query=" + quote(ASK) + "&update=" + quote("CLEAR ALL"))
    assert_text_error(r, 400, "not both")


def test_wrong_media_type(client):
    r = client.post("/sparql", data=b"ASK {}", content_type="text/plain")
    assert_text_error(r, 400, "text/plain")


def test_missing_content_type(client):
    r = client.post("/sparql", data=b"query=ASK%20%7B%7D")
    assert_text_error(r, 400, "Content-Type")


@pytest.mark.parametrize("body,content_type", [
    ("ASK {}".encode("utf-16"), "application/sparql-query"),
    ("ASK {}".encode("utf-16"), "application/sparql-query; charset=UTF-16"),
    (b"query=ASK%20%7B%20FILTER(%22%FF%22)%20%7D", "application/x-www-form-urlencoded"),
    (b"query=ASK%20%7B%7D", "application/x-www-form-urlencoded; charset=ISO-8859-1"),
])
def test_non_utf8(client, body, content_type):
    r = client.post("/sparql", data=body, content_type=content_type)
    assert_text_error(r, 400, "UTF-8")


def test_raw_utf8_in_the_url_is_accepted_but_not_latin1(client):
    q = 'ASK { FILTER("é" = "é") }'
    environ = {"QUERY_STRING": "query=" + q.encode("utf-8").decode("latin-1")}
    r = client.get("/sparql", environ_overrides=environ)
    assert r.status_code == 200 and r.get_json(force=True)["boolean"] is True
    r = client.get("/sparql", environ_overrides={"QUERY_STRING": "query=" + q})  # é as one Latin-1 byte
    assert_text_error(r, 400, "UTF-8")
    r = client.get("/sparql?query=ASK%20%7B%20FILTER(%22%E9%22)%20%7D")
    assert_text_error(r, 400, "UTF-8")


def test_syntax_error_gives_line_and_column(client):
    r = get(client, "PREFIX ckd: <https://w3id.org/cloudkader/def#>\nSELECT * WHERE {\n  ?s ?p ?o .\n  FILTER( }")
    assert_text_error(r, 400, "syntax error", "line 4", "column")


def test_post_without_query(client):
    assert_text_error(client.post("/sparql", data={"default-graph-uri": "urn:x"}), 400, "no query")


def test_empty_query(client):
    assert_text_error(get(client, "   "), 400, "empty query")


def test_unknown_format(client):
    assert_text_error(get(client, SELECT, format="yaml"), 400, "format")
    assert_text_error(get(client, CONSTRUCT, format="csv"), 400, "CONSTRUCT")


def test_bad_graph_iri(client):
    r = client.get("/sparql", query_string={"query": ASK, "default-graph-uri": "not an iri"})
    assert_text_error(r, 400, "IRI")


def test_service_is_refused(client):
    r = get(client, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert_text_error(r, 400, "SERVICE")


@pytest.mark.parametrize("make", [
    lambda c: c.get("/sparql", query_string={"update": "CLEAR ALL"}),
    lambda c: c.post("/sparql", data={"update": "CLEAR ALL"}),
    lambda c: c.post("/sparql", data=b"CLEAR ALL", content_type="application/sparql-update"),
    lambda c: c.post("/sparql", data="CLEAR ALL".encode("utf-16"), content_type="application/sparql-update; charset=UTF-16"),
    lambda c: c.post("/sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
], ids=["get", "form", "direct", "direct-utf16", "update-as-query"])
def test_updates_are_refused_with_403(client, make, store):
    assert_text_error(make(client), 403, "read-only")
    assert get(client, "ASK { <urn:a> <urn:b> <urn:c> }").get_json(force=True)["boolean"] is False


def test_two_updates_are_a_bad_request(client):
    body = urlencode([("update", "CLEAR ALL"), ("update", "CLEAR NAMED")])
    assert_text_error(client.post("/sparql", data=body, content_type="application/x-www-form-urlencoded"), 400)


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_other_methods(client, method):
    r = client.open("/sparql?query=" + quote(ASK), method=method)
    assert_text_error(r, 405)
    assert r.headers["Allow"] == "GET, POST, OPTIONS"


@pytest.mark.parametrize("query,accept", [(SELECT, "image/png"), (ASK, "text/turtle"),
                                          (CONSTRUCT, "application/sparql-results+json"), (DESCRIBE, "text/csv")])
def test_not_acceptable(client, query, accept):
    r = get(client, query, accept)
    assert_text_error(r, 406, "Accept")


def test_body_too_large(client, app):
    body = b"ASK {} #" + b"x" * app.config["MAX_CONTENT_LENGTH"]
    r = client.post("/sparql", data=body, content_type="application/sparql-query")
    assert_text_error(r, 413, "too large")


# -- service description --------------------------------------------------------------------------------


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_service_description(client, store, accept):
    r = client.get("/sparql", headers={"Accept": accept})
    assert r.status_code == 200 and ctype(r) == accept
    g = Graph().parse(data=r.data, format=RDF_TYPES[accept])
    svc = URIRef("http://localhost/sparql")
    assert (svc, RDF.type, SD.Service) in g
    assert (svc, SD.endpoint, svc) in g
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(svc, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats
    assert URIRef("http://www.w3.org/ns/formats/Turtle") in formats
    assert len(formats) == 8
    ds = g.value(svc, SD.defaultDataset)
    dg = g.value(ds, SD.defaultGraph)
    assert (dg, RDF.type, SD.Graph) in g
    assert any("union" in str(c) for c in g.objects(dg, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    names = {str(g.value(ng, SD.name)) for ng in g.objects(ds, SD.namedGraph)}
    assert names == set(store.graph_names())


def test_service_description_for_plain_clients(client):
    # curl's Accept: */* — the data, not the HTML page
    r = client.get("/sparql", headers={"Accept": "*/*"})
    assert r.status_code == 200 and ctype(r) == "text/turtle"
    r = client.get("/sparql?format=json-ld")
    assert r.status_code == 200 and ctype(r) == "application/ld+json"
    json.loads(r.data)


# -- HTML -----------------------------------------------------------------------------------------------


def test_html_query_page(client):
    r = client.get("/sparql", headers={"Accept": BROWSER})
    assert r.status_code == 200 and ctype(r) == "text/html"
    html = r.data.decode("utf-8")
    assert '<textarea id="query" name="query"' in html
    assert '<form method="get" action="/sparql"' in html
    assert 'type="submit"' in html
    from markupsafe import escape

    named = queries.all_queries()
    assert named
    for q in named:
        assert f"<strong>{q.name}</strong>" in html
        assert str(escape(q.question_nl)) in html
        assert f"example={q.name}" in html
    # the plain form works without scripts; the only scripts are the vendored editor, from /static
    import re

    assert re.findall(r"<script\b[^>]*>", html) == [
        '<script src="/static/vendor/yasgui/yasgui.min.js" defer>', '<script src="/static/sparql-editor.js" defer>']
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_html_page_loads_nothing_from_elsewhere(client):
    import re

    html = client.get("/sparql", headers={"Accept": BROWSER}).data.decode("utf-8")
    assert "<iframe" not in html.lower()
    for tag in re.findall(r"<(?:link|img|script)\b[^>]*>", html, flags=re.I):
        url = re.search(r'(?:href|src)="([^"]*)"', tag).group(1)
        assert url.startswith("/") and not url.startswith("//"), tag


def test_html_page_without_the_site_layout():
    """The SPARQL blueprint alone (no pages blueprint) still serves a complete page."""
    from flask import Flask

    from cloudkader.web.sparql import bp

    app = Flask("standalone")
    app.config["CLOUDKADER_STORE"] = "memory"
    app.register_blueprint(bp)
    r = app.test_client().get("/sparql", headers={"Accept": BROWSER})
    html = r.data.decode("utf-8")
    assert r.status_code == 200 and html.startswith("<!DOCTYPE html>") and "<textarea" in html
    r = app.test_client().get("/sparql", query_string={"query": SELECT}, headers={"Accept": BROWSER})
    assert ">rijk<" in r.data.decode("utf-8")


def test_html_page_in_the_site_layout(client):
    html = client.get("/sparql", headers={"Accept": BROWSER}).data.decode("utf-8")
    assert "/static/style.css" in html  # the site's base template, with its navigation


def test_html_example_into_form(client):
    q = queries.all_queries()[0]
    r = client.get("/sparql", query_string={"example": q.name}, headers={"Accept": BROWSER})
    html = r.data.decode("utf-8")
    assert "<textarea" in html and "SELECT" in html


def test_html_results_for_a_browser(client):
    r = get(client, SELECT, BROWSER)
    assert r.status_code == 200 and ctype(r) == "text/html"
    html = r.data.decode("utf-8")
    assert "<table" in html and "<th scope=\"col\">framework</th>" in html
    for key in KEYS:
        assert f">{key}<" in html
    assert 'href="/id/rijk"' in html


def test_html_error_for_a_browser(client):
    r = get(client, "SELECT * WHERE {", BROWSER)
    assert r.status_code == 400 and ctype(r) == "text/html"
    assert "syntax error" in r.data.decode("utf-8")


def test_html_escapes_the_query(client):
    r = get(client, 'ASK { FILTER("<script>alert(1)</script>" = "") }', BROWSER)
    assert b"<script>alert" not in r.data


# -- CORS -----------------------------------------------------------------------------------------------


def test_cors_on_results_and_errors(client):
    for r in (get(client, ASK), get(client, "ASK {"), client.get("/sparql", headers={"Accept": "text/turtle"})):
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in r.headers


def test_cors_preflight(client):
    r = client.options("/sparql", headers={"Origin": "https://elsewhere.example",
                                           "Access-Control-Request-Method": "POST",
                                           "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert {m.strip() for m in r.headers["Access-Control-Allow-Methods"].split(",")} == {"GET", "POST", "OPTIONS"}
    assert "content-type" in r.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_vary_accept(client):
    assert "Accept" in get(client, ASK).headers.get("Vary", "")


# -- negotiation helpers --------------------------------------------------------------------------------


def test_choose():
    offered = ["application/json", "text/turtle", "application/ld+json"]
    assert choose(None, offered) == "application/json"
    assert choose("", offered) == "application/json"
    assert choose("*/*", offered) == "application/json"
    assert choose("text/turtle", offered) == "text/turtle"
    assert choose("text/*;q=0.5, application/ld+json;q=0.4", offered) == "text/turtle"
    assert choose("application/*;q=0.3, application/ld+json", offered) == "application/ld+json"
    assert choose("application/json;q=0, */*", offered) == "text/turtle"
    assert choose("image/png", offered) is None
    assert choose("TEXT/Turtle", offered) == "text/turtle"
    assert choose("text/turtle;charset=utf-8;q=0.5, application/json;q=0.4", offered) == "text/turtle"
    assert choose("garbage, text/turtle;q=abc, application/ld+json", offered) == "application/ld+json"


def test_parse_accept():
    ranges = parse_accept("text/html, */*;q=0.8, application/xml;q=0.9")
    assert [(r.type, r.subtype, r.q) for r in ranges] == [("text", "html", 1.0), ("*", "*", 0.8), ("application", "xml", 0.9)]


def test_prefers_html():
    assert prefers_html(BROWSER, ["text/turtle"])
    assert not prefers_html("*/*", ["text/turtle"])
    assert not prefers_html(None, ["text/turtle"])
    assert not prefers_html("text/turtle, text/html;q=0.5", ["text/turtle"])


# -- the serve command (argument checks; the real server runs in test_w3c_protocol.py) -------------------


@pytest.mark.parametrize("spec,fragment", [("no-equals-sign", "IRI=FILE"),
                                           ("http://example.org/g=/no/such/file.nt", "no such file"),
                                           ("not an iri={data}", "not an absolute IRI"),
                                           ("http://example.org/g={bad_ext}", "unknown RDF format")])
def test_serve_rejects_bad_load_graph(cli, tmp_path, spec, fragment):
    data = tmp_path / "g.nt"
    data.write_text("<urn:a> <urn:b> <urn:c> .\n")
    bad_ext = tmp_path / "g.txt"
    bad_ext.write_text("x")
    run = cli("serve", "--port", "0", "--load-graph", spec.format(data=data, bad_ext=bad_ext))
    assert run.code == 2 and fragment in run.err


def test_load_graphs_into_a_store(tmp_path):
    from rdflib import Dataset

    from cloudkader.cli.serve import load_graphs
    from cloudkader.stores.local import MemoryStore

    data = tmp_path / "g.ttl"
    data.write_text("<urn:a> <urn:b> <urn:c> .\n")
    s = MemoryStore(Dataset(default_union=True))
    load_graphs(s, [f"http://example.org/q?a=b={data}"])
    assert s.graph_names() == ["http://example.org/q?a=b"]
    assert s.query("ASK { GRAPH <http://example.org/q?a=b> { <urn:a> <urn:b> <urn:c> } }").boolean is True


def test_unexpected_failure_is_a_plain_500(client, monkeypatch):
    import cloudkader.web.sparql as sparql_mod

    class Broken:
        def query(self, *a, **k):
            raise RuntimeError("boom")

    monkeypatch.setattr(sparql_mod, "_store", lambda: Broken())
    r = get(client, ASK)
    assert_text_error(r, 500, "internal error")
    assert "boom" not in r.data.decode()
    assert r.headers["Access-Control-Allow-Origin"] == "*"

"""Real clients and real failures against a real ``cloudkader serve`` on loopback:

- SPARQLWrapper (the Python SPARQL client) gets every result format it asks for — it sends the
  format twice (``format=tsv&format=text/tab-separated-values``) — and ``n3`` gets Turtle;
- a browser's CORS preflight is granted the request headers it asks for;
- ``--store`` serves SPARQL only: with the store unreachable the service starts at once, the
  checks (``/validate``, ``/applicable``) answer exactly as from the compiled corpus, and
  ``/sparql`` answers 502 with a message; a store that does not answer in time gives 504."""

from __future__ import annotations

import csv
import io
import json
import socket

import pytest
import requests
from rdflib import Graph
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from cloudkader import core
from cloudkader.checks.description import format_for_filename
from cloudkader.knowledge.app_state import get_store
from cloudkader.terms import paths
from cloudkader.web import create_app

from .oxigraph_server import free_port
from .server_process import ServerProcess, server_factory  # noqa: F401  (session fixture)

SELECT = ("PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?f ?k WHERE { ?f a ckd:Framework ; ckd:key ?k } "
          "ORDER BY ?k")
CONSTRUCT = ("PREFIX ckd: <https://w3id.org/cloudkader/def#> CONSTRUCT { ?f ckd:key ?k } WHERE { ?f a ckd:Framework ; "
             "ckd:key ?k }")


@pytest.fixture(scope="module")
def server(server_factory):  # noqa: F811
    return server_factory(store="oxigraph")


def _keys_expected() -> list[str]:
    return [str(r[1]) for r in get_store("oxigraph").query(SELECT).rows]


@pytest.mark.parametrize("method", [GET, POST])
def test_sparqlwrapper_gets_every_format(server, method):
    keys = _keys_expected()
    assert len(keys) > 3

    def ask(query, fmt):
        w = SPARQLWrapper(server.url + "/sparql")
        w.setMethod(method)
        w.setQuery(query)
        w.setReturnFormat(fmt)
        return w.query().convert()

    assert [b["k"]["value"] for b in ask(SELECT, JSON)["results"]["bindings"]] == keys
    xml = ask(SELECT, XML)  # a DOM document
    assert [n.firstChild.firstChild.data for n in xml.getElementsByTagName("binding") if n.getAttribute("name") == "k"] == keys
    for fmt, delimiter in ((CSV, ","), (TSV, "\t")):
        table = ask(SELECT, fmt)
        rows = list(csv.reader(io.StringIO(table.decode("utf-8") if isinstance(table, bytes) else table), delimiter=delimiter))
        assert [r[1].strip('"') for r in rows[1:]] == keys, fmt
    expected = get_store("oxigraph").query(CONSTRUCT).graph
    for fmt in (TURTLE, N3, RDFXML, JSONLD):
        got = ask(CONSTRUCT, fmt)
        if not isinstance(got, Graph):  # TURTLE and N3 come back as bytes
            got = Graph().parse(data=got, format="turtle")
        assert set(got) == set(expected), fmt


def test_format_given_twice(server):
    r = requests.get(server.url + "/sparql", params=[("query", SELECT), ("format", "tsv"),
                                                       ("format", "text/tab-separated-values")], timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/tab-separated-values")
    r = requests.get(server.url + "/sparql", params=[("query", SELECT), ("format", "tsv"), ("format", "json")], timeout=30)
    assert r.status_code == 400 and "different formats" in r.text
    r = requests.get(server.url + "/sparql", params=[("query", CONSTRUCT), ("format", "n3")], timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")


def test_cors_preflight_grants_the_headers_asked_for(server):
    asked = "content-type, x-requested-with, cache-control"
    r = requests.options(server.url + "/sparql", timeout=30, headers={
        "Origin": "https://yasgui.example.org", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": asked})
    assert r.status_code == 204
    granted = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"content-type", "x-requested-with", "cache-control", "accept"} <= granted
    assert r.headers["Access-Control-Allow-Origin"] == "*" and "Access-Control-Allow-Credentials" not in r.headers


def test_unreachable_store_leaves_the_checks_unchanged():
    example = sorted(paths.EXAMPLES_DIR.glob("*.ttl"))[0]
    body = example.read_bytes()
    d = core.read_description(body, format_for_filename(example.name), "request body")
    expected_validation, _graph, _reports = core.validate(d)
    expected_applicable = core.applicable(d)
    dead = f"sparql:http://127.0.0.1:{free_port()}/query"  # nothing listens there
    with ServerProcess(store=dead) as server:
        headers = {"Content-Type": "text/turtle", "Accept": "application/json"}
        v = requests.post(server.url + "/validate", data=body, headers=headers, timeout=60)
        a = requests.post(server.url + "/applicable", data=body, headers=headers, timeout=60)
        q = requests.post(server.url + "/sparql", data={"query": SELECT}, timeout=60)
        log = server.log
    assert v.status_code == 200 and json.loads(v.text) == json.loads(json.dumps(expected_validation))
    assert a.status_code == 200 and json.loads(a.text) == json.loads(json.dumps(expected_applicable))
    assert q.status_code == 502 and "unreachable" in q.text
    assert "unreachable" in log  # and said so when it started


def test_slow_store_gives_504():
    """A store that accepts connections and never answers: 504 with the time waited."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        spec = f"sparql:http://127.0.0.1:{silent.getsockname()[1]}/query"
        store = get_store(spec)
        store.timeout = 1
        r = create_app(spec).test_client().post("/sparql", data={"query": SELECT})
    assert r.status_code == 504 and "did not answer within" in r.get_data(as_text=True)

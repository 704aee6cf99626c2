"""``--store sparql:URL`` against a real Virtuoso (Debian's virtuoso-opensource, ``make virtuoso``),
started by this module on loopback with a fresh database: cloudkader loads the compiled corpus
through Virtuoso's Graph Store and every named query, applicability and validation give the same
answers as the embedded store; the default graph is the union with each triple once; a query's
own FROM is honoured; and a real ``cloudkader serve --store sparql:URL`` answers ``/sparql``
with a query sent as ``application/sparql-query`` (which Virtuoso itself never answers).

Skipped only when ``make virtuoso`` could not install Virtuoso with apt (it says why in
``build/virtuoso-unavailable.txt``); without that note a missing Virtuoso is a failure."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import requests

from cloudkader.knowledge import queries
from cloudkader.knowledge.app_state import get_store
from cloudkader.stores.remote import UNION_GRAPH

from .server_process import ROOT, ServerProcess
from .test_store_parity import _descriptions, _outcomes, _rows, union_count
from .virtuoso_server import VirtuosoServer, virtuoso_binary

UNAVAILABLE = ROOT / "build" / "virtuoso-unavailable.txt"


@pytest.fixture(scope="module")
def virtuoso():
    if virtuoso_binary() is None:
        if UNAVAILABLE.exists():
            pytest.skip(UNAVAILABLE.read_text(encoding="utf-8").strip())
        pytest.fail("virtuoso-t is missing: run `make virtuoso` (apt-get install virtuoso-opensource-7-bin)")
    server = VirtuosoServer()
    yield server
    server.stop()


def test_virtuoso_answers_as_the_embedded_store(virtuoso):
    """One test (so one Virtuoso, whatever pytest-xdist does): the corpus is loaded through
    Virtuoso's authenticated Graph Store, then every named query, the dataset rules, applicability
    and validation, and the real service in front of it."""
    store, embedded = get_store(virtuoso.store_spec), get_store("oxigraph")
    assert store.engine == "virtuoso" and store.store_url.endswith("/sparql-graph-crud-auth")

    differ = {}
    for q in queries.all_queries():
        # the same rows, as a multiset (ORDER BY ties may come in another order; rdflib terms
        # and None have no total order to sort by)
        got, expected = Counter(_rows(store.query(q.text))), Counter(_rows(embedded.query(q.text)))
        if got != expected:
            differ[q.name] = (got - expected, expected - got)
    assert not differ, differ

    assert union_count(store) == union_count(embedded)  # each triple once, no Virtuoso system graphs
    rijk = "SELECT (COUNT(*) AS ?n) FROM <https://w3id.org/cloudkader/graph/rijk> WHERE { ?s ?p ?o }"
    assert _rows(store.query(rijk)) == _rows(embedded.query(rijk))
    assert int(_rows(store.query(rijk))[0][0]) < union_count(embedded)
    assert store.query("ASK { ?s a <https://w3id.org/cloudkader/def#Framework> }").boolean is True
    assert store.query("ASK { ?s a <urn:x:nothing> }").boolean is False
    assert str(UNION_GRAPH) not in store.graph_names()

    checks = {name: (_outcomes(virtuoso.store_spec, path, name), _outcomes("oxigraph", path, name))
              for name, path in _descriptions()}
    assert {name for name, (a, b) in checks.items() if a != b} == set()

    # the real service: a query POSTed as application/sparql-query is passed on to Virtuoso as a
    # form, and the answer is the embedded store's
    text = queries.get("frameworks").text
    with ServerProcess(store=virtuoso.store_spec) as server:
        log = server.log
        r = requests.post(server.url + "/sparql", data=text.encode("utf-8"), timeout=60,
                          headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert "dba:***@" in log and ":dba@" not in log  # the password is not printed
    assert r.status_code == 200, r.text
    got = json.loads(r.text)["results"]["bindings"]
    expected = json.loads(_embedded_json(text))["results"]["bindings"]
    assert sorted(json.dumps(b, sort_keys=True) for b in got) == sorted(json.dumps(b, sort_keys=True) for b in expected)


def _embedded_json(text: str) -> str:
    from cloudkader.stores.results import to_json

    return to_json(get_store("oxigraph").query(text))

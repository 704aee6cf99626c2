"""``--store sparql:URL`` against Jena ARQ, Apache Jena's query engine (Debian's
``libapache-jena-java``, ``make jena``), behind Fuseki's protocols and paths: Fuseki itself is not
packaged in Debian, so ``tests/engines/JenaEndpoint.java`` stands in for ``fuseki-server --mem /ds``
(Fuseki's dataset rules, Jena's own result writers, no Server header as in a released Fuseki).
Started by this module on loopback: cloudkader derives Fuseki's Graph Store URL (``/ds/data``) and
loads the compiled corpus through it, and every named query, applicability and validation give the
embedded store's answers; the default graph is the union with each triple once; a query's own FROM
is honoured; and a real ``cloudkader serve --store sparql:URL`` answers ``/sparql``.

Skipped only when ``make jena`` could not install Jena with apt (it says why in
``build/jena-unavailable.txt``); without that note a missing Jena is a failure."""

from __future__ import annotations

import pytest
import requests

from cloudkader.knowledge import queries
from cloudkader.knowledge.app_state import get_store
from cloudkader.stores.remote import UNION_GRAPH

from .jena_server import JenaServer, jena_missing
from .server_process import ROOT, ServerProcess
from .test_store_parity import assert_dataset_rules, checks_that_differ, queries_that_differ, served_bindings, union_count

UNAVAILABLE = ROOT / "build" / "jena-unavailable.txt"
RIJK = "https://w3id.org/cloudkader/graph/rijk"


@pytest.fixture(scope="module")
def jena():
    missing = jena_missing()
    if missing is not None:
        if UNAVAILABLE.exists():
            pytest.skip(UNAVAILABLE.read_text(encoding="utf-8").strip())
        pytest.fail(f"{missing}: run `make jena`")
    server = JenaServer()
    yield server
    server.stop()


def test_jena_answers_as_the_embedded_store(jena):
    """One test (so one endpoint, whatever pytest-xdist does): the corpus is loaded through the
    Graph Store at Fuseki's path, then every named query, the dataset rules, applicability and
    validation, and the real service in front of it."""
    store, embedded = get_store(jena.store_spec), get_store("oxigraph")
    # no Server header (as a released Fuseki): the Graph Store URL comes from Fuseki's path layout
    assert (store.engine, store.store_url) == ("other", jena.url + "/data")
    r = requests.get(jena.url + "/data", params={"graph": RIJK}, headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 200 and r.text.count("\n") > 100  # the graph is in Jena's dataset

    assert not queries_that_differ(store, embedded)

    assert_dataset_rules(store, embedded)  # each triple once; a query's own FROM is its dataset
    # Fuseki's rule (SPARQLProtocol.getDatasetDescription), which is why cloudkader sends no graphs
    # of its own with a query that has a FROM: the protocol's graphs override the query's
    count = f"SELECT (COUNT(*) AS ?n) FROM <{RIJK}> WHERE {{ ?s ?p ?o }}"
    both = store._query_raw(count, "SelectQuery", [str(UNION_GRAPH)], store.graph_names())
    assert int(both.rows[0][0]) == union_count(embedded) > int(store.query(count).rows[0][0])

    assert checks_that_differ(jena.store_spec) == set()

    # the real service in front of it: a query POSTed as application/sparql-query, the answer is
    # the embedded store's
    text = queries.get("frameworks").text
    with ServerProcess(store=jena.store_spec) as server:
        r = requests.post(server.url + "/sparql", data=text.encode("utf-8"), timeout=60,
                          headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
    assert r.status_code == 200, r.text
    got, expected = served_bindings(r.text, text)
    assert got and got == expected

"""The same answers from every store: the embedded rdflib store (memory), embedded pyoxigraph
(the default of ``cloudkader serve``), and a real ``oxigraph serve`` on loopback reached only
through the SPARQL 1.1 Protocol and the Graph Store Protocol (``--store sparql:URL``): named
queries, applicability and validation; the default graph is the union with each triple once on
every store, and a query's own FROM is honoured. (Virtuoso: tests/test_virtuoso.py; Jena ARQ:
tests/test_jena.py.)"""

from __future__ import annotations

import functools
import json
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import BNode

from cloudkader import core
from cloudkader.terms import paths
from cloudkader.checks.validation import Checker, applicable_json, validation_json
from cloudkader.knowledge import compiled, corpus, queries
from cloudkader.knowledge.app_state import get_store
from cloudkader.checks.description import format_for_filename

from .oxigraph_server import OxigraphServer


@pytest.fixture(scope="module")
def oxigraph_server():
    server = OxigraphServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def specs(oxigraph_server):
    return ["memory", "oxigraph", oxigraph_server.store_spec]


def _rows(result):
    if result.kind == "ask":
        return result.boolean
    if result.kind == "graph":
        return sorted(tuple("_:b" if isinstance(t, BNode) else t for t in triple) for triple in result.graph)
    return [tuple("_:b" if isinstance(t, BNode) else t for t in row) for row in result.rows]


def test_corpus_is_loaded_through_the_graph_store_protocol(oxigraph_server, specs):
    store = get_store(oxigraph_server.store_spec)
    # the engine is recognised by its Server header and its Graph Store URL derived from it
    assert (store.engine, store.store_url) == ("oxigraph", oxigraph_server.url + "/store")
    assert set(get_store("memory").graph_names()) <= set(store.graph_names())
    # loading again with the same digest writes nothing: the stamp graph says it is there
    assert store._stamp() is not None


@pytest.mark.parametrize("name", [q.name for q in queries.all_queries()])
def test_named_queries_agree(specs, name):
    text = queries.get(name).text
    answers = [_rows(get_store(spec).query(text)) for spec in specs]
    assert answers[0] == answers[1] == answers[2]


def _descriptions():
    files = sorted(paths.EXAMPLES_DIR.glob("*.ttl")) + [paths.DATA_DIR / "register" / "kamerbrief-2024.ttl"]
    return [(f.name, f) for f in files]


@pytest.mark.parametrize("name,path", _descriptions(), ids=[n for n, _ in _descriptions()])
def test_applicability_and_validation_agree(specs, name, path):
    """The checks answer from the compiled Knowledge; the same Knowledge read from each store
    gives the same applicability and validation."""
    d = core.read_description(path.read_bytes(), format_for_filename(path.name), name)
    validation, _graph, _reports = core.validate(d)
    outcomes = [(json.dumps(core.applicable(d), sort_keys=True), json.dumps(validation, sort_keys=True))]
    outcomes += [_outcomes(spec, path, name) for spec in specs]
    assert outcomes[0] == outcomes[1] == outcomes[2] == outcomes[3]


@functools.lru_cache(maxsize=None)  # the embedded store's are asked by every engine's test in this worker
def _outcomes(spec, path, name) -> tuple[str, str]:
    """(applicability, validation) of the description at ``path`` with the Knowledge read from ``spec``."""
    d = core.read_description(path.read_bytes(), format_for_filename(path.name), name)
    checker = Checker(_knowledge_of(spec))
    reports, _ = checker.check(d, want_validation=False)
    v_reports, _ = checker.check(d, want_applicable=False)
    return (json.dumps(applicable_json(reports), sort_keys=True), json.dumps(validation_json(v_reports), sort_keys=True))


def union_count(store) -> int:
    return int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0])


def test_default_graph_is_the_union_with_each_triple_once(specs):
    """COUNT(*) over the default graph is the number of distinct triples of the compiled corpus
    (a triple in two graphs counts once) on every store; FROM <graph> counts that graph only."""
    quads = list(ox.parse(path=str(corpus.compiled_corpus_path()), format=ox.RdfFormat.N_QUADS))
    distinct = {(q.subject, q.predicate, q.object) for q in quads}
    assert len(distinct) < len(quads)  # the corpus has triples in more than one graph: the test can fail
    rijk = "https://w3id.org/cloudkader/graph/rijk"
    in_rijk = len({(q.subject, q.predicate, q.object) for q in quads if q.graph_name.value == rijk})
    for spec in specs:
        store = get_store(spec)
        assert union_count(store) == len(distinct), spec
        res = store.query(f"SELECT (COUNT(*) AS ?n) FROM <{rijk}> WHERE {{ ?s ?p ?o }}")
        assert int(res.rows[0][0]) == in_rijk, spec


def queries_that_differ(store, embedded) -> dict:
    """The named queries whose rows on ``store`` are not those of ``embedded``, with the rows
    each has that the other lacks (compared as multisets: ORDER BY ties may come in another
    order, and rdflib terms and None have no total order to sort by)."""
    differ = {}
    for q in queries.all_queries():
        got, expected = Counter(_rows(store.query(q.text))), Counter(_rows(embedded.query(q.text)))
        if got != expected:
            differ[q.name] = (got - expected, expected - got)
    return differ


def assert_dataset_rules(store, embedded) -> None:
    """``store`` keeps the dataset rules of ``embedded``: the default graph is the union with each
    triple once, a query's own FROM / FROM NAMED is its dataset, ASK answers booleans, and the
    union graph is no corpus graph."""
    from cloudkader.stores.remote import UNION_GRAPH

    assert union_count(store) == union_count(embedded)
    rijk = "https://w3id.org/cloudkader/graph/rijk"
    count = f"SELECT (COUNT(*) AS ?n) FROM <{rijk}> WHERE {{ ?s ?p ?o }}"
    assert _rows(store.query(count)) == _rows(embedded.query(count))
    assert int(_rows(store.query(count))[0][0]) < union_count(embedded)
    named = f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{rijk}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
    assert _rows(store.query(named)) == _rows(embedded.query(named))
    assert store.query("ASK { ?s a <https://w3id.org/cloudkader/def#Framework> }").boolean is True
    assert store.query("ASK { ?s a <urn:x:nothing> }").boolean is False
    assert str(UNION_GRAPH) not in store.graph_names()


def checks_that_differ(spec) -> set[str]:
    """The example descriptions whose applicability or validation with the Knowledge read from
    ``spec`` is not what it is with the embedded store's."""
    return {name for name, path in _descriptions() if _outcomes(spec, path, name) != _outcomes("oxigraph", path, name)}


def served_bindings(response_text: str, query_text: str) -> tuple[list, list]:
    """The bindings of a service's JSON answer to ``query_text``, and the embedded store's, sorted."""
    from cloudkader.stores.results import to_json

    got = json.loads(response_text)["results"]["bindings"]
    expected = json.loads(to_json(get_store("oxigraph").query(query_text)))["results"]["bindings"]
    return (sorted(json.dumps(b, sort_keys=True) for b in got), sorted(json.dumps(b, sort_keys=True) for b in expected))


_KNOWLEDGE: dict = {}


def _knowledge_of(spec):
    if spec not in _KNOWLEDGE:
        _KNOWLEDGE[spec] = compiled.load(get_store(spec))
    return _KNOWLEDGE[spec]

"""``--store sparql:URL``: any SPARQL 1.1 endpoint as cloudkader's store, through the standard
protocols only — the SPARQL 1.1 Protocol for queries and the Graph Store HTTP Protocol to load
the compiled corpus — so an organisation can point cloudkader at its own triple store
(Oxigraph server, Fuseki, GraphDB, Virtuoso).

Spec: ``sparql:QUERY_URL`` or ``sparql:QUERY_URL,GRAPH_STORE_URL``. Without a Graph Store URL,
``…/query`` becomes ``…/store`` (Oxigraph) and ``…/sparql`` becomes ``…/data`` (Fuseki).

The corpus graphs are loaded once: a stamp graph records the digest of the compiled corpus, and
a store that already holds that digest is not written again. Queries name the corpus graphs as
the request's dataset (``default-graph-uri`` for each graph, and ``named-graph-uri`` for each)
unless the caller names a dataset, so the default graph is their union whatever the endpoint's
own default is."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import requests
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from ..terms.namespaces import CKD, GRAPH
from .results import QueryError, QueryResult
from .query_guard import verdict

log = logging.getLogger(__name__)
STAMP_GRAPH = GRAPH.stamp
TIMEOUT = 60


def _json_term(b: dict):
    t = b["type"]
    if t == "uri":
        return URIRef(b["value"])
    if t == "bnode":
        return BNode(b["value"])
    if "xml:lang" in b:
        return Literal(b["value"], lang=b["xml:lang"])
    if "datatype" in b and b["datatype"] != "http://www.w3.org/2001/XMLSchema#string":
        return Literal(b["value"], datatype=URIRef(b["datatype"]))
    return Literal(b["value"])


class SparqlStore:
    name = "sparql"

    def __init__(self, query_url: str, store_url: str):
        self.query_url = query_url
        self.store_url = store_url
        self.session = requests.Session()
        self._graphs: list[str] = []

    @staticmethod
    def parse_spec(spec: str) -> tuple[str, str]:
        if "," in spec:
            q, s = spec.split(",", 1)
            return q, s
        if spec.endswith("/query"):
            return spec, spec[: -len("/query")] + "/store"
        if spec.endswith("/sparql"):
            return spec, spec[: -len("/sparql")] + "/data"
        raise ValueError(f"cannot derive the Graph Store URL from {spec!r}: use sparql:QUERY_URL,GRAPH_STORE_URL")

    @classmethod
    def connect(cls, spec: str, nquads: Path) -> "SparqlStore":
        q, s = cls.parse_spec(spec)
        store = cls(q, s)
        store.load_corpus(nquads)
        return store

    # -- loading ------------------------------------------------------------------------------
    def load_corpus(self, nquads: Path) -> None:
        digest = json.loads((nquads.parent / "stamp.json").read_text(encoding="utf-8"))["digest"]
        ds = Dataset()
        ds.parse(nquads, format="nquads")
        graphs = sorted(str(g.identifier) for g in ds.graphs() if len(g) and not str(g.identifier).startswith("urn:x-rdflib"))
        self._graphs = graphs + [str(STAMP_GRAPH)]
        if self._stamp() == digest:
            return
        for name in graphs:
            self.put_graph(name, ds.graph(URIRef(name)))
        stamp = Graph()
        stamp.add((URIRef(str(GRAPH)), CKD.digest, Literal(digest)))
        self.put_graph(str(STAMP_GRAPH), stamp)

    def _stamp(self) -> str | None:
        try:
            res = self._query_raw(f"SELECT ?d WHERE {{ GRAPH <{STAMP_GRAPH}> {{ ?s <{CKD.digest}> ?d }} }}", [], [])
        except QueryError:
            return None
        rows = res.bindings()
        return str(rows[0]["d"]) if rows else None

    def put_graph(self, name: str, graph: Graph) -> None:
        data = graph.serialize(format="nt", encoding="utf-8")
        r = self.session.put(self.store_url, params={"graph": name}, data=data,
                             headers={"Content-Type": "application/n-triples"}, timeout=TIMEOUT)
        if r.status_code >= 300:
            raise QueryError(f"graph store refused graph {name}: HTTP {r.status_code} {r.text[:200]}")

    def add_graph(self, name: str, graph: Graph) -> None:
        self.put_graph(name, graph)
        if name not in self._graphs:
            self._graphs.append(name)

    def graph_names(self) -> list[str]:
        return [g for g in self._graphs if g != str(STAMP_GRAPH)]

    # -- querying -----------------------------------------------------------------------------
    def query(self, sparql, default_graph_uris=(), named_graph_uris=()) -> QueryResult:
        verdict(sparql)  # the parse decides, with the same refusals as the embedded stores
        default_graph_uris, named_graph_uris = list(default_graph_uris), list(named_graph_uris)
        if not default_graph_uris and not named_graph_uris:
            default_graph_uris = named_graph_uris = self.graph_names()
        return self._query_raw(sparql, default_graph_uris, named_graph_uris)

    def _query_raw(self, sparql, default_graph_uris, named_graph_uris) -> QueryResult:
        params = [("default-graph-uri", g) for g in default_graph_uris] + [("named-graph-uri", g) for g in named_graph_uris]
        headers = {"Content-Type": "application/sparql-query",
                   "Accept": "application/sparql-results+json, application/n-triples;q=0.9"}
        try:
            r = self.session.post(self.query_url, params=params, data=sparql.encode("utf-8"), headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:  # the details name the store's address: logged, not shown
            log.warning("the SPARQL store at %s is unreachable: %s", self.query_url, exc)
            raise QueryError("the SPARQL store behind this service is unreachable") from None
        if r.status_code == 400:
            raise QueryError(f"syntax error in query: {' '.join(r.text.split())[:500]}")
        if r.status_code >= 300:
            log.warning("the SPARQL store answered HTTP %s: %s", r.status_code, r.text[:300])
            raise QueryError(f"the SPARQL store behind this service answered HTTP {r.status_code}")
        ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype == "application/sparql-results+json":
            doc = r.json()
            if "boolean" in doc:
                return QueryResult("ask", boolean=bool(doc["boolean"]))
            variables = doc["head"].get("vars", [])
            rows = [tuple(_json_term(b[v]) if v in b else None for v in variables) for b in doc["results"]["bindings"]]
            return QueryResult("select", variables, rows)
        g = Graph()
        g.parse(data=r.content, format="nt" if ctype == "application/n-triples" else "turtle")
        return QueryResult("graph", graph=g)

    def triples_about(self, iri: str) -> Graph:
        return self.query(f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?p2 ?o2 }} WHERE {{ <{iri}> ?p ?o OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2 }} }}").graph

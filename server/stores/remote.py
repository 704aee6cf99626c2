"""``--store sparql:URL``: any SPARQL 1.1 endpoint as cloudkader's store, through the standard
protocols only — the SPARQL 1.1 Protocol for queries and the Graph Store HTTP Protocol to load
the compiled corpus — so an organisation can point cloudkader at its own triple store
(Oxigraph server, Jena Fuseki, Virtuoso; what differs between them is in ``remote_engines``).

Spec: ``sparql:QUERY_URL`` or ``sparql:QUERY_URL,GRAPH_STORE_URL``. Without a Graph Store URL it
is derived from the engine, recognised by its ``Server`` header. Credentials in the query URL
(``http://user:password@host/sparql``) are used for the Graph Store only, never shown.

The corpus graphs are loaded once: a stamp graph records the digest of the compiled corpus, and
a store that already holds that digest is not written again. Besides the corpus graphs, a union
graph holds every triple of the corpus once (the store keeps a graph as a set): a query without
a dataset of its own gets it as its default graph (``default-graph-uri``) and the corpus graphs as
its named graphs, so the default graph is the union with each triple once on every engine, as on
the embedded stores. A query with ``FROM``/``FROM NAMED`` is sent as it is — its own dataset —
and a request's ``default-graph-uri``/``named-graph-uri`` are passed on.

The store is reached lazily: if it does not answer when the service starts, the service starts
anyway (the checks do not need it, see docs/architecture.md) and the corpus is loaded on the first
query that reaches it. An unreachable store answers ``StoreUnavailable`` (HTTP 502), one that does
not answer within ``timeout`` seconds 504 — never a 400, which would blame the query."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import requests
from rdflib import Dataset, Graph, Literal, URIRef

from ..terms.namespaces import CKD, GRAPH
from .query_guard import verdict
from .remote_engines import ACCEPT_GRAPH, ACCEPT_RESULTS, answer, engine_of, graph_store_url, split_credentials
from .results import QueryError, QueryResult, StoreUnavailable

log = logging.getLogger(__name__)
STAMP_GRAPH = GRAPH.stamp
UNION_GRAPH = GRAPH.union
LAYOUT = "2"  # of what is written besides the corpus graphs (the union graph); part of the stamp
CONNECT_TIMEOUT = 3.0
PROBE_TIMEOUT = 5.0  # the first request (ASK {}): start-up never waits longer for a silent store
TIMEOUT = 30.0
LOAD_TIMEOUT = 300.0


class SparqlStore:
    name = "sparql"

    def __init__(self, query_url: str, store_url: str | None = None, timeout: float = TIMEOUT):
        self.query_url, self.credentials = split_credentials(query_url)
        self.store_url = store_url
        self.timeout = timeout
        self.engine = "unknown"
        self.session = requests.Session()
        self._graphs: list[str] = []
        self._nquads: Path | None = None
        self._loaded = False
        self._lock = threading.Lock()

    @staticmethod
    def parse_spec(spec: str) -> tuple[str, str | None]:
        if "," in spec:
            q, s = spec.split(",", 1)
            return q, s
        return spec, None

    @classmethod
    def connect(cls, spec: str, nquads: Path) -> "SparqlStore":
        q, s = cls.parse_spec(spec)
        store = cls(q, s)
        store._nquads = nquads
        store._graphs = _corpus_graphs(nquads)
        try:
            store.ensure_loaded()
        except StoreUnavailable as exc:
            log.warning("%s; the corpus is loaded into it when it answers", exc.message)
        return store

    # -- loading ------------------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        if self._loaded or self._nquads is None:
            return
        with self._lock:
            if not self._loaded:
                self._probe()
                self.load_corpus(self._nquads)
                self._loaded = True

    def _probe(self) -> None:
        r = self._send(lambda t: self.session.get(self.query_url, params={"query": "ASK {}"},
                                                  headers={"Accept": ACCEPT_RESULTS}, timeout=t),
                       min(self.timeout, PROBE_TIMEOUT))
        self.engine = engine_of(r.headers.get("Server", ""))
        if self.store_url is None:
            try:
                self.store_url = graph_store_url(self.engine, self.query_url, self.credentials is not None)
            except ValueError as exc:
                raise StoreUnavailable(str(exc)) from None

    def load_corpus(self, nquads: Path) -> None:
        digest = json.loads((nquads.parent / "stamp.json").read_text(encoding="utf-8"))["digest"] + "/" + LAYOUT
        if self._stamp() == digest:
            return
        ds = Dataset()
        ds.parse(nquads, format="nquads")
        union = Graph()
        for name in self._graphs:
            g = ds.graph(URIRef(name))
            self.put_graph(name, g)
            for t in g:
                union.add(t)
        self.put_graph(str(UNION_GRAPH), union)
        stamp = Graph()
        stamp.add((URIRef(str(GRAPH)), CKD.digest, Literal(digest)))
        self.put_graph(str(STAMP_GRAPH), stamp)

    def _stamp(self) -> str | None:
        try:
            res = self._query_raw(f"SELECT ?d WHERE {{ GRAPH <{STAMP_GRAPH}> {{ ?s <{CKD.digest}> ?d }} }}",
                                  "SelectQuery", [], [])
        except QueryError:
            return None
        rows = res.bindings()
        return str(rows[0]["d"]) if rows else None

    def _auth(self):
        if self.credentials is None:
            return None
        if self.engine == "virtuoso":
            return requests.auth.HTTPDigestAuth(*self.credentials)
        return requests.auth.HTTPBasicAuth(*self.credentials)

    def put_graph(self, name: str, graph: Graph) -> None:
        data = graph.serialize(format="nt", encoding="utf-8")
        r = self._send(lambda t: self.session.put(self.store_url, params={"graph": name}, data=data, auth=self._auth(),
                                                  headers={"Content-Type": "application/n-triples"}, timeout=t),
                       LOAD_TIMEOUT)
        if r.status_code >= 300:
            raise StoreUnavailable(f"the SPARQL store's Graph Store ({self.store_url}) refused graph {name}: "
                                   f"HTTP {r.status_code} {' '.join(r.text.split())[:200]}")

    def add_graph(self, name: str, graph: Graph) -> None:
        self.ensure_loaded()
        self.put_graph(name, graph)
        if name not in self._graphs:
            self._graphs.append(name)

    def graph_names(self) -> list[str]:
        return list(self._graphs)

    # -- querying -----------------------------------------------------------------------------
    def query(self, sparql, default_graph_uris=(), named_graph_uris=()) -> QueryResult:
        checked = verdict(sparql)  # the parse decides, with the same refusals as the embedded stores
        default_graph_uris, named_graph_uris = list(default_graph_uris), list(named_graph_uris)
        self.ensure_loaded()
        if not default_graph_uris and not named_graph_uris and not checked.has_dataset_clause:
            default_graph_uris, named_graph_uris = [str(UNION_GRAPH)], self.graph_names()
        return self._query_raw(sparql, checked.form, default_graph_uris, named_graph_uris)

    def _send(self, request, read_timeout: float | None = None) -> requests.Response:
        """``request(timeouts)``, with the store's failures as StoreUnavailable (502 / 504)."""
        read_timeout = read_timeout or self.timeout
        try:
            return request((CONNECT_TIMEOUT, read_timeout))
        except requests.ReadTimeout:
            log.warning("the SPARQL store at %s did not answer within %g s", self.query_url, read_timeout)
            raise StoreUnavailable(f"the SPARQL store behind this service did not answer within {read_timeout:g} s",
                                   504) from None
        except requests.RequestException as exc:  # the details name the store's address: logged, not shown
            log.warning("the SPARQL store at %s is unreachable: %s", self.query_url, exc)
            raise StoreUnavailable("the SPARQL store behind this service is unreachable") from None

    def _query_raw(self, sparql, form, default_graph_uris, named_graph_uris) -> QueryResult:
        body = [("query", sparql)] + [("default-graph-uri", g) for g in default_graph_uris] + \
               [("named-graph-uri", g) for g in named_graph_uris]
        accept = ACCEPT_GRAPH if form in ("ConstructQuery", "DescribeQuery") else ACCEPT_RESULTS
        r = self._send(lambda t: self.session.post(self.query_url, data=body, headers={"Accept": accept}, timeout=t))
        if r.status_code == 400:
            raise QueryError(f"the SPARQL store refused the query: {' '.join(r.text.split())[:500]}")
        if r.status_code >= 300:
            log.warning("the SPARQL store answered HTTP %s: %s", r.status_code, r.text[:300])
            reason = " ".join((r.text.strip().splitlines() or [""])[0].split())[:200]
            raise StoreUnavailable(f"the SPARQL store behind this service answered HTTP {r.status_code}"
                                   + (f": {reason}" if reason else ""))
        if r.headers.get("X-SQL-State"):  # Virtuoso's "anytime" answer: partial rows after its own time limit
            raise StoreUnavailable("the SPARQL store behind this service stopped the query at its own time limit "
                                   f"and answered only part of it ({r.headers['X-SQL-State']})", 504)
        ctype = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
        try:
            return answer(form, ctype, r.content, r.json)
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreUnavailable(f"the SPARQL store's answer cannot be read: {' '.join(str(exc).split())[:200]}") \
                from None

    def triples_about(self, iri: str) -> Graph:
        if any(c in iri for c in ' <>"{}|\\^`') or ":" not in iri:
            return Graph()
        return self.query(f"CONSTRUCT {{ <{iri}> ?p ?o . ?o ?p2 ?o2 }} WHERE {{ <{iri}> ?p ?o OPTIONAL {{ FILTER(isBlank(?o)) ?o ?p2 ?o2 }} }}").graph


def _corpus_graphs(nquads: Path) -> list[str]:
    """The named graphs of the compiled corpus, read from the file (no store needed)."""
    import pyoxigraph as ox

    names = {q.graph_name.value for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
             if isinstance(q.graph_name, ox.NamedNode)}
    return sorted(n for n in names if n != str(STAMP_GRAPH))

"""Stores that hold the compiled corpus and answer SPARQL, all behind one small interface:
``oxigraph[:PATH]`` (embedded pyoxigraph, the default of ``cloudkader serve``), ``memory``
(rdflib) and, for an organisation's own triple store, ``sparql:URL`` (any SPARQL 1.1 endpoint).
On each the default graph is the union of the named graphs with each triple once."""

from __future__ import annotations

import logging
import re
from itertools import islice
from pathlib import Path
from typing import Iterable, Protocol

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.plugins.sparql.sparql import SPARQLError

from .query_guard import QueryError, UpdateRefused, check_query, verdict  # noqa: F401  (re-exported)
from .results import BLANK, IRI, LANG, PLAIN, TYPED, XSD_STRING, CompactRows, QueryResult


log = logging.getLogger(__name__)


class ReadOnlyError(RuntimeError):
    """Something tried to change a store that serves the corpus (see ``freeze``)."""


class Store(Protocol):
    name: str

    def query(self, sparql: str, default_graph_uris: Iterable[str] = (), named_graph_uris: Iterable[str] = ()) -> QueryResult: ...

    def graph_names(self) -> list[str]: ...

    def triples_about(self, iri: str) -> Graph: ...


def _refuse(*_args, **_kwargs):
    raise ReadOnlyError("this store serves the corpus and is read-only")


def truncate(result: QueryResult, max_rows: int | None) -> tuple[QueryResult, bool]:
    """The first ``max_rows`` rows (SELECT) or triples (CONSTRUCT/DESCRIBE) of ``result``, and
    whether anything was cut (for stores that cannot stop early)."""
    if not max_rows:
        return result, False
    if result.kind == "select" and len(result.rows) > max_rows:
        return QueryResult("select", result.variables, result.rows[:max_rows]), True
    if result.kind == "graph" and result.graph is not None and len(result.graph) > max_rows:
        g = Graph()
        for t in islice(result.graph, max_rows):
            g.add(t)
        return QueryResult("graph", graph=g), True
    return result, False


class MemoryStore:
    """The corpus in an rdflib Dataset whose default graph is the union of the named graphs."""

    name = "memory"

    def __init__(self, dataset: Dataset):
        self.dataset = dataset
        self.frozen = False

    @classmethod
    def from_nquads(cls, path: Path) -> "MemoryStore":
        ds = Dataset(default_union=True)
        ds.parse(path, format="nquads")
        return cls(ds)

    def add_graph(self, name: str, graph: Graph) -> None:
        g = self.dataset.graph(URIRef(name))
        for t in graph:
            g.add(t)

    def freeze(self) -> None:
        """Make the store read-only: every method of the rdflib store that writes raises
        ReadOnlyError from now on (the web service calls this before it serves). Reading —
        queries, ``quads``, ``get_context`` — is untouched."""
        backend = self.dataset.store
        for method in ("add", "addN", "remove", "add_graph", "remove_graph", "update"):
            setattr(backend, method, _refuse)
        self.frozen = True

    def after_fork(self) -> None:
        """Nothing to do: the rdflib store lives in the process's own memory."""

    def graph_names(self) -> list[str]:
        return sorted(str(g.identifier) for g in self.dataset.graphs() if len(g) and not str(g.identifier).startswith("urn:x-rdflib"))

    def _view(self, default_graph_uris: list[str], named_graph_uris: list[str]) -> Dataset:
        """The RDF dataset a request names with default-graph-uri / named-graph-uri (a copy: the
        store itself is only read — ``get_context`` does not create graphs in it)."""
        view = Dataset(default_union=False)
        for uri in default_graph_uris:
            for t in self.dataset.get_context(URIRef(uri)):
                view.default_graph.add(t)
        for uri in named_graph_uris:
            g = view.graph(URIRef(uri))
            for t in self.dataset.get_context(URIRef(uri)):
                g.add(t)
        return view

    def query(self, sparql, default_graph_uris=(), named_graph_uris=()) -> QueryResult:
        return self.query_limited(sparql, default_graph_uris, named_graph_uris)[0]

    def query_limited(self, sparql, default_graph_uris=(), named_graph_uris=(),
                      max_rows: int | None = None) -> tuple[QueryResult, bool]:
        """Like ``query``, but stops after ``max_rows`` rows (SELECT) or keeps the first
        ``max_rows`` triples (CONSTRUCT/DESCRIBE); also says whether it cut anything."""
        query = check_query(sparql)
        default_graph_uris, named_graph_uris = list(default_graph_uris), list(named_graph_uris)
        target = self.dataset
        if default_graph_uris or named_graph_uris:
            # the protocol's dataset replaces the query's FROM / FROM NAMED (SPARQL 1.1 Protocol 2.1.4)
            query.algebra["datasetClause"] = None
            target = self._view(default_graph_uris, named_graph_uris)
        try:
            res = target.query(query)
            return _from_rdflib(res, max_rows)
        except (QueryError, MemoryError):
            raise
        except RecursionError:
            raise QueryError("query failed: nested too deeply") from None
        except ReadOnlyError:
            raise UpdateRefused("the query tried to change the store: this endpoint is read-only") from None
        except re.error as exc:
            raise QueryError(f"query failed: invalid regular expression: {exc}") from None
        except SPARQLError as exc:  # rdflib's evaluation errors speak about the query
            raise QueryError(f"query failed: {' '.join(str(exc).split())[:500]}") from None
        except Exception:  # anything else is rdflib's inside: logged here, not shown
            log.warning("rdflib could not evaluate a query", exc_info=True)
            raise QueryError("query failed: the query engine could not evaluate this query") from None

    def triples_about(self, iri: str) -> Graph:
        g = Graph()
        node = URIRef(iri)
        for s, p, o, _ in self.dataset.quads((node, None, None, None)):
            g.add((s, p, o))
            if isinstance(o, BNode):
                _add_bnode_closure(self.dataset, o, g)
        return g


def _add_bnode_closure(ds, node, g, seen=None):
    seen = seen if seen is not None else set()
    if node in seen:
        return
    seen.add(node)
    for s, p, o, _ in ds.quads((node, None, None, None)):
        g.add((s, p, o))
        if isinstance(o, BNode):
            _add_bnode_closure(ds, o, g, seen)


def _from_rdflib(res, max_rows: int | None = None) -> tuple[QueryResult, bool]:
    if res.type == "ASK":
        return QueryResult("ask", boolean=bool(res.askAnswer)), False
    if res.type == "SELECT":
        variables = [str(v) for v in res.vars]
        rows_iter = iter(res)  # lazy where rdflib can be: stops at the cap
        rows = [tuple(row) for row in (islice(rows_iter, max_rows) if max_rows else rows_iter)]
        truncated = bool(max_rows) and next(rows_iter, None) is not None
        return QueryResult("select", variables, rows), truncated
    return truncate(QueryResult("graph", graph=res.graph), max_rows)


# ---------------------------------------------------------------------------------------------


def _ox_to_rdflib(term):
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    raise QueryError(f"unsupported term in result: {term!r}")


BASE_IRI = "https://w3id.org/cloudkader/"


def _ox_cells(ox):
    """A function from a pyoxigraph term to a compact cell of ``CompactRows``."""
    named, blank = ox.NamedNode, ox.BlankNode

    def cell(term):
        if term is None:
            return None
        kind = type(term)
        if kind is named:
            return (IRI, term.value, None)
        if kind is blank:
            return (BLANK, term.value, None)
        if term.language:
            return (LANG, term.value, term.language)
        dt = term.datatype.value
        return (PLAIN, term.value, None) if dt == XSD_STRING else (TYPED, term.value, dt)

    return cell


class _ReadOnlyOxigraph:
    """A pyoxigraph Store behind a door that only lets reads through (``query`` itself parses
    queries only: pyoxigraph runs updates through ``update``, which is not here)."""

    _READS = frozenset({"query", "named_graphs", "quads_for_pattern", "contains_named_graph", "dump", "__len__",
                        "__iter__", "__contains__"})

    def __init__(self, store):
        object.__setattr__(self, "_store", store)

    def __getattr__(self, name):
        if name in self._READS:
            return getattr(self._store, name)
        if name in ("add", "add_graph", "bulk_extend", "bulk_load", "clear", "clear_graph", "extend", "load",
                    "remove", "remove_graph", "update", "optimize", "backup", "flush"):
            return _refuse
        raise AttributeError(name)

    def __setattr__(self, name, value):
        _refuse()

    def __len__(self):
        return len(self._store)

    def __iter__(self):
        return iter(self._store)

    def __contains__(self, quad):
        return quad in self._store


class OxigraphStore:
    """The corpus in an embedded pyoxigraph store (in memory, or on disk at ``path``).

    The default graph is the union of the named graphs with each triple once (an RDF merge, as
    rdflib's union graph and the SPARQL spec have it): the union is written into the store's own
    default graph when graphs are loaded, rather than asked of pyoxigraph's
    ``use_default_graph_as_union``, which gives a triple once per graph that holds it."""

    name = "oxigraph"

    def __init__(self, path: str | None = None):
        import pyoxigraph as ox

        self._ox = ox
        self.path = path
        self.store = ox.Store(path) if path else ox.Store()
        self.frozen = False

    @classmethod
    def from_nquads(cls, nquads: Path, path: str | None = None) -> "OxigraphStore":
        s = cls(path)
        s.store.clear()
        s.store.bulk_load(path=str(nquads), format=s._ox.RdfFormat.N_QUADS)
        s._merge_into_default_graph()
        return s

    def _merge_into_default_graph(self) -> None:
        ox = self._ox
        default = ox.DefaultGraph()
        self.store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, default)
                               for q in self.store.quads_for_pattern(None, None, None)
                               if not isinstance(q.graph_name, ox.DefaultGraph))

    def add_graph(self, name: str, graph: Graph) -> None:
        data = graph.serialize(format="nt", encoding="utf-8")
        self.store.load(data, format=self._ox.RdfFormat.N_TRIPLES, to_graph=self._ox.NamedNode(name))
        self.store.load(data, format=self._ox.RdfFormat.N_TRIPLES, to_graph=self._ox.DefaultGraph())

    def freeze(self) -> None:
        """Make the store read-only: on disk, reopen the database read-only; in memory, keep the
        store behind a wrapper that has no writing method."""
        if self.frozen:
            return
        if self.path:
            self.store.flush()
            raw = self._ox.Store.read_only(self.path)
        else:
            raw = self.store
        self.store = _ReadOnlyOxigraph(raw)
        self.frozen = True

    def after_fork(self) -> None:
        """In a forked query worker: an on-disk database gets its own read-only handle (RocksDB
        handles must not be shared across ``fork``); an in-memory store is the worker's copy."""
        if self.path:
            self.store = _ReadOnlyOxigraph(self._ox.Store.read_only(self.path))
            self.frozen = True

    def graph_names(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs())

    def query(self, sparql, default_graph_uris=(), named_graph_uris=()) -> QueryResult:
        return self.query_limited(sparql, default_graph_uris, named_graph_uris)[0]

    def query_limited(self, sparql, default_graph_uris=(), named_graph_uris=(),
                      max_rows: int | None = None) -> tuple[QueryResult, bool]:
        ox = self._ox
        verdict(sparql)  # the parse decides: refuses updates and SERVICE, as for memory
        default_graph_uris, named_graph_uris = list(default_graph_uris), list(named_graph_uris)
        kwargs = {}
        if default_graph_uris or named_graph_uris:
            kwargs["default_graph"] = [ox.NamedNode(u) for u in default_graph_uris] or [ox.DefaultGraph()]
            kwargs["named_graphs"] = [ox.NamedNode(u) for u in named_graph_uris]
        # else: the store's default graph is the union (see the class); FROM / FROM NAMED name
        # graphs of the store, never fetched, as with rdflib
        try:
            res = self.store.query(sparql, base_iri=BASE_IRI, **kwargs)
            if isinstance(res, bool) or type(res).__name__ == "QueryBoolean":
                return QueryResult("ask", boolean=bool(res)), False
            it = iter(res)  # pyoxigraph streams: stop at the cap
            items = list(islice(it, max_rows)) if max_rows else list(it)
            truncated = bool(max_rows) and next(it, None) is not None
        except SyntaxError as exc:
            raise QueryError(f"syntax error in query: {exc}") from None
        except (QueryError, MemoryError):
            raise
        except ReadOnlyError:
            raise UpdateRefused("the query tried to change the store: this endpoint is read-only") from None
        except Exception as exc:
            raise QueryError(f"query failed: {' '.join(str(exc).split())[:500]}") from None
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            cell = _ox_cells(ox)
            rows = CompactRows([tuple(cell(t) for t in sol) for sol in items])
            return QueryResult("select", variables, rows), truncated
        g = Graph()
        for t in items:
            g.add((_ox_to_rdflib(t.subject), _ox_to_rdflib(t.predicate), _ox_to_rdflib(t.object)))
        return QueryResult("graph", graph=g), truncated

    def triples_about(self, iri: str) -> Graph:
        """The triples with subject ``iri`` in any graph, with the blank nodes they point at —
        read by pattern, not by a query built from the IRI (nothing to parse, nothing to inject)."""
        g = Graph()
        try:
            node = self._ox.NamedNode(iri)
        except ValueError:  # not an IRI: nothing is about it
            return g
        todo, seen = [node], set()
        while todo:
            subject = todo.pop()
            for q in self.store.quads_for_pattern(subject, None, None):
                o = q.object
                g.add((_ox_to_rdflib(q.subject), _ox_to_rdflib(q.predicate), _ox_to_rdflib(o)))
                if isinstance(o, self._ox.BlankNode) and o.value not in seen:
                    seen.add(o.value)
                    todo.append(o)
        return g


def open_store(spec: str, nquads: Path) -> Store:
    """Open the store named by ``spec`` (``memory``, ``oxigraph``, ``oxigraph:PATH``) loaded with
    the compiled corpus at ``nquads``."""
    if spec in ("", "memory"):
        return MemoryStore.from_nquads(nquads)
    if spec == "oxigraph":
        return OxigraphStore.from_nquads(nquads)
    if spec.startswith("oxigraph:"):
        return OxigraphStore.from_nquads(nquads, spec.split(":", 1)[1])
    if spec.startswith("sparql:"):
        from .remote import SparqlStore

        return SparqlStore.connect(spec.split(":", 1)[1], nquads)
    raise ValueError(f"unknown store {spec!r}: use memory, oxigraph, oxigraph:PATH or sparql:URL")

"""Query results independent of the store, and their W3C serialisations: SPARQL 1.1 Query
Results JSON, XML, CSV and TSV for SELECT/ASK; RDF syntaxes for CONSTRUCT/DESCRIBE; and a plain
text table for people."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node


class QueryError(ValueError):
    """A query that cannot be run: syntax error, unsupported feature, or refused operation."""


class FormatError(QueryError):
    """The result exists but cannot be written in the asked format (HTTP 406): RDF/XML needs
    predicates that split into namespace and local name, and XML 1.0 cannot carry most control
    characters at all (not even as character references)."""


class StoreUnavailable(Exception):
    """The store behind the service did not answer: unreachable (HTTP 502) or too slow (504).
    Not the client's fault, so never a 400."""

    status = 502
    retry_after = 5

    def __init__(self, message: str, status: int = 502):
        super().__init__(message)
        self.message, self.status = message, status


XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
IRI, BLANK, PLAIN, LANG, TYPED = range(5)


def cell_term(cell) -> Node | None:
    """The rdflib term of a compact cell (``CompactRows``)."""
    if cell is None:
        return None
    kind, value, extra = cell
    if kind == IRI:
        return URIRef(value)
    if kind == BLANK:
        return BNode(value)
    if kind == LANG:
        return Literal(value, lang=extra)
    if kind == TYPED:
        return Literal(value, datatype=URIRef(extra))
    return Literal(value)


def _cell_json(cell) -> dict:
    kind, value, extra = cell
    if kind == IRI:
        return {"type": "uri", "value": value}
    if kind == BLANK:
        return {"type": "bnode", "value": value}
    if kind == LANG:
        return {"type": "literal", "value": value, "xml:lang": extra}
    if kind == TYPED:
        return {"type": "literal", "value": value, "datatype": extra}
    return {"type": "literal", "value": value}


class CompactRows(Sequence):
    """SELECT rows as plain tuples ``(kind, lexical value, language or datatype)`` — what an
    engine that is not rdflib (pyoxigraph) gives, cheap to pickle from a query worker and to
    write as JSON — turned into rdflib terms only when someone reads them as terms."""

    __slots__ = ("cells", "_terms")

    def __init__(self, cells: list):
        self.cells = cells
        self._terms = None

    def __reduce__(self):
        return CompactRows, (self.cells,)

    def __len__(self) -> int:
        return len(self.cells)

    def _decoded(self) -> list:
        if self._terms is None:
            self._terms = [tuple(cell_term(c) for c in row) for row in self.cells]
        return self._terms

    def __getitem__(self, i):
        if isinstance(i, slice):
            return CompactRows(self.cells[i])
        return self._decoded()[i]

    def __iter__(self):
        return iter(self._decoded())

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return repr(self._decoded())

    def text_size(self, i: int) -> int:
        """The size of row ``i`` as ``answer_cap`` counts it."""
        return sum(0 if c is None else len(c[1]) + 24 + len(c[2] or "") for c in self.cells[i])


@dataclass
class QueryResult:
    kind: str  # "select" | "ask" | "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[tuple[Node | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None

    def bindings(self) -> list[dict[str, Node]]:
        return [{v: t for v, t in zip(self.variables, row) if t is not None} for row in self.rows]


SELECT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "table": "text/plain",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "json-ld": "application/ld+json",
    "xml": "application/rdf+xml",
    "nquads": "application/n-quads",
    "table": "text/plain",
}
_RDFLIB_GRAPH_FORMAT = {"turtle": "turtle", "nt": "nt", "json-ld": "json-ld", "xml": "xml", "nquads": "nquads"}


def _term_json(t: Node) -> dict:
    if isinstance(t, URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, BNode):
        return {"type": "bnode", "value": str(t)}
    assert isinstance(t, Literal)
    d = {"type": "literal", "value": str(t)}
    if t.language:
        d["xml:lang"] = t.language
    elif t.datatype is not None:
        d["datatype"] = str(t.datatype)
    return d


def to_json(r: QueryResult) -> str:
    if r.kind == "ask":
        return json.dumps({"head": {}, "boolean": bool(r.boolean)})
    if isinstance(r.rows, CompactRows):  # straight from the cells, no rdflib terms
        names = r.variables
        bindings = [{v: _cell_json(c) for v, c in zip(names, row) if c is not None} for row in r.rows.cells]
        return json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}}, ensure_ascii=False)
    return json.dumps(
        {
            "head": {"vars": r.variables},
            "results": {"bindings": [{k: _term_json(v) for k, v in b.items()} for b in r.bindings()]},
        },
        ensure_ascii=False,
    )


# characters XML 1.0 cannot carry (https://www.w3.org/TR/xml/#charsets)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _check_xml_chars(values, what: str) -> None:
    for v in values:
        m = _NOT_XML.search(str(v))
        if m:
            raise FormatError(f"this result cannot be written as {what}: it holds the character U+{ord(m.group()):04X}, "
                              "which XML 1.0 cannot carry; ask for JSON, CSV or TSV (SELECT/ASK) or Turtle, "
                              "N-Triples or JSON-LD (CONSTRUCT/DESCRIBE)")


def _oxigraph_results(r: QueryResult, fmt: str) -> str:
    """SELECT results written by pyoxigraph's W3C serialisers (XML, CSV, TSV), read from our JSON."""
    import pyoxigraph as ox

    try:
        data = to_json(r).encode("utf-8")
    except UnicodeEncodeError:
        raise FormatError("this result holds a character that is not Unicode (a lone surrogate); ask for JSON") from None
    formats = {"xml": ox.QueryResultsFormat.XML, "csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV}
    solutions = ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)
    return solutions.serialize(format=formats[fmt]).decode("utf-8")


def to_xml(r: QueryResult) -> str:
    _check_xml_chars(r.variables, "SPARQL XML")
    for row in r.rows:
        _check_xml_chars((t for t in row if t is not None), "SPARQL XML")
        _check_xml_chars((t.datatype or t.language or "" for t in row if isinstance(t, Literal)), "SPARQL XML")
    return _oxigraph_results(r, "xml")


def _ask_table(r: QueryResult, header: str, line_end: str) -> str:
    """ASK as CSV/TSV: the W3C format defines SELECT only; a one-cell table, as Jena writes it."""
    return header + line_end + ("true" if r.boolean else "false") + line_end


def to_csv(r: QueryResult) -> str:
    if r.kind == "ask":
        return _ask_table(r, "_askResult", "\r\n")
    return _oxigraph_results(r, "csv")


def to_tsv(r: QueryResult) -> str:
    if r.kind == "ask":
        return _ask_table(r, "?_askResult", "\n")
    return _oxigraph_results(r, "tsv")


def _short(t: Node | None, prefixes: dict[str, str]) -> str:
    if t is None:
        return ""
    s = str(t)
    if isinstance(t, URIRef):
        for p, ns in prefixes.items():
            if s.startswith(ns) and len(s) > len(ns):
                return f"{p}:{s[len(ns):]}"
    return " ".join(s.split())


def to_table(r: QueryResult, prefixes: dict[str, str] | None = None, width: int = 60) -> str:
    """A plain text table for a terminal; long cells are cut at ``width`` characters."""
    prefixes = prefixes or {}
    if r.kind == "ask":
        return ("true" if r.boolean else "false") + "\n"
    if r.kind == "graph":
        return r.graph.serialize(format="turtle") if r.graph is not None else ""
    cells = [[_short(t, prefixes) for t in row] for row in r.rows]
    cells = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(v)] + [len(row[i]) for row in cells]) for i, v in enumerate(r.variables)]
    line = lambda vals: " | ".join(v.ljust(w) for v, w in zip(vals, widths)).rstrip()  # noqa: E731
    out = [line(r.variables), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in cells]
    out.append(f"({len(cells)} row{'s' if len(cells) != 1 else ''})")
    return "\n".join(out) + "\n"


def serialize(r: QueryResult, fmt: str, prefixes: dict[str, str] | None = None) -> str:
    if fmt == "table":
        return to_table(r, prefixes)
    if r.kind == "graph":
        if fmt not in _RDFLIB_GRAPH_FORMAT:
            raise QueryError(f"format {fmt!r} is not available for CONSTRUCT/DESCRIBE results; use one of {', '.join(GRAPH_FORMATS)}")
        g = r.graph if r.graph is not None else Graph()
        for p, ns in (prefixes or {}).items():
            g.bind(p, ns)
        if fmt == "xml":
            for t in g:
                _check_xml_chars(t, "RDF/XML")
        try:
            return g.serialize(format=_RDFLIB_GRAPH_FORMAT[fmt])
        except ValueError as exc:  # RDF/XML: a predicate without a local name, e.g. <http://x/1>
            if fmt != "xml":
                raise
            raise FormatError(f"this result cannot be written as RDF/XML ({' '.join(str(exc).split())[:200]}); "
                              "ask for Turtle, N-Triples or JSON-LD") from None
    writers = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}
    if fmt not in writers:
        raise QueryError(f"format {fmt!r} is not available for SELECT/ASK results; use one of {', '.join(SELECT_FORMATS)}")
    return writers[fmt](r)

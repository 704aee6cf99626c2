"""Query results independent of the store, and their W3C serialisations: SPARQL 1.1 Query
Results JSON, XML, CSV and TSV for SELECT/ASK; RDF syntaxes for CONSTRUCT/DESCRIBE; and a plain
text table for people."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node


class QueryError(ValueError):
    """A query that cannot be run: syntax error, unsupported feature, or refused operation."""


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
    return json.dumps(
        {
            "head": {"vars": r.variables},
            "results": {"bindings": [{k: _term_json(v) for k, v in b.items()} for b in r.bindings()]},
        },
        ensure_ascii=False,
    )


def _term_xml(t: Node) -> str:
    if isinstance(t, URIRef):
        return f"<uri>{escape(str(t))}</uri>"
    if isinstance(t, BNode):
        return f"<bnode>{escape(str(t))}</bnode>"
    attrs = ""
    if t.language:
        attrs = f" xml:lang={quoteattr(t.language)}"
    elif t.datatype is not None:
        attrs = f" datatype={quoteattr(str(t.datatype))}"
    return f"<literal{attrs}>{escape(str(t))}</literal>"


def to_xml(r: QueryResult) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in r.variables]
    out.append("</head>")
    if r.kind == "ask":
        out.append(f"<boolean>{'true' if r.boolean else 'false'}</boolean>")
    else:
        out.append("<results>")
        for b in r.bindings():
            out.append("<result>")
            out += [f"<binding name={quoteattr(k)}>{_term_xml(v)}</binding>" for k, v in b.items()]
            out.append("</result>")
        out.append("</results>")
    out.append("</sparql>")
    return "\n".join(out)


def to_csv(r: QueryResult) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if r.kind == "ask":
        w.writerow(["_askResult"])
        w.writerow(["true" if r.boolean else "false"])
        return buf.getvalue()
    w.writerow(r.variables)
    for row in r.rows:
        w.writerow(["" if t is None else (f"_:{t}" if isinstance(t, BNode) else str(t)) for t in row])
    return buf.getvalue()


def _term_tsv(t: Node | None) -> str:
    if t is None:
        return ""
    if isinstance(t, URIRef):
        return f"<{t}>"
    if isinstance(t, BNode):
        return f"_:{t}"
    return t.n3().replace("\t", "\\t").replace("\n", "\\n")


def to_tsv(r: QueryResult) -> str:
    if r.kind == "ask":
        return "?_askResult\n" + ("true" if r.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in r.variables)]
    lines += ["\t".join(_term_tsv(t) for t in row) for row in r.rows]
    return "\n".join(lines) + "\n"


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
        return g.serialize(format=_RDFLIB_GRAPH_FORMAT[fmt])
    writers = {"json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv}
    if fmt not in writers:
        raise QueryError(f"format {fmt!r} is not available for SELECT/ASK results; use one of {', '.join(SELECT_FORMATS)}")
    return writers[fmt](r)

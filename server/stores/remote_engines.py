"""What differs between SPARQL engines behind ``--store sparql:URL``, kept in one place: how an
engine is recognised, where its Graph Store Protocol lives, and how its answers are read.

- **Oxigraph** (``Server: Oxigraph/…``): queries at ``…/query``, Graph Store at ``…/store``.
- **Jena Fuseki**: ``/ds/query`` or ``/ds/sparql``, Graph Store at ``/ds/data``. A released
  Fuseki sends no ``Server`` header (only development builds say ``Apache Jena Fuseki (…)``), so
  it is usually ``other``, and its Graph Store URL comes from that path layout
  (``tests/test_jena.py``: Jena ARQ behind Fuseki's protocols).
- **Virtuoso** (``Server: Virtuoso/…``): queries at ``/sparql``; the Graph Store at
  ``/sparql-graph-crud-auth`` (HTTP Digest, the credentials of the store URL) or, without
  credentials, ``/sparql-graph-crud`` (which the store's SPARQL user must be granted). Virtuoso
  7 never answers a POST with ``Content-Type: application/sparql-query``, so every query is sent
  as a form (``application/x-www-form-urlencoded``), which all three engines take. It answers ASK
  as a one-row table (``__ASK_RETVAL`` = 1 or 0) and booleans as integers: ``answer`` reads ASK
  back as a boolean; the named queries project no boolean values (docs/architecture.md).
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from rdflib import BNode, Graph, Literal, URIRef

from .results import QueryError, QueryResult

GRAPH_MEDIA = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
               "application/x-turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
               "text/rdf+n3": "n3", "text/n3": "n3"}
ACCEPT_RESULTS = "application/sparql-results+json, application/json;q=0.5"
ACCEPT_GRAPH = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"


def engine_of(server_header: str) -> str:
    """``oxigraph``, ``fuseki``, ``virtuoso`` or ``other`` from an HTTP ``Server`` header."""
    h = (server_header or "").lower()
    for name, marks in (("virtuoso", ("virtuoso",)), ("oxigraph", ("oxigraph",)), ("fuseki", ("fuseki", "jena"))):
        if any(m in h for m in marks):
            return name
    return "other"


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """``url`` without its ``user:password@`` part, and that part (or None)."""
    parts = urlsplit(url)
    if parts.username is None:
        return url, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc)), (parts.username, parts.password or "")


def graph_store_url(engine: str, query_url: str, has_credentials: bool) -> str:
    """The Graph Store Protocol URL of ``engine`` serving queries at ``query_url``."""
    parts = urlsplit(query_url)
    path = parts.path.rstrip("/")
    if engine == "virtuoso":
        new = "/sparql-graph-crud-auth" if has_credentials else "/sparql-graph-crud"
    elif engine in ("oxigraph", "other") and path.endswith("/query") and path.count("/") == 1:
        new = path[: -len("/query")] + "/store"
    elif engine in ("fuseki", "other") and (path.endswith("/query") or path.endswith("/sparql")):
        new = path.rsplit("/", 1)[0] + "/data"
    else:
        raise ValueError(f"cannot derive the Graph Store URL of {query_url!r} ({engine}): use "
                         "sparql:QUERY_URL,GRAPH_STORE_URL")
    return urlunsplit(parts._replace(path=new, query="", fragment=""))


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
    return Literal(b["value"])  # "literal", and "typed-literal" of the 2008 format (Virtuoso)


def _ask_from_table(doc: dict) -> bool:
    """An ASK answered as a table (Virtuoso: one row, one integer or boolean)."""
    rows = doc.get("results", {}).get("bindings", [])
    if not rows:
        return False
    value = next(iter(rows[0].values()), {}).get("value", "0")
    return value.strip().lower() in ("1", "true")


def answer(form: str, content_type: str, content: bytes, doc_json=None) -> QueryResult:
    """The QueryResult of an engine's answer to a query of ``form`` (SelectQuery, AskQuery, …)."""
    if content_type in ("application/sparql-results+json", "application/json") and form != "ConstructQuery" \
            and form != "DescribeQuery":
        doc = doc_json() if doc_json else None
        if not isinstance(doc, dict):
            raise QueryError("the SPARQL store answered with something that is not a SPARQL JSON result")
        if "boolean" in doc:
            return QueryResult("ask", boolean=bool(doc["boolean"]))
        if form == "AskQuery":
            return QueryResult("ask", boolean=_ask_from_table(doc))
        variables = doc["head"].get("vars", [])
        rows = [tuple(_json_term(b[v]) if v in b else None for v in variables) for b in doc["results"]["bindings"]]
        return QueryResult("select", variables, rows)
    fmt = GRAPH_MEDIA.get(content_type)
    if fmt is None:
        raise QueryError(f"the SPARQL store answered with {content_type or 'no media type'}, which cloudkader "
                         "cannot read")
    g = Graph()
    g.parse(data=content, format=fmt)
    return QueryResult("graph", graph=g)

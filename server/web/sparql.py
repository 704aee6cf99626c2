"""The SPARQL 1.1 Protocol query endpoint at ``/sparql`` — read-only.

Requests (https://www.w3.org/TR/sparql11-protocol/#query-operation):

- ``GET /sparql?query=…``
- ``POST /sparql`` with ``Content-Type: application/x-www-form-urlencoded`` (``query=…``)
- ``POST /sparql`` with ``Content-Type: application/sparql-query`` (the body is the query)

``default-graph-uri`` and ``named-graph-uri`` (each repeatable; in the URL, or in the form body)
set the RDF dataset of the query and override ``FROM``/``FROM NAMED``. Without them the default
graph is the union of all named graphs.

Answers, by content negotiation on ``Accept`` (q-values honoured) or the ``format`` parameter
(``json``, ``xml``, ``csv``, ``tsv``, ``turtle``, ``nt``, ``json-ld``, ``html``):

- SELECT/ASK: ``application/sparql-results+json`` (default), ``application/sparql-results+xml``,
  ``text/csv``, ``text/tab-separated-values`` (and an HTML table for a browser);
- CONSTRUCT/DESCRIBE: ``text/turtle`` (default), ``application/n-triples``,
  ``application/ld+json``, ``application/rdf+xml`` (and HTML);
- 406 Not Acceptable when the client accepts none of these.

``GET /sparql`` without a query answers with the SPARQL 1.1 Service Description
(Turtle, N-Triples, JSON-LD or RDF/XML) — or, for a browser, with an HTML query form.

Errors:

- **400 Bad Request** (``text/plain``, with the reason) for a request that is not a legal
  protocol request: two ``query`` parameters, ``query`` together with ``update``, a POST with a
  missing or wrong media type, a body that is not UTF-8, a query with a syntax error (the message
  gives the line and column as the query parser reports them), an unknown ``format``.
- **403 Forbidden** for every SPARQL *Update* request (``GET ?update=``, a form with
  ``update=``, ``Content-Type: application/sparql-update``, or an update sent as a query):
  this endpoint is read-only.
- **405 Method Not Allowed** for methods other than GET, POST, OPTIONS (and HEAD).
- **413 Content Too Large** for a body over ``MAX_CONTENT_LENGTH`` (5 MB by default).
- **503 Service Unavailable** (with ``Retry-After``) when the query ran past the time limit
  (``CLOUDKADER_QUERY_TIMEOUT``, 10 s by default: the query's worker process is killed and
  replaced, as Fuseki answers a timed-out query with 503), when no query worker was free within
  that time, or when the worker died (e.g. the query needed more memory than allowed).

Limits (docs/security.md): every query on an embedded store runs in a worker process
(``cloudkader.stores.query_executor``) with a time limit, and answers at most ``CLOUDKADER_MAX_ROWS``
rows (SELECT) or triples (CONSTRUCT/DESCRIBE), 10 000 by default. A longer answer is cut off —
the first rows, as Virtuoso's ``ResultSetMaxRows`` does — and marked with the response header
``X-Cloudkader-Truncated: true`` (``X-Cloudkader-Max-Rows`` gives the cap); use LIMIT/OFFSET to page.

Why 403 for updates: the SPARQL 1.1 Protocol lets a service refuse an operation; the W3C
protocol test manifest (``sparql11-protocol/manifest.ttl``) expects a **4xx** for every
``bad_update_*`` request (update via GET, two update strings, wrong or missing media type,
non-UTF-8 body, bad syntax, dataset conflict), while its ``update_*`` tests expect 2xx — which
only a writable store can give. A read-only endpoint therefore refuses *all* updates with one
4xx status, so that every ``bad_update_*`` test passes and every ``update_*`` test gets the same
documented refusal. Among the 4xx codes, 403 is the one that says what happens (RFC 9110
§15.5.4: "the server understood the request but refuses to fulfill it"): 400 would claim the
request is malformed (it need not be), 405 would claim POST is not allowed (it is, for queries),
and a 5xx (501) would fail the ``bad_update_*`` tests and suggest a server fault. Malformed
protocol requests that carry an update (two ``update`` parameters, ``query`` plus ``update``)
still get 400 first, as for queries.

CORS: every response of ``/sparql`` carries ``Access-Control-Allow-Origin: *`` (no
credentials); preflight ``OPTIONS`` allows GET, POST, OPTIONS and the ``Content-Type`` and
``Accept`` headers, so a query page on another origin can use the endpoint; the truncation
headers are exposed to it (``Access-Control-Expose-Headers``).

The HTML form needs no JavaScript (the examples are links); with JavaScript the page's
``sparql_editor.html`` (pages templates) mounts the vendored YASGUI editor over it
(``query_editor``), under the site's one Content-Security-Policy.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, current_app, render_template_string, request, url_for
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, Namespace
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from ..stores import query_executor
from ..knowledge.app_state import get_store
from ..knowledge.corpus import prefixes
from ..stores.results import FormatError, QueryError, QueryResult, serialize
from ..stores.local import UpdateRefused
from .negotiation import choose, media_type_of, parse_accept
from .security import base_url, query_limits

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")

# media type -> serializer format of cloudkader.stores.results, in order of preference (first = default)
RESULT_TYPES = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),  # alias, answered as application/sparql-results+json
    ("application/xml", "xml"),  # alias, answered as application/sparql-results+xml
    ("text/html", "html"),
]
GRAPH_TYPES = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/x-turtle", "turtle"),  # alias
    ("application/json", "json-ld"),  # alias, answered as application/ld+json
    ("text/html", "html"),
]
CANONICAL = {
    ("result", "json"): "application/sparql-results+json",
    ("result", "xml"): "application/sparql-results+xml",
    ("result", "csv"): "text/csv",
    ("result", "tsv"): "text/tab-separated-values",
    ("result", "html"): "text/html",
    ("graph", "turtle"): "text/turtle",
    ("graph", "nt"): "application/n-triples",
    ("graph", "json-ld"): "application/ld+json",
    ("graph", "xml"): "application/rdf+xml",
    ("graph", "html"): "text/html",
}
# ?format= values (also ?output=, as SPARQLWrapper sends it)
FORMAT_PARAM = {
    "result": {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv", "html": "html"},
    "graph": {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "n-triples": "nt",
              "json-ld": "json-ld", "jsonld": "json-ld", "json": "json-ld", "xml": "xml", "rdf": "xml",
              "rdfxml": "xml", "rdf-xml": "xml", "html": "html"},
}
SD_TYPES = [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
            ("application/rdf+xml", "xml"), ("text/html", "html")]
RESULT_FORMAT_IRIS = [FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV,
                      FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["N-Triples"], FORMATS["JSON-LD"],
                      FORMATS.RDF_XML]

ALLOWED_METHODS = "GET, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
QUERY_TYPE = "application/sparql-query"
UPDATE_TYPE = "application/sparql-update"
LOCAL_BASE = "https://w3id.org/cloudkader/"
TRUNCATED_HEADER = "X-Cloudkader-Truncated"
MAX_ROWS_HEADER = "X-Cloudkader-Max-Rows"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _store():
    return get_store(current_app.config["CLOUDKADER_STORE"])


def _text(status: int, message: str, **headers) -> Response:
    resp = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    resp.headers.update(headers)
    return resp


@bp.after_request
def _cors(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    resp.headers["Access-Control-Allow-Headers"] = "Content-Type, Accept"
    resp.headers["Access-Control-Expose-Headers"] = f"{TRUNCATED_HEADER}, {MAX_ROWS_HEADER}, Retry-After"
    resp.headers["Access-Control-Max-Age"] = "86400"
    resp.vary.add("Accept")
    return resp


@bp.errorhandler(InternalServerError)
def _internal(exc):
    log.error("SPARQL request failed", exc_info=getattr(exc, "original_exception", None) or exc)
    return _text(500, "internal error while answering the query")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return _text(413, f"request body too large (limit {limit} bytes)")


# -- reading the request --------------------------------------------------------------------------


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _decode_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, strictly UTF-8 (raw non-ASCII bytes are
    taken as if percent-encoded, so raw UTF-8 works and anything else is refused)."""
    text = _HIGH_BYTE.sub(lambda m: b"%%%02X" % m.group()[0], raw).decode("ascii")
    try:
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"the {where} is not UTF-8 (percent-encoded); the SPARQL Protocol "
                                 "requires UTF-8") from None


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"{what} is not UTF-8 (invalid byte at offset {exc.start}); "
                                 "the SPARQL Protocol requires UTF-8") from None


def _check_charset(params: dict[str, str], media_type: str) -> None:
    charset = params.get("charset")
    if charset and charset.lower() not in ("utf-8", "utf8", "us-ascii"):
        raise ProtocolError(400, f"{media_type} with charset={charset} is not accepted; "
                                 "the SPARQL Protocol requires UTF-8")


def _request_params() -> list[tuple[str, str]]:
    """All protocol parameters of the request: the URL's, then (for POST) the body's."""
    params = _decode_params(request.query_string, "query string")
    if request.method != "POST":
        return params
    media_type, ct_params = media_type_of(request.headers.get("Content-Type"))
    if not media_type:
        raise ProtocolError(400, "POST /sparql without a Content-Type; send the query as "
                                 f"{FORM} (query=…) or as {QUERY_TYPE}")
    if media_type == UPDATE_TYPE:
        # Refused whatever the body holds (it is not even decoded): see the module docstring.
        return params + [("update", "")]
    if media_type == FORM:
        _check_charset(ct_params, media_type)
        return params + _decode_params(request.get_data(cache=True), "form body")
    if media_type == QUERY_TYPE:
        _check_charset(ct_params, media_type)
        return params + [("query", _utf8(request.get_data(cache=True), "the query"))]
    raise ProtocolError(400, f"unsupported Content-Type {media_type!r} for POST /sparql; use {FORM} "
                             f"(query=…) or {QUERY_TYPE}")


def _protocol_request():
    """(query or None, default graph IRIs, named graph IRIs, format or None); raises ProtocolError."""
    params = _request_params()
    queries = [v for k, v in params if k == "query"]
    updates = [v for k, v in params if k == "update"]
    if queries and updates:
        raise ProtocolError(400, "a request carries either `query` or `update`, not both")
    if len(queries) > 1:
        raise ProtocolError(400, f"{len(queries)} `query` parameters; send exactly one query per request")
    if len(updates) > 1:
        raise ProtocolError(400, f"{len(updates)} `update` parameters; and this endpoint is read-only")
    if updates:
        raise ProtocolError(403, "SPARQL Update is not accepted: this endpoint is read-only")
    formats = [v for k, v in params if k in ("format", "output") and v]
    if len(set(formats)) > 1:
        raise ProtocolError(400, "more than one `format` parameter")
    defaults = [v for k, v in params if k == "default-graph-uri"]
    named = [v for k, v in params if k == "named-graph-uri"]
    for iri in defaults + named:
        if not _is_iri(iri):
            raise ProtocolError(400, f"not an absolute IRI: {iri!r} (default-graph-uri / named-graph-uri)")
    return (queries[0] if queries else None), defaults, named, (formats[0].lower() if formats else None)


def _is_iri(s: str) -> bool:
    scheme, sep, rest = s.partition(":")
    return bool(sep and scheme and scheme[0].isalpha() and rest and not any(c in s for c in ' <>"{}|\\^`'))


# -- the endpoint ----------------------------------------------------------------------------------


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS", "PUT", "DELETE", "PATCH"])
def endpoint():
    if request.method == "OPTIONS":
        return Response(status=204)
    if request.method not in ("GET", "HEAD", "POST"):
        return _text(405, f"method {request.method} is not allowed on /sparql; use GET or POST "
                          "(SPARQL 1.1 Protocol query operation)", Allow=ALLOWED_METHODS)
    accept = request.headers.get("Accept")
    try:
        query, defaults, named, fmt = _protocol_request()
        if query is None:
            if request.method == "POST":
                raise ProtocolError(400, "no query: send `query=…` (form) or the query as the body "
                                         f"({QUERY_TYPE})")
            return _service_description_or_page(accept, fmt)
        if not query.strip():
            raise ProtocolError(400, "empty query")
        if fmt is None and choose(accept, [t for t, _ in RESULT_TYPES + GRAPH_TYPES]) is None:
            raise ProtocolError(406, _not_acceptable_message(accept))
        limits = query_limits()
        try:
            result, truncated = query_executor.execute(_store(), query, defaults, named, **limits)
        except UpdateRefused as exc:
            raise ProtocolError(403, str(exc)) from None
        except QueryError as exc:
            raise ProtocolError(400, str(exc)) from None
        except query_executor.QueryUnavailable as exc:
            raise ProtocolError(exc.status, exc.message, {"Retry-After": str(exc.retry_after)}) from None
        resp = _answer(result, query, accept, fmt, truncated=truncated, max_rows=limits["max_rows"])
        if limits["max_rows"]:
            resp.headers[MAX_ROWS_HEADER] = str(limits["max_rows"])
        if truncated:
            resp.headers[TRUNCATED_HEADER] = "true"
        return resp
    except ProtocolError as exc:
        if exc.status in (400, 403, 503) and _wants_html_page(accept):
            resp = _page(query=_safe_query_for_page(), error=exc.message, status=exc.status)
        else:
            resp = _text(exc.status, exc.message)
        resp.headers.update(exc.headers)
        return resp


def _safe_query_for_page() -> str:
    try:
        return request.args.get("query", "")
    except Exception:
        return ""


def _wants_html_page(accept: str | None) -> bool:
    """A browser (HTML first) gets errors inside the query page, other clients as text/plain."""
    ranges = parse_accept(accept)
    return bool(ranges) and choose(accept, ["text/plain", "text/html"]) == "text/html" and any(
        r.type == "text" and r.subtype == "html" for r in ranges)


def _not_acceptable_message(accept: str | None) -> str:
    return (f"none of the media types in Accept: {accept!r} can be produced; SELECT/ASK results: "
            + ", ".join(dict.fromkeys(t for t, _ in RESULT_TYPES)) + "; CONSTRUCT/DESCRIBE results: "
            + ", ".join(dict.fromkeys(t for t, _ in GRAPH_TYPES)))


def _negotiate(kind: str, accept: str | None, fmt: str | None) -> tuple[str, str]:
    """(serializer format, Content-Type) for a result of ``kind`` ("result" or "graph")."""
    if fmt is not None:
        table = FORMAT_PARAM[kind]
        if fmt not in table:
            what = "SELECT/ASK" if kind == "result" else "CONSTRUCT/DESCRIBE"
            raise ProtocolError(400, f"format={fmt!r} is not available for {what} results; use one of "
                                     + ", ".join(table))
        f = table[fmt]
        return f, CANONICAL[(kind, f)]
    offered = RESULT_TYPES if kind == "result" else GRAPH_TYPES
    mt = choose(accept, [t for t, _ in offered])
    if mt is None:
        raise ProtocolError(406, _not_acceptable_message(accept))
    f = dict(offered)[mt]
    return f, CANONICAL[(kind, f)]


def _answer(result: QueryResult, query: str, accept: str | None, fmt: str | None, truncated: bool = False,
            max_rows: int | None = None) -> Response:
    kind = "graph" if result.kind == "graph" else "result"
    f, content_type = _negotiate(kind, accept, fmt)
    if f == "html":
        return _page(query=query, result=result, truncated=max_rows if truncated else None)
    try:
        body = serialize(result, f, prefixes() if kind == "graph" else None)
    except FormatError as exc:
        raise ProtocolError(406, str(exc)) from None
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    return Response(body, status=200, content_type=content_type)


# -- service description ---------------------------------------------------------------------------


def service_description(endpoint_iri: str, graph_names: list[str]) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("dcterms", DCTERMS)
    svc = URIRef(endpoint_iri)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, svc))
    g.add((svc, DCTERMS.title, Literal("cloudkader SPARQL endpoint (read-only)", lang="en")))
    g.add((svc, DCTERMS.title, Literal("cloudkader SPARQL-endpoint (alleen lezen)", lang="nl")))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    for f in RESULT_FORMAT_IRIS:
        g.add((svc, SD.resultFormat, f))
    ds = BNode()
    g.add((svc, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    dg = BNode()
    g.add((ds, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    g.add((dg, RDFS.comment, Literal(
        "The default graph is the union of all named graphs (sd:UnionDefaultGraph); "
        "default-graph-uri and named-graph-uri select another dataset.", lang="en")))
    g.add((dg, RDFS.comment, Literal(
        "De standaardgraaf is de vereniging van alle benoemde grafen.", lang="nl")))
    for name in graph_names:
        ng = BNode()
        g.add((ds, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
    return g


def _service_description_or_page(accept: str | None, fmt: str | None) -> Response:
    if fmt is not None:
        table = FORMAT_PARAM["graph"]
        if fmt not in table:
            raise ProtocolError(400, f"format={fmt!r} is not available for the service description; use one of "
                                     + ", ".join(table))
        f = table[fmt]
    else:
        mt = choose(accept, [t for t, _ in SD_TYPES])
        if mt is None:
            raise ProtocolError(406, "GET /sparql without a query answers with the service description "
                                     "(text/turtle, application/n-triples, application/ld+json, "
                                     "application/rdf+xml) or an HTML query form; send `query=…` for results")
        f = dict(SD_TYPES)[mt]
    if f == "html":
        example = request.args.get("example")
        text = ""
        if example:
            from ..knowledge import queries

            try:
                text = queries.get(example).text
            except KeyError:
                text = ""
        return _page(query=text)
    g = service_description(base_url() + url_for("sparql.endpoint"), _store().graph_names())
    content_type = CANONICAL[("graph", f)]
    body = g.serialize(format=f)
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    return Response(body, status=200, content_type=content_type)


# -- HTML --------------------------------------------------------------------------------------------

# The page body; rendered inside the site's layout (``templates/base.html`` of the pages
# blueprint) when it is there, else in the plain standalone wrapper below.
PAGE_BODY = """
<h1>SPARQL</h1>
<p>Stel een SPARQL 1.1-query aan de kennisgraaf (alleen lezen). <span lang="en">Ask the knowledge
graph a SPARQL 1.1 query (read-only).</span> De standaardgraaf is de vereniging van alle benoemde
grafen. Endpoint: <code>{{ endpoint_url }}</code></p>
<form method="get" action="{{ endpoint }}" id="sparql-form">
<p><label for="query">Query</label><br>
<textarea id="query" name="query" rows="16" cols="100" spellcheck="false" required>{{ query }}</textarea></p>
<p><label for="format">Resultaat / result</label>
<select id="format" name="format">
{% for value, label in result_formats %}<option value="{{ value }}"{% if value == selected %} selected{% endif %}>{{ label }}</option>
{% endfor %}</select>
<button type="submit">Uitvoeren / Run</button></p>
</form>
{% include "sparql_editor.html" ignore missing %}
{% if error %}
<section id="error" class="notice error" role="alert">
<h2>Fout / Error</h2>
<pre>{{ error }}</pre>
</section>
{% endif %}
{% if result is not none %}
<section id="results">
<h2>Resultaat / Result</h2>
{% if result.kind == "ask" %}
<p id="boolean">{{ "true" if result.boolean else "false" }}</p>
{% else %}
<p>{{ rows|length }} {{ "rij / row" if rows|length == 1 else "rijen / rows" }}</p>
{% if truncated %}<p class="notice" id="truncated">Afgekapt na {{ truncated }} rijen; gebruik LIMIT en OFFSET om verder te bladeren.
<span lang="en">(Cut off after {{ truncated }} rows; use LIMIT and OFFSET to page.)</span></p>{% endif %}
<table class="list">
<thead><tr>{% for v in columns %}<th scope="col">{{ v }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for cell in row %}<td>{% if cell.href %}<a href="{{ cell.href }}">{{ cell.text }}</a>{% else %}{{ cell.text }}{% endif %}{% if cell.note %} <small>{{ cell.note }}</small>{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
{% endif %}
</section>
{% endif %}
<section id="examples">
<h2>Voorbeelden / Examples</h2>
<ul>
{% for q in examples %}<li>
<p><strong>{{ q.name }}</strong> — {{ q.question_nl }} <span lang="en">({{ q.question_en }})</span></p>
<p><a href="{{ q.run }}">Uitvoeren / Run</a> · <a href="{{ q.edit }}">In het formulier / Edit</a></p>
<details><summary>SPARQL</summary><pre>{{ q.text }}</pre></details>
</li>
{% endfor %}</ul>
</section>
{% if graphs %}
<section id="graphs">
<h2>Benoemde grafen / Named graphs</h2>
<ul>{% for g in graphs %}<li><code>{{ g }}</code></li>{% endfor %}</ul>
</section>
{% endif %}
<section id="protocol">
<h2>Protocol</h2>
<p>GET <code>?query=</code>, POST <code>application/x-www-form-urlencoded</code> of
<code>application/sparql-query</code>; <code>default-graph-uri</code>, <code>named-graph-uri</code>.
Resultaten via <code>Accept</code> of <code>?format=</code>: json, xml, csv, tsv (SELECT/ASK);
turtle, nt, json-ld, xml (CONSTRUCT/DESCRIBE).
<a href="{{ endpoint }}?format=turtle">Service description</a>.</p>
</section>
"""

PAGE_IN_SITE = ('{% extends "base.html" %}{% block title %}SPARQL{% endblock %}{% block content %}'
                + PAGE_BODY + "{% endblock %}")

PAGE_STANDALONE = """<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL — cloudkader</title>
</head>
<body>
<header><nav><a href="{{ home }}">cloudkader</a> · <a href="{{ endpoint }}">SPARQL</a></nav></header>
<main>
""" + PAGE_BODY + """
</main>
</body>
</html>
"""

PAGE_FORMATS = [("html", "HTML"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"),
                ("tsv", "TSV"), ("turtle", "Turtle (CONSTRUCT/DESCRIBE)"), ("nt", "N-Triples"),
                ("json-ld", "JSON-LD")]


def _local_href(iri: str) -> str:
    if iri.startswith(LOCAL_BASE):
        return "/" + iri[len(LOCAL_BASE):]
    if iri.startswith(("http://", "https://")):
        return iri
    return ""


def _short(iri: str) -> str:
    for p, ns in prefixes().items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{iri[len(ns):]}"
    return iri


def _cell(t) -> dict:
    if t is None:
        return {"text": "", "href": "", "note": ""}
    if isinstance(t, URIRef):
        return {"text": _short(str(t)), "href": _local_href(str(t)), "note": ""}
    if isinstance(t, BNode):
        return {"text": f"_:{t}", "href": "", "note": ""}
    if isinstance(t, Literal):
        note = f"@{t.language}" if t.language else (f"^^{_short(str(t.datatype))}" if t.datatype else "")
        return {"text": str(t), "href": "", "note": note}
    return {"text": str(t), "href": "", "note": ""}


def _render(ctx: dict) -> str:
    """The page in the site's layout when the pages blueprint provides it, else standalone."""
    if "pages.home" in current_app.view_functions:
        try:
            from .resources import inject_helpers

            return render_template_string(PAGE_IN_SITE, **inject_helpers(), **ctx)
        except Exception:  # the query page must never break because the site layout changed
            log.exception("rendering the SPARQL page in the site layout failed; using the plain page")
    return render_template_string(PAGE_STANDALONE, **ctx)


def _page(query: str = "", result: QueryResult | None = None, error: str | None = None, status: int = 200,
          truncated: int | None = None) -> Response:
    from ..knowledge import queries

    endpoint = url_for("sparql.endpoint")
    examples = []
    for q in queries.all_queries():
        examples.append({
            "name": q.name, "question_nl": q.question_nl, "question_en": q.question_en, "text": q.text,
            "run": endpoint + "?" + urlencode({"query": q.text, "format": "html"}),
            "edit": endpoint + "?" + urlencode({"example": q.name}),
        })
    if not query and not error and examples:
        query = examples[0]["text"]
    columns, rows = [], []
    if result is not None and result.kind == "select":
        columns = result.variables
        rows = [[_cell(t) for t in row] for row in result.rows]
    elif result is not None and result.kind == "graph":
        columns = ["subject", "predicate", "object"]
        triples = sorted(result.graph or Graph(), key=lambda t: (str(t[0]), str(t[1]), str(t[2])))
        rows = [[_cell(s), _cell(p), _cell(o)] for s, p, o in triples]
    try:
        graphs = _store().graph_names()
    except Exception:  # the page must render even when the store cannot list its graphs
        graphs = []
    ctx = dict(query=query, result=result, error=error, columns=columns, rows=rows, examples=examples, truncated=truncated,
               graphs=graphs, result_formats=PAGE_FORMATS, selected="html", endpoint=endpoint,
               formats=[{"media": t, "href": f"{endpoint}?format={f}"} for t, f in SD_TYPES if f != "html"],
               endpoint_url=base_url() + endpoint, home=request.script_root + "/")
    html = _render(ctx)
    return Response(html, status=status, content_type="text/html; charset=utf-8")

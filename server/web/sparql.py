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
credentials); preflight ``OPTIONS`` allows GET, POST, OPTIONS, the ``Content-Type`` and
``Accept`` headers and the headers the preflight asks for, so a query page on another origin
can use the endpoint; the truncation headers are exposed to it (``Access-Control-Expose-Headers``).

``format`` (or ``output``) may come more than once when the values name the same format —
SPARQLWrapper sends ``format=tsv&format=text/tab-separated-values`` — and a value may be a media
type (or a comma-separated list of them); values naming different formats are a 400.

When the store behind the service (``--store sparql:URL``) is unreachable the answer is
**502 Bad Gateway**, when it does not answer in time **504 Gateway Timeout**, each with the reason.

The protocol's names and media types are in ``sparql_protocol``, the service description in
``sparql_service``, the HTML page in ``sparql_page``.

The HTML form needs no JavaScript (the examples are links); with JavaScript the page's
``sparql_editor.html`` (pages templates) mounts the vendored YASGUI editor over it
(``query_editor``), under the site's one Content-Security-Policy.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qsl

from flask import Blueprint, Response, current_app, request
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from ..knowledge.corpus import prefixes
from ..stores import query_executor
from ..stores.local import UpdateRefused
from ..stores.results import FormatError, QueryError, QueryResult, StoreUnavailable, serialize
from .negotiation import choose, media_type_of, parse_accept
from .security import query_limits
from .sparql_page import _page
from .sparql_protocol import (
    ALLOWED_METHODS,
    CANONICAL,
    FORM,
    FORMAT_PARAM,
    GRAPH_TYPES,
    MAX_ROWS_HEADER,
    QUERY_TYPE,
    RESULT_TYPES,
    TRUNCATED_HEADER,
    UPDATE_TYPE,
    ProtocolError,
    _store,
)
from .sparql_service import _service_description_or_page

bp = Blueprint("sparql", __name__)
log = logging.getLogger(__name__)


def _text(status: int, message: str, **headers) -> Response:
    resp = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    resp.headers.update(headers)
    return resp


CORS_HEADERS = ("Content-Type", "Accept")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")


def _allowed_headers() -> str:
    """The request headers a cross-origin client may send: Content-Type and Accept, and whatever
    header names its preflight asks for (``Access-Control-Request-Headers``: a query page sends
    e.g. ``X-Requested-With`` or ``Cache-Control``). Granting them is safe here: the endpoint
    is read-only, takes no credentials (``Access-Control-Allow-Origin: *`` without
    ``…-Allow-Credentials``) and reads no header but Content-Type and Accept."""
    asked = request.headers.get("Access-Control-Request-Headers", "")
    names = list(CORS_HEADERS)
    for name in (n.strip() for n in asked.split(",")):
        if _HEADER_NAME.match(name) and name.lower() not in (n.lower() for n in names):
            names.append(name)
    return ", ".join(names[:32])


@bp.after_request
def _cors(resp: Response) -> Response:
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    resp.headers["Access-Control-Allow-Headers"] = _allowed_headers()
    resp.vary.add("Access-Control-Request-Headers")
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
    formats = list(dict.fromkeys(v.strip().lower() for k, v in params if k in ("format", "output") and v.strip()))
    defaults = [v for k, v in params if k == "default-graph-uri"]
    named = [v for k, v in params if k == "named-graph-uri"]
    for iri in defaults + named:
        if not _is_iri(iri):
            raise ProtocolError(400, f"not an absolute IRI: {iri!r} (default-graph-uri / named-graph-uri)")
    return (queries[0] if queries else None), defaults, named, (formats or None)


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
            return _service_description_or_page(accept, fmt and _format_name("graph", fmt))
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
        except StoreUnavailable as exc:  # the store's failure (502 / 504), not the query's
            raise ProtocolError(exc.status, exc.message) from None
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


def _format_of(kind: str, value: str) -> str:
    """The serializer format a ``format`` value names for a result of ``kind``: a name
    (``json``, ``tsv``, ``turtle``, …) or media types (``text/tab-separated-values``; a list, as
    SPARQLWrapper sends, gives the first one offered)."""
    table = FORMAT_PARAM[kind]
    if value in table:
        return table[value]
    if "/" in value:
        offered = dict(RESULT_TYPES if kind == "result" else GRAPH_TYPES)
        for media in value.split(","):
            media = media.split(";")[0].strip()
            if media in offered:
                return offered[media]
    what = "SELECT/ASK" if kind == "result" else "CONSTRUCT/DESCRIBE"
    raise ProtocolError(400, f"format={value!r} is not available for {what} results; use one of "
                             + ", ".join(table))


def _format_name(kind: str, formats: list[str]) -> str:
    """The one serializer format that all ``format`` parameters name (SPARQLWrapper sends the
    same format twice, as a name and as a media type: ``format=tsv&format=text/tab-separated-values``);
    400 when they name different formats."""
    named = {_format_of(kind, v) for v in formats}
    if len(named) > 1:
        raise ProtocolError(400, "more than one `format` parameter, naming different formats: "
                                 + ", ".join(repr(v) for v in formats))
    return named.pop()


def _negotiate(kind: str, accept: str | None, fmt: list[str] | None) -> tuple[str, str]:
    """(serializer format, Content-Type) for a result of ``kind`` ("result" or "graph")."""
    if fmt is not None:
        f = _format_name(kind, fmt)
        return f, CANONICAL[(kind, f)]
    offered = RESULT_TYPES if kind == "result" else GRAPH_TYPES
    mt = choose(accept, [t for t, _ in offered])
    if mt is None:
        raise ProtocolError(406, _not_acceptable_message(accept))
    f = dict(offered)[mt]
    return f, CANONICAL[(kind, f)]


def _answer(result: QueryResult, query: str, accept: str | None, fmt: list[str] | None, truncated: bool = False,
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

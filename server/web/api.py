"""The JSON API: ``POST /validate``, ``POST /applicable``, ``GET /overlaps`` and
``GET /openapi.json`` (the OpenAPI 3.1 description of these routes and ``/sparql``, kept in
``openapi.json`` beside this module; ``tests/test_api.py`` keeps it true).

Every route calls the same core functions as the command line (``cloudkader.core``,
``cloudkader.knowledge.overlaps``), so the HTTP answers are the CLI's ``--format json`` answers.

Request bodies (a cloud service description, DESIGN.md §3) are chosen by ``Content-Type``:
``text/turtle``, ``application/ld+json``, ``application/json`` (JSON-LD), ``application/n-triples``.

Status codes:

- 200 — ``/validate`` answers 200 whether or not the service conforms (``conforms`` is in the body);
- 400 — ``{"error": …}``: an empty body, a description that cannot be read or checked (the
  message of ``DescriptionError``, with line and column where the parser gives them), an unknown
  ``framework`` key, an unknown theme or provision for ``/overlaps``;
- 406 — the client accepts none of the answer's media types;
- 413 — ``{"error": …}``: a body over ``MAX_CONTENT_LENGTH`` (5 MB by default), or a description
  of more services than ``CLOUDKADER_MAX_SERVICES`` (1000 by default; docs/security.md);
- 415 — ``{"error": …}``: a missing or unsupported ``Content-Type``;
- 503 — ``{"error": …}`` with ``Retry-After``: the check took longer than
  ``CLOUDKADER_CHECK_TIMEOUT`` (30 s by default) and was stopped, or no worker was free.

Reading and checking a description is work the client controls (a 1.5 MB description of one
service with 20 000 measures takes ~9 s to validate), so ``/validate`` and ``/applicable`` run
it in a worker process of the query pool (``check_task`` through ``query_executor.call``), which
is killed when it runs past the time limit — like SPARQL queries.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template_string, request, url_for
from werkzeug.exceptions import InternalServerError, RequestEntityTooLarge

from .. import core
from ..stores import query_executor
from ..knowledge.corpus import catalogue
from ..checks.description import MEDIA_TYPES, DescriptionError
from .negotiation import choose, media_type_of, prefers_html
from .security import check_limits

bp = Blueprint("api", __name__)
log = logging.getLogger(__name__)

LOCAL_BASE = "https://w3id.org/cloudkader/"
THEME_NS = LOCAL_BASE + "id/theme/"
OPENAPI_FILE = Path(__file__).with_name("openapi.json")
JSON = "application/json"
VALIDATE_TYPES = [JSON, "text/turtle", "application/ld+json"]
VALIDATE_FORMATS = {"json": JSON, "turtle": "text/turtle", "ttl": "text/turtle", "json-ld": "application/ld+json",
                    "jsonld": "application/ld+json"}


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def error(status: int, message: str) -> Response:
    resp = jsonify({"error": message})
    resp.status_code = status
    return resp


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    resp = error(exc.status, exc.message)
    resp.headers.update(exc.headers)
    return resp


@bp.errorhandler(InternalServerError)
def _internal(exc):
    log.error("API request failed", exc_info=getattr(exc, "original_exception", None) or exc)
    return error(500, "internal error")


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(exc):
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return error(413, f"request body too large: the limit is {limit} bytes")


def _store_spec() -> str:
    return current_app.config["CLOUDKADER_STORE"]


def _read_body() -> tuple[bytes, str]:
    """The request body and its format (turtle, json-ld, nt); ApiError for 415/413/400."""
    media_type, _params = media_type_of(request.headers.get("Content-Type"))
    if not media_type:
        raise ApiError(415, "missing Content-Type; send the service description as "
                            + ", ".join(MEDIA_TYPES))
    if media_type not in MEDIA_TYPES:
        raise ApiError(415, f"unsupported Content-Type {media_type!r}; use one of " + ", ".join(MEDIA_TYPES))
    data = request.get_data(cache=False)  # raises RequestEntityTooLarge (413) over the limit
    if not data.strip():
        raise ApiError(400, "empty body: send a service description (DESIGN.md §3)")
    return data, MEDIA_TYPES[media_type]


@query_executor.task
def check_task(kind: str, data: bytes, fmt: str, frameworks, answer: str,
               max_services: int, at: str | None = None) -> tuple[int, object]:
    """Read the description and answer ``/validate`` or ``/applicable``: (200, answer) or
    (status, message). Runs in a worker process (or in the server thread without workers)."""
    try:
        desc = core.read_description(data, fmt, "request body")
    except DescriptionError as exc:
        return 400, str(exc)
    if max_services and len(desc.services) > max_services:
        return 413, (f"too many services in one request: {len(desc.services)}, the limit is {max_services}; "
                     "send them in several requests")
    day = core.parse_day(at)
    if kind == "applicable":
        return 200, core.applicable(desc, at=day)
    result, graph, _reports = core.validate(desc, frameworks, at=day)
    if answer == JSON:
        return 200, result
    return 200, graph.serialize(format="turtle" if answer == "text/turtle" else "json-ld")


def _check(kind: str, frameworks=None, answer: str = JSON):
    """Run ``check_task`` for this request within the limits; the answer or an ApiError."""
    from ..knowledge.app_state import get_store

    at = _at()
    data, fmt = _read_body()
    spec = _store_spec()
    max_services = int(current_app.config.get("CLOUDKADER_MAX_SERVICES") or 0)
    try:
        status, payload = query_executor.call(get_store(spec), check_task,
                                              (kind, data, fmt, frameworks, answer, max_services, at),
                                              **check_limits())
    except query_executor.QueryUnavailable as exc:
        raise ApiError(exc.status, exc.message, {"Retry-After": str(exc.retry_after)}) from None
    except query_executor.NestedTooDeeply as exc:
        raise ApiError(400, str(exc)) from None
    if status != 200:
        raise ApiError(status, payload)
    return payload


def _at() -> str | None:
    """The ``at`` parameter (a day, YYYY-MM-DD; default today), checked: 400 otherwise."""
    at = request.args.get("at") or None
    try:
        core.parse_day(at)
    except ValueError as exc:
        raise ApiError(400, str(exc)) from None
    return at


def _negotiate(offered: list[str], formats: dict[str, str] | None = None) -> str:
    fmt = request.args.get("format")
    if fmt and formats is not None:
        if fmt.lower() not in formats:
            raise ApiError(400, f"unknown format {fmt!r}; use one of " + ", ".join(formats))
        return formats[fmt.lower()]
    mt = choose(request.headers.get("Accept"), offered)
    if mt is None:
        raise ApiError(406, f"cannot answer with any type in Accept: {request.headers.get('Accept')!r}; "
                            "available: " + ", ".join(offered))
    return mt


def _json(obj, status: int = 200) -> Response:
    return Response(json.dumps(obj, ensure_ascii=False, indent=2) + "\n", status=status, mimetype=JSON)


@bp.post("/validate")
def validate():
    answer = _negotiate(VALIDATE_TYPES, VALIDATE_FORMATS)
    keys = [k for k in request.args.getlist("framework") if k]
    try:
        frameworks = core.framework_iris(keys) if keys else None
    except KeyError as exc:
        raise ApiError(400, exc.args[0]) from None
    payload = _check("validate", frameworks, answer)
    if answer == JSON:
        return _json(payload)
    ct = answer + ("; charset=utf-8" if answer.startswith("text/") else "")
    return Response(payload, status=200, content_type=ct)


@bp.post("/applicable")
def applicable():
    _negotiate([JSON])
    return _json(_check("applicable"))


@bp.get("/overlaps")
def overlaps():
    """The typed overlaps between provisions (DESIGN.md §4), filtered by ``theme`` (slug,
    prefixed name or IRI) and ``provision`` (IRI or prefixed name), from
    ``cloudkader.knowledge.overlaps.overlaps`` — the CLI's function.

    JSON by default (and for ``?format=json``). A browser (``Accept`` prefers ``text/html``, or
    ``?format=html``) is sent (303) to the HTML views of the pages blueprint — the theme page
    for ``theme``, the provision's page for ``provision``, else the overlap matrix — and gets a
    plain HTML table when that blueprint is not there."""
    fmt = (request.args.get("format") or "").lower()
    if fmt not in ("", "json", "html"):
        raise ApiError(400, f"unknown format {fmt!r}; use json or html")
    html = fmt == "html" or (not fmt and prefers_html(request.headers.get("Accept"), [JSON]))
    if not html and not fmt:
        _negotiate([JSON])
    theme = request.args.get("theme") or None
    provision = request.args.get("provision") or None
    try:
        from ..knowledge import overlaps as overlaps_mod
    except ImportError:
        raise ApiError(503, "the overlap table is not available in this build") from None
    from ..knowledge.app_state import get_store

    store = get_store(_store_spec())
    try:
        if html:
            target = _overlaps_page(overlaps_mod, store, theme, provision)
            if target:
                return redirect(target, code=303)
        result = overlaps_mod.overlaps(store, theme=theme, provision=provision)
        at = _at()
        if at:
            from ..knowledge.overlap_time import at_date

            result = at_date(result, core.get_knowledge(), core.parse_day(at))
    except (KeyError, ValueError) as exc:
        raise ApiError(400, str(exc.args[0]) if exc.args else str(exc)) from None
    if html:
        return Response(render_template_string(OVERLAPS_PAGE, data=result, theme=theme, provision=provision),
                        content_type="text/html; charset=utf-8")
    return _json(result)


def _overlaps_page(overlaps_mod, store, theme: str | None, provision: str | None) -> str | None:
    """The URL of the web interface's HTML view for these filters, if the app has one: the
    provision's page, the theme page, or the overlap matrix. Unknown values raise (→ 400)."""
    views = current_app.view_functions
    if provision:
        iri = overlaps_mod.provision_iri(store, provision)
        if iri.startswith(LOCAL_BASE) and "linked_data.resource" in views:
            return request.script_root + "/" + iri[len(LOCAL_BASE):]
        return None
    if theme:
        iri = overlaps_mod.theme_iri(store, theme)
        if iri.startswith(THEME_NS) and "pages.overlap_theme" in views:
            return url_for("pages.overlap_theme", slug=iri[len(THEME_NS):])
        return None
    if "pages.overlap_matrix" in views:
        return url_for("pages.overlap_matrix")
    return None


OVERLAPS_PAGE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><title>Overlap tussen kaders — cloudkader</title></head>
<body><main>
<h1>Overlap tussen kaders <span lang="en">(overlaps between frameworks)</span></h1>
{% if theme or provision %}<p>Filter: {{ theme or "" }} {{ provision or "" }}</p>{% endif %}
<table>
<thead><tr><th scope="col">bron / source</th><th scope="col">relatie / relation</th><th scope="col">doel / target</th><th scope="col">thema / theme</th><th scope="col">toelichting / rationale</th></tr></thead>
<tbody>
{% for o in data.overlaps %}<tr><td>{{ o.source }}</td><td>{{ o.relation }}</td><td>{{ o.target }}</td><td>{{ o.theme }}</td><td>{{ o.rationale }}</td></tr>
{% endfor %}</tbody></table>
{% if data.unmatched %}<h2>Zonder tegenhanger <span lang="en">(unmatched)</span></h2>
<ul>{% for u in data.unmatched %}<li>{{ u.provision }} — {{ u.rationale }}</li>{% endfor %}</ul>{% endif %}
</main></body></html>
"""


@lru_cache(maxsize=1)
def openapi_document() -> dict:
    """``openapi.json`` with what comes from the data filled in: the framework keys."""
    doc = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    doc["components"]["schemas"]["FrameworkKey"]["enum"] = list(catalogue().keys())
    return doc


@bp.get("/openapi.json")
def openapi():
    resp = _json(openapi_document())
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp

"""What the service guarantees when it faces the internet (docs/security.md has the whole story):

- **limits** — the query time limit, the result cap, the request body size, the number of
  services per request, the query worker pool — with their defaults, read from the app config,
  which ``create_app`` fills from environment variables (``CLOUDKADER_…``) and ``cloudkader
  serve`` from its options (``LIMITS`` below is the one table of them);
- **security headers** on every response, set here only (``add_headers``):
  ``X-Content-Type-Options: nosniff``, one Content-Security-Policy without ``'unsafe-inline'``
  (``default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none';
  object-src 'none'``), ``X-Frame-Options: DENY`` and a Referrer-Policy;
- **errors without internals** (``install``): every 4xx/5xx the app does not answer itself gets a
  short message — text for ``/sparql`` (as its own errors), JSON for the API routes and for
  clients that do not ask for HTML, an HTML page for browsers — never an exception text, a
  traceback or a file path. Unexpected exceptions are logged on the server, not sent.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, render_template, render_template_string, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..stores import query_executor
from .negotiation import choose

log = logging.getLogger(__name__)

from ..limits import LIMITS, MB, Limit, limits_from_env  # noqa: F401  (re-exported)


def query_limits(app: Flask | None = None) -> dict:
    """Keyword arguments for ``query_executor.execute`` from the app config."""
    cfg = (app or current_app).config
    return {"timeout": float(cfg.get("CLOUDKADER_QUERY_TIMEOUT") or 0) or None,
            "max_rows": int(cfg.get("CLOUDKADER_MAX_ROWS") or 0) or None,
            "max_bytes": int(cfg.get("CLOUDKADER_MAX_ANSWER_BYTES") or 0) or None,
            "workers": int(cfg.get("CLOUDKADER_QUERY_WORKERS", query_executor.default_workers())),
            "memory_mb": int(cfg.get("CLOUDKADER_QUERY_MEMORY_MB") or 0) or None,
            "warmup": warm_up}


def check_limits(app: Flask | None = None) -> dict:
    """Keyword arguments for ``query_executor.call`` of /validate and /applicable."""
    limits = query_limits(app)
    cfg = (app or current_app).config
    return {"timeout": float(cfg.get("CLOUDKADER_CHECK_TIMEOUT") or 0) or None, "workers": limits["workers"],
            "memory_mb": limits["memory_mb"], "warmup": limits["warmup"]}


WARM_UP_SERVICE = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
<https://example.org/warm-up> a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:deploymentModel ckd:PublicCloud .
"""


def warm_up() -> None:
    """Build what the workers need — the checker and what its first check compiles — in the
    server process before they fork, so that every worker starts warm."""
    from .. import core

    core.get_checker()
    desc = core.read_description(WARM_UP_SERVICE, "turtle", "warm-up")
    core.validate(desc)
    core.applicable(desc)


# -- headers ------------------------------------------------------------------------------------------

CSP = "default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
REFERRER_POLICY = "same-origin"


def add_headers(resp: Response) -> Response:
    """The one place that sets the security headers, on every response of every route (HTML or
    not: a JSON or Turtle answer opened in a browser gets the same policy). Routes do not set
    their own: whatever they set is replaced."""
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Frame-Options"] = "DENY"  # what frame-ancestors 'none' says, for every browser
    resp.headers["Referrer-Policy"] = REFERRER_POLICY
    return resp


def base_url(app: Flask | None = None) -> str:
    """The service's public base URL, from configuration (``CLOUDKADER_BASE_URL``; ``cloudkader
    serve`` sets the address it listens on unless ``--base-url`` names another) — never from
    the request's ``Host`` header, which the client chooses."""
    return str((app or current_app).config.get("CLOUDKADER_BASE_URL") or "http://localhost").rstrip("/")


# -- errors -------------------------------------------------------------------------------------------

API_PATHS = ("/validate", "/applicable", "/overlaps", "/openapi.json")
MESSAGES = {
    400: ("Ongeldig verzoek", "bad request"),
    401: ("Niet aangemeld", "not authorised"),
    403: ("Niet toegestaan", "forbidden"),
    404: ("Niet gevonden", "not found"),
    405: ("Methode niet toegestaan", "method not allowed"),
    406: ("Niet aanvaardbaar", "not acceptable"),
    408: ("Time-out van het verzoek", "request timeout"),
    413: ("Verzoek te groot", "request body too large"),
    414: ("URL te lang", "URL too long"),
    415: ("Mediatype niet ondersteund", "unsupported media type"),
    422: ("Niet te verwerken", "unprocessable request"),
    429: ("Te veel verzoeken", "too many requests"),
    431: ("Headers te groot", "request headers too large"),
    500: ("Interne fout", "internal error"),
    501: ("Niet geïmplementeerd", "not implemented"),
    503: ("Tijdelijk niet beschikbaar", "service unavailable"),
}


def _message(code: int) -> str:
    if code == 413:
        limit = current_app.config.get("MAX_CONTENT_LENGTH")
        return f"request body too large (limit {limit} bytes)" if limit else MESSAGES[413][1]
    if code == 405:
        return f"method {request.method} is not allowed on {request.path}"
    if code == 404:
        return f"no page or resource at {request.path}"
    return MESSAGES.get(code, ("", "error"))[1]


def _kind() -> str:
    path = request.path
    if path == "/sparql" or path.startswith("/sparql/"):
        return "text"
    if path in API_PATHS:
        return "json"
    accept = request.headers.get("Accept")
    return "html" if choose(accept, ["application/json", "text/html"]) == "text/html" and accept else "json"


ERROR_BODY = """<h1>{{ code }} — {{ title_nl }} <span lang="en">({{ title_en }})</span></h1>
<p class="notice">{{ message }}</p>
<p><a href="{{ home }}">cloudkader</a></p>"""
ERROR_IN_SITE = ('{% extends "base.html" %}{% block title %}{{ code }} {{ title_nl }}{% endblock %}'
                 "{% block content %}" + ERROR_BODY + "{% endblock %}")
ERROR_STANDALONE = """<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ code }} {{ title_nl }} — cloudkader</title></head>
<body><main>""" + ERROR_BODY + """</main></body></html>
"""


def _html_error(code: int, message: str) -> str:
    title_nl, title_en = MESSAGES.get(code, ("Fout", "error"))
    ctx = {"code": code, "title_nl": title_nl, "title_en": title_en, "message": message,
           "home": request.script_root + "/"}
    if "pages.home" in current_app.view_functions:
        try:
            from .resources import inject_helpers

            if code == 404:
                return render_template("not_found.html", iri=request.path, **inject_helpers(),
                                       message=message)
            return render_template_string(ERROR_IN_SITE, **inject_helpers(), **ctx)
        except Exception:  # an error page must never fail: fall back to the plain one
            log.exception("rendering the error page in the site layout failed")
    return render_template_string(ERROR_STANDALONE, **ctx)


def error_response(code: int, message: str | None = None, headers: dict | None = None) -> Response:
    message = message or _message(code)
    kind = _kind()
    if kind == "text":
        resp = Response(message.rstrip("\n") + "\n", status=code, mimetype="text/plain")
    elif kind == "json":
        resp = jsonify({"error": message})
        resp.status_code = code
    else:
        resp = Response(_html_error(code, message), status=code, mimetype="text/html")
    for name, value in (headers or {}).items():
        if name.lower() not in ("content-type", "content-length"):
            resp.headers[name] = value
    return resp


def _http_error(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}
    return error_response(exc.code, None, headers)


def _internal_error(exc: InternalServerError):
    original = getattr(exc, "original_exception", None)
    log.error("request %s %s failed", request.method, request.path, exc_info=original or exc)
    return error_response(500, "internal error; the server has logged it")


def install(app: Flask) -> None:
    """Security headers and the error handlers, app-wide."""
    app.after_request(add_headers)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _internal_error)

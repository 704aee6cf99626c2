"""Listings as data, as Datasette does: the same URL answers HTML, JSON or CSV.

The format is chosen, in this order, by

1. a suffix on the path: ``/register.json``, ``/register.csv`` (the route passes it in);
2. the ``format`` parameter: ``/register?format=csv``;
3. content negotiation on ``Accept`` (``application/json``, ``text/csv``, ``text/html``);
   HTML is the default, for browsers and for clients that accept anything.

An unknown suffix or ``format`` is a 400 with the list of formats; an ``Accept`` that admits
none of them is a 406. Answers carry ``Vary: Accept`` and links to their other forms.

CSV cells are neutralised against formula injection by the one helper for it,
``csv_export.listing_csv`` (issue 10): a cell that starts with ``=``, ``+``, ``-``, ``@`` (or a
tab or carriage return) gets a leading apostrophe. Lists become ``a | b``. Only the web listings
do this; the SPARQL endpoint's CSV stays as the W3C format requires.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from flask import Response, abort, request

from .csv_export import listing_csv
from .negotiation import choose
from .security import error_response

MEDIA = {"html": "text/html", "json": "application/json", "csv": "text/csv"}


def fail(status: int, message: str):
    """Stop with a short error answer in the form the client asked for (HTML page, JSON or text)."""
    abort(error_response(status, message))


def wanted_format(suffix: str | None = None) -> str:
    """``html``, ``json`` or ``csv`` for this request (see the module docstring); aborts with 400/406."""
    if suffix:
        if suffix not in MEDIA or suffix == "html":
            fail(400, f"unknown format .{suffix}; use .json or .csv")
        return suffix
    fmt = (request.args.get("format") or "").strip().lower()
    if fmt:
        if fmt not in MEDIA:
            fail(400, f"unknown format {fmt!r}; use html, json or csv")
        return fmt
    mt = choose(request.headers.get("Accept"), list(MEDIA.values()))
    if mt is None:
        fail(406, "this listing is available as text/html, application/json and text/csv")
    return next(k for k, v in MEDIA.items() if v == mt)


def data_response(fmt: str, name: str, payload: dict, columns: list[str], rows: list[dict]) -> Response:
    """The JSON (``payload``) or CSV (``columns`` × ``rows``) answer of a listing."""
    if fmt == "json":
        resp = Response(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", mimetype="application/json")
    else:
        cells = ([" | ".join(map(str, v)) if isinstance(v, (list, tuple)) else v for v in (r.get(c) for c in columns)]
                 for r in rows)
        resp = Response(listing_csv(columns, cells), mimetype="text/csv")
        resp.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
        resp.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    resp.vary.add("Accept")
    return resp


def alternates(path: str, drop: tuple[str, ...] = ("format", "lang")) -> list[dict]:
    """Links to the JSON and CSV form of this URL (with its filters), for the page and ``<link rel=alternate>``."""
    args = [(k, v) for k, vs in request.args.lists() if k not in drop for v in vs if v != ""]
    query = ("?" + urlencode(args)) if args else ""
    base = request.script_root + path
    sep = "&" if args else "?"
    return [{"format": f, "media": MEDIA[f], "href": f"{base}{query}{sep}format={f}"} for f in ("json", "csv")]


def url_with(path: str, **changes) -> str:
    """This request's URL on ``path`` with some parameters changed (``None`` removes one)."""
    args = {k: request.args.getlist(k) for k in request.args if k != "format"}
    for k, v in changes.items():
        if v is None or v == "":
            args.pop(k, None)
        else:
            args[k] = [v]
    flat = [(k, v) for k, vs in args.items() for v in vs if v != ""]
    return request.script_root + path + (("?" + urlencode(flat)) if flat else "")


def sort_spec(allowed: list[str], default: str) -> tuple[str, bool]:
    """(column, descending) from ``sort=col`` or ``sort=-col``; unknown columns are a 400."""
    raw = (request.args.get("sort") or default).strip()
    desc = raw.startswith("-")
    col = raw.lstrip("-")
    if col not in allowed:
        fail(400, f"cannot sort by {col!r}; use one of {', '.join(allowed)} (prefix - for descending)")
    return col, desc

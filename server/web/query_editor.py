"""The query editor on the ``/sparql`` page: YASGUI (``@zazuko/yasgui``, vendored from the npm
registry under ``static/vendor/yasgui`` by ``scripts/vendor.sh``; served from ``/static``, no
CDN). ``static/sparql-editor.js`` turns the page's plain query form into YASGUI — the form stays
for browsers without JavaScript — and reads its configuration here:

- the endpoint (this service's ``/sparql``, asked with POST),
- the prefixes of the corpus (``namespaces.PREFIXES``) for prefix completion and for the
  PREFIX lines YASGUI adds when a known prefix is typed,
- the named queries of ``queries/`` as examples.

Nothing in the editor talks to another site: the prefix.cc and LOV completers YASGUI ships with
are replaced or switched off, so the page works offline and under ``default-src 'self'``.

The page keeps the site's one Content-Security-Policy (``security.CSP``: ``default-src 'self'``,
no ``'unsafe-inline'``, no ``'unsafe-eval'``), unchanged. YASGUI needs neither eval nor inline
script; the one thing it does that the policy refuses is the column resizer of its results
table inserting two ``<style>`` elements. Its table stylesheet is served from here instead
(``/sparql-editor.css``, read from the vendored bundle), and ``sparql-editor.js`` puts two
inert placeholders carrying the resizer's own stylesheet ids (``resizerStyleIds``) in the page
head, so that the resizer sees its styles as present and inserts nothing. The browser test fails
on any CSP violation, so a YASGUI version that inserts other styles is noticed.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, jsonify, request, url_for

from ..knowledge import queries
from ..terms.namespaces import PREFIXES

bp = Blueprint("query_editor", __name__)

BUNDLE = Path(__file__).parent / "static" / "vendor" / "yasgui" / "yasgui.min.js"


def string_hash(text: str) -> int:
    """The hash the column resizer of YASGUI's table names its stylesheets by (djb2 with xor, as
    the npm package ``string-hash``: from the last UTF-16 unit to the first, 32-bit)."""
    t = 5381
    units = text.encode("utf-16-le")
    for i in range(len(units) - 2, -2, -2):
        t = _int32(_int32(33 * t) ^ int.from_bytes(units[i:i + 2], "little"))
    return t & 0xFFFFFFFF


def _int32(n: int) -> int:
    n &= 0xFFFFFFFF
    return n - (1 << 32) if n >= 1 << 31 else n


@lru_cache(maxsize=1)
def resizer_styles() -> tuple[str, str]:
    """The two stylesheets the column resizer of YASGUI's results table inserts as ``<style>``
    elements — which ``default-src 'self'`` refuses: the one for every table, and the cursor
    while a column is dragged. Read from the vendored bundle, so they follow its version."""
    bundle = BUNDLE.read_text(encoding="utf-8")
    table = re.search(r"createStyle\(a,`( \.grip-resizable\{table-layout:fixed;\}[^`]*)`\)", bundle)
    cursor = re.search(r"dragCursor:`([^`]+)`", bundle)
    if not table or not cursor or "`*{cursor:`+n.opt.dragCursor+`!important}`" not in bundle:
        raise RuntimeError(f"the column resizer's styles are not where they were in {BUNDLE}")
    return table.group(1), "*{cursor:" + cursor.group(1) + "!important}"


@bp.get("/sparql-editor.css")
def resizer_stylesheet():
    """The table's stylesheet, served from this site instead of inserted inline."""
    resp = Response(resizer_styles()[0] + "\n", mimetype="text/css")
    resp.headers["Cache-Control"] = "max-age=3600"
    return resp


@bp.get("/sparql-editor.json")
def editor_config():
    examples = [{"name": q.name, "question_nl": q.question_nl, "question_en": q.question_en, "text": q.text}
                for q in queries.all_queries()]
    resp = jsonify({
        "endpoint": url_for("sparql.endpoint"),
        "prefixes": {p: str(ns) for p, ns in PREFIXES.items()},
        "examples": examples,
        # placeholders by these ids tell the resizer its styles are there (sparql-editor.js)
        "resizerStyleIds": [str(string_hash(css)) for css in resizer_styles()],
        "lang": "en" if request.args.get("lang") == "en" else "nl",
    })
    resp.headers["Cache-Control"] = "no-cache"
    return resp

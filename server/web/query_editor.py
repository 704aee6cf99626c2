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

The Content-Security-Policy of the page (``PAGE_CSP``, set by ``sparql.py``) is the site's
policy with one narrow addition: the results table of YASGUI (its column resizer) inserts two
fixed ``<style>`` elements, which are allowed by their SHA-256 hashes — no ``'unsafe-inline'``,
no ``'unsafe-eval'``, no other inline style or script. The browser test fails on any CSP
violation, so a YASGUI version with other styles is noticed.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from .. import queries
from ..namespaces import PREFIXES

bp = Blueprint("query_editor", __name__)

# sha256 of the two stylesheets the column resizer of YASGUI's table inserts (vendor/yasgui/yasgui.min.js):
# " .grip-resizable{table-layout:fixed;} …" when a table is drawn, "*{cursor:col-resize!important}" while a column is dragged
RESIZER_STYLE_HASHES = ("'sha256-zCK2EVMoPc04mRF/g5CotUvxbJPWS+8V0b+s9ptqQIk='",
                        "'sha256-c0O6TmFAkgpNbHxKAa1BrveWHHopjEtC47i0PzMudxg='")
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self' " + " ".join(RESIZER_STYLE_HASHES)
            + "; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'")


@bp.get("/sparql-editor.json")
def editor_config():
    examples = [{"name": q.name, "question_nl": q.question_nl, "question_en": q.question_en, "text": q.text}
                for q in queries.all_queries()]
    resp = jsonify({
        "endpoint": url_for("sparql.endpoint"),
        "prefixes": {p: str(ns) for p, ns in PREFIXES.items()},
        "examples": examples,
        "lang": "en" if request.args.get("lang") == "en" else "nl",
    })
    resp.headers["Cache-Control"] = "no-cache"
    return resp

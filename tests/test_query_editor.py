"""The SPARQL page's editor without a browser: its configuration (the corpus's prefixes, the
named queries as examples), its Content-Security-Policy (no 'unsafe-inline', no 'unsafe-eval'),
the vendored YASGUI served from /static, and syntax errors reported where they are."""

from __future__ import annotations

import re

import pytest

from cloudkader.knowledge import queries
from cloudkader.terms.namespaces import PREFIXES

HTML = {"Accept": "text/html"}


def test_editor_configuration(client):
    cfg = client.get("/sparql-editor.json").get_json()
    assert cfg["endpoint"] == "/sparql"
    assert cfg["prefixes"] == {p: str(ns) for p, ns in PREFIXES.items()}
    assert cfg["prefixes"]["ckd"] == "https://w3id.org/cloudkader/def#"
    named = queries.all_queries()
    assert [e["name"] for e in cfg["examples"]] == [q.name for q in named]
    assert all(e["text"] == q.text for e, q in zip(cfg["examples"], named))


def test_page_loads_the_vendored_editor_under_a_strict_policy(client):
    r = client.get("/sparql", headers=HTML)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == ["/static/vendor/yasgui/yasgui.min.js", "/static/sparql-editor.js"]
    assert '<link rel="stylesheet" href="/static/vendor/yasgui/yasgui.min.css">' in page
    for path in scripts + ["/static/vendor/yasgui/yasgui.min.css"]:
        asset = client.get(path)
        assert asset.status_code == 200 and len(asset.data) > 1000, path
    from cloudkader.web.security import CSP

    assert r.headers["Content-Security-Policy"] == CSP  # the site's one policy, nothing added
    assert "unsafe" not in CSP
    # the plain form (no JavaScript) is still there
    assert '<form method="get" action="/sparql" id="sparql-form">' in page
    # the vendored copy says what it is
    vendored = client.get("/static/vendor/yasgui/VENDORED").get_data(as_text=True)
    assert "@zazuko/yasgui" in vendored and "licence: MIT" in vendored


def test_the_resizer_styles_come_from_this_site(client):
    """The stylesheet the vendored YASGUI would insert inline is served as a file, and the ids of
    the placeholders are the resizer's own (its string hash, recomputed here as JavaScript does)."""
    from cloudkader.web import query_editor

    table, cursor = query_editor.resizer_styles()
    r = client.get("/sparql-editor.css")
    assert r.status_code == 200 and r.mimetype == "text/css"
    assert ".grip-resizable{table-layout:fixed;}" in r.get_data(as_text=True) and table in r.get_data(as_text=True)
    assert cursor == "*{cursor:col-resize!important}"

    def js_string_hash(text: str) -> int:  # for (t = 5381, n = len; n;) t = 33 * t ^ code(--n); t >>> 0
        t = 5381
        for ch in reversed(text):
            t = ((33 * t) & 0xFFFFFFFF) ^ ord(ch)
        return t & 0xFFFFFFFF

    ids = client.get("/sparql-editor.json").get_json()["resizerStyleIds"]
    assert ids == [str(js_string_hash(table)), str(js_string_hash(cursor))]
    assert '<link rel="stylesheet" href="/sparql-editor.css">' in client.get("/sparql", headers=HTML).get_data(as_text=True)


# (query, the text at the real place of the error)
BAD_QUERIES = [
    ("SELECT * WHERE { ?s ?p }", "}"),
    ("SELECT * WHERE { ?s ?p ?o FILTER(?o > ) }", ")"),
    ("SELECT ?x WHERE { ?x a ?y } LIMT 10", "LIMT"),
    ("SELECT ?s (COUNT(?o) AS ?n WHERE { ?s ?p ?o } GROUP BY ?s", "WHERE"),
    ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?s WHERE {\n  ?s rdfs:label ?l\n"
     "  FILTER(lang(?l) = \"nl\"\n}", "}"),
    ("SELECT ?s WHERE { ?s ?p ?o } ORDER ?s", "?s"),
]


def _line_col(query: str, token: str) -> tuple[int, int]:
    at = query.rindex(token) if token in ("}", "?s") else query.index(token)
    line = query.count("\n", 0, at) + 1
    return line, at - (query.rfind("\n", 0, at) + 1) + 1


@pytest.mark.parametrize("query,token", BAD_QUERIES)
def test_syntax_error_position_is_where_the_problem_is(client, query, token):
    r = client.post("/sparql", data={"query": query})
    assert r.status_code == 400
    message = r.get_data(as_text=True)
    line, column = _line_col(query, token)
    assert f"line {line}, column {column}" in message, (message, line, column)
    assert f"found {token!r}" in message

"""The HTML page of /sparql: a form with the named queries as examples and the answer as a
table; inside the site's layout when the pages blueprint is there, else standalone."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Response, current_app, render_template_string, request, url_for
from rdflib import BNode, Graph, Literal, URIRef

from ..knowledge.corpus import prefixes
from ..stores.results import QueryResult
from .security import base_url
from .sparql_protocol import LOCAL_BASE, SD_TYPES, _store

log = logging.getLogger(__name__)


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

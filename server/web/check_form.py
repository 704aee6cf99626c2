"""The service check form at /check: the choices it offers (check_vocab, read from the corpus),
the description built from the answers (check_description), the check in a query worker under
the limits of /validate, and its result (check_result). Its route is on the pages blueprint.

The answers may come as a POST (the form) or in the query string (GET): the URL of a result,
``/check?org=…&measure=…``, is its permalink — it reproduces the result from the answers alone,
nothing is stored. ``format=json`` gives the JSON of /validate (DESIGN.md §4), ``format=turtle``
the W3C SHACL validation report, ``format=csv`` a row per result."""

from __future__ import annotations

import json

from flask import Response, request, url_for

from .. import core
from ..checks.description import DescriptionError
from ..stores import query_executor
from .check_description import build_description, query_string, read_values
from .check_result import CSV_HEADER, csv_rows, measure_index, result_view
from .check_vocab import form_vocab
from .corpus_view import the_store
from .csv_export import csv_response
from .i18n import current_lang
from .pages import bp, html
from .security import check_limits

FORMATS = {"json": "application/json", "turtle": "text/turtle", "csv": "text/csv"}


@bp.route("/check", methods=["GET", "POST"])
def check():
    vocab = form_vocab()
    source = request.form if request.method == "POST" else request.args
    fmt = (request.values.get("format") or "html").lower()
    if fmt not in FORMATS and fmt != "html":
        return html("check.html", status=400, vocab=vocab, values=read_values(source, vocab), result=None, turtle=None,
                    problems=[f"format: {'onbekend formaat' if current_lang() == 'nl' else 'unknown format'} {fmt[:20]!r}; "
                              + ", ".join(FORMATS)], permalink=None)
    if request.method == "GET" and "org" not in request.args:
        return html("check.html", vocab=vocab, values={}, result=None, turtle=None, problems=[], permalink=None)
    values = read_values(source, vocab)
    turtle, problems = build_description(values, vocab)
    try:  # the day of the check (docs/time.md); empty: today
        core.parse_day(values.get("at") or None)
    except ValueError as exc:
        problems.append(f"at: {exc}")
    permalink = url_for("pages.check") + "?" + query_string(values, current_lang())
    outcome = None
    status, headers = 200, {}
    if not problems:
        origin = "formulier" if current_lang() == "nl" else "form"
        try:  # in a query worker, under the limits of /validate (time, memory)
            outcome = query_executor.call(the_store(), form_check_task, (turtle, origin, values.get("at") or None),
                                          **check_limits())
        except query_executor.QueryUnavailable as exc:
            problems.append(exc.message)
            status, headers = exc.status, {"Retry-After": str(exc.retry_after)}
        except query_executor.NestedTooDeeply as exc:
            problems.append(str(exc))
        else:
            if outcome[3]:
                problems.append(outcome[3])
    if problems and status == 200:
        status = 400
    if problems or fmt == "html":
        result = None
        if not problems:
            svc_app, validation, _report, _problem = outcome
            svc_val = validation["services"][0] if validation["services"] else None
            result = result_view(svc_app, svc_val, measure_index(vocab))
        resp = html("check.html", status=status, vocab=vocab, values=values, result=result, turtle=turtle,
                    problems=problems, permalink=permalink)
        resp.headers.update(headers)
        return resp
    svc_app, validation, report, _problem = outcome
    if fmt == "json":
        resp = Response(json.dumps(validation, ensure_ascii=False, indent=2), mimetype=FORMATS[fmt])
    elif fmt == "turtle":
        resp = Response(report, mimetype=FORMATS[fmt])
    else:
        svc_val = validation["services"][0] if validation["services"] else None
        resp = csv_response(CSV_HEADER, csv_rows(result_view(svc_app, svc_val, measure_index(vocab))), "cloudkader-check.csv")
    if fmt != "csv":
        resp.headers["Content-Disposition"] = f'attachment; filename="cloudkader-check.{"ttl" if fmt == "turtle" else fmt}"'
    return resp


@query_executor.task
def form_check_task(turtle: str, origin: str, at: str | None = None):
    """The check of the web form, in a query worker: (applicability of the service, the JSON of
    /validate, the SHACL report in Turtle, a problem)."""
    try:
        desc = core.read_description(turtle, "turtle", origin)
    except DescriptionError as exc:
        return None, None, None, str(exc)
    day = core.parse_day(at)
    applicable = core.applicable(desc, at=day)
    validation, graph, _reports = core.validate(desc, at=day)
    return (applicable["services"][0] if applicable["services"] else None, validation,
            graph.serialize(format="turtle"), None)

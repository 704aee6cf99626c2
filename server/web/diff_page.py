"""The web page of ``cloudkader diff`` (issue 17): /diff shows what changed between two days in
the corpus and, for a service description pasted into its form (Turtle), how its verdict
changes — the same answer as the command line (``core.diff``), computed in a query worker
under the limits of /validate. Its route is on the pages blueprint."""

from __future__ import annotations

from datetime import date

from flask import request

from .. import core
from ..checks.description import DescriptionError
from ..stores import query_executor
from .i18n import current_lang
from .pages import bp, html
from .security import check_limits

MAX_DESCRIPTION = 200_000  # characters of Turtle in the form


@query_executor.task
def diff_task(turtle: str | None, d1: str, d2: str) -> tuple[dict | None, str | None]:
    """(the diff, a problem) for the form's description and days, in a query worker."""
    try:
        desc = core.read_description(turtle, "turtle", "formulier") if turtle else None
    except DescriptionError as exc:
        return None, str(exc)
    return core.diff(desc, date.fromisoformat(d1), date.fromisoformat(d2)), None


@bp.route("/diff", methods=["GET", "POST"])
def diff_page():
    from ..knowledge.app_state import get_store
    from flask import current_app

    values = request.form if request.method == "POST" else request.args
    today = date.today().isoformat()
    d1, d2 = (values.get("from") or "").strip(), (values.get("to") or "").strip() or today
    turtle = (values.get("description") or "").strip() if request.method == "POST" else ""
    problems, result, status = [], None, 200
    if d1 or request.method == "POST":
        for name, text in (("from", d1), ("to", d2)):
            try:
                core.parse_day(text) if text else problems.append(
                    ("geef een begindatum" if current_lang() == "nl" else "give a start day") + f" ({name})")
            except ValueError as exc:
                problems.append(str(exc))
        if len(turtle) > MAX_DESCRIPTION:
            problems.append(f"description too long: {len(turtle)} characters, the limit is {MAX_DESCRIPTION}")
        if not problems:
            try:
                result, problem = query_executor.call(get_store(current_app.config["CLOUDKADER_STORE"]), diff_task,
                                                      (turtle or None, d1, d2), **check_limits())
            except query_executor.QueryUnavailable as exc:
                problems.append(exc.message)
                status = exc.status
            except query_executor.NestedTooDeeply as exc:
                problems.append(str(exc))
            else:
                if problem:
                    problems.append(problem)
        if problems and status == 200:
            status = 400
    return html("diff.html", status=status, d1=d1, d2=d2, turtle=turtle, result=result, problems=problems)

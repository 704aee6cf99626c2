"""``cloudkader diff --from D1 --to D2 [FILE…]``: what changed in the corpus between two days
(frameworks entering or leaving force, documents lapsing, supersessions) and, for the services
described in FILE…, whose verdicts change and how. JSON or text (docs/time.md)."""

from __future__ import annotations

import json

from . import inputs
from .common import EXIT_BAD_INPUT, EXIT_OK, CliError


def cmd_diff(args) -> int:
    from .. import core
    from ..checks.changes import render_text
    from .checks import _gather, _read, _report_errors

    try:
        d1, d2 = core.parse_day(args.date_from), core.parse_day(args.date_to)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    try:
        frameworks = core.framework_iris(args.framework) if args.framework else None
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    desc = None
    if args.files:  # a file that cannot be read is named and the run fails (2): a diff of part is no answer
        ins, errors = _gather(args)
        desc, bad = _read(ins)
        if errors + bad or desc is None:
            _report_errors(errors + bad, "diff")
            return EXIT_BAD_INPUT
    result = core.diff(desc, d1, d2, frameworks, args.engine)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render_text(result, args.lang), end="")
    return EXIT_OK


def register(sub) -> None:
    d = sub.add_parser("diff", help="what changed between two days, in the corpus and for the given services",
                       description="What changed between two days (YYYY-MM-DD): frameworks entering or leaving "
                                   "force, documents lapsing, supersessions; with FILE…, per service the verdict "
                                   "on each day, new and resolved violations and scope changes (docs/time.md).")
    d.add_argument("files", nargs="*", metavar="FILE", help="service descriptions or registers ('-' reads standard input)")
    d.add_argument("--input-format", dest="input_format", default=None, choices=inputs.FORMATS,
                   help="the format of standard input; files go by their extension")
    d.add_argument("--from", dest="date_from", required=True, metavar="DATE")
    d.add_argument("--to", dest="date_to", required=True, metavar="DATE")
    d.add_argument("--framework", action="append", default=[], metavar="KEY")
    d.add_argument("--format", default="text", choices=["text", "json"])
    d.add_argument("--lang", default="nl", choices=["nl", "en"])
    d.add_argument("--engine", default="shacl", choices=["shacl", "pyshacl"])
    d.set_defaults(func=cmd_diff)

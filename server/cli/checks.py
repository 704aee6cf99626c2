"""``cloudkader applicable`` and ``cloudkader validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from . import ci_formats, inputs
from .common import EXIT_BAD_INPUT, EXIT_OK, EXIT_UNDETERMINED, EXIT_VIOLATIONS, CliError


def _gather(args):
    """(inputs that could be read, errors of those that could not), standard input included."""
    return inputs.gather(args.files, getattr(args, "input_format", None), STREAM_ABOVE)


def _read(ins: list) -> tuple[object, list]:
    """The good inputs read (the reference reader) and merged into one description (a service may
    span files), and the errors of those that cannot be used."""
    from .. import core

    good, errors = inputs.read_each(ins, core.read_description)
    return (core.merge([d for _i, d in good]) if good else None), errors


def _short(iri: str | None) -> str:
    if not iri:
        return "-"
    return iri.replace("https://w3id.org/cloudkader/id/", "")


def _checker(args):
    """The checker for the store and engine asked for, with the organisation's own shapes
    (``--shapes``) beside the frameworks'."""
    from .. import core

    extra = getattr(args, "shapes", None)
    at = _at(args)
    if not extra:
        return core.get_checker(args.engine, at)
    from rdflib import Graph

    from ..checks.validation import Checker
    from .shacl import read_graph

    shapes = Graph()
    for name in extra:
        read_graph(name, shapes)
    return Checker(core.get_knowledge(), args.engine, shapes, at=at)


def _at(args):
    """The day of ``--at`` (None: today); bad input for anything but YYYY-MM-DD."""
    from .. import core

    try:
        return core.parse_day(getattr(args, "at", None))
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_applicable(args) -> int:
    from ..checks.validation import applicable_json

    ins, errors = _gather(args)
    desc, bad = _read(ins)
    errors = _in_order(errors + bad, args.files)
    _report_errors(errors, "applicable")
    if desc is None:
        return EXIT_BAD_INPUT
    reports, _ = _checker(args).check(desc, want_validation=False)
    result = applicable_json(reports, getattr(args, "at", None))
    add_sources(result, ins)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_BAD_INPUT if errors else EXIT_OK
    for s in result["services"]:
        print(_sources_prefix(s) + f"{s['service']}" + (f"  ({s['label']})" if s.get("label") else ""))
        if not s["frameworks"]:
            print("  no framework in scope")
        for f in s["frameworks"]:
            print(f"  {_short(f['framework'])}: {f['scope']} — {f['reason']}")
        for p in s["provisions"]:
            print(f"    {_short(p['provision'])}: {p['reason']}")
            for lapse in p.get("lapsed", ()):
                print(lapse_line(lapse, "      "))
        for u in s.get("undetermined", ()):
            why = u.get("reason") if not u["missing"] else "ontbrekende feiten: " + ", ".join(u["missing_labels"])
            print(f"    [Onbeslist] {_short(u['provision'])}: {why}")
    return EXIT_BAD_INPUT if errors else EXIT_OK


def cmd_validate(args) -> int:
    from ..checks import batch
    from .. import core
    from ..checks.validation import validation_json
    from ..checks.description import DescriptionError

    try:
        frameworks = core.framework_iris(args.framework) if args.framework else None
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    if args.jobs < 0:
        raise CliError(f"--jobs {args.jobs}: give 0 or a positive number")
    checker = _checker(args)
    want_graph = args.format in ("turtle", "json-ld")
    ins, errors = _gather(args)
    outcome = None
    while ins:
        progress = batch.Progress.maybe()
        try:
            # the batch adds what missing facts leave undetermined, as the reference path does
            outcome = batch.validate_files([i.as_tuple() for i in ins], checker, frameworks, progress, want_graph)
            break
        except DescriptionError as exc:
            # a bad file: find every bad one (each read alone), report them, check the others
            _good, bad = inputs.read_each(ins, core.read_description)
            if not bad:  # each file reads alone, but not together: nothing is checked
                errors.append(inputs.InputError(", ".join(i.origin for i in ins), str(exc)))
                ins = []
                break
            errors += bad
            failed = {e.origin for e in bad}
            ins = [i for i in ins if i.origin not in failed]
        finally:
            if progress:
                progress.close()
    if ins and outcome is None:  # the reference path, service by service
        desc, bad = _read(ins)
        errors += bad
        outcome = batch.reference_reports(desc, checker, frameworks, want_graph) if desc is not None else None
    errors = _in_order(errors, args.files)
    if outcome is None:  # nothing could be checked: only SARIF and JUnit still make a document
        if args.format not in ("sarif", "junit"):
            _report_errors(errors, "validate")
            return EXIT_BAD_INPUT
        return _print_validation(args, {"conforms": False, "services": [], "outcome": "violates"}, None, errors)
    reports, graph = outcome
    if (args.format == "json" and not errors and getattr(args, "fail_on", DEFAULT_FAIL_ON) != "warning"
            and not getattr(args, "at", None)):
        # written service by service (checks.batch_output), the same bytes as the document below
        from ..checks.batch_output import write_validation_json

        by_origin = inputs.services_by_origin(ins)
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        write_validation_json(reports, out if out is not None else _TextSink(sys.stdout),
                              each=lambda s: s.__setitem__("sources", inputs.sources_of(s["service"], by_origin, ins)))
        sys.stdout.flush()
        return exit_status_of(reports, getattr(args, "fail_on", DEFAULT_FAIL_ON))
    result = validation_json(reports, getattr(args, "at", None))
    add_sources(result, ins)
    return _print_validation(args, result, graph, errors)


def add_sources(result: dict, ins: list) -> None:
    """Each service's ``sources``: the inputs that declare it."""
    by_origin = inputs.services_by_origin(ins)
    for s in result["services"]:
        s["sources"] = inputs.sources_of(s["service"], by_origin, ins)


def _sources_prefix(s: dict) -> str:
    return ", ".join(s.get("sources") or ()) + ": " if s.get("sources") else ""


def _in_order(errors: list, names: list[str]) -> list:
    """The errors in the order their files were given."""
    pos = {(inputs.STDIN_ORIGIN if n == inputs.STDIN else n): i for i, n in reversed(list(enumerate(names)))}
    return sorted(errors, key=lambda e: pos.get(e.origin, len(names)))


def _report_errors(errors: list, command: str) -> None:
    for e in errors:
        print(f"cloudkader {command}: error: {e.message}", file=sys.stderr)


def lapse_line(lapse: dict, indent: str) -> str:
    """A provision resting on lapsed law: the document, its status, since when, its successor."""
    return (f"{indent}! rust op vervallen {lapse['label']} ({lapse['status']}"
            + (f" sinds {lapse['since']}" if lapse["since"] else "")
            + (f"; opvolger {_short(lapse['successor'])}" if lapse["successor"] else "") + ")")


def result_line(r: dict) -> str:
    """A result in the text format: severity as the shape gives it; a violation under an
    advisory framework is marked as advice, not blocking."""
    tag = r["severity"] if r.get("blocking", True) or r["severity"] != "Violation" else \
        f"{r['severity']}, {r.get('scope') or 'advisory'}: not blocking"
    name = _short(r["provision"]) if r.get("provision") else f"shape {_short(r.get('shape'))}"
    return f"  [{tag}] {name}: {r['message']}"


def _print_validation(args, result, graph, errors=()) -> int:
    if args.format not in ("sarif", "junit"):
        _report_errors(errors, "validate")  # SARIF and JUnit carry them in the document
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.format == "sarif":
        sys.stdout.write(ci_formats.sarif(result, list(errors), provision_labels()))
    elif args.format == "junit":
        sys.stdout.write(ci_formats.junit(result, list(errors)))
    elif args.format in ("turtle", "json-ld"):
        if graph is not None:
            sys.stdout.write(graph.serialize(format=args.format))
    else:
        for s in result["services"]:
            status = {"conforms": "conforms", "violates": "does not conform",
                      "undetermined": "undetermined (facts missing)"}[s.get("outcome", "conforms" if s["conforms"] else "violates")]
            print(_sources_prefix(s) + f"{s['service']}" + (f"  ({s['label']})" if s.get("label") else "") + f": {status}")
            for r in s["results"]:
                print(result_line(r))
                for lapse in r.get("lapsed", ()):
                    print(lapse_line(lapse, "      "))
            for u in s.get("undetermined", ()):
                why = u.get("reason") if not u["missing"] else "ontbrekende feiten: " + ", ".join(u["missing_labels"])
                print(f"  [Onbeslist] {_short(u['provision'])}: {why}")
        n = sum(1 for s in result["services"] for r in s["results"] if r["blocking"])
        u = sum(len(s.get("undetermined", ())) for s in result["services"])
        print(f"{len(result['services'])} service(s), {n} violation(s)" + (f", {u} undetermined" if u else "")
              + (f", {len(errors)} file(s) not checked" if errors else ""))
    return EXIT_BAD_INPUT if errors else exit_status(result, getattr(args, "fail_on", DEFAULT_FAIL_ON))


class _TextSink:
    """A binary ``write`` onto a text stream without a buffer (a redirected stdout)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))


def exit_status_of(reports, fail_on: str = "undetermined") -> int:
    """``exit_status`` of the validation JSON of ``reports``, without making it (not for
    ``--fail-on warning``, which looks at every result)."""
    if any(r.violates for r in reports):
        return EXIT_VIOLATIONS
    if all(r.conforms for r in reports) or fail_on == "violation":
        return EXIT_OK
    return EXIT_UNDETERMINED


def provision_labels() -> dict[str, str]:
    from .. import core

    return {iri: p.label.get("nl") or p.label.get("en") or "" for iri, p in core.get_knowledge().provisions.items()}


FAIL_ON = ("violation", "undetermined", "warning")  # each fails on what the ones before it fail on, and more
DEFAULT_FAIL_ON = "undetermined"


def exit_status(result: dict, fail_on: str = DEFAULT_FAIL_ON) -> int:
    """The exit status of a validation (see EXIT_STATUS_HELP): 1 a blocking violation (always
    fails); 3 no violation but some check undetermined (unless ``--fail-on violation``); with
    ``--fail-on warning`` also 1 for any other result (a warning, advice under an advisory
    framework, information)."""
    results = [r for s in result["services"] for r in s["results"]]
    if any(r["blocking"] for r in results):
        return EXIT_VIOLATIONS
    undetermined = not result["conforms"]
    if undetermined and fail_on != "violation":
        return EXIT_UNDETERMINED
    if fail_on == "warning" and any(r["severity"] in ("Violation", "Warning") for r in results):
        return EXIT_VIOLATIONS
    return EXIT_OK


STREAM_ABOVE = 16 * 1024 * 1024  # bytes: larger files are parsed from disk, not held in memory


ENGINE_HELP = "SHACL engine: shacl (default, the Rust engine; SHACL Core) or pyshacl (the reference)"
AT_HELP = ("the day (YYYY-MM-DD) to answer for, default today: frameworks, provisions and cited documents "
           "as they stood then (docs/time.md)")
SHAPES_HELP = "an organisation's own SHACL shapes, validated beside the frameworks' (repeatable)"


FILES_HELP = ("service descriptions: Turtle (.ttl), JSON-LD (.jsonld, .json) or N-Triples (.nt), by extension; "
              "- reads standard input (Turtle unless --input-format says otherwise). Several files are read as one "
              "description (a service may be described across files); a file that cannot be read or used is "
              "reported with its name and the others are still checked (exit status 2)")
INPUT_FORMAT_HELP = "the syntax of every input, whatever its extension (default: by extension; Turtle for -)"
STORE_HELP = "accepted for symmetry with query/serve; the checks read the compiled corpus, the same in every store"


def _inputs(parser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help=FILES_HELP)
    parser.add_argument("--input-format", choices=inputs.FORMATS, metavar="{" + ",".join(inputs.FORMATS) + "}",
                        help=INPUT_FORMAT_HELP)


def register(sub) -> None:
    from argparse import RawDescriptionHelpFormatter

    from .common import EXIT_STATUS_HELP

    a = sub.add_parser("applicable", help="frameworks in scope and provisions that apply, per service",
                       description="Which frameworks reach each service (binding or advisory, and why) and which "
                                   "of their provisions apply.",
                       epilog="exit status: 0 done; 2 bad input or usage (other files are still checked); "
                              "4 internal error", formatter_class=RawDescriptionHelpFormatter)
    _inputs(a)
    a.add_argument("--format", default="text", choices=["text", "json"],
                   help="text (default; each service prefixed with its file) or json (each service with its sources)")
    a.add_argument("--store", default="memory", help=STORE_HELP)
    a.add_argument("--engine", default="shacl", choices=["shacl", "pyshacl"], help=ENGINE_HELP)
    a.add_argument("--at", metavar="DATE", help=AT_HELP)
    a.set_defaults(func=cmd_applicable)

    v = sub.add_parser("validate", help="SHACL validation against every framework in scope",
                       description="SHACL validation of each service against every framework in scope "
                                   "(binding frameworks decide conformance; a violation of an advisory framework "
                                   "is advice).", epilog=EXIT_STATUS_HELP, formatter_class=RawDescriptionHelpFormatter)
    _inputs(v)
    v.add_argument("--framework", action="append", default=[], metavar="KEY",
                   help="validate against this framework only (its key: rijk, tk, jenv, gemeenten, irc, avg, …); "
                        "repeatable; default every framework in scope")
    v.add_argument("--shapes", action="append", default=[], metavar="EXTRA", help=SHAPES_HELP)
    v.add_argument("--format", default="text", choices=["text", "json", "sarif", "junit", "turtle", "json-ld"],
                   help="text (default: per service its file, verdict and results), json (the API's result, each "
                        "service with its sources), sarif (SARIF 2.1.0 for code scanning), junit (JUnit XML for test "
                        "reports), turtle or json-ld (the W3C SHACL validation report)")
    v.add_argument("--fail-on", choices=FAIL_ON, default=DEFAULT_FAIL_ON,
                   help="what fails the run: violation (only a blocking violation: exit 1), undetermined (default: "
                        "also a check left undetermined: exit 3) or warning (also any warning or advice: exit 1)")
    v.add_argument("--store", default="memory", help=STORE_HELP)
    v.add_argument("--engine", default="shacl", choices=["shacl", "pyshacl"], help=ENGINE_HELP)
    v.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="accepted for compatibility: the batch runs in one process (forking over the cores "
                        "was measured and gained too little: docs/performance.md)")
    v.add_argument("--at", metavar="DATE", help=AT_HELP)
    v.set_defaults(func=cmd_validate)

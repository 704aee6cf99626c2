"""``cloudkader applicable`` and ``cloudkader validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import EXIT_OK, EXIT_UNDETERMINED, EXIT_VIOLATIONS, CliError


def _existing_file(name: str) -> Path:
    path = Path(name)
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a file")
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    return path


def _read(args):
    from .. import core
    from ..checks.description import DescriptionError, format_for_filename

    descs = []
    for f in args.files:
        path = _existing_file(f)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            descs.append(core.read_description(data, format_for_filename(path.name), str(path)))
        except DescriptionError as exc:
            raise CliError(str(exc)) from None
    return core.merge(descs)


def _short(iri: str | None) -> str:
    if not iri:
        return "-"
    return iri.replace("https://w3id.org/cloudkader/id/", "")


def _checker(args):
    """The checker for the store and engine asked for, with the organisation's own shapes
    (``--shapes``) beside the frameworks'."""
    from .. import core

    extra = getattr(args, "shapes", None)
    if not extra:
        return core.get_checker(args.engine)
    from rdflib import Graph

    from ..checks.validation import Checker
    from .shacl import read_graph

    shapes = Graph()
    for name in extra:
        read_graph(name, shapes)
    return Checker(core.get_knowledge(), args.engine, shapes)


def cmd_applicable(args) -> int:
    from ..checks.validation import applicable_json

    reports, _ = _checker(args).check(_read(args), want_validation=False)
    result = applicable_json(reports)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return EXIT_OK
    for s in result["services"]:
        print(f"{s['service']}" + (f"  ({s['label']})" if s.get("label") else ""))
        if not s["frameworks"]:
            print("  no framework in scope")
        for f in s["frameworks"]:
            print(f"  {_short(f['framework'])}: {f['scope']} — {f['reason']}")
        for p in s["provisions"]:
            print(f"    {_short(p['provision'])}: {p['reason']}")
            for lapse in p.get("lapsed", ()):
                print(f"      ! rust op vervallen {lapse['label']} ({lapse['status']}"
                      + (f" sinds {lapse['since']}" if lapse["since"] else "")
                      + (f"; opvolger {_short(lapse['successor'])}" if lapse["successor"] else "") + ")")
    return EXIT_OK


def cmd_validate(args) -> int:
    from ..checks import batch
    from .. import core
    from ..checks.validation import validation_json
    from ..checks.description import DescriptionError

    try:
        frameworks = core.framework_iris(args.framework) if args.framework else None
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    checker = _checker(args)
    files = _read_files(args)
    progress = batch.Progress.maybe()
    try:
        # the batch adds what missing facts leave undetermined, as the reference path does
        outcome = batch.validate_files(files, checker, frameworks, progress, args.format in ("turtle", "json-ld"))
    except DescriptionError as exc:
        raise CliError(str(exc)) from None
    finally:
        if progress:
            progress.close()
    if outcome is None:  # the reference path, service by service
        outcome = batch.reference_reports(_read(args), checker, frameworks, args.format in ("turtle", "json-ld"))
    reports, graph = outcome
    if args.format == "json":  # written service by service (checks.batch_output), same bytes
        from ..checks.batch_output import write_validation_json

        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)
        write_validation_json(reports, out if out is not None else _TextSink(sys.stdout))
        sys.stdout.flush()
        return exit_status_of(reports)
    return _print_validation(args, validation_json(reports), graph)


def result_line(r: dict) -> str:
    """A result in the text format: severity as the shape gives it; a violation under an
    advisory framework is marked as advice, not blocking."""
    tag = r["severity"] if r.get("blocking", True) or r["severity"] != "Violation" else \
        f"{r['severity']}, {r.get('scope') or 'advisory'}: not blocking"
    name = _short(r["provision"]) if r.get("provision") else f"shape {_short(r.get('shape'))}"
    return f"  [{tag}] {name}: {r['message']}"


def _print_validation(args, result, graph) -> int:
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.format in ("turtle", "json-ld"):
        sys.stdout.write(graph.serialize(format=args.format))
    else:
        for s in result["services"]:
            status = {"conforms": "conforms", "violates": "does not conform",
                      "undetermined": "undetermined (facts missing)"}[s.get("outcome", "conforms" if s["conforms"] else "violates")]
            print(f"{s['service']}" + (f"  ({s['label']})" if s.get("label") else "") + f": {status}")
            for r in s["results"]:
                print(result_line(r))
            for u in s.get("undetermined", ()):
                print(f"  [Onbeslist] {_short(u['provision'])}: ontbrekende feiten: {', '.join(u['missing_labels'])}")
        n = sum(1 for s in result["services"] for r in s["results"] if r["blocking"])
        u = sum(len(s.get("undetermined", ())) for s in result["services"])
        print(f"{len(result['services'])} service(s), {n} violation(s)" + (f", {u} undetermined" if u else ""))
    return exit_status(result)


class _TextSink:
    """A binary ``write`` onto a text stream without a buffer (a redirected stdout)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))


def exit_status_of(reports) -> int:
    """``exit_status`` of the validation JSON of ``reports``, without making it."""
    if any(r.violates for r in reports):
        return EXIT_VIOLATIONS
    return EXIT_OK if all(r.conforms for r in reports) else EXIT_UNDETERMINED


def exit_status(result: dict) -> int:
    """0 conforms, 1 a blocking violation (always wins), 3 no violation but undetermined."""
    if any(r["blocking"] for s in result["services"] for r in s["results"]):
        return EXIT_VIOLATIONS
    return EXIT_OK if result["conforms"] else EXIT_UNDETERMINED


STREAM_ABOVE = 16 * 1024 * 1024  # bytes: larger files are parsed from disk, not held in memory


def _read_files(args) -> list[tuple[str, object, str]]:
    """(origin, bytes or path, format) per file, checked as ``_read`` checks them; a large file
    is parsed by the batch straight from its path, without holding it in memory."""
    from ..checks.description import format_for_filename

    files = []
    for f in args.files:
        path = _existing_file(f)
        try:
            if path.stat().st_size > STREAM_ABOVE:
                with open(path, "rb"):
                    pass
                data = path
            else:
                data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"{path}: cannot read: {exc.strerror}") from None
        files.append((str(path), data, format_for_filename(path.name)))
    return files


ENGINE_HELP = "SHACL engine: shacl (default, the Rust engine; SHACL Core) or pyshacl (the reference)"
SHAPES_HELP = "an organisation's own SHACL shapes, validated beside the frameworks' (repeatable)"


def register(sub) -> None:
    a = sub.add_parser("applicable", help="frameworks in scope and provisions that apply, per service")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--format", default="text", choices=["text", "json"])
    a.add_argument("--store", default="memory",
                   help="accepted for symmetry with query/serve; the checks read the compiled corpus, "
                        "the same in every store")
    a.add_argument("--engine", default="shacl", choices=["shacl", "pyshacl"], help=ENGINE_HELP)
    a.set_defaults(func=cmd_applicable)

    v = sub.add_parser("validate", help="SHACL validation against every framework in scope",
                       description="SHACL validation of each service against every framework in scope. "
                                   "Exit status: 0 conforms (every applicable check decided and holds); "
                                   "1 a violation (always wins); 2 bad input; 3 no violation, but some "
                                   "check is undetermined because the description leaves facts out "
                                   "(deployment model, data categories, data location, provider jurisdiction).")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--framework", action="append", default=[], metavar="KEY")
    v.add_argument("--shapes", action="append", default=[], metavar="EXTRA", help=SHAPES_HELP)
    v.add_argument("--format", default="text", choices=["text", "json", "turtle", "json-ld"])
    v.add_argument("--store", default="memory",
                   help="accepted for symmetry with query/serve; the checks read the compiled corpus, "
                        "the same in every store")
    v.add_argument("--engine", default="shacl", choices=["shacl", "pyshacl"], help=ENGINE_HELP)
    v.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="accepted for compatibility; the engine uses the cores itself")
    v.set_defaults(func=cmd_validate)

"""``cloudkader applicable`` and ``cloudkader validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .cli import EXIT_OK, EXIT_VIOLATIONS, CliError, _EXTRA_COMMANDS


def _existing_file(name: str) -> Path:
    path = Path(name)
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a file")
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    return path


def _read(args):
    from . import core
    from .description import DescriptionError, format_for_filename

    descs = []
    for f in args.files:
        path = _existing_file(f)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CliError(f"{path}: cannot read: {exc.strerror}") from None
        try:
            descs.append(core.read_description(data, format_for_filename(path.name), str(path), args.store))
        except DescriptionError as exc:
            raise CliError(str(exc)) from None
    return core.merge(descs)


def _short(iri: str | None) -> str:
    if not iri:
        return "-"
    return iri.replace("https://w3id.org/cloudkader/id/", "")


def cmd_applicable(args) -> int:
    from . import core

    result = core.applicable(_read(args), args.store, args.engine)
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
    return EXIT_OK


def cmd_validate(args) -> int:
    from . import core

    try:
        frameworks = core.framework_iris(args.framework, args.store) if args.framework else None
    except KeyError as exc:
        raise CliError(exc.args[0]) from None
    if args.engine == "fast":
        return _validate_batch(args, frameworks)
    result, graph, _ = core.validate(_read(args), frameworks, args.store, args.engine)
    return _print_validation(args, result, graph)


def _print_validation(args, result, graph) -> int:
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    elif args.format in ("turtle", "json-ld"):
        sys.stdout.write(graph.serialize(format=args.format))
    else:
        for s in result["services"]:
            status = "conforms" if s["conforms"] else "does not conform"
            print(f"{s['service']}" + (f"  ({s['label']})" if s.get("label") else "") + f": {status}")
            for r in s["results"]:
                print(f"  [{r['severity']}] {_short(r['provision'])}: {r['message']}")
        n = sum(1 for s in result["services"] for r in s["results"] if r["severity"] == "Violation")
        print(f"{len(result['services'])} service(s), {n} violation(s)")
    return EXIT_OK if result["conforms"] else EXIT_VIOLATIONS


STREAM_ABOVE = 16 * 1024 * 1024  # bytes: larger files are parsed from disk, not held in memory


def _read_files(args) -> list[tuple[str, object, str]]:
    """(origin, bytes or path, format) per file, checked as ``_read`` checks them; a large file
    is parsed by the batch straight from its path, without holding it in memory."""
    from .description import format_for_filename

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


def _validate_batch(args, frameworks) -> int:
    """Many services: the batch engine (cloudkader.batch), whose answer per service equals
    validating that service alone; the reference path when the batch cannot vouch for it."""
    from . import batch, core
    from .checks import validation_json
    from .description import DescriptionError

    files = _read_files(args)
    checker = core.get_checker(args.store, args.engine)
    jobs = args.jobs if args.jobs else batch.default_jobs()
    progress = batch.Progress.maybe()
    want_report = args.format in ("turtle", "json-ld")
    try:
        output = "report" if want_report else args.format
        outcome = batch.validate_files(files, checker, frameworks, jobs, output, progress)
    except DescriptionError as exc:
        raise CliError(str(exc)) from None
    finally:
        if progress:
            progress.close()
    if outcome is None:
        reports, graph = batch.reference_reports(_read(args), checker, frameworks, want_report)
        return _print_validation(args, validation_json(reports), graph)
    out = sys.stdout
    if args.format == "json":
        batch.write_json(outcome, out)
    elif args.format == "text":
        batch.write_text(outcome, out)
    else:
        out.write(batch.report_graph(outcome).serialize(format=args.format))
    out.flush()
    return EXIT_OK if outcome.conforms else EXIT_VIOLATIONS


def register(sub) -> None:
    a = sub.add_parser("applicable", help="frameworks in scope and provisions that apply, per service")
    a.add_argument("files", nargs="+", metavar="FILE")
    a.add_argument("--format", default="text", choices=["text", "json"])
    a.add_argument("--store", default="memory")
    a.add_argument("--engine", default="fast", choices=["fast", "pyshacl"], help="SHACL engine (default fast; pyshacl is the reference)")
    a.set_defaults(func=cmd_applicable)

    v = sub.add_parser("validate", help="SHACL validation against every framework in scope")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.add_argument("--framework", action="append", default=[], metavar="KEY")
    v.add_argument("--format", default="text", choices=["text", "json", "turtle", "json-ld"])
    v.add_argument("--store", default="memory")
    v.add_argument("--engine", default="fast", choices=["fast", "pyshacl"], help="SHACL engine (default fast; pyshacl is the reference)")
    v.add_argument("--jobs", "-j", type=int, default=0, metavar="N",
                   help="processes for large registers (default: the number of cores; used above "
                        "2000 services)")
    v.set_defaults(func=cmd_validate)


_EXTRA_COMMANDS.append(register)

"""``cloudkader applicable`` and ``cloudkader validate``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .cli import EXIT_OK, EXIT_VIOLATIONS, CliError, _EXTRA_COMMANDS


def _read(args):
    from . import core
    from .description import DescriptionError, format_for_filename

    descs = []
    for f in args.files:
        path = Path(f)
        if path.is_dir():
            raise CliError(f"{path}: is a directory, not a file")
        if not path.is_file():
            raise CliError(f"{path}: no such file")
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
    result, graph, _ = core.validate(_read(args), frameworks, args.store, args.engine)
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
    v.set_defaults(func=cmd_validate)


_EXTRA_COMMANDS.append(register)

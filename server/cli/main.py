"""The ``cloudkader`` command line. Every command calls the same core functions as the HTTP
service; this module only parses arguments and prints."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


EXIT_OK, EXIT_VIOLATIONS, EXIT_BAD_INPUT, EXIT_UNDETERMINED = 0, 1, 2, 3


class CliError(Exception):
    """Bad input: printed as one line on stderr, exit status 2."""


def _prefixes() -> dict[str, str]:
    from ..knowledge.corpus import prefixes

    return prefixes()


def cmd_query(args) -> int:
    from ..knowledge import queries
    from ..knowledge.app_state import get_store
    from ..stores.results import QueryError, serialize

    if args.name:
        try:
            text = queries.get(args.name).text
        except KeyError as exc:
            raise CliError(str(exc.args[0])) from None
    else:
        path = Path(args.file)
        if not path.is_file():
            raise CliError(f"{path}: no such file")
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CliError(f"{path}: not UTF-8 text") from None
    try:
        result = get_store(args.store).query(text)
        fmt = args.format
        if fmt == "text":
            fmt = "table"
        sys.stdout.write(serialize(result, fmt, _prefixes()))
    except QueryError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_build(args) -> int:
    from ..knowledge import compiled

    path = compiled.build()
    print(f"built {path}")
    return EXIT_OK


def cmd_queries(args) -> int:
    from ..knowledge import queries

    for q in queries.all_queries():
        print(f"{q.name}\n  nl: {q.question_nl}\n  en: {q.question_en}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cloudkader", description="Knowledge graph of Dutch government cloud policy.")
    sub = p.add_subparsers(dest="command", required=True)

    q = sub.add_parser("query", help="run a SPARQL query on the corpus")
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("file", nargs="?", help="a .rq file")
    src.add_argument("--name", help="a named query in queries/ (see `cloudkader queries`)")
    q.add_argument("--format", default="text", choices=["text", "table", "json", "csv", "tsv", "xml", "turtle", "nt", "json-ld"])
    q.add_argument("--store", default="memory", help="memory (default), oxigraph[:PATH] or sparql:URL")
    q.set_defaults(func=cmd_query)

    sub.add_parser("queries", help="list the named queries").set_defaults(func=cmd_queries)
    sub.add_parser("build", help="compile the corpus (reasoning included) into build/").set_defaults(func=cmd_build)

    for register in _EXTRA_COMMANDS:
        register(sub)
    return p


_EXTRA_COMMANDS: list = []


def _load_commands() -> None:
    from . import checks as cli_checks  # noqa: F401  (registers applicable, validate)
    from . import serve as cli_serve  # noqa: F401  (registers serve)
    from . import overlaps as cli_overlaps  # noqa: F401  (registers overlaps)
    from . import shacl as cli_shacl  # noqa: F401  (registers shacl)


def main(argv: list[str] | None = None) -> int:
    _load_commands()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"cloudkader {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    # run as ``python -m cloudkader.cli``: use the module's canonical copy, where the extra
    # subcommands register themselves
    from cloudkader.cli import main as _main

    raise SystemExit(_main())

"""``cloudkader query``, ``queries`` and ``build``: the commands on the corpus itself."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_OK, CliError


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
        store = get_store(args.store)
    except ValueError as exc:  # an unknown --store: usage (2), not an internal error
        raise CliError(str(exc)) from None
    try:
        result = store.query(text)
        fmt = args.format
        if fmt == "text":
            fmt = "table"
        sys.stdout.write(serialize(result, fmt, _prefixes()))
    except QueryError as exc:
        raise CliError(str(exc)) from None
    return EXIT_OK


def cmd_build(args) -> int:
    from ..knowledge import compiled, corpus
    from ..terms import paths

    if paths.INSTALLED and not corpus.is_stale(paths.SHIPPED_COMPILED_DIR):
        print(f"the corpus is compiled into the installed package: {paths.SHIPPED_COMPILED_DIR / 'corpus.nq'} "
              "(cloudkader build recompiles from a checkout, with Java for the HermiT reasoner)")
        return EXIT_OK
    path = compiled.build()
    print(f"built {path}")
    return EXIT_OK


def cmd_queries(args) -> int:
    from ..knowledge import queries

    found = queries.all_queries()
    if not found:  # the knowledge files are missing: an internal error (exit 4), never an empty success
        from ..terms import paths

        raise FileNotFoundError(f"no named queries in {paths.QUERIES_DIR}")
    for q in found:
        print(f"{q.name}\n  nl: {q.question_nl}\n  en: {q.question_en}")
    return EXIT_OK


def register(sub) -> None:

    q = sub.add_parser("query", help="run a SPARQL query on the corpus")
    src = q.add_mutually_exclusive_group(required=True)
    src.add_argument("file", nargs="?", help="a .rq file")
    src.add_argument("--name", help="a named query in queries/ (see `cloudkader queries`)")
    q.add_argument("--format", default="text", choices=["text", "table", "json", "csv", "tsv", "xml", "turtle", "nt", "json-ld"])
    q.add_argument("--store", default="memory", help="memory (default), oxigraph[:PATH] or sparql:URL")
    q.set_defaults(func=cmd_query)

    sub.add_parser("queries", help="list the named queries").set_defaults(func=cmd_queries)
    sub.add_parser("build", help="compile the corpus (reasoning with HermiT: needs Java) into the cache folder "
                                  "(CLOUDKADER_BUILD_DIR, else the user cache folder)").set_defaults(func=cmd_build)

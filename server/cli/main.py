"""The ``cloudkader`` command line. Every command calls the same core functions as the HTTP
service; the command modules (one per family) only parse arguments and print.

Exit statuses (``common.EXIT_STATUS_HELP``): bad input is a :class:`CliError` (2); anything else
that escapes a command — an unreachable store, missing knowledge files, a bug — is an internal
error (4), reported in one line (the traceback with ``CLOUDKADER_DEBUG=1``), never 0 or 1."""

from __future__ import annotations

import argparse
import os
import sys

from . import checks, corpus, diff, overlaps, serve, shacl
from .common import EXIT_BAD_INPUT, EXIT_INTERNAL, EXIT_OK, EXIT_STATUS_HELP, CliError

# the command families, in the order ``cloudkader --help`` lists them
FAMILIES = (corpus, checks, diff, serve, overlaps, shacl)


def build_parser() -> argparse.ArgumentParser:
    from ..terms.version import VERSION as __version__

    p = argparse.ArgumentParser(prog="cloudkader", description="Knowledge graph of Dutch government cloud policy.",
                                epilog=EXIT_STATUS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"cloudkader {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for family in FAMILIES:
        family.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CliError as exc:
        print(f"cloudkader {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # an internal error: never the status of a verdict
        if os.environ.get("CLOUDKADER_DEBUG"):
            import traceback

            traceback.print_exc()
        detail = " ".join(str(exc).split())[:500]
        print(f"cloudkader {args.command}: internal error: {type(exc).__name__}: {detail}", file=sys.stderr)
        return EXIT_INTERNAL

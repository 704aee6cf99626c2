"""The ``cloudkader`` command line. Every command calls the same core functions as the HTTP
service; the command modules (one per family) only parse arguments and print."""

from __future__ import annotations

import argparse
import sys

from . import checks, corpus, overlaps, serve, shacl
from .common import EXIT_BAD_INPUT, EXIT_OK, CliError

# the command families, in the order ``cloudkader --help`` lists them
FAMILIES = (corpus, checks, serve, overlaps, shacl)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cloudkader", description="Knowledge graph of Dutch government cloud policy.")
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

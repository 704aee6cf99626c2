"""``cloudkader shacl DATA --shapes SHAPES…``: the default SHACL engine as a plain SHACL
processor, on any data graph and shapes graph — no enrichment, no provisions. Writes the W3C
validation report; exit 0 when the data conforms, 1 when there are results, 2 for bad input
or shapes the engine refuses (the reason on stderr)."""

from __future__ import annotations

import sys
from pathlib import Path

from .common import EXIT_OK, EXIT_VIOLATIONS, CliError

FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".json": "json-ld", ".rdf": "xml",
           ".xml": "xml", ".n3": "n3", ".trig": "trig", ".nq": "nquads"}


def read_graph(name: str, into=None):
    """The RDF file ``name`` parsed (format from its extension, Turtle otherwise; relative IRIs
    against the file's own URL) and its Source; CliError for a missing or unreadable file."""
    from rdflib import Graph

    from ..checks.shacl_engine import Source

    path = Path(name)
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a file")
    if not path.is_file():
        raise CliError(f"{path}: no such file")
    fmt = FORMATS.get(path.suffix.lower(), "turtle")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or 'not UTF-8 text'}") from None
    g = into if into is not None else Graph()
    base = path.resolve().as_uri()
    try:
        g.parse(data=text, format=fmt, publicID=base)
    except Exception as exc:  # rdflib raises many kinds of parse errors
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise CliError(f"{path}: not readable as RDF: {first}") from None
    return g, Source(text, fmt, base)


def cmd_shacl(args) -> int:
    from rdflib import Graph

    from ..terms.namespaces import SH

    data, data_source = read_graph(args.data)
    shapes, shapes_source = data, data_source  # a self-describing graph: its own shapes
    if args.shapes:
        shapes = Graph()
        for name in args.shapes:
            _g, shapes_source = read_graph(name, shapes)
        if len(args.shapes) > 1:
            shapes_source = None  # several documents: the engine reads their merge
    if args.engine == "pyshacl":
        report = _pyshacl(data, shapes)
    else:
        from ..checks.shacl_engine import Refused, report as engine_report

        try:
            report = engine_report(shapes, data, shapes_source, data_source)
        except Refused as exc:
            raise CliError(f"shapes refused: {exc}; use --engine pyshacl") from None
    results = list(report.objects(None, SH.result))
    report.bind("sh", SH)
    if args.format == "text":
        _print_text(report, results)
    else:
        sys.stdout.write(report.serialize(format=args.format))
    sys.stdout.flush()
    return EXIT_VIOLATIONS if results else EXIT_OK


def _pyshacl(data, shapes):
    import pyshacl

    from ..terms.namespaces import SH
    from rdflib import Literal
    from rdflib.namespace import RDF

    _c, report, _t = pyshacl.validate(data, shacl_graph=shapes, inference="none", allow_warnings=False,
                                      advanced=False, meta_shacl=False, js=False, do_owl_imports=False)
    root = next(report.subjects(RDF.type, SH.ValidationReport))
    report.set((root, SH.conforms, Literal((root, SH.result, None) not in report)))
    return report


def _print_text(report, results) -> None:
    from ..terms.namespaces import SH

    def short(t):
        return t.n3(report.namespace_manager) if t is not None else "-"

    for r in sorted(results, key=lambda r: (str(report.value(r, SH.focusNode)), str(report.value(r, SH.sourceShape)))):
        sev = report.value(r, SH.resultSeverity)
        line = f"[{str(sev).rsplit('#', 1)[-1] if sev else '-'}] {short(report.value(r, SH.focusNode))}"
        path = report.value(r, SH.resultPath)
        if path is not None:
            line += f" {short(path)}"
        value = report.value(r, SH.value)
        if value is not None:
            line += f" = {short(value)}"
        comp = report.value(r, SH.sourceConstraintComponent)
        line += f": {str(comp).rsplit('#', 1)[-1] if comp else ''}"
        msgs = [str(m) for m in report.objects(r, SH.resultMessage)]
        if msgs:
            line += f" — {msgs[0]}"
        print(line)
    print("conforms" if not results else f"does not conform: {len(results)} result(s)")


def register(sub) -> None:
    s = sub.add_parser("shacl", help="plain SHACL validation of any data graph: the W3C validation report")
    s.add_argument("data", metavar="DATA", help="the data graph (Turtle, N-Triples, JSON-LD, RDF/XML by extension)")
    s.add_argument("--shapes", action="append", default=[], metavar="SHAPES",
                   help="a shapes graph (repeatable; default: the shapes in DATA)")
    s.add_argument("--format", default="turtle", choices=["turtle", "json-ld", "text"])
    s.add_argument("--engine", default="shacl", choices=["shacl", "pyshacl"],
                   help="shacl (default: the Rust engine, SHACL Core only) or pyshacl (the reference)")
    s.set_defaults(func=cmd_shacl)

"""Registers kept in spreadsheets: a CSV file (or the first sheet of an XLSX workbook), one row
per cloud service, read as a service description (DESIGN.md §3).

The mapping is W3C CSV on the Web metadata, ``register.csv-metadata.json`` beside this module:
the columns, their datatypes and separators, and for each column the ``aboutUrl``,
``propertyUrl`` and ``valueUrl`` templates of the triple a cell makes. The ``csvw`` package
reads the rows under that metadata (dialect, header, required cells, datatypes, lists) and
expands the templates. Two rules go beyond the csv2rdf algorithm, which makes one triple per
cell: a cell with several values makes one triple per value (the column's own name bound to
each), and a virtual column makes its triple only when every column its templates name is
filled — once per value if one of them holds several (a measure's type, a provider's type).

Errors name the row (the spreadsheet's row number; the header is row 1) and the column."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import zipfile
from functools import lru_cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..terms.namespaces import CKD

METADATA = Path(__file__).with_name("register.csv-metadata.json")
XLSX_MAX_UNPACKED = 64 * 1024 * 1024  # bytes a workbook may unpack to (a zip bomb is refused)
MAX_ERRORS = 20  # errors listed in one message
_ORG = "https://w3id.org/cloudkader/id/org/"


class RegisterError(ValueError):
    """A register that cannot be read; its message names the file, rows and columns
    (description.parse turns it into a DescriptionError)."""


def _error(origin: str, problems: list[str]) -> RegisterError:
    more = f"; and {len(problems) - MAX_ERRORS} more" if len(problems) > MAX_ERRORS else ""
    return RegisterError(f"{origin}: " + "; ".join(problems[:MAX_ERRORS]) + more)


@lru_cache(maxsize=1)
def metadata() -> dict:
    return json.loads(METADATA.read_text(encoding="utf-8"))


def _table(text: str):
    """The csvw Table of the register metadata, reading ``text`` instead of a file."""
    from csvw import Table
    from csvw.dsv import UnicodeReaderWithLineNumber

    class TextTable(Table):
        def _get_csv_reader(self, fname, dialect, stack):
            return stack.enter_context(UnicodeReaderWithLineNumber(io.StringIO(text, newline=""), dialect=dialect))

    return TextTable.fromvalue(json.loads(json.dumps(metadata())))


def column_names() -> list[str]:
    """The template's header row (its columns in order, virtual ones left out)."""
    return [c["name"] for c in metadata()["tableSchema"]["columns"] if not c.get("virtual")]


class _Log:
    """What csvw reports about cells, kept instead of raised."""

    def __init__(self):
        self.messages: list[str] = []

    def warning(self, msg):
        self.messages.append(msg)

    error = warning


_CSVW_CELL = re.compile(r"^.*:(\d+):(\d+) (\S+): (.*)$", re.DOTALL)


def _cell_message(msg: str) -> str:
    m = _CSVW_CELL.match(msg)
    if not m:
        return msg
    text = m.group(4)
    col = next((c for c in metadata()["tableSchema"]["columns"] if c["name"] == m.group(3)), {})
    fmt = (col.get("datatype") or {}).get("format") if isinstance(col.get("datatype"), dict) else None
    bad = re.match(r"invalid lexical value for \w+: (.*)$", text, re.DOTALL)
    if bad and fmt:
        text = f"{bad.group(1)!r} is not of the form {fmt}"
    return f"row {m.group(1)}, column {m.group(3)}: {text}"


def xlsx_to_csv(data: bytes, origin: str) -> str:
    """The first sheet of an XLSX workbook as CSV text (openpyxl reads it; cells as shown)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            unpacked = sum(i.file_size for i in z.infolist())
    except zipfile.BadZipFile:
        raise _error(origin, ["not an XLSX workbook (not a zip file)"]) from None
    if unpacked > XLSX_MAX_UNPACKED:
        raise _error(origin, [f"the workbook unpacks to {unpacked} bytes; at most {XLSX_MAX_UNPACKED} are read"])
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise _error(origin, [f"not a readable XLSX workbook: {' '.join(str(exc).split())[:200]}"]) from None
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            writer.writerow(["" if v is None else str(v) for v in row])
    finally:
        wb.close()
    return out.getvalue()


def _text(data: bytes | str, fmt: str, origin: str) -> str:
    if fmt == "xlsx":
        if isinstance(data, str):
            raise _error(origin, ["an XLSX workbook must be given as bytes"])
        return xlsx_to_csv(data, origin)
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise _error(origin, [f"not UTF-8 (byte {exc.start}); save the spreadsheet as CSV UTF-8"]) from None
    return data


def to_graph(data: bytes | str, fmt: str, origin: str, vocab=None) -> Graph:
    """The description a register makes; RegisterError naming rows and columns. With the
    vocabulary, every value is also checked against it (unknown codes named by their cell)."""
    from csvw.dsv import UnicodeReader

    text = _text(data, fmt, origin)
    table = _table(text)
    columns = table.tableSchema.columns
    with UnicodeReader(io.StringIO(text, newline=""), dialect=table._get_dialect()) as reader:
        header = next(iter(reader), None)
    if not header or not any(h.strip() for h in header):
        raise _error(origin, ["empty register: the first row must name the columns (" + ", ".join(column_names()) + ")"])
    known = set(column_names())
    problems = [f"row 1: unknown column {h!r} (the columns are: {', '.join(column_names())})"
                for h in header if h.strip() and h.strip() not in known]
    if len(set(h.strip() for h in header)) < len(header):
        problems.append("row 1: a column name appears twice")
    if problems:
        raise _error(origin, problems)
    log = _Log()
    g = Graph()
    seen: dict[str, int] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            rows = list(table.iterdicts(log=log, with_metadata=True, fname=origin, strict=True))
        except ValueError as exc:  # a required column missing from the header
            raise _error(origin, [" ".join(str(exc).replace(str(origin), "the register").split())]) from None
    problems = [_cell_message(m) for m in log.messages]
    for _fname, lineno, row in rows:
        sid = str(row.get("id") or "")
        if sid in seen:
            problems.append(f"row {lineno}, column id: the service <{sid}> is also on row {seen[sid]}")
        seen[sid] = lineno
        _row_triples(table, columns, row, lineno, g, problems, vocab)
    if not rows and not problems:
        problems.append("no service: the register has a header but no rows")
    if problems:
        raise _error(origin, problems)
    return g


def _values(row: dict, name: str) -> list:
    v = row.get(name)
    if isinstance(v, list):
        return [_str(x) for x in v if _str(x)]
    return [_str(v)] if v is not None and _str(v) else []


def _str(v) -> str:
    """A cell value as text (csvw reads an anyURI cell as an rfc3986 reference)."""
    return v.unsplit() if hasattr(v, "unsplit") else str(v)


def _row_triples(table, columns, row, lineno, g, problems, vocab) -> None:
    about_default = table.tableSchema.aboutUrl
    for col in columns:
        about = col.aboutUrl or about_default
        names = set(about.variable_names) | (set(col.valueUrl.variable_names) if col.valueUrl else set())
        names.discard(col.name)
        missing = [n for n in sorted(names) if n != "id" and not _values(row, n)]
        lists = [n for n in sorted(names) if n != "id" and isinstance(row.get(n), list)]
        others = [{lists[0]: v} for v in _values(row, lists[0])] if lists and not missing else [{}]
        if col.virtual:
            if missing:
                continue
            bindings = others
        else:
            values = _values(row, col.name)
            if not values or col.suppressOutput:
                continue
            if missing:
                problems.append(f"row {lineno}, column {col.name}: needs a value in column {missing[0]}")
                continue
            bindings = [{col.name: v, **o} for v in values for o in others]
        for b in bindings:
            ctx = {k: (_str(v) if not isinstance(v, list) else "") for k, v in row.items() if v is not None}
            ctx.update(b)
            s = URIRef(table.expand(about, ctx, _row=lineno, _name=col.name))
            p = URIRef(table.expand(col.propertyUrl, ctx, _row=lineno, _name=col.name))
            if col.valueUrl:
                o = URIRef(table.expand(col.valueUrl, ctx, _row=lineno, _name=col.name))
                bad = _unknown(o, p, row, vocab, col.name) if vocab is not None else ""
                if bad:
                    cell = lists[0] if col.virtual and lists else col.name
                    problems.append(f"row {lineno}, column {cell}: {b.get(cell, '')!r} {bad}")
                    continue
            else:
                o = Literal(b.get(col.name, ""))
            g.add((s, p, o))
    if _values(row, "exit_strategy_covers") and "ExitStrategy" not in _values(row, "measures"):
        problems.append(f"row {lineno}, column exit_strategy_covers: the parts of an exit strategy need "
                        "ExitStrategy in column measures")


def _unknown(o: URIRef, p: URIRef, row: dict, vocab, column: str) -> str:
    """Why the value IRI ``o`` of property ``p`` is not known, or ''."""
    iri = str(o)
    if p == CKD.processes and iri not in vocab.data_categories:
        return "is not a data category (" + ", ".join(sorted(c.split("#")[-1] for c in vocab.data_categories)) + ")"
    if p == CKD.usedBy and iri not in vocab.organisations and not _values(row, "organisation_type"):
        return "is not an organisation code of the corpus (give organisation_type, e.g. Gemeente, for your own)"
    if column == "organisation_type" and iri not in vocab.organisation_classes:
        return "is not an organisation class (e.g. Gemeente)"
    if iri.startswith(str(CKD)) and iri not in vocab.terms:
        return "is not a term of the cloudkader vocabulary"
    return ""


def _local(iri: str) -> str:
    """The last segment of an IRI outside the column's template (a code for the template)."""
    return re.split(r"[/#:]", iri.rstrip("/"))[-1]


def row_of(graph: Graph, service: URIRef) -> dict[str, str]:
    """The register row of ``service`` in ``graph``: each column's values (';'-separated) read
    back through the same templates (the column's value IRIs without their template's prefix)."""
    by_name: dict[str, str] = {"id": str(service)}
    cols = metadata()["tableSchema"]["columns"]
    subjects = {"{+id}": str(service)}
    providers = list(graph.objects(service, CKD.provider))
    orgs = list(graph.objects(service, CKD.usedBy))
    for col in cols:
        if col.get("virtual") or col["name"] == "id":
            continue
        about = col.get("aboutUrl", "{+id}")
        if "{provider}" in about:
            nodes = providers
        elif "{organisation}" in about:
            nodes = orgs
        elif about.startswith("{+id}-"):
            nodes = [n for n in graph.objects(service, CKD.hasMeasure)
                     if (n, RDF.type, CKD.ExitStrategy) in graph]
        else:
            nodes = [URIRef(subjects["{+id}"])]
        prefix = col.get("valueUrl", "").split("{")[0]
        values = []
        nl = {str(o) for n in nodes for o in graph.objects(n, URIRef(col["propertyUrl"]))
              if getattr(o, "language", None) == "nl"}
        for node in nodes:
            for o in graph.objects(node, URIRef(col["propertyUrl"])):
                if col["name"] == "measures":
                    o = next((t for t in graph.objects(o, RDF.type) if str(t).startswith(str(CKD))), o)
                    prefix = str(CKD)
                if col["name"] == "organisation_type" and not str(o).startswith(str(CKD)):
                    continue
                s = str(o)
                values.append(s[len(prefix):] if prefix and s.startswith(prefix) else _local(s))
        if "separator" not in col:  # one value: a label in Dutch first, as the service pages show
            values = sorted(set(values), key=lambda v: (v not in nl, v))[:1]
        by_name[col["name"]] = ";".join(sorted(set(values)))
    return by_name

"""CSV exports of the web interface's listings (not the SPARQL endpoint's CSV, which follows the
W3C format to the letter, as Fuseki, Virtuoso and Oxigraph do).

A listing opened in a spreadsheet must not run anything: a cell that starts with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return, which some spreadsheets skip before reading a
formula) is a formula to Excel, LibreOffice and Google Sheets — "CSV injection" (OWASP). Such a
cell gets a leading apostrophe, which spreadsheets show as a text marker; the rest of the value
is unchanged. Quoting follows RFC 4180 (Python's ``csv`` module)."""

from __future__ import annotations

import csv
import io
from typing import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """The cell text of ``value``, with a leading ``'`` when a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def listing_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([neutralise(h) for h in header])
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return buf.getvalue()


def csv_response(header: list[str], rows: Iterable[Iterable], filename: str) -> Response:
    """A listing as a CSV download (``text/csv; header=present``, RFC 7111)."""
    resp = Response(listing_csv(header, rows), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp

"""What users need to write descriptions themselves: the published JSON-LD context at
``/context.jsonld``, the SHACL shape of the form of a description at ``/description-shape.ttl``,
the JSON Schemas of the JSON answers at ``/schemas/NAME.json``, the register
template at ``/register-template.csv``, and the check form's service as a download — a register
row (CSV, the columns of ``checks/register.csv-metadata.json``) or Turtle — at
``POST /check/download?format=csv|turtle``. Routes on the pages blueprint."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Response, abort, request
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..checks import description, register_csv
from ..terms.namespaces import CKD
from .csv_export import listing_csv
from .pages import bp

SCHEMAS = Path(__file__).with_name("schemas")
SCHEMA_NAMES = ("validate", "applicable", "overlaps")  # a batch (several files) answers as validate


@bp.route("/context.jsonld")
def context_jsonld():
    resp = Response(description.CONTEXT_FILE.read_bytes(), mimetype="application/ld+json")
    resp.headers["Access-Control-Allow-Origin"] = "*"  # JSON-LD tools in a browser may read it
    resp.headers["Link"] = f'<{description.CONTEXT_URL}>; rel="canonical"'
    return resp


@bp.route("/schemas/<name>.json")
def json_schema(name: str):
    if name not in SCHEMA_NAMES:
        abort(404)
    resp = Response((SCHEMAS / f"{name}.json").read_bytes(), mimetype="application/schema+json")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.route("/description-shape.ttl")
def description_shape():
    resp = Response(description.SHAPE_FILE.read_bytes(), mimetype="text/turtle")
    resp.headers["Access-Control-Allow-Origin"] = "*"
    return resp


@bp.route("/register-template.csv")
def register_template():
    return _csv([], "register-template.csv")


def _csv(rows: list[dict], filename: str) -> Response:
    names = register_csv.column_names()
    resp = Response(listing_csv(names, ([r.get(n, "") for n in names] for r in rows)), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8; header=present"
    resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return resp


@bp.route("/check/download", methods=["GET", "POST"])
def check_download():
    """The service composed in the check form, as a register row or as Turtle (the same
    description the form checks)."""
    from .check_description import build_description, read_values
    from .check_vocab import form_vocab

    fmt = request.values.get("format", "turtle")
    if fmt not in ("csv", "turtle"):
        return Response("format: csv or turtle\n", status=400, mimetype="text/plain")
    vocab = form_vocab()
    turtle, problems = build_description(read_values(request.values, vocab), vocab)
    if problems:
        return Response("\n".join(problems) + "\n", status=400, mimetype="text/plain")
    if fmt == "turtle":
        resp = Response(turtle, mimetype="text/turtle")
        resp.headers["Content-Disposition"] = 'attachment; filename="dienst.ttl"'
        return resp
    g = Graph().parse(data=turtle, format="turtle")
    services = sorted(s for s in g.subjects(RDF.type, CKD.CloudService) if isinstance(s, URIRef))
    return _csv([register_csv.row_of(g, s) for s in services], "dienst.csv")


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))

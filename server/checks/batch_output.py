"""The validation JSON of many services, written as it is made: the same bytes as
``json.dumps(validation_json(reports), ensure_ascii=False, indent=2)``, without holding the whole
document (a 100,000-service register gives ≈ 600 MB of JSON) as dictionaries and one string.
Each service is encoded by ``orjson`` (its ``OPT_INDENT_2`` writes what ``json`` writes with
``indent=2`` and ``ensure_ascii=False``, ≈ 8× faster); a service ``orjson`` cannot encode (a lone
surrogate in a label) goes through ``json``."""

from __future__ import annotations

import json

import orjson

from .validation import ServiceReport, validation_json


def _service(doc: dict) -> bytes:
    try:
        blob = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
    except TypeError:
        blob = json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8", "surrogatepass")
    # JSON strings hold no raw line break: every one is a line of the document, indented once more
    return b"    " + blob.replace(b"\n", b"\n    ")


def write_validation_json(reports: list[ServiceReport], out, each=None) -> None:
    """Write the validation JSON of ``reports`` and a line break to the binary stream ``out``;
    ``each(service_dict)``, when given, completes each service's entry before it is written."""
    head = validation_json([])
    if list(head) != ["conforms", "services", "outcome"]:  # a document this writer does not know
        doc = validation_json(reports)
        for s in doc["services"] if each else ():
            each(s)
        out.write(json.dumps(doc, ensure_ascii=False, indent=2).encode() + b"\n")
        return
    head["conforms"] = all(r.conforms for r in reports)
    head["outcome"] = ("violates" if any(r.violates for r in reports)
                       else "undetermined" if any(r.undetermined for r in reports) else "conforms")
    if not reports:
        out.write(json.dumps(head, ensure_ascii=False, indent=2).encode() + b"\n")
        return
    out.write(b'{\n  "conforms": ' + json.dumps(head["conforms"]).encode() + b',\n  "services": [\n')
    for i, r in enumerate(reports):
        if i:
            out.write(b",\n")
        entry = validation_json([r])["services"][0]
        if each:
            each(entry)
        out.write(_service(entry))
    out.write(b'\n  ],\n  "outcome": ' + json.dumps(head["outcome"]).encode() + b"\n}\n")

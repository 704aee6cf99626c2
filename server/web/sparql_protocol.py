"""The SPARQL 1.1 Protocol as /sparql offers it: result and graph media types, their
?format= names, the service-description vocabularies, request media types and the
endpoint's own headers; the protocol error and the store the endpoint answers from."""

from __future__ import annotations

from flask import current_app
from rdflib.namespace import Namespace

from ..knowledge.app_state import get_store

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


FORMATS = Namespace("http://www.w3.org/ns/formats/")


# media type -> serializer format of cloudkader.stores.results, in order of preference (first = default)
RESULT_TYPES = [
    ("application/sparql-results+json", "json"),
    ("application/sparql-results+xml", "xml"),
    ("text/csv", "csv"),
    ("text/tab-separated-values", "tsv"),
    ("application/json", "json"),  # alias, answered as application/sparql-results+json
    ("application/xml", "xml"),  # alias, answered as application/sparql-results+xml
    ("text/html", "html"),
]


GRAPH_TYPES = [
    ("text/turtle", "turtle"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "json-ld"),
    ("application/rdf+xml", "xml"),
    ("application/x-turtle", "turtle"),  # alias
    ("application/json", "json-ld"),  # alias, answered as application/ld+json
    ("text/html", "html"),
]


CANONICAL = {
    ("result", "json"): "application/sparql-results+json",
    ("result", "xml"): "application/sparql-results+xml",
    ("result", "csv"): "text/csv",
    ("result", "tsv"): "text/tab-separated-values",
    ("result", "html"): "text/html",
    ("graph", "turtle"): "text/turtle",
    ("graph", "nt"): "application/n-triples",
    ("graph", "json-ld"): "application/ld+json",
    ("graph", "xml"): "application/rdf+xml",
    ("graph", "html"): "text/html",
}


# ?format= values (also ?output=, as SPARQLWrapper sends it; n3 gets Turtle, which N3 reads)
FORMAT_PARAM = {
    "result": {"json": "json", "srj": "json", "xml": "xml", "srx": "xml", "csv": "csv", "tsv": "tsv", "html": "html"},
    "graph": {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt", "n-triples": "nt",
              "n3": "turtle", "json-ld": "json-ld", "jsonld": "json-ld", "json": "json-ld", "xml": "xml", "rdf": "xml",
              "rdfxml": "xml", "rdf-xml": "xml", "rdf+xml": "xml", "html": "html"},
}


SD_TYPES = [("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld"),
            ("application/rdf+xml", "xml"), ("text/html", "html")]


RESULT_FORMAT_IRIS = [FORMATS.SPARQL_Results_JSON, FORMATS.SPARQL_Results_XML, FORMATS.SPARQL_Results_CSV,
                      FORMATS.SPARQL_Results_TSV, FORMATS.Turtle, FORMATS["N-Triples"], FORMATS["JSON-LD"],
                      FORMATS.RDF_XML]


ALLOWED_METHODS = "GET, POST, OPTIONS"


FORM = "application/x-www-form-urlencoded"


QUERY_TYPE = "application/sparql-query"


UPDATE_TYPE = "application/sparql-update"


LOCAL_BASE = "https://w3id.org/cloudkader/"


TRUNCATED_HEADER = "X-Cloudkader-Truncated"


MAX_ROWS_HEADER = "X-Cloudkader-Max-Rows"


class ProtocolError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


def _store():
    return get_store(current_app.config["CLOUDKADER_STORE"])

"""The SPARQL 1.1 service description of /sparql (sd:Service: endpoint, result and graph
formats, the named graphs), answered to a plain GET without a query."""

from __future__ import annotations

from flask import Response, request, url_for
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS

from .negotiation import choose
from .security import base_url
from .sparql_page import _page
from .sparql_protocol import (
    CANONICAL,
    FORMAT_PARAM,
    FORMATS,
    RESULT_FORMAT_IRIS,
    SD,
    SD_TYPES,
    ProtocolError,
    _store,
)


def service_description(endpoint_iri: str, graph_names: list[str]) -> Graph:
    """The SPARQL 1.1 Service Description of this endpoint (https://www.w3.org/TR/sparql11-service-description/)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("dcterms", DCTERMS)
    svc = URIRef(endpoint_iri)
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, svc))
    g.add((svc, DCTERMS.title, Literal("cloudkader SPARQL endpoint (read-only)", lang="en")))
    g.add((svc, DCTERMS.title, Literal("cloudkader SPARQL-endpoint (alleen lezen)", lang="nl")))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    for f in RESULT_FORMAT_IRIS:
        g.add((svc, SD.resultFormat, f))
    ds = BNode()
    g.add((svc, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    dg = BNode()
    g.add((ds, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    g.add((dg, RDFS.comment, Literal(
        "The default graph is the union of all named graphs (sd:UnionDefaultGraph); "
        "default-graph-uri and named-graph-uri select another dataset.", lang="en")))
    g.add((dg, RDFS.comment, Literal(
        "De standaardgraaf is de vereniging van alle benoemde grafen.", lang="nl")))
    for name in graph_names:
        ng = BNode()
        g.add((ds, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
    return g


def _service_description_or_page(accept: str | None, fmt: str | None) -> Response:
    if fmt is not None:
        table = FORMAT_PARAM["graph"]
        if fmt not in table:
            raise ProtocolError(400, f"format={fmt!r} is not available for the service description; use one of "
                                     + ", ".join(table))
        f = table[fmt]
    else:
        mt = choose(accept, [t for t, _ in SD_TYPES])
        if mt is None:
            raise ProtocolError(406, "GET /sparql without a query answers with the service description "
                                     "(text/turtle, application/n-triples, application/ld+json, "
                                     "application/rdf+xml) or an HTML query form; send `query=…` for results")
        f = dict(SD_TYPES)[mt]
    if f == "html":
        example = request.args.get("example")
        text = ""
        if example:
            from ..knowledge import queries

            try:
                text = queries.get(example).text
            except KeyError:
                text = ""
        return _page(query=text)
    g = service_description(base_url() + url_for("sparql.endpoint"), _store().graph_names())
    content_type = CANONICAL[("graph", f)]
    body = g.serialize(format=f)
    if content_type.startswith("text/"):
        content_type += "; charset=utf-8"
    return Response(body, status=200, content_type=content_type)

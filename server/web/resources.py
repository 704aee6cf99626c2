"""How a resource is shown: RDF formats and their negotiation, serialisation, links to
local IRIs, property rows and incoming links for the HTML, the template helpers."""

from __future__ import annotations

from flask import Response, request
from markupsafe import Markup, escape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..knowledge.corpus import prefixes
from ..terms.namespaces import ONTOLOGY_IRI
from .corpus_view import CKD_NS, ID_NS, CorpusView, corpus_view, qname, select
from .i18n import current_lang, switch_lang_url, t
from .negotiation import choose

RDF_FORMATS = {
    # name: (media type, rdflib format)
    "turtle": ("text/turtle", "turtle"),
    "json-ld": ("application/ld+json", "json-ld"),
    "nt": ("application/n-triples", "nt"),
    "xml": ("application/rdf+xml", "xml"),
}


FORMAT_ALIASES = {
    "html": "html", "htm": "html",
    "turtle": "turtle", "ttl": "turtle",
    "json-ld": "json-ld", "jsonld": "json-ld", "json": "json-ld",
    "nt": "nt", "ntriples": "nt", "n-triples": "nt",
    "xml": "xml", "rdf": "xml", "rdfxml": "xml", "rdf-xml": "xml", "rdf+xml": "xml",
}


# media types we answer, in our order of preference for ties and wildcards
OFFERS = {
    "text/turtle": "turtle",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/ld+json": "json-ld",
    "application/n-triples": "nt",
    "application/rdf+xml": "xml",
    "application/x-turtle": "turtle",
    "application/json": "json-ld",
    "text/plain": "nt",
    "application/xml": "xml",
    "text/xml": "xml",
}


class NotAcceptable(Exception):
    pass


class BadFormat(Exception):
    pass


def negotiate(accept: str | None, fmt_param: str | None) -> str:
    """``html`` or an RDF format name, from ``?format=`` or else the Accept header."""
    if fmt_param:
        name = FORMAT_ALIASES.get(fmt_param.strip().lower())
        if not name:
            raise BadFormat(fmt_param)
        return name
    chosen = choose(accept, list(OFFERS))
    if chosen is None:
        raise NotAcceptable(accept)
    return OFFERS[chosen]


def local_href(iri: str) -> str | None:
    """The local path of a cloudkader IRI, or None for an IRI elsewhere."""
    root = request.script_root if request else ""
    if iri.startswith(ID_NS) and len(iri) > len(ID_NS):
        return f"{root}/id/{iri[len(ID_NS):]}"
    if iri.startswith(CKD_NS):
        return f"{root}/def#{iri[len(CKD_NS):]}"
    if iri == ONTOLOGY_IRI or iri == ONTOLOGY_IRI + "#":
        return f"{root}/def"
    return None


def href(iri) -> str | None:
    iri = str(iri)
    local = local_href(iri)
    if local:
        return local
    if iri.startswith(("http://", "https://")):
        return iri
    return None


def link(iri, text: str | None = None, cls: str | None = None) -> Markup:
    iri = str(iri)
    label = text if text is not None else corpus_view().label(iri, current_lang())
    target = href(iri)
    classes = [c for c in (cls, None if local_href(iri) else "external") if c]
    c = f' class="{" ".join(classes)}"' if classes and target else ""
    if target:
        return Markup(f'<a href="{escape(target)}"{c} title="{escape(iri)}">{escape(label)}</a>')
    return Markup(f'<span title="{escape(iri)}">{escape(label)}</span>')


def render_term(term, graph: Graph | None = None, depth: int = 0) -> dict:
    if isinstance(term, URIRef):
        return {"kind": "iri", "html": link(term), "iri": str(term)}
    if isinstance(term, BNode):
        rows = []
        if graph is not None and depth < 4:
            rows = property_rows(graph, term, depth + 1)
        return {"kind": "bnode", "rows": rows}
    lit: Literal = term
    dt = str(lit.datatype).rsplit("#", 1)[-1] if lit.datatype is not None else None
    return {"kind": "literal", "value": str(lit), "lang": lit.language, "datatype": dt}


def property_rows(graph: Graph, subject, depth: int = 0) -> list[dict]:
    """Rows ``{predicate, values}`` for the triples of ``subject`` in ``graph``, sorted by label."""
    view = corpus_view()
    lang = current_lang()
    by_pred: dict[URIRef, list] = {}
    for p, o in graph.predicate_objects(subject):
        by_pred.setdefault(p, []).append(o)
    rows = []
    for p, objs in by_pred.items():
        objs = sorted(objs, key=lambda o: (0 if isinstance(o, Literal) and o.language == lang else 1,
                                           isinstance(o, BNode), _sort_text(graph, o, view, lang)))
        rows.append({"predicate": link(p), "predicate_iri": str(p), "label": view.label(p, lang),
                     "values": [render_term(o, graph, depth) for o in objs]})
    first = {str(RDF.type): 0, str(RDFS.label): 1, str(SKOS.prefLabel): 2, str(DCTERMS.title): 3}
    rows.sort(key=lambda r: (first.get(r["predicate_iri"], 9), r["label"].lower(), r["predicate_iri"]))
    return rows


def _sort_text(graph: Graph, o, view: "CorpusView", lang: str) -> str:
    """A sort key that is the same in every store (blank node labels are not)."""
    if isinstance(o, URIRef):
        return view.label(o, lang) + "\x00" + str(o)
    if isinstance(o, BNode):
        return "\x01".join(sorted(f"{p}={x}" for p, x in graph.predicate_objects(o) if not isinstance(x, BNode)))
    return str(o)


def incoming(store, iri: str, limit: int = 500) -> list[dict]:
    rows = select(store, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} LIMIT {limit}")
    view = corpus_view()
    lang = current_lang()
    out = [{"subject": str(r["s"]), "predicate": str(r["p"])} for r in rows]
    out.sort(key=lambda r: (view.label(r["predicate"], lang).lower(), view.label(r["subject"], lang).lower(), r["subject"]))
    return [{"subject": link(r["subject"]), "predicate": link(r["predicate"])} for r in out]


def inject_helpers():
    """Template helpers for the blueprints that render cloudkader HTML (registered per blueprint)."""
    return {"t": t, "link": link, "href": href, "qname": qname, "lang_of": current_lang,
            "switch_lang_url": switch_lang_url}


def _bind(graph: Graph) -> Graph:
    for p, ns in prefixes().items():
        graph.bind(p, ns, override=True, replace=True)
    return graph


def serialize(graph: Graph, fmt: str) -> tuple[str, str]:
    media, rdflib_fmt = RDF_FORMATS[fmt]
    _bind(graph)
    if fmt == "json-ld":
        context = prefixes()
        data = graph.serialize(format="json-ld", context=context, indent=2)
    else:
        data = graph.serialize(format=rdflib_fmt)
    return data, media


def rdf_response(graph: Graph, fmt: str) -> Response:
    data, media = serialize(graph, fmt)
    resp = Response(data, mimetype=media)
    if media.startswith("text/") or media in ("application/n-triples",):
        resp.charset = "utf-8"
    resp.vary.add("Accept")
    return resp


def _negotiate_or_error():
    try:
        return negotiate(request.headers.get("Accept"), request.args.get("format")), None
    except BadFormat as exc:
        msg = f"unknown format {exc.args[0]!r}; use one of html, turtle, json-ld, nt, xml"
        return None, Response(msg + "\n", status=400, mimetype="text/plain")
    except NotAcceptable:
        offered = ", ".join(OFFERS)
        return None, Response(f"none of the requested media types is available; offered: {offered}\n", status=406, mimetype="text/plain")


def format_links(path: str) -> list[dict]:
    return [{"name": n, "label": lab, "href": f"{request.script_root}{path}?format={n}", "media": RDF_FORMATS[n][0]}
            for n, lab in (("turtle", "Turtle"), ("json-ld", "JSON-LD"), ("nt", "N-Triples"), ("xml", "RDF/XML"))]


def resource_graph(store, iri: str) -> Graph:
    """The triples about ``iri`` (with its blank nodes) plus the triples that point at it from
    other named resources."""
    graph = Graph()
    for tr in store.triples_about(iri):
        graph.add(tr)
    if len(graph) == 0:
        return graph
    for r in select(store, f"SELECT DISTINCT ?s ?p WHERE {{ ?s ?p <{iri}> FILTER(isIRI(?s)) }} LIMIT 2000"):
        graph.add((r["s"], r["p"], URIRef(iri)))
    return graph

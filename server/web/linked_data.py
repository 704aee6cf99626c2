"""Dereferenceable IRIs: every ``https://w3id.org/cloudkader/id/…`` IRI at ``/id/…`` and the
ontology (``https://w3id.org/cloudkader/def``) at ``/def`` — HTML for a browser, Turtle,
JSON-LD, N-Triples or RDF/XML by ``Accept`` or ``?format=``.

Everything here reads the corpus through the store (``triples_about`` and SPARQL), never from
the Turtle files, so every store (memory, oxigraph, a remote endpoint) gives the same pages.
The pieces it uses live beside it: ``resources`` (formats, serialisation, links, property
rows), ``corpus_view`` and ``register_report`` (what the HTML pages share), ``i18n`` (language)
and ``docs`` (the ontology documentation and graph).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, redirect, render_template, request
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from ..terms.namespaces import ONTOLOGY_IRI
from .i18n import LANGS, add_security_headers, current_lang, t
from .corpus_view import CKD_NS, ID_NS, _VIEW_LOCK, _view_for, store_spec, the_store
from .register_report import _REGISTER_LOCK, _register_report_for
from .resources import _negotiate_or_error, inject_helpers, rdf_response, resource_graph
from .docs import _ontology_serialized, ontology_graph

log = logging.getLogger(__name__)

bp = Blueprint("linked_data", __name__)

# The language cookie and Vary (``i18n``) and the template helpers (``resources``) for the HTML
# this blueprint writes; security headers are set app-wide, in ``security.add_headers``.
bp.after_request(add_security_headers)
bp.context_processor(inject_helpers)


# ---------------------------------------------------------------------------------------------
# RDF answers


@bp.route("/id/")
@bp.route("/id")
def id_index():
    return redirect(request.script_root + "/", code=303)


@bp.route("/id/<path:local>")
def resource(local: str):
    fmt, error = _negotiate_or_error()
    if error is not None:
        return error
    if local.endswith("/") and local.strip("/"):
        return redirect(f"{request.script_root}/id/{local.rstrip('/')}", code=301)
    iri = ID_NS + local
    if not re.fullmatch(r"[A-Za-z0-9._~:@!$&'()*+,;=/%-]+", local):
        return _not_found(iri, fmt)
    store = the_store()
    about = store.triples_about(iri)
    if len(about) == 0:
        return _not_found(iri, fmt)
    if fmt != "html":
        return rdf_response(resource_graph(store, iri), fmt)
    from . import pages  # the HTML views of provisions, frameworks, themes, … live with the pages

    resp = Response(pages.render_resource(iri, about, store))
    resp.vary.add("Accept")
    return resp


def _not_found(iri: str, fmt: str) -> Response:
    if fmt == "html":
        body = render_template("not_found.html", iri=iri, message=f"{t('unknown_iri')}: {iri}")
        return Response(body, status=404, mimetype="text/html")
    return Response(f"404 Not Found: {iri} is not known in cloudkader\n", status=404, mimetype="text/plain")


# ---------------------------------------------------------------------------------------------
# The ontology at /def


@bp.route("/def")
@bp.route("/def/")
def ontology():
    fmt, error = _negotiate_or_error()
    if error is not None:
        return error
    if fmt != "html":
        data, media = _ontology_serialized(store_spec(), fmt)
        resp = Response(data, mimetype=media)
        resp.vary.add("Accept")
        return resp
    from .docs import ontology_html

    resp = Response(ontology_html(store_spec(), current_lang()))
    resp.vary.add("Accept")
    return resp


@bp.route("/def/<term>")
def ontology_term(term: str):
    """``/def/Term`` for clients that drop the fragment: the term's triples, or a redirect to
    its place in the documentation. ``/def/{version}`` — the ontology's ``owl:versionIRI`` — is
    the ontology itself."""
    if ONTOLOGY_IRI + "/" + term == str(ontology_graph().value(URIRef(ONTOLOGY_IRI), OWL.versionIRI)):
        return ontology()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", term):
        abort(404)
    iri = CKD_NS + term
    fmt, error = _negotiate_or_error()
    if error is not None:
        return error
    graph = ontology_graph()
    if (URIRef(iri), None, None) not in graph:
        return _not_found(iri, fmt)
    if fmt == "html":
        return redirect(f"{request.script_root}/def#{term}", code=303)
    sub = Graph()
    for tr in graph.triples((URIRef(iri), None, None)):
        sub.add(tr)
    return rdf_response(sub, fmt)


def warm(app) -> None:
    """Build the per-process caches (corpus view, register check, ontology documentation) before
    the first request, so that no visitor waits for them. Optional: call after ``create_app``."""
    from .docs import _model

    spec = app.config.get("CLOUDKADER_STORE", "memory")
    with app.app_context():
        with _VIEW_LOCK:
            _view_for(spec)
        with _REGISTER_LOCK:
            _register_report_for(spec)
        for lang in LANGS:
            _model(spec, lang)

"""Dereferenceable IRIs: every ``https://w3id.org/cloudkader/id/…`` IRI at ``/id/…`` and the
ontology (``https://w3id.org/cloudkader/def``) at ``/def`` — HTML for a browser, Turtle,
JSON-LD, N-Triples or RDF/XML by ``Accept`` or ``?format=``.

Everything here reads the corpus through the store (``triples_about`` and SPARQL), never from
the Turtle files, so every store (memory, oxigraph, a remote endpoint) gives the same pages.
This module also holds the small "view" of the corpus that the HTML pages share (labels,
provisions in source order, overlaps, shapes, the register's check results), built once per
process and store, and the helpers the templates use (language, links, security headers).
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from flask import Blueprint, Response, abort, current_app, g, redirect, render_template, request
from markupsafe import Markup, escape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..knowledge.app_state import get_store
from ..knowledge.corpus import prefixes
from ..knowledge.frameworks import order_key
from ..terms.namespaces import CKD, GRAPH, ID, ONTOLOGY_IRI, sparql_prologue
from ..knowledge.sources import normalise, normalised_source
from .negotiation import choose

log = logging.getLogger(__name__)

bp = Blueprint("linked_data", __name__)

ID_NS = str(ID)
CKD_NS = str(CKD)

# ---------------------------------------------------------------------------------------------
# Language and user interface strings (Dutch first; ``?lang=en`` switches, remembered in a cookie)

LANGS = ("nl", "en")

UI = {
    "nl": {
        "site_tagline": "Kennisgraaf van het Nederlandse overheidscloudbeleid",
        "home": "Start", "frameworks": "Kaders", "search": "Zoeken", "check": "Dienst toetsen",
        "overlaps": "Overlap", "register": "Register", "ontology": "Ontologie", "sparql": "SPARQL",
        "provision": "Bepaling", "provisions": "Bepalingen", "framework": "Kader",
        "number": "Nummer", "section": "Kopje", "source": "Bron", "source_file": "Bronbestand",
        "kind": "Soort", "modality": "Modaliteit", "themes": "Thema's", "theme": "Thema",
        "measures": "Maatregelen", "exit_parts": "Onderdelen exit-strategie", "roles": "Rollen",
        "organisations": "Organisaties", "products": "Producten", "data_categories": "Gegevenscategorieën",
        "systems": "Systemen", "cites": "Verwijst naar", "quotes": "Citeert", "part_of": "Onderdeel van",
        "parts": "Onderdelen", "note": "Toelichting", "text": "Tekst (letterlijk)",
        "without_text": "De bron noemt deze bepaling zonder tekst.",
        "overlaps_conflicts": "Overlap en conflicten met andere kaders",
        "no_overlaps": "Geen overlap met andere kaders vastgelegd.",
        "no_counterpart": "Geen tegenhanger",
        "relation": "Relatie", "rationale": "Onderbouwing", "other_provision": "Andere bepaling",
        "shapes": "Controles (SHACL-shapes)", "no_shapes": "Geen controle die deze bepaling toetst.",
        "conditions": "Geldt wanneer", "severity": "Ernst", "message": "Melding",
        "register_services": "Diensten in het register waarop deze bepaling van toepassing is",
        "no_register_services": "Geen dienst in het register waarop deze bepaling van toepassing is.",
        "all_data": "Alle gegevens", "property": "Eigenschap", "value": "Waarde",
        "referenced_by": "Waarnaar verwezen door", "formats": "Ook als",
        "not_found": "Niet gevonden", "unknown_iri": "Deze IRI is niet bekend in cloudkader",
        "permits": "staat toe", "prohibits": "verbiedt", "concerns": "betreft",
        "status": "Status", "publisher": "Uitgever", "issued": "Datum", "scope": "Reikwijdte",
        "binding": "bindend", "advisory": "advies", "excluded": "uitgesloten",
        "provisions_by_section": "Bepalingen per kopje", "open_browser": "Bekijk de bepalingen",
        "lang_switch": "English", "lang_other": "en",
        "services": "Diensten", "service": "Dienst", "organisation": "Organisatie",
        "applicable": "Bepalingen die gelden", "gaps": "Tekortkomingen (validatie)",
        "conforms": "voldoet", "does_not_conform": "voldoet niet", "undetermined": "onbeslist (feiten ontbreken)", "violations": "overtredingen",
        "warnings": "waarschuwingen", "reason": "Reden", "frameworks_in_scope": "Kaders binnen reikwijdte",
        "none": "geen", "label": "Naam", "definition": "Definitie",
        "provisions_with_theme": "Bepalingen met dit thema", "overlap_theme_view": "Overlap binnen dit thema",
        "used_by": "Gebruikt door", "provider": "Leverancier", "platform": "Platform",
    },
    "en": {
        "site_tagline": "Knowledge graph of Dutch government cloud policy",
        "home": "Home", "frameworks": "Frameworks", "search": "Search", "check": "Check a service",
        "overlaps": "Overlaps", "register": "Register", "ontology": "Ontology", "sparql": "SPARQL",
        "provision": "Provision", "provisions": "Provisions", "framework": "Framework",
        "number": "Number", "section": "Section heading", "source": "Source", "source_file": "Source file",
        "kind": "Kind", "modality": "Modality", "themes": "Themes", "theme": "Theme",
        "measures": "Measures", "exit_parts": "Exit strategy parts", "roles": "Roles",
        "organisations": "Organisations", "products": "Products", "data_categories": "Data categories",
        "systems": "Systems", "cites": "Cites", "quotes": "Quotes", "part_of": "Part of",
        "parts": "Parts", "note": "Note", "text": "Text (verbatim Dutch)",
        "without_text": "The source names this provision without giving its text.",
        "overlaps_conflicts": "Overlaps and conflicts with other frameworks",
        "no_overlaps": "No overlap with other frameworks recorded.",
        "no_counterpart": "No counterpart",
        "relation": "Relation", "rationale": "Rationale", "other_provision": "Other provision",
        "shapes": "Checks (SHACL shapes)", "no_shapes": "No check tests this provision.",
        "conditions": "Applies when", "severity": "Severity", "message": "Message",
        "register_services": "Services in the register this provision applies to",
        "no_register_services": "No service in the register this provision applies to.",
        "all_data": "All data", "property": "Property", "value": "Value",
        "referenced_by": "Referenced by", "formats": "Also as",
        "not_found": "Not found", "unknown_iri": "This IRI is not known in cloudkader",
        "permits": "permits", "prohibits": "prohibits", "concerns": "concerns",
        "status": "Status", "publisher": "Publisher", "issued": "Date", "scope": "Scope",
        "binding": "binding", "advisory": "advisory", "excluded": "excluded",
        "provisions_by_section": "Provisions by section", "open_browser": "Browse the provisions",
        "lang_switch": "Nederlands", "lang_other": "nl",
        "services": "Services", "service": "Service", "organisation": "Organisation",
        "applicable": "Provisions that apply", "gaps": "Gaps (validation)",
        "conforms": "conforms", "does_not_conform": "does not conform", "undetermined": "undetermined (facts missing)", "violations": "violations",
        "warnings": "warnings", "reason": "Reason", "frameworks_in_scope": "Frameworks in scope",
        "none": "none", "label": "Name", "definition": "Definition",
        "provisions_with_theme": "Provisions with this theme", "overlap_theme_view": "Overlaps within this theme",
        "used_by": "Used by", "provider": "Provider", "platform": "Platform",
    },
}


def current_lang() -> str:
    if "ck_lang" not in g:
        asked = request.args.get("lang")
        if asked in LANGS:
            g.ck_lang = asked
        else:
            cookie = request.cookies.get("lang")
            g.ck_lang = cookie if cookie in LANGS else "nl"
    return g.ck_lang


def t(key: str) -> str:
    lang = current_lang()
    return UI[lang].get(key) or UI["nl"].get(key) or key


# ---------------------------------------------------------------------------------------------
# The language cookie and Vary for the HTML the service writes (also used by the pages
# blueprint). Security headers are set app-wide, in one place: ``security.add_headers``.


def add_security_headers(resp: Response) -> Response:
    asked = request.args.get("lang")
    if asked in LANGS and request.cookies.get("lang") != asked:
        resp.set_cookie("lang", asked, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    if resp.mimetype == "text/html":
        resp.vary.add("Cookie")
    return resp


bp.after_request(add_security_headers)


# ---------------------------------------------------------------------------------------------
# Content negotiation: ``?format=`` wins; otherwise the Accept header, with the shared rules of
# ``negotiation.choose`` (Turtle is the default for a client that states no preference; a
# browser, which asks for text/html, gets HTML).

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


# ---------------------------------------------------------------------------------------------
# Store access and the corpus view


def store_spec() -> str:
    return current_app.config.get("CLOUDKADER_STORE", "memory")


def the_store():
    return get_store(store_spec())


def _row_key(b: dict) -> tuple:
    return tuple((k, "" if isinstance(v, BNode) else v.n3()) for k, v in sorted(b.items()))


def select(store, body: str) -> list[dict]:
    """SELECT rows in a fixed order (by their values), so that every store gives the same pages."""
    res = store.query(sparql_prologue() + body)
    return sorted(res.bindings(), key=_row_key)


def _natural(s: str | None) -> tuple:
    if not s:
        return ((1, 0, ""),)
    parts = re.split(r"(\d+)", s)
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in parts if p != "")


@dataclass
class ProvisionView:
    iri: str
    framework: str
    number: str | None = None
    headings: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    without_text: bool = False
    modality: str | None = None
    kinds: list[str] = field(default_factory=list)
    source: str | None = None
    text_from: str | None = None
    source_file: str | None = None
    position: float | None = None
    facts: dict[str, list] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.iri[len(ID_NS):] if self.iri.startswith(ID_NS) else self.iri

    def heading(self, lang: str) -> str:
        return self.headings.get(lang) or self.headings.get("nl") or next(iter(self.headings.values()), "")


@dataclass
class OverlapView:
    iri: str
    source: str
    target: str
    relation: str | None
    themes: list[str]
    rationale: dict[str, str]


@dataclass
class CorpusView:
    labels: dict[str, dict[str, str]]
    short: dict[str, str]
    definitions: dict[str, dict[str, str]]
    frameworks: dict[str, str]  # key -> IRI, in a fixed order
    provisions: dict[str, ProvisionView]
    overlaps: list[OverlapView]
    no_counterparts: list[dict]
    shapes: dict[str, list[dict]]  # provision -> shapes
    conditions: dict[str, list[dict]]  # provision -> applicability conditions
    themes: dict[str, str]  # slug -> IRI
    register_services: list[str]
    types: dict[str, set[str]]
    files: dict[str, str] = field(default_factory=dict)  # source text IRI -> seed file name

    def in_source_order(self, texts, source) -> list[str]:
        ordered, _pos = _text_position([str(x) for x in texts], self.files.get(str(source or "")))
        return ordered

    def label(self, iri, lang: str = "nl") -> str:
        iri = str(iri)
        labels = self.labels.get(iri)
        if labels:
            return labels.get(lang) or labels.get("nl") or labels.get("en") or labels.get("") or next(iter(labels.values()))
        return qname(iri)

    def definition(self, iri, lang: str = "nl") -> str:
        d = self.definitions.get(str(iri), {})
        return d.get(lang) or d.get("nl") or d.get("") or ""

    def framework_key(self, iri: str) -> str | None:
        for k, v in self.frameworks.items():
            if v == iri:
                return k
        return None

    def provisions_of(self, framework_iri: str) -> list[ProvisionView]:
        return sorted((p for p in self.provisions.values() if p.framework == framework_iri), key=_order_key)


def qname(iri: str) -> str:
    best = None
    for p, ns in prefixes().items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(best[1])):
            best = (p, ns)
    if best:
        return f"{best[0]}:{iri[len(best[1]):]}"
    return iri


def _order_key(p: ProvisionView):
    return (p.position if p.position is not None else float("inf"), _natural(p.number), p.iri)


_FACT_PROPS = {
    "theme": CKD.theme, "measure": CKD.concernsMeasure, "exit_part": CKD.concernsExitPart,
    "role": CKD.concernsRole, "organisation": CKD.concernsOrganisation, "product": CKD.concernsProduct,
    "permits": CKD.permitsProduct, "prohibits": CKD.prohibitsProduct, "data_category": CKD.concernsDataCategory,
    "system": CKD.concernsSystem, "cites": CKD.cites, "quotes": CKD.quotes, "part_of": DCTERMS.isPartOf,
    "comment": RDFS.comment,
}


def _text_position(texts: list[str], filename: str | None) -> tuple[list[str], float | None]:
    """Texts in the order they appear in the source, and the position of the first."""
    if not texts:
        return texts, None
    if not filename:
        return sorted(texts), None
    try:
        src = normalised_source(filename)
    except OSError:
        return sorted(texts), None
    placed = []
    for i, txt in enumerate(texts):
        pos = src.find(normalise(txt))
        placed.append((pos if pos >= 0 else float("inf"), i, txt))
    placed.sort()
    first = placed[0][0]
    return [x[2] for x in placed], (None if first == float("inf") else float(first))


def build_view(store) -> CorpusView:
    labels: dict[str, dict[str, str]] = {}
    rank = {str(RDFS.label): 0, str(SKOS.prefLabel): 1, str(DCTERMS.title): 2}
    rows = select(store, "SELECT ?s ?p ?l WHERE { VALUES ?p { rdfs:label skos:prefLabel dcterms:title } ?s ?p ?l FILTER(isIRI(?s) && isLiteral(?l)) }")
    best_rank: dict[tuple[str, str], int] = {}
    for r in rows:
        s, p, lit = str(r["s"]), str(r["p"]), r["l"]
        lang = lit.language or ""
        k = (s, lang)
        if k not in best_rank or rank[p] < best_rank[k]:
            best_rank[k] = rank[p]
            labels.setdefault(s, {})[lang] = " ".join(str(lit).split())
    short: dict[str, str] = {}
    for r in select(store, "SELECT ?s ?l WHERE { ?s skos:altLabel ?l FILTER(isIRI(?s) && LANG(?l) = 'nl') }"):
        short.setdefault(str(r["s"]), str(r["l"]))
    definitions: dict[str, dict[str, str]] = {}
    for r in select(store, "SELECT ?s ?d WHERE { ?s skos:definition ?d FILTER(isIRI(?s) && isLiteral(?d)) }"):
        definitions.setdefault(str(r["s"]), {}).setdefault(r["d"].language or "", str(r["d"]))

    types: dict[str, set[str]] = {}
    for r in select(store, "SELECT ?s ?t WHERE { ?s a ?t FILTER(isIRI(?s) && isIRI(?t)) }"):
        types.setdefault(str(r["s"]), set()).add(str(r["t"]))

    frameworks: dict[str, str] = {}
    fw_rows = select(store, "SELECT ?f ?key ?pos WHERE { ?f a ckd:Framework ; ckd:key ?key OPTIONAL { ?f ckd:position ?pos } }")
    for r in sorted(fw_rows, key=lambda r: order_key(str(r["key"]), int(r["pos"]) if r.get("pos") is not None else None)):
        frameworks[str(r["key"])] = str(r["f"])

    kinds = {str(r["k"]) for r in select(store, f"SELECT ?k WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?k rdfs:subClassOf ckd:Provision }} }}")}
    files = {str(r["d"]): str(r["f"]) for r in select(store, "SELECT ?d ?f WHERE { ?d ckd:sourceFile ?f }")}

    provisions: dict[str, ProvisionView] = {}
    for r in select(store, "SELECT ?p ?f WHERE { ?p ckd:framework ?f FILTER(isIRI(?p)) }"):
        provisions.setdefault(str(r["p"]), ProvisionView(str(r["p"]), str(r["f"])))
    fact_by_prop = {str(v): k for k, v in _FACT_PROPS.items()}
    for r in select(store, """SELECT ?p ?prop ?o WHERE { ?p ckd:framework ?f ; ?prop ?o
            VALUES ?prop { ckd:number ckd:sectionHeading ckd:text ckd:withoutText ckd:modality rdf:type
                           dcterms:source ckd:textFrom ckd:theme ckd:concernsMeasure ckd:concernsExitPart
                           ckd:concernsRole ckd:concernsOrganisation ckd:concernsProduct ckd:permitsProduct
                           ckd:prohibitsProduct ckd:concernsDataCategory ckd:concernsSystem ckd:cites
                           ckd:quotes dcterms:isPartOf rdfs:comment } }"""):
        pv = provisions.get(str(r["p"]))
        if pv is None:
            continue
        prop, o = str(r["prop"]), r["o"]
        if prop == str(CKD.number):
            pv.number = str(o)
        elif prop == str(CKD.sectionHeading):
            pv.headings[o.language or "nl"] = str(o)
        elif prop == str(CKD.text):
            if str(o) not in pv.texts:
                pv.texts.append(str(o))
        elif prop == str(CKD.withoutText):
            pv.without_text = bool(o.toPython()) if isinstance(o, Literal) else False
        elif prop == str(CKD.modality):
            pv.modality = str(o)
        elif prop == str(RDF.type):
            if str(o) in kinds and str(o) not in pv.kinds:
                pv.kinds.append(str(o))
        elif prop == str(DCTERMS.source):
            pv.source = str(o)
        elif prop == str(CKD.textFrom):
            pv.text_from = str(o)
        elif prop in fact_by_prop:
            lst = pv.facts.setdefault(fact_by_prop[prop], [])
            if o not in lst:
                lst.append(o)
    for pv in provisions.values():
        pv.kinds.sort()
        pv.source_file = files.get(pv.text_from or "") or files.get(pv.source or "")
        pv.texts, pv.position = _text_position(pv.texts, pv.source_file)
        for k, lst in pv.facts.items():
            if k != "comment":
                lst.sort(key=lambda x: str(x))
    _place_textless(provisions)

    overlaps: dict[str, OverlapView] = {}
    for r in select(store, """SELECT ?o ?s ?t ?rel ?theme ?rat WHERE { ?o a ckd:Overlap ; ckd:source ?s ; ckd:target ?t .
            OPTIONAL { ?o ckd:relation ?rel } OPTIONAL { ?o ckd:theme ?theme } OPTIONAL { ?o ckd:rationale ?rat } }"""):
        key = str(r["o"])
        ov = overlaps.setdefault(key, OverlapView(key, str(r["s"]), str(r["t"]), None, [], {}))
        if r.get("rel") is not None:
            ov.relation = str(r["rel"])
        if r.get("theme") is not None and str(r["theme"]) not in ov.themes:
            ov.themes.append(str(r["theme"]))
            ov.themes.sort()
        if r.get("rat") is not None:
            ov.rationale.setdefault(r["rat"].language or "nl", str(r["rat"]))
    no_counterparts: dict[str, dict] = {}
    for r in select(store, """SELECT ?n ?p ?rat ?wrt WHERE { ?n a ckd:NoCounterpart ; ckd:provision ?p .
            OPTIONAL { ?n ckd:rationale ?rat } OPTIONAL { ?n ckd:withRespectTo ?wrt } }"""):
        nc = no_counterparts.setdefault(str(r["n"]) + "|" + str(r["p"]), {"provision": str(r["p"]), "rationale": {}, "with_respect_to": []})
        if r.get("rat") is not None:
            nc["rationale"].setdefault(r["rat"].language or "nl", str(r["rat"]))
        if r.get("wrt") is not None and str(r["wrt"]) not in nc["with_respect_to"]:
            nc["with_respect_to"].append(str(r["wrt"]))

    shapes: dict[str, dict[str, dict]] = {}
    for r in select(store, f"""SELECT ?shape ?p ?msg ?sev WHERE {{ GRAPH <{GRAPH.shapes}> {{ ?shape ckd:provision ?p .
            OPTIONAL {{ ?shape sh:message ?msg }} OPTIONAL {{ ?shape sh:severity ?sev }} }} }}"""):
        d = shapes.setdefault(str(r["p"]), {}).setdefault(str(r["shape"]), {"shape": str(r["shape"]), "message": {}, "severity": None})
        if r.get("msg") is not None:
            d["message"].setdefault(r["msg"].language or "nl", str(r["msg"]))
        if r.get("sev") is not None:
            d["severity"] = str(r["sev"]).rsplit("#", 1)[-1]
    conditions: dict[str, dict[str, dict]] = {}
    for r in select(store, "SELECT ?p ?c ?reason WHERE { ?p ckd:appliesWhen ?c OPTIONAL { ?c ckd:reason ?reason } }"):
        d = conditions.setdefault(str(r["p"]), {}).setdefault(str(r["c"]), {"shape": str(r["c"]), "reason": {}})
        if r.get("reason") is not None:
            d["reason"].setdefault(r["reason"].language or "nl", str(r["reason"]))

    themes: dict[str, str] = {}
    for r in select(store, "SELECT ?t ?n WHERE { ?t a ckd:Theme OPTIONAL { ?t skos:notation ?n } }"):
        iri = str(r["t"])
        slug = str(r["n"]) if r.get("n") is not None else iri.rsplit("/", 1)[-1]
        themes.setdefault(slug, iri)
    themes = dict(sorted(themes.items(), key=lambda kv: kv[0]))

    register = sorted({str(r["s"]) for r in select(store, f"SELECT ?s WHERE {{ GRAPH <{GRAPH.register}> {{ ?s a ckd:CloudService }} }}") if isinstance(r["s"], URIRef)})

    return CorpusView(labels, short, definitions, frameworks, provisions,
                      sorted(overlaps.values(), key=lambda o: (o.source, o.target, o.iri)),
                      list(no_counterparts.values()),
                      {p: sorted(v.values(), key=lambda d: d["shape"]) for p, v in shapes.items()},
                      {p: sorted(v.values(), key=lambda d: d["shape"]) for p, v in conditions.items()},
                      themes, register, types, files)


def _place_textless(provisions: dict[str, ProvisionView]) -> None:
    """A provision without text (or whose text is not found) goes after the provision of its
    framework with the nearest lower number that has a position."""
    by_fw: dict[str, list[ProvisionView]] = {}
    for p in provisions.values():
        by_fw.setdefault(p.framework, []).append(p)
    for plist in by_fw.values():
        placed = sorted((p for p in plist if p.position is not None), key=lambda p: p.position)
        for p in plist:
            if p.position is not None:
                continue
            if p.number and placed:
                lower = [q for q in placed if q.number and _natural(q.number) < _natural(p.number)
                         and q.heading("nl") == p.heading("nl")] or \
                        [q for q in placed if q.number and _natural(q.number) < _natural(p.number)]
                if lower:
                    anchor = max(lower, key=lambda q: (_natural(q.number), q.position))
                    p.position = anchor.position + 0.5
                    continue
            same_heading = [q for q in placed if q.heading("nl") and q.heading("nl") == p.heading("nl")]
            if same_heading:
                p.position = same_heading[-1].position + 0.5


_VIEW_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _view_for(spec: str) -> CorpusView:
    return build_view(get_store(spec))


def corpus_view() -> CorpusView:
    spec = store_spec()
    with _VIEW_LOCK:
        return _view_for(spec)


# ---------------------------------------------------------------------------------------------
# The register, checked once per process: which provisions apply to which register service,
# and each service's validation result.


@dataclass
class RegisterReport:
    services: list[dict]
    applicable_by_provision: dict[str, list[str]]
    per_service: dict[str, dict]
    error: str | None = None


_REGISTER_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _register_report_for(spec: str) -> RegisterReport:
    from .. import core
    from ..checks.description import Description

    store = get_store(spec)
    try:
        res = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH.register}> {{ ?s ?p ?o }} }}")
        graph = res.graph if res.graph is not None else Graph()
        services = sorted(s for s in graph.subjects(RDF.type, CKD.CloudService) if isinstance(s, URIRef))
        if not services:
            return RegisterReport([], {}, {})
        desc = Description(graph, services, "register")
        applicable = core.applicable(desc)
        validation, _graph, _reports = core.validate(desc)
    except Exception as exc:  # the pages must still render; say what went wrong
        log.exception("checking the register failed")
        return RegisterReport([], {}, {}, error=f"{type(exc).__name__}: {exc}")
    by_prov: dict[str, list[str]] = {}
    per_service: dict[str, dict] = {}
    for s in applicable["services"]:
        per_service.setdefault(s["service"], {})["applicable"] = s
        for p in s["provisions"]:
            lst = by_prov.setdefault(p["provision"], [])
            if s["service"] not in lst:
                lst.append(s["service"])
    for s in validation["services"]:
        per_service.setdefault(s["service"], {})["validation"] = s
    rows = []
    for svc in services:
        sid = str(svc)
        rows.append({"service": sid, "graph_label": str(graph.value(svc, RDFS.label) or ""), **per_service.get(sid, {})})
    return RegisterReport(rows, by_prov, per_service)


def register_report() -> RegisterReport:
    spec = store_spec()
    with _REGISTER_LOCK:
        return _register_report_for(spec)


# ---------------------------------------------------------------------------------------------
# Links and rendering of RDF terms for the templates


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


bp.context_processor(inject_helpers)


def switch_lang_url() -> str:
    other = "en" if current_lang() == "nl" else "nl"
    args = request.args.to_dict(flat=False)
    args["lang"] = [other]
    from urllib.parse import urlencode

    return request.path + "?" + urlencode(args, doseq=True)


# ---------------------------------------------------------------------------------------------
# RDF answers


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


@lru_cache(maxsize=None)
def _ontology_graph(spec: str) -> Graph:
    res = get_store(spec).query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?s ?p ?o }} }}")
    g_ = Graph()
    for tr in res.graph or ():
        g_.add(tr)
    return _bind(g_)


@lru_cache(maxsize=None)
def _ontology_serialized(spec: str, fmt: str) -> tuple[str, str]:
    return serialize(_ontology_graph(spec), fmt)


def ontology_graph() -> Graph:
    return _ontology_graph(store_spec())


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

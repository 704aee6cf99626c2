"""The small view of the corpus that the HTML pages share (labels, provisions in source
order, overlaps, shapes), built once per process and store from SPARQL answers, never from the
Turtle files, so that every store gives the same pages."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from flask import current_app
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..knowledge.app_state import get_store
from ..knowledge.corpus import prefixes
from ..knowledge.frameworks import order_key
from ..knowledge.sources import normalise, normalised_source
from ..terms.namespaces import CKD, GRAPH, ID, sparql_prologue

ID_NS = str(ID)


CKD_NS = str(CKD)


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

"""The ontology documentation at ``/def`` (HTML): generated from the ontology graph in the store
— its metadata, the class hierarchy, and for every class, property and individual its Dutch and
English labels and definitions, super- and subclasses, domain and range, instances and the rest
of what the ontology says about it. Every term has an anchor named after its local name, so
``https://w3id.org/cloudkader/def#PersonalData`` lands on ``/def#PersonalData``.

Built once per process, store and language."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from flask import render_template
from markupsafe import Markup, escape
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..terms.namespaces import CKD, ONTOLOGY_IRI
from ..knowledge.app_state import get_store
from ..terms.namespaces import GRAPH
from .corpus_view import store_spec
from .resources import _bind, serialize
from .corpus_view import qname
from .resources import format_links, local_href

VANN = "http://purl.org/vocab/vann/"
CKD_NS = str(CKD)

HANDLED = {
    RDF.type, RDFS.label, SKOS.prefLabel, SKOS.definition, RDFS.comment, RDFS.subClassOf,
    RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass, OWL.disjointWith,
    OWL.inverseOf, OWL.differentFrom,
}
CHARACTERISTICS = {
    OWL.FunctionalProperty: ("functioneel", "functional"),
    OWL.InverseFunctionalProperty: ("invers functioneel", "inverse functional"),
    OWL.TransitiveProperty: ("transitief", "transitive"),
    OWL.SymmetricProperty: ("symmetrisch", "symmetric"),
}

TEXT = {
    "nl": {
        "title": "Ontologie", "classes": "Klassen", "object_properties": "Objecteigenschappen",
        "datatype_properties": "Datatype-eigenschappen", "annotation_properties": "Annotatie-eigenschappen",
        "individuals": "Individuen", "external": "Externe termen (alleen gedeclareerd, voor de afbeeldingen)",
        "hierarchy": "Klassenhiërarchie", "superclasses": "Subklasse van", "subclasses": "Subklassen",
        "equivalent": "Equivalent met", "disjoint": "Disjunct met", "instances": "Individuen",
        "domain": "Domein", "range": "Bereik", "subproperty_of": "Subeigenschap van",
        "subproperties": "Subeigenschappen", "inverse": "Invers van", "characteristics": "Kenmerken",
        "types": "Type", "other": "Verder", "also_individual": "Ook een individu (punning).",
        "namespace": "Namespace", "prefix": "Prefix", "version": "Versie", "license": "Licentie",
        "creator": "Maker", "created": "Gemaakt", "downloads": "Download", "contents": "Inhoud",
        "used_as_domain": "Domein van", "used_as_range": "Bereik van", "see_also": "Zie ook",
        "intro": "Deze documentatie is gegenereerd uit de ontologie in de triple store. Elke term heeft een anker met zijn lokale naam.",
    },
    "en": {
        "title": "Ontology", "classes": "Classes", "object_properties": "Object properties",
        "datatype_properties": "Datatype properties", "annotation_properties": "Annotation properties",
        "individuals": "Named individuals", "external": "External terms (declared only, for the mappings)",
        "hierarchy": "Class hierarchy", "superclasses": "Subclass of", "subclasses": "Subclasses",
        "equivalent": "Equivalent to", "disjoint": "Disjoint with", "instances": "Individuals",
        "domain": "Domain", "range": "Range", "subproperty_of": "Subproperty of",
        "subproperties": "Subproperties", "inverse": "Inverse of", "characteristics": "Characteristics",
        "types": "Type", "other": "Further", "also_individual": "Also an individual (punning).",
        "namespace": "Namespace", "prefix": "Prefix", "version": "Version", "license": "License",
        "creator": "Creator", "created": "Created", "downloads": "Download", "contents": "Contents",
        "used_as_domain": "Domain of", "used_as_range": "Range of", "see_also": "See also",
        "intro": "This documentation is generated from the ontology in the triple store. Every term has an anchor named after its local name.",
    },
}


@dataclass
class Term:
    iri: str
    local: str
    labels: dict[str, str]
    definitions: dict[str, str]
    comments: dict[str, str]
    facts: list[tuple[str, list[Markup]]] = field(default_factory=list)
    note: str = ""

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("nl") or self.labels.get("") or self.local

    def other_label(self, lang: str) -> str:
        other = "en" if lang == "nl" else "nl"
        lab = self.labels.get(other, "")
        return lab if lab and lab != self.label(lang) else ""

    def definition(self, lang: str) -> str:
        return self.definitions.get(lang) or self.definitions.get("nl") or self.definitions.get("") or ""

    def comment(self, lang: str) -> str:
        return self.comments.get(lang) or self.comments.get("nl") or self.comments.get("") or ""


def _lang_map(g: Graph, s, p) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in g.objects(s, p):
        if isinstance(o, Literal):
            out.setdefault(o.language or "", " ".join(str(o).split()))
    return out


class _Builder:
    def __init__(self, g: Graph, lang: str):
        self.g = g
        self.lang = lang

    def label(self, iri) -> str:
        labels = _lang_map(self.g, iri, RDFS.label) or _lang_map(self.g, iri, SKOS.prefLabel)
        if labels:
            return labels.get(self.lang) or labels.get("nl") or labels.get("en") or next(iter(labels.values()))
        return qname(str(iri))

    def ref(self, node) -> Markup:
        if isinstance(node, URIRef):
            s = str(node)
            if s.startswith(CKD_NS):
                local = s[len(CKD_NS):]
                return Markup(f'<a href="#{escape(local)}" title="{escape(s)}">{escape(self.label(node))}</a>')
            target = local_href(s) if s.startswith("https://w3id.org/cloudkader/") else s
            cls = "" if s.startswith("https://w3id.org/cloudkader/") else ' class="external"'
            text = qname(s)
            if text == s:
                text = self.label(node)
            return Markup(f'<a href="{escape(target)}"{cls} title="{escape(s)}">{escape(text)}</a>')
        if isinstance(node, BNode):
            return self.describe(node)
        lit: Literal = node
        lang = f' <span class="lang">{escape(lit.language)}</span>' if lit.language else ""
        return Markup(f"{escape(str(lit))}{lang}")

    def _list(self, node) -> list:
        try:
            return list(Collection(self.g, node))
        except Exception:
            return []

    def describe(self, node: BNode) -> Markup:
        g = self.g
        one_of = g.value(node, OWL.oneOf)
        if one_of is not None:
            return Markup("{ ") + Markup(", ").join(self.ref(x) for x in self._list(one_of)) + Markup(" }")
        for p, word in ((OWL.unionOf, " or "), (OWL.intersectionOf, " and ")):
            lst = g.value(node, p)
            if lst is not None:
                return Markup("(") + Markup(escape(word)).join(self.ref(x) for x in self._list(lst)) + Markup(")")
        comp = g.value(node, OWL.complementOf)
        if comp is not None:
            return Markup("not ") + self.ref(comp)
        prop = g.value(node, OWL.onProperty)
        if prop is not None:
            for p, word in ((OWL.someValuesFrom, "some"), (OWL.allValuesFrom, "only"), (OWL.hasValue, "value"),
                            (OWL.minCardinality, "min"), (OWL.maxCardinality, "max"), (OWL.cardinality, "exactly"),
                            (OWL.minQualifiedCardinality, "min"), (OWL.maxQualifiedCardinality, "max"),
                            (OWL.qualifiedCardinality, "exactly")):
                v = g.value(node, p)
                if v is not None:
                    on = g.value(node, OWL.onClass)
                    tail = Markup(" ") + self.ref(on) if on is not None else Markup("")
                    return self.ref(prop) + Markup(f" <em>{word}</em> ") + self.ref(v) + tail
        return Markup('<span class="muted">[…]</span>')

    def term(self, iri: URIRef) -> Term:
        s = str(iri)
        return Term(s, s[len(CKD_NS):], _lang_map(self.g, iri, RDFS.label) or _lang_map(self.g, iri, SKOS.prefLabel),
                    _lang_map(self.g, iri, SKOS.definition), _lang_map(self.g, iri, RDFS.comment))


def _ckd(node) -> bool:
    return isinstance(node, URIRef) and str(node).startswith(CKD_NS)


def build(g: Graph, lang: str) -> dict:
    b = _Builder(g, lang)
    txt = TEXT[lang]

    def sort(nodes):
        return sorted(set(nodes), key=lambda n: (b.label(n).lower(), str(n)))

    classes = sort(s for s in g.subjects(RDF.type, OWL.Class) if _ckd(s))
    obj_props = sort(s for s in g.subjects(RDF.type, OWL.ObjectProperty) if _ckd(s))
    dt_props = sort(s for s in g.subjects(RDF.type, OWL.DatatypeProperty) if _ckd(s))
    ann_props = sort(s for s in g.subjects(RDF.type, OWL.AnnotationProperty) if _ckd(s))
    class_set = set(classes)
    individuals = sort(s for s in g.subjects(RDF.type, OWL.NamedIndividual) if _ckd(s) and s not in class_set)
    punned = {s for s in g.subjects(RDF.type, OWL.NamedIndividual) if s in class_set}
    declared = set(classes) | set(obj_props) | set(dt_props) | set(ann_props) | set(individuals)
    external = sort(s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and not _ckd(s) and str(s) != ONTOLOGY_IRI)

    def other_facts(t: Term, node) -> None:
        by_pred: dict = {}
        for p, o in g.predicate_objects(node):
            if p in HANDLED:
                continue
            by_pred.setdefault(p, []).append(o)
        for p, objs in sorted(by_pred.items(), key=lambda kv: b.label(kv[0]).lower()):
            t.facts.append((b.ref(p), [b.ref(o) for o in sorted(objs, key=str)]))

    def class_term(c) -> Term:
        t = b.term(c)
        supers = [o for o in g.objects(c, RDFS.subClassOf)]
        if supers:
            t.facts.append((txt["superclasses"], [b.ref(o) for o in sorted(supers, key=lambda o: (isinstance(o, BNode), b.label(o)))]))
        subs = sort(s for s in g.subjects(RDFS.subClassOf, c) if isinstance(s, URIRef))
        if subs:
            t.facts.append((txt["subclasses"], [b.ref(s) for s in subs]))
        eq = list(g.objects(c, OWL.equivalentClass)) + list(g.subjects(OWL.equivalentClass, c))
        if eq:
            t.facts.append((txt["equivalent"], [b.ref(o) for o in eq]))
        dis = sort(list(g.objects(c, OWL.disjointWith)) + list(g.subjects(OWL.disjointWith, c)))
        if dis:
            t.facts.append((txt["disjoint"], [b.ref(o) for o in dis]))
        inst = sort(s for s in g.subjects(RDF.type, c) if isinstance(s, URIRef))
        if inst:
            t.facts.append((txt["instances"], [b.ref(s) for s in inst]))
        dom = sort(s for s in g.subjects(RDFS.domain, c) if isinstance(s, URIRef))
        if dom:
            t.facts.append((txt["used_as_domain"], [b.ref(s) for s in dom]))
        rng = sort(s for s in g.subjects(RDFS.range, c) if isinstance(s, URIRef))
        if rng:
            t.facts.append((txt["used_as_range"], [b.ref(s) for s in rng]))
        if c in punned:
            t.note = txt["also_individual"]
            types = [o for o in g.objects(c, RDF.type) if o not in (OWL.Class, OWL.NamedIndividual)]
            if types:
                t.facts.append((txt["types"], [b.ref(o) for o in types]))
        other_facts(t, c)
        return t

    def prop_term(p) -> Term:
        t = b.term(p)
        chars = [CHARACTERISTICS[x][0 if lang == "nl" else 1] for x in g.objects(p, RDF.type) if x in CHARACTERISTICS]
        if chars:
            t.facts.append((txt["characteristics"], [Markup(escape(c)) for c in sorted(chars)]))
        for pred, key in ((RDFS.domain, "domain"), (RDFS.range, "range"), (RDFS.subPropertyOf, "subproperty_of"), (OWL.inverseOf, "inverse")):
            vals = list(g.objects(p, pred))
            if vals:
                t.facts.append((txt[key], [b.ref(v) for v in vals]))
        subs = sort(s for s in g.subjects(RDFS.subPropertyOf, p) if isinstance(s, URIRef))
        if subs:
            t.facts.append((txt["subproperties"], [b.ref(s) for s in subs]))
        other_facts(t, p)
        return t

    def ind_term(i) -> Term:
        t = b.term(i)
        types = [o for o in g.objects(i, RDF.type) if o != OWL.NamedIndividual]
        if types:
            t.facts.append((txt["types"], [b.ref(o) for o in sort(types)]))
        other_facts(t, i)
        return t

    # the class hierarchy as nested lists (a class under each of its named ckd superclasses)
    children: dict = {}
    roots = []
    for c in classes:
        sups = [o for o in g.objects(c, RDFS.subClassOf) if _ckd(o)]
        if not sups:
            roots.append(c)
        for s in sups:
            children.setdefault(s, []).append(c)

    def tree(nodes, depth=0, seen=()):
        items = []
        for n in sort(nodes):
            if n in seen or depth > 12:
                continue
            items.append({"ref": b.ref(n), "children": tree(children.get(n, []), depth + 1, (*seen, n))})
        return items

    ont = URIRef(ONTOLOGY_IRI)
    meta = {
        "title": _pick(_lang_map(g, ont, DCTERMS.title), lang),
        "description": _pick(_lang_map(g, ont, DCTERMS.description), lang),
        "version": str(g.value(ont, OWL.versionInfo) or ""),
        "version_iri": g.value(ont, OWL.versionIRI),
        "license": g.value(ont, DCTERMS.license),
        "creator": str(g.value(ont, DCTERMS.creator) or ""),
        "created": str(g.value(ont, DCTERMS.created) or ""),
        "prefix": str(g.value(ont, URIRef(VANN + "preferredNamespacePrefix")) or "ckd"),
        "namespace": str(g.value(ont, URIRef(VANN + "preferredNamespaceUri")) or CKD_NS),
        "see_also": [b.ref(o) for o in g.objects(ont, RDFS.seeAlso)],
    }
    sections = [
        {"id": "classes", "title": txt["classes"], "terms": [class_term(c) for c in classes]},
        {"id": "object-properties", "title": txt["object_properties"], "terms": [prop_term(p) for p in obj_props]},
        {"id": "datatype-properties", "title": txt["datatype_properties"], "terms": [prop_term(p) for p in dt_props]},
        {"id": "annotation-properties", "title": txt["annotation_properties"], "terms": [prop_term(p) for p in ann_props]},
        {"id": "individuals", "title": txt["individuals"], "terms": [ind_term(i) for i in individuals]},
    ]
    sections = [s for s in sections if s["terms"]]
    ext = [{"ref": b.ref(e), "label": b.label(e), "iri": str(e)} for e in external]
    return {"meta": meta, "sections": sections, "hierarchy": tree(roots), "external": ext, "txt": txt,
            "n_terms": len(declared)}


def _pick(m: dict[str, str], lang: str) -> str:
    return m.get(lang) or m.get("nl") or m.get("") or next(iter(m.values()), "")


_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _model(spec: str, lang: str) -> dict:
    return build(_ontology_graph(spec), lang)


def ontology_html(spec: str, lang: str) -> str:
    with _LOCK:
        model = _model(spec, lang)
    return render_template("ontology.html", lang=lang, formats=format_links("/def"), **model)


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

"""What the check form at /check offers, read from the compiled corpus (ontology, data and
shapes), never from Python lists: the organisations and the classes a user's own organisation
can have, the deployment and service models, data categories, countries and location
constraints, products, systems, the certifications the checks look for, and every measure with
its parts — the values of the properties whose domain is that measure (the parts of an exit
strategy, the contract points a cloud contract covers)."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache

from ..knowledge.app_state import get_store
from ..terms.namespaces import CKD, COUNTRY, GRAPH, ID, ORG
from .corpus_view import _order_key, _view_for, corpus_view, select, store_spec
from .i18n import current_lang


@dataclass
class Option:
    value: str  # what the form sends
    iri: str
    label: str
    definition: str = ""
    group: str = ""


@dataclass
class MeasureOption(Option):
    # the parts a measure of this class can have: property IRI, its label, the field name, options
    parts: list[dict] = field(default_factory=list)


def key_of(iri: str) -> str:
    """The short form value of an IRI: a country code, a ckd: local name, an id/ path."""
    iri = str(iri)
    for ns in (str(COUNTRY), str(ORG), str(CKD), str(ID)):
        if iri.startswith(ns):
            return iri[len(ns):]
    return iri


_LOCK = threading.Lock()


def _classes_below(store, cls: str) -> list[str]:
    return [str(r["c"]) for r in select(store, f"""SELECT DISTINCT ?c WHERE {{ GRAPH <{GRAPH.ontology}> {{
        ?c rdfs:subClassOf* <{cls}> }} FILTER(isIRI(?c) && STRSTARTS(STR(?c), STR(ckd:))) }}""")]


def _asked_values(store, prop: str) -> list[str]:
    """The values the shapes ask for on ``prop`` (the last step of a property path): sh:hasValue
    and the members of sh:in."""
    rows = select(store, f"""SELECT DISTINCT ?v WHERE {{ GRAPH <{GRAPH.shapes}> {{
        {{ ?ps sh:path <{prop}> }} UNION {{ ?ps sh:path/rdf:rest*/rdf:first <{prop}> }}
        {{ ?ps sh:hasValue ?v }} UNION {{ ?ps sh:in/rdf:rest*/rdf:first ?v }} }} FILTER(isIRI(?v)) }}""")
    return [str(r["v"]) for r in rows]


@lru_cache(maxsize=None)
def _form_vocab(spec: str, lang: str) -> dict:
    store = get_store(spec)
    view = _view_for(spec)

    def option(iri, group="") -> Option:
        return Option(key_of(iri), str(iri), view.label(iri, lang), view.definition(iri, lang), group)

    def by_label(options):
        return sorted(options, key=lambda o: (o.label.lower(), o.value))

    def individuals(cls) -> list[Option]:
        rows = select(store, f"SELECT DISTINCT ?x WHERE {{ ?x a/rdfs:subClassOf* <{cls}> FILTER(isIRI(?x)) }}")
        return by_label(option(r["x"]) for r in rows)

    # organisations: those of the corpus, grouped by their most specific organisation class
    org_classes = set(_classes_below(store, str(CKD.Organisation))) - set(_classes_below(store, str(CKD.CloudProvider)))
    supers = {c: set(_classes_below_reverse(store, c)) for c in org_classes}
    orgs: list[Option] = []
    for r in select(store, "SELECT DISTINCT ?o WHERE { ?o a ckd:Organisation FILTER(STRSTARTS(STR(?o), STR(org:))) }"):
        iri = str(r["o"])
        ts = view.types.get(iri, set()) & org_classes
        if not ts:
            continue
        # the most specific: a class none of the others is a subclass of
        specific = sorted(c for c in ts if not any(o != c and c in supers.get(o, set()) for o in ts))
        opt = option(iri, specific[0] if specific else str(CKD.Organisation))
        short = view.short.get(iri)
        if short and short not in opt.label:
            opt.label += f" ({short})"
        orgs.append(opt)
    groups = sorted({o.group for o in orgs}, key=lambda c: view.label(c, lang).lower())
    org_groups = [{"name": view.label(c, lang), "options": by_label(o for o in orgs if o.group == c)} for c in groups]
    own_classes = by_label(option(c) for c in org_classes)

    countries = [o for o in individuals(str(CKD.Country)) if o.iri.startswith(str(COUNTRY))]
    systems = [o for o in individuals(str(CKD.System)) if o.iri.startswith(str(ID))]

    # measures and their parts: the object properties whose domain is the measure class
    measures = [MeasureOption(**vars(option(c))) for c in _classes_below(store, str(CKD.Measure)) if c != str(CKD.Measure)]
    part_props = select(store, f"""SELECT ?p ?d ?r WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?p a owl:ObjectProperty ;
        rdfs:domain ?d ; rdfs:range ?r . ?d rdfs:subClassOf+ ckd:Measure }} }}""")
    by_iri = {m.iri: m for m in measures}
    provision_classes = set(_classes_below(store, str(CKD.Provision)))
    for r in part_props:
        m = by_iri.get(str(r["d"]))
        if m is None:
            continue
        values = set(_asked_values(store, str(r["p"])))
        if str(r["r"]) not in provision_classes:  # an enumeration: every individual of the range
            values |= {o.iri for o in individuals(str(r["r"]))}
        opts = [option(v) for v in values]
        opts.sort(key=lambda o: (_part_order(view, o.iri), o.label.lower()))
        for o in opts:  # a provision: name its framework too
            fw = view.provisions.get(o.iri)
            if fw is not None and view.label(fw.framework, lang) not in o.label:
                o.group = view.label(fw.framework, lang)
        m.parts.append({"property": str(r["p"]), "label": view.label(r["p"], lang),
                        "name": "part-" + m.value, "options": opts})
    measures = by_label(measures)

    certifications = by_label(option(v) for v in _asked_values(store, str(CKD.certifiedUnder)))
    return {
        "orgs": {o.value: o for o in orgs}, "org_groups": org_groups, "own_classes": own_classes,
        "deployment": individuals(str(CKD.DeploymentModel)), "service_models": individuals(str(CKD.ServiceModel)),
        "data": individuals(str(CKD.DataCategory)), "countries": countries,
        "location_constraints": individuals(str(CKD.LocationConstraint)),
        "products": individuals(str(CKD.Product)), "systems": systems,
        "measures": measures, "certifications": certifications,
    }


def _classes_below_reverse(store, cls: str) -> list[str]:
    """The superclasses of ``cls`` (itself included)."""
    return [str(r["c"]) for r in select(store, f"""SELECT DISTINCT ?c WHERE {{ GRAPH <{GRAPH.ontology}> {{
        <{cls}> rdfs:subClassOf* ?c }} FILTER(isIRI(?c)) }}""")]


def _part_order(view, iri: str):
    p = view.provisions.get(iri)
    if p is None:
        return (1, ())
    return (0, tuple(view.frameworks.values()).index(p.framework) if p.framework in view.frameworks.values() else 99,
            _order_key(p))


def form_vocab() -> dict:
    corpus_view()  # built under its own lock first
    with _LOCK:
        return _form_vocab(store_spec(), current_lang())

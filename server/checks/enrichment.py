"""Turning a service description into the data graph the shapes check: the service's own
triples, plus — limited to the nodes it refers to — what the corpus knows and the reasoner
inferred about them (types along the class hierarchy, provider jurisdictions, organisation
parts), the broader data categories, and the frameworks in scope (binding or advisory)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from ..knowledge.compiled import FrameworkScope, Knowledge
from ..terms.namespaces import CKD

MAX_DEPTH = 4


@dataclass
class Scope:
    framework: str
    kind: str  # "binding" | "advisory"
    reason: dict[str, str]
    uncertain: dict[str, str] | None = None  # on a date: why the framework's force is undetermined


def _copy_description(src: Graph, node, out: Graph) -> None:
    """Copy the triples of ``node`` and of every node it reaches (through any property but
    rdf:type) within MAX_DEPTH steps, breadth first: a node's distance is its shortest one, so
    what is copied does not depend on the order the graph yields its triples in."""
    seen = {node}
    frontier = [node]
    for depth in range(MAX_DEPTH + 1):
        nxt = []
        for n in frontier:
            for p, o in src.predicate_objects(n):
                out.add((n, p, o))
                if isinstance(o, (URIRef, BNode)) and p != RDF.type and o not in seen:
                    seen.add(o)
                    nxt.append(o)
        frontier = nxt


def _own_types(k: Knowledge, description: Graph, org) -> set[str]:
    """What the corpus and the description say ``org`` is, closed under the class hierarchy."""
    return k.types_closed(set(k.node_types.get(str(org), set())) | {str(t) for t in description.objects(org, RDF.type)})


def _parents(k: Knowledge, description: Graph, org) -> set[str]:
    """What ``org`` is ckd:partOf, as the user states it and as the corpus records it."""
    parents = {str(p) for p in description.objects(org, CKD.partOf) if isinstance(p, URIRef)}
    parents |= {o for p, o in k.node_facts.get(str(org), ()) if p == str(CKD.partOf)}
    return parents


def organisation_scope_facts(k: Knowledge, description: Graph, org: URIRef) -> tuple[set[str], set[str]]:
    """The organisation's lineage (itself and what it is part of, along ckd:partOf chains of any
    depth, given by the user or the corpus) and its types for scope: its own, plus — from every
    organisation in its lineage — the classes that extend to parts (ckd:scopeExtendsToParts).
    A chain stops at an organisation of an ckd:ownScope class (a ZBO under a minister takes
    neither the ministry's organisation scope nor its class), and classes disjoint-by-design
    never meet: a part only inherits classes, it never loses its own."""
    own = _own_types(k, description, org)
    lineage, types = {str(org)}, set(own)
    frontier = [] if own & k.own_scope else [str(org)]
    while frontier:
        nxt = []
        for n in frontier:
            for parent in _parents(k, description, URIRef(n)):
                if parent in lineage:
                    continue
                lineage.add(parent)
                parent_types = _own_types(k, description, URIRef(parent))
                types |= k.types_closed(parent_types & k.parts_inherit)
                if not parent_types & k.own_scope:
                    nxt.append(parent)
        frontier = nxt
    return lineage, types


def organisation_types(k: Knowledge, description: Graph, org: URIRef) -> set[str]:
    return organisation_scope_facts(k, description, org)[1]


def scopes_for(k: Knowledge, description: Graph, org: URIRef) -> list[Scope]:
    """The frameworks in scope for an organisation, as the framework data declares them:
    by organisation (its lineage) and by class (its types for scope), exclusion first."""
    lineage, types = organisation_scope_facts(k, description, org)
    out = []
    for fw in sorted(k.frameworks.values(), key=lambda f: f.key):
        if lineage & fw.excludes_orgs or types & fw.excludes_classes:
            continue
        kind = _kind(fw, lineage, types)
        if kind:
            out.append(Scope(fw.iri, kind, _reason(fw, kind, lineage, types), k.time_undetermined.get(fw.iri)))
    return out


def merged_scopes(k: Knowledge, description: Graph, orgs) -> list[Scope]:
    """The scopes of a service used by ``orgs``: binding through one organisation wins over
    advisory through another; in framework order (as for one organisation), so the answer does
    not depend on the order the organisations are listed in."""
    service_scopes: list[Scope] = []
    for org in orgs:
        for sc in scopes_for(k, description, org):
            if all(x.framework != sc.framework for x in service_scopes):
                service_scopes.append(sc)
            elif sc.kind == "binding":
                service_scopes = [sc if x.framework == sc.framework else x for x in service_scopes]
    keys = {fw.iri: fw.key for fw in k.frameworks.values()}
    return sorted(service_scopes, key=lambda sc: keys.get(sc.framework, sc.framework))


def _kind(fw: FrameworkScope, lineage: set[str], types: set[str]) -> str | None:
    if lineage & fw.binds_orgs or types & fw.binds_classes:
        return "binding"
    if lineage & fw.advises_orgs or types & fw.advises_classes:
        return "advisory"
    return None


def _reason(fw: FrameworkScope, kind: str, lineage: set[str], types: set[str]) -> dict[str, str]:
    title_nl, title_en = fw.title.get("nl", fw.key), fw.title.get("en", fw.key)
    if kind == "binding":
        return {"nl": f"de organisatie valt onder {title_nl} (bindend)", "en": f"the organisation is bound by {title_en}"}
    return {"nl": f"{title_nl} geldt voor deze organisatie als advies", "en": f"{title_en} applies to this organisation as advice"}


def enrich(k: Knowledge, description: Graph, services: list[URIRef]) -> tuple[Graph, dict[str, list[Scope]]]:
    """The data graph for ``services`` and, per service, its scopes."""
    data = Graph()
    scopes: dict[str, list[Scope]] = {}
    for s in services:
        _copy_description(description, s, data)
        data.add((s, RDF.type, CKD.CloudService))
        # data categories: processing a narrower category is processing the broader one
        for c in list(data.objects(s, CKD.processes)):
            for b in k.broader.get(str(c), ()):
                data.add((s, CKD.processes, URIRef(b)))
        service_scopes = merged_scopes(k, description, description.objects(s, CKD.usedBy))
        for sc in service_scopes:
            data.add((s, CKD.inScopeOf, URIRef(sc.framework)))
            data.add((s, CKD.bindingFramework if sc.kind == "binding" else CKD.advisoryFramework, URIRef(sc.framework)))
        scopes[str(s)] = service_scopes
    # what the corpus knows of the nodes the descriptions refer to, until nothing new appears
    done: set = set()
    while True:
        todo = {o for o in data.objects() if isinstance(o, URIRef) and o not in done}
        todo |= {s for s in data.subjects() if isinstance(s, URIRef) and s not in done}
        if not todo:
            break
        for n in todo:
            done.add(n)
            for t in k.node_types.get(str(n), ()):
                data.add((n, RDF.type, URIRef(t)))
            for t in k.types_closed(list(data.objects(n, RDF.type))):
                data.add((n, RDF.type, URIRef(t)))
            for p, o in k.node_facts.get(str(n), ()):
                if not any(True for _ in data.objects(n, URIRef(p))):
                    data.add((n, URIRef(p), URIRef(o)))
        # bnodes (measures written inline) get their closed types too
        for b in [b for b in data.subjects() if isinstance(b, BNode)]:
            for t in k.types_closed(list(data.objects(b, RDF.type))):
                data.add((b, RDF.type, URIRef(t)))
    return data, scopes

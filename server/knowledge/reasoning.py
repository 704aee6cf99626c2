"""DL reasoning with HermiT through owlready2: consistency, unsatisfiable classes and the
inferred class hierarchy that the rest of cloudkader uses (computed once, at build time)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD


@dataclass
class ReasonerResult:
    consistent: bool
    unsatisfiable: list[str]
    # every named class IRI -> the IRIs of all its (inferred) superclasses, itself included
    superclasses: dict[str, set[str]]


def classify(graph: Graph) -> ReasonerResult:
    """Run HermiT on ``graph`` (an ontology, optionally with reference data)."""
    import owlready2

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ontology.nt"
        graph.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load()
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return ReasonerResult(False, [], {})
        unsat = sorted(c.iri for c in world.inconsistent_classes() if c is not owlready2.Nothing)
        supers: dict[str, set[str]] = {}
        for cls in world.classes():
            supers[cls.iri] = {a.iri for a in cls.ancestors() if isinstance(a, owlready2.ThingClass)}
        return ReasonerResult(True, unsat, supers)


# -- OWL 2 DL checks (tests/test_vocabularies.py) -------------------------------------------------

_PROPERTY_KIND = {
    OWL.ObjectProperty: "ObjectProperty", OWL.TransitiveProperty: "ObjectProperty",
    OWL.SymmetricProperty: "ObjectProperty", OWL.AsymmetricProperty: "ObjectProperty",
    OWL.ReflexiveProperty: "ObjectProperty", OWL.IrreflexiveProperty: "ObjectProperty",
    OWL.InverseFunctionalProperty: "ObjectProperty",
    OWL.DatatypeProperty: "DatatypeProperty", OWL.AnnotationProperty: "AnnotationProperty",
}
_CLASS_KIND = {OWL.Class: "Class", RDFS.Datatype: "Datatype"}


def illegal_punnings(graph: Graph) -> dict[str, set[str]]:
    """IRIs declared as more than one kind of property, or as both class and datatype — the
    punning the OWL 2 DL typing constraints forbid (Structural Specification §5.9). Class and
    individual, or class and property, may share an IRI; these may not."""
    kinds: dict[str, set[str]] = {}
    for s, t in graph.subject_objects(RDF.type):
        kind = _PROPERTY_KIND.get(t) or _CLASS_KIND.get(t)
        if kind is not None and isinstance(s, URIRef):
            kinds.setdefault(str(s), set()).add(kind)
    return {iri: ks for iri, ks in kinds.items()
            if len(ks - {"Class", "Datatype"}) > 1 or {"Class", "Datatype"} <= ks}


# Datatypes of RDF data that are not in the OWL 2 datatype map (OWL 2 Structural Specification
# §4): HermiT refuses them. A reasoning copy leaves out the literals of these types and turns
# ranges over them into rdfs:Literal; nothing else changes.
NON_OWL2_DATATYPES = frozenset(XSD[t] for t in (
    "date", "time", "gYear", "gYearMonth", "gMonth", "gMonthDay", "gDay", "duration",
    "yearMonthDuration", "dayTimeDuration"))


def reasoning_copy(graph: Graph) -> Graph:
    """``graph`` without the literals OWL 2 has no datatype for (see NON_OWL2_DATATYPES)."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype in NON_OWL2_DATATYPES:
            continue
        if p == RDFS.range and o in NON_OWL2_DATATYPES:
            o = RDFS.Literal
        out.add((s, p, o))
    return out

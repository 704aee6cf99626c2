"""DL reasoning with HermiT through owlready2: consistency, unsatisfiable classes and the
inferred class hierarchy that the rest of cloudkader uses (computed once, at build time)."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph


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

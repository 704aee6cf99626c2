"""The default SHACL engine: the Rust ``shacl`` package (PyPI ``shacl``), a maintained SHACL Core
processor, behind a pre-check that refuses what it has not been verified on.

``shacl`` answers all 98 tests of the W3C SHACL Core test suite (``tests/test_w3c_shacl.py``
runs them through ``cloudkader shacl``, measured against pySHACL and pyrudof in
``docs/performance.md``). Shapes that use anything beyond SHACL Core — SPARQL-based constraints
and targets, SHACL-AF rules, SHACL-JS, custom constraint components, ``owl:imports`` — are
refused *before* anything is evaluated (``refusal``): the caller then runs pySHACL, the
reference, or reports the reason (``cloudkader shacl``, exit 2).

Blank-node shapes are given an IRI (``urn:cloudkader:shape:…``) before they are compiled, so
that every result names a shape that can be looked up in cloudkader's own copy of the shapes
graph (its provision, its messages in each language, its path); ``Engine.original`` maps
such an IRI back to the blank node.
"""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.util import from_n3

from ..terms.namespaces import SH

SKOLEM = "urn:cloudkader:shape:"

# SHACL vocabulary that lies beyond SHACL Core, with the reason a shapes graph using it is refused
BEYOND_CORE = {
    SH.sparql: "SPARQL-based constraints (sh:sparql)",
    SH.target: "SPARQL-based or custom targets (sh:target)",
    SH.rule: "SHACL-AF rules (sh:rule)",
    SH.js: "SHACL-JS (sh:js)",
    SH.jsFunctionName: "SHACL-JS (sh:jsFunctionName)",
    SH.parameter: "custom constraint components (sh:parameter)",
    SH.validator: "custom constraint components (sh:validator)",
    SH.nodeValidator: "custom constraint components (sh:nodeValidator)",
    SH.propertyValidator: "custom constraint components (sh:propertyValidator)",
    SH.shapesGraph: "sh:shapesGraph (shapes graphs named by the data)",
    SH.entailment: "entailment regimes (sh:entailment)",
    OWL.imports: "owl:imports (cloudkader never fetches other graphs)",
}
BEYOND_CORE_CLASSES = {
    SH.ConstraintComponent: "custom constraint components (sh:ConstraintComponent)",
    SH.SPARQLTarget: "SPARQL-based targets (sh:SPARQLTarget)",
    SH.SPARQLRule: "SHACL-AF rules (sh:SPARQLRule)",
    SH.TripleRule: "SHACL-AF rules (sh:TripleRule)",
    SH.JSConstraint: "SHACL-JS (sh:JSConstraint)",
}
# the values of these predicates are shapes
SHAPE_REFS = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)


class Refused(ValueError):
    """The shapes use something the default engine is not verified on; the message says what."""


@dataclass(frozen=True)
class Hit:
    """One validation result, in rdflib terms of cloudkader's copy of the shapes graph."""

    focus: object
    shape: object  # the source shape as the shapes graph has it (IRI or blank node)
    severity: URIRef
    path: object  # the source shape's sh:path node, or None
    component: URIRef
    value: object  # or None


def refusal(shapes: Graph) -> str | None:
    """Why the default engine refuses ``shapes``, or None when it takes them."""
    reasons = sorted({why for p, why in BEYOND_CORE.items() if (None, p, None) in shapes}
                     | {why for c, why in BEYOND_CORE_CLASSES.items() if (None, RDF.type, c) in shapes})
    if reasons:
        return "the shapes use " + "; ".join(reasons) + ", beyond SHACL Core"
    return None


def shape_nodes(g: Graph) -> set:
    """Every node of ``g`` that is used as a shape (targeted, typed, or referenced as one)."""
    out = set(g.subjects(RDF.type, SH.NodeShape)) | set(g.subjects(RDF.type, SH.PropertyShape))
    out |= set(g.subjects(SH.path, None))
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf):
        out |= set(g.subjects(p, None))
    for p in SHAPE_REFS:
        out |= set(g.objects(None, p))
    for p in SHAPE_LISTS:
        for lst in g.objects(None, p):
            out |= set(g.items(lst))
    return out


def skolemised(g: Graph) -> tuple[Graph, dict]:
    """``g`` with every blank-node shape renamed to an IRI, and the map IRI -> blank node."""
    names = {b: URIRef(SKOLEM + str(b)) for b in shape_nodes(g) if isinstance(b, BNode)}
    if not names:
        return g, {}
    out = Graph()
    for s, p, o in g:
        out.add((names.get(s, s), p, names.get(o, o)))
    return out, {v: k for k, v in names.items()}


def term(nt: str | None):
    """An rdflib term from the N-Triples syntax the engine gives."""
    if nt is None:
        return None
    if nt.startswith("<"):
        return URIRef(nt[1:-1])
    if nt.startswith("_:"):
        return BNode(nt[2:])
    return from_n3(nt)


def to_ntriples(g: Graph) -> str:
    return g.serialize(format="nt")


class Engine:
    """A shapes graph compiled for the Rust engine. Raises ``Refused`` for shapes beyond Core."""

    def __init__(self, shapes: Graph, original: dict | None = None):
        """``original``: ``shapes`` are already skolemised, and this maps their shape IRIs back."""
        reason = refusal(shapes)
        if reason:
            raise Refused(reason)
        import shacl

        self.shapes, self.skolem_map = (shapes, original) if original is not None else skolemised(shapes)
        self.text = to_ntriples(self.shapes)
        self._compiled = shacl.Shapes.from_text(self.text, format="ntriples")
        self._paths: dict = {}

    @classmethod
    def part(cls, whole: "Engine", text: str) -> "Engine":
        """An engine for N-Triples ``text`` made of lines of ``whole.text`` (and more shapes that
        use only the constraints ``whole``'s shapes use): what the pre-check took in the whole
        it takes in a part, and results are looked up in the whole's shapes graph."""
        import shacl

        engine = cls.__new__(cls)
        engine.shapes, engine.skolem_map, engine.text = whole.shapes, whole.skolem_map, text
        engine._compiled = shacl.Shapes.from_text(text, format="ntriples")
        engine._paths = whole._paths
        return engine

    def original(self, shape):
        return self.skolem_map.get(shape, shape)

    def run(self, data: Graph | str):
        """The engine's own report object for ``data`` (an rdflib Graph or N-Triples text)."""
        text = data if isinstance(data, str) else to_ntriples(data)
        return self._compiled.validate_text(text, format="ntriples", allow_warnings=False)

    def hits(self, data: Graph | str) -> list[Hit]:
        """Every validation result on ``data``."""
        out = []
        paths = self._paths
        for r in self.run(data).results:
            shape = term(r.source_shape)
            path = paths.get(shape, paths)
            if path is paths:
                path = paths[shape] = self.shapes.value(shape, SH.path) if shape is not None else None
            out.append(Hit(term(r.focus_node), self.original(shape), URIRef(r.severity_iri),
                           self.original(path) if path is not None else None,
                           URIRef(r.component_iri), term(r.value)))
        return out


ENGINE_FORMATS = {"turtle": "turtle", "nt": "ntriples", "xml": "rdfxml", "json-ld": "jsonld", "n3": "n3",
                  "trig": "trig", "nquads": "nquads"}


@dataclass(frozen=True)
class Source:
    """An RDF document as the engine reads it: its text, rdflib's name of its format, its base."""

    text: str
    format: str
    base: str

    @classmethod
    def of(cls, g: Graph) -> "Source":
        return cls(to_ntriples(g), "nt", "urn:cloudkader:data")


def report(shapes: Graph, data: Graph, shapes_source: Source | None = None,
           data_source: Source | None = None) -> Graph:
    """The W3C validation report of ``data`` against ``shapes``, as the engine writes it (shapes
    compiled as given: blank-node shapes stay blank nodes). The engine reads the documents
    themselves when given (``*_source``): a literal rdflib would rewrite (an ill-typed
    ``"none"^^xsd:boolean``) then reaches it as written. Raises ``Refused``."""
    reason = refusal(shapes)
    if reason:
        raise Refused(reason)
    import shacl

    ss, ds = shapes_source or Source.of(shapes), data_source or Source.of(data)
    compiled = shacl.Shapes.from_text(ss.text, format=ENGINE_FORMATS[ss.format], base=ss.base)
    rep = compiled.validate_text(ds.text, format=ENGINE_FORMATS[ds.format], base=ds.base, allow_warnings=False)
    g = Graph()
    g.parse(data=rep.serialize("ntriples"), format="nt")
    root = next(g.subjects(RDF.type, SH.ValidationReport))
    # SHACL 3.6.1.1: conforms is false exactly when there is a result (whatever its severity)
    g.set((root, SH.conforms, Literal((root, SH.result, None) not in g)))
    return g

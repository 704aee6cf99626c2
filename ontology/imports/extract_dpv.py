"""Write ``dpv-owl-2.2-terms.ttl``: the DPV 2.2 OWL terms cloudkader's ontology uses, with
their ancestors, taken verbatim from the published OWL serialisation (w3c/dpv, folder 2.2).

    python ontology/imports/extract_dpv.py DPV_REPO_CHECKOUT COMMIT > ontology/imports/dpv-owl-2.2-terms.ttl

For each term used in ``ontology/cloudkader.ttl`` from ``https://w3id.org/dpv/owl#`` or
``https://w3id.org/dpv/legal/eu/gdpr/owl#`` — and the OWL counterpart of each DPV concept
(``https://w3id.org/dpv#``, ``https://w3id.org/dpv/legal/eu/gdpr#``) the ontology or the data
use —, and for every class it reaches by rdfs:subClassOf,
owl:equivalentClass or rdf:type, the extract keeps that term's rdf:type, rdfs:subClassOf,
rdfs:isDefinedBy, skos:prefLabel and skos:definition triples (named objects only), and the two
ontologies' headers (type, version IRI, version info). Nothing is added or changed."""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

SOURCES = ("2.2/dpv/dpv-owl.ttl", "2.2/legal/eu/gdpr/eu-gdpr-owl.ttl")
NAMESPACES = ("https://w3id.org/dpv/owl#", "https://w3id.org/dpv/legal/eu/gdpr/owl#")
CONCEPTS = {"https://w3id.org/dpv#": NAMESPACES[0], "https://w3id.org/dpv/legal/eu/gdpr#": NAMESPACES[1]}
ROOT = Path(__file__).resolve().parent.parent.parent
KEPT = (RDF.type, RDFS.subClassOf, RDFS.isDefinedBy, SKOS.prefLabel, SKOS.definition)
HEADER = (RDF.type, OWL.versionIRI, OWL.versionInfo)
UP = (RDFS.subClassOf, OWL.equivalentClass, RDF.type)


def extract(dpv: Graph, used: set[URIRef]) -> Graph:
    out = Graph()
    for prefix, ns in (("dpv-owl", NAMESPACES[0]), ("eu-gdpr-owl", NAMESPACES[1]), ("skos", str(SKOS))):
        out.bind(prefix, ns)
    for onto in dpv.subjects(RDF.type, OWL.Ontology):
        for p in HEADER:
            for o in dpv.objects(onto, p):
                out.add((onto, p, o))
    seen, todo = set(), list(used)
    while todo:
        term = todo.pop()
        if term in seen:
            continue
        seen.add(term)
        for p in KEPT:
            for o in dpv.objects(term, p):
                if isinstance(o, (URIRef, Literal)):
                    out.add((term, p, o))
        for p in UP:
            todo.extend(o for o in dpv.objects(term, p) if isinstance(o, URIRef) and str(o).startswith(NAMESPACES))
    return out


def owl_terms(g: Graph) -> set[URIRef]:
    """The DPV OWL terms ``g`` uses, directly or through the DPV concept of the same name."""
    out = set()
    for t in (t for triple in g for t in triple if isinstance(t, URIRef)):
        if str(t).startswith(NAMESPACES):
            out.add(t)
        for concept_ns, owl_ns in CONCEPTS.items():
            if str(t).startswith(concept_ns) and "/" not in str(t)[len(concept_ns):]:
                out.add(URIRef(owl_ns + str(t)[len(concept_ns):]))
    return out


def main(argv: list[str]) -> int:
    checkout = Path(argv[0])
    dpv = Graph()
    for rel in SOURCES:
        dpv.parse(checkout / rel, format="turtle")
    used = set()
    for f in [ROOT / "ontology" / "cloudkader.ttl", *sorted((ROOT / "data").rglob("*.ttl"))]:
        used |= owl_terms(Graph().parse(f, format="turtle"))
    missing = sorted(str(t) for t in used if (t, None, None) not in dpv)
    if missing:
        print("not in DPV 2.2:", *missing, file=sys.stderr)
        return 1
    commit = argv[1] if len(argv) > 1 else "unknown"
    sys.stdout.write(f"# Extract of the Data Privacy Vocabulary (DPV) 2.2, OWL serialisation: {', '.join(SOURCES)}\n"
                     f"# of https://github.com/w3c/dpv at commit {commit}, made by ontology/imports/extract_dpv.py.\n"
                     "# W3C Software and Document License (https://www.w3.org/copyright/software-license-2023/),\n"
                     "# see ontology/imports/README.md. Triples copied unchanged; only a subset is kept.\n\n")
    sys.stdout.write(extract(dpv, used).serialize(format="turtle"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

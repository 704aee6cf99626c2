"""Vocabularies used as published: the ontology with SKOS and the DPV OWL terms it uses (the
published files vendored in ontology/imports/) has no illegal punning and, together with the
whole corpus, is consistent under HermiT; the terms it reuses exist in those vocabularies; the
version IRI dereferences."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from cloudkader.knowledge import corpus
from cloudkader.terms import paths
from cloudkader.terms.namespaces import CKD, DPV, ELI, GRAPH, ONTOLOGY_IRI
from cloudkader.knowledge.reasoning import NON_OWL2_DATATYPES, classify, illegal_punnings, reasoning_copy

IMPORTS = paths.ONTOLOGY_DIR / "imports"
DPV_OWL = "https://w3id.org/dpv/owl#"
GDPR = "https://w3id.org/dpv/legal/eu/gdpr#"
GDPR_OWL = "https://w3id.org/dpv/legal/eu/gdpr/owl#"


def published() -> Graph:
    g = Graph()
    g.parse(IMPORTS / "skos.nt", format="nt")
    g.parse(IMPORTS / "dpv-owl-2.2-terms.ttl", format="turtle")
    return g


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(paths.ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def sources():
    return corpus.parse_sources()


def test_the_vendored_vocabularies_are_the_published_ones():
    skos = Graph().parse(IMPORTS / "skos.nt", format="nt")
    assert len(skos) == 252
    assert (URIRef("http://www.w3.org/2004/02/skos/core"), RDF.type, OWL.Ontology) in skos
    dpv = Graph().parse(IMPORTS / "dpv-owl-2.2-terms.ttl", format="turtle")
    assert (URIRef(DPV_OWL), OWL.versionIRI, URIRef("https://w3id.org/dpv/2.2/owl#")) in dpv
    assert (URIRef(GDPR_OWL), OWL.versionIRI, URIRef("https://w3id.org/dpv/2.2/legal/eu/gdpr/owl#")) in dpv


def test_no_illegal_punning_with_skos_and_dpv(onto):
    assert illegal_punnings(onto + published()) == {}


def test_the_punning_check_finds_skos_properties_declared_as_annotations():
    """What the ontology did before: SKOS relations as annotation properties."""
    wrong = Graph()
    wrong.add((SKOS.broader, RDF.type, OWL.AnnotationProperty))
    wrong.add((SKOS.notation, RDF.type, OWL.AnnotationProperty))
    assert set(illegal_punnings(wrong + published())) == {str(SKOS.broader), str(SKOS.notation)}


def test_external_terms_exist_as_published(onto, sources):
    """Every DPV term the ontology or the data use is in DPV 2.2 (OWL or concept namespace via
    its OWL counterpart), every SKOS term in SKOS; no dpv:Processor or dpv:StandardContractualClauses."""
    dpv = published()
    used = {t for g in (onto, sources) for triple in g for t in triple if isinstance(t, URIRef)}
    for t in used:
        iri = str(t)
        if iri.startswith((DPV_OWL, GDPR_OWL)):
            assert (t, RDF.type, OWL.Class) in dpv, iri
        elif iri.startswith(str(DPV)) and "/" not in iri[len(str(DPV)):]:
            assert (URIRef(DPV_OWL + iri[len(str(DPV)):]), RDF.type, OWL.Class) in dpv, iri
        elif iri.startswith(GDPR):
            assert (URIRef(GDPR_OWL + iri[len(GDPR):]), RDF.type, OWL.Class) in dpv, iri
        elif iri.startswith(str(SKOS)):
            assert (t, None, None) in dpv, iri
    assert (CKD.StandardContractualClauses, SKOS.exactMatch, URIRef(GDPR + "StandardContractualClauses")) in onto
    assert (CKD.StandardContractualClauses, OWL.equivalentClass, URIRef(GDPR_OWL + "StandardContractualClauses")) in onto
    assert (URIRef("https://w3id.org/cloudkader/id/role/verwerker"), SKOS.exactMatch, DPV.DataProcessor) in sources
    # class axioms never on the SKOS concepts of DPV's default namespace
    for p in (RDFS.subClassOf, OWL.equivalentClass):
        assert not [o for o in onto.objects(None, p) if str(o).startswith(str(DPV))], p


def test_policy_texts_are_eli_works(onto):
    assert (CKD.Framework, RDFS.subClassOf, ELI.Work) in onto
    assert (CKD.Provision, RDFS.subClassOf, ELI.WorkSubdivision) in onto
    assert not list(onto.triples((None, None, ELI.LegalResource)))
    assert (ELI.has_part, RDF.type, OWL.ObjectProperty) in onto


def test_the_reasoning_copy_drops_only_what_owl2_cannot_type():
    g = Graph()
    s = URIRef("https://example.org/s")
    g.add((s, CKD.since, Literal("2022-08-29", datatype=XSD.date)))
    g.add((s, CKD.key, Literal("x")))
    g.add((CKD.since, RDFS.range, XSD.date))
    copy = reasoning_copy(g)
    assert set(copy) == {(s, CKD.key, Literal("x")), (CKD.since, RDFS.range, RDFS.Literal)}
    assert XSD.dateTime not in NON_OWL2_DATATYPES


def test_the_whole_corpus_with_skos_and_dpv_is_consistent_under_hermit(sources):
    """Every graph but the shapes (SHACL, not OWL), with the published vocabularies, in one HermiT
    run: consistent, and no class unsatisfiable."""
    g = published()
    for graph in sources.graphs():
        if graph.identifier != GRAPH.shapes:
            g += graph
    copy = reasoning_copy(g)
    assert len(copy) > 8000
    result = classify(copy)
    assert result.consistent
    assert result.unsatisfiable == []
    assert str(ELI.Work) in result.superclasses[str(CKD.Framework)]
    assert DPV_OWL + "TechnicalOrganisationalMeasure" in result.superclasses[str(CKD.DPIA)]


def test_the_version_iri_dereferences(client, onto):
    version = onto.value(URIRef(ONTOLOGY_IRI), OWL.versionIRI)
    assert str(version).startswith(ONTOLOGY_IRI + "/")
    path = str(version)[len("https://w3id.org/cloudkader"):]
    r = client.get(path, headers={"Accept": "text/turtle"})
    assert r.status_code == 200, r.status_code
    assert (URIRef(ONTOLOGY_IRI), OWL.versionIRI, version) in Graph().parse(data=r.get_data(as_text=True), format="turtle")
    assert client.get(path, headers={"Accept": "text/html"}).status_code == 200
    assert client.get("/def/9.9.9", headers={"Accept": "text/turtle"}).status_code == 404

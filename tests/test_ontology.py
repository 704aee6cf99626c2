"""The ontology: OWL 2 DL, consistent and without unsatisfiable classes under HermiT, every term
labelled and defined in Dutch and English, aligned to ELI/DPV/SKOS/DCTERMS/PROV."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from cloudkader.terms import paths
from cloudkader.terms.namespaces import CKD, DPV, DPV_OWL, ELI
from cloudkader.knowledge.reasoning import classify

DESIGN_MEASURES = """PreScanDPIA DPIA RiskAssessment ExitStrategy ProcessorAgreement TransferImpactAssessment
StandardContractualClauses EncryptionInTransit RightToAudit DataBreachNotification CioRijkAdvice
ComplyOrExplain IntelligenceServiceAdvice JurisdictionAgreement DataProCode""".split()
DESIGN_EXIT_PARTS = "DataPortability ServicePortability DataDestruction AlternativeLanding CrisisExit RegularExit".split()
DESIGN_PRODUCTS = "ExchangeOnline ExchangeHybrid SharePointOnline OneDriveOnline TeamsVideoConferencing TeamsCollaboration M365DesktopApps".split()
DESIGN_CATEGORIES = "PersonalData SpecialCategoryPersonalData StateSecret DepartementaalVertrouwelijk BaseRegistry NonPersonalData".split()


@pytest.fixture(scope="module")
def onto() -> Graph:
    return Graph().parse(paths.ONTOLOGY_FILE)


@pytest.fixture(scope="module")
def hermit(onto):
    return classify(onto)


def test_consistent_without_unsatisfiable_classes(hermit):
    assert hermit.consistent
    assert hermit.unsatisfiable == []


def test_hermit_detects_an_inconsistency(onto):
    """The check above can fail: the same reasoner rejects a contradiction."""
    g = Graph() + onto
    x = URIRef("https://example.org/x")
    g.add((x, RDF.type, CKD.PersonalData))
    g.add((x, RDF.type, CKD.NonPersonalData))
    assert not classify(g).consistent


def test_hermit_detects_an_unsatisfiable_class(onto):
    g = Graph() + onto
    c = URIRef("https://example.org/Impossible")
    g.add((c, RDF.type, OWL.Class))
    g.add((c, RDFS.subClassOf, CKD.RijksdienstOrganisation))
    g.add((c, RDFS.subClassOf, CKD.Gemeente))
    assert str(c) in classify(g).unsatisfiable


def test_data_category_hierarchy(hermit):
    assert str(CKD.PersonalData) in hermit.superclasses[str(CKD.SpecialCategoryPersonalData)]
    assert str(DPV_OWL.SpecialCategoryPersonalData) in hermit.superclasses[str(CKD.SpecialCategoryPersonalData)]
    assert str(CKD.ClassifiedInformation) in hermit.superclasses[str(CKD.StateSecret)]


def test_metadata(onto):
    o = URIRef("https://w3id.org/cloudkader/def")
    assert (o, RDF.type, OWL.Ontology) in onto
    assert onto.value(o, OWL.versionIRI) == URIRef("https://w3id.org/cloudkader/def/0.1.0")
    assert onto.value(o, OWL.versionInfo) == Literal("0.1.0")
    titles = {t.language for t in onto.objects(o, URIRef("http://purl.org/dc/terms/title"))}
    assert titles == {"nl", "en"}
    assert onto.value(o, URIRef("http://purl.org/dc/terms/license")) is not None
    assert onto.value(o, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")) == Literal("ckd")


def _ckd_terms(onto):
    return sorted({s for s in onto.subjects() if isinstance(s, URIRef) and str(s).startswith(str(CKD))})


def test_every_term_labelled_and_defined_in_nl_and_en(onto):
    missing = []
    for t in _ckd_terms(onto):
        labels = {lab.language for lab in onto.objects(t, RDFS.label)}
        defs = {d.language for d in onto.objects(t, SKOS.definition)}
        if not {"nl", "en"} <= labels or not {"nl", "en"} <= defs:
            missing.append(str(t))
    assert missing == []


def test_design_terms_exist(onto):
    for m in DESIGN_MEASURES:
        assert (CKD[m], RDFS.subClassOf, None) in onto, m
    for p in DESIGN_EXIT_PARTS:
        assert (CKD[p], RDF.type, CKD.ExitStrategyPart) in onto, p
    for p in DESIGN_PRODUCTS:
        assert (CKD[p], RDF.type, CKD.Product) in onto or (CKD[p], RDF.type, CKD.PublicCloudProduct) in onto, p
    for c in DESIGN_CATEGORIES:
        assert (CKD[c], RDF.type, CKD.DataCategory) in onto, c
    for m in ("PublicCloud", "PrivateCloud", "HybridCloud", "CommunityCloud", "OnPremises"):
        assert (CKD[m], RDF.type, CKD.DeploymentModel) in onto
    for m in ("SaaS", "PaaS", "IaaS"):
        assert (CKD[m], RDF.type, CKD.ServiceModel) in onto


def test_measures_are_measures(hermit):
    for m in DESIGN_MEASURES:
        assert str(CKD.Measure) in hermit.superclasses[str(CKD[m])], m


def test_alignment_axioms(onto):
    assert (CKD.Framework, RDFS.subClassOf, ELI.Work) in onto
    assert (CKD.Provision, RDFS.subClassOf, ELI.WorkSubdivision) in onto
    assert (CKD.framework, RDFS.subPropertyOf, ELI.is_part_of) in onto
    # class axioms on DPV's OWL serialisation, SKOS mappings to its concepts (tests/test_vocabularies.py)
    assert (CKD.PersonalData, OWL.equivalentClass, DPV_OWL.PersonalData) in onto
    assert (CKD.PersonalData, SKOS.exactMatch, DPV.PersonalData) in onto
    assert (CKD.SpecialCategoryPersonalData, OWL.equivalentClass, DPV_OWL.SpecialCategoryPersonalData) in onto
    assert (CKD.DPIA, OWL.equivalentClass, DPV_OWL.DPIA) in onto
    assert (CKD.TransferImpactAssessment, RDFS.subClassOf, DPV_OWL.DataTransferImpactAssessment) in onto
    assert (CKD.ProcessorAgreement, RDFS.subClassOf, DPV_OWL.DataProcessingAgreement) in onto
    assert (CKD.Theme, RDFS.subClassOf, SKOS.Concept) in onto
    # no vocabulary imported whole
    assert not list(onto.objects(None, OWL.imports))


_TERM = re.compile(r"\bckd:([A-Za-z][A-Za-z0-9_]*)")


def test_every_ckd_term_used_is_declared(onto):
    """Data, shapes, examples and queries use only declared vocabulary."""
    declared = {str(t)[len(str(CKD)):] for t in _ckd_terms(onto)}
    files = [*paths.DATA_DIR.rglob("*.ttl"), *paths.SHAPES_DIR.rglob("*.ttl"),
             *paths.EXAMPLES_DIR.rglob("*.ttl"), *paths.QUERIES_DIR.glob("*.rq")]
    unknown = {}
    for f in files:
        g = Graph()
        if f.suffix == ".ttl":
            g.parse(f)
            used = {str(n)[len(str(CKD)):] for t in g for n in t if isinstance(n, URIRef) and str(n).startswith(str(CKD))}
        else:
            used = set(_TERM.findall(f.read_text(encoding="utf-8")))
        for u in used - declared:
            unknown.setdefault(u, []).append(f.name)
    assert unknown == {}

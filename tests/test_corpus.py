"""The corpus: every provision of DESIGN.md §2 with its verbatim text, framework, kind and source;
the frameworks with scope and status; the Rijk table as structured data; cited documents with
their supersessions; organisations; and the compiled artefact that is rebuilt when a source
changes."""

from __future__ import annotations

import datetime
import shutil

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from cloudkader.knowledge import corpus
from cloudkader.terms import paths
from cloudkader.terms.namespaces import CKD, GRAPH, ID, ORG
from cloudkader.knowledge.sources import is_verbatim, normalise

DESIGN_PROVISIONS = {
    "rijk": [f"voorwaarde-{n}" for n in range(1, 12)] + ["voorwaarde-9a", "voorwaarde-9b", "voorwaarde-9c",
        "uitzondering-staatsgeheim", "uitzondering-defensie", "tabel-staatsgeheim", "tabel-persoonsgegevens",
        "tabel-bijzondere-persoonsgegevens", "tabel-basisregistratie"],
    "tk": [f"uitgangspunt-{n}" for n in range(1, 5)] + [f"element-{n}" for n in range(1, 22)],
    "gemeenten": [f"beleid-{n}" for n in range(1, 14)],
    "jenv": ["beleidslijn-csp", "beleidslijn-ms365", "beleidslijn-teams", "beleidslijn-exchange",
             "beleidslijn-onedrive-sharepoint", "artikel-4", "artikel-7"] + [f"artikel-7-{n}" for n in range(1, 5)],
    # every Implementatiekader article the Kamerbrief 2024 and the JenV line cite
    "irc": ["artikel-1", "artikel-1c", "artikel-2a", "artikel-4", "artikel-6", "artikel-7", "artikel-8",
            "artikel-10", "artikel-11", "artikel-12", "artikel-14"],
}
TK_WITHOUT_TEXT = {f"element-{n}" for n in range(5, 11)}
MINIMUM = {"rijk": 20, "tk": 25, "gemeenten": 45, "jenv": 11, "irc": 11}


@pytest.fixture(scope="module")
def ds():
    return corpus.load().dataset


def provisions_of(ds, key):
    return set(ds.subjects(CKD.framework, ID[key]))


@pytest.mark.parametrize("key", sorted(DESIGN_PROVISIONS))
def test_design_provisions_exist(ds, key):
    for local in DESIGN_PROVISIONS[key]:
        p = URIRef(f"{ID}{key}/{local}")
        assert (p, CKD.framework, ID[key]) in ds, p
        kinds = set(ds.objects(p, RDF.type))
        assert any((k, RDFS.subClassOf, CKD.Provision) in ds for k in kinds), f"{p} has no provision kind"
        texts = list(ds.objects(p, CKD.text))
        if key == "tk" and local in TK_WITHOUT_TEXT:
            assert texts == [], p
            assert ds.value(p, CKD.withoutText) == Literal(True), p
        else:
            assert texts, f"{p} has no text"


@pytest.mark.parametrize("key", sorted(MINIMUM))
def test_provision_counts(ds, key):
    assert len(provisions_of(ds, key)) >= MINIMUM[key]


def test_gemeenten_contract_points_risks_and_aandachtspunten(ds):
    locals_ = {str(p).rsplit("/", 1)[1] for p in provisions_of(ds, "gemeenten")}
    assert len([x for x in locals_ if x.startswith("contract-")]) == 24  # one per bullet in "Contracten en de Cloud"
    assert len([x for x in locals_ if x.startswith("risico-")]) >= 9
    assert {"aandachtspunt-gegevens-buitenland", "aandachtspunt-bijzondere-persoonsgegevens",
            "aandachtspunt-privacy-shield"} <= locals_


def all_provisions(ds):
    return sorted(set(ds.subjects(CKD.framework, None)))


def test_every_text_is_verbatim_in_its_source(ds):
    if not paths.seeds_dir().is_dir():
        pytest.skip("seed texts not available (this test fails under CI=true, see conftest)")
    bad = []
    for p in all_provisions(ds):
        source = ds.value(p, CKD.textFrom) or ds.value(p, DCTERMS.source)
        filename = ds.value(source, CKD.sourceFile)
        for text in ds.objects(p, CKD.text):
            assert text.language == "nl", p
            omitted = [str(o) for o in ds.objects(p, CKD.omittedFromSource)]
            if filename is None or not is_verbatim(str(text), str(filename), omitted):
                bad.append(str(p))
            assert str(text) == normalise(str(text)), f"{p}: text not whitespace-normalised"
    assert bad == []


def test_footer_urls_are_left_out_only_where_the_text_stays_verbatim(ds):
    """Issue 13: the page footer's link footnotes inside gem:aandachtspunt-informatiebeveiliging's
    sentence are out of its text; the text stays verbatim (the footer, declared, taken out of the
    source once); an omission that is not URLs only, or not in the source, is refused."""
    from cloudkader.knowledge.sources import omission_problem

    if not paths.seeds_dir().is_dir():
        pytest.skip("seed texts not available")
    p = URIRef(str(ID) + "gemeenten/aandachtspunt-informatiebeveiliging")
    [text] = [str(t) for t in ds.objects(p, CKD.text)]
    [omitted] = [str(o) for o in ds.objects(p, CKD.omittedFromSource)]
    source = str(ds.value(ds.value(p, DCTERMS.source), CKD.sourceFile))
    assert "http" not in text and "waarbij de verantwoordelijkheid voor het uitvoeren van maatregelen" in text
    assert omission_problem(omitted, source) is None and omitted.count("http://") == 3
    assert is_verbatim(text, source, [omitted]) and not is_verbatim(text, source)
    # no words may go: an omission of words, or of a URL the source does not have, is refused
    assert omission_problem("de verantwoordelijkheid", source) and not is_verbatim(text, source, ["de"])
    assert omission_problem("http://example.org/nergens", source)
    # every declared omission in the corpus is a footer artefact of its own source
    for q, o in ds.subject_objects(CKD.omittedFromSource):
        src = ds.value(q, CKD.textFrom) or ds.value(q, DCTERMS.source)
        assert omission_problem(str(o), str(ds.value(src, CKD.sourceFile))) is None, q


def test_part_of_chains_are_at_most_two_steps(ds):
    """queries/stale-citations.rq writes dcterms:isPartOf out to two steps (portable to Virtuoso,
    rather than isPartOf*): a deeper chain in the corpus must change that query first."""
    parts = {(a, b) for a, b in ds.subject_objects(DCTERMS.isPartOf)}
    parent = {}
    for a, b in parts:
        parent.setdefault(a, set()).add(b)
    three = [(a, b, c, d) for a in parent for b in parent[a] for c in parent.get(b, ()) for d in parent.get(c, ())]
    assert parts and three == []


def test_every_provision_is_complete(ds):
    problems = []
    for p in all_provisions(ds):
        labels = {lab.language for lab in ds.objects(p, RDFS.label)}
        if not {"nl", "en"} <= labels:
            problems.append(f"{p}: labels {labels}")
        if len(set(ds.objects(p, CKD.modality))) != 1:
            problems.append(f"{p}: modality")
        if not list(ds.objects(p, CKD.theme)):
            problems.append(f"{p}: no theme")
        if ds.value(p, DCTERMS.source) is None:
            problems.append(f"{p}: no source")
        if ds.value(p, CKD.withoutText) is None and ds.value(p, CKD.sectionHeading) is None and "/irc/" not in str(p):
            problems.append(f"{p}: no section heading")
    assert problems == []


def test_frameworks_have_scope_and_status(ds):
    for key in DESIGN_PROVISIONS:
        fw = ID[key]
        assert (fw, RDF.type, CKD.Framework) in ds
        assert {t.language for t in ds.objects(fw, DCTERMS.title)} >= {"nl", "en"}
        assert ds.value(fw, DCTERMS.publisher) is not None, key
        assert ds.value(fw, DCTERMS.source) is not None or ds.value(fw, CKD.knownFrom) is not None, key
        scope = set(ds.objects(fw, CKD.bindsClass)) | set(ds.objects(fw, CKD.bindsOrganisation))
        assert scope, f"{key} binds nobody"
        assert list(ds.objects(fw, CKD.statusAssertion)), f"{key} has no status"
    assert ORG["def"] in set(ds.objects(ID.rijk, CKD.excludesOrganisation))
    assert CKD.GovernmentBody in set(ds.objects(ID.rijk, CKD.advisesClass))
    statuses = lambda fw: {ds.value(a, CKD.status) for a in ds.objects(fw, CKD.statusAssertion)}  # noqa: E731
    assert {CKD.InForce, CKD.UnderRevision} <= statuses(ID.rijk)
    assert CKD.Temporary in statuses(ID.jenv)
    assert ds.value(ID.rijk, CKD.supersedes) is not None


def test_rijk_table_is_structured(ds):
    rows = {
        "tabel-staatsgeheim": (CKD.StateSecret, CKD.NoAdvice, CKD.No),
        "tabel-persoonsgegevens": (CKD.PersonalData, CKD.AdviceIfNeeded, CKD.YesIf),
        "tabel-bijzondere-persoonsgegevens": (CKD.SpecialCategoryPersonalData, CKD.AdviceIfNeeded, CKD.NoUnless),
        "tabel-basisregistratie": (CKD.BaseRegistry, CKD.AdviceBeforehand, CKD.NoUnless),
    }
    for local, (cat, advice, allowed) in rows.items():
        row = URIRef(f"{ID}rijk/{local}")
        assert (row, RDF.type, CKD.DataCategoryRule) in ds
        assert ds.value(row, CKD.dataCategory) == cat, local
        assert ds.value(row, CKD.cioRijkAdvice) == advice, local
        assert ds.value(row, CKD.publicCloudAllowed) == allowed, local
        assert list(ds.objects(row, CKD.supervisedBy)), local
    cond = set(ds.objects(URIRef(f"{ID}rijk/tabel-persoonsgegevens"), CKD.conditionProvision))
    assert {URIRef(f"{ID}rijk/voorwaarde-9{x}") for x in "abc"} <= cond


@pytest.mark.parametrize("doc,date", [("wbp", "2018-05-25"), ("eu-us-privacy-shield", "2020-07-16"),
                                      ("big", "2019-01-01"), ("bir", "2019-01-01")])
def test_supersessions_are_dated_and_sourced(ds, doc, date):
    day = Literal(datetime.date.fromisoformat(date))
    matches = [s for s in ds.subjects(CKD.superseded, URIRef(f"{ID}doc/{doc}")) if ds.value(s, CKD.date) == day]
    assert matches, f"no supersession of {doc} dated {date}"
    assert all(ds.value(s, DCTERMS.source) is not None for s in matches), doc


def test_citation_conflict_on_exit_strategy_article(ds):
    conflicts = list(ds.subjects(RDF.type, CKD.CitationConflict))
    assert conflicts
    cited = {ds.value(c, CKD.citedProvision) for conflict in conflicts for c in ds.objects(conflict, CKD.involves)}
    assert URIRef(f"{ID}irc/artikel-7") in cited


def test_organisations(ds):
    for code in "az bz bzk def ez fin ienw jenv aenm kgg lvvn ocw szw vws".split():
        assert (ORG[code], RDF.type, CKD.Ministry) in ds, code
    assert (ORG.tk, RDF.type, CKD.TweedeKamer) in ds
    for code in "ssc-ict dictu duo jio logius slm-rijk odc-noord".split():
        assert (ORG[code], RDF.type, CKD.Organisation) in ds, code  # inferred from the subclasses


def test_themes_are_a_skos_scheme(ds):
    for slug in ("exit-strategy risk-analysis data-location special-category-data state-secrets base-registries "
                 "encryption audit data-breach ownership processor-agreement jurisdiction national-security "
                 "transparency continuity vendor-lock-in").split():
        t = URIRef(f"{ID}theme/{slug}")
        assert (t, RDF.type, SKOS.Concept) in ds, slug
        assert {lab.language for lab in ds.objects(t, SKOS.prefLabel)} >= {"nl", "en"}, slug


def test_named_graphs_per_framework_and_register(ds):
    names = {str(g.identifier) for g in ds.graphs() if len(g)}
    for key in DESIGN_PROVISIONS:
        assert str(GRAPH[key]) in names
    assert {str(GRAPH.register), str(GRAPH.ontology), str(GRAPH.reference), str(GRAPH.inferred)} <= names


def test_compiled_corpus_rebuilds_when_a_source_changes(tmp_path, monkeypatch):
    """Build into a temporary folder from a copy of the knowledge; change one file; the next
    load sees the change (stamp mismatch) and rebuilds."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(paths.ROOT / folder, tmp_path / folder)
    monkeypatch.setattr(paths, "ONTOLOGY_FILE", tmp_path / "ontology" / "cloudkader.ttl")
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(paths, "SHAPES_DIR", tmp_path / "shapes")
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    build = tmp_path / "build"
    corpus.build(build)
    assert not corpus.is_stale(build)
    extra = tmp_path / "data" / "register" / "extra.ttl"
    extra.write_text("<https://example.org/s> <https://example.org/p> \"changed\" .\n", encoding="utf-8")
    assert corpus.is_stale(build)
    ds = corpus.load(build).dataset
    assert (URIRef("https://example.org/s"), URIRef("https://example.org/p"), Literal("changed")) in ds
    assert not corpus.is_stale(build)

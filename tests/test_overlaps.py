"""Overlaps and conflicts between frameworks: every provision with text is compared (an overlap
or a no-counterpart statement), every overlap is typed, themed and argued with the words of both
texts, relations are consistent and mirrored in SKOS, the expected overlaps and conflicts are
there, the hub view and the matrix answer, `cloudkader overlaps` keeps the DESIGN.md §4 contract,
the OSCAL export has the shape of the OSCAL 1.2 mapping model, and the named queries answer."""

from __future__ import annotations

import json
import re
from collections import defaultdict

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

from cloudkader.knowledge import corpus, oscal, queries
from cloudkader.terms import paths
from cloudkader.knowledge import overlaps as ov
from cloudkader.terms.namespaces import CKD, ID, THEME
from cloudkader.knowledge.sources import normalise

RELATION_INDIVIDUALS = {CKD.Equivalent: "equivalent", CKD.SubsetOf: "subset-of", CKD.SupersetOf: "superset-of",
                        CKD.IntersectsWith: "intersects-with", CKD.Contrary: "contrary"}
SKOS_PROPS = {SKOS.exactMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch, SKOS.closeMatch}
OVERLAP_NS = f"{ID}overlap/"
PFX = {"rijk": "rijk", "tk": "tk", "gem": "gemeenten", "jenv": "jenv", "irc": "irc"}


def P(curie: str) -> URIRef:
    prefix, local = curie.split(":", 1)
    return URIRef(f"{ID}{PFX[prefix]}/{local}")


@pytest.fixture(scope="module")
def ds():
    return corpus.load().dataset


@pytest.fixture(scope="module")
def overlap_nodes(ds):
    return sorted(set(ds.subjects(RDF.type, CKD.Overlap)))


@pytest.fixture(scope="module")
def stated(ds, overlap_nodes):
    """(source, target, relation name, theme, overlap) per overlap."""
    out = []
    for o in overlap_nodes:
        out.append((ds.value(o, CKD.source), ds.value(o, CKD.target),
                    RELATION_INDIVIDUALS.get(ds.value(o, CKD.relation)), ds.value(o, CKD.theme), o))
    return out


def framework_of(ds, p):
    return ds.value(p, CKD.framework)


def texts_of(ds, p) -> str:
    return " ".join(normalise(str(t)) for t in ds.objects(p, CKD.text))


def provisions_with_text(ds):
    return sorted({p for p in ds.subjects(CKD.framework, None) if (p, CKD.text, None) in ds})


def relation_between(stated, a, b):
    """The relation of a to b (turned around if stated b → a), or None."""
    for s, t, rel, _, _ in stated:
        if (s, t) == (a, b):
            return rel
        if (s, t) == (b, a):
            return ov.INVERSE[rel]
    return None


def seeds_text() -> str:
    return " ".join(normalise(p.read_text(encoding="utf-8")) for p in sorted(paths.seeds_dir().glob("*.txt")))


# ---------------------------------------------------------------------------------------------
# themes and coverage


def test_every_provision_has_a_theme(ds):
    missing = [str(p) for p in ds.subjects(CKD.framework, None) if (p, CKD.theme, None) not in ds]
    assert missing == [], f"provisions without ckd:theme: {missing}"


def test_coverage_is_complete(ds, store):
    """Every provision with text is in at least one overlap or has a ckd:NoCounterpart node."""
    in_overlap = {x for o in ds.subjects(RDF.type, CKD.Overlap) for x in (ds.value(o, CKD.source), ds.value(o, CKD.target))}
    gaps = {ds.value(n, CKD.provision) for n in ds.subjects(RDF.type, CKD.NoCounterpart)}
    uncovered = [str(p) for p in provisions_with_text(ds) if p not in in_overlap and p not in gaps]
    assert uncovered == []
    assert ov.uncovered(store) == []
    assert len(provisions_with_text(ds)) >= 150


def test_provisions_without_text_are_not_compared(ds):
    for n in range(5, 11):
        p = P(f"tk:element-{n}")
        assert (p, CKD.withoutText, Literal(True)) in ds
        assert (None, CKD.source, p) not in ds and (None, CKD.target, p) not in ds


def test_no_counterpart_statements(ds, stated):
    seeds = seeds_text()
    partners = defaultdict(set)
    for s, t, _, _, _ in stated:
        partners[s].add(framework_of(ds, t))
        partners[t].add(framework_of(ds, s))
    nodes = list(ds.subjects(RDF.type, CKD.NoCounterpart))
    assert len(nodes) >= 20
    for n in nodes:
        p = ds.value(n, CKD.provision)
        assert p is not None and (p, CKD.text, None) in ds, n
        langs = {r.language for r in ds.objects(n, CKD.rationale)}
        assert {"nl", "en"} <= langs, p
        nl = next(str(r) for r in ds.objects(n, CKD.rationale) if r.language == "nl")
        quotes = [normalise(q) for q in re.findall(r"„(.*?)”", nl)]
        assert any(q in texts_of(ds, p) for q in quotes), f"{p}: the rationale quotes none of its own words"
        assert all(q in texts_of(ds, p) or q in seeds for q in quotes), p
        wrt = set(ds.objects(n, CKD.withRespectTo))
        assert framework_of(ds, p) not in wrt, p
        assert not (wrt & partners[p]), f"{p}: no counterpart w.r.t. a framework it overlaps with"
        assert all((w, RDF.type, CKD.Framework) in ds for w in wrt), p


# ---------------------------------------------------------------------------------------------
# the overlaps themselves


def test_every_overlap_is_typed_themed_and_argued(ds, stated):
    assert len(stated) >= 80
    for s, t, rel, theme, o in stated:
        assert len(set(ds.objects(o, CKD.source))) == 1 and len(set(ds.objects(o, CKD.target))) == 1, o
        assert len(set(ds.objects(o, CKD.relation))) == 1, o
        assert rel in ov.RELATIONS, o
        assert (theme, RDF.type, CKD.Theme) in ds, o
        assert (s, CKD.text, None) in ds and (t, CKD.text, None) in ds, o
        assert framework_of(ds, s) != framework_of(ds, t), f"{o}: source and target in the same framework"
        langs = {r.language for r in ds.objects(o, CKD.rationale)}
        assert {"nl", "en"} <= langs, o
        related = set(ds.objects(s, CKD.theme)) | set(ds.objects(t, CKD.theme))
        broader = related | {b for x in related for b in ds.objects(x, SKOS.broaderTransitive)}
        assert theme in broader, f"{o}: theme {theme} is no theme of its provisions"


def test_overlap_iris_follow_the_pattern(ds, stated):
    for s, t, _, _, o in stated:
        skey, slocal = str(s)[len(str(ID)):].split("/", 1)
        tkey, tlocal = str(t)[len(str(ID)):].split("/", 1)
        assert str(o) == f"{OVERLAP_NS}{skey}-{slocal}--{tkey}-{tlocal}"


def test_rationales_quote_the_words_of_both_texts(ds, stated):
    seeds = seeds_text()
    for s, t, _, _, o in stated:
        nl = next(str(r) for r in ds.objects(o, CKD.rationale) if r.language == "nl")
        en = next(str(r) for r in ds.objects(o, CKD.rationale) if r.language == "en")
        quotes = [normalise(q) for q in re.findall(r"„(.*?)”", nl)]
        st, tt = texts_of(ds, s), texts_of(ds, t)
        assert any(q in st for q in quotes), f"{o}: no words quoted from the source text"
        assert any(q in tt for q in quotes), f"{o}: no words quoted from the target text"
        wrong = [q for q in quotes if q not in st and q not in tt and q not in seeds]
        assert wrong == [], f"{o}: quoted words not in the sources: {wrong}"
        assert re.search(r"“.+?”", en), f"{o}: the English rationale quotes nothing"


def test_relations_are_consistent(ds, stated):
    by_pair = defaultdict(list)
    for s, t, rel, _, o in stated:
        by_pair[frozenset((s, t))].append((s, t, rel))
    for pair, items in by_pair.items():
        rels_seen_from_first = set()
        a = sorted(pair)[0]
        for s, t, rel in items:
            rels_seen_from_first.add(rel if s == a else ov.INVERSE[rel])
        assert len(rels_seen_from_first) == 1, f"{sorted(pair)}: inconsistent relations {rels_seen_from_first}"
    # equivalent provisions relate to third provisions in the same way
    eq = [(s, t) for s, t, rel, _, _ in stated if rel == "equivalent"]
    provisions = {x for s, t, _, _, _ in stated for x in (s, t)}
    for a, b in eq:
        for c in provisions - {a, b}:
            ra, rb = relation_between(stated, a, c), relation_between(stated, b, c)
            if ra and rb:
                assert ra == rb, f"{a} ≡ {b} but they relate differently to {c}: {ra} / {rb}"


def test_skos_mapping_is_materialised(ds, stated):
    expected = set()
    for s, t, rel, _, _ in stated:
        fwd, back = ov.SKOS_MAPPING[rel]
        expected.add((s, SKOS[fwd], t))
        expected.add((t, SKOS[back], s))
    provisions = set(ds.subjects(CKD.framework, None))
    actual = {(s, p, o) for p in SKOS_PROPS for s, o in ds.subject_objects(p) if s in provisions and o in provisions}
    assert expected - actual == set(), "overlaps without their SKOS mapping"
    assert actual - expected == set(), "SKOS mappings without an overlap"
    for s, o in ds.subject_objects(SKOS.exactMatch):
        assert (o, SKOS.exactMatch, s) in ds, "skos:exactMatch not symmetric"
    for s, o in ds.subject_objects(SKOS.relatedMatch):
        assert (o, SKOS.relatedMatch, s) in ds, "skos:relatedMatch not symmetric"
    for s, o in ds.subject_objects(SKOS.broadMatch):
        assert (o, SKOS.narrowMatch, s) in ds, "skos:broadMatch without its inverse"


EXPECTED = [
    # exit strategy
    ("tk:element-18", "rijk:voorwaarde-4", "intersects-with"),
    ("tk:element-19", "rijk:voorwaarde-4", "intersects-with"),
    ("tk:element-20", "jenv:artikel-7-4", "intersects-with"),
    ("tk:element-21", "rijk:voorwaarde-4", "intersects-with"),
    ("tk:uitgangspunt-4", "rijk:voorwaarde-4", "intersects-with"),
    ("tk:uitgangspunt-4", "jenv:artikel-7-2", "intersects-with"),
    ("tk:uitgangspunt-4", "gem:contract-escrow", "intersects-with"),
    ("jenv:artikel-7", "irc:artikel-7", "equivalent"),
    ("jenv:artikel-7", "rijk:voorwaarde-4", "superset-of"),
    ("irc:artikel-7", "rijk:voorwaarde-4", "superset-of"),
    ("jenv:artikel-7-1", "rijk:voorwaarde-4", "superset-of"),
    ("gem:contract-exit-regels", "rijk:voorwaarde-4", "intersects-with"),
    ("gem:contract-overdracht-gegevens", "rijk:voorwaarde-4", "intersects-with"),
    ("gem:contract-vernietiging-gegevens", "rijk:voorwaarde-4", "subset-of"),
    ("gem:contract-overdracht-leverancier", "jenv:artikel-7-2", "subset-of"),
    ("gem:risico-leverancier-lock-in", "jenv:artikel-7-2", "intersects-with"),
    ("gem:risico-lock-in-migratie", "rijk:voorwaarde-4", "intersects-with"),
    # processor agreements (WBP bewerker = AVG verwerker)
    ("tk:element-2", "gem:beleid-13", "subset-of"),
    # encryption in transit
    ("tk:element-11", "gem:beleid-8", "intersects-with"),
    # data location
    ("tk:element-12", "rijk:voorwaarde-9", "intersects-with"),
    ("tk:element-12", "rijk:voorwaarde-9c", "intersects-with"),
    ("tk:element-17", "rijk:voorwaarde-9a", "intersects-with"),  # "Bij twijfel"; 9.a one of three (issue 13)
    ("gem:aandachtspunt-gegevens-buitenland", "rijk:voorwaarde-9b", "intersects-with"),
    # right to audit
    ("gem:contract-audit", "rijk:voorwaarde-6", "intersects-with"),
    ("gem:beleid-11", "rijk:voorwaarde-6", "intersects-with"),
    ("gem:beleid-13", "rijk:voorwaarde-6", "intersects-with"),
    # breach notification
    ("tk:element-13", "gem:contract-melden-beveiligingsincidenten", "intersects-with"),
    # special categories
    ("gem:aandachtspunt-bijzondere-persoonsgegevens", "rijk:voorwaarde-10", "intersects-with"),
    # risk analysis / DPIA
    ("jenv:artikel-4", "irc:artikel-4", "equivalent"),
    ("jenv:artikel-4", "rijk:voorwaarde-2", "subset-of"),
    ("irc:artikel-4", "rijk:voorwaarde-2", "subset-of"),
    ("tk:element-15", "rijk:voorwaarde-2", "intersects-with"),
    ("tk:element-15", "irc:artikel-4", "intersects-with"),
    ("gem:beleid-4", "rijk:voorwaarde-5", "intersects-with"),
    # conflicts and stale sources
    ("gem:aandachtspunt-privacy-shield", "rijk:voorwaarde-9b", "contrary"),
    ("gem:aandachtspunt-privacy-shield", "tk:element-12", "contrary"),
    ("gem:aandachtspunt-wbp-uitzondering", "rijk:voorwaarde-9", "contrary"),
    # the same rule, the municipal side resting on lapsed law: not a conflict (issue 13)
    ("gem:aandachtspunt-bewuste-keuze", "tk:element-14", "equivalent"),
    ("gem:aandachtspunt-wetgeving-normenkader", "tk:element-1", "equivalent"),
]


@pytest.mark.parametrize("a,b,relation", EXPECTED, ids=[f"{a}~{b}" for a, b, _ in EXPECTED])
def test_expected_overlap(stated, a, b, relation):
    assert relation_between(stated, P(a), P(b)) == relation


def test_exit_strategy_links_every_framework(stated):
    exit_theme = THEME["exit-strategy"]
    keys = set()
    for s, t, _, theme, _ in stated:
        if theme == exit_theme:
            keys |= {str(s).split("/")[-2], str(t).split("/")[-2]}
    assert keys == {"rijk", "tk", "gemeenten", "jenv", "irc"}


def test_jenv_article_4_was_checked_word_for_word(ds):
    o = URIRef(f"{OVERLAP_NS}jenv-artikel-4--rijk-voorwaarde-2")
    nl = next(str(r) for r in ds.objects(o, CKD.rationale) if r.language == "nl")
    # the shared sentence, and the words that make Rijk stricter
    assert "Publieke clouddiensten mogen worden gebruikt op basis van een in een gegevensbeschermingseffectbeoordeling opgenomen relevante risicoafweging" in nl
    assert "toetsbaar en auditeerbaar" in nl
    assert ds.value(o, CKD.relation) == CKD.SubsetOf


def test_processor_rationale_says_bewerker_is_verwerker(ds):
    o = URIRef(f"{OVERLAP_NS}tk-element-2--gemeenten-beleid-13")
    for r in ds.objects(o, CKD.rationale):
        assert "bewerker" in str(r) and "verwerker" in str(r).lower()


@pytest.mark.parametrize("source,target,document,since", [
    ("gem:aandachtspunt-privacy-shield", "rijk:voorwaarde-9b", "eu-us-privacy-shield", "2020-07-16"),
    ("gem:aandachtspunt-privacy-shield", "tk:element-12", "eu-us-privacy-shield", "2020-07-16"),
    ("gem:aandachtspunt-wbp-uitzondering", "rijk:voorwaarde-9", "wbp", "2018-05-25"),
])
def test_conflicts_name_the_stale_source_and_since_when(store, source, target, document, since):
    items = ov.conflicts(store)["contrary"]
    match = [o for o in items if o["source"] == str(P(source)) and o["target"] == str(P(target))]
    assert len(match) == 1
    o = match[0]
    stale = {s["document"]: s for s in o["stale"]}
    doc = f"{ID}doc/{document}"
    assert doc in stale and stale[doc]["since"] == since
    assert str(P(source)) in stale[doc]["provisions"]  # the stale side is the one citing the lapsed document
    day = since.split("-")
    dutch = f"{int(day[2])} {['januari', 'februari', 'maart', 'april', 'mei', 'juni', 'juli', 'augustus', 'september', 'oktober', 'november', 'december'][int(day[1]) - 1]} {day[0]}"
    assert "verouderd sinds" in o["rationale"] and dutch in o["rationale"]
    assert "since" in o["rationale_en"] or "stale" in o["rationale_en"].lower()


def test_privacy_shield_invalidation_is_named(store):
    o = [x for x in ov.conflicts(store)["contrary"]
         if x["source"] == str(P("gem:aandachtspunt-privacy-shield")) and x["target"] == str(P("rijk:voorwaarde-9b"))][0]
    s = o["stale"][0]
    assert s["status"] == "invalidated" and s["by"] == f"{ID}doc/schrems-ii"
    assert "Schrems II" in o["rationale"]


def test_citation_conflict_is_in_the_exit_strategy_answer(store):
    res = ov.overlaps(store, theme="exit-strategy")
    conflicts = {c["conflict"]: c for c in res["conflicts"]}
    c = conflicts[f"{ID}conflict/exit-strategie-artikelnummer"]
    assert str(P("irc:artikel-7")) in c["provisions"] and str(P("irc:artikel-4")) in c["provisions"]
    assert c["rationale"] and len(c["citations"]) == 2
    # asking about the JenV article that quotes irc artikel 7 surfaces it too
    res = ov.overlaps(store, provision="jenv:artikel-7")
    assert [x["conflict"] for x in res["conflicts"]] == [f"{ID}conflict/exit-strategie-artikelnummer"]


# ---------------------------------------------------------------------------------------------
# hub, matrix, filters


def test_hub_for_exit_strategy_lists_all_frameworks(store):
    h = ov.hub(store, "exit-strategy")
    assert h["theme"] == str(THEME["exit-strategy"])
    by_key = {f["key"]: {p["provision"] for p in f["provisions"]} for f in h["frameworks"]}
    assert set(by_key) == {"rijk", "tk", "gemeenten", "jenv", "irc", "avg"}
    # the AVG says nothing about exit strategies: its column is empty, every other one is not
    assert by_key["avg"] == set()
    assert all(v for k, v in by_key.items() if k != "avg"), {k: len(v) for k, v in by_key.items()}
    must = ["rijk:voorwaarde-4", "tk:uitgangspunt-4", "tk:element-18", "tk:element-19", "tk:element-20",
            "tk:element-21", "gem:contract-exit-regels", "gem:contract-overdracht-gegevens",
            "gem:contract-vernietiging-gegevens", "gem:contract-overdracht-leverancier", "gem:contract-escrow",
            "jenv:artikel-7", "jenv:artikel-7-1", "jenv:artikel-7-2", "jenv:artikel-7-3", "jenv:artikel-7-4",
            "irc:artikel-7"]
    for curie in must:
        key = PFX[curie.split(":")[0]]
        assert str(P(curie)) in by_key[key], curie
    p = next(p for f in h["frameworks"] for p in f["provisions"] if p["provision"] == str(P("rijk:voorwaarde-4")))
    assert p["text"].startswith("Er dient altijd een") and p["modality"] == "obligatory" and p["on_theme"]


def test_theme_filter_includes_narrower_themes(store):
    res = ov.overlaps(store, theme="personal-data")
    themes = {o["theme"] for o in res["overlaps"]}
    assert str(THEME["special-category-data"]) in themes


def test_provision_filter(store):
    res = ov.overlaps(store, provision=str(P("rijk:voorwaarde-4")))
    assert res["overlaps"] and all(str(P("rijk:voorwaarde-4")) in (o["source"], o["target"]) for o in res["overlaps"])
    assert ov.overlaps(store, provision="jenv:artikel-7-3")["unmatched"][0]["provision"] == str(P("jenv:artikel-7-3"))


def test_unknown_theme_and_provision_raise(store):
    with pytest.raises(ov.UnknownTheme):
        ov.overlaps(store, theme="no-such-theme")
    with pytest.raises(ov.UnknownProvision):
        ov.overlaps(store, provision=f"{ID}tk/element-99")
    with pytest.raises(ov.UnknownProvision):
        ov.overlaps(store, provision="not an iri")


def test_matrix_counts(store, stated):
    m = ov.matrix(store)
    assert m["frameworks"] == ["rijk", "tk", "gemeenten", "jenv", "irc", "avg"]
    assert sum(x["count"] for x in m["stated"]) == len(stated)
    cells = {(c["source"], c["target"]): c for c in m["cells"]}
    assert sum(c["total"] for c in m["cells"]) == 2 * len(stated)
    for (a, b), c in cells.items():
        back = cells[(b, a)]
        assert c["total"] == back["total"]
        for rel, n in c["counts"].items():
            assert back["counts"][ov.INVERSE[rel]] == n
    assert cells[("jenv", "irc")]["counts"]["equivalent"] == 2
    # the Privacy Shield against TK 12; the WBP/BIG pairs are equivalent rules on lapsed law (issue 13)
    assert cells[("gemeenten", "tk")]["counts"]["contrary"] >= 1
    assert m["unmatched"]["gemeenten"] > 0


def test_same_answer_from_oxigraph(store):
    from cloudkader.knowledge.app_state import get_store

    ox = get_store("oxigraph")
    assert json.dumps(ov.overlaps(ox, theme="exit-strategy"), sort_keys=True) == \
        json.dumps(ov.overlaps(store, theme="exit-strategy"), sort_keys=True)
    assert ov.matrix(ox) == ov.matrix(store)


# ---------------------------------------------------------------------------------------------
# command line


def test_cli_json_shape(cli):
    r = cli("overlaps", "--format", "json")
    assert r.code == 0, r.err
    data = r.json()
    assert set(data) >= {"overlaps", "unmatched"}
    assert len(data["overlaps"]) >= 80 and len(data["unmatched"]) >= 20
    for o in data["overlaps"]:
        assert {"source", "target", "relation", "theme", "rationale"} <= set(o)
        assert o["relation"] in ("equivalent", "subset-of", "superset-of", "intersects-with", "contrary")
        assert o["source"].startswith(str(ID)) and o["target"].startswith(str(ID))
        assert o["theme"].startswith(str(THEME))
        assert isinstance(o["rationale"], str) and o["rationale"]
    for u in data["unmatched"]:
        assert {"provision", "rationale"} <= set(u)
        assert u["provision"].startswith(str(ID)) and u["rationale"]
    assert "hub" not in data


def test_cli_theme_json_has_the_hub(cli):
    r = cli("overlaps", "--theme", "exit-strategy", "--format", "json")
    assert r.code == 0, r.err
    data = r.json()
    assert all(o["theme"] == str(THEME["exit-strategy"]) for o in data["overlaps"])
    assert [f["key"] for f in data["hub"]["frameworks"]] == ["rijk", "tk", "gemeenten", "jenv", "irc", "avg"]
    assert [u["provision"] for u in data["unmatched"]] == [str(P("jenv:artikel-7-3"))]
    assert data["conflicts"]


def test_cli_text_answers_the_policy_question(cli):
    r = cli("overlaps", "--theme", "exit-strategy")
    assert r.code == 0, r.err
    out = r.out
    for heading in ("Bepalingen per kader", "Overlappen", "Verwijzingsconflicten", "Zonder tegenhanger"):
        assert heading in out
    for name in ("rijk:voorwaarde-4", "tk:element-18", "gem:contract-escrow", "jenv:artikel-7-3", "irc:artikel-7",
                 "id:conflict/exit-strategie-artikelnummer"):
        assert name in out
    en = cli("overlaps", "--theme", "exit-strategy", "--lang", "en")
    assert "Provisions per framework" in en.out and "intersects with" in en.out


def test_cli_provision_by_prefixed_name(cli):
    r = cli("overlaps", "--provision", "tk:element-12", "--format", "json")
    assert r.code == 0, r.err
    assert {o["relation"] for o in r.json()["overlaps"]} >= {"intersects-with", "contrary"}


@pytest.mark.parametrize("args,word", [
    (("overlaps", "--theme", "no-such-theme"), "unknown theme"),
    (("overlaps", "--provision", "https://w3id.org/cloudkader/id/tk/element-99"), "unknown provision"),
    (("overlaps", "--provision", "https://example.org/not-a-provision", "--format", "json"), "unknown provision"),
    (("overlaps", "--theme", "nope", "--format", "matrix"), "unknown theme"),
])
def test_cli_exit_2_for_unknown_theme_or_provision(cli, args, word):
    r = cli(*args)
    assert r.code == 2
    assert word in r.err and r.out == ""


def test_cli_matrix(cli):
    r = cli("overlaps", "--format", "matrix")
    assert r.code == 0, r.err
    assert "rijk" in r.out and "irc" in r.out and "≠" in r.out
    j = cli("overlaps", "--matrix", "--format", "json")
    assert j.code == 0 and j.json()["frameworks"] == ["rijk", "tk", "gemeenten", "jenv", "irc", "avg"]


# ---------------------------------------------------------------------------------------------
# OSCAL 1.2 mapping export

UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$")
TOKEN = re.compile(r"^[_A-Za-z][_A-Za-z0-9.\-]*$")
OSCAL_RELATIONSHIPS = {"equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with", "no-relationship"}
DATETIME_TZ = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def oscal_mapping_problems(doc: dict) -> list[str]:
    """The required fields and value constraints of the OSCAL 1.2 mapping-collection model
    (mapping-collection, metadata, provenance, mapping, map, mapping-item, resource reference)."""
    p = []

    def need(obj, keys, where):
        for k in keys:
            if k not in obj or obj[k] in (None, "", []):
                p.append(f"{where}: missing {k}")

    if set(doc) != {"mapping-collection"}:
        return ["root must be exactly {'mapping-collection': …}"]
    mc = doc["mapping-collection"]
    need(mc, ["uuid", "metadata", "provenance", "mappings"], "mapping-collection")
    if set(mc) - {"uuid", "metadata", "provenance", "mappings", "back-matter"}:
        p.append(f"mapping-collection: unknown keys {set(mc) - {'uuid', 'metadata', 'provenance', 'mappings', 'back-matter'}}")
    if not UUID.match(mc.get("uuid", "")):
        p.append("mapping-collection: uuid")
    md = mc.get("metadata", {})
    need(md, ["title", "last-modified", "version", "oscal-version"], "metadata")
    if not DATETIME_TZ.match(md.get("last-modified", "")):
        p.append("metadata: last-modified must be a date-time with time zone")
    if not re.match(r"^1\.2\.\d+$", md.get("oscal-version", "")):
        p.append("metadata: oscal-version must be 1.2.x")
    prov = mc.get("provenance", {})
    need(prov, ["method", "matching-rationale", "status", "mapping-description"], "provenance")
    if prov.get("method") not in ("human", "automation", "hybrid"):
        p.append("provenance: method")
    if prov.get("matching-rationale") not in ("syntactic", "semantic", "functional"):
        p.append("provenance: matching-rationale")
    mappings = mc.get("mappings")
    mappings = [mappings] if isinstance(mappings, dict) else (mappings or [])
    for i, m in enumerate(mappings):
        need(m, ["uuid", "source-resource", "target-resource", "maps"], f"mappings[{i}]")
        if not UUID.match(m.get("uuid", "")):
            p.append(f"mappings[{i}]: uuid")
        for side in ("source-resource", "target-resource"):
            need(m.get(side, {}), ["type", "href"], f"mappings[{i}].{side}")
        for gap in ("source-gap-summary", "target-gap-summary"):
            if gap in m:
                need(m[gap], ["uuid", "unmapped-controls"], f"mappings[{i}].{gap}")
                for sel in m[gap].get("unmapped-controls", []):
                    if not all(TOKEN.match(x) for x in sel.get("with-ids", [])):
                        p.append(f"mappings[{i}].{gap}: with-ids must be tokens")
        for j, mp in enumerate(m.get("maps", [])):
            where = f"mappings[{i}].maps[{j}]"
            need(mp, ["uuid", "relationship", "sources", "targets"], where)
            if not UUID.match(mp.get("uuid", "")):
                p.append(f"{where}: uuid")
            rel = mp.get("relationship", "")
            if not TOKEN.match(rel):
                p.append(f"{where}: relationship must be a token")
            ns = mp.get("ns")
            if (ns is None or ns == "http://csrc.nist.gov/ns/oscal") and rel not in OSCAL_RELATIONSHIPS:
                p.append(f"{where}: relationship {rel!r} is not an OSCAL value and has no other namespace")
            for k in ("sources", "targets"):
                for item in mp.get(k, []):
                    need(item, ["type", "id-ref"], f"{where}.{k}")
                    if item.get("type") not in ("control", "statement"):
                        p.append(f"{where}.{k}: type")
            for q in mp.get("qualifiers", []):
                need(q, ["subject", "predicate", "category", "description"], f"{where}.qualifiers")
    return p


def test_oscal_export_has_the_mapping_model_shape(store, stated):
    docs = oscal.mapping_collections(store)
    assert len(docs) >= 8  # one per framework pair with overlaps
    pairs = set()
    n_maps = 0
    for d in docs:
        assert oscal_mapping_problems(d) == []
        m = d["mapping-collection"]["mappings"][0]
        pair = (m["source-resource"]["href"], m["target-resource"]["href"])
        assert pair not in pairs and pair[::-1] not in pairs
        pairs.add(pair)
        n_maps += len(m["maps"])
        for mp in m["maps"]:
            if mp["relationship"] == "contrary":
                assert mp["ns"] == str(CKD) and mp["qualifiers"][0]["predicate"] == "has-incompatibility"
    assert n_maps == len(stated)
    rels = {mp["relationship"] for d in docs for mp in d["mapping-collection"]["mappings"][0]["maps"]}
    assert rels == {"equivalent-to", "subset-of", "superset-of", "intersects-with", "contrary"}


def test_oscal_structural_check_catches_errors(store):
    doc = oscal.mapping_collections(store)[0]
    broken = json.loads(json.dumps(doc))
    del broken["mapping-collection"]["provenance"]["matching-rationale"]
    broken["mapping-collection"]["mappings"][0]["maps"][0]["relationship"] = "similar"
    broken["mapping-collection"]["mappings"][0]["maps"][0].pop("ns", None)
    problems = oscal_mapping_problems(broken)
    assert any("matching-rationale" in x for x in problems) and any("similar" in x for x in problems)


def test_oscal_export_validates_with_compliance_trestle(store):
    mapping = pytest.importorskip("trestle.oscal.mapping")
    for d in oscal.mapping_collections(store):
        mapping.Model.model_validate(d)


def test_cli_oscal(cli, tmp_path):
    r = cli("overlaps", "--format", "oscal")
    assert r.code == 0, r.err
    docs = r.json()
    assert all(oscal_mapping_problems(d) == [] for d in docs)
    r = cli("overlaps", "--format", "oscal", "--oscal-dir", tmp_path)
    assert r.code == 0, r.err
    assert (tmp_path / "jenv--irc.json").is_file() and (tmp_path / "rijk--tk.json").is_file()


# ---------------------------------------------------------------------------------------------
# named queries

OVERLAP_QUERIES = ["overlaps-exit-strategy-hub", "overlaps-matrix", "overlaps-conflicts", "overlaps-gaps"]


@pytest.mark.parametrize("name", OVERLAP_QUERIES)
def test_named_query_states_its_question(name):
    q = queries.get(name)
    lines = q.text.splitlines()
    assert lines[0].startswith("# nl: ") and lines[1].startswith("# en: ")
    assert q.question_nl and q.question_en


def _rows(store, name):
    return [{k: str(v) for k, v in b.items()} for b in store.query(queries.get(name).text).bindings()]


def test_query_exit_strategy_hub(store):
    rows = _rows(store, "overlaps-exit-strategy-hub")
    keys = {r["framework"] for r in rows}
    assert keys == {"rijk", "tk", "gemeenten", "jenv", "irc"}
    seen = {(r["provision"], r["relation"], r.get("other")) for r in rows}
    assert (str(P("tk:element-18")), "intersects-with", str(P("rijk:voorwaarde-4"))) in seen
    assert (str(P("rijk:voorwaarde-4")), "intersects-with", str(P("tk:element-18"))) in seen
    # relations are turned around for the target side
    assert (str(P("rijk:voorwaarde-4")), "subset-of", str(P("jenv:artikel-7"))) in seen
    assert (str(P("jenv:artikel-7")), "superset-of", str(P("rijk:voorwaarde-4"))) in seen
    assert (str(P("jenv:artikel-7-3")), "no-counterpart", None) in seen
    assert (str(P("irc:artikel-7")), "citation-conflict", None) in seen
    assert all(r["rationale"] for r in rows)


def test_query_matrix(store, stated):
    rows = _rows(store, "overlaps-matrix")
    assert sum(int(r["overlaps"]) for r in rows) == len(stated)
    assert {"source": "jenv", "target": "irc", "relation": "equivalent", "overlaps": "2"} in rows


def test_query_conflicts(store):
    rows = _rows(store, "overlaps-conflicts")
    ps = [r for r in rows if r["kind"] == "contrary" and r["source"] == str(P("gem:aandachtspunt-privacy-shield"))]
    assert {r["target"] for r in ps} == {str(P("rijk:voorwaarde-9b")), str(P("tk:element-12"))}
    assert all(r["staleDocument"] == f"{ID}doc/eu-us-privacy-shield" and r["since"] == "2020-07-16"
               and r["status"] == str(CKD.Invalidated) for r in ps)
    wbp = {r["since"] for r in rows if r.get("staleDocument") == f"{ID}doc/wbp"}
    assert wbp == {"2018-05-25"}
    cc = [r for r in rows if r["kind"] == "citation-conflict"]
    assert {(r["source"], r["target"]) for r in cc} == {
        (str(P("irc:artikel-7")), str(P(f"irc:artikel-{n}"))) for n in (4, 6, 8)}


def test_query_gaps(ds, store):
    rows = _rows(store, "overlaps-gaps")
    assert len(rows) == len(set(ds.subjects(RDF.type, CKD.NoCounterpart)))
    row = next(r for r in rows if r["provision"] == str(P("jenv:artikel-7-3")))
    assert set(row["withRespectTo"].split(", ")) == {"rijk"}  # TK uitgangspunt 4 and gemeenten escrow overlap with it since issue 13


def test_overlap_files_parse_and_use_full_iris():
    for f in sorted((paths.DATA_DIR / "overlaps").glob("*.ttl")):
        text = f.read_text(encoding="utf-8")
        assert "overlap:" not in text.replace("id:overlap", ""), f"{f.name}: write overlap IRIs in full"
        assert not re.search(r"\bid:overlap/", text), f"{f.name}: no '/' in prefixed names"


def test_pairs_are_stated_once(stated):
    seen = defaultdict(int)
    for s, t, _, _, _ in stated:
        seen[frozenset((s, t))] += 1
    assert [tuple(sorted(map(str, k))) for k, n in seen.items() if n > 1] == []


@pytest.mark.parametrize("source,target,document", [
    ("gem:aandachtspunt-bewuste-keuze", "tk:element-14", "wbp"),
    ("gem:aandachtspunt-wetgeving-normenkader", "tk:element-1", "big"),
])
def test_same_rule_on_lapsed_law_is_not_a_conflict(ds, store, source, target, document):
    """Issue 13: "rests on lapsed law" is told apart from a real conflict — the relation is
    equivalent, the lapsed document stays named (ckd:involves)."""
    items = ov.conflicts(store)["contrary"]
    assert not [o for o in items if o["source"] == str(P(source)) and o["target"] == str(P(target))]
    [o] = [o for o in ds.subjects(CKD.source, P(source)) if (o, CKD.target, P(target)) in ds]
    assert (o, CKD.relation, CKD.Equivalent) in ds
    assert (o, CKD.involves, URIRef(f"{ID}doc/{document}")) in ds

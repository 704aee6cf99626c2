"""The shapes of the Bestuurlijke Beleidslijn Cloud JenV | AenM (shapes/jenv.ttl): for every
check a conforming and a violating service, asserting the exact provisions in the results;
applicability; the examples; and a JenV service under rijk, irc and jenv at once."""

from __future__ import annotations

from collections import Counter

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from cloudkader.terms import paths

ID = "https://w3id.org/cloudkader/id/"
JENV = ID + "jenv"
RIJK = ID + "rijk"
IRC = ID + "irc"
AVG = ID + "avg"
CKD = "https://w3id.org/cloudkader/def#"
SH = "http://www.w3.org/ns/shacl#"
SHJ = "https://w3id.org/cloudkader/shape/jenv/"


def j(local: str) -> str:
    return f"{JENV}/{local}"


ALL_PARTS = ("ckd:DataPortability", "ckd:ServicePortability", "ckd:DataDestruction",
             "ckd:AlternativeLanding", "ckd:CrisisExit", "ckd:RegularExit")
PART_PROVISION = {
    "ckd:DataPortability": "artikel-7-1",
    "ckd:ServicePortability": "artikel-7-1",
    "ckd:DataDestruction": "artikel-7-1",
    "ckd:AlternativeLanding": "artikel-7-2",
    "ckd:CrisisExit": "artikel-7-3",
    "ckd:RegularExit": "artikel-7-4",
}
PUBLIC_CLOUD_PROVISIONS = {j(p) for p in ("beleidslijn-csp", "artikel-4", "artikel-7", "artikel-7-1", "artikel-7-2",
                                           "artikel-7-3", "artikel-7-4", "beleidslijn-csp-security-architectuur")}


def service(org="org:jenv", deployment="ckd:PublicCloud", products=(), measures="full") -> str:
    """A service description; ``measures``: "full" (DPIA + complete exit strategy), "none", or
    Turtle for the measures (the nodes must be ex:m1, ex:m2, …)."""
    lines = ["ex:svc a ckd:CloudService ;", '    rdfs:label "testdienst" ;', f"    ckd:usedBy {org} ;",
             "    ckd:serviceModel ckd:SaaS ;", "    ckd:processes ckd:PersonalData ;"]
    if deployment:
        lines.append(f"    ckd:deploymentModel {deployment} ;")
    if products:
        lines.append(f"    ckd:usesProduct {' , '.join(products)} ;")
    if measures == "full":
        measures = f"ex:m1 a ckd:DPIA .\nex:m2 a ckd:ExitStrategy ; ckd:covers {' , '.join(ALL_PARTS)} ."
    if measures and measures != "none":
        nodes = sorted({w for w in measures.split() if w.startswith("ex:m") and w[4:].isdigit()})
        lines.append(f"    ckd:hasMeasure {' , '.join(nodes)} ;")
    lines.append("    .")
    text = "\n".join(lines)
    if measures and measures != "none":
        text += "\n" + measures
    return text + "\n"


def validate(cli, path, *extra):
    run = cli("validate", path, "--format", "json", *extra)
    assert run.code in (0, 1, 3), run.err  # 3: no violation, but facts missing (issue 13)
    return run


def jenv_results(cli, path) -> list[dict]:
    """The jenv results of the single service in ``path``; also checks that --framework jenv
    gives the same results and the exit status that goes with them."""
    run = validate(cli, path)
    out = run.json()
    assert len(out["services"]) == 1
    results = [r for r in out["services"][0]["results"] if r["framework"] == JENV]
    only = validate(cli, path, "--framework", "jenv")
    only_results = only.json()["services"][0]["results"]
    assert {r["framework"] for r in only_results} <= {JENV}
    assert sorted(map(_key, only_results)) == sorted(map(_key, results))
    violations = [r for r in results if r["severity"] == "Violation"]
    undetermined = only.json()["services"][0]["undetermined"]
    assert only.code == (1 if violations else 3 if undetermined else 0)
    assert only.json()["conforms"] is (not violations and not undetermined)
    return results


def _key(r):
    return (r["provision"], r["severity"], r["message"])


def provisions(results) -> set[str]:
    return {r["provision"] for r in results}


# ---------------------------------------------------------------------------------------------
# risk analysis (2.2.1) and artikel 4 (DPIA)
# ---------------------------------------------------------------------------------------------

FULL_EXIT = f"ex:m2 a ckd:ExitStrategy ; ckd:covers {' , '.join(ALL_PARTS)} ."


@pytest.mark.parametrize("measures, expected", [
    pytest.param("full", Counter(), id="dpia-and-exit"),
    pytest.param(FULL_EXIT, Counter({"artikel-4": 1, "beleidslijn-csp": 1}), id="no-risk-assessment"),
    pytest.param("ex:m1 a ckd:RiskAssessment .\n" + FULL_EXIT, Counter({"artikel-4": 1}), id="risk-assessment-not-in-dpia"),
    pytest.param("ex:m1 a ckd:TransferImpactAssessment .\n" + FULL_EXIT, Counter({"artikel-4": 1}), id="tia-only"),
    pytest.param("ex:m1 a ckd:PreScanDPIA .\n" + FULL_EXIT, Counter({"artikel-4": 1, "beleidslijn-csp": 1}), id="pre-scan-only"),
    pytest.param("ex:m1 a ckd:PreScanDPIA .\nex:m3 a ckd:DPIA .\n" + FULL_EXIT, Counter(), id="pre-scan-and-dpia"),
])
def test_risk_assessment(ttl, cli, measures, expected):
    results = jenv_results(cli, ttl(service(measures=measures)))
    assert Counter(r["provision"].rsplit("/", 1)[1] for r in results) == expected
    assert all(r["severity"] == "Violation" for r in results)


def test_risk_analysis_message_names_the_measure(ttl, cli):
    results = jenv_results(cli, ttl(service(measures=FULL_EXIT)))
    by = {r["provision"]: r for r in results}
    assert "DPIA" in by[j("artikel-4")]["message"] and "DPIA" in by[j("artikel-4")]["message_en"]
    assert "risicoanalyse" in by[j("beleidslijn-csp")]["message"]
    assert "risk analysis" in by[j("beleidslijn-csp")]["message_en"]


@pytest.mark.parametrize("deployment", ["ckd:PrivateCloud", "ckd:OnPremises", "ckd:CommunityCloud", None])
def test_no_public_cloud_no_measures_needed(ttl, cli, deployment):
    assert jenv_results(cli, ttl(service(deployment=deployment, measures="none"))) == []


def test_hybrid_cloud_counts_as_public(ttl, cli):
    results = jenv_results(cli, ttl(service(deployment="ckd:HybridCloud", measures=FULL_EXIT)))
    assert provisions(results) == {j("artikel-4"), j("beleidslijn-csp")}


# ---------------------------------------------------------------------------------------------
# exit strategy (2.2.1, artikel 7 and its four parts)
# ---------------------------------------------------------------------------------------------

def test_no_exit_strategy_misses_every_part(ttl, cli):
    results = jenv_results(cli, ttl(service(measures="ex:m1 a ckd:DPIA .")))
    assert Counter(r["provision"] for r in results) == Counter({
        j("beleidslijn-csp"): 1, j("artikel-7"): 1, j("artikel-7-1"): 3,
        j("artikel-7-2"): 1, j("artikel-7-3"): 1, j("artikel-7-4"): 1})
    assert all(r["severity"] == "Violation" for r in results)


@pytest.mark.parametrize("missing", ALL_PARTS)
def test_one_result_per_missing_part(ttl, cli, missing):
    covers = [p for p in ALL_PARTS if p != missing]
    measures = f"ex:m1 a ckd:DPIA .\nex:m2 a ckd:ExitStrategy ; ckd:covers {' , '.join(covers)} ."
    results = jenv_results(cli, ttl(service(measures=measures)))
    assert [r["provision"] for r in results] == [j(PART_PROVISION[missing])]
    assert missing.split(":")[1] in results[0]["message"]
    assert missing.split(":")[1] in results[0]["message_en"]


def test_partial_exit_strategy(ttl, cli):
    # the exit strategy of examples/caelus.ttl: data portability and an alternative landing place
    measures = "ex:m1 a ckd:DPIA .\nex:m2 a ckd:ExitStrategy ; ckd:covers ckd:DataPortability , ckd:AlternativeLanding ."
    results = jenv_results(cli, ttl(service(measures=measures)))
    assert Counter(r["provision"] for r in results) == Counter({
        j("artikel-7-1"): 2, j("artikel-7-3"): 1, j("artikel-7-4"): 1})
    messages = " ".join(r["message_en"] for r in results)
    assert "ServicePortability" in messages and "DataDestruction" in messages


def test_parts_may_be_spread_over_several_exit_strategies(ttl, cli):
    measures = ("ex:m1 a ckd:DPIA .\n"
                "ex:m2 a ckd:ExitStrategy ; ckd:covers ckd:DataPortability , ckd:ServicePortability , ckd:DataDestruction .\n"
                "ex:m3 a ckd:ExitStrategy ; ckd:covers ckd:AlternativeLanding , ckd:CrisisExit , ckd:RegularExit .")
    assert jenv_results(cli, ttl(service(measures=measures))) == []


def test_parts_covered_by_something_else_than_an_exit_strategy_do_not_count(ttl, cli):
    measures = "ex:m1 a ckd:DPIA .\nex:m2 a ckd:ProcessorAgreement ; ckd:covers ckd:DataPortability ."
    results = jenv_results(cli, ttl(service(measures=measures)))
    assert j("artikel-7") in provisions(results)
    assert len([r for r in results if r["provision"] == j("artikel-7-1")]) == 3


def test_inline_measures(ttl, cli):
    body = f"""ex:svc a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:hasMeasure [ a ckd:DPIA ] , [ a ckd:ExitStrategy ; ckd:covers {' , '.join(ALL_PARTS)} ] .
"""
    assert jenv_results(cli, ttl(body)) == []


# ---------------------------------------------------------------------------------------------
# products (2.2.2 – 2.2.5)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("products, expected", [
    pytest.param(("ckd:ExchangeOnline",), [j("beleidslijn-exchange")], id="exchange-online-only"),
    pytest.param(("ckd:ExchangeOnline", "ckd:ExchangeHybrid"), [], id="exchange-hybrid-model"),
    pytest.param(("ckd:ExchangeHybrid",), [], id="exchange-hybrid"),
    pytest.param(("ckd:OneDriveOnline",), [j("beleidslijn-onedrive-sharepoint")], id="onedrive"),
    pytest.param(("ckd:SharePointOnline",), [j("beleidslijn-onedrive-sharepoint")], id="sharepoint"),
    pytest.param(("ckd:OneDriveOnline", "ckd:SharePointOnline"),
                 [j("beleidslijn-onedrive-sharepoint")] * 2, id="onedrive-and-sharepoint"),
    pytest.param(("ckd:TeamsCollaboration",), [j("beleidslijn-teams")], id="teams-collaboration"),
    pytest.param(("ckd:TeamsVideoConferencing", "ckd:TeamsCollaboration"), [j("beleidslijn-teams")], id="teams-both"),
    pytest.param(("ckd:TeamsVideoConferencing",), [], id="teams-video"),
    pytest.param(("ckd:M365DesktopApps",), [], id="desktop-apps"),
    pytest.param(("ckd:TeamsVideoConferencing", "ckd:M365DesktopApps"), [], id="teams-video-and-desktop-apps"),
    pytest.param(("ckd:ExchangeOnline", "ckd:SharePointOnline", "ckd:TeamsCollaboration", "ckd:M365DesktopApps"),
                 [j("beleidslijn-exchange"), j("beleidslijn-onedrive-sharepoint"), j("beleidslijn-teams")], id="all-wrong"),
])
@pytest.mark.parametrize("deployment", ["ckd:PublicCloud", None])
def test_products(ttl, cli, products, expected, deployment):
    # with full measures, in a public cloud or without a deployment model (the Microsoft online
    # products are public cloud use by themselves): only the products count
    results = jenv_results(cli, ttl(service(deployment=deployment, products=products, measures="full")))
    assert sorted(r["provision"] for r in results) == sorted(expected)
    assert all(r["severity"] == "Violation" for r in results)


def test_product_messages_name_the_product_and_the_alternative(ttl, cli):
    results = jenv_results(cli, ttl(service(products=("ckd:OneDriveOnline", "ckd:SharePointOnline", "ckd:ExchangeOnline"))))
    msgs = sorted(r["message_en"] for r in results)
    assert any("OneDrive Online" in m for m in msgs)
    assert any("SharePoint Online" in m for m in msgs)
    assert any("ExchangeHybrid" in m for m in msgs)
    assert all(r["message"] != r["message_en"] for r in results)  # Dutch and English


@pytest.mark.parametrize("org", ["org:ienw", "org:tk", "org:def"])
def test_products_outside_jenv_are_not_checked_by_jenv(ttl, cli, org):
    path = ttl(service(org=org, products=("ckd:ExchangeOnline", "ckd:SharePointOnline", "ckd:TeamsCollaboration"),
                       measures="none"))
    out = validate(cli, path).json()
    s = out["services"][0]
    assert JENV not in {f["framework"] for f in s["frameworks"]}
    assert [r for r in s["results"] if r["framework"] == JENV] == []


@pytest.mark.parametrize("org", ["org:aenm", "org:jio", "org:ncsc"])
def test_aenm_and_parts_of_jenv_are_bound(ttl, cli, org):
    results = jenv_results(cli, ttl(service(org=org, products=("ckd:ExchangeOnline",))))
    assert [r["provision"] for r in results] == [j("beleidslijn-exchange")]


def test_security_architecture_advice_is_never_a_violation():
    g = Graph().parse(paths.SHAPES_DIR / "jenv.ttl")
    advice = URIRef(j("beleidslijn-csp-security-architectuur"))
    for shape in g.subjects(URIRef(CKD + "provision"), advice):
        assert g.value(shape, URIRef(SH + "severity")) in (URIRef(SH + "Warning"), URIRef(SH + "Info"))


# ---------------------------------------------------------------------------------------------
# applicability
# ---------------------------------------------------------------------------------------------

def applicable(cli, path) -> dict:
    run = cli("applicable", path, "--format", "json")
    assert run.code == 0, run.err
    out = run.json()
    assert len(out["services"]) == 1
    return out["services"][0]


def jenv_applicable(s) -> set[str]:
    return {p["provision"] for p in s["provisions"] if p["framework"] == JENV}


def test_frameworks_of_a_jenv_service(ttl, cli):
    s = applicable(cli, ttl(service()))
    assert {(f["framework"], f["scope"]) for f in s["frameworks"]} == {(AVG, "binding"), (RIJK, "binding"), (IRC, "binding"), (JENV, "binding")}


@pytest.mark.parametrize("deployment, products, expected", [
    pytest.param("ckd:PublicCloud", (), PUBLIC_CLOUD_PROVISIONS | {j("geldigheid")}, id="public-cloud"),
    pytest.param("ckd:HybridCloud", (), PUBLIC_CLOUD_PROVISIONS | {j("geldigheid")}, id="hybrid-cloud"),
    pytest.param("ckd:OnPremises", (), {j("geldigheid")}, id="on-premises"),
    # Exchange Online, SharePoint, OneDrive and Teams run in Microsoft's public cloud
    # (ckd:PublicCloudProduct): using one is public cloud use, whatever the rest runs on
    pytest.param("ckd:OnPremises", ("ckd:ExchangeOnline",),
                 PUBLIC_CLOUD_PROVISIONS | {j("geldigheid"), j("beleidslijn-ms365"), j("beleidslijn-exchange")}, id="exchange"),
    pytest.param(None, ("ckd:ExchangeHybrid",),
                 PUBLIC_CLOUD_PROVISIONS | {j("geldigheid"), j("beleidslijn-ms365"), j("beleidslijn-exchange")}, id="exchange-hybrid"),
    pytest.param(None, ("ckd:TeamsVideoConferencing",),
                 PUBLIC_CLOUD_PROVISIONS | {j("geldigheid"), j("beleidslijn-ms365"), j("beleidslijn-teams")}, id="teams-video"),
    pytest.param(None, ("ckd:M365DesktopApps",), {j("geldigheid"), j("beleidslijn-ms365")}, id="desktop-apps"),
    pytest.param(None, ("ckd:SharePointOnline",),
                 PUBLIC_CLOUD_PROVISIONS | {j("geldigheid"), j("beleidslijn-ms365"), j("beleidslijn-onedrive-sharepoint")}, id="sharepoint"),
    pytest.param("ckd:PublicCloud", ("ckd:OneDriveOnline", "ckd:TeamsCollaboration"),
                 PUBLIC_CLOUD_PROVISIONS | {j("geldigheid"), j("beleidslijn-ms365"), j("beleidslijn-teams"),
                                            j("beleidslijn-onedrive-sharepoint")}, id="public-cloud-with-products"),
])
def test_applicable_provisions(ttl, cli, deployment, products, expected):
    s = applicable(cli, ttl(service(deployment=deployment, products=products, measures="none")))
    assert jenv_applicable(s) == expected
    for p in s["provisions"]:
        if p["framework"] == JENV:
            assert p["reason"] and p["reason_en"] and p["reason"] != p["reason_en"]


def test_not_applicable_outside_jenv(ttl, cli):
    s = applicable(cli, ttl(service(org="org:ienw", products=("ckd:ExchangeOnline",))))
    assert jenv_applicable(s) == set()
    assert JENV not in {f["framework"] for f in s["frameworks"]}


def test_every_jenv_provision_with_text_has_a_condition(checker):
    k = checker.k
    jenv = {p: info for p, info in k.provisions.items() if info.framework == JENV}
    assert len(jenv) >= 12
    shapes = k.shapes
    for p, info in jenv.items():
        assert not info.without_text
        assert info.applies_when, f"{p} has no ckd:appliesWhen"
        for cond in info.applies_when:
            c = URIRef(cond)
            assert (c, RDF.type, URIRef(CKD + "ApplicabilityCondition")) in shapes
            assert set(k.reasons[cond]) == {"nl", "en"}
            first = shapes.value(shapes.value(c, URIRef(SH + "and")), RDF.first)
            assert first == URIRef(SHJ + "InScope"), f"{cond} does not start with shj:InScope"


def test_every_jenv_compliance_shape_names_its_provision(checker):
    g = Graph().parse(paths.SHAPES_DIR / "jenv.ttl")
    jenv = {p for p, info in checker.k.provisions.items() if info.framework == JENV}
    targeted = set(g.subjects(URIRef(SH + "targetClass"), URIRef(CKD + "CloudService")))
    assert len(targeted) >= 14
    for shape in targeted:
        assert str(g.value(shape, URIRef(CKD + "provision"))) in jenv, shape
        langs = {m.language for m in g.objects(shape, URIRef(SH + "message")) if isinstance(m, Literal)}
        assert langs == {"nl", "en"}, shape
        assert g.value(shape, URIRef(SH + "severity")) is not None, shape
    checked = {str(g.value(s, URIRef(CKD + "provision"))) for s in targeted}
    assert checked == {j(p) for p in ("beleidslijn-csp", "artikel-4", "artikel-7", "artikel-7-1", "artikel-7-2",
                                      "artikel-7-3", "artikel-7-4", "beleidslijn-teams", "beleidslijn-exchange",
                                      "beleidslijn-onedrive-sharepoint")}


# ---------------------------------------------------------------------------------------------
# a JenV service is under rijk, irc and jenv
# ---------------------------------------------------------------------------------------------

def test_jenv_sharepoint_service_gets_results_from_three_frameworks(ttl, cli, checker):
    path = ttl("""ex:deelruimte a ckd:CloudService ;
    rdfs:label "Documentdeling in SharePoint Online" ;
    ckd:usedBy org:jenv ;
    ckd:deploymentModel ckd:PublicCloud ;
    ckd:serviceModel ckd:SaaS ;
    ckd:processes ckd:PersonalData ;
    ckd:usesProduct ckd:SharePointOnline .
""")
    run = validate(cli, path)
    assert run.code == 1
    out = run.json()
    assert out["conforms"] is False
    s = out["services"][0]
    assert {f["framework"] for f in s["frameworks"]} == {AVG, RIJK, IRC, JENV}
    for r in s["results"]:
        assert r["provision"] and r["framework"], r
        assert checker.k.provisions[r["provision"]].framework == r["framework"]
        assert r["message"]
    frameworks = {r["framework"] for r in s["results"]}
    assert frameworks == {AVG, RIJK, IRC, JENV}  # the AVG: no processor agreement, no DPIA
    assert Counter(r["provision"] for r in s["results"] if r["framework"] == JENV) == Counter({
        j("beleidslijn-csp"): 2, j("artikel-4"): 1, j("artikel-7"): 1, j("artikel-7-1"): 3, j("artikel-7-2"): 1,
        j("artikel-7-3"): 1, j("artikel-7-4"): 1, j("beleidslijn-onedrive-sharepoint"): 1})


# ---------------------------------------------------------------------------------------------
# examples
# ---------------------------------------------------------------------------------------------

EXAMPLES = [
    ("jenv-exchange-online-mailboxes.ttl", [j("beleidslijn-exchange")]),
    ("jenv-teams-videovergaderen.ttl", []),
    ("jenv-aenm-samenwerken-sharepoint.ttl",
     sorted([j("beleidslijn-teams"), j("beleidslijn-onedrive-sharepoint"), j("beleidslijn-onedrive-sharepoint"),
             j("artikel-7-3"), j("artikel-7-4")])),
]


def test_every_jenv_example_is_tested():
    assert {p.name for p in paths.EXAMPLES_DIR.glob("jenv-*.ttl")} == {name for name, _ in EXAMPLES}


@pytest.mark.parametrize("name, expected", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_examples(cli, name, expected):
    results = jenv_results(cli, paths.EXAMPLES_DIR / name)
    assert sorted(r["provision"] for r in results) == expected

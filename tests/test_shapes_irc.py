"""Implementatiekader risicoafweging cloudgebruik (shapes/irc.ttl): the checks of artikel 4, 7
and 12, each with a conforming and a violating service, and the applicability of every cited
article. Results are compared as the exact set of provisions `validate --format json` names
(all frameworks in scope; a ministry's service is under rijk and irc)."""

from __future__ import annotations

import pytest

ID = "https://w3id.org/cloudkader/id/"
RIJK = ID + "rijk"
IRC = ID + "irc"

ALL_PARTS = ("DataPortability", "ServicePortability", "DataDestruction", "AlternativeLanding", "CrisisExit",
             "RegularExit")


def rijk(local: str) -> str:
    return f"{RIJK}/{local}"


def irc(local: str) -> str:
    return f"{IRC}/{local}"


def service(*, org: str = "org:ienw", deployment: str = "ckd:PublicCloud", processes: str = "ckd:NonPersonalData",
            dpia: str | None = "ckd:PreScanDPIA", exit_parts=ALL_PARTS, cio: bool = False) -> str:
    measures = ["ex:svc-audit"]
    extra = "ex:svc-audit a ckd:RightToAudit .\n"
    if dpia:
        measures.append("ex:svc-dpia")
        extra += f"ex:svc-dpia a {dpia} .\n"
    if exit_parts is not None:
        measures.append("ex:svc-exit")
        covers = " ; ckd:covers " + " , ".join(f"ckd:{p}" for p in exit_parts) if exit_parts else ""
        extra += f"ex:svc-exit a ckd:ExitStrategy{covers} .\n"
    if cio:
        measures += ["ex:svc-cio", "ex:svc-explain"]
        extra += "ex:svc-cio a ckd:CioRijkAdvice .\nex:svc-explain a ckd:ComplyOrExplain .\n"
    return f"""ex:svc a ckd:CloudService ;
    rdfs:label "svc" ;
    ckd:usedBy {org} ;
    ckd:deploymentModel {deployment} ;
    ckd:provider ex:svc-provider ;
    ckd:processes {processes} ;
    ckd:dataLocation country:NLD ;
    ckd:hasMeasure {" , ".join(measures)} .
ex:svc-provider a ckd:CloudProvider ; ckd:jurisdiction country:NLD .
""" + extra


def validate(cli, path, *args):
    run = cli("validate", path, "--format", "json", *args)
    assert run.code in (0, 1), run.err
    return run, run.json()


def results(data) -> list[dict]:
    return [r for s in data["services"] for r in s["results"]]


def check(cli, ttl, body: str, expected: set[str], *args) -> list[dict]:
    run, data = validate(cli, ttl(body), *args)
    res = results(data)
    assert {r["provision"] for r in res} == expected, [r["message"] for r in res]
    assert run.code == (1 if any(r["severity"] == "Violation" for r in res) else 0)
    return res


def test_conforming_service(cli, ttl):
    check(cli, ttl, service(), set())


# --- artikel 4: risicoafweging in a (pre-scan) DPIA ------------------------------------------

@pytest.mark.parametrize("dpia", ["ckd:PreScanDPIA", "ckd:DPIA"])
def test_artikel_4_met(cli, ttl, dpia):
    check(cli, ttl, service(dpia=dpia), set())


@pytest.mark.parametrize("dpia", [None, "ckd:RiskAssessment", "ckd:TransferImpactAssessment"])
def test_artikel_4_violated(cli, ttl, dpia):
    # without any risk analysis also Rijk's "Risicobeheersing" (a TIA or generic one meets that)
    extra = {rijk("risicobeheersing-risicoanalyse")} if dpia is None else set()
    res = check(cli, ttl, service(dpia=dpia), {irc("artikel-4"), rijk("voorwaarde-2"), rijk("voorwaarde-5")} | extra)
    assert [r["severity"] for r in res if r["provision"] == irc("artikel-4")] == ["Violation"]
    _run, data = validate(cli, ttl(service(dpia=dpia)), "--framework", "irc")
    assert {r["provision"] for r in results(data)} == {irc("artikel-4")}


def test_artikel_4_not_for_private_cloud(cli, ttl):
    # the Implementatiekader is about public cloud; Rijk's risk analysis holds for private cloud too
    check(cli, ttl, service(deployment="ckd:PrivateCloud", dpia=None, exit_parts=None), {rijk("risicobeheersing-risicoanalyse")})


# --- artikel 7: exit strategy with all its parts (article number disputed) -------------------

def test_artikel_7_no_exit_strategy(cli, ttl):
    res = check(cli, ttl, service(exit_parts=None), {irc("artikel-7"), rijk("voorwaarde-4")})
    # one result for the missing strategy, not one per part
    assert len([r for r in res if r["provision"] == irc("artikel-7")]) == 1


@pytest.mark.parametrize("missing", ALL_PARTS)
def test_artikel_7_one_part_missing(cli, ttl, missing):
    """Issue 13: only the clean-up of data (both sources agree on it) is the Implementatiekader's;
    the other parts come from the JenV line alone, whose attribution is disputed."""
    parts = tuple(p for p in ALL_PARTS if p != missing)
    expected = set()
    if missing in ("DataPortability", "DataDestruction"):
        expected.add(rijk("voorwaarde-4"))  # rijk voorwaarde 4 needs these two
    if missing == "DataDestruction":
        expected.add(irc("artikel-7"))
    res = check(cli, ttl, service(exit_parts=parts), expected)
    a7 = [r for r in res if r["provision"] == irc("artikel-7")]
    assert len(a7) == (1 if missing == "DataDestruction" else 0)


def test_artikel_7_only_the_rijk_parts(cli, ttl):
    check(cli, ttl, service(exit_parts=("DataPortability", "DataDestruction")), set())


def test_artikel_7_empty_exit_strategy(cli, ttl):
    res = check(cli, ttl, service(exit_parts=()), {irc("artikel-7"), rijk("voorwaarde-4")})
    assert len([r for r in res if r["provision"] == irc("artikel-7")]) == 1


def test_artikel_7_parts_are_not_enforced_on_every_ministry(cli, ttl):
    """The crisis exit and budget parts bind JenV and AenM (their own line), not BZK (issue 13)."""
    body = service(exit_parts=("DataPortability", "DataDestruction"))
    _run, data = validate(cli, ttl(body))
    assert not any(r["provision"].startswith(ID + "jenv/") for r in results(data))
    _run, data = validate(cli, ttl(body.replace("org:ienw", "org:jenv")))
    assert {r["provision"] for r in results(data) if "/jenv/artikel-7" in r["provision"]} >= {
        ID + "jenv/artikel-7-3", ID + "jenv/artikel-7-4"}


def test_artikel_7_parts_over_two_exit_documents(cli, ttl):
    body = service(exit_parts=ALL_PARTS[:3]) + (
        "ex:svc ckd:hasMeasure ex:svc-exit2 .\n"
        "ex:svc-exit2 a ckd:ExitStrategy ; ckd:covers ckd:AlternativeLanding , ckd:CrisisExit , ckd:RegularExit .\n")
    check(cli, ttl, body, set())


def test_artikel_7_disputed_number_is_documented(checker):
    from rdflib.namespace import RDFS

    from cloudkader.terms.namespaces import CKD

    shapes = checker.k.shapes
    a7 = [s for s, p in shapes.subject_objects(CKD.provision) if str(p) == irc("artikel-7")]
    assert len(a7) == 2
    for s in a7:
        comments = " ".join(str(c) for c in shapes.objects(s, RDFS.comment))
        assert "exit-strategie-artikelnummer" in comments, s


# --- artikel 12: prior advice for base registries --------------------------------------------

def test_artikel_12_met(cli, ttl):
    check(cli, ttl, service(processes="ckd:BaseRegistry", cio=True), set())


def test_artikel_12_violated(cli, ttl):
    check(cli, ttl, service(processes="ckd:BaseRegistry"),
          {irc("artikel-12"), rijk("voorwaarde-11"), rijk("tabel-basisregistratie")})
    _run, data = validate(cli, ttl(service(processes="ckd:BaseRegistry")), "--framework", "irc")
    assert {r["provision"] for r in results(data)} == {irc("artikel-12")}


def test_artikel_12_not_for_private_cloud(cli, ttl):
    check(cli, ttl, service(deployment="ckd:PrivateCloud", processes="ckd:BaseRegistry", dpia="ckd:RiskAssessment",
                            exit_parts=None), set())


# --- scope and applicability -----------------------------------------------------------------

def applicable_irc(cli, path) -> dict[str, str] | None:
    run = cli("applicable", path, "--format", "json")
    assert run.code == 0, run.err
    [svc] = run.json()["services"]
    scopes = {f["framework"]: f["scope"] for f in svc["frameworks"]}
    if IRC not in scopes:
        return None
    assert scopes[IRC] == "binding"
    return {p["provision"]: p["reason"] for p in svc["provisions"] if p["framework"] == IRC}


PUBLIC = {irc(f"artikel-{n}") for n in ("1", "1c", "2a", "4", "6", "7", "10", "14")}


def test_applicable_public_cloud(cli, ttl):
    got = applicable_irc(cli, ttl(service()))
    assert set(got) == PUBLIC
    assert got[irc("artikel-4")] == "gebruikt een publieke (of hybride) cloud"


@pytest.mark.parametrize("category", ["ckd:PersonalData", "ckd:SpecialCategoryPersonalData"])
def test_applicable_personal_data(cli, ttl, category):
    got = applicable_irc(cli, ttl(service(processes=category)))
    assert set(got) == PUBLIC | {irc("artikel-8"), irc("artikel-11")}
    assert "melding bij CIO-Rijk" in got[irc("artikel-8")]


def test_applicable_base_registry(cli, ttl):
    got = applicable_irc(cli, ttl(service(processes="ckd:BaseRegistry")))
    assert set(got) == PUBLIC | {irc("artikel-12")}


def test_applicable_private_cloud(cli, ttl):
    assert applicable_irc(cli, ttl(service(deployment="ckd:PrivateCloud", processes="ckd:PersonalData"))) == {}


@pytest.mark.parametrize("org,extra", [
    ("org:def", ""),
    ("ex:utrecht", "ex:utrecht a ckd:Gemeente .\n"),
])
def test_not_in_scope(cli, ttl, org, extra):
    body = service(org=org, dpia=None, exit_parts=None) + extra
    assert applicable_irc(cli, ttl(body)) is None
    _run, data = validate(cli, ttl(body), "--framework", "irc")
    assert results(data) == []


def test_every_irc_article_has_a_condition(checker):
    arts = {p: info for p, info in checker.k.provisions.items() if info.framework == IRC}
    assert len(arts) == 12  # the eleven cited articles and the Kamerbrief's state-secret ban (issue 13)
    for p, info in arts.items():
        assert info.applies_when, p
        for cond in info.applies_when:
            assert set(checker.k.reasons.get(cond, {})) == {"nl", "en"}, (p, cond)

"""The AVG as a binding framework (shapes/avg.ttl, issue 13): the legal duties the seeds cite —
processor agreement (art. 28), DPIA (art. 35), transfers outside the EEA only on a Chapter V
ground (art. 44-46) and the Kamerbrief's DTIA duty — for every government body, whatever policy
binds or advises it; the EU-US Data Privacy Framework as the current route for certified US
providers (Rijk 9.b met), the invalidated Privacy Shield never."""

from __future__ import annotations

import pytest

ID = "https://w3id.org/cloudkader/id/"
AVG = ID + "avg"


def a(local: str) -> str:
    return f"{AVG}/{local}"


ORGS = {
    "ministerie": "org:bzk",
    "zbo": "ex:zbo",
    "defensie": "org:def",
    "tweede-kamer": "org:tk",
    "gemeente": "ex:gemeente",
}
ORG_TTL = "ex:zbo a ckd:ZBO ; ckd:partOf org:vws .\nex:gemeente a ckd:Gemeente .\n"


def service(org="org:bzk", data="ckd:PersonalData", location="country:NLD", measures=("ProcessorAgreement", "DPIA"),
            deployment="ckd:PublicCloud", certified=False) -> str:
    ms = " , ".join(f"ex:m-{m}" for m in measures)
    body = ORG_TTL + f"""ex:svc a ckd:CloudService ; ckd:usedBy {org} ; ckd:deploymentModel {deployment} ;
    ckd:processes {data} ; ckd:provider ex:p"""
    if location:
        body += f" ; ckd:dataLocation {location}"
    if measures:
        body += f" ; ckd:hasMeasure {ms}"
    body += " .\n"
    body += "ex:p a ckd:CloudProvider ; ckd:jurisdiction country:USA"
    body += " ; ckd:certifiedUnder <https://w3id.org/cloudkader/id/doc/eu-us-data-privacy-framework> .\n" if certified else " .\n"
    body += "".join(f"ex:m-{m} a ckd:{m} .\n" for m in measures)
    return body


def avg_results(cli, ttl, body) -> tuple[int, set[str], dict]:
    run = cli("validate", ttl(body), "--format", "json")
    assert run.code in (0, 1), run.err
    data = run.json()
    res = [r for s in data["services"] for r in s["results"]]
    return run.code, {r["provision"] for r in res if r["framework"] == AVG}, data


@pytest.mark.parametrize("who", sorted(ORGS))
def test_us_saas_without_measures_violates_the_avg_for_every_government_body(cli, ttl, who):
    code, got, data = avg_results(cli, ttl, service(org=ORGS[who], location="country:USA", measures=()))
    assert got == {a("artikel-28"), a("artikel-35"), a("artikel-44"), a("dtia-doorgifte")}
    assert code == 1  # law, not advice: a violation even where the Rijk policy is only advice
    sev = {r["severity"] for s in data["services"] for r in s["results"] if r["framework"] == AVG}
    assert sev == {"Violation"}


@pytest.mark.parametrize("location, measures, certified, expected", [
    ("country:NLD", ("ProcessorAgreement", "DPIA"), False, set()),
    ("country:NLD", ("DPIA",), False, {"artikel-28"}),
    ("country:NLD", ("ProcessorAgreement",), False, {"artikel-35"}),
    ("country:NLD", ("ProcessorAgreement", "PreScanDPIA"), False, set()),
    ("country:JPN", ("ProcessorAgreement", "DPIA"), False, set()),                  # adequacy (art. 45)
    ("country:USA", ("ProcessorAgreement", "DPIA"), False, {"artikel-44", "dtia-doorgifte"}),
    ("country:USA", ("ProcessorAgreement", "DPIA", "StandardContractualClauses"), False, {"dtia-doorgifte"}),
    ("country:USA", ("ProcessorAgreement", "DPIA", "StandardContractualClauses", "TransferImpactAssessment"), False, set()),
    ("country:USA", ("ProcessorAgreement", "DPIA", "TransferDerogation", "TransferImpactAssessment"), False, set()),
    ("country:USA", ("ProcessorAgreement", "DPIA"), True, set()),                   # Data Privacy Framework
    ("country:IND", ("ProcessorAgreement", "DPIA"), True, {"artikel-44", "dtia-doorgifte"}),  # DPF covers the USA only
])
def test_transfers_and_duties(cli, ttl, location, measures, certified, expected):
    _, got, _ = avg_results(cli, ttl, service(location=location, measures=measures, certified=certified))
    assert got == {a(x) for x in expected}


def test_special_categories_need_a_formal_dpia(cli, ttl):
    _, got, _ = avg_results(cli, ttl, service(data="ckd:SpecialCategoryPersonalData", measures=("ProcessorAgreement", "PreScanDPIA")))
    assert got == {a("artikel-35")}
    _, got, _ = avg_results(cli, ttl, service(data="ckd:SpecialCategoryPersonalData", measures=("ProcessorAgreement", "DPIA")))
    assert got == set()


def test_on_premises_and_non_personal_data_are_outside_these_duties(cli, ttl):
    _, got, _ = avg_results(cli, ttl, service(deployment="ckd:OnPremises", location="country:USA", measures=()))
    assert got == set()
    _, got, _ = avg_results(cli, ttl, service(data="ckd:NonPersonalData", location="country:USA", measures=()))
    assert got == set()


def test_dpf_certification_meets_rijk_9b(cli, ttl):
    """A certified US provider is covered by the adequacy decision of 10 July 2023 (9.b)."""
    body = service(location="country:USA", measures=("ProcessorAgreement", "DPIA"), certified=True)
    _, _, data = avg_results(cli, ttl, body)
    rijk9 = {r["provision"] for s in data["services"] for r in s["results"]} & {
        ID + "rijk/voorwaarde-9", ID + "rijk/tabel-persoonsgegevens"}
    assert rijk9 == set()
    _, _, data = avg_results(cli, ttl, service(location="country:USA", measures=("ProcessorAgreement", "DPIA")))
    assert ID + "rijk/voorwaarde-9" in {r["provision"] for s in data["services"] for r in s["results"]}


def test_privacy_shield_is_no_transfer_ground(cli, ttl):
    body = service(location="country:USA", measures=("ProcessorAgreement", "DPIA")).replace(
        "ckd:jurisdiction country:USA .", "ckd:jurisdiction country:USA ; ckd:certifiedUnder <https://w3id.org/cloudkader/id/doc/eu-us-privacy-shield> .")
    _, got, _ = avg_results(cli, ttl, body)
    assert got == {a("artikel-44"), a("dtia-doorgifte")}


def test_applicable_avg_provisions(cli, ttl):
    run = cli("applicable", ttl(service(location="country:USA")), "--format", "json")
    got = {p["provision"] for s in run.json()["services"] for p in s["provisions"] if p["framework"] == AVG}
    assert got == {a(x) for x in ("artikel-28", "artikel-35", "artikel-44", "artikel-45", "artikel-46", "dtia-doorgifte")}


def test_lapsed_law_is_marked_in_applicable(cli, ttl):
    """Issue 13 (c): a provision resting on a lapsed document carries its status, date and
    successor; current provisions carry none."""
    body = """ex:gemeente a ckd:Gemeente .
ex:svc a ckd:CloudService ; ckd:usedBy ex:gemeente ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:PersonalData ; ckd:dataLocation country:USA ; ckd:provider ex:p .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:USA ."""
    run = cli("applicable", ttl(body), "--format", "json")
    provs = {p["provision"]: p for s in run.json()["services"] for p in s["provisions"]}
    shield = provs[ID + "gemeenten/aandachtspunt-privacy-shield"]["lapsed"]
    assert [(x["document"], x["status"], x["since"], x["successor"]) for x in shield] == [
        (ID + "doc/eu-us-privacy-shield", "Invalidated", "2020-07-16", ID + "doc/eu-us-data-privacy-framework")]
    assert "lapsed" not in provs[a("artikel-44")]
    assert all("lapsed" not in p for k, p in provs.items() if "/rijk/" in k)
    text = cli("applicable", ttl(body)).out
    assert "rust op vervallen EU-VS-privacyschild (Privacy Shield) (Invalidated sinds 2020-07-16" in text

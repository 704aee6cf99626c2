"""Shapes of the IBD Cloud Computing beleid gemeenten (shapes/gemeenten.ttl): for every check a
conforming and a violating service (exact set of provisions in the gemeenten results),
applicability (frameworks and provisions) and the examples in examples/gemeente-*.ttl.

A gemeente also gets the Rijksbreed cloudbeleid as advice: those results are Warnings, written by
another framework's shapes, so the checks below look at the gemeenten results only and at the
rijk results only for their severity."""

from __future__ import annotations

from collections import Counter

import pytest

from cloudkader.terms import paths

EXAMPLES = paths.EXAMPLES_DIR
ID = "https://w3id.org/cloudkader/id/"
GEM = ID + "gemeenten"
RIJK = ID + "rijk"
AVG = ID + "avg"
# the AVG (binding for every government body) asks a DPIA for personal data in a cloud service
DPIA = ("a ckd:DPIA",)

CONTRACT_POINTS = [
    "beveiligingsmaatregelen", "melden-beveiligingsincidenten", "looptijd", "basispakket-tarieven",
    "escrow", "softwarelicenties", "conversie-gegevens", "overdracht-gegevens", "vernietiging-gegevens",
    "continuiteit", "overdracht-leverancier", "backup-uitwijk", "locatie-gegevens", "bewerkersovereenkomst",
    "geheimhouding", "encryptie", "onderaanneming", "opschortingsrecht", "naleving-wetgeving", "logging",
    "audit", "toepasselijk-recht", "exit-regels", "beheerafspraken",
]
MEASURES = {
    "LineManagerApproval": "a ckd:LineManagerApproval",
    "RiskAssessment": "a ckd:RiskAssessment",
    "EncryptionInTransit": "a ckd:EncryptionInTransit",
    "ProcessorAgreement": "a ckd:ProcessorAgreement",
    "AnnualAudit": "a ckd:AnnualAudit",
    "ExitStrategy": "a ckd:ExitStrategy ; ckd:covers ckd:DataPortability , ckd:DataDestruction",
}


def service(without=(), contract=CONTRACT_POINTS, extra_measures=(), deployment="ckd:PublicCloud",
            data="ckd:PersonalData", location="country:NLD", provider="ex:dijkdata", extra="",
            org="ex:gemeente") -> str:
    measures = [(f"ex:m-{k}", v) for k, v in MEASURES.items() if k not in without]
    if contract is not None:
        pts = " , ".join(f"<{GEM}/contract-{c}>" for c in contract)
        measures.append(("ex:m-contract", "a ckd:CloudContract" + (f" ; ckd:coversProvision {pts}" if pts else "")))
    measures += [(f"ex:m-extra-{i}", m) for i, m in enumerate(extra_measures)]
    lines = [f"ex:svc a ckd:CloudService ; ckd:usedBy {org}"]
    for prop, value in (("deploymentModel", deployment), ("processes", data), ("dataLocation", location),
                        ("provider", provider)):
        if value:
            lines.append(f"ckd:{prop} {value}")
    if measures:
        lines.append("ckd:hasMeasure " + " , ".join(m for m, _ in measures))
    if extra:
        lines.append(extra)
    body = "ex:gemeente a ckd:Gemeente .\n"
    body += "ex:dijkdata a ckd:CloudProvider ; ckd:jurisdiction country:NLD .\n"
    body += "ex:bigcloud a ckd:CloudProvider ; ckd:jurisdiction country:USA .\n"
    body += " ;\n    ".join(lines) + " .\n"
    body += "".join(f"{m} {decl} .\n" for m, decl in measures)
    return body


def results(cli, path, framework: str | None = GEM) -> list[dict]:
    run = cli("validate", path, "--format", "json")
    assert run.code in (0, 1), run.err
    out = [r for s in run.json()["services"] for r in s["results"]]
    return [r for r in out if framework is None or r["framework"] == framework]


def provisions(cli, path, framework: str | None = GEM) -> set[str]:
    return {r["provision"].removeprefix(ID) for r in results(cli, path, framework)}


# -- the fully arranged service ------------------------------------------------------------------

def test_fully_arranged_service_conforms(cli, ttl):
    path = ttl(service(extra_measures=DPIA))
    run = cli("validate", path, "--format", "json")
    data = run.json()
    assert data["conforms"] is True and run.code == 0, run.out
    assert [r for r in data["services"][0]["results"] if r["framework"] == GEM] == []
    # advice (rijk) never breaks conformance: its results keep the shape's severity, are marked
    # advisory and are not blocking
    assert not any(r["blocking"] for r in data["services"][0]["results"])


def test_rijk_is_advice_for_a_gemeente(cli, ttl):
    path = ttl(service(without=tuple(MEASURES), contract=None, location="country:USA"))
    res = results(cli, path, framework=None)
    assert {r["framework"] for r in res} <= {GEM, RIJK, AVG}
    assert all(r["scope"] == "advisory" and not r["blocking"] for r in res if r["framework"] == RIJK)
    # the AVG is law, not advice: its results stay blocking violations for a gemeente
    assert {(r["severity"], r["blocking"]) for r in res if r["framework"] == AVG} == {("Violation", True)}
    for r in res:
        if r["framework"] == GEM:
            assert r["message"] and r["message_en"] and r["message"] != r["message_en"]


# -- hoofdstuk 4: one measure missing at a time --------------------------------------------------

@pytest.mark.parametrize("measure, provision, severity", [
    ("LineManagerApproval", "gemeenten/beleid-2", "Violation"),
    ("RiskAssessment", "gemeenten/beleid-4", "Violation"),
    ("EncryptionInTransit", "gemeenten/beleid-8", "Violation"),
    ("ProcessorAgreement", "gemeenten/beleid-13", "Violation"),
    ("AnnualAudit", "gemeenten/beleid-13", "Violation"),
    ("ExitStrategy", "gemeenten/risico-lock-in-migratie", "Warning"),
])
def test_missing_measure(cli, ttl, measure, provision, severity):
    res = results(cli, ttl(service(without=(measure,))))
    assert [(r["provision"].removeprefix(ID), r["severity"]) for r in res] == [(provision, severity)]


def test_dpia_counts_as_risk_analysis(cli, ttl):
    path = ttl(service(without=("RiskAssessment",), extra_measures=["a ckd:DPIA"]))
    assert provisions(cli, path) == set()


def test_right_to_audit_is_not_an_annual_audit(cli, ttl):
    path = ttl(service(without=("AnnualAudit",), extra_measures=["a ckd:RightToAudit"]))
    assert provisions(cli, path) == {"gemeenten/beleid-13"}


def test_beleid_13_one_result_per_missing_measure(cli, ttl):
    res = results(cli, ttl(service(without=("ProcessorAgreement", "AnnualAudit"))))
    assert Counter(r["provision"].removeprefix(ID) for r in res) == Counter({"gemeenten/beleid-13": 2})


def test_beleid_13_needs_personal_data(cli, ttl):
    path = ttl(service(without=("ProcessorAgreement", "AnnualAudit"), data="ckd:NonPersonalData"))
    assert provisions(cli, path) == set()


def test_nothing_arranged_public_cloud(cli, ttl):
    path = ttl(service(without=tuple(MEASURES), contract=None))
    res = results(cli, path)
    assert Counter(r["provision"].removeprefix(ID) for r in res) == Counter({
        "gemeenten/beleid-2": 1, "gemeenten/beleid-4": 1, "gemeenten/beleid-5": 1, "gemeenten/beleid-8": 1,
        "gemeenten/beleid-13": 2, "gemeenten/risico-lock-in-migratie": 1})


# -- what counts as outsourced -------------------------------------------------------------------

def test_private_cloud_at_a_supplier_is_outsourced(cli, ttl):
    path = ttl(service(without=("LineManagerApproval", "EncryptionInTransit"), deployment="ckd:PrivateCloud"))
    assert provisions(cli, path) == {"gemeenten/beleid-2", "gemeenten/beleid-8"}


def test_private_cloud_in_own_data_centre(cli, ttl):
    """No provider: the gemeente's own data centre. Not outsourced, but still cloud (beleid 4)."""
    path = ttl(service(without=tuple(MEASURES), contract=None, deployment="ckd:PrivateCloud", provider=None))
    assert provisions(cli, path) == {"gemeenten/beleid-4"}


def test_on_premises_only(cli, ttl):
    path = ttl(service(without=tuple(MEASURES), contract=None, deployment="ckd:OnPremises", provider=None))
    assert provisions(cli, path) == set()


# -- contract points -----------------------------------------------------------------------------

def test_public_cloud_without_contract_gets_one_result(cli, ttl):
    res = results(cli, ttl(service(contract=None)))
    assert [(r["provision"].removeprefix(ID), r["severity"]) for r in res] == [("gemeenten/beleid-5", "Violation")]


def test_contract_covering_nothing_gets_one_result_per_point(cli, ttl):
    res = results(cli, ttl(service(contract=[])))
    got = Counter(r["provision"].removeprefix(ID) for r in res)
    assert got == Counter({f"gemeenten/contract-{c}": 1 for c in CONTRACT_POINTS})
    assert {r["severity"] for r in res} == {"Violation"}


@pytest.mark.parametrize("missing", [
    ["looptijd"],
    ["escrow", "exit-regels"],
    ["bewerkersovereenkomst", "toepasselijk-recht", "logging"],
])
def test_contract_missing_points(cli, ttl, missing):
    res = results(cli, ttl(service(contract=[c for c in CONTRACT_POINTS if c not in missing])))
    assert Counter(r["provision"].removeprefix(ID) for r in res) == Counter({f"gemeenten/contract-{c}": 1 for c in missing})


def test_contract_points_spread_over_two_contracts(cli, ttl):
    half = len(CONTRACT_POINTS) // 2
    second = " , ".join(f"<{GEM}/contract-{c}>" for c in CONTRACT_POINTS[half:])
    path = ttl(service(contract=CONTRACT_POINTS[:half], extra_measures=[f"a ckd:CloudContract ; ckd:coversProvision {second}"]))
    assert provisions(cli, path) == set()


def test_processor_agreement_point_only_with_personal_data(cli, ttl):
    path = ttl(service(contract=[c for c in CONTRACT_POINTS if c != "bewerkersovereenkomst"], data="ckd:NonPersonalData"))
    assert provisions(cli, path) == set()


def test_contract_of_an_in_house_service_is_checked(cli, ttl):
    path = ttl(service(contract=["looptijd"], deployment="ckd:PrivateCloud", provider=None,
                       data="ckd:NonPersonalData"))
    assert provisions(cli, path) == {f"gemeenten/contract-{c}" for c in CONTRACT_POINTS
                                     if c not in ("looptijd", "bewerkersovereenkomst")}


# -- special category data -----------------------------------------------------------------------

def test_special_category_data_is_restricted(cli, ttl):
    """Issue 13: "dient te worden vermeden … slechts zeer beperkt" is a restriction: a violation
    unless the limited processing is justified (comply-or-explain)."""
    res = results(cli, ttl(service(data="ckd:SpecialCategoryPersonalData", extra_measures=DPIA)))
    assert [(r["provision"].removeprefix(ID), r["severity"]) for r in res] == [
        ("gemeenten/aandachtspunt-bijzondere-persoonsgegevens", "Violation")]
    run = cli("validate", ttl(service(data="ckd:SpecialCategoryPersonalData", extra_measures=DPIA + ("a ckd:ComplyOrExplain",))),
              "--format", "json")
    assert run.json()["conforms"] is True and run.code == 0


def test_special_category_data_on_premises_no_warning(cli, ttl):
    path = ttl(service(data="ckd:SpecialCategoryPersonalData", deployment="ckd:OnPremises", provider=None))
    assert provisions(cli, path) == set()


def test_gemeenten_shapes_only_for_gemeenten(cli, ttl):
    path = ttl(service(without=tuple(MEASURES), contract=[], org="org:bzk", data="ckd:SpecialCategoryPersonalData"))
    assert provisions(cli, path) == set()


# -- applicability -------------------------------------------------------------------------------

def applicable(cli, path) -> dict:
    run = cli("applicable", path, "--format", "json")
    assert run.code == 0, run.err
    return run.json()["services"][0]


def test_frameworks_for_a_gemeente(cli, ttl):
    """Gemeenten binding; Rijksbreed cloudbeleid as advice (a gemeente is a government body outside
    the Rijksdienst); the Implementatiekader (irc) binds only the Rijksdienst and advises nobody."""
    svc = applicable(cli, ttl(service()))
    assert sorted((f["framework"], f["scope"]) for f in svc["frameworks"]) == [(AVG, "binding"), (GEM, "binding"), (RIJK, "advisory")]


OUTSOURCED = (
    {f"gemeenten/beleid-{n}" for n in range(1, 13)}
    | {f"gemeenten/contract-{c}" for c in CONTRACT_POINTS if c != "bewerkersovereenkomst"}
    | {f"gemeenten/risico-{r}" for r in (
        "verlies-besturing", "leverancier-lock-in", "afschermingsfouten", "compliance", "gegevensbeveiliging",
        "gegevensbeveiliging-verwachting", "onveilige-verwijdering", "uitbreiding-perimeter",
        "beschikbaarheid-continuiteit", "onbekende-locatie", "storingen", "beveiliging-internet", "netwerkroute",
        "onduidelijke-dienstverlening", "inzage-leverancier", "lock-in-migratie")}
    | {f"gemeenten/aandachtspunt-{a}" for a in (
        "wetgeving-normenkader", "gedeelde-maatregelen", "eigen-verantwoordelijkheid", "juridisch-advies",
        "afgewogen-keuze", "verantwoordelijkheid", "toepasselijk-recht", "informatiebeveiliging", "sla",
        "standaard-sla", "sla-hierarchie", "geen-verwijzing-website", "ibd-ict-foto")}
)
PERSONAL = {"gemeenten/beleid-13", "gemeenten/contract-bewerkersovereenkomst"} | {
    f"gemeenten/aandachtspunt-{a}" for a in (
        "privacy", "privacy-maatregel-1", "privacy-maatregel-2", "privacy-maatregel-3", "bewuste-keuze")}


def gem_applicable(svc) -> set[str]:
    return {p["provision"].removeprefix(ID) for p in svc["provisions"] if p["framework"] == GEM}


def test_applicable_provisions_public_saas_personal_data_nld(cli, ttl):
    svc = applicable(cli, ttl(service()))
    assert gem_applicable(svc) == OUTSOURCED | PERSONAL
    for p in svc["provisions"]:
        assert p["reason"] and p["reason_en"]


def test_applicable_provisions_us_provider_special_data_in_usa(cli, ttl):
    svc = applicable(cli, ttl(service(data="ckd:SpecialCategoryPersonalData", location="country:USA",
                                      provider="ex:bigcloud")))
    assert gem_applicable(svc) == OUTSOURCED | PERSONAL | {
        "gemeenten/risico-buitenlandse-jurisdictie",
        "gemeenten/aandachtspunt-bijzondere-persoonsgegevens", "gemeenten/aandachtspunt-medische-gegevens",
        "gemeenten/aandachtspunt-gegevens-buitenland", "gemeenten/aandachtspunt-wbp-uitzondering",
        "gemeenten/aandachtspunt-privacy-shield", "gemeenten/aandachtspunt-privacy-shield-akkoord",
        "gemeenten/aandachtspunt-privacy-shield-verplichtingen", "gemeenten/aandachtspunt-privacy-shield-waarborgen"}


def test_applicable_provisions_private_cloud_at_supplier(cli, ttl):
    svc = applicable(cli, ttl(service(deployment="ckd:PrivateCloud", data="ckd:NonPersonalData")))
    expected = (OUTSOURCED - {"gemeenten/risico-afschermingsfouten", "gemeenten/risico-onbekende-locatie"}) \
        | {"gemeenten/aandachtspunt-private-cloud-bij-leverancier"}
    assert gem_applicable(svc) == expected


def test_applicable_provisions_on_premises(cli, ttl):
    svc = applicable(cli, ttl(service(deployment="ckd:OnPremises", provider=None, contract=None)))
    assert gem_applicable(svc) == {"gemeenten/aandachtspunt-wetgeving-normenkader"}


# -- examples ------------------------------------------------------------------------------------

def test_example_saas_in_the_us(cli):
    path = EXAMPLES / "gemeente-zaaksysteem-saas-vs.ttl"
    run = cli("validate", path, "--format", "json")
    assert run.code == 1
    data = run.json()
    assert data["conforms"] is False
    res = results(cli, path)
    assert Counter((r["provision"].removeprefix(ID), r["severity"]) for r in res) == Counter({
        ("gemeenten/beleid-4", "Violation"): 1,
        ("gemeenten/beleid-5", "Violation"): 1,
        ("gemeenten/beleid-13", "Violation"): 2,
        ("gemeenten/risico-lock-in-migratie", "Warning"): 1,
    })
    assert all(r["scope"] == "advisory" and not r["blocking"] for r in results(cli, path, framework=RIJK))


def test_example_well_arranged_saas_in_nld(cli):
    path = EXAMPLES / "gemeente-burgerzaken-saas-nld.ttl"
    run = cli("validate", path, "--format", "json")
    assert run.code == 0, run.out
    assert run.json()["conforms"] is True
    assert results(cli, path) == []

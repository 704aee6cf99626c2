"""Shapes of the Afwegingskader cloudtoepassingen Tweede Kamer (shapes/tk.ttl): for every check a
conforming and a violating service (exact set of provisions in the results), applicability
(frameworks and provisions) and the examples in examples/tk-*.ttl."""

from __future__ import annotations

import pytest

from cloudkader.terms import paths

EXAMPLES = paths.EXAMPLES_DIR

ID = "https://w3id.org/cloudkader/id/"
TK = ID + "tk"
RIJK = ID + "rijk"
AVG = ID + "avg"

# a TK cloud application that meets every tk check
MEASURES = {
    "ProcessorAgreement": "a ckd:ProcessorAgreement",
    "OwnershipClause": "a ckd:OwnershipClause",
    "JurisdictionAgreement": "a ckd:JurisdictionAgreement",
    "EncryptionInTransit": "a ckd:EncryptionInTransit",
    "DataBreachNotification": "a ckd:DataBreachNotification",
    "DPIA": "a ckd:DPIA",
    "DataProCode": "a ckd:DataProCode",
}
EXIT_PARTS = ["DataPortability", "SoftwareReturn", "NoticePeriod", "DataReturnVerification",
              "AlternativeLanding", "BankruptcyArrangement"]


def service(without=(), exit_parts=EXIT_PARTS, extra_measures=(), deployment="ckd:PublicCloud",
            data="ckd:PersonalData", location="country:NLD", extra="", org="org:tk") -> str:
    measures = [(f"ex:m-{k}", v) for k, v in MEASURES.items() if k not in without]
    if exit_parts is not None:
        parts = " , ".join(f"ckd:{p}" for p in exit_parts)
        measures.append(("ex:m-exit", "a ckd:ExitStrategy" + (f" ; ckd:covers {parts}" if parts else "")))
    measures += [(f"ex:m-extra-{i}", m) for i, m in enumerate(extra_measures)]
    lines = [f"ex:svc a ckd:CloudService ; ckd:usedBy {org}"]
    if deployment:
        lines.append(f"ckd:deploymentModel {deployment}")
    if data:
        lines.append(f"ckd:processes {data}")
    if location:
        lines.append(f"ckd:dataLocation {location}")
    if measures:
        lines.append("ckd:hasMeasure " + " , ".join(m for m, _ in measures))
    if extra:
        lines.append(extra)
    body = " ;\n    ".join(lines) + " .\n"
    body += "".join(f"{m} {decl} .\n" for m, decl in measures)
    return body


def results(cli, path, framework: str | None = TK) -> list[dict]:
    run = cli("validate", path, "--format", "json")
    assert run.code in (0, 1, 3), run.err  # 3: no violation, but facts missing (issue 13)
    data = run.json()
    assert len(data["services"]) >= 1
    out = [r for s in data["services"] for r in s["results"]]
    return [r for r in out if framework is None or r["framework"] == framework]


def provisions(cli, path, framework: str | None = TK) -> set[str]:
    return {r["provision"].removeprefix(ID) for r in results(cli, path, framework)}


# -- the fully arranged service ------------------------------------------------------------------

def test_fully_arranged_service_conforms(cli, ttl):
    path = ttl(service())
    run = cli("validate", path, "--format", "json")
    assert run.code == 0, run.out
    data = run.json()
    assert data["conforms"] is True
    # the Rijk policy is advice for the Tweede Kamer (a part of government outside the
    # Rijksdienst): what it would add are warnings only
    assert {r["framework"] for r in data["services"][0]["results"]} <= {RIJK}
    assert not any(r["blocking"] for r in data["services"][0]["results"])
    assert {r["scope"] for r in data["services"][0]["results"]} <= {"advisory"}


def test_tk_service_violations_come_from_tk_and_the_avg(cli, ttl):
    """org:tk is bound by the tk framework and the AVG; the Rijk policy is advice (warnings)."""
    path = ttl(service(without=tuple(MEASURES), exit_parts=None, location=None,
                       extra="ckd:hosts system:vlos"))
    res = results(cli, path, framework=None)
    assert res
    assert {r["framework"] for r in res} == {TK, RIJK, AVG}
    assert {(r["severity"], r["blocking"]) for r in res if r["framework"] in (TK, AVG)} == {("Violation", True)}
    assert {(r["scope"], r["blocking"]) for r in res if r["framework"] == RIJK} == {("advisory", False)}
    for r in res:
        assert r["message"] and r["message_en"] and r["message"] != r["message_en"]


# -- one measure missing at a time: exactly its provision ----------------------------------------

@pytest.mark.parametrize("measure, provision", [
    ("ProcessorAgreement", "tk/element-2"),
    ("OwnershipClause", "tk/element-3"),
    ("JurisdictionAgreement", "tk/element-4"),
    ("EncryptionInTransit", "tk/element-11"),
    ("DataBreachNotification", "tk/element-13"),
    ("DPIA", "tk/element-15"),
    ("DataProCode", "tk/element-16"),
])
def test_missing_measure(cli, ttl, measure, provision):
    path = ttl(service(without=(measure,)))
    assert provisions(cli, path) == {provision}
    run = cli("validate", path, "--format", "json")
    assert run.code == 1


def test_private_cloud_is_a_cloud_application(cli, ttl):
    path = ttl(service(without=("OwnershipClause", "EncryptionInTransit"), deployment="ckd:PrivateCloud"))
    assert provisions(cli, path) == {"tk/element-3", "tk/element-11"}


def test_on_premises_only_is_not_a_cloud_application(cli, ttl):
    path = ttl(service(without=tuple(MEASURES), exit_parts=None, deployment="ckd:OnPremises"))
    assert provisions(cli, path) == set()


# -- element 2: processor agreement or a clause in the main agreement ----------------------------

def test_element_2_clause_in_main_agreement_suffices(cli, ttl):
    path = ttl(service(without=("ProcessorAgreement",),
                       extra_measures=[f"a ckd:CloudContract ; ckd:coversProvision <{TK}/element-2>"]))
    assert provisions(cli, path) == set()


def test_element_2_contract_without_the_clause_does_not_suffice(cli, ttl):
    path = ttl(service(without=("ProcessorAgreement",), extra_measures=["a ckd:CloudContract"]))
    assert provisions(cli, path) == {"tk/element-2"}


def test_personal_data_checks_need_personal_data(cli, ttl):
    """Elements 2, 12, 15 and 16 only apply when personal data is processed."""
    path = ttl(service(without=("ProcessorAgreement", "DPIA", "DataProCode"),
                       data="ckd:NonPersonalData", location="country:USA"))
    assert provisions(cli, path) == set()


def test_special_category_data_is_personal_data(cli, ttl):
    path = ttl(service(without=("DPIA",), data="ckd:SpecialCategoryPersonalData"))
    assert provisions(cli, path) == {"tk/element-15"}


# -- element 12: location in the EEA, or else a TIA ----------------------------------------------

@pytest.mark.parametrize("location, extra", [
    ("country:USA", ""),
    ("country:NLD , country:USA", ""),
    (None, ""),                                                 # unknown location
])
def test_element_12_violation(cli, ttl, location, extra):
    path = ttl(service(location=location, extra=extra))
    assert provisions(cli, path) == {"tk/element-12"}


@pytest.mark.parametrize("location, extra, tia", [
    ("country:IRL , country:DEU", "", False),
    (None, "ckd:dataLocationConstraint ckd:WithinEEA", False),
    ("country:USA", "", True),
    (None, "", True),
])
def test_element_12_conforms(cli, ttl, location, extra, tia):
    path = ttl(service(location=location, extra=extra,
                       extra_measures=["a ckd:TransferImpactAssessment"] if tia else []))
    assert provisions(cli, path) == set()


# -- exit arrangements: elements 18–21 and uitgangspunt 4 ----------------------------------------

def test_no_exit_strategy(cli, ttl):
    path = ttl(service(exit_parts=None))
    assert provisions(cli, path) == {"tk/element-18", "tk/element-19", "tk/element-20", "tk/element-21",
                                     "tk/uitgangspunt-4"}


def test_empty_exit_strategy(cli, ttl):
    path = ttl(service(exit_parts=[]))
    assert provisions(cli, path) == {"tk/element-19", "tk/element-20", "tk/element-21", "tk/uitgangspunt-4"}


@pytest.mark.parametrize("part, provision", [
    ("DataPortability", "tk/element-19"),
    ("SoftwareReturn", "tk/element-19"),
    ("NoticePeriod", "tk/element-20"),
    ("DataReturnVerification", "tk/element-21"),
    ("AlternativeLanding", "tk/uitgangspunt-4"),
    ("BankruptcyArrangement", "tk/uitgangspunt-4"),
])
def test_exit_part_missing(cli, ttl, part, provision):
    path = ttl(service(exit_parts=[p for p in EXIT_PARTS if p != part]))
    assert provisions(cli, path) == {provision}


# -- uitgangspunt 2: Parlis and Vlos not to the cloud --------------------------------------------

@pytest.mark.parametrize("system, deployment", [
    ("system:vlos", "ckd:PublicCloud"),
    ("system:parlis", "ckd:PrivateCloud"),
    ("system:parlis", "ckd:HybridCloud"),
    ("system:vlos", "ckd:CommunityCloud"),
    ("system:parlis", None),
])
def test_critical_system_in_the_cloud(cli, ttl, system, deployment):
    path = ttl(service(deployment=deployment, extra=f"ckd:hosts {system}"))
    res = results(cli, path)
    assert {r["provision"].removeprefix(ID) for r in res} == {"tk/uitgangspunt-2"}
    assert [r["severity"] for r in res] == ["Violation"]


def test_declared_parliamentary_critical_system(cli, ttl):
    path = ttl(service(extra="ckd:hosts ex:stemmingssysteem") +
               "ex:stemmingssysteem a ckd:ParliamentaryCriticalSystem .\n")
    assert provisions(cli, path) == {"tk/uitgangspunt-2"}


@pytest.mark.parametrize("system, deployment", [
    ("system:parlis", "ckd:OnPremises"),    # stays in the own data centre
    ("ex:bezoekersregistratie", "ckd:PublicCloud"),  # not a parliamentary critical system
])
def test_no_critical_system_in_the_cloud(cli, ttl, system, deployment):
    path = ttl(service(deployment=deployment, extra=f"ckd:hosts {system}"))
    assert provisions(cli, path) == set()


def test_other_organisation_is_not_checked_against_tk(cli, ttl):
    path = ttl(service(without=tuple(MEASURES), exit_parts=None, org="org:bzk", extra="ckd:hosts system:vlos"))
    assert provisions(cli, path) == set()


# -- applicability -------------------------------------------------------------------------------

def applicable(cli, path, framework: str | None = TK) -> dict:
    """The service's entry; its provisions limited to ``framework`` (the tk ones by default)."""
    run = cli("applicable", path, "--format", "json")
    assert run.code == 0, run.err
    svc = run.json()["services"][0]
    svc["provisions"] = [p for p in svc["provisions"] if framework is None or p["framework"] == framework]
    return svc


def test_frameworks_for_the_tweede_kamer(cli, ttl):
    svc = applicable(cli, ttl(service()))
    assert [(f["framework"], f["scope"]) for f in svc["frameworks"]] == [(AVG, "binding"), (RIJK, "advisory"), (TK, "binding")]


ALWAYS = {"tk/uitgangspunt-1"}
CLOUD = {"tk/uitgangspunt-3", "tk/uitgangspunt-4", "tk/element-1", "tk/element-3", "tk/element-4",
         "tk/element-11", "tk/element-13", "tk/element-18", "tk/element-19", "tk/element-20", "tk/element-21"}
PERSONAL = {"tk/element-2", "tk/element-12", "tk/element-14", "tk/element-15", "tk/element-16"}


def test_applicable_provisions_personal_data_in_nld(cli, ttl):
    svc = applicable(cli, ttl(service()))
    got = {p["provision"].removeprefix(ID) for p in svc["provisions"]}
    assert got == ALWAYS | CLOUD | PERSONAL
    for p in svc["provisions"]:
        assert p["framework"] == TK and p["reason"] and p["reason_en"]


def test_applicable_provisions_personal_data_outside_eea_and_vlos(cli, ttl):
    svc = applicable(cli, ttl(service(location="country:USA", extra="ckd:hosts system:vlos")))
    got = {p["provision"].removeprefix(ID) for p in svc["provisions"]}
    assert got == ALWAYS | CLOUD | PERSONAL | {"tk/element-17", "tk/uitgangspunt-2"}
    reasons = {p["provision"].removeprefix(ID): p["reason"] for p in svc["provisions"]}
    assert "Parlis" in reasons["tk/uitgangspunt-2"]
    assert "buiten de EER" in reasons["tk/element-17"]


def test_applicable_provisions_without_personal_data(cli, ttl):
    svc = applicable(cli, ttl(service(data="ckd:NonPersonalData")))
    assert {p["provision"].removeprefix(ID) for p in svc["provisions"]} == ALWAYS | CLOUD


def test_applicable_provisions_on_premises(cli, ttl):
    svc = applicable(cli, ttl(service(deployment="ckd:OnPremises", extra="ckd:hosts system:parlis")))
    assert {p["provision"].removeprefix(ID) for p in svc["provisions"]} == {"tk/uitgangspunt-1", "tk/uitgangspunt-2"}


def test_elements_without_text_never_apply(cli, ttl):
    svc = applicable(cli, ttl(service(location=None)))
    got = {p["provision"].removeprefix(ID) for p in svc["provisions"]}
    assert not got & {f"tk/element-{n}" for n in range(5, 11)}


# -- examples ------------------------------------------------------------------------------------

def test_example_private_cloud_conforms(cli):
    path = EXAMPLES / "tk-commissiedossiers-private-cloud.ttl"
    run = cli("validate", path, "--format", "json")
    assert run.code == 0, run.out
    data = run.json()
    assert data["conforms"] is True
    assert [r for s in data["services"] for r in s["results"]] == []


def test_example_vlos_saas_violates(cli):
    path = EXAMPLES / "tk-vlos-spraakherkenning-saas.ttl"
    run = cli("validate", path, "--format", "json")
    assert run.code == 1
    data = run.json()
    assert data["conforms"] is False
    assert provisions(cli, path, framework=None) - provisions(cli, path, framework=RIJK) == {"tk/uitgangspunt-2", "tk/element-16"}

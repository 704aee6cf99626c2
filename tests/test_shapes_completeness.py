"""Saying nothing is not compliance (issue 13): a check that depends on facts the description
does not give is undetermined, naming them; exit status 3 when nothing is violated but something
is undetermined; a violation always wins (1)."""

from __future__ import annotations

ID = "https://w3id.org/cloudkader/id/"
DEPLOYMENT = "https://w3id.org/cloudkader/def#FactDeploymentModel"




def test_a_service_that_only_names_its_user_is_undetermined(cli, ttl):
    run = cli("validate", ttl("ex:svc a ckd:CloudService ; ckd:usedBy org:bzk ."), "--format", "json")
    assert run.code == 3
    doc = run.json()
    [s] = doc["services"]
    assert doc["conforms"] is False and doc["outcome"] == "undetermined"
    assert s["conforms"] is False and s["outcome"] == "undetermined" and s["results"] == []
    by = {u["provision"]: u for u in s["undetermined"]}
    assert DEPLOYMENT in by[ID + "rijk/voorwaarde-2"]["missing"]
    assert ID + "avg/artikel-28" in by  # the processor agreement depends on cloud use and personal data
    text = cli("validate", ttl("ex:svc a ckd:CloudService ; ckd:usedBy org:bzk ."))
    assert text.code == 3 and "undetermined (facts missing)" in text.out and "[Onbeslist]" in text.out


def test_a_violation_wins(cli, ttl):
    body = "ex:svc a ckd:CloudService ; ckd:usedBy org:bzk ; ckd:deploymentModel ckd:PublicCloud ."
    run = cli("validate", ttl(body), "--format", "json")
    assert run.code == 1
    s = run.json()["services"][0]
    assert s["outcome"] == "violates" and s["undetermined"]  # the data categories are still missing
    # the deployment model is given: no undetermined provision names it
    assert all(u["missing"] and DEPLOYMENT not in u["missing"] for u in s["undetermined"])


def test_a_fully_described_service_is_decided(cli, ttl):
    body = """ex:svc a ckd:CloudService ; ckd:usedBy org:bzk ; ckd:deploymentModel ckd:OnPremises ;
    ckd:processes ckd:NonPersonalData ; ckd:dataLocation country:NLD ; ckd:provider ex:p .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:NLD ."""
    run = cli("validate", ttl(body), "--format", "json")
    assert run.code == 0
    s = run.json()["services"][0]
    assert s["outcome"] == "conforms" and s["undetermined"] == []


def test_turtle_report_names_the_missing_facts(cli, ttl):
    from rdflib import Graph, Namespace

    run = cli("validate", ttl("ex:svc a ckd:CloudService ; ckd:usedBy org:bzk ."), "--format", "turtle")
    assert run.code == 3
    g = Graph().parse(data=run.out, format="turtle")
    ckd, sh = Namespace("https://w3id.org/cloudkader/def#"), Namespace("http://www.w3.org/ns/shacl#")
    assert list(g.objects(None, sh.conforms)) and all(not c.toPython() for c in g.objects(None, sh.conforms))
    nodes = set(g.subjects(predicate=None, object=ckd.UndeterminedResult))
    assert nodes and all(list(g.objects(n, ckd.missingFact)) for n in nodes)


def test_help_documents_the_exit_statuses(capsys):
    import pytest

    from cloudkader.cli import main

    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    out = capsys.readouterr().out
    assert "3 no violation, but some" in " ".join(out.split())


def test_pages_show_the_three_outcomes(client):
    """The check page and the register page say "onbeslist" where facts are missing."""
    html = {"Accept": "text/html"}
    r = client.post("/check", data={"org": "bzk", "name": "Alleen een gebruiker"}, headers=html)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "onbeslist (feiten ontbreken)" in page and "Ontbrekende feiten: " in page
    register = client.get("/register", headers=html).get_data(as_text=True)
    assert "onbeslist (feiten ontbreken)" in register and "voldoet niet" in register

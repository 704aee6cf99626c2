"""A new version of a framework is Turtle only (issue 17): a temporary copy of the project gets a
fictitious later version of the Rijk policy (test data only, never shipped as if it were real)
— a framework with its date, a supersession of the 2022 policy and provisions that continue the
earlier ones — and the copy's own code answers ``--at`` before and after its date, ``diff``
across it, and carries the overlaps over where ``ckd:continues`` declares it. One build."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

try:
    from .project_copy import built_copy
except ImportError:  # run as a top-level test module
    from project_copy import built_copy

VERSION = """\
@prefix ckd:      <https://w3id.org/cloudkader/def#> .
@prefix id:       <https://w3id.org/cloudkader/id/> .
@prefix rijk:     <https://w3id.org/cloudkader/id/rijk/> .
@prefix rijktest: <https://w3id.org/cloudkader/id/rijktest/> .
@prefix theme:    <https://w3id.org/cloudkader/id/theme/> .
@prefix dcterms:  <http://purl.org/dc/terms/> .
@prefix eli:      <http://data.europa.eu/eli/ontology#> .
@prefix xsd:      <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .

id:rijktest a ckd:Framework ;
    dcterms:title "Rijksbreed cloudbeleid (fictieve herziening, testgegevens)"@nl , "Government-wide cloud policy (fictitious revision, test data)"@en ;
    rdfs:label "Rijksbreed cloudbeleid (fictieve herziening)"@nl , "Government-wide cloud policy (fictitious revision)"@en ;
    ckd:key "rijktest" ;
    ckd:position 7 ;
    eli:first_date_entry_in_force "2027-03-01"^^xsd:date ;
    ckd:supersedes id:rijk ;
    ckd:bindsClass ckd:RijksdienstOrganisation ;
    ckd:excludesClass ckd:Defensie .

[] a ckd:Supersession ;
    rdfs:label "Rijksbreed cloudbeleid 2022 vervangen door de fictieve herziening"@nl , "Government-wide cloud policy 2022 replaced by the fictitious revision"@en ;
    ckd:superseded id:rijk ;
    ckd:supersededBy id:rijktest ;
    ckd:date "2027-03-01"^^xsd:date ;
    ckd:kind ckd:Superseded .

rijktest:voorwaarde-1 a ckd:Requirement ;
    ckd:framework id:rijktest ;
    ckd:number "1" ;
    rdfs:label "Fictieve herziening voorwaarde 1 (exit-strategie)"@nl , "Fictitious revision condition 1 (exit strategy)"@en ;
    ckd:text "Bij gebruik van de publieke cloud is er een exit-strategie."@nl ;
    ckd:modality ckd:Obligatory ;
    ckd:theme theme:exit-strategy ;
    ckd:continues rijk:voorwaarde-1 .
"""

VERSION_SHAPES = """\
@prefix sh:       <http://www.w3.org/ns/shacl#> .
@prefix ckd:      <https://w3id.org/cloudkader/def#> .
@prefix shc:      <https://w3id.org/cloudkader/shape/common/> .
@prefix shrt:     <https://w3id.org/cloudkader/shape/rijktest/> .
@prefix rijktest: <https://w3id.org/cloudkader/id/rijktest/> .
@prefix id:       <https://w3id.org/cloudkader/id/> .
@prefix rdfs:     <http://www.w3.org/2000/01/rdf-schema#> .

shrt:PublicCloudUse a sh:NodeShape , ckd:ApplicabilityCondition ;
    sh:and ( [ sh:property [ sh:path ckd:inScopeOf ; sh:hasValue id:rijktest ] ] shc:PublicCloudUse ) ;
    ckd:reason "gebruikt een publieke (of hybride) cloud"@nl , "uses a public (or hybrid) cloud"@en .

rijktest:voorwaarde-1 ckd:appliesWhen shrt:PublicCloudUse .

shrt:voorwaarde-1 a sh:NodeShape ;
    sh:targetClass ckd:CloudService ;
    ckd:provision rijktest:voorwaarde-1 ;
    sh:severity sh:Violation ;
    sh:message "Fictieve herziening voorwaarde 1: leg een exit-strategie vast (ckd:ExitStrategy)."@nl ,
        "Fictitious revision condition 1: record an exit strategy (ckd:ExitStrategy)."@en ;
    sh:or ( [ sh:not shrt:PublicCloudUse ]
            [ sh:property [ sh:path ckd:hasMeasure ; sh:qualifiedMinCount 1 ; sh:qualifiedValueShape [ sh:class ckd:ExitStrategy ] ] ] ) .
"""

SERVICE = """\
@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix ex:  <https://example.org/> .
ex:mail a ckd:CloudService ; ckd:usedBy org:bzk ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:NonPersonalData ; ckd:dataLocation country:NLD ; ckd:provider ex:p .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:NLD .
"""

ID = "https://w3id.org/cloudkader/id/"
RIJK, NEW = ID + "rijk", ID + "rijktest"
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("framework-version")
    root, env = built_copy(tmp, {"data/provisions/rijktest.ttl": VERSION, "shapes/rijktest.ttl": VERSION_SHAPES})
    (tmp / "service.ttl").write_text(SERVICE, encoding="utf-8")
    return root, env, tmp / "service.ttl"


RUNS = {
    "before": ["applicable", "{service}", "--at", "2027-02-28", "--format", "json"],
    "after": ["applicable", "{service}", "--at", "2027-03-01", "--format", "json"],
    "validate": ["validate", "{service}", "--at", "2027-03-01", "--format", "json"],
    "diff": ["diff", "--from", "2027-02-28", "--to", "2027-03-01", "{service}", "--format", "json"],
    "overlaps_before": ["overlaps", "--format", "json", "--at", "2027-02-28", "--store", "oxigraph"],
    "overlaps_after": ["overlaps", "--format", "json", "--at", "2027-03-01", "--store", "oxigraph"],
}

# every command in one process of the copy (one start, one load of its corpus)
MANY = """
import contextlib, io, json, sys
from cloudkader.cli import main
out = {}
for name, argv in json.loads(sys.argv[1]).items():
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(argv)
    out[name] = {"code": code, "out": buf.getvalue()}
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def answers(project):
    root, env, service = project
    runs = {k: [a.replace("{service}", str(service)) for a in v] for k, v in RUNS.items()}
    run = subprocess.run([sys.executable, "-c", MANY, json.dumps(runs)], cwd=root, env=dict(os.environ, **env),
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    got = json.loads(run.stdout)
    for name, r in got.items():
        assert r["code"] in (0, 1, 3), (name, r)
    return {name: json.loads(r["out"]) for name, r in got.items()}


def test_at_before_and_after_the_new_version(answers):
    scopes = lambda d: {f["framework"]: f["scope"] for s in d["services"] for f in s["frameworks"]}  # noqa: E731
    before, after = answers["before"], answers["after"]
    assert scopes(before).get(RIJK) == "binding" and NEW not in scopes(before)
    assert scopes(after).get(NEW) == "binding" and RIJK not in scopes(after)
    provisions = {p["provision"] for s in after["services"] for p in s["provisions"]}
    assert NEW + "/voorwaarde-1" in provisions and not any(p.startswith(RIJK + "/") for p in provisions)
    v = answers["validate"]
    assert NEW + "/voorwaarde-1" in {r["provision"] for s in v["services"] for r in s["results"] if r["blocking"]}


def test_diff_across_the_new_version(answers):
    d = answers["diff"]
    corpus = {c["iri"]: c for c in d["corpus"]}
    assert (corpus[RIJK]["from"], corpus[RIJK]["to"], corpus[RIJK]["successor"]) == ("in", "out", NEW)
    assert (corpus[NEW]["from"], corpus[NEW]["to"]) == ("out", "in")
    (s,) = d["services"]
    assert {"framework": RIJK, "from": "binding", "to": "out"} in s["scope_changes"]
    assert {"framework": NEW, "from": "out", "to": "binding"} in s["scope_changes"]
    assert NEW + "/voorwaarde-1" in {v["provision"] for v in s["new_violations"]}
    assert any(v["provision"].startswith(RIJK + "/") for v in s["resolved_violations"])


def test_overlaps_carry_over_where_declared(answers):
    before, after = answers["overlaps_before"], answers["overlaps_after"]
    old = {(o["source"], o["target"]) for o in before["overlaps"] if RIJK + "/voorwaarde-1" in (o["source"], o["target"])}
    assert old, "rijk:voorwaarde-1 has overlaps in the corpus"
    carried = [o for o in after["overlaps"] if NEW + "/voorwaarde-1" in (o["source"], o["target"])]
    assert {(o["source"].replace(NEW, RIJK), o["target"].replace(NEW, RIJK)) for o in carried} == old
    assert all(o["carried_over_from"] for o in carried)
    assert not any(RIJK + "/" in o["source"] + o["target"] for o in after["overlaps"])

"""A framework is Turtle: a copy of the project gets a sixth, fictitious framework (ZBO) as a
provisions file, a shapes file and one overlap — no code change — and the copy's own code must
build it, list it, serve it, apply it, validate it, map it and show it.

The copy (ontology, data, shapes, queries, examples, server, pyproject.toml) lives in a temporary
folder; its package is put on ``PYTHONPATH`` as ``cloudkader`` through a symlink to the copy's
``server/`` (``paths.ROOT`` follows the symlink to the copy), its build goes to a temporary
``CLOUDKADER_BUILD_DIR``. The ZBO files are written here and never shipped. One build, one
server for the module."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

try:
    from .project_copy import built_copy, cli
    from .server_process import ServerProcess
except ImportError:  # run as a top-level test module
    from project_copy import built_copy, cli
    from server_process import ServerProcess

ZBO_PROVISIONS = """\
@prefix ckd:     <https://w3id.org/cloudkader/def#> .
@prefix id:      <https://w3id.org/cloudkader/id/> .
@prefix org:     <https://w3id.org/cloudkader/id/org/> .
@prefix zbo:     <https://w3id.org/cloudkader/id/zbo/> .
@prefix theme:   <https://w3id.org/cloudkader/id/theme/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .

id:zbo a ckd:Framework ;
    dcterms:title "Cloudkader zelfstandige bestuursorganen (testkader)"@nl , "Cloud framework for independent administrative bodies (test)"@en ;
    rdfs:label "Cloudkader zelfstandige bestuursorganen (testkader)"@nl , "Cloud framework for independent administrative bodies (test)"@en ;
    ckd:key "zbo" ;
    ckd:position 7 ;  # after the AVG (position 6, issue 13)
    ckd:bindsOrganisation org:jenv .

zbo:artikel-1 a ckd:Requirement ;
    ckd:framework id:zbo ;
    ckd:number "1" ;
    rdfs:label "ZBO-kader artikel 1 (exit-strategie)"@nl , "ZBO framework article 1 (exit strategy)"@en ;
    ckd:text "Bij gebruik van de publieke cloud is er een exit-strategie."@nl ;
    ckd:modality ckd:Obligatory ;
    ckd:theme theme:exit-strategy .
"""

ZBO_SHAPES = """\
@prefix sh:      <http://www.w3.org/ns/shacl#> .
@prefix ckd:     <https://w3id.org/cloudkader/def#> .
@prefix shc:     <https://w3id.org/cloudkader/shape/common/> .
@prefix shz:     <https://w3id.org/cloudkader/shape/zbo/> .
@prefix zbo:     <https://w3id.org/cloudkader/id/zbo/> .
@prefix id:      <https://w3id.org/cloudkader/id/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .

shz:InScope a sh:NodeShape ;
    rdfs:label "valt onder het ZBO-kader"@nl , "in scope of the ZBO framework"@en ;
    sh:property [ sh:path ckd:inScopeOf ; sh:hasValue id:zbo ] .

shz:PublicCloudUse a sh:NodeShape , ckd:ApplicabilityCondition ;
    sh:and ( shz:InScope shc:PublicCloudUse ) ;
    ckd:reason "gebruikt een publieke (of hybride) cloud"@nl , "uses a public (or hybrid) cloud"@en .

zbo:artikel-1 ckd:appliesWhen shz:PublicCloudUse .

shz:HasExitStrategy a sh:NodeShape ;
    sh:property [ sh:path ckd:hasMeasure ; sh:qualifiedMinCount 1 ;
        sh:qualifiedValueShape [ sh:class ckd:ExitStrategy ] ] .

shz:artikel-1 a sh:NodeShape ;
    sh:targetClass ckd:CloudService ;
    ckd:provision zbo:artikel-1 ;
    sh:severity sh:Violation ;
    sh:message "ZBO-kader artikel 1: leg een exit-strategie vast (ckd:ExitStrategy)."@nl ,
        "ZBO framework article 1: record an exit strategy (ckd:ExitStrategy)."@en ;
    sh:or ( [ sh:not shz:PublicCloudUse ] shz:HasExitStrategy ) .
"""

ZBO_OVERLAP = """\
@prefix ckd:     <https://w3id.org/cloudkader/def#> .
@prefix zbo:     <https://w3id.org/cloudkader/id/zbo/> .
@prefix irc:     <https://w3id.org/cloudkader/id/irc/> .
@prefix theme:   <https://w3id.org/cloudkader/id/theme/> .
@prefix rdfs:    <http://www.w3.org/2000/01/rdf-schema#> .

<https://w3id.org/cloudkader/id/overlap/zbo-artikel-1--irc-artikel-7> a ckd:Overlap ;
    rdfs:label "zbo:artikel-1 overlapt met irc:artikel-7"@nl , "zbo:artikel-1 intersects with irc:artikel-7"@en ;
    ckd:source zbo:artikel-1 ;
    ckd:target irc:artikel-7 ;
    ckd:relation ckd:IntersectsWith ;
    ckd:theme theme:exit-strategy ;
    ckd:rationale "Beide vragen een exit-strategie."@nl , "Both ask for an exit strategy."@en .
"""

SERVICE = """\
@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
@prefix ex:  <https://example.org/> .
ex:mail a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:deploymentModel ckd:PublicCloud .
"""

ZBO = "https://w3id.org/cloudkader/id/zbo"
ARTIKEL_1 = ZBO + "/artikel-1"
@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The copy with the sixth framework, built once; yields (root, environment)."""
    return built_copy(tmp_path_factory.mktemp("sixth-framework"), {
        "data/provisions/zbo.ttl": ZBO_PROVISIONS, "shapes/zbo.ttl": ZBO_SHAPES, "data/overlaps/zbo.ttl": ZBO_OVERLAP})


@pytest.fixture(scope="module")
def server(project):
    root, env = project
    with ServerProcess(env=env, cwd=root) as s:
        yield s.url


def test_the_copy_runs_its_own_code(project):
    root, env = project
    run = subprocess.run([sys.executable, "-c", "import cloudkader.terms.paths as p; print(p.ROOT)"],
                         env=dict(os.environ, **env), capture_output=True, text=True, check=True)
    assert Path(run.stdout.strip()) == root.resolve()


def test_built_into_its_own_graph_and_listed_by_the_named_query(project):
    root, env = project
    catalogue = json.loads((Path(env["CLOUDKADER_BUILD_DIR"]) / "frameworks.json").read_text(encoding="utf-8"))
    keys = [f["key"] for f in catalogue["frameworks"]]
    assert keys == ["rijk", "tk", "gemeenten", "jenv", "irc", "avg", "zbo"]
    zbo = catalogue["frameworks"][-1]
    assert (zbo["graph"], zbo["prefix"], zbo["namespace"]) == (
        "https://w3id.org/cloudkader/graph/zbo", "zbo", "https://w3id.org/cloudkader/id/zbo/")
    assert catalogue["prefixes"]["shz"] == "https://w3id.org/cloudkader/shape/zbo/"
    run = cli(env, root, "query", "--name", "frameworks", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = {b["key"]["value"]: b for b in json.loads(run.stdout)["results"]["bindings"]}
    assert set(rows) == set(keys)
    assert rows["zbo"]["framework"]["value"] == ZBO and rows["zbo"]["provisions"]["value"] == "1"


def test_dereferenceable(server):
    r = requests.get(server + "/id/zbo", headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200 and "ckd:key \"zbo\"" in r.text.replace("'", '"')
    r = requests.get(server + "/id/zbo/artikel-1", headers={"Accept": "application/n-triples"}, timeout=30)
    assert r.status_code == 200
    assert f"<{ARTIKEL_1}> <https://w3id.org/cloudkader/def#framework> <{ZBO}>" in r.text
    page = requests.get(server + "/id/zbo/artikel-1", headers={"Accept": "text/html"}, timeout=30)
    assert page.status_code == 200 and "Bij gebruik van de publieke cloud is er een exit-strategie." in page.text


def test_applied_and_validated(server):
    headers = {"Content-Type": "text/turtle", "Accept": "application/json"}
    r = requests.post(server + "/applicable", data=SERVICE.encode(), headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    (service,) = r.json()["services"]
    zbo = [f for f in service["frameworks"] if f["framework"] == ZBO]
    assert zbo and zbo[0]["scope"] == "binding"
    assert ARTIKEL_1 in json.dumps(service["provisions"])
    r = requests.post(server + "/validate", params={"framework": "zbo"}, data=SERVICE.encode(), headers=headers, timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["conforms"] is False
    results = [x for s in body["services"] for x in s["results"]]
    assert results and {x["provision"] for x in results} == {ARTIKEL_1}
    assert {x["framework"] for x in results} == {ZBO}
    r = requests.post(server + "/validate", params={"framework": "nope"}, data=SERVICE.encode(), headers=headers, timeout=60)
    assert r.status_code == 400 and "zbo" in r.text


def test_in_overlaps_matrix_and_oscal(project, server):
    root, env = project
    r = requests.get(server + "/overlaps", params={"provision": "zbo:artikel-1"}, headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    assert [(o["source"], o["target"]) for o in r.json()["overlaps"]] == [(ARTIKEL_1, "https://w3id.org/cloudkader/id/irc/artikel-7")]
    run = cli(env, root, "overlaps", "--matrix", "--format", "json")
    assert run.returncode == 0, run.stderr
    m = json.loads(run.stdout)
    assert m["frameworks"][-1] == "zbo"
    cell = next(c for c in m["cells"] if (c["source"], c["target"]) == ("irc", "zbo"))
    assert cell["counts"]["intersects-with"] == 1
    out = root / "oscal"
    run = cli(env, root, "overlaps", "--format", "oscal", "--oscal-dir", str(out))
    assert run.returncode == 0, run.stderr
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
    pair = [d for d in docs if ZBO in json.dumps(d)]
    assert len(pair) == 1
    text = json.dumps(pair[0])
    assert "intersects-with" in text and "https://w3id.org/cloudkader/id/irc" in text


def test_on_the_pages_and_in_the_openapi_enum(server):
    home = requests.get(server + "/", timeout=30)
    assert home.status_code == 200 and "Cloudkader zelfstandige bestuursorganen (testkader)" in home.text
    listing = requests.get(server + "/frameworks", timeout=30)
    assert "/frameworks/zbo" in listing.text
    page = requests.get(server + "/frameworks/zbo", timeout=30)
    assert page.status_code == 200 and "artikel-1" in page.text
    matrix = requests.get(server + "/overlaps/matrix", timeout=30)
    assert matrix.status_code == 200
    assert "/overlaps/pair/irc/zbo" in matrix.text or "/overlaps/pair/zbo/irc" in matrix.text
    doc = requests.get(server + "/openapi.json", timeout=30).json()
    assert doc["components"]["schemas"]["FrameworkKey"]["enum"] == ["rijk", "tk", "gemeenten", "jenv", "irc", "avg", "zbo"]

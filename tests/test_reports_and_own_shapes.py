"""Reports as SHACL defines them, and an organisation's own shapes (``validate --shapes``).

- ``sh:resultSeverity`` is the shape's ``sh:severity``; a framework that applies as advice is
  stated beside it (``ckd:scope ckd:Advisory``, ``ckd:effectiveSeverity sh:Warning``,
  ``ckd:blocking false``), never by rewriting the severity;
- ``sh:conforms`` is false as soon as there is a result; the JSON's ``conforms`` (and the exit
  status) follow cloudkader's ``blocking`` flag;
- one result per value node, with ``sh:value``;
- own shapes are validated beside the frameworks' shapes; their results name their shape."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from cloudkader.terms import paths
from cloudkader.terms.namespaces import CKD, SH

CAELUS = paths.EXAMPLES_DIR / "caelus.ttl"
OWN = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix ex: <https://example.org/own#> .
ex:BreachNotificationRequired a sh:NodeShape ; sh:targetClass ckd:CloudService ;
    sh:message "Eigen beleid: leg een meldplicht datalekken vast."@nl , "Own policy: record a data breach notification duty."@en ;
    sh:property [ sh:path ckd:hasMeasure ; sh:qualifiedMinCount 1 ;
                  sh:qualifiedValueShape [ sh:class ckd:DataBreachNotification ] ] .
ex:OnlyNlLocations a sh:NodeShape ; sh:targetClass ckd:CloudService ;
    sh:property [ sh:path ckd:dataLocation ; sh:severity sh:Warning ;
                  sh:in ( <http://publications.europa.eu/resource/authority/country/NLD> ) ] .
"""


def _report(text: str) -> tuple[Graph, object]:
    g = Graph().parse(data=text, format="turtle")
    return g, next(g.subjects(RDF.type, SH.ValidationReport))


ADVICE = """ex:utrecht a ckd:Gemeente .
ex:s a ckd:CloudService ; ckd:usedBy ex:utrecht ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:StateSecret .
"""


def test_advice_keeps_the_shapes_severity_and_says_it_is_advice(cli, ttl):
    gemeente = ttl(ADVICE)
    js = cli("validate", gemeente, "--format", "json")
    results = js.json()["services"][0]["results"]
    advisory = [r for r in results if r["scope"] == "advisory"]
    assert advisory, "the example gets the Rijk policy as advice"
    assert any(r["severity"] == "Violation" for r in advisory)
    assert not any(r["blocking"] for r in advisory)
    run = cli("validate", gemeente, "--format", "turtle")
    g, root = _report(run.out)
    assert run.code == js.code
    for r in g.subjects(RDF.type, SH.ValidationResult):
        shape_severity = g.value(r, SH.resultSeverity)
        if g.value(r, CKD.scope) == CKD.Advisory and shape_severity == SH.Violation:
            assert g.value(r, CKD.effectiveSeverity) == SH.Warning
            assert g.value(r, CKD.blocking) == Literal(False)
    # SHACL 3.6.1.1: any result makes sh:conforms false, whatever cloudkader's verdict
    has_results = (root, SH.result, None) in g
    assert g.value(root, SH.conforms) == Literal(not has_results)
    # the text output marks advice as not blocking
    text = cli("validate", gemeente).out
    assert "advisory: not blocking" in text


def test_own_shapes_are_validated_beside_the_frameworks(cli, tmp_path):
    own = tmp_path / "own.ttl"
    own.write_text(OWN, encoding="utf-8")
    base = cli("validate", CAELUS, "--format", "json").json()["services"][0]["results"]
    run = cli("validate", CAELUS, "--shapes", own, "--format", "json")
    results = run.json()["services"][0]["results"]
    mine = [r for r in results if r["provision"] is None]
    assert [r for r in results if r["provision"] is not None] == base  # the frameworks' results unchanged
    assert {r["shape"] for r in mine} >= {"https://example.org/own#BreachNotificationRequired"}
    risk = next(r for r in mine if r["shape"] == "https://example.org/own#BreachNotificationRequired")
    assert risk["severity"] == "Violation" and risk["blocking"] and risk["framework"] is None
    assert risk["message"] == "Eigen beleid: leg een meldplicht datalekken vast."
    assert risk["message_en"] == "Own policy: record a data breach notification duty."
    assert run.code == 1
    text = cli("validate", CAELUS, "--shapes", own).out
    assert "Eigen beleid: leg een meldplicht datalekken vast." in text


def test_one_result_per_value_node_with_its_value(cli, tmp_path, ttl):
    path = ttl("""
ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:deploymentModel ckd:PrivateCloud ;
    ckd:dataLocation country:USA , country:CHN , country:NLD .
""")
    own = tmp_path / "own.ttl"
    own.write_text(OWN, encoding="utf-8")
    run = cli("validate", path, "--shapes", own, "--format", "turtle")
    g, _root = _report(run.out)
    values = sorted(str(g.value(r, SH.value)) for r in g.subjects(RDF.type, SH.ValidationResult)
                    if g.value(r, SH.sourceConstraintComponent) == SH.InConstraintComponent)
    assert values == ["http://publications.europa.eu/resource/authority/country/CHN",
                      "http://publications.europa.eu/resource/authority/country/USA"]
    for r in g.subjects(RDF.type, SH.ValidationResult):
        if g.value(r, SH.sourceConstraintComponent) == SH.InConstraintComponent:
            assert g.value(r, SH.resultSeverity) == SH.Warning
            assert g.value(r, SH.resultPath) == URIRef(CKD.dataLocation)


def test_own_shapes_beyond_core_fall_back_to_the_reference(cli, tmp_path, ttl):
    own = tmp_path / "sparql.ttl"
    own.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ckd: <https://w3id.org/cloudkader/def#> .
<https://example.org/own#NoLabel> a sh:NodeShape ; sh:targetClass ckd:CloudService ;
  sh:sparql [ sh:select "SELECT $this WHERE { FILTER NOT EXISTS { $this <http://www.w3.org/2000/01/rdf-schema#label> ?l } }" ] .
""", encoding="utf-8")
    path = ttl("ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:deploymentModel ckd:PrivateCloud .")
    run = cli("validate", path, "--shapes", own, "--format", "json")
    shapes = {r["shape"] for r in run.json()["services"][0]["results"]}
    assert "https://example.org/own#NoLabel" in shapes  # pySHACL evaluated the SPARQL constraint


def test_unreadable_own_shapes_are_bad_input(cli, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("not turtle at all", encoding="utf-8")
    run = cli("validate", CAELUS, "--shapes", bad)
    assert run.code == 2 and "not readable as RDF" in run.err


def test_web_page_shows_advice_as_warnings(cli, ttl, app):
    """The check page groups results per framework: an advisory violation is shown (badge and
    counts) as a warning, a binding one as a violation."""
    from cloudkader.web.check_result import result_view

    validation = cli("validate", ttl(ADVICE), "--format", "json").json()["services"][0]
    advisory = [r for r in validation["results"] if r["scope"] == "advisory" and r["severity"] == "Violation"]
    assert advisory
    with app.test_request_context("/check"):
        view = result_view(None, validation, {})
    shown = [i for fw in view["frameworks"] for i in fw["items"] if i["outcome"] != "undetermined"]
    assert len(shown) == len(validation["results"])
    blocking = sum(1 for r in validation["results"] if r["blocking"])
    assert view["counts"]["violation"] == blocking
    assert view["counts"]["warning"] >= len(advisory)
    advice = {r["framework"] for r in advisory}
    assert all(i["outcome"] == "warning" for fw in view["frameworks"] if fw["iri"] in advice
               for i in fw["items"])
    assert [fw["scope"] for fw in view["frameworks"]][0] == "binding"  # binding frameworks first

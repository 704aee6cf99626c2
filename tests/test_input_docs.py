"""The input, documented in the repository (issue 15 item 5): every example in docs/input.md reads
and validates as stated; the page names every term a description may use; the published JSON-LD
context makes plain JSON a description (real loopback server and CLI); the SHACL shape of the
form agrees with description.check; the JSON answers follow their JSON Schemas."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from rdflib import Graph
from rdflib.namespace import RDF, RDFS

from cloudkader import core
from cloudkader.checks import description
from cloudkader.checks.description import DescriptionError
from cloudkader.terms.namespaces import CKD

from .conftest import EXAMPLES, ROOT
from .server_process import server_factory  # noqa: F401  (session fixture)

DOC = ROOT / "docs" / "input.md"
FENCE = re.compile(r"^```(turtle|json|csv) outcome=(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
FORMATS = {"turtle": "turtle", "json": "json-ld", "csv": "csv"}
SCHEMAS = ROOT / "server" / "web" / "schemas"


def doc_examples() -> list[tuple[str, str, str]]:
    return [(m.group(1), m.group(2), m.group(3)) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def test_docs_have_examples_in_every_form():
    found = doc_examples()
    assert {lang for lang, _o, _t in found} == set(FORMATS)
    assert {o for _l, o, _t in found} >= {"violates", "undetermined", "refused"}


@pytest.mark.parametrize("lang, outcome, text", doc_examples(), ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_doc_example_reads_and_validates_as_stated(lang, outcome, text):
    if outcome == "refused":
        with pytest.raises(DescriptionError):
            core.read_description(text.encode(), FORMATS[lang], f"input.md ({lang})")
        return
    d = core.read_description(text.encode(), FORMATS[lang], f"input.md ({lang})")
    result, _graph, _reports = core.validate(d)
    assert result["outcome"] == outcome, json.dumps(result, indent=1)[:2000]


def _description_terms() -> set[str]:
    """What a description may say, from the ontology: the properties of a service, a provider and
    an exit strategy, the measure classes, the values of the closed lists."""
    g = Graph().parse(ROOT / "ontology" / "cloudkader.ttl")

    def below(c):
        out = set()
        for s in g.subjects(RDFS.subClassOf, c):
            out |= {s} | below(s)
        return out

    terms = {p for p in g.subjects(RDFS.domain, CKD.CloudService)} | {CKD.jurisdiction, CKD.covers}
    terms |= below(CKD.Measure)
    for cls in ("DataCategory", "DeploymentModel", "ServiceModel", "ExitStrategyPart", "PublicCloudProduct", "Product"):
        terms |= set(g.subjects(RDF.type, CKD[cls]))
    return {str(t) for t in terms if str(t).startswith(str(CKD))}


def test_docs_name_every_description_term():
    text = DOC.read_text(encoding="utf-8")
    terms = _description_terms()
    assert len(terms) > 60
    missing = sorted(t for t in terms if f"ckd:{t[len(str(CKD)):]}`" not in text)
    assert not missing, missing


def test_context_covers_the_description_properties():
    ctx = description.published_context()["@context"]
    props = {t[len(str(CKD)):] for t in _description_terms()} & {
        str(p)[len(str(CKD)):] for p in Graph().parse(ROOT / "ontology" / "cloudkader.ttl").subjects(RDFS.domain, CKD.CloudService)}
    assert props and not props - set(ctx), props - set(ctx)


PLAIN = {
    "@context": description.CONTEXT_URL,
    "id": "https://example.org/caelus", "type": "CloudService", "name": "Caelus emissieregistratie",
    "usedBy": "ienw", "deploymentModel": "PublicCloud", "serviceModel": "SaaS",
    "provider": {"id": "https://example.org/aws", "type": "CloudProvider", "name": "Amazon Web Services",
                 "jurisdiction": "USA"},
    "processes": "PersonalData", "dataLocation": ["NLD", "IRL"],
    "hasMeasure": [{"id": "https://example.org/caelus-exit", "type": "ExitStrategy",
                    "covers": ["DataPortability", "AlternativeLanding"]},
                   {"id": "https://example.org/caelus-dpia", "type": "DPIA"},
                   {"id": "https://example.org/caelus-verwerkersovereenkomst", "type": "ProcessorAgreement"}],
}


def test_plain_json_with_the_context_on_a_real_server_and_the_cli(server_factory, cli, tmp_path):
    """examples/caelus.ttl written as plain JSON: the same answer from POST /validate on a real
    loopback server and from the CLI; the server serves the context and the schemas."""
    import requests

    server = server_factory()
    expected = cli("validate", "--format", "json", EXAMPLES / "caelus.ttl").api_json()
    assert expected["services"][0]["results"]
    served = requests.get(server.url + "/context.jsonld", timeout=30)
    assert served.status_code == 200 and served.headers["Content-Type"].startswith("application/ld+json")
    assert served.json() == description.published_context()
    for ctype, doc in (("application/json", PLAIN), ("application/ld+json", PLAIN),
                       ("application/json", {k: v for k, v in PLAIN.items() if k != "@context"})):
        r = requests.post(server.url + "/validate", data=json.dumps(doc).encode(), timeout=60,
                          headers={"Content-Type": ctype, "Accept": "application/json"})
        assert r.status_code == 200, r.text
        assert r.json() == expected
        jsonschema.validate(r.json(), _schema("validate"))
    r = requests.post(server.url + "/applicable", data=json.dumps(PLAIN).encode(), timeout=60,
                      headers={"Content-Type": "application/json"})
    assert r.status_code == 200
    jsonschema.validate(r.json(), _schema("applicable"))
    r = requests.get(server.url + "/overlaps", headers={"Accept": "application/json"}, timeout=60)
    jsonschema.validate(r.json(), _schema("overlaps"))
    for name in ("validate", "applicable", "overlaps"):
        assert requests.get(f"{server.url}/schemas/{name}.json", timeout=30).json() == _schema(name)
    shape = requests.get(server.url + "/description-shape.ttl", timeout=30)
    assert shape.status_code == 200 and len(Graph().parse(data=shape.text, format="turtle")) > 10
    f = tmp_path / "caelus.json"
    f.write_text(json.dumps(PLAIN), encoding="utf-8")
    assert cli("validate", "--format", "json", f).api_json() == expected
    other = {**PLAIN, "@context": "https://example.org/context.jsonld"}
    f.write_text(json.dumps(other), encoding="utf-8")
    r = cli("validate", f)
    assert r.code == 2 and "remote JSON-LD contexts are not loaded" in r.err


# --- the SHACL shape of the form ---------------------------------------------------------------

P = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
@prefix country: <http://publications.europa.eu/resource/authority/country/> .
@prefix ex: <https://example.org/> .
"""
BAD = {
    "no-service": P + "ex:s ckd:usedBy org:ienw .",
    "blank-service": P + "[] a ckd:CloudService ; ckd:usedBy org:ienw .",
    "no-organisation": P + "ex:s a ckd:CloudService ; ckd:processes ckd:PersonalData .",
    "unknown-term": P + "ex:s a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:usesProdukt ckd:ExchangeOnline .",
    "unknown-class": P + "ex:s a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:hasMeasure ex:m . ex:m a ckd:Dpia .",
    "unknown-category": P + "ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:processes ckd:PersonalDta .",
    "category-not-a-category": P + "ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:processes ckd:SaaS .",
    "untyped-own-organisation": P + "ex:s a ckd:CloudService ; ckd:usedBy ex:utrecht .",
}
GOOD = {
    "own-municipality": P + "ex:s a ckd:CloudService ; ckd:usedBy ex:utrecht . ex:utrecht a ckd:Gemeente .",
    "minimal": P + "ex:s a ckd:CloudService ; ckd:usedBy org:bzk .",
}


@pytest.fixture(scope="module")
def form_shape():
    from pyshacl import validate

    shapes = Graph().parse(description.SHAPE_FILE)
    ontology = Graph().parse(ROOT / "ontology" / "cloudkader.ttl")

    def conforms(g: Graph) -> bool:
        ok, _graph, _text = validate(g, shacl_graph=shapes, ont_graph=ontology)
        return ok

    return conforms


def _inputs():
    """Every rule of check() broken once, and good descriptions in every form (pySHACL with
    the ontology mixed in takes ~3 s a graph: a few real examples, not all of them)."""
    out = [(f"bad:{k}", v, "turtle") for k, v in BAD.items()] + [(f"good:{k}", v, "turtle") for k, v in GOOD.items()]
    out += [(n, (EXAMPLES / n).read_text(encoding="utf-8"), "turtle")
            for n in ("gemeente-zaaksysteem-saas-vs.ttl", "tk-vlos-spraakherkenning-saas.ttl")]
    out += [(f"input.md:{lang}", t, FORMATS[lang]) for lang, _o, t in doc_examples()[3:] if lang != "turtle"]
    return out


def test_form_shape_agrees_with_the_reader(form_shape):
    vocab = core.get_knowledge().vocabulary
    verdicts = {}
    for name, text, fmt in _inputs():
        try:
            g = description.parse(text.encode(), fmt, name, vocab)
        except DescriptionError:
            continue  # refused before a graph exists (syntax, a register's cells): nothing to compare
        try:
            description.check(g, vocab, name)
            reader = True
        except DescriptionError:
            reader = False
        verdicts[name] = (reader, form_shape(g))
    assert sum(1 for r, _s in verdicts.values() if r) >= 5 and sum(1 for r, _s in verdicts.values() if not r) == len(BAD)
    disagree = {n: v for n, v in verdicts.items() if v[0] != v[1]}
    assert not disagree, disagree


# --- JSON Schemas of the answers ---------------------------------------------------------------

def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["validate", "applicable", "overlaps"])
def test_schemas_are_valid_json_schemas(name):
    jsonschema.Draft202012Validator.check_schema(_schema(name))


def test_cli_answers_follow_their_schemas(cli):
    every = sorted(EXAMPLES.glob("*.ttl"))
    one = cli("validate", "--format", "json", EXAMPLES / "caelus.ttl").json()
    batch = cli("validate", "--format", "json", *every, EXAMPLES / "register.csv").json()  # the batch path
    assert len(batch["services"]) >= len(every)
    for result in (one, batch):
        jsonschema.validate(result, _schema("validate"))
    jsonschema.validate(cli("applicable", "--format", "json", *every).json(), _schema("applicable"))
    ov = cli("overlaps", "--format", "json").json()
    assert ov["overlaps"] and ov["unmatched"]
    jsonschema.validate(ov, _schema("overlaps"))
    # the schemas are not vacuous: a wrong answer fails them
    broken = json.loads(json.dumps(one))
    broken["services"][0]["results"][0]["severity"] = "Fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, _schema("validate"))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"overlaps": [{"source": "x"}], "unmatched": []}, _schema("overlaps"))


def test_undetermined_answer_follows_the_schema(cli, ttl):
    f = ttl("ex:intranet a ckd:CloudService ; ckd:usedBy org:bzk ; ckd:serviceModel ckd:SaaS .")
    r = cli("validate", "--format", "json", f)
    result = r.json()
    assert result["outcome"] == "undetermined" and result["services"][0]["undetermined"]
    jsonschema.validate(result, _schema("validate"))


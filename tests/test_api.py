"""The JSON API with the Flask test client: POST /validate, POST /applicable, GET /overlaps and
the OpenAPI description that documents them (kept true here: every documented operation exists,
every JSON route is documented, and real responses validate against the documented schemas)."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from cloudkader.terms import paths

SH_NS = "http://www.w3.org/ns/shacl#"
CAELUS = paths.EXAMPLES_DIR / "caelus.ttl"
CONFORMING = paths.EXAMPLES_DIR / "rijk-ienw-saas.ttl"
TURTLE = "text/turtle"
JSONLD = "application/ld+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"




@pytest.fixture(scope="module")
def caelus_ttl() -> bytes:
    return CAELUS.read_bytes()


@pytest.fixture(scope="module")
def caelus_jsonld() -> bytes:
    g = Graph().parse(CAELUS, format="turtle")
    return g.serialize(format="json-ld", context={"ckd": "https://w3id.org/cloudkader/def#"}).encode("utf-8")


def post(client, route, body, content_type, accept=None, **query):
    headers = {"Accept": accept} if accept else {}
    return client.post(route, data=body, content_type=content_type, headers=headers, query_string=query)


def ctype(resp) -> str:
    return resp.headers["Content-Type"].split(";")[0].strip()


def assert_json_error(r, status, *fragments):
    assert r.status_code == status, r.data
    assert ctype(r) == "application/json"
    doc = r.get_json()
    assert set(doc) == {"error"} and doc["error"]
    for f in fragments:
        assert f in doc["error"], doc["error"]
    return doc["error"]


# -- /validate ---------------------------------------------------------------------------------------


def test_validate_turtle_same_as_cli(client, cli, caelus_ttl):
    run = cli("validate", CAELUS, "--format", "json")
    assert run.code == 1  # caelus does not conform
    r = post(client, "/validate", caelus_ttl, TURTLE)
    assert r.status_code == 200  # 200 whether or not it conforms
    assert ctype(r) == "application/json"
    doc = r.get_json()
    assert doc == run.api_json()
    assert doc["conforms"] is False
    assert any(x["provision"] == "https://w3id.org/cloudkader/id/rijk/voorwaarde-4" and x["severity"] == "Violation"
               for s in doc["services"] for x in s["results"])


@pytest.mark.parametrize("content_type", [JSONLD, "application/json"])
def test_validate_jsonld_same_as_turtle(client, caelus_ttl, caelus_jsonld, content_type):
    a = post(client, "/validate", caelus_ttl, TURTLE).get_json()
    r = post(client, "/validate", caelus_jsonld, content_type)
    assert r.status_code == 200
    assert r.get_json() == a


def test_validate_ntriples(client, caelus_ttl):
    nt = Graph().parse(data=caelus_ttl, format="turtle").serialize(format="nt").encode()
    r = post(client, "/validate", nt, "application/n-triples")
    assert r.status_code == 200 and r.get_json() == post(client, "/validate", caelus_ttl, TURTLE).get_json()


def test_validate_conforming_service(client, cli):
    run = cli("validate", CONFORMING, "--format", "json")
    assert run.code == 0
    r = post(client, "/validate", CONFORMING.read_bytes(), "text/turtle; charset=utf-8")
    assert r.status_code == 200 and r.get_json() == run.api_json() and r.get_json()["conforms"] is True


def _report(g: Graph):
    reports = list(g.subjects(RDF.type, URIRef(SH_NS + "ValidationReport")))
    assert len(reports) == 1
    return reports[0]


def test_validate_report_turtle_same_as_cli(client, cli, caelus_ttl):
    run = cli("validate", CAELUS, "--format", "turtle")
    r = post(client, "/validate", caelus_ttl, TURTLE, accept=TURTLE)
    assert r.status_code == 200 and ctype(r) == TURTLE
    g = Graph().parse(data=r.data, format="turtle")
    report = _report(g)
    assert g.value(report, URIRef(SH_NS + "conforms")) == Literal(False)
    assert isomorphic(g, Graph().parse(data=run.out, format="turtle"))


def test_validate_report_jsonld(client, cli, caelus_ttl):
    run = cli("validate", CAELUS, "--format", "json-ld")
    r = post(client, "/validate", caelus_ttl, TURTLE, accept=JSONLD)
    assert r.status_code == 200 and ctype(r) == JSONLD
    g = Graph().parse(data=r.data, format="json-ld")
    _report(g)
    assert isomorphic(g, Graph().parse(data=run.out, format="json-ld"))


@pytest.mark.parametrize("accept,expected", [("text/turtle;q=0.9, application/ld+json", JSONLD),
                                             ("application/json;q=0.1, text/*", TURTLE),
                                             ("*/*", "application/json"), (None, "application/json")])
def test_validate_negotiation(client, caelus_ttl, accept, expected):
    assert ctype(post(client, "/validate", caelus_ttl, TURTLE, accept=accept)) == expected


def test_validate_format_parameter(client, caelus_ttl):
    r = post(client, "/validate", caelus_ttl, TURTLE, accept="application/json", format="turtle")
    assert ctype(r) == TURTLE
    assert_json_error(post(client, "/validate", caelus_ttl, TURTLE, format="yaml"), 400, "format")


def test_validate_framework_filter_same_as_cli(client, cli, caelus_ttl):
    run = cli("validate", CAELUS, "--framework", "irc", "--format", "json")
    r = post(client, "/validate", caelus_ttl, TURTLE, framework="irc")
    assert r.status_code == 200 and r.get_json() == run.api_json()
    assert all(x["framework"] == "https://w3id.org/cloudkader/id/irc" for s in r.get_json()["services"] for x in s["results"])
    both = client.post("/validate?framework=rijk&framework=irc", data=caelus_ttl, content_type=TURTLE).get_json()
    assert both == cli("validate", CAELUS, "--framework", "rijk", "--framework", "irc", "--format", "json").api_json()


def test_validate_unknown_framework(client, caelus_ttl):
    assert_json_error(post(client, "/validate", caelus_ttl, TURTLE, framework="nope"), 400, "nope")


def test_validate_not_acceptable(client, caelus_ttl):
    assert_json_error(post(client, "/validate", caelus_ttl, TURTLE, accept="text/csv"), 406)


# -- /applicable -------------------------------------------------------------------------------------


def test_applicable_same_as_cli(client, cli, caelus_ttl, caelus_jsonld):
    run = cli("applicable", CAELUS, "--format", "json")
    assert run.code == 0
    r = post(client, "/applicable", caelus_ttl, TURTLE)
    assert r.status_code == 200 and ctype(r) == "application/json"
    assert r.get_json() == run.api_json()
    frameworks = {f["framework"] for f in r.get_json()["services"][0]["frameworks"]}
    assert "https://w3id.org/cloudkader/id/rijk" in frameworks
    assert post(client, "/applicable", caelus_jsonld, JSONLD).get_json() == run.api_json()


def test_applicable_several_services(client, cli, ttl):
    body = """
ex:a a ckd:CloudService ; ckd:usedBy org:bzk ; ckd:deploymentModel ckd:PublicCloud ; ckd:processes ckd:PersonalData .
ex:b a ckd:CloudService ; ckd:usedBy org:tk ; ckd:deploymentModel ckd:PrivateCloud ; ckd:processes ckd:NonPersonalData .
"""
    path = ttl(body)
    run = cli("applicable", path, "--format", "json")
    r = post(client, "/applicable", path.read_bytes(), TURTLE)
    assert r.get_json() == run.api_json()
    assert [s["service"] for s in r.get_json()["services"]] == ["https://example.org/a", "https://example.org/b"]


def test_applicable_not_acceptable(client, caelus_ttl):
    assert_json_error(post(client, "/applicable", caelus_ttl, TURTLE, accept="text/turtle"), 406)


# -- bad requests (both routes) --------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/validate", "/applicable"])
def test_unsupported_content_type(client, route, caelus_ttl):
    assert_json_error(post(client, route, caelus_ttl, "text/plain"), 415, "text/plain")
    assert_json_error(post(client, route, caelus_ttl, "application/x-www-form-urlencoded"), 415)


@pytest.mark.parametrize("route", ["/validate", "/applicable"])
def test_missing_content_type(client, route, caelus_ttl):
    assert_json_error(client.post(route, data=caelus_ttl), 415, "Content-Type")


@pytest.mark.parametrize("route", ["/validate", "/applicable"])
@pytest.mark.parametrize("body", [b"", b"   \n"])
def test_empty_body(client, route, body):
    assert_json_error(post(client, route, body, TURTLE), 400, "empty")


@pytest.mark.parametrize("route", ["/validate", "/applicable"])
def test_body_too_large(client, app, route):
    body = b"# " + b"x" * app.config["MAX_CONTENT_LENGTH"]
    assert_json_error(post(client, route, body, TURTLE), 413, "too large")


@pytest.mark.parametrize("route", ["/validate", "/applicable"])
@pytest.mark.parametrize("body,content_type,fragments", [
    (b"@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .\nex:d ex:e", TURTLE, ["request body", "Turtle"]),
    (b'{"@id": "x", ', JSONLD, ["line 1"]),
    (b'{"@context": "https://example.org/ctx.jsonld", "@id": "https://example.org/a"}', JSONLD, ["remote"]),
    (b"@prefix ex: <https://example.org/> .\nex:a ex:b ex:c .", TURTLE, ["no ckd:CloudService"]),
    (b"\xff\xfe\x00", TURTLE, ["UTF-8"]),
    ("""@prefix ckd: <https://w3id.org/cloudkader/def#> . @prefix ex: <https://example.org/> .
ex:a a ckd:CloudService ; ckd:usedBy <https://w3id.org/cloudkader/id/org/ienw> ; ckd:frobnicates ckd:PersonalData .""".encode(),
     TURTLE, ["unknown term", "frobnicates"]),
    ("""@prefix ckd: <https://w3id.org/cloudkader/def#> . @prefix ex: <https://example.org/> .
ex:a a ckd:CloudService ; ckd:usedBy <https://w3id.org/cloudkader/id/org/nope> .""".encode(),
     TURTLE, ["unknown organisation", "org/nope"]),
], ids=["bad-turtle", "bad-json", "remote-context", "no-service", "not-utf8", "unknown-term", "unknown-organisation"])
def test_bad_description(client, route, body, content_type, fragments):
    assert_json_error(post(client, route, body, content_type), 400, *fragments)


def test_same_message_as_cli(client, cli, ttl):
    path = ttl("ex:a a ckd:CloudService ; ckd:deploymentModel ckd:PublicCloud .")
    run = cli("validate", path)
    assert run.code == 2
    message = assert_json_error(post(client, "/validate", path.read_bytes(), TURTLE), 400)
    assert message.replace("request body", str(path)) in run.err


# -- /overlaps ------------------------------------------------------------------------------------------


def test_overlaps_json(client, store):
    from cloudkader.knowledge import overlaps

    r = client.get("/overlaps", headers={"Accept": "application/json"})
    assert r.status_code == 200 and ctype(r) == "application/json"
    doc = r.get_json()
    assert doc == json.loads(json.dumps(overlaps.overlaps(store), ensure_ascii=False))
    assert doc["overlaps"] and doc["unmatched"]
    assert {o["relation"] for o in doc["overlaps"]} <= {"equivalent", "subset-of", "superset-of", "intersects-with", "contrary"}


def test_overlaps_filters(client, store):
    from cloudkader.knowledge import overlaps

    exit_theme = "https://w3id.org/cloudkader/id/theme/exit-strategy"
    r = client.get("/overlaps?theme=exit-strategy")
    assert r.status_code == 200
    assert r.get_json() == json.loads(json.dumps(overlaps.overlaps(store, theme="exit-strategy"), ensure_ascii=False))
    assert r.get_json()["overlaps"]
    assert client.get("/overlaps", query_string={"theme": exit_theme}).get_json() == r.get_json()
    some = r.get_json()["overlaps"][0]["source"]
    r = client.get("/overlaps", query_string={"provision": some})
    assert r.status_code == 200 and r.get_json()["overlaps"]
    assert all(some in (o["source"], o["target"]) for o in r.get_json()["overlaps"])


@pytest.mark.parametrize("query,fragment", [("theme=no-such-theme", "unknown theme"),
                                            ("provision=https://w3id.org/cloudkader/id/rijk/nope", "unknown provision"),
                                            ("provision=not-an-iri", "unknown provision")])
def test_overlaps_unknown_theme_or_provision(client, query, fragment):
    assert_json_error(client.get("/overlaps?" + query), 400, fragment)
    assert_json_error(client.get("/overlaps?" + query, headers={"Accept": BROWSER}), 400, fragment)


@pytest.mark.parametrize("query,location", [
    ("", "/overlaps/matrix"),
    ("?theme=exit-strategy", "/overlaps/theme/exit-strategy"),
    ("?theme=https://w3id.org/cloudkader/id/theme/exit-strategy", "/overlaps/theme/exit-strategy"),
    ("?provision=https://w3id.org/cloudkader/id/rijk/voorwaarde-4", "/id/rijk/voorwaarde-4"),
    ("?provision=rijk:voorwaarde-4", "/id/rijk/voorwaarde-4"),
])
def test_overlaps_sends_a_browser_to_the_html_views(client, query, location):
    r = client.get("/overlaps" + query, headers={"Accept": BROWSER})
    assert r.status_code == 303 and r.headers["Location"] == location
    r = client.get("/overlaps" + query, headers={"Accept": BROWSER}, follow_redirects=True)
    assert r.status_code == 200 and ctype(r) == "text/html"
    assert client.get("/overlaps" + query + ("&" if query else "?") + "format=html").status_code == 303


def test_overlaps_json_for_everyone_else(client):
    for accept in (None, "*/*", "application/json", BROWSER):
        r = client.get("/overlaps" + ("?format=json" if accept == BROWSER else ""),
                       headers={"Accept": accept} if accept else {})
        assert r.status_code == 200 and ctype(r) == "application/json"
    assert_json_error(client.get("/overlaps", headers={"Accept": "text/csv"}), 406)
    assert_json_error(client.get("/overlaps?format=csv"), 400)


# -- OpenAPI ------------------------------------------------------------------------------------------

HTTP_METHODS = {"get", "post", "put", "delete", "patch", "options", "head"}


@pytest.fixture(scope="module")
def openapi(app):
    r = app.test_client().get("/openapi.json")
    assert r.status_code == 200 and ctype(r) == "application/json"
    return r.get_json()


def _rules(app) -> dict[str, set[str]]:
    """The JSON routes: every rule of the ``api`` and ``sparql`` blueprints -> its methods."""
    out: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in ("api", "sparql"):
            out.setdefault(rule.rule, set()).update(m.lower() for m in rule.methods)
    return out


def test_openapi_is_31_with_the_contract_routes(openapi):
    assert openapi["openapi"].startswith("3.1")
    assert {"/validate", "/applicable", "/overlaps", "/sparql"} <= set(openapi["paths"])
    assert "post" in openapi["paths"]["/validate"] and "post" in openapi["paths"]["/applicable"]
    assert "get" in openapi["paths"]["/overlaps"]
    assert {"get", "post"} <= set(openapi["paths"]["/sparql"])


def test_openapi_documents_only_what_exists(app, openapi):
    rules = _rules(app)
    for path, item in openapi["paths"].items():
        assert path in rules, f"{path} is documented but the app has no such route"
        for method in set(item) & HTTP_METHODS:
            assert method in rules[path], f"{method.upper()} {path} is documented but not routed"


def test_every_json_route_is_documented(app, openapi):
    for path, methods in _rules(app).items():
        assert path in openapi["paths"], f"{path} is routed but not documented in openapi.json"
        documented = set(openapi["paths"][path]) & HTTP_METHODS
        missing = methods - {"head", "options"} - documented
        assert not missing, f"{path}: {missing} routed but not documented"


def test_openapi_is_a_valid_openapi_31_description(openapi):
    """openapi-spec-validator on the served description (framework enum filled in) and on the
    file as checked in."""
    from openapi_spec_validator import OpenAPIV31SpecValidator

    from cloudkader.web.api import OPENAPI_FILE

    for doc in (openapi, json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))):
        errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV31SpecValidator(doc).iter_errors()]
        assert errors == []


def test_the_framework_enum_comes_from_the_data(openapi, store):
    keys = [str(r["key"]) for r in store.query(
        "PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?key ?pos WHERE { ?f a ckd:Framework ; ckd:key ?key "
        "OPTIONAL { ?f ckd:position ?pos } } ORDER BY ?pos").bindings()]
    assert sorted(openapi["components"]["schemas"]["FrameworkKey"]["enum"]) == sorted(keys)
    param = next(p for p in openapi["paths"]["/validate"]["post"]["parameters"] if p["name"] == "framework")
    assert param["schema"]["items"] == {"$ref": "#/components/schemas/FrameworkKey"}


def test_openapi_refs_resolve(openapi):
    def walk(node):
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                assert ref.startswith("#/")
                target = openapi
                for part in ref[2:].split("/"):
                    target = target[part]
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(openapi)
    for schema in openapi["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def _check(openapi, path, method, resp):
    """Validate a real response against the schema documented for its status and media type."""
    op = openapi["paths"][path][method]
    status = str(resp.status_code)
    assert status in op["responses"], f"{method.upper()} {path} answered {status}, which is not documented"
    content = op["responses"][status].get("content", {})
    media = ctype(resp)
    assert media in content, f"{method.upper()} {path} {status} answered {media}, not documented"
    schema = dict(content[media]["schema"])
    schema["components"] = openapi["components"]  # so that "#/components/…" resolves
    if media.endswith("json"):
        instance = json.loads(resp.data)
    else:
        instance = resp.data.decode("utf-8")
    errors = sorted(Draft202012Validator(schema).iter_errors(instance), key=str)
    assert not errors, f"{method.upper()} {path} {status}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_responses_match_the_documented_schemas(client, openapi, caelus_ttl, caelus_jsonld):
    checks = [
        ("/validate", "post", post(client, "/validate", caelus_ttl, TURTLE)),
        ("/validate", "post", post(client, "/validate", CONFORMING.read_bytes(), TURTLE)),
        ("/validate", "post", post(client, "/validate", caelus_jsonld, JSONLD, accept=JSONLD)),
        ("/validate", "post", post(client, "/validate", caelus_ttl, TURTLE, accept=TURTLE)),
        ("/validate", "post", post(client, "/validate", b"", TURTLE)),
        ("/validate", "post", post(client, "/validate", caelus_ttl, "text/plain")),
        ("/validate", "post", post(client, "/validate", caelus_ttl, TURTLE, accept="image/png")),
        ("/validate", "post", post(client, "/validate", b"x" * (5 * 1024 * 1024 + 1), TURTLE)),
        ("/applicable", "post", post(client, "/applicable", caelus_ttl, TURTLE)),
        ("/applicable", "post", post(client, "/applicable", b"@prefix x: <y", TURTLE)),
        ("/sparql", "get", client.get("/sparql?query=ASK%20%7B%7D")),
        ("/sparql", "get", client.get("/sparql", query_string={"query": "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5"})),
        ("/sparql", "get", client.get("/sparql?query=ASK%20%7B")),
        ("/sparql", "get", client.get("/sparql?update=CLEAR%20ALL")),
        ("/sparql", "get", client.get("/sparql", headers={"Accept": "application/ld+json"})),
        ("/sparql", "post", client.post("/sparql", data=b"ASK {}", content_type="application/sparql-query")),
        ("/sparql", "put", client.put("/sparql")),
        ("/openapi.json", "get", client.get("/openapi.json")),
    ]
    checks += [
        ("/overlaps", "get", client.get("/overlaps")),
        ("/overlaps", "get", client.get("/overlaps?theme=exit-strategy")),
        ("/overlaps", "get", client.get("/overlaps?theme=no-such-theme")),
        ("/overlaps", "get", client.get("/overlaps", headers={"Accept": "text/csv"})),
    ]
    for path, method, resp in checks:
        _check(openapi, path, method, resp)

"""The W3C SPARQL 1.1 Protocol test suite (``../shared/w3c/sparql11-protocol/manifest.ttl``),
replayed over real HTTP against the real server (``cloudkader serve`` under waitress on
loopback), with the suite's data graphs loaded by ``--load-graph``.

- every ``query_*`` and ``bad_query_*`` test must pass as the manifest says (status class,
  result format, boolean);
- every ``bad_update_*`` test must pass too (a 4xx);
- the endpoint is read-only, so every ``update_*`` test — which expects 2xx from a store that
  writes — must instead get the refusal of a read-only endpoint: **403**, with a text message;
  the follow-up ASK of those tests must then answer (2xx, a boolean) ``false``, and the
  suite's data must still be there, which shows that nothing was written.

``test_summary`` counts the outcome of the whole manifest (printed, and written to
``build/w3c-protocol-report.json``) for the README.
"""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest
import requests
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS

from cloudkader.terms import paths
try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .server_process import server_factory  # noqa: F401  (session fixture)
except ImportError:
    from server_process import server_factory  # noqa: F401

SUITE = paths.ROOT.parent / "shared" / "w3c" / "sparql11-protocol"
MANIFEST = SUITE / "manifest.ttl"

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

REFUSAL_STATUS = 403  # what the read-only endpoint answers to every SPARQL Update (see server/web/sparql.py)

if not MANIFEST.is_file():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"CI=true but the W3C SPARQL Protocol tests are missing at {SUITE}")
    pytest.skip(f"W3C SPARQL Protocol tests not found at {SUITE}", allow_module_level=True)


@dataclass
class HttpRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # expected status classes: 2, 3, 4, 5
    fmt: str | None
    boolean: bool | None


@dataclass
class ProtocolTest:
    name: str  # local name, e.g. query_post_form
    title: str
    requests: list[HttpRequest]
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> data file name

    @property
    def is_update(self) -> bool:
        return self.name.startswith("update_")


def _list(g: Graph, node) -> list:
    return list(Collection(g, node)) if node is not None else []


def load_manifest() -> list[ProtocolTest]:
    g = Graph()
    g.parse(MANIFEST, format="turtle", publicID=MANIFEST.as_uri())
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in _list(g, g.value(manifest, MF.entries)):
        name = str(entry).rsplit("#", 1)[-1]
        graphs = {}
        for gd in g.objects(entry, UT.graphData):
            graphs[str(g.value(gd, RDFS.label))] = str(g.value(gd, UT.graph)).rsplit("/", 1)[-1]
        action = g.value(entry, MF.action)
        reqs = []
        for r in _list(g, g.value(action, HT.requests)):
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in _list(g, g.value(r, HT.headers))}
            body = None
            b = g.value(r, HT.body)
            if b is not None:
                encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
                body = str(g.value(b, CNT.chars)).encode(encoding)
            resp = g.value(r, HT.resp)
            statuses = {int(str(s).rsplit("StatusCode", 1)[-1][0]) for s in g.objects(resp, MF.expectedStatus)}
            fmt = g.value(resp, MF.expectedFormat)
            boolean = g.value(resp, MF.expectedBoolean)
            path = str(g.value(r, HT.absolutePath))
            assert path.startswith("/sparql/"), path
            reqs.append(HttpRequest(str(g.value(r, HT.methodName)), "/sparql" + path[len("/sparql/"):],
                                    headers, body, statuses, str(fmt) if fmt is not None else None,
                                    boolean.toPython() if boolean is not None else None))
        tests.append(ProtocolTest(name, str(g.value(entry, MF.name)), reqs, graphs))
    return tests


TESTS = load_manifest()


def _graph_args() -> list[str]:
    graphs: dict[str, str] = {}
    for t in TESTS:
        graphs.update(t.graphs)
    args = []
    for iri, filename in sorted(graphs.items()):
        path = SUITE / filename
        assert path.is_file(), f"the manifest names {filename}, missing at {path}"
        args += ["--load-graph", f"{iri}={path}"]
    return args


# The store behind the server: memory (the default), or e.g. CLOUDKADER_W3C_STORE=oxigraph.
STORE = os.environ.get("CLOUDKADER_W3C_STORE", "memory")


@pytest.fixture(scope="module")
def server(server_factory):  # noqa: F811
    return server_factory(*_graph_args(), store=STORE)


# -- checking a response ---------------------------------------------------------------------------


def send(base: str, req: HttpRequest) -> requests.Response:
    return requests.request(req.method, base + req.path, headers=req.headers, data=req.body, timeout=60)


def result_format(resp: requests.Response) -> tuple[str | None, bool | None]:
    """('boolean' | 'tabular' | 'RDF' | None, the boolean if any) of a response body."""
    ct = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ct == "application/sparql-results+json":
        doc = resp.json()
        if "boolean" in doc:
            return "boolean", doc["boolean"]
        assert "vars" in doc["head"] and "bindings" in doc["results"]
        return "tabular", None
    if ct == "application/sparql-results+xml":
        root = ET.fromstring(resp.content)
        b = root.find("{http://www.w3.org/2005/sparql-results#}boolean")
        if b is not None:
            return "boolean", b.text.strip() == "true"
        assert root.find("{http://www.w3.org/2005/sparql-results#}results") is not None
        return "tabular", None
    if ct in ("text/csv", "text/tab-separated-values"):
        return "tabular", None
    rdf = {"text/turtle": "turtle", "application/n-triples": "nt", "application/rdf+xml": "xml",
           "application/ld+json": "json-ld"}
    if ct in rdf:
        Graph().parse(data=resp.content, format=rdf[ct])
        return "RDF", None
    return None, None


def check(req: HttpRequest, resp: requests.Response) -> str | None:
    """None when the response is what the manifest expects; else what is wrong."""
    if resp.status_code // 100 not in req.statuses:
        return f"status {resp.status_code}, expected {sorted(req.statuses)}xx: {resp.text[:300]}"
    if req.fmt is not None or req.boolean is not None:
        fmt, boolean = result_format(resp)
        if req.fmt is not None and fmt != req.fmt:
            return f"format {fmt} ({resp.headers.get('Content-Type')}), expected {req.fmt}"
        if req.boolean is not None and boolean != req.boolean:
            return f"boolean {boolean}, expected {req.boolean}"
    return None


def run_test(base: str, t: ProtocolTest) -> tuple[str, str | None]:
    """('passed' | 'refused' | 'failed', detail)."""
    if not t.is_update:
        for i, req in enumerate(t.requests):
            problem = check(req, send(base, req))
            if problem:
                return "failed", f"request {i + 1}: {problem}"
        return "passed", None
    first = send(base, t.requests[0])
    if first.status_code != REFUSAL_STATUS:
        return "failed", f"update answered {first.status_code}, expected the read-only refusal {REFUSAL_STATUS}"
    if "read-only" not in first.text:
        return "failed", f"refusal without the read-only message: {first.text[:200]}"
    for i, req in enumerate(t.requests[1:], start=2):  # the follow-up ASK: nothing was written
        resp = send(base, req)
        fmt, boolean = result_format(resp) if resp.status_code == 200 else (None, None)
        if fmt != "boolean" or boolean is not False:
            return "failed", f"request {i} after a refused update: {resp.status_code} {fmt} {boolean}, expected boolean false"
    return "refused", None


# -- the tests -------------------------------------------------------------------------------------


def test_manifest_read():
    assert len(TESTS) == 34
    assert sum(t.is_update for t in TESTS) == 7
    assert {n for t in TESTS for n in t.graphs} == {
        f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)}


@pytest.mark.parametrize("test", [t for t in TESTS if not t.is_update], ids=lambda t: t.name)
def test_protocol(server, test):
    outcome, detail = run_test(server.url, test)
    assert outcome == "passed", f"{test.name} ({test.title}): {detail}"


@pytest.mark.parametrize("test", [t for t in TESTS if t.is_update], ids=lambda t: t.name)
def test_update_refused(server, test):
    outcome, detail = run_test(server.url, test)
    assert outcome == "refused", f"{test.name} ({test.title}): {detail}"


def test_data_survives_refused_updates(server):
    for t in TESTS:
        if t.is_update:
            run_test(server.url, t)
    ask = ("ASK { GRAPH <http://kasei.us/2009/09/sparql/data/data1.rdf> "
           "{ <http://kasei.us/2009/09/sparql/data/data1.rdf> a <http://xmlns.com/foaf/0.1/Document> } }")
    r = requests.post(server.url + "/sparql", data=ask.encode(), headers={"Content-Type": "application/sparql-query"}, timeout=60)
    assert r.status_code == 200 and r.json()["boolean"] is True
    r = requests.get(server.url + "/sparql", params={"query": "ASK { ?s a <https://w3id.org/cloudkader/def#Framework> }"}, timeout=60)
    assert r.json()["boolean"] is True


def test_loaded_graphs_in_service_description(server):
    r = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=60)
    g = Graph().parse(data=r.text, format="turtle")
    names = {str(o) for o in g.objects(None, URIRef("http://www.w3.org/ns/sparql-service-description#name"))}
    assert {f"http://kasei.us/2009/09/sparql/data/data{i}.rdf" for i in (1, 2, 3)} <= names


def test_served_by_waitress_with_cors(server):
    r = requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=60)
    assert r.headers["Server"] == "cloudkader"  # waitress's ident, not Werkzeug's development server
    assert r.headers["Access-Control-Allow-Origin"] == "*"


def test_summary(server):
    """Replays the whole manifest and records the counts (for the README)."""
    outcomes = {t.name: run_test(server.url, t) for t in TESTS}
    counts = {k: sum(1 for o, _ in outcomes.values() if o == k) for k in ("passed", "refused", "failed")}
    report = {"suite": "W3C SPARQL 1.1 Protocol (sparql11/protocol/manifest.ttl)", "store": STORE,
              "total": len(TESTS), **counts,
              "refusal_status": REFUSAL_STATUS,
              "tests": {n: {"outcome": o, **({"detail": d} if d else {})} for n, (o, d) in outcomes.items()}}
    print(f"\nW3C SPARQL 1.1 Protocol: {counts['passed']}/{len(TESTS)} passed, "
          f"{counts['refused']} update tests refused ({REFUSAL_STATUS}, read-only), {counts['failed']} failed")
    try:
        paths.BUILD_DIR.mkdir(parents=True, exist_ok=True)
        (paths.BUILD_DIR / f"w3c-protocol-report{'' if STORE == 'memory' else '-' + STORE.split(':')[0]}.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    except OSError:
        pass
    assert counts == {"passed": 27, "refused": 7, "failed": 0}, report["tests"]

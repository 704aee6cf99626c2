"""Hardening, proven: the service is read-only by construction, makes no server-side requests,
answers bad input of every kind with a 4xx and a message (never a 500 or a traceback), sends the
security headers on every HTML page, leaks no internals in errors, and has CORS on /sparql.

Each guarantee is tested on both embedded stores (memory = rdflib, oxigraph), in process (the
Flask app, with its real query worker processes) and, for the read-only and no-request
guarantees, over real HTTP against ``cloudkader serve``. docs/security.md describes them.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
import time
import uuid
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlencode, urljoin, urlsplit

import pytest
import requests

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .server_process import server_factory  # noqa: F401  (session fixture)
except ImportError:
    from server_process import server_factory  # noqa: F401

STORES = ["memory", "oxigraph"]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HTML = {"Accept": BROWSER}
TTL = {"Content-Type": "text/turtle"}
JSONLD = {"Content-Type": "application/ld+json"}
QUERY = {"Content-Type": "application/sparql-query"}
UPDATE = {"Content-Type": "application/sparql-update"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}

PREFIXES = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
@prefix ex: <https://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
"""  # 6 lines: a body starts on line 7
GOOD = PREFIXES + "ex:s a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:deploymentModel ckd:PrivateCloud .\n"
CONTEXT = {"ckd": "https://w3id.org/cloudkader/def#", "org": "https://w3id.org/cloudkader/id/org/"}
GOOD_JSONLD = {"@context": CONTEXT, "@id": "https://example.org/s", "@type": "ckd:CloudService",
               "ckd:usedBy": {"@id": "org:jenv"}}
INTERNALS = ("Traceback", "/work/", ".py", 'File "', "site-packages", "Error:")


@pytest.fixture(scope="module", params=STORES)
def app(request):
    from cloudkader.web import create_app

    return create_app(request.param)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def memory_client():
    from cloudkader.web import create_app

    return create_app("memory").test_client()


def _body(resp) -> str:
    data = resp.data if hasattr(resp, "data") else resp.content
    return data.decode("utf-8", errors="replace")


def _no_internals(text: str, *also: str) -> None:
    for fragment in INTERNALS + also:
        assert fragment not in text, f"{fragment!r} in the answer: {text[:500]}"


# ==================================================================================================
# Read-only by construction
# ==================================================================================================

INSERT = "INSERT DATA { <urn:x:evil> <urn:x:p> <urn:x:o> }"
ASK_EVIL = "ASK { { <urn:x:evil> ?p ?o } UNION { GRAPH ?g { <urn:x:evil> ?p ?o } } }"
REGISTER = "https://w3id.org/cloudkader/graph/register"

# (name, method, query string, headers, body, expected status)
UPDATE_ATTEMPTS = [
    ("get-update", "GET", {"update": INSERT}, {}, None, 403),
    ("get-update-clear", "GET", {"update": "CLEAR ALL"}, {}, None, 403),
    ("form-update", "POST", None, FORM, urlencode({"update": "DROP ALL"}), 403),
    ("form-update-load", "POST", None, FORM, urlencode({"update": "LOAD <http://127.0.0.1:9/> INTO GRAPH <urn:g>"}), 403),
    ("direct-update-insert", "POST", None, UPDATE, INSERT, 403),
    ("direct-update-delete", "POST", None, UPDATE, "DELETE WHERE { ?s ?p ?o }", 403),
    ("direct-update-garbage", "POST", None, UPDATE, "not even SPARQL", 403),
    ("query-insert", "POST", None, QUERY, INSERT, 403),
    ("query-delete-where", "POST", None, QUERY, "DELETE WHERE { ?s ?p ?o }", 403),
    ("query-modify", "POST", None, QUERY, "DELETE { ?s ?p ?o } INSERT { ?s ?p 1 } WHERE { ?s ?p ?o }", 403),
    ("query-with-modify", "POST", None, QUERY, f"WITH <{REGISTER}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}", 403),
    ("query-clear", "POST", None, QUERY, "CLEAR ALL", 403),
    ("query-clear-graph", "POST", None, QUERY, f"CLEAR GRAPH <{REGISTER}>", 403),
    ("query-drop", "POST", None, QUERY, "DROP ALL", 403),
    ("query-drop-graph", "POST", None, QUERY, f"DROP GRAPH <{REGISTER}>", 403),
    ("query-load-file", "POST", None, QUERY, "LOAD <file:///etc/passwd>", 403),
    ("query-load-http", "POST", None, QUERY, "LOAD SILENT <http://127.0.0.1:9/x.ttl> INTO GRAPH <urn:g>", 403),
    ("query-create", "POST", None, QUERY, "CREATE GRAPH <urn:x:g>", 403),
    ("query-add", "POST", None, QUERY, f"ADD <{REGISTER}> TO <urn:x:g>", 403),
    ("query-move", "POST", None, QUERY, f"MOVE <{REGISTER}> TO <urn:x:g>", 403),
    ("query-copy", "POST", None, QUERY, f"COPY <{REGISTER}> TO DEFAULT", 403),
    ("query-two-ops", "POST", None, QUERY, f"{INSERT} ; CLEAR ALL", 403),
    ("query-escaped-insert", "POST", None, QUERY, INSERT.replace("INSERT", "\\u0049NSERT"), 403),
    ("query-lowercase", "POST", None, QUERY, INSERT.lower().replace("urn:x:", "urn:x:"), 403),
    ("get-query-insert", "GET", {"query": INSERT}, {}, None, 403),
    ("form-query-clear", "POST", None, FORM, urlencode({"query": "CLEAR DEFAULT"}), 403),
    ("query-plus-update", "POST", None, FORM, urlencode({"query": "ASK {}", "update": INSERT}), 400),
    ("two-updates", "POST", None, FORM, urlencode([("update", INSERT), ("update", "CLEAR ALL")]), 400),
    ("select-then-insert", "POST", None, QUERY, "SELECT * WHERE { ?s ?p ?o } ; " + INSERT, 400),
    ("put", "PUT", None, UPDATE, INSERT, 405),
    ("delete", "DELETE", {"query": "ASK {}"}, {}, None, 405),
    ("patch", "PATCH", None, UPDATE, INSERT, 405),
]

# other routes that must not change anything (method, path, headers, body, expected status)
OTHER_WRITES = [
    ("PUT", "/id/rijk/voorwaarde-4", TTL, GOOD, 405),
    ("POST", "/id/rijk/voorwaarde-4", TTL, GOOD, 405),
    ("DELETE", "/id/rijk", {}, None, 405),
    ("DELETE", "/def", {}, None, 405),
    ("PUT", "/validate", TTL, GOOD, 405),
    ("DELETE", "/overlaps", {}, None, 405),
    ("POST", "/register", TTL, GOOD, 405),
    ("POST", "/validate", TTL, GOOD, 200),
    ("POST", "/applicable", TTL, GOOD, 200),
    ("POST", "/validate", JSONLD, json.dumps(GOOD_JSONLD), 200),
]


def store_digest(store) -> tuple[int, str]:
    """(number of quads, SHA-256 of the sorted quads) of an embedded store, read directly."""
    from cloudkader.stores.local import MemoryStore

    if isinstance(store, MemoryStore):
        lines = [f"{s.n3()} {p.n3()} {o.n3()} {getattr(g, 'identifier', g).n3()}"
                 for s, p, o, g in store.dataset.quads((None, None, None, None))]
    else:
        lines = [str(q) for q in store.store.quads_for_pattern(None, None, None, None)]
    lines.sort()
    return len(lines), hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


COUNT_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
COUNT_UNION = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def _endpoint_view(get) -> tuple:
    """What the query workers see (they hold their own copies of the store)."""
    out = []
    for q in (COUNT_QUADS, COUNT_UNION, GRAPHS):
        for _attempt in range(3):  # 503 + Retry-After: the 3 s limit on a machine busy with other suites
            r = get(q)
            if r.status_code != 503:
                break
            time.sleep(float(r.headers.get("Retry-After", 1)))
        assert r.status_code == 200, _body(r)
        doc = json.loads(_body(r))
        out.append(tuple(tuple(sorted(b.items())) for b in map(lambda b: {k: v["value"] for k, v in b.items()},
                                                                 doc["results"]["bindings"])))
    r = get(ASK_EVIL)
    out.append(json.loads(_body(r))["boolean"])
    return tuple(out)


def _send_update_attempt(client, method, params, headers, body):
    url = "/sparql" + ("?" + urlencode(params) if params else "")
    return client.open(url, method=method, headers=headers, data=body)


@pytest.mark.parametrize("store_kind", STORES)
def test_no_request_changes_the_store(store_kind):
    """Every update attempt is refused with its documented status, and afterwards the store
    holds exactly what it held before: the same quads (digest, read directly in the server
    process) and the same counts, graphs and no inserted triple as the query workers see them."""
    from cloudkader.knowledge.app_state import get_store
    from cloudkader.web import create_app

    client = create_app(store_kind).test_client()

    def get(q):
        return client.get("/sparql", query_string={"query": q})

    view_before = _endpoint_view(get)
    store = get_store(store_kind)
    digest_before = store_digest(store)
    assert digest_before[0] > 10_000
    assert view_before[-1] is False
    for name, method, params, headers, body, expected in UPDATE_ATTEMPTS:
        r = _send_update_attempt(client, method, params, headers, body)
        assert r.status_code == expected, (name, r.status_code, _body(r))
        assert _body(r).strip(), name
        _no_internals(_body(r))
        if expected == 403:
            assert "read-only" in _body(r), (name, _body(r))
    for method, path, headers, body, expected in OTHER_WRITES:
        r = client.open(path, method=method, headers=headers, data=body)
        assert r.status_code == expected, (method, path, r.status_code, _body(r)[:300])
    assert store_digest(store) == digest_before
    assert _endpoint_view(get) == view_before


@pytest.mark.parametrize("store_kind", STORES)
def test_served_store_refuses_writes_from_code(store_kind):
    """Read-only by construction: once the service has served a query, the store object has
    no way left to write — not through SPARQL, not through the rdflib or pyoxigraph API."""
    from rdflib import Graph, URIRef

    from cloudkader.knowledge.app_state import get_store
    from cloudkader.stores.local import ReadOnlyError
    from cloudkader.web import create_app

    client = create_app(store_kind).test_client()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 200
    store = get_store(store_kind)
    assert store.frozen
    g = Graph()
    g.add((URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c")))
    with pytest.raises(ReadOnlyError):
        store.add_graph("urn:x:g", g)
    if store_kind == "memory":
        with pytest.raises(ReadOnlyError):
            store.dataset.add((URIRef("urn:x:a"), URIRef("urn:x:b"), URIRef("urn:x:c"), URIRef("urn:x:g")))
        with pytest.raises(ReadOnlyError):
            store.dataset.remove((None, None, None, None))
    else:
        for call in (lambda: store.store.update("CLEAR ALL"), lambda: store.store.clear(),
                     lambda: store.store.remove_graph(URIRef(REGISTER))):
            with pytest.raises(ReadOnlyError):
                call()
    assert not store.query(ASK_EVIL).boolean


@pytest.mark.parametrize("store_kind", STORES)
def test_real_server_stays_unchanged(server_factory, store_kind):  # noqa: F811
    """The same over real HTTP against ``cloudkader serve`` (waitress, worker processes)."""
    server = server_factory("--query-timeout", "3", store=store_kind)

    def get(q):
        return requests.get(server.url + "/sparql", params={"query": q}, timeout=30)

    before = _endpoint_view(get)
    for name, method, params, headers, body, expected in UPDATE_ATTEMPTS:
        r = requests.request(method, server.url + "/sparql", params=params, headers=headers,
                             data=body.encode("utf-8") if isinstance(body, str) else body, timeout=30)
        assert r.status_code == expected, (name, r.status_code, r.text)
    assert _endpoint_view(get) == before


# ==================================================================================================
# No server-side requests
# ==================================================================================================


class Listener:
    """A real TCP listener on loopback that records every connection (and what it was sent)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.hits: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            conn.settimeout(0.5)
            try:
                data = conn.recv(4096)
            except OSError:
                data = b""
            self.hits.append(data or b"<connected>")
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture(scope="module")
def marker_files(tmp_path_factory):
    """Files whose content carries a unique marker: if the server read one, the marker shows."""
    marker = "MARKER-" + uuid.uuid4().hex
    d = tmp_path_factory.mktemp("secret")
    ttl = d / "secret.ttl"
    ttl.write_text(f'<urn:x:secret> <urn:x:says> "{marker}" .\n', encoding="utf-8")
    ctx = d / "context.jsonld"
    ctx.write_text(json.dumps({"@context": {"marker": f"urn:x:{marker}"}}), encoding="utf-8")
    return marker, ttl.as_uri(), ctx.as_uri()


def ssrf_queries(url: str, file_uri: str) -> list[tuple[str, dict]]:
    """(query, extra protocol parameters) that would make a careless endpoint fetch ``url`` or
    read ``file_uri``."""
    return [
        (f"SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ SERVICE SILENT <{url}/sparql> {{ ?s ?p ?o }} }}", {}),
        (f"select * where {{ service <{url}/> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ \\u0053ERVICE <{url}/escaped> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ \\U00000053\\u0045RVICE <{url}/escaped2> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * WHERE {{ ?x ?y ?z OPTIONAL {{ SERVICE <{url}/opt> {{ ?x ?p ?o }} }} }} LIMIT 1", {}),
        (f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{url}/sub> {{ ?s ?p ?o }} }} }} }}", {}),
        (f"ASK {{ FILTER EXISTS {{ SERVICE <{url}/exists> {{ ?s ?p ?o }} }} }}", {}),
        (f"SELECT * WHERE {{ VALUES ?svc {{ <{url}/var> }} SERVICE ?svc {{ ?s ?p ?o }} }}", {}),
        (f"PREFIX x: <{url}/> SELECT * WHERE {{ SERVICE x:prefixed {{ ?s ?p ?o }} }}", {}),
        (f"BASE <{url}/> SELECT * WHERE {{ SERVICE <relative> {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * FROM <{url}/from> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{url}/named> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"SELECT * FROM <{file_uri}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * FROM NAMED <{file_uri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", {}),
        (f"CONSTRUCT {{ ?s ?p ?o }} FROM <{file_uri}> WHERE {{ ?s ?p ?o }}", {}),
        (f"SELECT * WHERE {{ GRAPH <{file_uri}> {{ ?s ?p ?o }} }}", {}),
        (f"DESCRIBE <{url}/describe>", {}),
        (f"DESCRIBE <{file_uri}>", {}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": f"{url}/dg"}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", {"named-graph-uri": f"{url}/ng"}),
        ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", {"default-graph-uri": file_uri}),
        ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", {"named-graph-uri": file_uri}),
        (f"LOAD <{url}/load>", {}),
        (f"LOAD <{file_uri}> INTO GRAPH <urn:x:g>", {}),
    ]


def ssrf_descriptions(url: str, file_uri: str, ctx_uri: str) -> list[tuple[str, dict, bytes]]:
    """(route, headers, body): descriptions that point at ``url`` / the files."""
    ttl = [
        f"<urn:x:onto> owl:imports <{url}/imports.ttl> .\nex:s owl:imports <{file_uri}> .\n",
        f"ex:s sh:shapesGraph <{url}/shapes.ttl> .\n<urn:x:shapes> sh:shapesGraph <{file_uri}> .\n",
        f"ex:s rdfs:seeAlso <{url}/seealso> ; rdfs:isDefinedBy <{file_uri}> .\n",
    ]
    bodies = [(TTL, (GOOD + extra).encode("utf-8")) for extra in ttl]
    bodies.append((TTL, (f"@base <{url}/> .\n" + GOOD + "<relative> owl:imports <more> .\n").encode("utf-8")))
    jsonld_docs = [
        {**GOOD_JSONLD, "@context": f"{url}/context.jsonld"},
        {**GOOD_JSONLD, "@context": ctx_uri},
        {**GOOD_JSONLD, "@context": [CONTEXT, f"{url}/context2.jsonld"]},
        {**GOOD_JSONLD, "@context": {**CONTEXT, "@import": f"{url}/import.jsonld"}},
        {**GOOD_JSONLD, "@context": {**CONTEXT, "p": {"@id": "urn:x:p", "@context": f"{url}/scoped.jsonld"}},
         "p": {"q": 1}},
        {"@context": CONTEXT, "@graph": [{**GOOD_JSONLD, "@context": f"{url}/nested.jsonld"}]},
        {**GOOD_JSONLD, "@context": {**CONTEXT, "@base": f"{url}/"}, "owl:imports": {"@id": "relative"}},
        # contexts nested in lists (issue 10, item 2): rdflib opened these
        {**GOOD_JSONLD, "@context": [[ctx_uri]]},
        {**GOOD_JSONLD, "@context": [CONTEXT, [f"{url}/list-in-list.jsonld"]]},
        {**GOOD_JSONLD, "@context": [[[CONTEXT, ["file:///dev/zero"]]]]},
        {**GOOD_JSONLD, "@context": [CONTEXT, {"p": {"@id": "urn:x:p", "@context": [[f"{url}/scoped-list.jsonld"]]}}],
         "p": {"q": 1}},
        {**GOOD_JSONLD, "@context": [CONTEXT, {"@import": ctx_uri}]},
        {"@context": [CONTEXT], "@graph": [{**GOOD_JSONLD, "@context": [[f"{url}/nested-list.jsonld"]]}]},
        {**GOOD_JSONLD, "http://www.w3.org/2002/07/owl#imports": {"@id": f"{url}/imports"},
         "http://www.w3.org/ns/shacl#shapesGraph": {"@id": file_uri}},
    ]
    bodies += [(JSONLD, json.dumps(doc).encode("utf-8")) for doc in jsonld_docs]
    return [(route, headers, body) for route in ("/validate", "/applicable") for headers, body in bodies]


def _check_no_requests(send_query, send_body, listener, marker_files):
    marker, file_uri, ctx_uri = marker_files
    answers = []
    for query, params in ssrf_queries(listener.url, file_uri):
        for method in ("GET", "POST"):
            r = send_query(method, query, params)
            assert r.status_code < 500, (query, r.status_code, _body(r))
            answers.append((query, _body(r)))
    for route, headers, body in ssrf_descriptions(listener.url, file_uri, ctx_uri):
        r = send_body(route, headers, body)
        assert r.status_code in (200, 400), (route, body[:200], r.status_code, _body(r))
        answers.append((body[:200], _body(r)))
    time.sleep(0.3)  # a connection in flight would be recorded by now
    assert listener.hits == [], f"the server opened connections: {listener.hits[:3]}"
    for what, text in answers:
        assert marker not in text, f"the server read a local file for {what!r}"


@pytest.mark.parametrize("store_kind", STORES)
def test_no_server_side_requests_in_process(store_kind, listener, marker_files):
    from cloudkader.web import create_app

    client = create_app(store_kind).test_client()

    def send_query(method, query, params):
        if method == "GET":
            return client.get("/sparql", query_string={"query": query, **params})
        return client.post("/sparql?" + urlencode(params), data=query.encode("utf-8"), headers=QUERY)

    def send_body(route, headers, body):
        return client.post(route, data=body, headers=headers)

    _check_no_requests(send_query, send_body, listener, marker_files)


@pytest.mark.parametrize("store_kind", STORES)
def test_no_server_side_requests_real_server(server_factory, store_kind, listener, marker_files):  # noqa: F811
    server = server_factory("--query-timeout", "3", store=store_kind)

    def send_query(method, query, params):
        if method == "GET":
            return requests.get(server.url + "/sparql", params={"query": query, **params}, timeout=30)
        return requests.post(server.url + "/sparql", params=params, data=query.encode("utf-8"), headers=QUERY,
                             timeout=30)

    def send_body(route, headers, body):
        return requests.post(server.url + route, data=body, headers=headers, timeout=60)

    _check_no_requests(send_query, send_body, listener, marker_files)


def test_remote_json_ld_context_is_refused_over_http(memory_client, listener):
    for ctx in (f"{listener.url}/c.jsonld", [CONTEXT, f"{listener.url}/c2.jsonld"], [[f"{listener.url}/c3.jsonld"]]):
        for route in ("/validate", "/applicable"):
            r = memory_client.post(route, data=json.dumps({**GOOD_JSONLD, "@context": ctx}), headers=JSONLD)
            assert r.status_code == 400
            error = r.get_json()["error"]
            assert ("remote JSON-LD contexts are not loaded" in error
                    or "@context must be an object" in error), error  # JSON-LD 1.1 has no lists in lists
    assert listener.hits == []


def test_json_ld_contexts_in_lists_are_never_opened(listener, marker_files, tmp_path):
    """The document loader refuses every context at any depth — also without query workers
    (``--query-workers 0``: the check runs in the server process), and for a context file that
    exists, one that does not (no existence oracle) and /dev/zero (no memory burnt)."""
    from cloudkader.web import create_app

    marker, _file_uri, ctx_uri = marker_files
    client = create_app("memory", {"CLOUDKADER_QUERY_WORKERS": 0}).test_client()
    missing = (tmp_path / "missing.jsonld").as_uri()
    messages = []
    for ctx in ([[ctx_uri]], [[missing]], [ctx_uri], [missing], [[["file:///dev/zero"]]], [CONTEXT, [[f"{listener.url}/deep.jsonld"]]],
                [CONTEXT, {"@import": f"{listener.url}/import.jsonld"}]):
        r = client.post("/validate", data=json.dumps({**GOOD_JSONLD, "@context": ctx}), headers=JSONLD)
        assert r.status_code == 400, (ctx, r.status_code, r.get_data(as_text=True)[:300])
        message = r.get_json()["error"]
        assert ("remote JSON-LD contexts are not loaded" in message
                or "@context must be an object" in message), message
        assert marker not in message
        messages.append(message.replace(ctx_uri, "X").replace(missing, "X"))
    assert messages[0] == messages[1] and messages[2] == messages[3], "an existing and a missing file answer alike"
    time.sleep(0.3)
    assert listener.hits == []


def test_query_workers_have_no_network(listener):
    """Second door: even code that tried would find no network in a query worker."""
    from cloudkader.stores.query_executor import forbid_network
    import multiprocessing

    def probe(q):
        forbid_network()
        try:
            socket.create_connection(("127.0.0.1", listener.port), timeout=1)
            q.put("connected")
        except PermissionError:
            q.put("refused")
        try:
            s = socket.socket()
            s.connect(("127.0.0.1", listener.port))
            q.put("connected")
        except PermissionError:
            q.put("refused")

    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=probe, args=(q,))
    p.start()
    p.join(10)
    assert [q.get(timeout=5), q.get(timeout=5)] == ["refused", "refused"]
    assert listener.hits == []


# -- SERVICE hidden behind every escape form of SPARQL (issue 10, item 1) -----------------------------


def service_attacks(url: str) -> list[tuple[str, str]]:
    """(name, query): a SERVICE to ``url`` after a token that a keyword scanner misreads — PN_LOCAL
    escapes, codepoint escapes, comments, strings, IRIs. The first one ran on pyoxigraph."""
    p = "PREFIX ex: <http://ex.org/> "
    svc = f"SERVICE <{url}/attack> {{ ?x ?y ?z }}"
    return [
        ("pn-local-hash", p + rf"SELECT ?x {{ BIND(ex:a\# AS ?u) {svc} }}"),
        ("pn-local-quote", p + rf"SELECT ?x {{ BIND(ex:a\' AS ?u) {svc} BIND(ex:b\' AS ?v) }}"),
        ("pn-local-dquote", p + rf'SELECT ?x {{ BIND(ex:a\" AS ?u) {svc} BIND(ex:b\" AS ?v) }}'),
        ("pn-local-all-escapes", p + rf"SELECT ?x {{ BIND(ex:a\~\.\-\!\$\&\(\)\*\+\,\;\=\/\?\@\%\# AS ?u) {svc} }}"),
        ("pn-local-percent", p + f"SELECT ?x {{ BIND(ex:a%23 AS ?u) {svc} }}"),
        ("u-escape-hash", p + rf"SELECT ?x {{ BIND(ex:a\u0023 AS ?u) {svc} }}"),
        ("u-escape-hash-in-string", rf'SELECT ?x {{ BIND("\u0023" AS ?u) {svc} }}'),
        ("u-escape-quote-in-string", rf'SELECT ?x {{ BIND("\u0022" AS ?u) {svc} }}'),
        ("u-escape-keyword", rf"SELECT ?x {{ \u0053\u0045RVICE <{url}/u> {{ ?x ?y ?z }} }}"),
        ("U-escape-keyword", rf"SELECT ?x {{ \U00000053ERVICE <{url}/U> {{ ?x ?y ?z }} }}"),
        ("u-escape-in-iri", rf"SELECT ?x {{ SERVICE <{url}/\u0078> {{ ?x ?y ?z }} }}"),
        ("comment-with-quote", f'SELECT ?x {{ # a comment with a " quote\n {svc} # and " another\n }}'),
        ("comment-with-keyword", f"SELECT ?x {{ # SERVICE\n {svc} }}"),
        ("comment-with-iri-start", f"SELECT ?x {{ # <\n {svc} # >\n }}"),
        ("string-hash", f'SELECT ?x {{ BIND("#" AS ?u) {svc} }}'),
        ("string-escaped-quote", rf'SELECT ?x {{ BIND("a\"#" AS ?u) {svc} }}'),
        ("string-single-escaped-quote", rf"SELECT ?x {{ BIND('a\'#' AS ?u) {svc} }}"),
        ("string-long", f'SELECT ?x {{ BIND("""a""b"#""" AS ?u) {svc} }}'),
        ("string-long-single", f"SELECT ?x {{ BIND('''a''b'#''' AS ?u) {svc} }}"),
        ("string-keyword", f'SELECT ?x {{ VALUES ?a {{ "SERVICE" }} {svc} }}'),
        ("iri-hash", f"SELECT ?x {{ BIND(<http://ex.org/#a> AS ?u) {svc} }}"),
        ("iri-quote", f"SELECT ?x {{ BIND(<http://ex.org/a'b> AS ?u) {svc} BIND(<http://ex.org/c'd> AS ?v) }}"),
        ("language-tag", f'SELECT ?x {{ BIND("a"@en-GB AS ?u) {svc} }}'),
        ("variable", f"SELECT ?x {{ BIND(<{url}/v> AS ?service) SERVICE ?service {{ ?x ?y ?z }} }}"),
        ("silent-lower-case", f"select ?x {{ service silent <{url}/s> {{ ?x ?y ?z }} }}"),
    ]


def _check_service_attacks(send, listener):
    for name, query in service_attacks(listener.url):
        r = send(query)
        assert r.status_code == 400, (name, query, r.status_code, _body(r)[:300])
        _no_internals(_body(r))
    time.sleep(0.3)
    assert listener.hits == [], f"the server opened connections: {listener.hits[:3]}"


@pytest.mark.parametrize("store_kind", STORES)
def test_service_behind_escapes_is_refused_in_process(store_kind, listener):
    from cloudkader.web import create_app

    client = create_app(store_kind).test_client()
    _check_service_attacks(lambda q: client.post("/sparql", data=q.encode("utf-8"), headers=QUERY), listener)
    _check_service_attacks(lambda q: client.get("/sparql", query_string={"query": q}), listener)


def test_service_behind_escapes_is_refused_by_the_real_server(server_factory, listener):  # noqa: F811
    server = server_factory("--query-timeout", "3", store="oxigraph")
    _check_service_attacks(lambda q: requests.post(server.url + "/sparql", data=q.encode("utf-8"), headers=QUERY,
                                                   timeout=30), listener)


def test_sparql_store_decides_on_the_parse(listener):
    """``--store sparql:URL``: the query is refused before it is sent to the endpoint (which
    would run the SERVICE itself)."""
    from cloudkader.stores.remote import SparqlStore
    from cloudkader.stores.results import QueryError

    store = SparqlStore(listener.url + "/query", listener.url + "/store")
    for name, query in service_attacks(listener.url):
        with pytest.raises(QueryError):
            store.query(query)
    time.sleep(0.3)
    assert listener.hits == [], "the refused queries reached the endpoint"


def test_rdflib_engine_refuses_service_by_itself(listener):
    """The engine door: rdflib evaluates no SERVICE even when the guard is bypassed."""
    from rdflib import Dataset
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    from cloudkader.stores.query_guard import ServiceRefused

    query = translateQuery(parseQuery(f"SELECT * {{ SERVICE <{listener.url}/engine> {{ ?s ?p ?o }} }}"))
    with pytest.raises(ServiceRefused):
        list(Dataset().query(query))
    assert listener.hits == []


def _native_network_probe(port: int) -> list[str]:
    """Runs in a query worker (a registered task): tries the network below Python's socket
    module — pyoxigraph's Rust HTTP client and the C-level socket connect."""
    import _socket

    import pyoxigraph

    outcomes = []
    try:
        list(pyoxigraph.Store().query(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/native> {{ ?s ?p ?o }} }}"))
        outcomes.append("pyoxigraph: connected")
    except Exception as exc:
        outcomes.append(f"pyoxigraph: {exc}")
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    try:
        _socket.socket.connect(s, ("127.0.0.1", port))
        outcomes.append("socket: connected")
    except OSError as exc:
        outcomes.append(f"socket: {exc}")
    finally:
        s.close()
    return outcomes


def test_query_workers_have_no_network_even_for_native_code(listener):
    """The kernel door: the query workers live in an empty network namespace, so what the
    Python-level block cannot stop (pyoxigraph's HTTP client, a raw C connect) finds no network."""
    import sys

    from cloudkader.stores import query_executor, sandbox
    from cloudkader.stores.local import OxigraphStore

    query_executor.task(_native_network_probe)
    ex = query_executor.QueryExecutor(OxigraphStore(), workers=1)
    try:
        if sys.platform.startswith("linux"):
            assert ex.network in (sandbox.ISOLATED, sandbox.ISOLATED_USER)
            assert sandbox.network_namespace(ex.stats().pids[0]) != sandbox.network_namespace()
        outcomes = ex.call(query_executor.task_name(_native_network_probe), (listener.port,), timeout=30)
    finally:
        ex.close()
    assert not any(o.endswith("connected") for o in outcomes), outcomes
    time.sleep(0.3)
    assert listener.hits == []


# ==================================================================================================
# Bad input: a 4xx with a message, never a 500 or a traceback
# ==================================================================================================

_NESTED_TTL = GOOD + "ex:s rdfs:seeAlso " + "[ rdfs:seeAlso " * 3000 + "]" * 3000 + " .\n"
_NESTED_LIST = GOOD + "ex:s rdfs:seeAlso " + "( " * 3000 + ")" * 3000 + " .\n"
_BIG = 4 * 1024 * 1024


def _q(query: str, **params) -> str:
    return "/sparql?" + urlencode({"query": query, **params})


# (name, method, path, headers, body, expected status[, fragments the message must contain])
CASES = [
    # -- /validate and /applicable ------------------------------------------------------------------
    ("malformed-turtle", "POST", "/validate", TTL,
     PREFIXES + "ex:s a ckd:CloudService ;\n  ckd:usedBy org:jenv\n  ckd:deploymentModel ckd:PublicCloud .\n", 400,
     ["Turtle", "line 9"]),
    ("malformed-turtle-applicable", "POST", "/applicable", TTL, "ex:s a ckd:CloudService .\n", 400, ["Turtle", "line 1"]),
    ("malformed-json-ld", "POST", "/validate", JSONLD, '{\n  "@id": "https://example.org/s",\n  "@type": \n}\n', 400,
     ["JSON-LD", "line 4", "column"]),
    ("json-ld-trailing-comma", "POST", "/applicable", JSONLD, '{"@id": "https://example.org/s",\n}', 400, ["line 2"]),
    ("json-ld-scalar", "POST", "/validate", JSONLD, '"just a string"', 400, ["object"]),
    ("json-ld-array-of-numbers", "POST", "/validate", JSONLD, "[1, 2, 3]", 400, ["ckd:CloudService"]),
    ("json-ld-context-number", "POST", "/validate", JSONLD, json.dumps({"@context": 5, "@id": "urn:x"}), 400, ["JSON-LD"]),
    ("json-ld-bad-term-definition", "POST", "/validate", JSONLD,
     json.dumps({"@context": {"p": {"@id": 5}}, "@id": "https://e.org/s", "p": 1}), 400, ["JSON-LD"]),
    ("json-ld-nested-5000", "POST", "/validate", JSONLD, "[" * 5000 + "]" * 5000, 400, ["nested"]),
    ("json-ld-nested-objects", "POST", "/applicable", JSONLD, '{"a":' * 100 + "1" + "}" * 100, 400, ["nested"]),
    ("json-ld-remote-context", "POST", "/validate", JSONLD,
     json.dumps({**GOOD_JSONLD, "@context": "https://schema.org/"}), 400, ["remote"]),
    ("json-ld-binary", "POST", "/validate", JSONLD, b"\xff\xfe\x00\x01garbage", 400, ["UTF-8"]),
    ("wrong-content-type", "POST", "/validate", {"Content-Type": "text/plain"}, GOOD, 415, ["Content-Type"]),
    ("wrong-content-type-html", "POST", "/applicable", {"Content-Type": "text/html"}, GOOD, 415, ["Content-Type"]),
    ("form-content-type", "POST", "/validate", FORM, "a=b", 415, ["Content-Type"]),
    ("no-content-type", "POST", "/validate", {}, GOOD, 415, ["Content-Type"]),
    ("non-utf8-turtle", "POST", "/validate", TTL, GOOD.encode() + 'ex:s rdfs:label "caf\xe9" .'.encode("latin-1"), 400,
     ["UTF-8"]),
    ("latin1-charset", "POST", "/applicable", {"Content-Type": "text/turtle; charset=iso-8859-1"},
     GOOD.encode() + 'ex:s rdfs:label "caf\xe9" .'.encode("latin-1"), 400, ["UTF-8"]),
    ("nul-bytes", "POST", "/validate", TTL, GOOD + "\x00\x00", 400, ["Turtle"]),
    ("empty-body", "POST", "/validate", TTL, "", 400, ["empty"]),
    ("blank-body", "POST", "/applicable", JSONLD, "  \n\t ", 400, ["empty"]),
    ("deeply-nested-turtle", "POST", "/validate", TTL, _NESTED_TTL, 400, ["Turtle"]),
    ("deeply-nested-collection", "POST", "/applicable", TTL, _NESTED_LIST, 400, ["Turtle"]),
    ("huge-literal-4mb", "POST", "/validate", TTL, GOOD + 'ex:s rdfs:comment "' + "x" * _BIG + '" .\n', 200, []),
    ("huge-unterminated-literal", "POST", "/validate", TTL, GOOD + 'ex:s rdfs:comment "' + "x" * _BIG, 400,
     ["Turtle"]),
    # rdflib parses these in time quadratic in the line breaks/escapes of one literal (minutes)
    ("huge-multiline-literal", "POST", "/applicable", TTL,
     GOOD + 'ex:s rdfs:comment """' + "x\n" * (_BIG // 2) + '""" .\n', 400, ["line 8", "line breaks"]),
    ("huge-escaped-literal", "POST", "/validate", {"Content-Type": "application/n-triples"},
     '<https://example.org/s> <urn:x:p> "' + "\\n" * (_BIG // 2) + '" .\n', 400, ["escapes"]),
    ("long-literal-within-limit", "POST", "/validate", TTL,
     GOOD + 'ex:s rdfs:comment """' + ("x" * 400 + "\n") * 9000 + '""" .\n', 200, []),
    ("body-over-5mb", "POST", "/validate", TTL, GOOD + "#" + "x" * (5 * 1024 * 1024), 413, ["too large"]),
    ("body-over-5mb-applicable", "POST", "/applicable", JSONLD, b" " * (5 * 1024 * 1024 + 1), 413, ["too large"]),
    ("unknown-organisation", "POST", "/validate", TTL, PREFIXES + "ex:s a ckd:CloudService ; ckd:usedBy org:xyz .\n",
     400, ["unknown organisation", "org/xyz"]),
    ("unknown-data-category", "POST", "/applicable", TTL,
     PREFIXES + "ex:s a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:processes ex:Secrets .\n", 400,
     ["unknown data category"]),
    ("unknown-ckd-term", "POST", "/validate", TTL,
     PREFIXES + "ex:s a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:deploymentMode ckd:PublicCloud .\n", 400,
     ["unknown term"]),
    ("service-without-used-by", "POST", "/validate", TTL,
     PREFIXES + "ex:s a ckd:CloudService ; ckd:deploymentModel ckd:PublicCloud .\n", 400, ["ckd:usedBy"]),
    ("no-cloud-service", "POST", "/applicable", TTL, PREFIXES + 'ex:aws a ckd:CloudProvider ; rdfs:label "AWS" .\n',
     400, ["ckd:CloudService"]),
    ("blank-node-service", "POST", "/validate", TTL, PREFIXES + "[] a ckd:CloudService ; ckd:usedBy org:jenv .\n", 400,
     ["IRI"]),
    ("n-triples-relative", "POST", "/validate", {"Content-Type": "application/n-triples"}, "<a> <b> <c> .", 400,
     ["NT"]),
    ("unknown-framework", "POST", "/validate?framework=xyz", TTL, GOOD, 400, ["unknown framework"]),
    ("unknown-format", "POST", "/validate?format=yaml", TTL, GOOD, 400, ["format"]),
    ("not-acceptable", "POST", "/validate", {**TTL, "Accept": "image/png"}, GOOD, 406, ["Accept"]),
    ("not-acceptable-applicable", "POST", "/applicable", {**TTL, "Accept": "text/turtle"}, GOOD, 406, ["Accept"]),
    ("garbage-accept-is-any", "POST", "/validate", {**TTL, "Accept": ";;;,,,q=x"}, GOOD, 200, []),
    ("get-validate", "GET", "/validate", {}, None, 405, ["not allowed"]),
    ("delete-applicable", "DELETE", "/applicable", {}, None, 405, ["not allowed"]),
    # -- /sparql ---------------------------------------------------------------------------------------
    ("sparql-syntax-error", "GET", _q("SELECT * WHERE {\n  ?s ?p \n}"), {}, None, 400, ["line", "column"]),
    ("sparql-empty", "GET", _q("   "), {}, None, 400, ["empty"]),
    ("sparql-two-queries", "GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}, None, 400, ["query"]),
    ("sparql-non-utf8-url", "GET", "/sparql?query=ASK%20%7B%7D%23%E9", {}, None, 400, ["UTF-8"]),
    ("sparql-non-utf8-body", "POST", "/sparql", QUERY, b"ASK {} #\xe9", 400, ["UTF-8"]),
    ("sparql-wrong-content-type", "POST", "/sparql", {"Content-Type": "text/plain"}, "ASK {}", 400, ["Content-Type"]),
    ("sparql-no-content-type", "POST", "/sparql", {}, "ASK {}", 400, ["Content-Type"]),
    ("sparql-post-no-query", "POST", "/sparql", FORM, "format=json", 400, ["no query"]),
    ("sparql-unknown-format", "GET", _q("ASK {}", format="yaml"), {}, None, 400, ["format"]),
    ("sparql-bad-accept", "GET", _q("ASK {}"), {"Accept": "image/png"}, None, 406, ["Accept"]),
    ("sparql-construct-as-csv", "GET", _q("CONSTRUCT WHERE { ?s ?p ?o }"), {"Accept": "text/csv"}, None, 406, []),
    ("sparql-bad-graph-iri", "GET", _q("ASK {}", **{"default-graph-uri": "not an iri"}), {}, None, 400, ["IRI"]),
    ("sparql-nested-too-deep", "GET", _q("SELECT * WHERE " + "{" * 2000 + "}" * 2000), {}, None, 400, ["nested"]),
    ("sparql-bad-escape", "GET", _q("SELECT * WHERE { ?s ?p \\U0011FFFF }"), {}, None, 400, []),
    ("sparql-nul", "GET", _q("SELECT * WHERE { ?s ?p ?o }\x00"), {}, None, 400, ["line"]),
    ("sparql-negative-limit", "GET", _q("SELECT * WHERE { ?s ?p ?o } LIMIT -1"), {}, None, 400, ["column"]),
    ("sparql-bad-regex", "GET", _q("SELECT * WHERE { ?s ?p ?o FILTER regex(str(?o), '(') } LIMIT 1"), {}, None, 400,
     []),
    ("sparql-huge-comment", "GET", _q("ASK {} #" + "x" * 100_000), {}, None, 200, []),
    ("sparql-body-over-5mb", "POST", "/sparql", QUERY, "ASK {} #" + "x" * (5 * 1024 * 1024), 413, ["too large"]),
    ("sparql-method", "PATCH", _q("ASK {}"), {}, None, 405, ["not allowed"]),
    # -- pages, linked data, overlaps --------------------------------------------------------------------
    ("unknown-route", "GET", "/nope", {}, None, 404, ["/nope"]),
    ("unknown-route-browser", "GET", "/nope", {"Accept": BROWSER}, None, 404, []),
    ("unknown-iri", "GET", "/id/no/such/thing", {"Accept": "text/turtle"}, None, 404, ["not known"]),
    ("unknown-iri-browser", "GET", "/id/no/such/thing", {"Accept": BROWSER}, None, 404, []),
    ("nul-in-iri", "GET", "/id/%00", {}, None, 404, []),
    ("unknown-term", "GET", "/def/NoSuchTerm", {"Accept": "text/turtle"}, None, 404, []),
    ("unknown-framework-page", "GET", "/frameworks/nope", {"Accept": BROWSER}, None, 404, []),
    ("bad-iri-format", "GET", "/id/rijk/voorwaarde-4?format=%ff", {}, None, 400, ["format"]),
    ("iri-not-acceptable", "GET", "/id/rijk/voorwaarde-4", {"Accept": "image/png"}, None, 406, []),
    ("overlaps-unknown-theme", "GET", "/overlaps?theme=%ff", {}, None, 400, ["unknown theme"]),
    ("overlaps-unknown-format", "GET", "/overlaps?format=yaml", {}, None, 400, ["format"]),
    ("overlaps-not-acceptable", "GET", "/overlaps", {"Accept": "image/png"}, None, 406, []),
    ("post-to-page", "POST", "/frameworks", {"Accept": BROWSER}, None, 405, []),
    ("static-traversal", "GET", "/static/../store.py", {}, None, 404, []),
    ("static-traversal-encoded", "GET", "/static/%2e%2e/api.py", {}, None, 404, []),
    ("check-form-garbage", "POST", "/check", {**FORM, "Accept": BROWSER},
     urlencode({"org": "x" * 1000, "deployment": "<script>alert(1)</script>"}), 400, []),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(memory_client, case):
    name, method, path, headers, body, expected, *rest = case
    fragments = rest[0] if rest else []
    data = body.encode("utf-8") if isinstance(body, str) else body
    r = memory_client.open(path, method=method, headers=headers, data=data)
    text = _body(r)
    assert r.status_code == expected, (name, r.status_code, text[:500])
    assert r.headers.get("Content-Type"), name
    if expected >= 400:
        assert text.strip(), f"{name}: an error without a message"
        if r.mimetype == "application/json":
            assert json.loads(text)["error"]
        shown = text[:20_000] if r.mimetype != "text/html" else _visible_text(text)
        _no_internals(shown.replace(urlsplit(path).path, "").replace(unquote(urlsplit(path).path), ""))
        assert len(text) < 200_000 or r.mimetype == "text/html", f"{name}: the error echoes the input"
    for fragment in fragments:
        assert fragment in text, (name, fragment, text[:500])


def _visible_text(page: str) -> str:
    return re.sub(r"<[^>]+>", " ", page)


# ==================================================================================================
# Security headers and no inline script on every HTML page
# ==================================================================================================


class _PageAudit(HTMLParser):
    """Links to follow, and what a strict CSP would block or what loads from elsewhere."""

    ASSET_ATTRS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "object": "data",
                   "embed": "src", "source": "src", "audio": "src", "video": "src", "track": "src"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self._in_script = True
            if not a.get("src"):
                self.problems.append("inline <script> (no src)")
        attr = self.ASSET_ATTRS.get(tag)
        if attr and a.get(attr):
            url = a[attr].strip()
            if url.startswith(("http:", "https:", "//")) and not (tag == "link" and a.get("rel") in ("alternate",
                                                                                                        "canonical")):
                self.problems.append(f"external {tag} {url}")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("inline script content")


def _check_html_response(path: str, r) -> list[str]:
    problems = []
    from cloudkader.web.security import CSP

    csp = r.headers.get("Content-Security-Policy", "")
    if csp != CSP:  # one policy on every page (the linked-data pages had a weaker one)
        problems.append(f"Content-Security-Policy {csp!r}")
    if r.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no X-Content-Type-Options: nosniff")
    if not r.headers.get("Referrer-Policy"):
        problems.append("no Referrer-Policy")
    if r.headers.get("X-Frame-Options") != "DENY" and "frame-ancestors 'none'" not in csp:
        problems.append("may be framed (no X-Frame-Options: DENY, no frame-ancestors 'none')")
    audit = _PageAudit()
    audit.feed(_body(r))
    problems += audit.problems
    return [f"{path}: {p}" for p in problems]


def _crawl(client, start: list[str], limit: int = 160, per_section: int = 6) -> dict[str, object]:
    """Breadth-first over the app's own HTML pages: at most ``per_section`` per first two path
    segments, ``limit`` in all. Returns {path: response}."""
    seen, pages, sections = set(), {}, {}
    todo = list(start)
    while todo and len(pages) < limit:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        parts = urlsplit(path)
        section = "/".join(parts.path.split("/")[:3])
        if sections.get(section, 0) >= per_section and path not in start:
            continue
        r = client.get(path, headers={"Accept": BROWSER})
        if r.status_code in (301, 302, 303, 307, 308):
            loc = urlsplit(r.headers["Location"])
            if not loc.netloc or loc.netloc == "localhost":
                todo.append(loc.path + ("?" + loc.query if loc.query else ""))
            continue
        if r.mimetype != "text/html":
            continue
        sections[section] = sections.get(section, 0) + 1
        pages[path] = r
        audit = _PageAudit()
        audit.feed(_body(r))
        for href in audit.links:
            url = urlsplit(urljoin("http://localhost" + path, href))
            if url.netloc != "localhost" or url.path.startswith("/static/"):
                continue
            if re.search(r"(^|&)(format|output)=(?!html)", url.query):
                continue
            todo.append(url.path + ("?" + url.query if url.query else ""))
    return pages


START_PAGES = ["/", "/frameworks", "/frameworks/rijk", "/search?q=exit", "/check", "/check?lang=en",
               "/overlaps/matrix", "/overlaps/theme/exit-strategy", "/register", "/def", "/id/rijk/voorwaarde-4",
               "/id/org/jenv", "/sparql", "/sparql?" + urlencode({"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3",
                                                                   "format": "html"}),
               "/sparql?" + urlencode({"query": "SELECT * WHERE {", "format": "html"}),
               "/overlaps?format=html", "/?lang=en", "/nope", "/id/no/such/thing"]


def test_every_html_page_has_security_headers_and_no_inline_script(memory_client):
    pages = _crawl(memory_client, START_PAGES, limit=120, per_section=5)
    assert len(pages) >= 40, sorted(pages)
    problems = []
    for path, r in pages.items():
        assert r.status_code < 500, (path, r.status_code)
        problems += _check_html_response(path, r)
    # HTML that is not reached by links: error pages, the check result, a SPARQL error
    extra = {
        "405 page": memory_client.post("/frameworks", headers={"Accept": BROWSER}),
        "check result": memory_client.post("/check", headers={"Accept": BROWSER}, data={
            "name": "Test", "org": "jenv", "deployment": "PublicCloud", "service_model": "SaaS"}),
        "sparql 403 page": memory_client.get("/sparql", query_string={"update": "CLEAR ALL"},
                                             headers={"Accept": BROWSER}),
    }
    for name, r in extra.items():
        assert r.mimetype == "text/html", (name, r.mimetype)
        problems += _check_html_response(name, r)
    assert not problems, "\n".join(problems)


def test_non_html_answers_are_nosniff(memory_client):
    for path, headers in [("/sparql?query=ASK%20%7B%7D", {}), ("/id/rijk", {"Accept": "text/turtle"}),
                          ("/overlaps", {}), ("/openapi.json", {}), ("/nope", {})]:
        r = memory_client.get(path, headers=headers)
        assert r.headers["X-Content-Type-Options"] == "nosniff", path


def test_one_security_policy_on_every_response(memory_client):
    """Issue 10, item 6: the documented CSP — frame-ancestors, base-uri, form-action, object-src —
    on every answer of every blueprint, HTML or not, errors too."""
    from cloudkader.web.security import CSP

    assert all(d in CSP for d in ("frame-ancestors 'none'", "base-uri 'self'", "form-action 'self'", "object-src 'none'"))
    for path, headers in [("/", HTML), ("/id/rijk", HTML), ("/id/rijk/voorwaarde-4", HTML), ("/def", HTML),
                          ("/id/rijk", {"Accept": "text/turtle"}), ("/sparql", HTML), ("/sparql?query=ASK%20%7B%7D", {}),
                          ("/sparql?query=nonsense", {}), ("/frameworks", HTML), ("/check", HTML), ("/overlaps", {}),
                          ("/openapi.json", {}), ("/nope", HTML), ("/id/nope", HTML)]:
        r = memory_client.get(path, headers=headers)
        assert r.headers.get("Content-Security-Policy") == CSP, (path, r.headers.get("Content-Security-Policy"))
        assert r.headers.get("X-Frame-Options") == "DENY", path


def test_service_description_ignores_the_host_header(memory_client, server_factory):  # noqa: F811
    """Issue 10, item 6: sd:endpoint comes from the configured base URL, not from ``Host``."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    from cloudkader.web import create_app

    sd = "http://www.w3.org/ns/sparql-service-description#"
    app = create_app("memory", {"CLOUDKADER_BASE_URL": "https://cloudkader.example.org/"})
    for client, expected in ((app.test_client(), "https://cloudkader.example.org/sparql"),
                             (memory_client, "http://localhost/sparql")):
        r = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "evil.example:666"})
        g = Graph().parse(data=r.data, format="turtle")
        assert list(g.subjects(RDF.type, URIRef(sd + "Service"))) == [URIRef(expected)]
        assert b"evil.example" not in r.data
        page = client.get("/sparql", headers={**HTML, "Host": "evil.example:666"}).get_data(as_text=True)
        assert "evil.example" not in page and expected in page
    server = server_factory()
    r = requests.get(server.url + "/sparql", headers={"Accept": "text/turtle", "Host": "evil.example:666"}, timeout=30)
    assert r.status_code == 200 and b"evil.example" not in r.content
    assert f"<{server.url}/sparql>".encode() in r.content


# -- issue 10, items 3 and 5: inputs that gave a 500, writers that were not valid ------------------------

_CHAIN_TTL = GOOD + "ex:s rdfs:seeAlso _:b0 .\n" + "".join(f"_:b{i} rdfs:seeAlso _:b{i + 1} .\n" for i in range(5000))
_CHAIN_JSONLD = json.dumps({"@context": {**CONTEXT, "see": "http://www.w3.org/2000/01/rdf-schema#seeAlso"},
                            "@graph": [{**GOOD_JSONLD, "see": {"@id": "_:b0"}}]
                            + [{"@id": f"_:b{i}", "see": {"@id": f"_:b{i + 1}"}} for i in range(5000)]})
_LIST_TTL = GOOD + "ex:s rdfs:seeAlso (" + " ".join(f"ex:i{i}" for i in range(5000)) + ") .\n"
_SURROGATE_NT = ("<https://example.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                 "<https://w3id.org/cloudkader/def#CloudService> .\n"
                 '<https://example.org/s> <http://www.w3.org/2000/01/rdf-schema#label> "a\\uD800" .\n')
NT = {"Content-Type": "application/n-triples"}
ISSUE_10_CASES = [
    # name, method, path, headers, body, expected status, texts the answer must contain
    ("query-lone-surrogate", "POST", "/sparql", QUERY, 'SELECT ?x { BIND("\\uD800" AS ?x) }', 400, ["surrogate"]),
    ("query-lone-surrogate-get", "GET", _q('SELECT ?x { BIND("a\\uDFFF" AS ?x) }'), {}, None, 400, ["surrogate"]),
    ("turtle-lone-surrogate-validate", "POST", "/validate", TTL, GOOD + 'ex:s rdfs:label "a\\uD800b" .\n', 400,
     ["U+D800"]),
    ("turtle-lone-surrogate-applicable", "POST", "/applicable", TTL, GOOD + "ex:s rdfs:label '\\uDC00' .\n", 400,
     ["U+DC00"]),
    ("ntriples-lone-surrogate", "POST", "/validate", NT, _SURROGATE_NT, 400, ["U+D800"]),
    ("json-ld-lone-surrogate", "POST", "/applicable", JSONLD,
     json.dumps({**GOOD_JSONLD, "rdfs:label": "x"}).replace('"x"', '"\\ud800"'), 400, ["U+D800"]),
    ("json-ld-5000-digits", "POST", "/validate", JSONLD,
     '{"@id": "https://example.org/s", "http://x/n": ' + "9" * 5000 + "}", 400, ["digits"]),
    ("json-ld-5000-digits-applicable", "POST", "/applicable", JSONLD,
     '{"@id": "https://example.org/s", "http://x/n": 1.' + "5" * 5000 + "e999999}", 400, ["ckd:CloudService"]),
    ("construct-rdfxml-unsplittable-predicate", "POST", "/sparql", {**QUERY, "Accept": "application/rdf+xml"},
     'CONSTRUCT { <http://x/s> <http://x/1> "o" } WHERE {}', 406, ["RDF/XML", "Turtle"]),
    ("construct-rdfxml-control-character", "POST", "/sparql", {**QUERY, "Accept": "application/rdf+xml"},
     'CONSTRUCT { <http://x/s> <http://x/p> "a\\u0001" } WHERE {}', 406, ["U+0001"]),
    ("select-xml-control-character", "POST", "/sparql", {**QUERY, "Accept": "application/sparql-results+xml"},
     'SELECT ?x { BIND("a\\u0001b" AS ?x) }', 406, ["U+0001", "JSON"]),
    ("turtle-blank-node-chain-5000", "POST", "/validate", TTL, _CHAIN_TTL, 200, []),
    ("turtle-blank-node-chain-5000-turtle-answer", "POST", "/validate", {**TTL, "Accept": "text/turtle"}, _CHAIN_TTL,
     200, []),
    ("json-ld-blank-node-chain-5000", "POST", "/applicable", JSONLD, _CHAIN_JSONLD, 200, []),
    ("turtle-list-5000", "POST", "/validate", TTL, _LIST_TTL, 200, []),
    ("turtle-nested-5000", "POST", "/applicable", TTL,
     GOOD + "ex:s rdfs:seeAlso " + "[ rdfs:seeAlso " * 5000 + "]" * 5000 + " .\n", 400, ["nested too deeply"]),
    ("sparql-20000-parentheses", "POST", "/sparql", QUERY, "SELECT * { FILTER(" + "(" * 20000 + "1" + ")" * 20000 + ") }",
     400, ["nested"]),
    ("turtle-10000-prefixes", "POST", "/validate", TTL,
     "".join(f"@prefix p{i}: <http://example.org/{i}/> .\n" for i in range(10000)) + GOOD, 400, ["prefix"]),
]


@pytest.mark.parametrize("case", ISSUE_10_CASES, ids=[c[0] for c in ISSUE_10_CASES])
def test_no_500_on_inputs_that_gave_one(client, case):
    name, method, path, headers, body, expected, fragments = case
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    r = client.open(path, method=method, headers=headers, data=data)
    text = _body(r)
    assert r.status_code == expected, (name, r.status_code, text[:500])
    if expected >= 400:
        _no_internals(text)
        assert "maximum recursion" not in text and "Exceeds the limit" not in text, text  # no Python text
    for fragment in fragments:
        assert fragment in text, (name, fragment, text[:500])


def _sparql_string(value: str) -> str:
    escapes = {"\\": "\\\\", '"': '\\"', "\t": "\\t", "\n": "\\n", "\r": "\\r"}
    return "".join(escapes.get(c, c) for c in value)


@pytest.mark.parametrize("store_kind", STORES)
def test_result_writers_are_valid_per_w3c(store_kind):
    """Issue 10, item 5: TSV in the W3C form (``"t\\tq\\"n\\nx"``, read back by pyoxigraph and
    rdflib), SPARQL XML well-formed, CSV as RFC 4180 — each read back to the same values."""
    import csv
    import io
    import xml.dom.minidom

    import pyoxigraph as ox
    from rdflib import Variable
    from rdflib.plugins.sparql.results.tsvresults import TSVResultParser

    from cloudkader.web import create_app

    client = create_app(store_kind).test_client()
    values = ["t\tq\"n\nx", "comma, \"quote\"", "é ü 漢 😀", "back\\slash", "cr\rlf"]
    query = ("SELECT ?v ?lang ?iri ?n WHERE { VALUES (?v ?lang ?iri ?n) { "
             + " ".join(f'("{_sparql_string(v)}" "x"@nl-BE <http://ex.org/a#b> 1.5)' for v in values) + " } }")
    r = client.post("/sparql", data=query, headers={**QUERY, "Accept": "text/tab-separated-values"})
    assert r.status_code == 200, r.get_data(as_text=True)
    tsv = r.get_data()
    assert b'"t\\tq\\"n\\nx"' in tsv and b'"""' not in tsv
    parsed = ox.parse_query_results(tsv, format=ox.QueryResultsFormat.TSV)
    assert sorted(s["v"].value for s in parsed) == sorted(values)
    rd = TSVResultParser().parse(io.StringIO(tsv.decode("utf-8")))
    assert sorted(str(b[Variable("v")]) for b in rd.bindings) == sorted(values)
    r = client.post("/sparql", data=query, headers={**QUERY, "Accept": "application/sparql-results+xml"})
    xml.dom.minidom.parseString(r.get_data())  # well-formed
    parsed = ox.parse_query_results(r.get_data(), format=ox.QueryResultsFormat.XML)
    assert sorted(s["v"].value for s in parsed) == sorted(values)
    r = client.post("/sparql", data=query, headers={**QUERY, "Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True), newline="")))
    assert rows[0] == ["v", "lang", "iri", "n"] and sorted(row[0] for row in rows[1:]) == sorted(values)


# ==================================================================================================
# No stack traces or paths in any response
# ==================================================================================================

SECRET = 'Traceback (most recent call last): File "/work/main/server/secret.py", line 1, boom-7f3a'


def _boom(*_args, **_kwargs):
    raise RuntimeError(SECRET)


@pytest.mark.parametrize("target, method, path, headers, body, kind", [
    # (without query workers, so that the patched function is the one that runs)
    ("cloudkader.core.validate", "POST", "/validate", TTL, GOOD, "json"),
    ("cloudkader.core.applicable", "POST", "/applicable", TTL, GOOD, "json"),
    ("cloudkader.core.read_description", "POST", "/validate", TTL, GOOD, "json"),
    ("cloudkader.stores.query_executor.call", "POST", "/applicable", TTL, GOOD, "json"),
    ("cloudkader.knowledge.overlaps.overlaps", "GET", "/overlaps", {}, None, "json"),
    ("cloudkader.stores.query_executor.execute", "GET", "/sparql?query=ASK%20%7B%7D", {}, None, "text"),
    ("cloudkader.web.pages.corpus_view", "GET", "/", {"Accept": BROWSER}, None, "html"),
    ("cloudkader.web.pages.corpus_view", "GET", "/frameworks", {"Accept": "application/json"}, None, "json"),
    ("cloudkader.web.linked_data.resource_graph", "GET", "/id/rijk", {"Accept": "text/turtle"}, None, "any"),
    ("cloudkader.web.pages.render_resource", "GET", "/id/rijk/voorwaarde-4", {"Accept": BROWSER}, None, "html"),
], ids=["validate", "applicable", "read-description", "call-worker", "overlaps", "sparql", "home-html", "page-json",
        "linked-data", "resource-html"])
def test_internal_errors_answer_500_without_internals(monkeypatch, target, method, path, headers, body, kind):
    from cloudkader.web import create_app

    module, _, name = target.rpartition(".")
    import importlib

    monkeypatch.setattr(importlib.import_module(module), name, _boom)
    workers = 2 if "query_executor" in target else 0
    client = create_app("memory", {"CLOUDKADER_QUERY_WORKERS": workers}).test_client()
    r = client.open(path, method=method, headers=headers, data=body)
    text = _body(r)
    assert r.status_code == 500, (target, r.status_code, text[:300])
    _no_internals(text, "boom-7f3a", "RuntimeError", "secret")
    assert "internal error" in text.lower() or "interne fout" in text.lower()
    if kind == "json":
        assert r.mimetype == "application/json" and r.get_json()["error"]
    elif kind == "text":
        assert r.mimetype == "text/plain"
    elif kind == "html":
        assert r.mimetype == "text/html"
        assert _check_html_response(path, r) == []


def test_a_failing_worker_task_is_a_plain_500(memory_client, monkeypatch):
    """An unexpected exception inside a query worker is logged by the server and answered as a
    plain 500 — whether the worker knows the task (it raises) or not (it was registered after
    the workers forked)."""
    from cloudkader.stores import query_executor
    from cloudkader.web import api

    def ghost(*_args):
        raise RuntimeError(SECRET)

    ghost.__module__, ghost.__qualname__ = "cloudkader.tests", "ghost"
    query_executor.task(ghost)
    monkeypatch.setattr(api, "check_task", ghost)
    try:
        r = memory_client.post("/validate", data=GOOD, headers=TTL)
    finally:
        del query_executor._TASKS["cloudkader.tests:ghost"]
    assert r.status_code == 500 and r.get_json() == {"error": "internal error"}
    _no_internals(_body(r), "boom-7f3a", "RuntimeError", "ghost")


def test_unknown_routes_and_methods_answer_briefly(memory_client):
    r = memory_client.get("/no/such/route")
    assert r.status_code == 404 and r.get_json() == {"error": "no page or resource at /no/such/route"}
    r = memory_client.get("/no/such/route", headers={"Accept": BROWSER})
    assert r.status_code == 404 and r.mimetype == "text/html"
    r = memory_client.put("/validate", data=GOOD, headers=TTL)
    assert r.status_code == 405 and r.get_json()["error"] and "POST" in r.headers["Allow"]
    r = memory_client.open("/sparql", method="TRACE")
    assert r.status_code == 405 and r.mimetype == "text/plain"


# ==================================================================================================
# CORS on /sparql, as public SPARQL endpoints do
# ==================================================================================================


def test_cors_on_sparql(memory_client):
    origin = {"Origin": "https://elsewhere.example"}
    for r in (memory_client.get("/sparql", query_string={"query": "ASK {}"}, headers=origin),
              memory_client.post("/sparql", data=b"ASK {}", headers={**QUERY, **origin}),
              memory_client.post("/sparql", data={"query": "ASK {}"}, headers=origin),
              memory_client.get("/sparql", query_string={"query": "ASK {"}, headers=origin),
              memory_client.get("/sparql", query_string={"update": "CLEAR ALL"}, headers=origin)):
        assert r.headers["Access-Control-Allow-Origin"] == "*"
        assert "Access-Control-Allow-Credentials" not in r.headers
        assert "Set-Cookie" not in r.headers
    pre = memory_client.options("/sparql", headers={**origin, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "content-type"})
    assert pre.status_code == 204
    assert pre.headers["Access-Control-Allow-Origin"] == "*"
    assert set(pre.headers["Access-Control-Allow-Methods"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}
    assert "content-type" in pre.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in pre.headers
    exposed = memory_client.get("/sparql", query_string={"query": "ASK {}"}).headers["Access-Control-Expose-Headers"]
    assert "X-Cloudkader-Truncated" in exposed


# -- issue 10, item 7: CSV exports of listings cannot carry a spreadsheet formula -----------------------


def test_listing_csv_neutralises_formulas():
    import csv
    import io

    from cloudkader.web.csv_export import listing_csv, neutralise

    hostile = ["=HYPERLINK(\"http://evil/\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "plain", "a=b", ""]
    text = listing_csv(["name"], [[v] for v in hostile])
    cells = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert cells == ["'" + v if v[:1] in ("=", "+", "-", "@", "\t", "\r") else v for v in hostile]
    assert all(not c.startswith(("=", "+", "-", "@")) for c in cells)
    assert neutralise(None) == "" and neutralise(-5) == "'-5" and neutralise(7) == "7"


def test_register_csv_export_and_sparql_csv_as_w3c(memory_client):
    """The register listing as CSV (neutralised), while the SPARQL CSV stays as W3C defines it."""
    import csv
    import io

    r = memory_client.get("/register?format=csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True), newline="")))
    assert rows[0][0] == "service" and len(rows) > 10
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert "?format=csv" in memory_client.get("/register", headers=HTML).get_data(as_text=True)
    q = 'SELECT ?x WHERE { VALUES ?x { "=1+1" "@SUM(A1)" } }'
    r = memory_client.get("/sparql", query_string={"query": q}, headers={"Accept": "text/csv"})
    assert sorted(r.get_data(as_text=True).splitlines()[1:]) == ["=1+1", "@SUM(A1)"]

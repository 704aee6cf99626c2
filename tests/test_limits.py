"""The limits of the service (docs/security.md), each proven: the query time limit (503, and the
worker is killed, replaced and free again), the result cap (the first N rows with
``X-Cloudkader-Truncated: true``), the request body size (413), the number of services per
request (413), the memory of a query worker (503), their configuration (app config, environment,
``cloudkader serve`` options), and a short load run against the real server (no 5xx, no errors,
memory bounded)."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sys
import threading
import time

import pytest
import requests

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .server_process import ROOT, ServerProcess, server_factory  # noqa: F401
except ImportError:
    from server_process import ROOT, ServerProcess, server_factory  # noqa: F401

STORES = ["memory", "oxigraph"]
# a cartesian product of the corpus with itself, three times: ~2·10¹² solutions to count
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SIMPLE = "PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?k WHERE { ?f a ckd:Framework ; ckd:key ?k }"
ALL = "SELECT * WHERE { ?s ?p ?o }"
BROWSER = "text/html,application/xhtml+xml,*/*;q=0.8"
TTL = {"Content-Type": "text/turtle"}
PREFIXES = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
@prefix ex: <https://example.org/> .
"""


def services(n: int) -> str:
    return PREFIXES + "".join(f"ex:s{i} a ckd:CloudService ; ckd:usedBy org:jenv .\n" for i in range(n))


def make_app(store: str = "memory", **config):
    from cloudkader.web import create_app

    return create_app(store, config)


def executor(app):
    from cloudkader.stores import query_executor
    from cloudkader.knowledge.app_state import get_store
    from cloudkader.web.security import query_limits

    limits = query_limits(app)
    return query_executor.executor_for(get_store(app.config["CLOUDKADER_STORE"]), limits["workers"],
                                       limits["memory_mb"])


def gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    return False


# ==================================================================================================
# Query time limit
# ==================================================================================================


@pytest.mark.parametrize("store", STORES)
def test_timed_out_query_frees_its_worker(store):
    app = make_app(store, CLOUDKADER_QUERY_TIMEOUT=1)
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
    ex = executor(app)
    before = ex.stats()
    t0 = time.monotonic()
    r = client.get("/sparql", query_string={"query": PATHOLOGICAL})
    took = time.monotonic() - t0
    assert r.status_code == 503, r.data
    assert r.mimetype == "text/plain" and "time limit of 1 s" in r.get_data(as_text=True)
    assert r.headers["Retry-After"] == "1"
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert 1.0 <= took < 5.0, took
    # the worker is free again: nothing busy, the pool is full, a simple query answers at once
    assert ex.busy() == 0
    after = ex.stats()
    assert after.timeouts == before.timeouts + 1
    assert after.workers == ex.size
    killed = set(before.pids) - set(after.pids)
    assert len(killed) == 1 and gone(killed.pop())
    for _ in range(ex.size + 1):  # every worker of the pool answers
        t0 = time.monotonic()
        r = client.get("/sparql", query_string={"query": SIMPLE})
        assert r.status_code == 200 and time.monotonic() - t0 < 2.0
    assert ex.busy() == 0


@pytest.mark.parametrize("route", ["/validate", "/applicable"])
def test_slow_check_is_stopped(route):
    """/validate and /applicable run in a worker too: a description that is slow to check (one
    service with 20 000 measures takes ~9 s) is stopped at CLOUDKADER_CHECK_TIMEOUT (503)."""
    app = make_app("memory", CLOUDKADER_CHECK_TIMEOUT=1)
    client = app.test_client()
    body = (PREFIXES + "ex:s a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:processes ckd:PersonalData ;\n"
            + "".join("  ckd:hasMeasure [ a ckd:ExitStrategy ; ckd:covers ckd:DataPortability ] ;\n" for _ in range(20000))
            + "  ckd:deploymentModel ckd:PublicCloud .\n")
    t0 = time.monotonic()
    r = client.post(route, data=body, headers=TTL)
    assert r.status_code == 503 and r.headers["Retry-After"] == "1"
    assert "time limit of 1 s" in r.get_json()["error"]
    assert time.monotonic() - t0 < 5
    assert executor(app).busy() == 0
    assert client.post(route, data=services(1), headers=TTL).status_code == 200


def test_timeout_for_a_browser_is_the_query_page(memory_timeout_client):
    r = memory_timeout_client.get("/sparql", query_string={"query": PATHOLOGICAL, "format": "html"},
                                  headers={"Accept": BROWSER})
    assert r.status_code == 503 and r.mimetype == "text/html"
    assert "time limit" in r.get_data(as_text=True)
    assert r.headers["Retry-After"] == "1"


def test_regex_denial_of_service_is_stopped(memory_timeout_client):
    # catastrophic backtracking in Python's re: without the time limit, a thread lost for good
    q = "SELECT * WHERE { BIND('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' AS ?o) FILTER regex(?o, '^(a+)+$') }"
    r = memory_timeout_client.get("/sparql", query_string={"query": q})
    assert r.status_code == 503


@pytest.fixture(scope="module")
def memory_timeout_client():
    return make_app("memory", CLOUDKADER_QUERY_TIMEOUT=1).test_client()


def test_busy_pool_answers_503_and_recovers():
    """More slow queries than workers: who cannot get a worker within the limit gets 503 (busy),
    and when it is over the pool is whole and idle."""
    from cloudkader.stores import query_executor
    from cloudkader.knowledge.app_state import get_store

    ex = query_executor.QueryExecutor(get_store("oxigraph"), workers=1)
    try:
        outcome = []

        def run_slow():
            try:
                ex.run(PATHOLOGICAL, timeout=2.0)
                outcome.append("answered")
            except query_executor.QueryTimeout:
                outcome.append("timeout")

        slow = threading.Thread(target=run_slow)
        slow.start()
        time.sleep(0.3)
        assert ex.busy() == 1
        t0 = time.monotonic()
        with pytest.raises(query_executor.QueryBusy):
            ex.run(SIMPLE, timeout=0.5)
        assert time.monotonic() - t0 < 1.5
        slow.join(10)
        assert outcome == ["timeout"]
        assert ex.busy() == 0 and ex.stats().workers == 1
        result, truncated = ex.run(SIMPLE, timeout=2.0)
        assert len(result.rows) == 6 and not truncated
        assert ex.stats().busy_refusals == 1 and ex.stats().timeouts == 1
    finally:
        ex.close()


def test_workers_are_recycled():
    from cloudkader.stores import query_executor
    from cloudkader.knowledge.app_state import get_store

    ex = query_executor.QueryExecutor(get_store("memory"), workers=1, max_queries=3)
    try:
        first = ex.stats().pids
        for _ in range(7):
            assert len(ex.run(SIMPLE)[0].rows) == 6
        st = ex.stats()
        assert st.replaced == 2 and st.workers == 1 and st.pids != first and st.busy == 0
    finally:
        ex.close()
    assert all(gone(p) for p in st.pids)


@pytest.mark.parametrize("store", STORES)
def test_query_worker_memory_is_capped(store):
    """A query that needs more memory than a worker may add fails with 503; the pool recovers.
    (rdflib swallows some MemoryErrors and may crawl on at the cap: then the time limit ends it.)"""
    app = make_app(store, CLOUDKADER_QUERY_MEMORY_MB=32, CLOUDKADER_QUERY_WORKERS=1, CLOUDKADER_QUERY_TIMEOUT=5,
                   CLOUDKADER_MAX_ROWS=0)
    client = app.test_client()
    hungry = "SELECT ?a ?b ?c ?s ?p ?o WHERE { ?a ?b ?c . ?s ?p ?o } ORDER BY ?o ?c"
    r = client.get("/sparql", query_string={"query": hungry})
    assert r.status_code == 503, r.data[:300]
    text = r.get_data(as_text=True)
    assert "memory" in text or "time limit" in text, text
    ex = executor(app)
    assert ex.busy() == 0
    assert client.get("/sparql", query_string={"query": SIMPLE}).status_code == 200
    assert ex.stats().workers == 1
    ex.close()


def test_without_workers_queries_run_in_the_thread():
    app = make_app("memory", CLOUDKADER_QUERY_WORKERS=0)
    assert executor(app) is None
    r = app.test_client().get("/sparql", query_string={"query": SIMPLE})
    assert r.status_code == 200 and len(r.get_json(force=True)["results"]["bindings"]) == 6


# -- over real HTTP ------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The live children of ``pid`` (a killed worker the zygote has not reaped yet is a zombie)."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/children") as f:
            out += [int(c) for c in f.read().split() if not _is_zombie(int(c))]
    return out


def _is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except OSError:
        return True  # already gone


def _workers_of(server) -> tuple[int, list[int]]:
    (zygote,) = _children(server.proc.pid)
    return zygote, sorted(_children(zygote))


@pytest.mark.parametrize("store", STORES)
def test_real_server_timeout(server_factory, store):  # noqa: F811
    server = server_factory("--query-timeout", "3", store=store)
    sparql = server.url + "/sparql"
    assert requests.get(sparql, params={"query": SIMPLE}, timeout=30).status_code == 200
    zygote, workers = _workers_of(server)
    assert len(workers) >= 2
    t0 = time.monotonic()
    r = requests.get(sparql, params={"query": PATHOLOGICAL}, timeout=60)
    assert r.status_code == 503 and "time limit of 3 s" in r.text and r.headers["Retry-After"] == "1"
    assert 3.0 <= time.monotonic() - t0 < 8.0
    t0 = time.monotonic()
    r = requests.get(sparql, params={"query": SIMPLE}, timeout=30)
    assert r.status_code == 200 and time.monotonic() - t0 < 2.0
    zygote_after, workers_after = _workers_of(server)
    assert zygote_after == zygote and len(workers_after) == len(workers)  # one replaced, none leaked
    assert len(set(workers) - set(workers_after)) == 1


def test_real_server_survives_a_burst_of_slow_queries(server_factory):  # noqa: F811
    server = server_factory("--query-timeout", "3", store="oxigraph")
    sparql = server.url + "/sparql"
    _zygote, workers = _workers_of(server)
    assert requests.get(server.url + "/frameworks", headers={"Accept": BROWSER}, timeout=30).status_code == 200
    statuses = []

    def slow():
        statuses.append(requests.get(sparql, params={"query": PATHOLOGICAL}, timeout=60).status_code)

    threads = [threading.Thread(target=slow) for _ in range(len(workers) + 2)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    # meanwhile the pages (server threads, not query workers) still answer
    time.sleep(0.5)
    t1 = time.monotonic()
    page = requests.get(server.url + "/frameworks", headers={"Accept": BROWSER}, timeout=30)
    assert page.status_code == 200 and time.monotonic() - t1 < 2.0
    for t in threads:
        t.join(60)
    assert statuses == [503] * len(threads)
    t0 = time.monotonic()
    assert requests.get(sparql, params={"query": SIMPLE}, timeout=30).status_code == 200
    assert time.monotonic() - t0 < 2.0
    assert len(_workers_of(server)[1]) == len(workers)


def test_workers_die_with_the_server():
    with ServerProcess(["--query-workers", "2"], store="oxigraph") as server:
        assert requests.get(server.url + "/sparql", params={"query": SIMPLE}, timeout=30).status_code == 200
        zygote, workers = _workers_of(server)
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        assert gone(zygote) and all(gone(w) for w in workers)


# ==================================================================================================
# Result size cap
# ==================================================================================================


@pytest.mark.parametrize("store", STORES)
def test_result_cap(store):
    client = make_app(store, CLOUDKADER_MAX_ROWS=100).test_client()
    r = client.get("/sparql", query_string={"query": ALL})
    assert r.status_code == 200
    assert r.headers["X-Cloudkader-Truncated"] == "true" and r.headers["X-Cloudkader-Max-Rows"] == "100"
    assert len(r.get_json(force=True)["results"]["bindings"]) == 100
    r = client.get("/sparql", query_string={"query": ALL}, headers={"Accept": "text/csv"})
    assert r.headers["X-Cloudkader-Truncated"] == "true" and len(r.get_data(as_text=True).splitlines()) == 101
    r = client.get("/sparql", query_string={"query": "CONSTRUCT WHERE { ?s ?p ?o }"}, headers={"Accept": "application/n-triples"})
    assert r.headers["X-Cloudkader-Truncated"] == "true"
    assert len([ln for ln in r.get_data(as_text=True).splitlines() if ln.strip()]) == 100
    for q in (ALL + " LIMIT 100", ALL + " LIMIT 50", SIMPLE, "ASK { ?s ?p ?o }"):
        r = client.get("/sparql", query_string={"query": q})
        assert r.status_code == 200 and "X-Cloudkader-Truncated" not in r.headers, q
    r = client.get("/sparql", query_string={"query": ALL, "format": "html"}, headers={"Accept": BROWSER})
    assert r.headers["X-Cloudkader-Truncated"] == "true" and 'id="truncated"' in r.get_data(as_text=True)


def test_default_result_cap_is_10000():
    r = make_app("memory").test_client().get("/sparql", query_string={"query": ALL})
    assert r.status_code == 200, r.data[:300]
    assert r.headers["X-Cloudkader-Truncated"] == "true" and r.headers["X-Cloudkader-Max-Rows"] == "10000"
    assert len(r.get_json(force=True)["results"]["bindings"]) == 10_000


# ==================================================================================================
# Body size and services per request
# ==================================================================================================


def test_body_size_limit_is_configurable():
    client = make_app("memory", MAX_CONTENT_LENGTH=2000).test_client()
    body = services(1) + "#" + "x" * 2000
    for route in ("/validate", "/applicable"):
        r = client.post(route, data=body, headers=TTL)
        assert r.status_code == 413 and r.get_json() == {"error": "request body too large: the limit is 2000 bytes"}
    r = client.post("/sparql", data=("ASK {} #" + "x" * 2000).encode(), headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 413 and r.mimetype == "text/plain" and "2000" in r.get_data(as_text=True)
    assert client.post("/validate", data=services(1), headers=TTL).status_code == 200


def test_body_limits_over_http(server_factory):  # noqa: F811
    """Over the real server: just over the limit, the app's JSON 413; far over it (more than
    twice), waitress stops reading and answers 413 itself — nothing is buffered beyond that."""
    server = server_factory("--query-timeout", "3", store="memory")
    limit = 5 * 1024 * 1024
    r = requests.post(server.url + "/validate", data=b"#" + b"x" * limit, headers=TTL, timeout=60)
    assert r.status_code == 413 and r.json()["error"].startswith("request body too large")
    try:
        r = requests.post(server.url + "/applicable", data=b"#" + b"x" * (2 * limit + 1), headers=TTL, timeout=60)
        assert r.status_code == 413 and "Traceback" not in r.text
    except requests.ConnectionError:  # the server may close before the client has sent it all
        pass
    assert requests.get(server.url + "/sparql", params={"query": "ASK {}"}, timeout=30).status_code == 200


def test_services_per_request_limit():
    client = make_app("memory", CLOUDKADER_MAX_SERVICES=3).test_client()
    for route in ("/validate", "/applicable"):
        assert client.post(route, data=services(3), headers=TTL).status_code == 200
        r = client.post(route, data=services(4), headers=TTL)
        assert r.status_code == 413
        assert r.get_json()["error"].startswith("too many services in one request: 4, the limit is 3")


def test_default_services_limit_is_1000():
    r = make_app("memory").test_client().post("/applicable", data=services(1001), headers=TTL)
    assert r.status_code == 413 and "1001, the limit is 1000" in r.get_json()["error"]


# ==================================================================================================
# Configuration: app config > environment > defaults; `cloudkader serve` options
# ==================================================================================================


def test_defaults():
    from cloudkader.web.security import limits_from_env

    d = limits_from_env({})
    assert d["CLOUDKADER_QUERY_TIMEOUT"] == 10.0
    assert d["CLOUDKADER_CHECK_TIMEOUT"] == 30.0
    assert d["CLOUDKADER_MAX_ROWS"] == 10_000
    assert d["MAX_CONTENT_LENGTH"] == 5 * 1024 * 1024
    assert d["CLOUDKADER_MAX_SERVICES"] == 1000
    assert d["CLOUDKADER_QUERY_MEMORY_MB"] == 1024
    assert d["CLOUDKADER_QUERY_WORKERS"] >= 2
    assert d["CLOUDKADER_MAX_ANSWER_BYTES"] == 32 * 1024 * 1024
    assert d["CLOUDKADER_MAX_CONNECTIONS"] == 1000
    assert d["CLOUDKADER_CHANNEL_TIMEOUT"] == 30.0


def test_environment_and_config(monkeypatch):
    monkeypatch.setenv("CLOUDKADER_QUERY_TIMEOUT", "2.5")
    monkeypatch.setenv("CLOUDKADER_MAX_ROWS", "7")
    monkeypatch.setenv("CLOUDKADER_MAX_BODY", "2M")
    monkeypatch.setenv("CLOUDKADER_MAX_SERVICES", "12")
    app = make_app("memory", CLOUDKADER_MAX_ROWS=9)
    assert app.config["CLOUDKADER_QUERY_TIMEOUT"] == 2.5
    assert app.config["CLOUDKADER_MAX_ROWS"] == 9  # explicit config wins
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024
    assert app.config["CLOUDKADER_MAX_SERVICES"] == 12
    r = app.test_client().get("/sparql", query_string={"query": ALL})
    assert r.headers["X-Cloudkader-Max-Rows"] == "9" and len(r.get_json(force=True)["results"]["bindings"]) == 9


@pytest.mark.parametrize("var, value", [("CLOUDKADER_QUERY_TIMEOUT", "soon"), ("CLOUDKADER_MAX_ROWS", "-1"),
                                        ("CLOUDKADER_MAX_BODY", "5 gigabytes")])
def test_bad_environment_is_refused(monkeypatch, cli, var, value):
    monkeypatch.setenv(var, value)
    with pytest.raises(ValueError, match=var):
        make_app("memory")
    run = cli("serve", "--port", "0")
    assert run.code == 2 and var in run.err and "Traceback" not in run.err


@pytest.mark.parametrize("option, value", [("--query-timeout", "-1"), ("--max-rows", "many"), ("--max-body", "1G"),
                                           ("--query-workers", "-2")])
def test_bad_serve_option(cli, capsys, option, value):
    with pytest.raises(SystemExit) as exit_:
        cli("serve", "--port", "0", option, value)
    assert exit_.value.code == 2
    assert option in capsys.readouterr().err


def test_serve_options_reach_the_app(monkeypatch):
    import argparse

    from cloudkader.cli.serve import limits_config, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["serve", "--query-timeout", "4", "--max-rows", "5", "--max-body", "1M",
                              "--max-services", "6", "--query-workers", "3", "--query-memory", "512",
                              "--check-timeout", "7"])
    assert limits_config(args) == {"CLOUDKADER_QUERY_TIMEOUT": 4.0, "CLOUDKADER_CHECK_TIMEOUT": 7.0,
                                   "CLOUDKADER_MAX_ROWS": 5,
                                   "MAX_CONTENT_LENGTH": 1024 * 1024, "CLOUDKADER_MAX_SERVICES": 6,
                                   "CLOUDKADER_QUERY_WORKERS": 3, "CLOUDKADER_QUERY_MEMORY_MB": 512}
    assert limits_config(parser.parse_args(["serve"])) == {}


def test_real_server_prints_its_limits(server_factory):  # noqa: F811
    server = server_factory("--query-timeout", "3", store="memory")
    assert "query workers, query timeout 3 s" in server.log
    if sys.platform.startswith("linux"):  # the kernel door of docs/security.md §2 is shut
        assert "worker network: network namespace" in server.log or "user and network namespace" in server.log


# ==================================================================================================
# Load: a short run of bench/load.py against the real server
# ==================================================================================================


def _load_module():
    spec = importlib.util.spec_from_file_location("cloudkader_bench_load", ROOT / "bench" / "load.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_short_load_run(server_factory):  # noqa: F811
    load = _load_module()
    server = server_factory()  # the defaults (10 s query limit), as deployed
    fig = load.run_load(server.url, clients=10, duration=5.0, server_pid=server.proc.pid, max_requests=5000,
                        timeout=30.0)
    print("\n" + load.report(fig))
    assert fig["requests"] >= 20, fig
    assert fig["errors"] == 0, fig["statuses"]
    assert fig["server_errors_5xx"] == 0, fig["statuses"]
    assert fig["client_errors_4xx"] == 0, fig["statuses"]
    assert fig["unfinished_clients"] == 0
    assert set(fig["per_kind"]) == {"sparql", "validate", "applicable", "page", "data"}
    assert all(k["requests"] > 0 for k in fig["per_kind"].values()), fig["per_kind"]
    # memory does not run away: the server process grows by less than 150 MB in the run
    rss = fig["server_rss_mb"]
    assert rss["end"] - rss["start"] < 150, rss
    assert fig["server_and_workers_rss_mb"]["peak"] < 4096, fig["server_and_workers_rss_mb"]


def test_load_refuses_other_hosts():
    load = _load_module()
    with pytest.raises(ValueError, match="loopback"):
        load.run_load("http://example.org", clients=1, duration=0.1)
    assert json.dumps(load.MIX)


# ==================================================================================================
# Issue 10, item 4: limits at the server process, not only in the worker
# ==================================================================================================

# 428 bytes of nested CONCAT that build a 95 MB value (the attack: 805 bytes, 168 MB, the server
# peaked at 1.4 GB and sent for 27 s after the 10 s limit)
_V = "abcdefgh"
HUGE_VALUE = ('SELECT ?h { BIND("xxxxxxxxxx" AS ?a) '
              + " ".join(f"BIND(CONCAT({','.join(['?' + _V[k]] * 10)}) AS ?{_V[k + 1]})" for k in range(7)) + " }")


def _rss_peak_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.mark.parametrize("store", STORES)
def test_answer_size_is_capped(store):
    client = make_app(store, CLOUDKADER_MAX_ANSWER_BYTES=200_000).test_client()
    r = client.post("/sparql", data=HUGE_VALUE, headers={"Content-Type": "application/sparql-query"})
    assert r.status_code == 400 and "larger than the limit" in r.get_data(as_text=True)
    r = client.get("/sparql", query_string={"query": ALL})  # many rows: cut at the byte cap, marked
    assert r.status_code == 200 and r.headers["X-Cloudkader-Truncated"] == "true"
    rows = r.get_json(force=True)["results"]["bindings"]
    assert 0 < len(rows) < 10_000 and len(r.data) < 2_000_000


def test_real_server_does_not_build_a_huge_answer(server_factory):  # noqa: F811
    server = server_factory("--query-timeout", "3", store="oxigraph")
    t0 = time.monotonic()
    r = requests.post(server.url + "/sparql", data=HUGE_VALUE, headers={"Content-Type": "application/sparql-query"},
                      timeout=60)
    assert r.status_code in (400, 503), r.status_code  # refused by the cap, or stopped by the time limit
    assert time.monotonic() - t0 < 8.0
    assert _rss_peak_mb(server.proc.pid) < 600, "the server process held the answer"


def test_slow_clients_do_not_take_the_service_down(server_factory):  # noqa: F811
    """Slow-loris: 150 connections that send half a request and wait (waitress's default
    connection limit is 100); the service still answers others at once."""
    import socket

    server = server_factory()
    host, port = server.url.split("//")[1].split(":")
    slow = []
    try:
        for _ in range(150):
            s = socket.create_connection((host, int(port)), timeout=5)
            s.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
            slow.append(s)
        for _ in range(3):
            t0 = time.monotonic()
            r = requests.get(server.url + "/sparql", params={"query": SIMPLE}, timeout=10)
            assert r.status_code == 200 and time.monotonic() - t0 < 5.0
    finally:
        for s in slow:
            s.close()


def test_connection_settings_of_the_server():
    from cloudkader.cli.serve import connection_settings

    settings = connection_settings(make_app("memory").config)
    assert settings["connection_limit"] >= 1000 and settings["channel_timeout"] <= 30
    assert settings["asyncore_use_poll"] is True
    settings = connection_settings(make_app("memory", CLOUDKADER_MAX_CONNECTIONS=50, CLOUDKADER_CHANNEL_TIMEOUT=5).config)
    assert settings["connection_limit"] == 50 and settings["channel_timeout"] == 5 and settings["cleanup_interval"] <= 5


def test_web_form_check_runs_under_the_check_limits():
    """``/check`` ran in the server thread without a time limit (8 × 5 MB posts: 70 s outage)."""
    form = {"name": "Testdienst", "org": "jenv", "deployment": "PublicCloud", "servicemodel": "SaaS",
            "data": ["PersonalData"], "location": ["NLD"]}
    client = make_app("memory", CLOUDKADER_CHECK_TIMEOUT=0.001).test_client()  # a check takes ~20 ms
    r = client.post("/check", data=form, headers={"Accept": BROWSER})
    assert r.status_code == 503 and r.headers["Retry-After"] == "1", r.status_code
    assert "time limit" in r.get_data(as_text=True)
    ok = make_app("memory").test_client().post("/check", data={**form, "name": "Testdienst"}, headers={"Accept": BROWSER})
    assert ok.status_code == 200 and "Retry-After" not in ok.headers  # within the limit: the result


def test_pool_does_not_grow_when_queries_time_out_together():
    """Several queries time out at once: each worker is replaced, the pool stays at its size (a
    race between top-up and replacement made it grow past --query-workers and never shrink)."""
    from cloudkader.knowledge import corpus
    from cloudkader.stores.query_executor import QueryExecutor, QueryUnavailable
    from cloudkader.stores.local import MemoryStore

    ex = QueryExecutor(MemoryStore.from_nquads(corpus.compiled_corpus_path()), workers=2)
    try:
        errors = []

        def slow():
            try:
                ex.run(PATHOLOGICAL, timeout=0.3)
            except QueryUnavailable as exc:
                errors.append(exc)

        for _round in range(2):
            threads = [threading.Thread(target=slow) for _ in range(5)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        assert len(errors) == 10
        ex.run(SIMPLE, timeout=10)
        stats = ex.stats()
        assert stats.workers == 2 and len(stats.pids) == 2, stats
        assert sorted(_children(ex._zygote_pid)) == stats.pids
    finally:
        ex.close()


@pytest.mark.parametrize("url", ["ftp://x.example", "cloudkader.example.org", "https://x.example/?q=1"])
def test_bad_base_url_is_refused(cli, url):
    run = cli("serve", "--port", "0", "--base-url", url)
    assert run.code == 2 and "--base-url" in run.err and "Traceback" not in run.err

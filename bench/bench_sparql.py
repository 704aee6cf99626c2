"""SPARQL over HTTP: the named queries of ``queries/`` on cloudkader's ``/sparql`` — a real
``cloudkader serve`` on loopback, with ``--store oxigraph`` and with the default memory store —
against ``oxigraph serve`` (the binary of the ``oxigraph`` package) loaded with the same data
(``build/corpus.nq``, union default graph). Also: how long ``cloudkader serve`` takes from the
start of the process until ``/sparql`` answers (target ≤ 2 s).

    .venv/bin/python bench/bench_sparql.py [--rounds 20]

Per query: warm-up requests, then rounds in which each server gets the same request in turn
(so a busy machine slows all alike); the median latency per server, and the ratio
cloudkader / oxigraph serve. The summary gives the median of the per-query ratios (target
≤ 1.5× for the oxigraph store).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time

import requests

from _common import BIN, CLOUDKADER, ROOT, machine, median

from tests.oxigraph_server import free_port  # noqa: E402

GRAPH_QUERY = re.compile(r"^\s*(CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.MULTILINE)


class Server:
    def __init__(self, name: str, cmd: list[str], url: str):
        self.name, self.url = name, url
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT)
        self.ready = None
        self.session = requests.Session()

    def wait(self, path: str, timeout: float = 120) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.proc.stdout.read().decode(errors='replace')[:500]}")
            try:
                r = requests.get(self.url + path, params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    self.ready = time.perf_counter() - self.started
                    return self.ready
            except requests.RequestException:
                pass
            time.sleep(0.01)
        raise RuntimeError(f"{self.name} not ready in {timeout} s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def cloudkader(store: str) -> Server:
    port = free_port()
    return Server(f"cloudkader ({store})", [CLOUDKADER, "serve", "--host", "127.0.0.1", "--port", str(port),
                                            "--store", store], f"http://127.0.0.1:{port}")


def oxigraph() -> Server:
    port = free_port()
    s = Server("oxigraph serve", [str(BIN / "oxigraph"), "serve", "--bind", f"127.0.0.1:{port}",
                                  "--union-default-graph"], f"http://127.0.0.1:{port}")
    s.wait("/query")
    from cloudkader.knowledge import corpus

    nq = corpus.compiled_corpus_path()
    r = requests.post(s.url + "/store", data=nq.read_bytes(), headers={"Content-Type": "application/n-quads"}, timeout=120)
    r.raise_for_status()
    return s


def ask(server: Server, path: str, query: str, accept: str) -> float:
    t = time.perf_counter()
    r = server.session.post(server.url + path, data=query.encode("utf-8"),
                            headers={"Content-Type": "application/sparql-query", "Accept": accept}, timeout=120)
    took = time.perf_counter() - t
    if r.status_code != 200:
        raise RuntimeError(f"{server.name}: HTTP {r.status_code}: {r.text[:300]}")
    return took


def startup_times(store: str, n: int = 3) -> list[float]:
    out = []
    for _ in range(n):
        s = cloudkader(store)
        try:
            out.append(s.wait("/sparql"))
        finally:
            s.stop()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    args = ap.parse_args(argv)
    from cloudkader.knowledge import corpus, queries

    corpus.compiled_corpus_path()  # build first if stale: not part of any start-up time
    print(machine())
    print("\nstart-up: process start until /sparql answers (median of 3, target <= 2 s)")
    ready = {}
    for store in ("memory", "oxigraph"):
        times = startup_times(store)
        ready[store] = median(times)
        print(f"  cloudkader serve --store {store:8s} {ready[store]:.2f} s   (runs: {', '.join(f'{t:.2f}' for t in times)})")

    servers = [cloudkader("oxigraph"), cloudkader("memory")]
    for s in servers:
        s.wait("/sparql")
    ox = oxigraph()
    try:
        print(f"\nnamed queries, median latency over {args.rounds} rounds (ms)")
        print(f"  {'query':36s} {'oxigraph':>9s} {'ck-oxi':>9s} {'ck-mem':>9s} {'ratio oxi':>10s} {'ratio mem':>10s}")
        ratios_oxi, ratios_mem = [], []
        for q in queries.all_queries():
            text = q.text
            accept = "application/n-triples" if GRAPH_QUERY.search(text) else "application/sparql-results+json"
            targets = [(ox, "/query"), (servers[0], "/sparql"), (servers[1], "/sparql")]
            for server, path in targets:
                for _ in range(args.warmup):
                    ask(server, path, text, accept)
            times = {s.name: [] for s, _ in targets}
            for _ in range(args.rounds):
                for server, path in targets:
                    times[server.name].append(ask(server, path, text, accept))
            m = [median(times[s.name]) for s, _ in targets]
            ratios_oxi.append(m[1] / m[0])
            ratios_mem.append(m[2] / m[0])
            print(f"  {q.name:36s} {m[0] * 1000:9.1f} {m[1] * 1000:9.1f} {m[2] * 1000:9.1f} {m[1] / m[0]:9.2f}x {m[2] / m[0]:9.2f}x")
        print(f"\nmedian ratio cloudkader/oxigraph serve: --store oxigraph {median(ratios_oxi):.2f}x "
              f"(target <= 1.5x), --store memory {median(ratios_mem):.2f}x")
        print(f"worst query: --store oxigraph {max(ratios_oxi):.2f}x, --store memory {max(ratios_mem):.2f}x")
    finally:
        for s in servers + [ox]:
            s.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

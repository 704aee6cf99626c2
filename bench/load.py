"""Load test of the real HTTP service: N concurrent clients for D seconds against ``cloudkader
serve`` on loopback, with a mix of what users do — named SPARQL queries (``POST /sparql``),
validation and applicability checks of the example services (``POST /validate``, ``POST
/applicable``) and page views (``/``, ``/frameworks``, ``/id/rijk/voorwaarde-4``, …).

    .venv/bin/python bench/load.py                      # 50 clients, 60 s, own server (memory store)
    .venv/bin/python bench/load.py --clients 10 --duration 5 --store oxigraph
    .venv/bin/python bench/load.py --url http://127.0.0.1:8080   # a server you started (loopback only)

It prints the number of requests, errors (no HTTP answer: connection refused/reset, client
timeout), 5xx answers, the status codes, p50/p99 latency (overall and per kind), throughput, and
the resident memory of the server process (and of its query workers) at start, peak and end.
``--json FILE`` writes the same figures as JSON.

Bounded in every direction, and stops by itself: the duration, ``--max-requests`` (all clients
together), a per-request timeout, and a hard deadline after which the clients are abandoned. It
only talks to 127.0.0.1/::1/localhost. ``run_load`` is used by tests/test_limits.py for a short run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "::1", "localhost"}

PAGES = ["/", "/frameworks", "/frameworks/rijk", "/id/rijk/voorwaarde-4", "/id/jenv/artikel-7", "/id/org/jenv",
         "/overlaps/matrix", "/overlaps/theme/exit-strategy", "/search?q=exit", "/register", "/def", "/sparql",
         "/check"]
DATA = [("/id/rijk", "text/turtle"), ("/id/rijk/voorwaarde-4", "application/ld+json"), ("/overlaps", "application/json")]
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
# kind -> weight
MIX = {"sparql": 40, "validate": 15, "applicable": 10, "page": 30, "data": 5}


@dataclass
class Sample:
    kind: str
    status: int | None  # None: no HTTP answer
    seconds: float
    error: str | None = None


@dataclass
class Workload:
    queries: list[tuple[str, str]] = field(default_factory=list)  # (name, text)
    services: list[tuple[str, bytes]] = field(default_factory=list)  # (file name, Turtle)

    @classmethod
    def from_project(cls) -> "Workload":
        queries = [(p.stem, p.read_text(encoding="utf-8")) for p in sorted((ROOT / "queries").glob("*.rq"))]
        services = [(p.name, p.read_bytes()) for p in sorted((ROOT / "examples").glob("*.ttl"))]
        return cls(queries, services)


def _request(session: requests.Session, base: str, kind: str, rng: random.Random, work: Workload,
             timeout: float) -> requests.Response:
    if kind == "sparql":
        _name, text = rng.choice(work.queries)
        return session.post(base + "/sparql", data=text.encode("utf-8"), timeout=timeout,
                            headers={"Content-Type": "application/sparql-query",
                                     "Accept": "application/sparql-results+json, text/turtle;q=0.9"})
    if kind in ("validate", "applicable"):
        _name, body = rng.choice(work.services)
        return session.post(f"{base}/{kind}", data=body, timeout=timeout,
                            headers={"Content-Type": "text/turtle", "Accept": "application/json"})
    if kind == "data":
        path, accept = rng.choice(DATA)
        return session.get(base + path, headers={"Accept": accept}, timeout=timeout)
    return session.get(base + rng.choice(PAGES), headers={"Accept": BROWSER}, timeout=timeout)


def _client(base: str, work: Workload, deadline: float, budget: "_Budget", out: list[Sample], seed: int,
            timeout: float) -> None:
    rng = random.Random(seed)
    kinds, weights = zip(*MIX.items())
    with requests.Session() as session:
        while time.monotonic() < deadline and budget.take():
            kind = rng.choices(kinds, weights)[0]
            t0 = time.perf_counter()
            try:
                r = _request(session, base, kind, rng, work, timeout)
                r.content  # read the whole answer
                out.append(Sample(kind, r.status_code, time.perf_counter() - t0))
            except requests.RequestException as exc:
                out.append(Sample(kind, None, time.perf_counter() - t0, type(exc).__name__))


class _Budget:
    def __init__(self, n: int):
        self.left = n
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


# -- memory of the server ----------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return out


def tree_rss_kb(pid: int) -> int:
    """Resident memory of the process and all its descendants (query workers) — an upper bound:
    pages they share copy-on-write are counted once per process."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss_kb(p)
        todo += children(p)
    return total


class _MemoryWatch(threading.Thread):
    def __init__(self, pid: int | None, every: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = self.peak_tree = 0
        self.stop = threading.Event()

    def run(self):
        while self.pid and not self.stop.is_set():
            self.peak = max(self.peak, rss_kb(self.pid))
            self.peak_tree = max(self.peak_tree, tree_rss_kb(self.pid))
            self.stop.wait(self.every)


# -- the run ---------------------------------------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    k = max(0, min(len(values) - 1, int(round(p / 100 * len(values) + 0.5)) - 1))
    return values[k]


def run_load(url: str, clients: int = 50, duration: float = 60.0, server_pid: int | None = None,
             max_requests: int = 200_000, timeout: float = 30.0, seed: int = 1) -> dict:
    """Run the load; return the figures (see ``report``)."""
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"load only against loopback (127.0.0.1, ::1, localhost), not {host!r}")
    base = url.rstrip("/")
    work = Workload.from_project()
    # warm up: every kind once, so the first requests do not measure the caches being built
    warm = random.Random(0)
    with requests.Session() as s:
        for kind in MIX:
            _request(s, base, kind, warm, work, timeout).content
    rss_start, tree_start = (rss_kb(server_pid), tree_rss_kb(server_pid)) if server_pid else (0, 0)
    watch = _MemoryWatch(server_pid)
    watch.start()
    samples: list[Sample] = []
    budget = _Budget(max_requests)
    t0 = time.monotonic()
    deadline = t0 + duration
    threads = [threading.Thread(target=_client, args=(base, work, deadline, budget, samples, seed + i, timeout),
                                daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    hard_deadline = deadline + timeout + 5
    for t in threads:
        t.join(max(0.0, hard_deadline - time.monotonic()))
    elapsed = time.monotonic() - t0
    watch.stop.set()
    watch.join(2)
    done = list(samples)
    rss_end, tree_end = (rss_kb(server_pid), tree_rss_kb(server_pid)) if server_pid else (0, 0)
    statuses: dict[str, int] = {}
    for s in done:
        key = str(s.status) if s.status is not None else f"error:{s.error}"
        statuses[key] = statuses.get(key, 0) + 1
    lat = [s.seconds for s in done if s.status is not None]
    per_kind = {}
    for kind in MIX:
        ks = [s.seconds for s in done if s.kind == kind and s.status is not None]
        per_kind[kind] = {"requests": sum(1 for s in done if s.kind == kind),
                          "p50_ms": round(percentile(ks, 50) * 1000, 1), "p99_ms": round(percentile(ks, 99) * 1000, 1)}
    return {
        "url": base, "clients": clients, "duration_s": round(elapsed, 1), "requests": len(done),
        "throughput_rps": round(len(done) / elapsed, 1) if elapsed else 0.0,
        "errors": sum(1 for s in done if s.status is None),
        "server_errors_5xx": sum(1 for s in done if s.status is not None and s.status >= 500),
        "client_errors_4xx": sum(1 for s in done if s.status is not None and 400 <= s.status < 500),
        "statuses": dict(sorted(statuses.items())),
        "p50_ms": round(percentile(lat, 50) * 1000, 1), "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else 0.0,
        "max_ms": round(max(lat) * 1000, 1) if lat else 0.0,
        "per_kind": per_kind,
        "server_rss_mb": {"start": round(rss_start / 1024, 1), "peak": round(watch.peak / 1024, 1),
                          "end": round(rss_end / 1024, 1)},
        "server_and_workers_rss_mb": {"start": round(tree_start / 1024, 1), "peak": round(watch.peak_tree / 1024, 1),
                                      "end": round(tree_end / 1024, 1)},
        "unfinished_clients": sum(1 for t in threads if t.is_alive()),
    }


def report(fig: dict) -> str:
    lines = [
        f"cloudkader load: {fig['clients']} clients for {fig['duration_s']} s against {fig['url']}",
        f"  requests     {fig['requests']}  ({fig['throughput_rps']} per second)",
        f"  errors       {fig['errors']}  (no HTTP answer)",
        f"  5xx          {fig['server_errors_5xx']}",
        f"  4xx          {fig['client_errors_4xx']}",
        f"  statuses     {fig['statuses']}",
        f"  latency      p50 {fig['p50_ms']} ms, p99 {fig['p99_ms']} ms, mean {fig['mean_ms']} ms, max {fig['max_ms']} ms",
    ]
    for kind, k in fig["per_kind"].items():
        lines.append(f"    {kind:<11} {k['requests']:>6} requests, p50 {k['p50_ms']} ms, p99 {k['p99_ms']} ms")
    m, t = fig["server_rss_mb"], fig["server_and_workers_rss_mb"]
    lines.append(f"  server RSS   start {m['start']} MB, peak {m['peak']} MB, end {m['end']} MB")
    lines.append(f"  + workers    start {t['start']} MB, peak {t['peak']} MB, end {t['end']} MB (shared pages counted per process)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running server on loopback (default: start one)")
    ap.add_argument("--store", default="memory", help="store of the server started here (memory, oxigraph)")
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds")
    ap.add_argument("--max-requests", type=int, default=200_000)
    ap.add_argument("--timeout", type=float, default=30.0, help="per request, seconds")
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("serve_args", nargs="*", help="extra `cloudkader serve` options (after --)")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    server = None
    try:
        if args.url:
            url, pid = args.url, None
        else:
            from tests.server_process import ServerProcess

            server = ServerProcess(args.serve_args, store=args.store).start()
            url, pid = server.url, server.proc.pid
        fig = run_load(url, args.clients, args.duration, pid, args.max_requests, args.timeout)
    finally:
        if server is not None:
            server.stop()
    print(report(fig))
    if args.json:
        args.json.write_text(json.dumps(fig, indent=2) + "\n", encoding="utf-8")
    return 0 if fig["errors"] == 0 and fig["server_errors_5xx"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

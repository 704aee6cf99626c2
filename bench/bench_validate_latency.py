"""Single-service ``POST /validate`` latency against a ``POST /sparql`` ASK on the same real
server (``cloudkader serve`` on loopback). Target: p50 ≤ 50 ms.

    .venv/bin/python bench/bench_validate_latency.py [--requests 200] [--store memory]

Each example service of ``examples/`` is posted in turn (Turtle); the ASK is a one-pattern
query. Both run interleaved on one keep-alive connection after a warm-up.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import requests

from _common import ROOT, machine
from bench_sparql import cloudkader

ASK = "ASK { ?s a <https://w3id.org/cloudkader/def#Framework> }"


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--store", default="memory")
    args = ap.parse_args(argv)
    print(machine())
    bodies = [p.read_bytes() for p in sorted((ROOT / "examples").glob("*.ttl"))]
    server = cloudkader(args.store)
    server.wait("/sparql")
    s = requests.Session()
    try:
        def validate(body):
            t = time.perf_counter()
            r = s.post(server.url + "/validate", data=body, headers={"Content-Type": "text/turtle", "Accept": "application/json"})
            took = time.perf_counter() - t
            assert r.status_code == 200, r.text[:300]
            return took

        def ask():
            t = time.perf_counter()
            r = s.post(server.url + "/sparql", data=ASK, headers={"Content-Type": "application/sparql-query",
                                                                  "Accept": "application/sparql-results+json"})
            took = time.perf_counter() - t
            assert r.status_code == 200, r.text[:300]
            return took

        for body in bodies:  # warm-up: the first validation loads the compiled knowledge
            validate(body)
            ask()
        v, a = [], []
        for i in range(args.requests):
            v.append(validate(bodies[i % len(bodies)]))
            a.append(ask())
        p50v, p50a = statistics.median(v), statistics.median(a)
        print(f"\ncloudkader serve --store {args.store}, {args.requests} requests each")
        print(f"  POST /validate (one service)  p50 {p50v * 1000:6.1f} ms   p90 {pct(v, 90) * 1000:6.1f} ms   "
              f"max {max(v) * 1000:6.1f} ms   (target p50 <= 50 ms: {'met' if p50v <= 0.05 else 'missed'})")
        print(f"  POST /sparql ASK              p50 {p50a * 1000:6.1f} ms   p90 {pct(a, 90) * 1000:6.1f} ms")
        print(f"  ratio validate / ASK (p50)    {p50v / p50a:.1f}x")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

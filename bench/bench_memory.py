"""Peak memory: ``cloudkader serve`` with the corpus (memory and oxigraph stores, after it has
answered queries and validations), and batch validation of 1,000, 10,000 and 100,000 services
(``cloudkader validate FILE --format json``), to see how it grows. Target: ≤ 1 GB at 100,000.

    .venv/bin/python bench/bench_memory.py [sizes…]

The process tree is sampled every 20 ms: PSS (proportional set size: a page shared by the
forked processes is divided among them) is what the tree really uses; the summed RSS counts a
shared page once per process, so it overstates a forked run.
"""

from __future__ import annotations

import argparse
import sys

import requests

from _common import CLOUDKADER, ROOT, MemoryWatch, machine, mb, register, run_measured
from bench_sparql import cloudkader


def serve(store: str) -> tuple[int, int]:
    from cloudkader.knowledge import queries

    server = cloudkader(store)
    watch = MemoryWatch(server.proc.pid)
    try:
        server.wait("/sparql")
        s = requests.Session()
        for q in queries.all_queries():
            s.post(server.url + "/sparql", data=q.text.encode(), headers={"Content-Type": "application/sparql-query"})
        for p in sorted((ROOT / "examples").glob("*.ttl")):
            s.post(server.url + "/validate", data=p.read_bytes(), headers={"Content-Type": "text/turtle"})
    finally:
        watch.stop()
        server.stop()
    return watch.peak_pss, watch.peak_rss


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    ap.add_argument("--jobs", type=int, default=0)
    args = ap.parse_args(argv)
    print(machine())
    print("\ncloudkader serve (after the named queries and a validation of every example)")
    for store in ("memory", "oxigraph"):
        pss, rss = serve(store)
        print(f"  --store {store:8s}  peak PSS {mb(pss):>9s}   peak RSS {mb(rss):>9s}")
    print("\ncloudkader validate FILE --format json (all processes)")
    prev = None
    for n in args.sizes:
        path = register(n)
        cmd = [CLOUDKADER, "validate", str(path), "--format", "json"] + (["--jobs", str(args.jobs)] if args.jobs else [])
        wall, _status, w = run_measured(cmd)
        growth = f"   x{w.peak_pss / prev:.1f} for x{n / prev_n:.0f} services" if prev else ""
        print(f"  {n:>7,} services  peak PSS {mb(w.peak_pss):>9s}   summed RSS {mb(w.peak_rss):>9s}   "
              f"{w.max_procs} processes   {wall:.1f} s{growth}")
        prev, prev_n = w.peak_pss, n
    return 0


if __name__ == "__main__":
    sys.exit(main())

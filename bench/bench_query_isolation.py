"""Query isolation: cloudkader's own pool (``stores/query_executor.py``: a zygote forks the
workers, each in an empty network namespace) against a maintained one, ``pebble``'s
``ProcessPool`` (timeouts per task, a worker killed and restarted on timeout), both holding the
oxigraph store loaded with the corpus, two workers each, the same worker function (the answer
capped in the worker, ``stores/answer_cap``).

    .venv/bin/pip install pebble          # benchmark only, not a dependency
    .venv/bin/python bench/bench_query_isolation.py [--queries 300]

Printed per pool: the median and p90 latency of a small SELECT, the peak PSS of the process
tree, what a query over its time limit costs (time until the caller gets the error, time until
the next query is answered), and the network namespace of the workers against the server's.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time

from _common import MemoryWatch, machine, mb

SIMPLE = "PREFIX ckd: <https://w3id.org/cloudkader/def#> SELECT ?k WHERE { ?f a ckd:Framework ; ckd:key ?k }"
PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
STORE = None  # the store the pebble workers inherit (forked)


def _pebble_init():
    from cloudkader.stores.sandbox import forbid_network, isolate_network

    isolate_network()
    forbid_network()


def _pebble_query(sparql: str):
    from cloudkader.stores.query_worker import _query_capped

    return _query_capped(STORE, sparql, [], [], 10_000, 32 * 1024 * 1024)


def _pebble_netns():
    from cloudkader.stores.sandbox import network_namespace

    return network_namespace()


def _measure(name, run, netns, n: int, timeout_error) -> dict:
    watch = MemoryWatch(os.getpid())
    for _ in range(20):
        run(SIMPLE, 10.0)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        rows = run(SIMPLE, 10.0)
        lat.append((time.perf_counter() - t) * 1000)
    assert len(rows[0].rows) >= 5, rows
    t = time.perf_counter()
    try:
        run(PATHOLOGICAL, 1.0)
        stopped = "answered (not stopped!)"
    except timeout_error:
        stopped = "stopped"
    to_error = time.perf_counter() - t
    t = time.perf_counter()
    run(SIMPLE, 10.0)
    next_answer = (time.perf_counter() - t) * 1000
    watch.stop()
    lat.sort()
    return {"pool": name, "p50": statistics.median(lat), "p90": lat[int(0.9 * len(lat))], "pss": watch.peak_pss,
            "stopped": stopped, "to_error": to_error, "next": next_answer, "netns": netns()}


def main(argv=None) -> int:
    global STORE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queries", type=int, default=300)
    args = ap.parse_args(argv)
    print(machine())
    from cloudkader.knowledge.app_state import get_store
    from cloudkader.stores import query_executor
    from cloudkader.stores.sandbox import network_namespace

    STORE = get_store("oxigraph")
    STORE.query(SIMPLE)
    print(f"server's network namespace: {network_namespace()}")
    rows = []

    ex = query_executor.QueryExecutor(STORE, workers=2)
    try:
        rows.append(_measure("cloudkader (zygote + fork)", lambda q, t: ex.run(q, timeout=t),
                             lambda: ex.network, args.queries, query_executor.QueryTimeout))
    finally:
        ex.close()

    try:
        import pebble
    except ImportError:
        print("pebble is not installed: .venv/bin/pip install pebble")
    else:
        from concurrent.futures import TimeoutError as FutureTimeout

        pool = pebble.ProcessPool(max_workers=2, max_tasks=1000, initializer=_pebble_init,
                                  context=multiprocessing.get_context("fork"))
        try:
            rows.append(_measure(f"pebble {pebble.__version__} ProcessPool (fork)",
                                 lambda q, t: pool.schedule(_pebble_query, args=(q,), timeout=t).result(),
                                 lambda: pool.schedule(_pebble_netns).result(), args.queries, FutureTimeout))
        finally:
            pool.stop()
            pool.join()
    print(f"\n{'pool':36s} {'p50':>8s} {'p90':>8s} {'peak PSS':>10s}  over the limit (1 s)")
    for r in rows:
        print(f"{r['pool']:36s} {r['p50']:6.2f}ms {r['p90']:6.2f}ms {mb(r['pss']):>10s}  {r['stopped']}, error after "
              f"{r['to_error']:.2f} s, next query {r['next']:.0f} ms; workers: {r['netns']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Validation of large registers: ``cloudkader validate`` (the batch engine) against one plain
pySHACL call over the same data and shapes, and against the floor — the time pyoxigraph needs
only to parse the register.

    .venv/bin/python bench/bench_validation.py                 # 1,000 10,000 100,000 services
    .venv/bin/python bench/bench_validation.py 1000 10000 --pyshacl-max 10000
    .venv/bin/python bench/bench_validation.py 10000 --random  # the tests' random generator (worst case for the cache)

cloudkader is timed as a user runs it: the whole ``cloudkader validate FILE --format json``
process, start-up included, output to /dev/null (median of --repeat runs; one run at 100,000).
pySHACL is timed on the call alone (``pyshacl.validate`` on the enriched data graph with the
shapes), and its results are checked to be identical to cloudkader's (same services, same
provisions, severities, messages and paths).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import time

from _common import CLOUDKADER, machine, median, mb, parse_floor, register, run_measured


def pyshacl_run(path):
    """(seconds of the pySHACL call, the validation JSON it leads to)."""
    from cloudkader import core
    from cloudkader.checks.validation import Checker, validation_json

    k = core.get_knowledge()
    checker = Checker(k, "pyshacl")
    desc = core.read_description(path.read_bytes(), "turtle", str(path))
    took = {}
    original = Checker._run_pyshacl

    def timed_run(data, shapes):
        t = time.perf_counter()
        report = original(data, shapes)
        took["s"] = time.perf_counter() - t
        return report

    checker._run_pyshacl = timed_run
    reports, _ = checker.check(desc, want_applicable=False)
    return took["s"], validation_json(reports)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[1000, 10000, 100000])
    ap.add_argument("--pyshacl-max", type=int, default=1000, help="largest register pySHACL runs on (default 1000)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="cloudkader --jobs (default: the cores)")
    ap.add_argument("--random", action="store_true", help="the tests' random generator instead of bench/generate_register.py")
    args = ap.parse_args(argv)
    print(machine())
    print(f"registers: {'tests/test_engines_agree.generated (random)' if args.random else 'bench/generate_register.py'}")
    rows = []
    for n in args.sizes:
        path = register(n, args.random)
        repeat = 1 if n >= 100000 else args.repeat
        floor = parse_floor(path, repeat)
        cmd = [CLOUDKADER, "validate", str(path), "--format", "json"] + (["--jobs", str(args.jobs)] if args.jobs else [])
        walls, peaks = [], []
        for _ in range(repeat):
            wall, status, watch = run_measured(cmd)
            walls.append(wall)
            peaks.append(watch.peak_pss)
        ck = median(walls)
        row = {"n": n, "floor": floor, "cloudkader": ck, "pss": max(peaks), "status": status}
        print(f"\n{n:,} services ({path.stat().st_size / 1e6:.1f} MB Turtle)")
        print(f"  floor (pyoxigraph parse only)   {floor:8.2f} s")
        print(f"  cloudkader validate              {ck:8.2f} s   {ck / floor:5.1f}x the floor   peak {mb(max(peaks))} (PSS, all processes)")
        if n <= args.pyshacl_max:
            out = subprocess.run(cmd, capture_output=True, check=False, cwd=str(path.parent)).stdout
            ours = json.loads(out)
            t, theirs = pyshacl_run(path)
            same = ours == theirs
            row.update(pyshacl=t, identical=same)
            print(f"  pySHACL (one call)               {t:8.2f} s   {t / floor:5.1f}x the floor   "
                  f"{t / ck:5.1f}x cloudkader   results identical: {same}")
            if not same:
                print("  !! results differ")
        else:
            print(f"  pySHACL                          not run (above --pyshacl-max {args.pyshacl_max})")
        rows.append(row)
    print("\nsummary (ratio to the floor): " + ", ".join(f"{r['n']:,}: {r['cloudkader'] / r['floor']:.1f}x" for r in rows))
    return 0 if all(r.get("identical", True) for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

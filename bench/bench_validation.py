"""Validation of large registers: ``cloudkader validate`` (the batch engine) against the floor —
the time pyoxigraph needs only to parse the register — on several kinds of register, side by
side in one run; optionally against one plain pySHACL call over the same data and shapes.

    .venv/bin/python bench/bench_validation.py                          # 10,000 services, every kind
    .venv/bin/python bench/bench_validation.py 10000 100000 --kinds generated
    .venv/bin/python bench/bench_validation.py 1000 --kinds generated --pyshacl-max 1000

Kinds (``_common.KINDS``): generated (bench/generate_register.py), random (the tests' generator),
examples (the examples copied), kamerbrief (the Kamerbrief register copied, facts left out).
cloudkader is timed as a user runs it: the whole ``cloudkader validate FILE --format json``
process, start-up included, output to /dev/null (median of --repeat runs; one run from 100,000).
The ratio is printed for wall time and for CPU time (the CPU time of the process against the
floor's): on a shared machine the CPU ratio moves much less. For registers up to --phases-max
the run is repeated in this process to show where the time goes (reading, the batch run, the
completeness pass for missing facts, writing the JSON). pySHACL is timed on the call alone
(``pyshacl.validate`` on the enriched data graph) and its results are compared with cloudkader's.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import time

from _common import CLOUDKADER, KIND_HELP, KINDS, machine, median, mb, parse_floor, register, run_measured


def pyshacl_run(path):
    """(seconds of the pySHACL call, the validation JSON it leads to)."""
    from cloudkader import core
    from cloudkader.checks.validation import Checker, validation_json

    k = core.get_knowledge()
    checker = Checker(k, "pyshacl")
    fmt = "nt" if path.suffix == ".nt" else "turtle"
    desc = core.read_description(path.read_bytes(), fmt, str(path))
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


def phases(path) -> dict:
    """Seconds per phase of one batch run in this process."""
    from cloudkader import core
    from cloudkader.checks import batch
    from cloudkader.checks.batch_output import write_validation_json
    from cloudkader.checks.validation import Checker

    checker = Checker(core.get_knowledge(), "shacl")
    fmt = "nt" if path.suffix == ".nt" else "turtle"
    stats: dict = {}
    t = time.perf_counter()
    reports, _ = batch.validate_files([(str(path), path, fmt)], checker, None, None, False, stats)
    stats["batch_s"] = time.perf_counter() - t
    t = time.perf_counter()
    write_validation_json(reports, io.BytesIO())
    stats["output_s"] = time.perf_counter() - t
    stats["undetermined"] = sum(1 for r in reports if r.undetermined)
    return stats


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("sizes", nargs="*", type=int, default=[10000])
    ap.add_argument("--kinds", default=",".join(KINDS), help=KIND_HELP)
    ap.add_argument("--random", action="store_true", help="same as --kinds random")
    ap.add_argument("--pyshacl-max", type=int, default=0, help="largest register pySHACL runs on (default 0: none)")
    ap.add_argument("--phases-max", type=int, default=10000, help="largest register timed per phase in process")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="cloudkader --jobs (default: the cores)")
    args = ap.parse_args(argv)
    kinds = ["random"] if args.random else [k for k in args.kinds.split(",") if k]
    print(machine())
    rows = []
    for kind in kinds:
        for n in args.sizes:
            path = register(n, kind)
            repeat = 1 if n >= 100000 else args.repeat
            floor, floor_cpu = parse_floor(path, repeat, cpu=True)
            cmd = [CLOUDKADER, "validate", str(path), "--format", "json"] + (["--jobs", str(args.jobs)] if args.jobs else [])
            walls, cpus, peaks = [], [], []
            for _ in range(repeat):
                wall, status, watch = run_measured(cmd)
                walls.append(wall)
                cpus.append(watch.cpu)
                peaks.append(watch.peak_pss)
            row = {"kind": kind, "n": n, "mb": path.stat().st_size / 1e6, "floor": floor, "floor_cpu": floor_cpu,
                   "wall": median(walls), "cpu": median(cpus), "pss": max(peaks)}
            print(f"\n{kind}, {n:,} services ({row['mb']:.1f} MB {path.suffix[1:]})")
            print(f"  floor (pyoxigraph parse only)  {floor:7.2f} s wall {floor_cpu:7.2f} s CPU")
            print(f"  cloudkader validate             {row['wall']:7.2f} s wall {row['cpu']:7.2f} s CPU   "
                  f"{row['wall'] / floor:5.1f}x / {row['cpu'] / floor_cpu:5.1f}x the floor   peak {mb(row['pss'])} PSS")
            if n <= args.phases_max:
                ph = row["phases"] = phases(path)
                print(f"  in process: read {ph['read_s']:.2f} s, batch run {ph['run_s']:.2f} s, completeness "
                      f"{ph['completeness_s']:.2f} s ({ph['undetermined']:,} services undetermined), "
                      f"JSON {ph['output_s']:.2f} s; {ph['validated']:,} representatives validated")
            if n <= args.pyshacl_max:
                out = subprocess.run(cmd, capture_output=True, check=False, cwd=str(path.parent)).stdout
                t, theirs = pyshacl_run(path)
                row.update(pyshacl=t, identical=json.loads(out) == theirs)
                print(f"  pySHACL (one call)              {t:7.2f} s   results identical: {row['identical']}")
            rows.append(row)
    print("\nside by side (ratio to the floor, wall / CPU; peak PSS; completeness pass in process)")
    for r in rows:
        comp = f"{r['phases']['completeness_s']:6.2f} s" if "phases" in r else "     -  "
        print(f"  {r['kind']:11s} {r['n']:>8,}  {r['wall'] / r['floor']:6.1f}x / {r['cpu'] / r['floor_cpu']:5.1f}x  "
              f"{mb(r['pss']):>9s}  completeness {comp}")
    return 0 if all(r.get("identical", True) for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""Shared helpers of the benchmarks: the machine, medians, registers on disk, process memory."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLOUDKADER = str(BIN / "cloudkader")
WORK = Path(os.environ.get("CLOUDKADER_BENCH_DIR", "/tmp/cloudkader-bench"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    import pyoxigraph

    return (f"machine: {os.cpu_count()} cores ({len(os.sched_getaffinity(0))} usable), {cpu}, {mem} RAM; "
            f"Python {platform.python_version()}, pyoxigraph {pyoxigraph.__version__}")


def median(xs) -> float:
    return statistics.median(xs)


def timed(fn, repeat: int = 3) -> float:
    """The median wall time of ``fn()`` over ``repeat`` runs."""
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return median(out)


KINDS = ("generated", "random", "examples", "kamerbrief")
KIND_HELP = ("generated: bench/generate_register.py (examples mixed); random: the tests' generator (every "
             "field random, the caches' worst case); examples: the twelve examples/ copied as they are, "
             "each copy its own nodes; kamerbrief: the Kamerbrief register copied, each copy with its "
             "own services and some facts left out (incomplete: the completeness pass runs)")


def register(n: int, random_kind: bool | str = False) -> Path:
    """A register of ``n`` services on disk (made once, then reused), of one of ``KINDS``."""
    kind = "random" if random_kind is True else (random_kind or "generated")
    WORK.mkdir(parents=True, exist_ok=True)
    name = {"random": f"random-{n}.ttl", "generated": f"register-{n}.ttl"}.get(kind, f"{kind}-{n}.nt")
    path = WORK / name
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        if kind == "random":
            from tests.test_engines_agree import generated

            tmp.write_text(generated(n, seed=7), encoding="utf-8")
        elif kind == "generated":
            import generate_register

            with open(tmp, "w", encoding="utf-8") as f:
                for line in generate_register.generate(n):
                    f.write(line + "\n")
        else:
            with open(tmp, "w", encoding="utf-8") as f:
                for line in copies(n, kind):
                    f.write(line)
        tmp.replace(path)
    return path


def copies(n: int, kind: str):
    """N-Triples lines of ``n`` services made by copying real descriptions (``examples`` or the
    ``kamerbrief`` register): copy ``i`` renames the services and the descriptions' own nodes
    (``https://example.org/``, the register's ``service/`` IRIs, blank nodes); organisations,
    countries and the corpus' providers stay shared. Kamerbrief copies leave out, each with
    20 % (fixed seed), a service's deployment model, data location and data categories."""
    import random

    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    ckd = "https://w3id.org/cloudkader/def#"
    if kind == "examples":
        sources = sorted((ROOT / "examples").glob("*.ttl"))
        own = "<https://example.org/"
    else:
        sources = [ROOT / "data" / "register" / "kamerbrief-2024.ttl"]
        own = "<https://w3id.org/cloudkader/id/service/"
    docs = []
    for src in sources:
        g = Graph().parse(src)
        services = {str(s) for s in g.subjects(RDF.type, URIRef(ckd + "CloudService"))}
        lines = g.serialize(format="nt").splitlines(keepends=True)
        docs.append((len(services), [ln for ln in lines if ln.strip()]))
    rnd = random.Random(2024)
    left_out = tuple(f"<{ckd}{p}>" for p in ("deploymentModel", "dataLocation", "processes"))
    made = i = 0
    while made < n:
        for count, lines in docs:
            if made >= n:
                break
            mine = f"{own}c{i}/" if kind == "examples" else f"{own}c{i}-"
            drop = {p for p in left_out if kind == "kamerbrief" and rnd.random() < 0.2}
            for ln in lines:
                if drop and ln.split(" ", 2)[1] in drop:
                    continue
                yield ln.replace(own, mine).replace("_:", f"_:c{i}x")
            made += count
            i += 1


def parse_floor(path: Path, repeat: int = 3, cpu: bool = False):
    """What pyoxigraph needs only to parse the file: the floor of any validation of it (the
    median wall time; with ``cpu`` also the median CPU time: (wall, cpu))."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        for _ in ox.parse(path=str(path), format=fmt):
            pass
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return (median(walls), median(cpus)) if cpu else median(walls)


def _children(pid: int) -> list[int]:
    out = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                out += [int(x) for x in (task / "children").read_text().split()]
            except OSError:
                pass
    except OSError:
        pass
    return out


def _tree(pid: int) -> list[int]:
    todo, seen = [pid], []
    while todo:
        p = todo.pop()
        seen.append(p)
        todo += _children(p)
    return seen


def _kb(path: str, field: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemoryWatch:
    """Samples a process tree every 20 ms: the peak of the summed RSS (shared pages counted in
    every process) and of the summed PSS (shared pages divided among the processes sharing
    them: what the tree really uses)."""

    def __init__(self, pid: int, interval: float = 0.02):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.max_procs = 0
        self.cpu = 0.0  # CPU seconds of the process and its children (run_measured)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            pids = _tree(self.pid)
            rss = sum(_kb(f"/proc/{p}/status", "VmRSS:") for p in pids)
            pss = sum(_kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in pids)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.max_procs = max(self.max_procs, len([p for p in pids if Path(f"/proc/{p}").exists()]))
            self._stop.wait(self.interval)

    def stop(self):
        self._stop.set()
        self._thread.join()
        return self


def run_measured(cmd: list[str], stdout=subprocess.DEVNULL) -> tuple[float, int, MemoryWatch]:
    """Run ``cmd``: (wall seconds, exit status, memory watch)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    watch = MemoryWatch(proc.pid)
    _out, err = proc.communicate()
    wall = time.perf_counter() - t
    watch.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    watch.cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[:500]}")
    return wall, proc.returncode, watch


def mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"

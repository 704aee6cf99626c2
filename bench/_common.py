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


def register(n: int, random_kind: bool = False) -> Path:
    """A generated register of ``n`` services on disk (made once, then reused)."""
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / (f"random-{n}.ttl" if random_kind else f"register-{n}.ttl")
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        if random_kind:
            from tests.test_engines_agree import generated

            tmp.write_text(generated(n, seed=7), encoding="utf-8")
        else:
            import generate_register

            with open(tmp, "w", encoding="utf-8") as f:
                for line in generate_register.generate(n):
                    f.write(line + "\n")
        tmp.replace(path)
    return path


def parse_floor(path: Path, repeat: int = 3) -> float:
    """What pyoxigraph needs only to parse the file: the floor of any validation of it."""
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_TRIPLES if path.suffix == ".nt" else ox.RdfFormat.TURTLE

    def run():
        for _ in ox.parse(path=str(path), format=fmt):
            pass

    return timed(run, repeat)


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
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT)
    watch = MemoryWatch(proc.pid)
    _out, err = proc.communicate()
    wall = time.perf_counter() - t
    watch.stop()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[:500]}")
    return wall, proc.returncode, watch


def mb(kb: int) -> str:
    return f"{kb / 1024:,.0f} MB"

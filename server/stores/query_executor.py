"""SPARQL queries in a pool of worker *processes*, so that a query can be stopped.

rdflib and pyoxigraph cannot interrupt a query running in a thread: a cartesian product over the
corpus would hold a server thread (and a core) for hours. So the web service runs every query of
``/sparql`` on an embedded store (``memory``, ``oxigraph``) in a worker process, and a worker
whose query runs past the time limit is killed (SIGKILL) and replaced; the request gets 503.

How the workers hold the store
    When the pool starts, the process forks once: the child — the *zygote* — holds the loaded
    (and frozen, read-only) store and does nothing but fork workers on request. A worker is a
    fork of the zygote, so it starts in milliseconds with the store already in memory (shared
    copy-on-write), whatever threads the web server runs: the zygote itself never has more than
    one thread, so forking it is safe. The parent gives each new worker one end of a socket pair
    (passed to the zygote with ``SCM_RIGHTS``); requests and results travel over it, pickled.

The normal path is fast
    Workers are reused (no process start per query); a query costs one round trip of a pickled
    request and result over a Unix socket. A worker is replaced after ``max_queries`` queries or
    when its memory grows by more than half of ``memory_mb`` (Python does not give memory back).

What a worker cannot do
    It has no network: the zygote moves into an empty network namespace before it forks any
    worker (``cloudkader.stores.sandbox``: this covers native code such as pyoxigraph's HTTP client),
    and ``socket.connect`` and friends raise in the worker (SERVICE is refused by the query
    guard before that: these are the second and third doors). Its address space is capped at its size when it
    starts plus ``memory_mb`` (``RLIMIT_AS``): a query that needs more fails with 503 and the
    worker is replaced. It dies with the zygote, and the zygote with the server
    (``PR_SET_PDEATHSIG`` on Linux, and end-of-file on their sockets everywhere).

An answer is bounded in the worker, before it is sent: at most ``max_rows`` rows and
``max_bytes`` of text (``cloudkader.stores.answer_cap``), so the server process never holds a huge one.
The errors when a limit is met (503): ``cloudkader.stores.query_status``.

Other work that the client controls runs there too: ``/validate`` and ``/applicable`` read and
check the posted description in a worker (``call`` with a function registered by ``task``), under
their own time limit; so does the web form ``/check``.

Stores that are not embedded (``sparql:URL``) and platforms without ``fork`` run the query in the
calling thread (the remote store has its own HTTP timeout); so does ``workers=0``.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass
from typing import Callable
from multiprocessing.connection import Connection

from .results import QueryResult
from .query_status import ExecutorStats, QueryBusy, QueryTimeout, QueryUnavailable, WorkerLost  # noqa: F401
from .answer_cap import AnswerTooLarge, NestedTooDeeply, cap_bytes  # noqa: F401  (re-exported)
from .sandbox import PYTHON_ONLY, forbid_network, isolate_network  # noqa: F401
from .query_worker import _TASKS, _decode, _query_capped, _recv_exactly, _zygote_main, task, task_name  # noqa: F401

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MEMORY_MB = 1024
DEFAULT_MAX_QUERIES = 1000


def default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


@dataclass
class _Worker:
    pid: int
    conn: Connection
    served: int = 0
    rss_grown_kb: int = 0


class QueryExecutor:
    """A pool of ``workers`` query processes for one embedded store (see the module docstring)."""

    def __init__(self, store, workers: int | None = None, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 max_queries: int = DEFAULT_MAX_QUERIES):
        if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
            raise RuntimeError("query workers need os.fork and socket.send_fds (POSIX)")
        self.store = store
        self.size = workers or default_workers()
        self.memory_mb = memory_mb or None
        self.max_queries = max_queries
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._workers: dict[int, _Worker] = {}
        self._lock = threading.Lock()
        self._ctrl_lock = threading.Lock()
        self._busy = 0
        self._starting = 0
        self._counts = {"queries": 0, "timeouts": 0, "replaced": 0, "lost": 0, "busy_refusals": 0}
        self.closed = False
        self._zygote_pid: int | None = None
        self._ctrl: socket.socket | None = None
        self.network = PYTHON_ONLY  # how the workers are kept off the network (``sandbox``)
        if hasattr(store, "freeze"):
            store.freeze()  # read-only from here on, in this process and in every fork
        self._start_zygote()
        self._top_up()

    # -- processes --------------------------------------------------------------------------------

    def _start_zygote(self) -> None:
        if self._ctrl is not None:
            self._ctrl.close()
            self._reap_zygote(wait=False)
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        close_in_child = [w.conn.fileno() for w in self._workers.values()]
        pdeathsig = threading.current_thread() is threading.main_thread()
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the zygote: never returns into the caller's code
            code = 0
            try:
                parent_end.close()
                for fd in close_in_child:
                    try:
                        os.close(fd)
                    except OSError:
                        pass
                _zygote_main(child_end, self.store, self.memory_mb, pdeathsig)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        child_end.close()
        self._zygote_pid, self._ctrl = pid, parent_end
        try:
            (n,) = struct.unpack("!i", _recv_exactly(parent_end, 4))
            self.network = _recv_exactly(parent_end, n).decode("utf-8")
        except (OSError, EOFError, struct.error):
            self.network = PYTHON_ONLY

    def _reap_zygote(self, wait: bool) -> None:
        pid, self._zygote_pid = self._zygote_pid, None
        if pid is None:
            return
        deadline = time.monotonic() + (5 if wait else 0)
        while True:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done or time.monotonic() >= deadline:
                if not done:
                    try:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                    except (ProcessLookupError, ChildProcessError):
                        pass
                return
            time.sleep(0.01)

    def _spawn(self) -> _Worker:
        with self._ctrl_lock:
            for attempt in (1, 2):
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    socket.send_fds(self._ctrl, [b"w"], [theirs.fileno()])
                    (pid,) = struct.unpack("!i", _recv_exactly(self._ctrl, 4))
                    if pid <= 0:
                        raise OSError("the worker factory could not start a worker")
                except (OSError, EOFError):
                    ours.close()
                    if attempt == 2:
                        raise
                    log.warning("the query worker factory is gone; starting a new one")
                    self._start_zygote()
                    continue
                finally:
                    theirs.close()
                worker = _Worker(pid, Connection(ours.detach()))
                with self._lock:
                    self._workers[pid] = worker
                return worker
        raise AssertionError("unreachable")

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._workers.pop(worker.pid, None)
        try:
            os.kill(worker.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            worker.conn.close()
        except OSError:
            pass

    def _replace(self, worker: _Worker) -> None:
        self._retire(worker)
        with self._lock:
            self._counts["replaced"] += 1
        self._top_up()

    def _top_up(self) -> None:
        """Start workers until the pool has ``size`` of them. A worker being started counts
        (``_starting``), under the same lock as the pool: two threads that replace and top up
        at once never start more than the pool misses."""
        while True:
            with self._lock:
                if self.closed or len(self._workers) + self._starting >= self.size:
                    return
                self._starting += 1
            try:
                worker = self._spawn()
            except Exception:  # the pool is smaller until the next _acquire tops it up
                log.exception("could not start a query worker")
                return
            finally:
                with self._lock:
                    self._starting -= 1
            self._idle.put(worker)

    # -- queries ------------------------------------------------------------------------------------

    def _acquire(self, wait: float | None) -> _Worker:
        self._top_up()
        try:
            worker = self._idle.get(timeout=wait) if wait else self._idle.get()
        except queue.Empty:
            with self._lock:
                self._counts["busy_refusals"] += 1
            raise QueryBusy(wait or 0) from None
        with self._lock:
            self._busy += 1
        return worker

    def _release(self, worker: _Worker, healthy: bool) -> None:
        with self._lock:
            self._busy -= 1
        worn = (worker.served >= self.max_queries
                or (self.memory_mb and worker.rss_grown_kb > self.memory_mb * 512))
        if healthy and not worn and not self.closed:
            self._idle.put(worker)
        else:
            self._replace(worker)

    def run(self, sparql: str, default_graph_uris=(), named_graph_uris=(), timeout: float | None = DEFAULT_TIMEOUT,
            max_rows: int | None = DEFAULT_MAX_ROWS, max_bytes: int | None = DEFAULT_MAX_BYTES) -> tuple[QueryResult, bool]:
        """Run one query in a worker: (result, truncated). Raises QueryError (the query is
        wrong or refused), QueryUnavailable (time limit, no free worker, worker lost)."""
        request = ("query", sparql, list(default_graph_uris), list(named_graph_uris), max_rows or None,
                   max_bytes or None)
        return _decode(self._roundtrip(request, timeout, "query"))

    def call(self, name: str, args: tuple = (), timeout: float | None = DEFAULT_TIMEOUT):
        """Run the registered task ``name`` (see ``task``) with ``args`` in a worker, within
        ``timeout`` seconds; returns what it returns. Raises QueryUnavailable like ``run``."""
        if name not in _TASKS:
            raise LookupError(f"{name!r} is not a registered task")
        return self._roundtrip(("call", name, tuple(args)), timeout, "request")

    def _roundtrip(self, request: tuple, timeout: float | None, what: str):
        if self.closed:
            raise WorkerLost("the service is shutting down")
        timeout = timeout or None
        worker = self._acquire(timeout)
        healthy = False
        try:
            with self._lock:
                self._counts["queries"] += 1
            try:
                worker.conn.send(request)
            except (OSError, ValueError):
                with self._lock:
                    self._counts["lost"] += 1
                raise WorkerLost("the worker stopped") from None
            if timeout is not None and not worker.conn.poll(timeout):
                with self._lock:
                    self._counts["timeouts"] += 1
                raise QueryTimeout(timeout, what)
            try:
                reply = worker.conn.recv()
                worker.rss_grown_kb = worker.conn.recv()
            except (EOFError, OSError):
                with self._lock:
                    self._counts["lost"] += 1
                raise WorkerLost(f"the worker stopped (the {what} may have needed too much memory)") from None
            worker.served += 1
            healthy = True
        finally:
            self._release(worker, healthy)
        status, payload = reply
        if status == "ok":
            return payload
        if status == "query-error":
            raise payload
        if status == "memory":
            raise WorkerLost(payload)
        raise RuntimeError(f"worker failed: {payload}")

    # -- state --------------------------------------------------------------------------------------

    def busy(self) -> int:
        with self._lock:
            return self._busy

    def stats(self) -> ExecutorStats:
        with self._lock:
            return ExecutorStats(workers=len(self._workers), busy=self._busy, idle=self._idle.qsize(),
                                 pids=sorted(self._workers), **self._counts)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        with self._lock:
            workers = list(self._workers.values())
        for w in workers:
            self._retire(w)
        if self._ctrl is not None:
            self._ctrl.close()
        self._reap_zygote(wait=True)


# -- one pool per store ------------------------------------------------------------------------------

_executors: dict[tuple, QueryExecutor] = {}
_registry_lock = threading.Lock()


def supports_workers(store) -> bool:
    from .local import MemoryStore, OxigraphStore

    return hasattr(os, "fork") and hasattr(socket, "send_fds") and isinstance(store, (MemoryStore, OxigraphStore))


def executor_for(store, workers: int | None = None, memory_mb: int | None = DEFAULT_MEMORY_MB,
                 warmup: Callable[[], object] | None = None) -> QueryExecutor | None:
    """The pool of this store (started on first use); None when queries run in the calling thread
    (``workers == 0``, a store that is not embedded, no ``fork``). ``warmup`` runs in this
    process before a new pool forks, so that what it builds (e.g. the checker) is inherited."""
    if workers == 0 or not supports_workers(store):
        return None
    key = (id(store), workers or default_workers(), memory_mb or None)
    with _registry_lock:
        ex = _executors.get(key)
        if ex is None or ex.closed or ex.store is not store:
            if warmup is not None:
                try:
                    warmup()
                except Exception:  # the workers build it themselves then
                    log.exception("warming up before starting the query workers failed")
            ex = QueryExecutor(store, workers, memory_mb)
            _executors[key] = ex
        return ex


def execute(store, sparql: str, default_graph_uris=(), named_graph_uris=(), *, timeout: float | None = DEFAULT_TIMEOUT,
            max_rows: int | None = DEFAULT_MAX_ROWS, max_bytes: int | None = DEFAULT_MAX_BYTES, workers: int | None = None,
            memory_mb: int | None = DEFAULT_MEMORY_MB, warmup: Callable[[], object] | None = None) -> tuple[QueryResult, bool]:
    """Run ``sparql`` on ``store`` within the limits: (result, truncated)."""
    ex = executor_for(store, workers, memory_mb, warmup)
    if ex is not None:
        return ex.run(sparql, default_graph_uris, named_graph_uris, timeout, max_rows, max_bytes)
    try:
        return _query_capped(store, sparql, list(default_graph_uris), list(named_graph_uris), max_rows or None,
                             max_bytes or None)
    except RecursionError:
        raise NestedTooDeeply("the query is nested too deeply to be processed") from None


def call(store, fn: Callable, args: tuple = (), *, timeout: float | None = DEFAULT_TIMEOUT, workers: int | None = None,
         memory_mb: int | None = DEFAULT_MEMORY_MB, warmup: Callable[[], object] | None = None):
    """Run the task ``fn`` (registered with ``task``) with ``args`` in a worker of ``store``'s pool
    within ``timeout`` seconds — or in the calling thread when there is no pool."""
    ex = executor_for(store, workers, memory_mb, warmup)
    if ex is None:
        try:
            return fn(*args)
        except RecursionError:
            raise NestedTooDeeply("the request is nested too deeply to be processed") from None
    return ex.call(task_name(fn), args, timeout)


def shutdown() -> None:
    with _registry_lock:
        executors = list(_executors.values())
        _executors.clear()
    for ex in executors:
        try:
            ex.close()
        except Exception:
            pass


atexit.register(shutdown)

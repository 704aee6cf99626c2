"""The worker side of the query executor: the registry of tasks a worker may run, and what runs
in a forked worker process — memory limit, death with the parent, the capped query, the
encoding of answers for the pipe, the worker loop and the zygote that forks workers."""

from __future__ import annotations

import os
import pickle
import signal
import socket
import struct
import sys
from multiprocessing.connection import Connection
from typing import Callable

from rdflib import Graph

from .answer_cap import NestedTooDeeply, cap_bytes
from .local import truncate
from .results import QueryError, QueryResult
from .sandbox import forbid_network, isolate_network

_TASKS: dict[str, Callable] = {}


def task(fn: Callable) -> Callable:
    """Register ``fn`` (a module-level function; its arguments and result are pickled) so that
    ``QueryExecutor.call``/``call`` can run it in a worker under a time limit. Register at import
    time: workers know the tasks registered before the pool started."""
    _TASKS[f"{fn.__module__}:{fn.__qualname__}"] = fn
    return fn


def task_name(fn: Callable) -> str:
    return f"{fn.__module__}:{fn.__qualname__}"


def _die_with_parent() -> None:
    """Linux: get SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    except Exception:  # no libc through ctypes: end-of-file on the sockets still ends us
        pass


def _memory_kb() -> tuple[int, int]:
    """(virtual size, resident size) of this process in KiB (Linux /proc; else best effort)."""
    try:
        with open("/proc/self/statm") as f:
            size, resident = f.read().split()[:2]
        page = os.sysconf("SC_PAGE_SIZE") // 1024
        return int(size) * page, int(resident) * page
    except OSError:
        import resource

        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return 0, rss // 1024 if sys.platform == "darwin" else rss


def _limit_memory(memory_mb: int | None) -> None:
    if not memory_mb:
        return
    try:
        import resource

        vsize_kb, _ = _memory_kb()
        if vsize_kb:
            limit = (vsize_kb + memory_mb * 1024) * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass


def _query_capped(store, sparql, defaults, named, max_rows, max_bytes) -> tuple[QueryResult, bool]:
    if hasattr(store, "query_limited"):
        result, truncated = store.query_limited(sparql, defaults, named, max_rows)
    else:
        result, truncated = truncate(store.query(sparql, defaults, named), max_rows)
    return cap_bytes(result, truncated, max_bytes)


def _encode(result: QueryResult, truncated: bool) -> tuple:
    if result.kind == "graph":
        return ("graph", None, list(result.graph or ()), None, truncated)
    return (result.kind, result.variables, result.rows, result.boolean, truncated)


def _decode(payload: tuple) -> tuple[QueryResult, bool]:
    kind, variables, rows, boolean, truncated = payload
    if kind == "graph":
        g = Graph()
        for t in rows:
            g.add(t)
        return QueryResult("graph", graph=g), truncated
    return QueryResult(kind, variables or [], rows or [], boolean), truncated


def _worker_main(fd: int, store, memory_mb: int | None) -> None:
    conn = Connection(fd)
    _die_with_parent()
    try:  # a crash dump of the worker would show the *server's* inherited stack: misleading
        import faulthandler

        faulthandler.disable()
    except Exception:
        pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the server, which stops us
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    forbid_network()
    if hasattr(store, "after_fork"):
        store.after_fork()
    _limit_memory(memory_mb)
    _, rss_start = _memory_kb()
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        op = request[0]
        try:
            if op == "call":
                _op, name, args = request
                fn = _TASKS.get(name)
                if fn is None:
                    raise LookupError(f"no task {name!r} in query workers")
                reply = ("ok", fn(*args))
            else:
                _op, sparql, defaults, named, max_rows, max_bytes = request
                reply = ("ok", _encode(*_query_capped(store, sparql, defaults, named, max_rows, max_bytes)))
        except QueryError as exc:
            reply = ("query-error", exc)
        except MemoryError:
            reply = ("memory", "it needs more memory than a worker may use")
        except RecursionError:
            what = "query" if op != "call" else "request"
            reply = ("query-error", NestedTooDeeply(f"the {what} is nested too deeply to be processed"))
        except Exception as exc:  # reported to the parent, which logs it and answers 500
            reply = ("internal", f"{type(exc).__name__}: {exc}")
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            data = pickle.dumps(("memory", "the result needs more memory than a query worker may use"))
        except Exception as exc:
            data = pickle.dumps(("internal", f"result not transferable: {type(exc).__name__}: {exc}"))
        rss_grown = _memory_kb()[1] - rss_start
        try:
            conn.send_bytes(data)
            conn.send(rss_grown)
        except (OSError, ValueError):
            return


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    """``n`` bytes from the zygote's control socket (the server side reads the pid of a worker)."""
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError("the query worker factory is gone")
        buf += chunk
    return buf


def _zygote_main(ctrl: socket.socket, store, memory_mb: int | None, pdeathsig: bool) -> None:
    if pdeathsig:
        _die_with_parent()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the workers
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    network = isolate_network().encode("utf-8")  # every worker forks from here: none has a network
    ctrl.sendall(struct.pack("!i", len(network)) + network)
    while True:
        try:
            msg, fds, _flags, _addr = socket.recv_fds(ctrl, 1, 1)
        except OSError:
            return
        if not msg:
            for fd in fds:
                os.close(fd)
            return  # the server closed its end (or died)
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            ctrl.sendall(struct.pack("!i", -1))
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                ctrl.close()
                _worker_main(fds[0], store, memory_mb)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        os.close(fds[0])
        ctrl.sendall(struct.pack("!i", pid))

"""No network for the processes that run what a client sends (the query workers).

Two doors, both shut in the worker factory (the *zygote* of ``query_executor``) before it forks
any worker, so every worker inherits them:

1. **The kernel** (``isolate_network``): the process moves into a new, empty network namespace
   (``unshare(CLONE_NEWNET)``; without the privilege for that, inside a new user namespace,
   ``CLONE_NEWUSER | CLONE_NEWNET``, which Linux allows unprivileged processes where user
   namespaces are enabled). The namespace has only a loopback interface, and that one is down:
   no connection of any kind — Python, pyoxigraph's Rust HTTP client, any native code — reaches
   the host's loopback, the network or a name server. The Unix socket pairs the worker already
   holds keep working. Where neither is permitted (not Linux, a sandbox that forbids
   ``unshare``), the service logs a warning and relies on the next door and on the query guard.
2. **Python** (``forbid_network``): ``socket.connect`` and friends, ``getaddrinfo`` and
   ``urlopen`` raise ``PermissionError``.

``isolate_network`` returns what it achieved; ``QueryExecutor.network`` reports it (and
``cloudkader serve`` prints it on its start line).
"""

from __future__ import annotations

import logging
import socket
import sys

log = logging.getLogger(__name__)

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000

ISOLATED = "network namespace"
ISOLATED_USER = "user and network namespace"
PYTHON_ONLY = "python sockets only"


def _unshare(flags: int) -> int:
    """``unshare(2)``: 0, or the errno."""
    import ctypes
    import os

    if hasattr(os, "unshare"):  # Python 3.12+
        try:
            os.unshare(flags)
            return 0
        except OSError as exc:
            return exc.errno or -1
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) == 0:
        return 0
    return ctypes.get_errno() or -1


def isolate_network() -> str:
    """Move this (single-threaded) process into an empty network namespace; returns ISOLATED,
    ISOLATED_USER or PYTHON_ONLY (with a warning logged) — see the module docstring."""
    if not sys.platform.startswith("linux"):
        log.warning("query workers: no network namespace on %s; only Python sockets are blocked", sys.platform)
        return PYTHON_ONLY
    try:
        errno_net = _unshare(CLONE_NEWNET)
        if errno_net == 0:
            return ISOLATED
        errno_user = _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        if errno_user == 0:
            return ISOLATED_USER
    except Exception as exc:  # no libc through ctypes
        errno_net = errno_user = f"{type(exc).__name__}"
    log.warning("query workers: could not enter a new network namespace (unshare: %s; with a user namespace: %s); "
                "only Python sockets are blocked in them, native code (pyoxigraph) is kept off the network by the "
                "query guard alone", _strerror(errno_net), _strerror(errno_user))
    return PYTHON_ONLY


def _strerror(code) -> str:
    import os

    return os.strerror(code) if isinstance(code, int) and code > 0 else str(code)


def _no_network(*_args, **_kwargs):
    raise PermissionError("no network in a query worker: this endpoint makes no requests of its own")


def forbid_network() -> None:
    """From now on this process opens no connection at the Python level: every socket connect
    and name lookup raises."""
    for name in ("connect", "connect_ex", "sendto", "sendmsg"):
        try:
            setattr(socket.socket, name, _no_network)
        except (AttributeError, TypeError):
            pass
    socket.create_connection = _no_network
    socket.getaddrinfo = _no_network
    try:
        import urllib.request

        urllib.request.urlopen = _no_network
    except Exception:
        pass


def network_namespace(pid: int | str = "self") -> str | None:
    """The network namespace of process ``pid`` (Linux), to compare two processes' namespaces."""
    try:
        import os

        return os.readlink(f"/proc/{pid}/ns/net")
    except OSError:
        return None

"""Start the real HTTP service (``cloudkader serve``, waitress) in a child process on loopback,
wait until it answers, and stop it at teardown.

    with ServerProcess(["--load-graph", "http://example.org/g=data.nt"]) as server:
        requests.get(server.url + "/sparql", ...)

The server is started with ``--port 0``: the operating system picks a free port and the server
prints the URL it listens on, which this helper reads from its log — no race between choosing a
port and binding it. (``python -m cloudkader.cli`` is not used: run as ``__main__`` the CLI module
would not see the subcommands registered by ``cli_checks``/``cli_serve``; the helper calls
``cloudkader.cli.main`` like the ``cloudkader`` console script does.)

``server_factory`` is a session-scoped pytest fixture: ``server_factory(*args)`` starts one
server per distinct argument list and stops them all at the end of the session (each
pytest-xdist worker has its own).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
_URL = re.compile(r"serving on (http://\S+?)/? ")
LAUNCH = "import sys; from cloudkader.cli import main; sys.exit(main(sys.argv[1:]))"


class ServerProcess:
    def __init__(self, args: list[str] | tuple[str, ...] = (), store: str = "memory", timeout: float = 120.0,
                 env: dict[str, str] | None = None, cwd: Path | None = None):
        """``env`` (added to this process' environment) and ``cwd`` run another copy of the
        project, e.g. one on ``PYTHONPATH`` (tests/test_sixth_framework.py)."""
        self.extra_env = dict(env or {})
        self.cwd = cwd or ROOT
        self.args = list(args)
        self.store = store
        self.timeout = timeout
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self._log = None

    @property
    def log(self) -> str:
        if self._log is None:
            return ""
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def start(self) -> "ServerProcess":
        self._log = tempfile.NamedTemporaryFile(prefix="cloudkader-serve-", suffix=".log", delete=False)
        cmd = [sys.executable, "-c", LAUNCH, "serve", "--host", "127.0.0.1", "--port", "0",
               "--store", self.store, *self.args]
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.extra_env)
        self.proc = subprocess.Popen(cmd, cwd=self.cwd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"cloudkader serve exited with {self.proc.returncode}:\n{self.log}")
            if self.url is None:
                m = _URL.search(self.log)
                if m:
                    self.url = m.group(1).rstrip("/")
            if self.url is not None:
                try:
                    r = requests.get(self.url + "/sparql", headers={"Accept": "text/turtle"}, timeout=5)
                    if r.status_code == 200:
                        return self
                except requests.ConnectionError:
                    pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"cloudkader serve did not answer within {self.timeout} s:\n{self.log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.proc = None
        if self._log is not None:
            self._log.close()
            try:
                os.unlink(self._log.name)
            except OSError:
                pass
            self._log = None

    def __enter__(self) -> "ServerProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@pytest.fixture(scope="session")
def server_factory():
    servers: dict[tuple[str, ...], ServerProcess] = {}

    def start(*args: str, store: str = "memory") -> ServerProcess:
        key = (store, *args)
        if key not in servers:
            servers[key] = ServerProcess(list(args), store=store).start()
        return servers[key]

    yield start
    for s in servers.values():
        s.stop()

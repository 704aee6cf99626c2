"""A real ``oxigraph serve`` (the ``oxigraph`` package from PyPI) on loopback, for the tests of
``--store sparql:URL``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    local = Path(sys.executable).parent / "oxigraph"
    if local.exists():
        return str(local)
    found = shutil.which("oxigraph")
    if not found:
        raise RuntimeError("the oxigraph server binary is missing: pip install oxigraph (a test dependency)")
    return found


class OxigraphServer:
    def __init__(self, location: Path | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{self.port}"]
        if location is not None:
            args += ["--location", str(location)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited: {self.proc.stderr.read().decode(errors='replace')[:500]}")
            try:
                requests.get(f"{self.url}/query", params={"query": "ASK {}"}, timeout=1)
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("oxigraph serve did not start within 30 s")

    @property
    def store_spec(self) -> str:
        return f"sparql:{self.url}/query"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()

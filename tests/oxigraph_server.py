"""A real ``oxigraph serve`` (the ``oxigraph`` package from PyPI) on loopback, for the tests of
``--store sparql:URL``."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path

from .engine_process import EngineProcess


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


class OxigraphServer(EngineProcess):
    name = "oxigraph serve"

    def __init__(self, location: Path | None = None, timeout: float = 30):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [oxigraph_binary(), "serve", "--bind", f"127.0.0.1:{self.port}"]
        if location is not None:
            args += ["--location", str(location)]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.wait_until_it_answers(f"{self.url}/query", timeout)

    def output(self) -> str:
        return self.proc.stderr.read().decode(errors="replace")

    @property
    def store_spec(self) -> str:
        return f"sparql:{self.url}/query"

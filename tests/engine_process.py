"""A SPARQL engine's server process on loopback for the tests of ``--store sparql:URL`` (oxigraph
serve, Virtuoso, Jena ARQ): its own temporary directory where it needs one, started by the subclass, waited for until it answers
``ASK {}``, stopped (and its files removed) at teardown."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import requests


class EngineProcess:
    name = "engine"
    dir: Path | None = None  # the engine's own files, removed at stop
    proc: subprocess.Popen

    def output(self) -> str:
        """What the engine wrote (its log), for the message when it does not start."""
        return ""

    def wait_until_it_answers(self, query_url: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                output = self.output()
                self.stop()
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}: {output[-1500:]}")
            try:
                if requests.get(query_url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not answer within {timeout} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)

"""A real Virtuoso (``virtuoso-t`` of Debian's virtuoso-opensource, installed by ``make virtuoso``)
on loopback, for the tests of ``--store sparql:URL``: a fresh database in a temporary directory,
its own ini file, free ports for SQL and HTTP, stopped (and its files removed) at teardown.

A fresh database has the user ``dba`` with password ``dba``; the store spec carries them, so
cloudkader loads the corpus through Virtuoso's authenticated Graph Store
(``/sparql-graph-crud-auth``, HTTP Digest) and queries ``/sparql`` anonymously."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests

from .oxigraph_server import free_port

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = ., {d}
CheckpointInterval = 0

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 100000
MaxQueryExecutionTime = 60
"""


def virtuoso_binary() -> str | None:
    return shutil.which("virtuoso-t")


class VirtuosoServer:
    def __init__(self, timeout: float = 120):
        binary = virtuoso_binary()
        if binary is None:
            raise RuntimeError("virtuoso-t is missing: run `make virtuoso` (Debian virtuoso-opensource)")
        self.dir = Path(tempfile.mkdtemp(prefix="cloudkader-virtuoso-"))
        self.http_port = free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        ini = self.dir / "virtuoso.ini"
        ini.write_text(INI.format(d=self.dir, sql=free_port(), http=self.http_port), encoding="utf-8")
        self.proc = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=self.dir,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.dir / "virtuoso.log").read_text(errors="replace") if (self.dir / "virtuoso.log").exists() else ""
                self.stop()
                raise RuntimeError(f"virtuoso-t exited with {self.proc.returncode}: {log[-800:]}")
            try:
                r = requests.get(f"{self.url}/sparql", params={"query": "ASK {}"}, timeout=2)
                if r.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"virtuoso-t did not answer within {timeout} s")

    @property
    def store_spec(self) -> str:
        return f"sparql:http://dba:dba@127.0.0.1:{self.http_port}/sparql"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

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
from pathlib import Path

from .engine_process import EngineProcess
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


class VirtuosoServer(EngineProcess):
    name = "virtuoso-t"

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
        self.wait_until_it_answers(f"{self.url}/sparql", timeout)

    def output(self) -> str:
        log = self.dir / "virtuoso.log"
        return log.read_text(errors="replace") if log.exists() else ""

    @property
    def store_spec(self) -> str:
        return f"sparql:http://dba:dba@127.0.0.1:{self.http_port}/sparql"

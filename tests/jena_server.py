"""Jena ARQ on loopback behind Fuseki's protocols, for the tests of ``--store sparql:URL``:
``tests/engines/JenaEndpoint.java`` (a test endpoint standing in for Fuseki, which Debian does not
package) compiled with ``javac`` against Debian's ``libapache-jena-java`` jars (``make jena``) into a
temporary directory, started with a fresh in-memory dataset ``/ds`` and stopped at teardown."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .engine_process import EngineProcess
from .oxigraph_server import free_port

SOURCE = Path(__file__).parent / "engines" / "JenaEndpoint.java"
JARS = Path("/usr/share/java")
# Jena's own jars and what they need at run time (the Depends of libapache-jena-java), with one
# slf4j binding: /usr/share/java holds several, and some of them loop into each other
DEPENDENCIES = ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
                "dexx.collection", "gson", "guava", "httpclient", "httpcore", "jackson-annotations", "jackson-core",
                "jackson-databind", "jsonld-java", "jakarta.json-api", "titanium-json-ld", "protobuf", "thrift",
                "slf4j-api", "slf4j-simple")
JENA = ("jena-base", "jena-core", "jena-iri", "jena-arq")


def jena_missing() -> str | None:
    """Why the endpoint cannot be built here (None when it can)."""
    if shutil.which("javac") is None or shutil.which("java") is None:
        return "javac/java are missing (Debian default-jdk-headless)"
    absent = [n for n in JENA + DEPENDENCIES if not (JARS / f"{n}.jar").exists()]
    return f"jars missing from {JARS}: {', '.join(absent)} (Debian libapache-jena-java)" if absent else None


def _relocate_xerces_messages(classes: Path) -> None:
    """Debian's jena-core has Jena's copy of Xerces in package ``xerces`` but left its message
    files under ``org/apache/jena/ext/xerces``: without them at ``xerces/…`` Jena cannot start
    (``XSDDatatype`` fails with "internal error": the regex of ``xsd:language`` finds no messages).
    They are put there, beside the compiled endpoint."""
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(JARS / "jena-core.jar") as jar:
        for name in jar.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                target = classes / "xerces" / name[len(prefix):]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(jar.read(name))


class JenaServer(EngineProcess):
    name = "JenaEndpoint"
    dataset = "/ds"

    def __init__(self, timeout: float = 60):
        reason = jena_missing()
        if reason:
            raise RuntimeError(reason)
        self.dir = Path(tempfile.mkdtemp(prefix="cloudkader-jena-"))
        classpath = ":".join(str(JARS / f"{n}.jar") for n in JENA + DEPENDENCIES)
        done = subprocess.run(["javac", "-nowarn", "-d", str(self.dir), "-cp", classpath, str(SOURCE)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise RuntimeError(f"javac {SOURCE.name} failed: {done.stderr[-1500:]}")
        _relocate_xerces_messages(self.dir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{self.dataset}"
        self.log = self.dir / "endpoint.log"
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(["java", "-Xmx1g", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp",
                                          f"{classpath}:{self.dir}", "JenaEndpoint", str(self.port), self.dataset],
                                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_until_it_answers(f"{self.url}/query", timeout)

    @property
    def store_spec(self) -> str:
        return f"sparql:{self.url}/sparql"

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

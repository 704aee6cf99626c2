"""The installed wheel, end to end (issue 15): a wheel built from a fresh copy of the repository
(the files git knows, as a clone has them), installed in a fresh virtual environment, used from
another directory with only that environment on PATH — no Java, no checkout, no network — answers
with the documented exit statuses, reads standard input, writes SARIF and JUnit that their
published schemas accept, serves its Python API, keeps its cache out of site-packages, and the
repository's pre-commit hook runs it through ``pre-commit try-repo``.

One test, because building and installing is the slow part (pip uses its cache; the registry is
the only network). The fast unit tests of the same behaviour are in tests/test_ci_outputs.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
from lxml import etree

from cloudkader import __version__
from cloudkader.terms import paths

VENDOR = Path(__file__).parent / "vendor"
EXAMPLES = paths.ROOT / "examples"
PREFIXES = """@prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix org: <https://w3id.org/cloudkader/id/org/> .
"""


def _run(cmd, env, cwd, stdin=None, timeout=300):
    return subprocess.run(cmd, env=env, cwd=cwd, input=stdin, capture_output=True, timeout=timeout)


def _fresh_clone(dest: Path) -> Path:
    """The repository as a clone of the working tree has it: the files git tracks (and new ones
    it would add), uncommitted edits included; then committed in a new repository, for try-repo."""
    listed = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=paths.ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = paths.ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "-c", "commit.gpgsign=false"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "clone"]):
        subprocess.run(git + cmd, cwd=dest, check=True, capture_output=True)
    return dest


def test_installed_wheel_end_to_end(tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    dist, venv, home, work = (tmp_path / n for n in ("dist", "venv", "home", "work"))
    for d in (home, work):
        d.mkdir()
    build_env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDKADER_")}
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(clone)], build_env, tmp_path)
    assert built.returncode == 0, built.stderr.decode()[-3000:]
    [wheel] = dist.glob("cloudkader-*.whl")
    assert not (clone / "build" / "corpus.nq").exists()
    # a fresh environment without pip of its own: the test's pip installs into it (saves ensurepip)
    made = _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], build_env, tmp_path)
    assert made.returncode == 0, made.stderr.decode()
    installed = _run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q", str(wheel)],
                     build_env, tmp_path)
    assert installed.returncode == 0, installed.stderr.decode()[-3000:]

    # only the fresh environment on PATH: no java, no git, no checkout; HOME for the user cache
    env = {"PATH": str(venv / "bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    assert shutil.which("java", path=env["PATH"]) is None
    for name in ("caelus.ttl", "rijk-ienw-saas.ttl"):
        shutil.copy2(EXAMPLES / name, work / name)
    (work / "undetermined.ttl").write_text(PREFIXES + "<https://example.org/u> a ckd:CloudService ; ckd:usedBy org:bzk .\n",
                                           encoding="utf-8")
    (work / "bad.ttl").write_text(PREFIXES + "<https://example.org/b> a ckd:CloudService ;\n ckd:usedBy org:bzk org:tk .\n",
                                  encoding="utf-8")

    def ck(*args, stdin=None):
        return _run(["cloudkader", *args], env, work, stdin)

    version = ck("--version")
    assert (version.returncode, version.stdout.decode().strip()) == (0, f"cloudkader {__version__}")
    assert ck("validate", "undetermined.ttl").returncode == 3  # exit 0: the pre-commit hook's passing run below
    # standard input, a good file and a bad one: the bad one named (exit 2), the others checked, in JUnit
    junit = ck("validate", "-", "rijk-ienw-saas.ttl", "bad.ttl", "--format", "junit", stdin=(work / "caelus.ttl").read_bytes())
    assert junit.returncode == 2, junit.stderr.decode()
    doc = etree.fromstring(junit.stdout)
    etree.XMLSchema(etree.parse(str(VENDOR / "junit" / "junit-10.xsd"))).assertValid(doc)
    suites = {s.get("name"): s for s in doc.iter("testsuite")}
    assert suites["<stdin>"].get("failures") == "1" and suites["rijk-ienw-saas.ttl"].get("failures") == "0"
    assert "bad.ttl: malformed Turtle: line 4, column" in suites["input"].find("testcase/error").get("message")
    sarif = ck("validate", "caelus.ttl", "undetermined.ttl", "--format", "sarif")
    assert sarif.returncode == 1
    schema = json.loads((VENDOR / "sarif" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(json.loads(sarif.stdout))
    # a register kept as a spreadsheet (CSV on the Web metadata and the JSON-LD context ship in the package)
    shutil.copy2(EXAMPLES / "register.csv", work / "register.csv")
    register = ck("validate", "register.csv", "--format", "json")
    assert register.returncode == 1, register.stderr.decode()
    assert len(json.loads(register.stdout)["services"]) > 5
    (work / "plain.json").write_text(json.dumps({"id": "https://example.org/p", "type": "CloudService", "usedBy": "bzk"}),
                                     encoding="utf-8")
    plain = ck("validate", "plain.json", "--format", "json")
    assert plain.returncode == 3, plain.stderr.decode()
    assert ck("query", "--name", "frameworks", "--store", "sparql:http://127.0.0.1:9/sparql").returncode == 4
    queries = ck("queries")
    assert queries.returncode == 0 and b"frameworks" in queries.stdout

    api = _run(["python", "-c", "import cloudkader, os, sys; r = cloudkader.validate('caelus.ttl'); "
                "print(os.path.dirname(cloudkader.__file__)); "
                "print(r.outcome, r.services[0].findings[0].provision); sys.exit(r.exit_status())"], env, work)
    assert api.returncode == 1, api.stderr.decode()
    site, verdict = api.stdout.decode().splitlines()
    assert verdict.startswith("violates https://w3id.org/cloudkader/id/")
    site = Path(site)
    assert (site / "_data" / "compiled" / "corpus.nq").is_file()
    assert not (site.parent / "build").exists() and not (site / "_data" / "compiled" / "knowledge.pickle").exists()
    assert list((home / ".cache" / "cloudkader").glob("site-*/knowledge.pickle"))
    assert not (work / "build").exists()

    # the repository's pre-commit hook, through try-repo on a local project (git on PATH for
    # pre-commit; the system hook runs the cloudkader of the fresh environment)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy2(EXAMPLES / "caelus.ttl", project / "caelus.ttl")
    shutil.copy2(EXAMPLES / "rijk-ienw-saas.ttl", project / "ok.ttl")
    hook_env = {**env, "PATH": os.pathsep.join([str(venv / "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
                "PRE_COMMIT_HOME": str(tmp_path / "pre-commit"), "GIT_CONFIG_NOSYSTEM": "1"}
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    for cmd in (["init", "-q"], ["add", "-A"]):
        subprocess.run(git + cmd, cwd=project, check=True, capture_output=True, env=hook_env)
    pre_commit = [str(Path(sys.executable).parent / "pre-commit"), "try-repo", str(clone), "cloudkader-validate-system"]
    passing = _run(pre_commit + ["--files", "ok.ttl"], hook_env, project)
    assert passing.returncode == 0, passing.stdout.decode()[-2000:]
    failing = _run(pre_commit + ["--files", "caelus.ttl", "ok.ttl"], hook_env, project)
    assert failing.returncode == 1 and b"rijk/voorwaarde-4" in failing.stdout, failing.stdout.decode()[-2000:]

"""The command line in a pipeline (issue 15): exit statuses and ``--fail-on``, ``-`` for standard
input, several files with a bad one, results naming their source file, syntax errors with line
and column, ``--help`` explaining every option, SARIF 2.1.0 and JUnit XML checked against their
published schemas (vendored in tests/vendor, provenance in each VENDORED file), the Python API and
where the corpus cache lives. The installed wheel is tested end to end in tests/test_wheel.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from lxml import etree

from cloudkader.terms import paths

from .conftest import EXAMPLES

VENDOR = Path(__file__).parent / "vendor"
CAELUS = EXAMPLES / "caelus.ttl"  # violates (exit 1)
CONFORMING = EXAMPLES / "rijk-ienw-saas.ttl"  # conforms, no warning (exit 0 even with --fail-on warning)
ADVICE = EXAMPLES / "jenv-teams-videovergaderen.ttl"  # conforms, with warnings or advice
UNDETERMINED = "ex:u a ckd:CloudService ; ckd:usedBy org:bzk .\n"  # no facts: every check undetermined
BAD = "ex:b a ckd:CloudService ;\n  ckd:usedBy org:bzk org:jenv .\n"  # a syntax error on line 8 (6 prefix lines)


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads((VENDOR / "sarif" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


@pytest.fixture(scope="module")
def junit_schema():
    return etree.XMLSchema(etree.parse(str(VENDOR / "junit" / "junit-10.xsd")))


def test_exit_statuses_and_fail_on(cli, ttl):
    undetermined = ttl(UNDETERMINED)
    cases = [((CONFORMING,), 0), ((CAELUS,), 1), ((undetermined,), 3),
             ((undetermined, "--fail-on", "violation"), 0), ((undetermined, "--fail-on", "warning"), 3),
             ((CAELUS, "--fail-on", "violation"), 1), ((ADVICE,), 0), ((ADVICE, "--fail-on", "warning"), 1),
             ((CONFORMING, "--fail-on", "warning"), 0)]
    for args, status in cases:
        assert cli("validate", *args).code == status, args
    advice = cli("validate", ADVICE, "--format", "json").json()
    assert advice["conforms"] and any(r["severity"] in ("Warning", "Violation") for s in advice["services"]
                                      for r in s["results"])
    with pytest.raises(SystemExit) as usage:
        cli("validate", CAELUS, "--fail-on", "never")
    assert usage.value.code == 2


def test_internal_error_is_neither_0_nor_1(cli):
    run = cli("query", "--name", "frameworks", "--store", "sparql:http://127.0.0.1:9/sparql")
    assert run.code == 4 and "internal error" in run.err and "Traceback" not in run.err
    assert cli("query", "--name", "frameworks", "--store", "nonsense").code == 2


def test_stdin_and_sources(cli, ttl, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CAELUS.read_bytes())))
    run = cli("validate", "-", CONFORMING, "--format", "json")
    assert run.code == 1
    by = {s["service"]: s["sources"] for s in run.json()["services"]}
    assert by["https://example.org/caelus"] == ["<stdin>"]
    assert [str(CONFORMING)] in by.values()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(CAELUS.read_bytes())))
    text = cli("validate", "-").out
    assert text.startswith("<stdin>: https://example.org/caelus")


def test_a_bad_file_is_named_and_the_others_checked(cli, ttl):
    bad = ttl(BAD, name="bad.ttl")
    run = cli("validate", CAELUS, bad, "missing.ttl")
    assert run.code == 2
    errors = run.err.splitlines()
    assert len(errors) == 2 and "missing.ttl: no such file" in errors[1]
    assert errors[0].startswith(f"cloudkader validate: error: {bad}: malformed Turtle: line 8, column ")
    assert "b'" not in run.err and "\\n" not in run.err
    assert run.out.startswith(f"{CAELUS}: https://example.org/caelus")
    assert "2 file(s) not checked" in run.out


def test_validate_help_explains_every_option(cli):
    from cloudkader.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in ("validate", "applicable"):
        for action in sub.choices[name]._actions:
            assert action.help, (name, action.option_strings or action.dest)
    with pytest.raises(SystemExit):
        cli("validate", "--help")
    for top in (["--help"], ["validate", "--help"]):
        with pytest.raises(SystemExit) as exit_:
            build_parser().parse_args(top)
        assert exit_.value.code == 0
    out = subprocess.run([sys.executable, "-m", "cloudkader.cli", "validate", "--help"], capture_output=True,
                         text=True, timeout=60).stdout
    for needle in ("--fail-on", "sarif", "junit", "standard input", "4  internal error", "3  no violation, but some check is undetermined"):
        assert needle in out, needle


def test_version(cli, capsys):
    import tomllib

    from cloudkader import __version__

    assert __version__ == tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

    with pytest.raises(SystemExit) as exit_:
        cli("--version")
    assert exit_.value.code == 0 and capsys.readouterr().out.strip() == f"cloudkader {__version__}"


def test_sarif_against_the_published_schema(cli, ttl, sarif_validator):
    undetermined = ttl(UNDETERMINED, name="undetermined.ttl")
    bad = ttl(BAD, name="bad.ttl")
    run = cli("validate", CAELUS, ADVICE, undetermined, bad, "--format", "sarif")
    assert run.code == 2 and run.err == ""
    doc = json.loads(run.out)
    sarif_validator.validate(doc)
    [r] = doc["runs"]
    levels = {(x["kind"], x["level"]) for x in r["results"]}
    assert {("fail", "error"), ("fail", "warning"), ("open", "none")} <= levels
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for x in r["results"] for loc in x["locations"]}
    assert uris == {str(CAELUS), str(ADVICE), str(undetermined)}
    [note] = r["invocations"][0]["toolExecutionNotifications"]
    assert note["level"] == "error" and "line 8" in note["message"]["text"]
    assert r["invocations"][0]["executionSuccessful"] is False
    rules = r["tool"]["driver"]["rules"]
    assert all(rules[x["ruleIndex"]]["id"] == x["ruleId"] for x in r["results"])
    voorwaarde4 = next(x for x in rules if x["id"] == "rijk/voorwaarde-4")
    assert voorwaarde4["helpUri"] == "https://w3id.org/cloudkader/id/rijk/voorwaarde-4"


def test_junit_against_the_published_schema(cli, ttl, junit_schema):
    bad = ttl(BAD, name="bad.ttl")
    run = cli("validate", CAELUS, CONFORMING, bad, "--format", "junit")
    assert run.code == 2
    doc = etree.fromstring(run.out.encode("utf-8"))
    junit_schema.assertValid(doc)
    suites = {s.get("name"): s for s in doc.iter("testsuite")}
    assert suites[str(CAELUS)].get("failures") == "1"  # one service (test case), three failures in it
    assert len(suites[str(CAELUS)].findall("testcase/failure")) == 3
    assert suites[str(CONFORMING)].get("failures") == "0"
    assert suites["input"].get("errors") == "1" and str(bad) in suites["input"].find("testcase/error").get("message")
    assert doc.get("tests") == "3"
    # nothing could be checked: still a valid report, exit 2
    only_bad = cli("validate", bad, "--format", "junit")
    assert only_bad.code == 2
    junit_schema.assertValid(etree.fromstring(only_bad.out.encode("utf-8")))


def test_python_api(ttl):
    import cloudkader

    result = cloudkader.validate(CAELUS, CONFORMING)
    assert isinstance(result, cloudkader.Validation) and result.outcome == "violates" and result.exit_status() == 1
    by = {s.service: s for s in result.services}
    caelus = by["https://example.org/caelus"]
    assert caelus.sources == (str(CAELUS),) and not caelus.conforms
    assert any(isinstance(f, cloudkader.Finding) and f.blocking and f.provision.endswith("rijk/voorwaarde-4")
               for f in caelus.findings)
    undetermined = cloudkader.validate(data=Path(ttl(UNDETERMINED)).read_text(encoding="utf-8"))
    assert undetermined.outcome == "undetermined" and undetermined.exit_status() == 3
    assert undetermined.exit_status("violation") == 0
    assert all(u.missing_labels for u in undetermined.services[0].undetermined)
    applicable = cloudkader.applicable(CAELUS)
    assert "https://w3id.org/cloudkader/id/rijk" in {f.framework for f in applicable.services[0].frameworks}
    assert applicable.services[0].provisions
    with pytest.raises(cloudkader.InputError, match="line 8, column"):
        cloudkader.validate(ttl(BAD))
    with pytest.raises(cloudkader.InputError, match="no such file"):
        cloudkader.validate("nowhere.ttl")


def test_python_api_matches_the_command_line(cli):
    import cloudkader

    assert cloudkader.validate(CAELUS).as_json() == cli("validate", CAELUS, "--format", "json").json()


def test_cache_is_neither_in_the_package_nor_in_build():
    env = {k: v for k, v in os.environ.items() if k != "CLOUDKADER_BUILD_DIR"}
    out = subprocess.run([sys.executable, "-c", "import cloudkader.terms.paths as p; print(p.BUILD_DIR)"],
                         capture_output=True, text=True, env=env, timeout=60).stdout.strip()
    cache = Path(out)
    assert cache.name != "build" and "build" not in cache.relative_to(cache.anchor).parts
    assert paths.PACKAGE not in cache.parents and paths.ROOT not in cache.parents

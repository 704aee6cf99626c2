"""The W3C SHACL Core test suite (98 tests, ``../shared/w3c/shacl-core``) through
``cloudkader shacl``, the default engine as a plain SHACL processor: every test must give the
expected validation report — isomorphic after the suite's normalisation (``w3c_shacl``) — and
the exit status that goes with it, or be refused with exit 2 before anything is evaluated.
No test may get a wrong answer, and at least 90 must be answered."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys

import pytest
from rdflib import Graph

from cloudkader import cli

from .w3c_shacl import SH, SUITE, cases, conforms, same_report

pytestmark = pytest.mark.skipif(not (SUITE / "manifest.ttl").is_file(), reason=f"W3C suite not at {SUITE}")


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = cli.main(argv)
    return rc, out.getvalue(), err.getvalue()


def _argv(case) -> list[str]:
    return [str(case.data), "--shapes", str(case.shapes)]


@pytest.fixture(scope="module")
def outcomes():
    """(case, exit status, report graph or None, stderr) for every test of the suite."""
    out = []
    for case in cases():
        rc, text, err = _run(["shacl", *_argv(case), "--format", "turtle"])
        report = Graph().parse(data=text, format="turtle") if rc in (0, 1) else None
        out.append((case, rc, report, err))
    return out


def test_the_suite_is_complete(outcomes):
    assert len(outcomes) == 98


def test_no_wrong_answer_and_at_least_90_right(outcomes):
    wrong, refused, right = [], [], []
    for case, rc, report, err in outcomes:
        if rc == 2:
            assert "refused" in err, (case.name, err)
            refused.append(case.name)
        elif same_report(report, case) and rc == (0 if conforms(report) else 1):
            right.append(case.name)
        else:
            wrong.append(case.name)
    assert wrong == []
    assert len(right) >= 90, refused


def test_conforms_is_false_whenever_there_is_a_result(outcomes):
    # SHACL 3.6.1.1, whatever the severity (misc/severity-00x have only custom severities)
    for case, rc, report, _ in outcomes:
        if report is not None:
            has_results = (None, SH.result, None) in report
            assert conforms(report) is (not has_results), case.name
            assert rc == (1 if has_results else 0), case.name


@pytest.mark.parametrize("name", ["node/class-001.ttl", "path/path-complex-002.ttl", "core/property/minCount-001.ttl"])
def test_as_a_real_process(name):
    by_name = {c.name: c for c in cases()}
    case = by_name.get(name) or by_name[name.removeprefix("core/")]
    proc = subprocess.run([sys.executable, "-m", "cloudkader.cli", "shacl", *_argv(case), "--format", "turtle"],
                          capture_output=True, text=True, timeout=120)
    report = Graph().parse(data=proc.stdout, format="turtle")
    assert same_report(report, case), proc.stdout
    assert proc.returncode == (0 if conforms(report) else 1)


def test_json_ld_and_text_formats():
    case = {c.name: c for c in cases()}["node/class-001.ttl"]
    rc, text, _ = _run(["shacl", *_argv(case), "--format", "json-ld"])
    assert rc == 1 and same_report(Graph().parse(data=text, format="json-ld"), case)
    rc, text, _ = _run(["shacl", *_argv(case), "--format", "text"])
    assert rc == 1 and "Quokki" in text and "ClassConstraintComponent" in text and "2 result(s)" in text


def test_shapes_beyond_core_are_refused_with_the_reason(tmp_path):
    shapes = tmp_path / "sparql.ttl"
    shapes.write_text("""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ;
  sh:sparql [ sh:select "SELECT $this WHERE { $this a ex:C }" ; sh:prefixes ex: ] .
ex: sh:declare [ sh:prefix "ex" ; sh:namespace "http://example.org/"^^<http://www.w3.org/2001/XMLSchema#anyURI> ] .""")
    data = tmp_path / "data.ttl"
    data.write_text("@prefix ex: <http://example.org/> . ex:a a ex:C .")
    rc, out, err = _run(["shacl", str(data), "--shapes", str(shapes)])
    assert rc == 2 and out == ""
    assert "refused" in err and "sh:sparql" in err
    rc, out, _ = _run(["shacl", str(data), "--shapes", str(shapes), "--engine", "pyshacl", "--format", "text"])
    assert rc == 1 and "SPARQLConstraintComponent" in out  # the reference evaluates it


def test_bad_input_exits_2(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("this is not turtle .")
    rc, out, err = _run(["shacl", str(bad), "--shapes", str(bad)])
    assert rc == 2 and out == "" and "not readable as RDF" in err
    rc, _, err = _run(["shacl", str(tmp_path / "missing.ttl")])
    assert rc == 2 and "no such file" in err

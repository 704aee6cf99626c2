"""Batch validation (``cloudkader validate FILE… [--jobs N]``, :mod:`cloudkader.checks.batch`) gives,
for every service, exactly what validating that service alone on the reference path gives
(``Checker.check`` on a description with that one service): the same JSON, byte for byte, and
the same exit status — on the real register, on the examples read together, on generated
registers (one process and several), with ``--framework``, in the text and report formats, for
data the cache cannot take (regions that are not trees), and for bad input (the reference
reader's messages)."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from cloudkader.checks import batch, batch_complete
from cloudkader import core
from cloudkader.terms import paths
from cloudkader.checks.validation import validation_json
from cloudkader.checks.description import format_for_filename
from cloudkader.terms.namespaces import SH

from .test_engines_agree import generated

REGISTER = paths.DATA_DIR / "register" / "kamerbrief-2024.ttl"
EXAMPLES = sorted(paths.EXAMPLES_DIR.glob("*.ttl"))


def _generator():
    spec = importlib.util.spec_from_file_location("generate_register", paths.ROOT / "bench" / "generate_register.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def one_by_one(files: list[Path], frameworks: set[str] | None = None) -> tuple[str, int, list]:
    """The oracle: every service validated alone on the reference path, printed as the CLI
    prints ``--format json``."""
    descs = [core.read_description(f.read_bytes(), format_for_filename(f.name), str(f)) for f in files]
    reports, _ = batch.reference_reports(core.merge(descs), core.get_checker(), frameworks)
    result = validation_json(reports)
    from cloudkader.cli.checks import add_sources, exit_status
    from cloudkader.cli.inputs import Input

    add_sources(result, [Input(str(f), f.read_bytes(), format_for_filename(f.name)) for f in files])

    return json.dumps(result, ensure_ascii=False, indent=2) + "\n", exit_status(result), reports


@pytest.fixture(scope="module")
def register_300(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("batch") / "register-300.ttl"
    p.write_text("\n".join(_generator().generate(300, seed=11)) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def random_300(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("batch") / "random-300.ttl"
    p.write_text(generated(300, seed=3), encoding="utf-8")
    return p


def _same(cli, files, *extra):
    expected, status, _ = one_by_one(files)
    run = cli("validate", *files, "--format", "json", *extra)
    assert run.err == ""  # no progress bar when stderr is not a terminal
    assert run.code == status
    assert run.out == expected
    return run


def test_register(cli):
    run = _same(cli, [REGISTER], "--jobs", "1")
    assert len(run.json()["services"]) > 10


def test_examples_read_together(cli):
    _same(cli, EXAMPLES + [REGISTER])


def test_generated_register(cli, register_300):
    _same(cli, [register_300], "--jobs", "1")


def test_random_register(cli, random_300):
    _same(cli, [random_300], "--jobs", "1")


def test_generated_register_n_triples(cli, tmp_path):
    p = tmp_path / "register.nt"
    p.write_text("\n".join(_generator().generate(120, seed=5, short=False)) + "\n", encoding="utf-8")
    _same(cli, [p])


def test_services_alike_share_the_completeness_pass(cli, tmp_path, monkeypatch):
    """Copies of the Kamerbrief register (each its own services and nodes, some facts left out:
    bench/_common.copies): services with the same content that miss the same facts are run once
    in the completeness pass, and every service still gets the reference's answer."""
    spec = importlib.util.spec_from_file_location("cloudkader_bench_common", paths.ROOT / "bench" / "_common.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    p = tmp_path / "copies.nt"
    p.write_text("".join(mod.copies(80, "kamerbrief")), encoding="utf-8")
    seen = []
    original = batch_complete.undetermined

    def spy(plan, reg, reports, frameworks, run, alike):
        out = original(plan, reg, reports, frameworks, run, alike)
        seen.append((alike.runs, sum(1 for fs in alike.lacking.values() if fs)))
        return out

    monkeypatch.setattr(batch_complete, "undetermined", spy)
    run = _same(cli, [p])
    assert len(run.json()["services"]) == 80
    (runs, lacking), = seen
    assert lacking > 40 and runs <= lacking / 2, (runs, lacking)  # 12 of 80 when written


@pytest.mark.parametrize("memo_max", [None, 40])
def test_several_engine_runs_give_the_same_answer(cli, register_300, random_300, monkeypatch, memo_max):
    """Many chunks, each one engine run; with the caches kept across chunks, and with the caches
    emptied after (nearly) every chunk, as a large register empties them."""
    monkeypatch.setattr(batch, "CHUNK", 37)
    if memo_max is not None:
        monkeypatch.setattr(batch, "MEMO_MAX", memo_max)
        trims = []
        original = batch.Probes.trim
        monkeypatch.setattr(batch.Probes, "trim", lambda self, most: (trims.append(
            len(self._memo) + len(self.failing) > most), original(self, most)))
    _same(cli, [register_300, random_300])
    if memo_max is not None:
        assert sum(trims) > 5  # the caches were really emptied, many times


def test_the_batch_path_is_taken(register_300, random_300, monkeypatch):
    """The register, generated registers and the examples go through the batch (not the
    reference fallback), the completeness pass too (the register and the random one leave facts
    out), and each service's answer is its own."""
    checker = core.get_checker()

    def no_reference_pass(*_args):
        raise AssertionError("the completeness pass fell back to the reference")

    monkeypatch.setattr(batch, "_add_undetermined", no_reference_pass)
    undetermined = 0
    for files in ([register_300], [random_300], [REGISTER], EXAMPLES):
        out = batch.validate_files([(str(f), f.read_bytes(), "turtle") for f in files], checker, None)
        assert out is not None, files
        _expected, _status, reports = one_by_one(files)
        assert [r.service for r in reports] == [r.service for r in out[0]]
        assert [r.conforms for r in reports] == [r.conforms for r in out[0]]
        assert [r.undetermined for r in reports] == [r.undetermined for r in out[0]]
        undetermined += sum(1 for r in out[0] if r.undetermined)
    assert undetermined > 0


def test_what_the_batch_cannot_vouch_for_takes_the_reference_path(ttl):
    """One service inside another's region: the batch declines, the reference path answers."""
    path = ttl("""
ex:a a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:deploymentModel ckd:PublicCloud ; ckd:hasMeasure ex:b .
ex:b a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:deploymentModel ckd:PublicCloud .
""")
    assert batch.validate_files([(str(path), path.read_bytes(), "turtle")], core.get_checker(), None) is None


def test_framework_filter(cli, register_300):
    fws = core.framework_iris(["rijk", "gemeenten"])
    expected, status, _ = one_by_one([register_300], fws)
    run = cli("validate", register_300, "--format", "json", "--framework", "rijk", "--framework", "gemeenten")
    assert (run.code, run.out) == (status, expected)


def test_text_format(cli):
    files = EXAMPLES[:4]
    ref = cli("validate", *files, "--engine", "pyshacl")  # the reference path, all at once
    run = cli("validate", *files)
    assert (run.code, run.out) == (ref.code, ref.out)


def test_report_format(cli, tmp_path):
    files = EXAMPLES[:3]
    run = cli("validate", *files, "--format", "turtle")
    ref = cli("validate", *files, "--format", "turtle", "--engine", "pyshacl")
    assert run.code == ref.code

    def results(text):
        g = Graph().parse(data=text, format="turtle")
        report = next(g.subjects(RDF.type, SH.ValidationReport))
        assert len(set(g.objects(report, SH.result))) == len(set(g.subjects(RDF.type, SH.ValidationResult)))
        return sorted((str(g.value(r, SH.focusNode)), str(g.value(r, SH.resultSeverity)),
                       str(g.value(r, URIRef("https://w3id.org/cloudkader/def#provision"))),
                       str(g.value(r, SH.sourceConstraintComponent)), str(g.value(r, SH.value)))
                      for r in g.subjects(RDF.type, SH.ValidationResult)), g.value(report, SH.conforms)

    assert results(run.out) == results(ref.out)


def test_regions_that_are_not_trees(cli, ttl):
    """Anonymous nodes reached twice, a service reaching itself: answered without the cache,
    still exactly."""
    path = ttl("""
ex:utrecht a ckd:Gemeente .
ex:a a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:deploymentModel ckd:PublicCloud ;
    ckd:processes ckd:PersonalData ; ckd:provider ex:p ; ckd:hasMeasure ex:shared , ex:exit .
ex:exit a ckd:ExitStrategy ; ckd:covers ckd:DataPortability .
ex:b a ckd:CloudService ; ckd:usedBy ex:utrecht , org:ienw ; ckd:deploymentModel ckd:HybridCloud ;
    ckd:hasMeasure ex:shared , ex:b ; ckd:provider ex:shared .
ex:shared a ckd:DPIA , ckd:CloudProvider ; ckd:jurisdiction country:USA .
ex:c a ckd:CloudService ; ckd:usedBy org:jenv ; ckd:usesProduct ckd:ExchangeOnline ;
    ckd:hasMeasure [ a ckd:ExitStrategy ; ckd:covers ckd:CrisisExit ] , [ a ckd:DPIA ] .
ex:p a ckd:CloudProvider ; ckd:jurisdiction country:CHN .
""")
    _same(cli, [path], "--jobs", "1")
    checker = core.get_checker()
    assert batch.validate_files([(str(path), path.read_bytes(), "turtle")], checker, None) is not None


def test_many_organisations_and_labels(cli, ttl):
    """Scopes through several organisations and several labels: the answer does not depend on
    the order they are written in."""
    body = """
ex:utrecht a ckd:Gemeente .
ex:s a ckd:CloudService ; rdfs:label "Dienst"@en , "Dienst NL"@nl , "Plain" ;
    ckd:usedBy {orgs} ; ckd:deploymentModel ckd:PublicCloud ; ckd:processes ckd:PersonalData .
"""
    outs = []
    for orgs in ("org:tk , ex:utrecht , org:jenv", "org:jenv , org:tk , ex:utrecht"):
        run = _same(cli, [ttl(body.replace("{orgs}", orgs))])
        outs.append(run.api_json())  # the two temporary files differ in name only
    assert outs[0] == outs[1]
    assert outs[0]["services"][0]["label"] == "Dienst NL"


@pytest.mark.parametrize("body,fragment", [
    ("ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:nonsense ckd:Foo .", "unknown term"),
    ("ex:s a ckd:CloudService ; ckd:usedBy org:nowhere .", "unknown organisation"),
    ("ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; ckd:processes ckd:Gossip .", "unknown"),
    ("ex:s a ckd:CloudService .", "has no ckd:usedBy"),
    ("ex:s a ckd:Measure .", "no ckd:CloudService"),
    ("[] a ckd:CloudService ; ckd:usedBy org:ienw .", "without an IRI"),
    ("ex:s a ckd:CloudService ; ckd:usedBy org:ienw", "malformed Turtle"),
    ("<relative> a ckd:CloudService ; ckd:usedBy org:ienw .", "malformed Turtle"),
])
def test_bad_input_gets_the_reference_message(cli, ttl, body, fragment):
    path = ttl(body)
    run = cli("validate", path)
    ref = cli("validate", path, "--engine", "pyshacl")
    assert run.code == ref.code == 2
    assert run.err == ref.err
    assert fragment in run.err


def test_bad_file_among_good_ones(cli, ttl):
    good = ttl("ex:s a ckd:CloudService ; ckd:usedBy org:ienw .")
    bad = ttl("ex:t a ckd:CloudService ; ckd:usedBy org:nowhere .")
    run = cli("validate", good, bad, "--format", "json")
    # the bad file is named (exit 2) and the good one still checked (issue 15)
    assert run.code == 2 and str(bad) in run.err and str(good) not in run.err
    assert [s["sources"] for s in run.json()["services"]] == [[str(good)]]


def test_json_ld_input(cli, tmp_path):
    doc = {"@context": {"ckd": "https://w3id.org/cloudkader/def#", "org": "https://w3id.org/cloudkader/id/org/"},
           "@id": "https://example.org/s", "@type": "ckd:CloudService",
           "ckd:usedBy": {"@id": "org:ienw"}, "ckd:deploymentModel": {"@id": "ckd:PublicCloud"}}
    p = tmp_path / "s.jsonld"
    p.write_text(json.dumps(doc), encoding="utf-8")
    _same(cli, [p])


def test_progress_bar_only_on_a_terminal():
    assert batch.Progress.maybe(False) is None
    import io

    buf = io.StringIO()
    bar = batch.Progress(buf)
    bar.note("read register.ttl")
    bar.update(5, 10)
    shown = buf.getvalue()
    bar.close()
    assert "read register.ttl" in shown and "5/10" in shown and "50%" in shown


def test_shuffled_register_same_answers(cli, register_300, tmp_path):
    """The order of the statements in the file changes nothing."""
    text = register_300.read_text(encoding="utf-8")
    head, _, body = text.partition("from examples/.\n")
    statements = body.split(" .\n")
    random.Random(1).shuffle(statements)
    p = tmp_path / "shuffled.ttl"
    p.write_text(head + "\n" + " .\n".join(s for s in statements if s.strip()) + " .\n", encoding="utf-8")
    a = cli("validate", register_300, "--format", "json")
    b = cli("validate", p, "--format", "json")
    assert b.err == ""
    assert a.api_json() == b.api_json()  # the files' names (each service's sources) differ


def test_a_literal_the_reference_refuses(cli, ttl):
    from cloudkader.checks import description

    n = getattr(description, "MAX_LITERAL_PIECES", None)
    if n is None:
        pytest.skip("the reference reader has no literal limit")
    body = 'ex:s a ckd:CloudService ; ckd:usedBy org:ienw ; rdfs:comment """' + "\\n" * (n + 1) + '""" .'
    path = ttl(body)
    run = cli("validate", path)
    ref = cli("validate", path, "--engine", "pyshacl")
    assert (run.code, run.err) == (ref.code, ref.err)
    assert run.code == 2


def test_large_files_are_parsed_from_disk(cli, register_300, monkeypatch):
    from cloudkader.cli import checks as cli_checks

    monkeypatch.setattr(cli_checks, "STREAM_ABOVE", 0)
    _same(cli, [register_300, REGISTER])


def _report_rows(g: Graph) -> tuple:
    report = next(g.subjects(RDF.type, SH.ValidationReport))
    return sorted((str(g.value(r, SH.focusNode)), str(g.value(r, SH.resultSeverity)),
                   str(g.value(r, URIRef("https://w3id.org/cloudkader/def#provision"))),
                   str(g.value(r, SH.sourceConstraintComponent)), str(g.value(r, SH.sourceShape)),
                   str(g.value(r, SH.resultPath)), str(g.value(r, SH.value)))
                  for r in g.subjects(RDF.type, SH.ValidationResult)), g.value(report, SH.conforms)


def _batch_and_reference(path: Path, checker):
    """((reports, report graph) of the batch, the same of the reference path) for ``path``."""
    out = batch.validate_files([(str(path), path.read_bytes(), "turtle")], checker, None, want_graph=True)
    assert out is not None, "the batch path must be taken"
    desc = core.read_description(path.read_bytes(), "turtle", str(path))
    return out, batch.reference_reports(desc, checker, None, want_report=True)


def test_report_of_a_generated_register_names_each_services_own_values(register_300, random_300):
    """Services that share an answer share it up to the values: every sh:value is the
    service's own node, as validating it alone says."""
    for path in (register_300, random_300):
        out, ref = _batch_and_reference(path, core.get_checker())
        assert _report_rows(out[1]) == _report_rows(ref[1])


OWN_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ckd: <https://w3id.org/cloudkader/def#> .
@prefix ex: <https://example.org/own#> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Measures a sh:NodeShape ; sh:targetClass ckd:CloudService ;
  sh:property [ sh:path ckd:hasMeasure ; sh:nodeKind sh:IRI ; sh:maxCount 5 ] ;
  sh:property [ sh:path ckd:hasMeasure ; sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ;
                sh:qualifiedValueShape [ sh:class ckd:ExitStrategy ;
                    sh:property [ sh:path ckd:covers ; sh:minCount 3 ] ] ] ;
  sh:property [ sh:path ( ckd:hasMeasure ckd:covers ) ; sh:in ( ckd:DataPortability ckd:DataDestruction
                ckd:ServicePortability ckd:AlternativeLanding ckd:CrisisExit ) ; sh:severity sh:Info ] ;
  sh:property [ sh:path ckd:provider ; sh:class ckd:CloudProvider ;
                sh:node [ sh:property [ sh:path ckd:jurisdiction ; sh:hasValue <http://publications.europa.eu/resource/authority/country/NLD> ] ] ] .
ex:Disjoint a sh:NodeShape ; sh:targetClass ckd:CloudService ;
  sh:property [ sh:path ckd:hasMeasure ; sh:qualifiedValueShape [ sh:class ckd:DPIA ] ; sh:qualifiedMinCount 1 ;
                sh:qualifiedValueShapesDisjoint true ] ;
  sh:property [ sh:path ckd:hasMeasure ; sh:qualifiedValueShape [ sh:class ckd:PreScanDPIA ] ; sh:qualifiedMaxCount 0 ;
                sh:qualifiedValueShapesDisjoint true ] .
"""


@pytest.mark.parametrize("disjoint", [False, True])
def test_own_shapes_in_the_batch_equal_the_reference(register_300, random_300, disjoint):
    """Own shapes that count values, ask things of them (class, nested shapes, node kind), follow
    a sequence path and — in the second run — use sh:qualifiedValueShapesDisjoint (which turns
    the probes off): the batch's answer is still each service's own."""
    from rdflib import Graph

    from cloudkader.checks.validation import Checker

    text = OWN_SHAPES if disjoint else OWN_SHAPES.split("ex:Disjoint")[0]
    checker = Checker(core.get_knowledge(), "shacl", Graph().parse(data=text, format="turtle"))
    for path in (register_300, random_300):
        out, ref = _batch_and_reference(path, checker)
        assert validation_json(out[0]) == validation_json(ref[0])
        assert _report_rows(out[1]) == _report_rows(ref[1])
        assert any(r.shape.startswith("https://example.org/own#") for rep in out[0] for r in rep.results)

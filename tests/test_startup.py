"""Build once, start fast: the checks' Knowledge (vocabulary, class closure, node types, scopes,
provisions, shapes) is compiled into ``build/knowledge.pickle`` beside the compiled corpus, keyed
by the corpus digest; a start reads it instead of running the SPARQL queries of
``knowledge.load``. The artefact must equal what every store answers, and a stale or unreadable
artefact is never used. (Start-up time itself is measured by ``bench/bench_memory.py`` and
``bench/bench_sparql.py``, never asserted here.)"""

from __future__ import annotations

import pickle
import shutil

import pytest
from rdflib import BNode

from cloudkader.knowledge import corpus, compiled as knowledge
from cloudkader.terms import paths
from cloudkader.knowledge.app_state import get_store

FIELDS = [f for f in knowledge.Knowledge.__dataclass_fields__ if f != "shapes"]


@pytest.fixture(scope="module")
def artefact():
    return knowledge.compiled()


@pytest.mark.parametrize("spec", ["memory", "oxigraph"])
def test_artefact_equals_what_the_store_answers(artefact, spec):
    live = knowledge.load(get_store(spec))
    for name in FIELDS:
        assert getattr(artefact, name) == getattr(live, name), name
    assert _shape_signature(artefact.shapes) == _shape_signature(live.shapes)


def _shape_signature(g) -> list:
    """The shapes graph with each blank node named by a hash of what hangs below it (the shapes'
    blank nodes form trees: property shapes and lists): a fast isomorphism check."""
    memo: dict = {}

    def name(t):
        if not isinstance(t, BNode):
            return t.n3()
        if t not in memo:
            memo[t] = "_:" + str(hash(tuple(sorted((p.n3(), name(o)) for p, o in g.predicate_objects(t)))))
        return memo[t]

    return sorted((name(s), p.n3(), name(o)) for s, p, o in g)


def test_a_start_runs_no_sparql_when_the_artefact_is_fresh(monkeypatch, artefact):
    def refuse(store):
        raise AssertionError("knowledge.load ran: the compiled artefact was not used")

    monkeypatch.setattr(knowledge, "load", refuse)
    k = knowledge.compiled()
    assert k.vocabulary == artefact.vocabulary
    assert (paths.BUILD_DIR / knowledge.ARTEFACT).is_file()


@pytest.fixture
def sources(tmp_path, monkeypatch):
    """A private copy of the knowledge (ontology, data, shapes) with the paths pointing at it."""
    for folder in ("ontology", "data", "shapes"):
        shutil.copytree(paths.ROOT / folder, tmp_path / folder)
    monkeypatch.setattr(paths, "ONTOLOGY_FILE", tmp_path / "ontology" / "cloudkader.ttl")
    monkeypatch.setattr(paths, "DATA_DIR", tmp_path / "data")
    monkeypatch.setattr(paths, "SHAPES_DIR", tmp_path / "shapes")
    monkeypatch.setattr(paths, "ROOT", tmp_path)
    return tmp_path


NEW_ORG = "https://w3id.org/cloudkader/id/org/test-nieuw"


def test_knowledge_artefact_rebuilds_when_a_source_changes(sources):
    build = sources / "build"
    knowledge.build(build)
    artefact = build / knowledge.ARTEFACT
    assert artefact.is_file()  # `cloudkader build` writes it beside corpus.nq
    before = artefact.read_bytes()
    k = knowledge.compiled(build)
    assert NEW_ORG not in k.vocabulary.organisations
    assert artefact.read_bytes() == before  # fresh: read, not rewritten
    with open(sources / "data" / "organisations.ttl", "a", encoding="utf-8") as f:
        f.write(f"\n<{NEW_ORG}> a <https://w3id.org/cloudkader/def#Ministry> .\n")
    assert corpus.is_stale(build)
    k = knowledge.compiled(build)
    assert NEW_ORG in k.vocabulary.organisations
    assert not corpus.is_stale(build)
    assert artefact.read_bytes() != before


def test_an_artefact_with_another_key_or_broken_is_never_used(sources, monkeypatch):
    build = sources / "build"
    knowledge.build(build)
    artefact = build / knowledge.ARTEFACT
    good = knowledge.compiled(build)

    # an artefact keyed by another corpus digest holds a planted Knowledge: it must be ignored
    planted = knowledge.Knowledge(**{**good.__dict__, "node_types": {"planted": {"x"}}})
    with open(artefact, "wb") as f:
        pickle.dump({"corpus": "0" * 64, "code": knowledge.code_digest()}, f)
        pickle.dump(planted, f)
    assert "planted" not in knowledge.compiled(build).node_types

    # the same with a matching corpus digest but other code
    with open(artefact, "wb") as f:
        pickle.dump({"corpus": knowledge._corpus_digest(build / "corpus.nq"), "code": "other"}, f)
        pickle.dump(planted, f)
    assert "planted" not in knowledge.compiled(build).node_types

    # a truncated file is rebuilt, not an error
    artefact.write_bytes(artefact.read_bytes()[:100])
    assert knowledge.compiled(build).node_types == good.node_types

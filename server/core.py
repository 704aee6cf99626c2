"""The core functions behind both the command line and the HTTP service: one checker per
store, built once, and the operations users ask for."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from rdflib import Graph

from .checks import description as desc_mod
from .knowledge.app_state import get_store  # noqa: F401  (the web layer and its tests reach the store through here)
from .checks.validation import Checker, ServiceReport, applicable_json, validation_json
from .knowledge import timeline
from .knowledge.compiled import compiled as compiled_knowledge


def get_knowledge():
    """What the checks know about the corpus. Every store holds the same compiled corpus, so
    this is the compiled artefact (``build/knowledge.pickle``, rebuilt when stale) whatever the
    store: no SPARQL at start-up. ``knowledge.load(store)`` reads the same from a store; the
    tests keep both equal for every store. (Graphs added with ``serve --load-graph`` are served
    by /sparql but are not part of what the checks know.)"""
    return _compiled_knowledge()


@lru_cache(maxsize=1)
def _compiled_knowledge():
    return compiled_knowledge()


def get_checker(engine: str = "shacl", at: date | None = None) -> Checker:
    """The checker for ``engine`` and the day ``at`` (None: today, the day the checker is made).
    Checkers for other days share today's compiled shapes (the shapes do not change with the day)."""
    return _checker(engine, at)


@lru_cache(maxsize=16)
def _checker(engine: str, at: date | None) -> Checker:
    checker = Checker(get_knowledge(), engine, at=at)
    if at is not None:
        checker.__dict__["compiled"] = _checker(engine, None).compiled
    return checker


def parse_day(text: str | None) -> date | None:
    """The day a user gives (YYYY-MM-DD) or None; ValueError with a clear message."""
    return timeline.parse_day(text) if text else None


def read_description(data: bytes | str, fmt: str, origin: str) -> desc_mod.Description:
    return desc_mod.read(data, fmt, get_knowledge().vocabulary, origin)


def merge(descriptions: list[desc_mod.Description]) -> desc_mod.Description:
    return desc_mod.merge(descriptions)


def applicable(d: desc_mod.Description, engine: str = "shacl", at: date | None = None) -> dict:
    reports, _ = get_checker(engine, at).check(d, want_validation=False)
    return applicable_json(reports, at.isoformat() if at else None)


def validate(d: desc_mod.Description, frameworks: set[str] | None = None, engine: str = "shacl",
             at: date | None = None) -> tuple[dict, Graph, list[ServiceReport]]:
    reports, graph = get_checker(engine, at).check(d, frameworks=frameworks, want_applicable=False)
    return validation_json(reports, at.isoformat() if at else None), graph, reports


def framework_iris(keys: list[str]) -> set[str]:
    """Framework IRIs for keys (rijk, tk, …); raises KeyError naming an unknown key."""
    k = get_checker().k
    by_key = {fw.key: iri for iri, fw in k.frameworks.items()}
    out = set()
    for key in keys:
        if key not in by_key:
            raise KeyError(f"unknown framework {key!r}; known: {', '.join(sorted(by_key))}")
        out.add(by_key[key])
    return out


def diff(d: desc_mod.Description | None, d1: date, d2: date, frameworks: set[str] | None = None,
         engine: str = "shacl") -> dict:
    """What changed between two days, in the corpus and for ``d``'s services (``cloudkader diff``)."""
    from .checks.changes import diff as diff_days

    return diff_days(get_checker(engine, d1), get_checker(engine, d2), d, d1, d2, frameworks)

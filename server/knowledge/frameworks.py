"""Which frameworks cloudkader holds, read from the data: every ``ckd:Framework`` with a
``ckd:key`` in any Turtle file of the corpus (``data/frameworks.ttl`` or a
``data/provisions/<key>.ttl`` of its own), ordered by its ``ckd:position`` (frameworks without
one come after, by key). Its named graph is the graph its provisions are in, its prefix the one
the Turtle files declare for the namespace its provisions share.

The catalogue is worked out once when the corpus is compiled (:func:`describe`, written as
``build/frameworks.json`` beside ``build/corpus.nq``) together with every prefix the Turtle files
declare; ``corpus.catalogue()`` reads it back (rebuilding the corpus first if a source changed). No
framework key is written in the code: adding a framework is a change to Turtle only
(docs/shapes.md)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF

from ..terms.namespaces import CKD, GRAPH, ID

CATALOGUE_FILE = "frameworks.json"


@dataclass(frozen=True)
class Framework:
    key: str
    iri: str
    position: int | None
    graph: str
    prefix: str
    namespace: str
    title: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Catalogue:
    frameworks: tuple[Framework, ...]
    prefixes: dict[str, str] = field(hash=False, compare=False)

    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.frameworks)

    def sort_key(self, key: str) -> tuple:
        """Where a framework key sorts: by its position in the data, unknown keys last."""
        keys = self.keys()
        return (keys.index(key) if key in keys else len(keys), key)


def order_key(key: str, position: int | None) -> tuple:
    return (0, position, key) if position is not None else (1, 0, key)


# -- at build time --------------------------------------------------------------------------------


def describe(ds: Dataset, declared: dict[str, str]) -> dict:
    """The catalogue of the parsed sources ``ds``, given the prefixes the Turtle files declare
    (prefix -> namespace), as JSON-ready data."""
    graph_of: dict[str, Counter] = {}
    members: dict[str, list[str]] = {}
    for s, _, f, g in ds.quads((None, CKD.framework, None, None)):
        if isinstance(s, URIRef):
            members.setdefault(str(f), []).append(str(s))
            graph_of.setdefault(str(f), Counter())[str(getattr(g, "identifier", g))] += 1
    by_namespace = {ns: p for p, ns in sorted(declared.items())}
    frameworks = []
    for fw, key in sorted(set(ds.subject_objects(CKD.key))):
        if (fw, RDF.type, CKD.Framework) not in ds:
            continue
        key = str(key)
        position = next((int(p) for p in ds.objects(fw, CKD.position) if isinstance(p, Literal)), None)
        title = {}
        for t in ds.objects(fw, DCTERMS.title):
            if isinstance(t, Literal):
                title.setdefault(t.language or "nl", str(t))
        namespace = _shared_namespace(members.get(str(fw), []), by_namespace) or f"{ID}{key}/"
        prefix = by_namespace.get(namespace, key)
        graphs = graph_of.get(str(fw))
        graph = graphs.most_common(1)[0][0] if graphs else str(GRAPH[key])
        frameworks.append({"key": key, "iri": str(fw), "position": position, "graph": graph,
                           "prefix": prefix, "namespace": namespace, "title": title})
    frameworks.sort(key=lambda f: order_key(f["key"], f["position"]))
    return {"frameworks": frameworks, "prefixes": dict(sorted(declared.items()))}


def _shared_namespace(iris: list[str], by_namespace: dict[str, str]) -> str | None:
    """The declared namespace (the longest) that most of ``iris`` start with."""
    votes: Counter = Counter()
    for iri in iris:
        best = max((ns for ns in by_namespace if iri.startswith(ns) and len(iri) > len(ns)), key=len, default=None)
        if best is not None:
            votes[best] += 1
    return votes.most_common(1)[0][0] if votes else None


def write(target: Path, data: dict) -> None:
    tmp = target / f"{CATALOGUE_FILE}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(target / CATALOGUE_FILE)


# -- at run time ----------------------------------------------------------------------------------


def read(path: Path) -> Catalogue:
    data = json.loads(path.read_text(encoding="utf-8"))
    return Catalogue(tuple(Framework(**f) for f in data["frameworks"]), dict(data["prefixes"]))

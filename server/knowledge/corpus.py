"""The corpus: every Turtle file of the project in named graphs, plus what the reasoner infers,
compiled once into ``corpus.nq`` (in ``paths.BUILD_DIR``, a user cache folder) and rebuilt whenever a
source file changes; an installed wheel carries it compiled (``paths.SHIPPED_COMPILED_DIR``)."""

from __future__ import annotations

import hashlib
import os
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from . import frameworks
from ..terms import paths
from ..terms.namespaces import CKD, GRAPH, PREFIXES

log = logging.getLogger(__name__)

BUILD_FORMAT_VERSION = "2"
INFERRED_GRAPH = GRAPH.inferred


def graph_layout() -> dict[URIRef, list[Path]]:
    """Which Turtle files go into which named graph: each ``data/provisions/<name>.ttl`` into a
    graph of its own, ``…/graph/<name>`` (named after the framework key by convention)."""
    data = paths.DATA_DIR
    layout: dict[URIRef, list[Path]] = {
        GRAPH.ontology: [paths.ONTOLOGY_FILE],
        GRAPH.reference: sorted(data.glob("*.ttl")) + sorted((data / "reference").glob("*.ttl")),
        GRAPH.register: sorted((data / "register").glob("*.ttl")),
        GRAPH.overlaps: sorted((data / "overlaps").glob("*.ttl")),
        GRAPH.shapes: sorted(paths.SHAPES_DIR.glob("*.ttl")),
    }
    for f in sorted((data / "provisions").glob("*.ttl")):
        layout[GRAPH[f.stem]] = [f]
    return layout


def source_files() -> list[Path]:
    return [f for files in graph_layout().values() for f in files]


def sources_digest() -> str:
    h = hashlib.sha256(BUILD_FORMAT_VERSION.encode())
    for f in source_files():
        h.update(str(f.relative_to(paths.ROOT)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


@dataclass
class Corpus:
    dataset: Dataset
    digest: str

    def union(self) -> Graph:
        """The default graph: the union of all named graphs."""
        return self.dataset

    def graph(self, name: URIRef) -> Graph:
        return self.dataset.graph(name)


def parse_sources(declared: dict[str, str] | None = None) -> Dataset:
    """Every source in its named graph; the prefixes the files declare go into ``declared``."""
    ds = Dataset(default_union=True)
    for name, files in graph_layout().items():
        g = ds.graph(name)
        for f in files:
            part = Graph(bind_namespaces="none")
            try:
                part.parse(f, format="turtle")
            except Exception as exc:  # a broken data file must name itself
                raise ValueError(f"{f.relative_to(paths.ROOT)}: {exc}") from exc
            g += part
            if declared is not None:
                for prefix, ns in part.namespaces():
                    if prefix and declared.setdefault(prefix, str(ns)) != str(ns):
                        raise ValueError(f"{f.relative_to(paths.ROOT)}: prefix {prefix}: is bound to "
                                         f"<{declared[prefix]}> elsewhere, here to <{ns}>")
    return ds


def infer(ds: Dataset) -> Graph:
    """Materialise what the ontology entails for the corpus: types along the class hierarchy
    (classified by HermiT), super-properties, and the transitive SKOS broader closure."""
    from .reasoning import classify

    ontology = ds.graph(GRAPH.ontology)
    result = classify(ontology)
    if not result.consistent:
        raise ValueError("the ontology is inconsistent")
    inferred = Graph()
    thing = str(OWL.Thing)
    for graph_name in ds.graphs():
        if graph_name.identifier in (GRAPH.ontology, INFERRED_GRAPH):
            continue
        for s, o in graph_name.subject_objects(RDF.type):
            for sup in result.superclasses.get(str(o), ()):
                if sup != thing and sup != str(o):
                    inferred.add((s, RDF.type, URIRef(sup)))
    # the classified hierarchy itself, transitively closed, so that any store can answer
    # "what are the superclasses of C" without a reasoner
    for cls, sups in result.superclasses.items():
        if not cls.startswith(str(CKD)):
            continue
        for sup in sups:
            if sup != thing:
                inferred.add((URIRef(cls), RDFS.subClassOf, URIRef(sup)))
    # super-properties (rdfs:subPropertyOf is transitive; RDFS entailment, no DL needed)
    supers: dict[URIRef, set[URIRef]] = {}
    for p, q in ontology.subject_objects(RDFS.subPropertyOf):
        supers.setdefault(p, set()).add(q)
    closed = {p: _closure(p, supers) for p in supers}
    for graph_name in ds.graphs():
        if graph_name.identifier in (GRAPH.ontology, INFERRED_GRAPH):
            continue
        for p, qs in closed.items():
            for s, o in graph_name.subject_objects(p):
                for q in qs:
                    inferred.add((s, q, o))
    # skos:broaderTransitive over every skos:broader in the corpus
    broader: dict[URIRef, set[URIRef]] = {}
    for s, o in ds.subject_objects(SKOS.broader):
        broader.setdefault(s, set()).add(o)
    for s in broader:
        for o in _closure(s, broader):
            inferred.add((s, SKOS.broaderTransitive, o))
    return inferred


def _closure(start, edges: dict) -> set:
    seen, todo = set(), list(edges.get(start, ()))
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(edges.get(n, ()))
    return seen


def build(target: Path | None = None) -> Path:
    """Parse every source, reason, and write the compiled corpus (N-Quads) with its stamp."""
    target = target or paths.BUILD_DIR
    target.mkdir(parents=True, exist_ok=True)
    digest = sources_digest()
    declared: dict[str, str] = {}
    ds = parse_sources(declared)
    frameworks.write(target, frameworks.describe(ds, declared))
    inferred = infer(ds)
    g = ds.graph(INFERRED_GRAPH)
    for t in inferred:
        g.add(t)
    nq = target / "corpus.nq"
    tmp = target / f"corpus.nq.{os.getpid()}.tmp"
    ds.serialize(tmp, format="nquads", encoding="utf-8")
    tmp.replace(nq)
    (target / "stamp.json").write_text(json.dumps({"digest": digest}), encoding="utf-8")
    log.info("built corpus: %s", nq)
    return nq


def is_stale(target: Path | None = None) -> bool:
    target = target or paths.BUILD_DIR
    stamp = target / "stamp.json"
    if not all((target / f).exists() for f in ("corpus.nq", frameworks.CATALOGUE_FILE, "stamp.json")):
        return True
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("digest") != sources_digest()
    except (ValueError, OSError):
        return True


def compiled_corpus_path(target: Path | None = None) -> Path:
    """The compiled corpus, rebuilt first if any source changed since it was built. A file lock
    keeps concurrent processes (test workers, servers) from building it twice at once."""
    import fcntl

    if target is None and paths.INSTALLED and not is_stale(paths.SHIPPED_COMPILED_DIR):
        return paths.SHIPPED_COMPILED_DIR / "corpus.nq"  # compiled when the wheel was built: read only
    target = target or paths.BUILD_DIR
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if is_stale(target):
                build(target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target / "corpus.nq"


def load(target: Path | None = None) -> Corpus:
    path = compiled_corpus_path(target)
    ds = Dataset(default_union=True)
    ds.parse(path, format="nquads")
    stamp = json.loads((path.parent / "stamp.json").read_text(encoding="utf-8"))
    return Corpus(ds, stamp["digest"])


@lru_cache(maxsize=1)
def catalogue() -> frameworks.Catalogue:
    """The frameworks of the compiled corpus (compiled first if a source changed)."""
    return frameworks.read(compiled_corpus_path().parent / frameworks.CATALOGUE_FILE)


def prefixes() -> dict[str, str]:
    """Every prefix cloudkader knows: the vocabularies' and those the Turtle files declare."""
    return {**{p: str(ns) for p, ns in PREFIXES.items()}, **catalogue().prefixes}

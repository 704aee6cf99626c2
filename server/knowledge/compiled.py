"""What the checks need to know about the corpus, read once from the store through SPARQL (so
that every store — memory, oxigraph, a remote endpoint — gives the same answers): the
vocabulary, the class hierarchy the reasoner classified, the types of the corpus' individuals,
the framework scopes, the provisions and the SHACL shapes.

Build once, start fast: :func:`compiled` reads the Knowledge from the compiled artefact
``knowledge.pickle``, written beside the compiled ``corpus.nq`` by ``cloudkader build`` (or at the
first start after a change) and keyed by the corpus digest and this module's code. The corpus an
installed wheel carries is read only: its artefact goes to the user cache folder
(``paths.BUILD_DIR``, see :func:`artefact_dir`). An artefact
whose key does not match, or that cannot be read, is never used: it is rebuilt from the
compiled corpus. ``tests/test_startup.py`` keeps the artefact equal to what :func:`load` reads
from each store, and checks the staleness rule."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from ..terms.namespaces import CKD, GRAPH, sparql_prologue
from ..stores.local import Store
from ..terms import paths
from . import corpus, timeline

log = logging.getLogger(__name__)

KNOWLEDGE_FORMAT_VERSION = "1"
ARTEFACT = "knowledge.pickle"


@dataclass
class Vocabulary:
    """What a description may refer to: the declared terms and the known individuals."""

    terms: set[str]  # every IRI declared in the ontology
    organisations: set[str]  # organisation IRIs in the corpus
    organisation_classes: set[str]  # ckd:Organisation and its subclasses
    data_categories: set[str]


@dataclass
class FrameworkScope:
    iri: str
    key: str
    title: dict[str, str]
    binds_classes: set[str] = field(default_factory=set)
    binds_orgs: set[str] = field(default_factory=set)
    advises_classes: set[str] = field(default_factory=set)
    advises_orgs: set[str] = field(default_factory=set)
    excludes_orgs: set[str] = field(default_factory=set)
    excludes_classes: set[str] = field(default_factory=set)


@dataclass
class ProvisionInfo:
    iri: str
    framework: str
    label: dict[str, str]
    without_text: bool
    applies_when: list[str]


@dataclass
class Knowledge:
    vocabulary: Vocabulary
    superclasses: dict[str, set[str]]
    node_types: dict[str, set[str]]
    node_facts: dict[str, list[tuple[str, str]]]
    broader: dict[str, set[str]]
    part_of: dict[str, set[str]]
    frameworks: dict[str, FrameworkScope]
    provisions: dict[str, ProvisionInfo]
    reasons: dict[str, dict[str, str]]
    shape_provision: dict[str, str]
    shapes: Graph
    # classes whose membership passes to an organisation's parts, and classes whose members do
    # not take the scope of what they are ckd:partOf (ckd:scopeExtendsToParts, ckd:ownScope)
    parts_inherit: set[str] = field(default_factory=set)
    own_scope: set[str] = field(default_factory=set)
    # per provision, the lapsed documents it rests on (see lapsed_documents)
    lapsed: dict[str, list[dict]] = field(default_factory=dict)
    # the facts a description may leave out (ckd:Fact), for cloudkader.checks.completeness
    facts: list[dict] = field(default_factory=list)
    # when frameworks and documents hold (cloudkader.knowledge.timeline); a Knowledge for a day
    # (timeline.at) names the frameworks whose force that day is uncertain, and the day
    timeline: object = None  # a timeline.Timeline
    time_undetermined: dict[str, dict[str, str]] = field(default_factory=dict)
    day: str | None = None

    def types_closed(self, types) -> set[str]:
        out = set()
        for t in types:
            out |= self.superclasses.get(str(t), {str(t)})
        return out


def _select(store: Store, body: str) -> list[dict]:
    res = store.query(sparql_prologue() + body)
    return [{k: v for k, v in b.items()} for b in res.bindings()]


def _lang_map(rows, var) -> dict[str, str]:
    out = {}
    for r in rows:
        lit = r.get(var)
        if isinstance(lit, Literal) and lit.language in ("nl", "en"):
            out.setdefault(lit.language, str(lit))
    return out


def load(store: Store) -> Knowledge:
    ckd = str(CKD)
    terms = {str(r["t"]) for r in _select(store, f"SELECT DISTINCT ?t WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?t ?p ?o }} FILTER(STRSTARTS(STR(?t), \"{ckd}\")) }}")}

    superclasses: dict[str, set[str]] = {}
    for r in _select(store, f"SELECT ?c ?s WHERE {{ GRAPH <{GRAPH.inferred}> {{ ?c rdfs:subClassOf ?s }} }}"):
        superclasses.setdefault(str(r["c"]), {str(r["c"])}).add(str(r["s"]))

    node_types: dict[str, set[str]] = {}
    for r in _select(store, f"SELECT ?s ?t WHERE {{ ?s a ?t FILTER(isIRI(?s)) FILTER NOT EXISTS {{ GRAPH <{GRAPH.ontology}> {{ ?s a ?t }} }} }}"):
        node_types.setdefault(str(r["s"]), set()).add(str(r["t"]))
    # individuals declared in the ontology (deployment models, products, exit parts, …)
    for r in _select(store, f"SELECT ?s ?t WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?s a owl:NamedIndividual , ?t FILTER(?t != owl:NamedIndividual) }} }}"):
        node_types.setdefault(str(r["s"]), set()).add(str(r["t"]))
    for n, ts in node_types.items():
        node_types[n] = {x for t in ts for x in superclasses.get(t, {t})}

    node_facts: dict[str, list[tuple[str, str]]] = {}
    for r in _select(store, "SELECT ?s ?p ?o WHERE { VALUES ?p { ckd:jurisdiction ckd:partOf } ?s ?p ?o FILTER(isIRI(?o)) }"):
        node_facts.setdefault(str(r["s"]), []).append((str(r["p"]), str(r["o"])))
    for facts in node_facts.values():
        facts.sort()  # the same order from every store (enrichment takes the first fact per property)

    broader: dict[str, set[str]] = {}
    for r in _select(store, "SELECT ?c ?b WHERE { ?c skos:broaderTransitive ?b }"):
        broader.setdefault(str(r["c"]), set()).add(str(r["b"]))
    part_of: dict[str, set[str]] = {}
    # (the first pattern gives the path a start: Virtuoso refuses a path with both ends unbound)
    for r in _select(store, "SELECT DISTINCT ?o ?p WHERE { ?o ckd:partOf ?x . ?o ckd:partOf+ ?p }"):
        part_of.setdefault(str(r["o"]), set()).add(str(r["p"]))

    frameworks: dict[str, FrameworkScope] = {}
    for r in _select(store, "SELECT ?f ?key ?title WHERE { ?f a ckd:Framework ; ckd:key ?key ; dcterms:title ?title }"):
        fw = frameworks.setdefault(str(r["f"]), FrameworkScope(str(r["f"]), str(r["key"]), {}))
        fw.title.setdefault(r["title"].language or "nl", str(r["title"]))
    attr = {"bindsClass": "binds_classes", "bindsOrganisation": "binds_orgs", "advisesClass": "advises_classes",
            "advisesOrganisation": "advises_orgs", "excludesOrganisation": "excludes_orgs",
            "excludesClass": "excludes_classes"}
    for r in _select(store, "SELECT ?f ?p ?o WHERE { VALUES ?p { ckd:bindsClass ckd:bindsOrganisation ckd:advisesClass ckd:advisesOrganisation ckd:excludesOrganisation ckd:excludesClass } ?f a ckd:Framework ; ?p ?o }"):
        getattr(frameworks[str(r["f"])], attr[str(r["p"])[len(ckd):]]).add(str(r["o"]))

    provisions: dict[str, ProvisionInfo] = {}
    rows = _select(store, """SELECT ?p ?f ?label ?wt ?cond WHERE {
        ?p ckd:framework ?f . OPTIONAL { ?p rdfs:label ?label }
        OPTIONAL { ?p ckd:withoutText ?wt } OPTIONAL { ?p ckd:appliesWhen ?cond } }""")
    for r in rows:
        p = provisions.setdefault(str(r["p"]), ProvisionInfo(str(r["p"]), str(r["f"]), {}, False, []))
        if "label" in r and r["label"].language:
            p.label.setdefault(r["label"].language, str(r["label"]))
        if r.get("wt") is not None and r["wt"].toPython() is True:
            p.without_text = True
        if r.get("cond") is not None and str(r["cond"]) not in p.applies_when:
            p.applies_when.append(str(r["cond"]))

    for p in provisions.values():
        p.applies_when.sort()

    reasons: dict[str, dict[str, str]] = {}
    for r in _select(store, "SELECT ?s ?reason WHERE { ?s ckd:reason ?reason }"):
        reasons.setdefault(str(r["s"]), {}).setdefault(r["reason"].language or "nl", str(r["reason"]))

    shapes_result = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH.shapes}> {{ ?s ?p ?o }} }}")
    shapes = shapes_result.graph if shapes_result.graph is not None else Graph()
    shape_provision = {str(s): str(p) for s, p in shapes.subject_objects(CKD.provision)}

    org_classes = superclasses_of_class(superclasses, ckd + "Organisation")
    vocab = Vocabulary(
        terms=terms,
        organisations={n for n, ts in node_types.items() if ckd + "Organisation" in ts},
        organisation_classes=org_classes,
        data_categories={n for n, ts in node_types.items() if ckd + "DataCategory" in ts},
    )
    flagged = {p: {str(r["c"]) for r in _select(store, f"SELECT ?c WHERE {{ ?c ckd:{p} true }}")}
               for p in ("scopeExtendsToParts", "ownScope")}
    return Knowledge(vocab, superclasses, node_types, node_facts, broader, part_of, frameworks,
                     provisions, reasons, shape_provision, shapes,
                     flagged["scopeExtendsToParts"], flagged["ownScope"], lapsed_documents(store), fact_list(store),
                     timeline.load(store))


def fact_list(store: Store) -> list[dict]:
    """The ckd:Fact individuals: IRI, labels, the properties that give them, whether they are
    given on the provider, and the risky values used to find what depends on them."""
    out: dict[str, dict] = {}
    for r in _select(store, """SELECT ?f ?p ?o WHERE { ?f a ckd:Fact ; ?p ?o
        VALUES ?p { rdfs:label ckd:factProperty ckd:riskyValue ckd:factOnProvider } }"""):
        f = out.setdefault(str(r["f"]), {"fact": str(r["f"]), "label": {}, "properties": [], "risky": [],
                                         "on_provider": False})
        p = str(r["p"])
        if p.endswith("label") and isinstance(r["o"], Literal):
            f["label"][r["o"].language or "nl"] = str(r["o"])
        elif p.endswith("factProperty"):
            f["properties"].append(str(r["o"]))
        elif p.endswith("riskyValue"):
            f["risky"].append(str(r["o"]))
        elif p.endswith("factOnProvider"):
            f["on_provider"] = r["o"].toPython() is True
    for f in out.values():
        f["properties"].sort()
        f["risky"].sort()
    return [out[k] for k in sorted(out)]


def lapsed_documents(store: Store) -> dict[str, list[dict]]:
    """Per provision, every document it cites (ckd:cites) whose status is repealed, invalidated or
    superseded: the document, its label, status, the date it lapsed (the earliest supersession)
    and its successor (if the corpus names one). A provision resting on lapsed law is never
    presented as current (docs/modelling.md, "Lapsed law")."""
    rows = _select(store, """SELECT ?p ?d ?label ?status ?date ?succ WHERE {
        ?p ckd:framework ?f ; ckd:cites ?d . ?d ckd:status ?status
        FILTER(?status IN (ckd:Repealed, ckd:Invalidated, ckd:Superseded))
        OPTIONAL { ?d rdfs:label ?label FILTER(LANG(?label) = "nl") }
        OPTIONAL { ?sup a ckd:Supersession ; ckd:superseded ?d ; ckd:date ?date . OPTIONAL { ?sup ckd:supersededBy ?succ } } }""")
    by: dict[tuple[str, str], dict] = {}
    for r in rows:
        e = by.setdefault((str(r["p"]), str(r["d"])), {"document": str(r["d"]), "label": str(r.get("label") or r["d"]),
                                                       "status": str(r["status"]).rsplit("#", 1)[-1], "since": None,
                                                       "successor": None})
        if r.get("date") is not None and (e["since"] is None or str(r["date"]) < e["since"]):
            e["since"] = str(r["date"])
        if r.get("succ") is not None:
            e["successor"] = str(r["succ"])
    out: dict[str, list[dict]] = {}
    for (p, _d), e in sorted(by.items()):
        out.setdefault(p, []).append(e)
    return out


def superclasses_of_class(superclasses: dict[str, set[str]], cls: str) -> set[str]:
    """Every class whose superclasses include ``cls`` (its subclasses, itself included)."""
    return {c for c, sups in superclasses.items() if cls in sups} | {cls}


# -- the compiled artefact ------------------------------------------------------------------------


def code_digest() -> str:
    """What the artefact's layout depends on besides the corpus: this module (which holds the
    Vocabulary too)."""
    h = hashlib.sha256(KNOWLEDGE_FORMAT_VERSION.encode())
    h.update(Path(__file__).read_bytes())
    h.update(Path(timeline.__file__).read_bytes())
    return h.hexdigest()


def _corpus_digest(nquads: Path) -> str:
    return json.loads((nquads.parent / "stamp.json").read_text(encoding="utf-8"))["digest"]


def _read_artefact(path: Path, key: dict) -> Knowledge | None:
    try:
        with open(path, "rb") as f:
            header = pickle.load(f)
            if header != key:
                return None
            k = pickle.load(f)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a truncated or foreign file: rebuild, never fail a start on it
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    return k if isinstance(k, Knowledge) else None


def build(target: Path | None = None) -> Path:
    """``cloudkader build``: the compiled corpus and, beside it, the checks' Knowledge, so that a
    start reads it instead of querying."""
    nquads = corpus.build(target)
    build_artefact(nquads)
    return nquads


def artefact_dir(nquads: Path) -> Path:
    """Where the artefact of the compiled corpus at ``nquads`` lives: beside it, unless that is
    the read-only corpus of an installed wheel — then in the user cache folder."""
    if nquads.parent.resolve() == paths.SHIPPED_COMPILED_DIR.resolve():
        return paths.BUILD_DIR
    return nquads.parent


def build_artefact(nquads: Path) -> Knowledge:
    """Read the Knowledge from the compiled corpus at ``nquads`` (through an embedded pyoxigraph
    store: the fastest to load) and write it to :func:`artefact_dir` (if that cannot be written,
    the Knowledge is still returned: a read-only home costs a second of start-up, not a crash)."""
    from ..stores.local import OxigraphStore

    k = load(OxigraphStore.from_nquads(nquads))
    key = {"corpus": _corpus_digest(nquads), "code": code_digest()}
    folder = artefact_dir(nquads)
    tmp = folder / f"{ARTEFACT}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump(key, f, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(k, f, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / ARTEFACT)
    except OSError as exc:
        log.warning("cannot write %s: %s", folder / ARTEFACT, exc)
    return k


def compiled(target: Path | None = None) -> Knowledge:
    """The Knowledge of the current corpus: from the artefact when its key matches the compiled
    corpus' digest and this code, else rebuilt (the corpus first, if a source changed)."""
    import fcntl

    nquads = corpus.compiled_corpus_path(target)
    key = {"corpus": _corpus_digest(nquads), "code": code_digest()}
    folder = artefact_dir(nquads)
    path = folder / ARTEFACT
    k = _read_artefact(path, key)
    if k is not None:
        return k
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".lock", "w")
    except OSError:  # a read-only cache folder: build in memory
        return build_artefact(nquads)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            k = _read_artefact(path, key)  # another process may have built it meanwhile
            if k is None:
                k = build_artefact(nquads)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return k

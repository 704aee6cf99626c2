"""Batch validation of large registers: ``cloudkader validate FILE… [--jobs N]``.

The answer for every service is, exactly, the answer of validating that service alone — the
reference path, ``Checker.check`` on the description with that one service (its enrichment
and the compiled SHACL evaluator of :mod:`cloudkader.fastshacl`) — and the exit status follows
from it. ``tests/test_batch.py`` compares the two, JSON and exit status, on the real register
and on a generated one. What makes it fast:

1. **Parse once, keep little.** pyoxigraph parses each file; per subject only the triples a
   check can look at are kept (``rdf:type``, the properties on the shapes' paths,
   ``ckd:usedBy``, ``ckd:processes``, the preferred ``rdfs:label``), as interned N-Triples
   strings — no rdflib Graph in the hot path. Every term is still looked at for the vocabulary
   check of ``description.check``; when that check or the parser finds a problem (or a literal
   the reference reader could refuse), the file is read again by the reference reader, so the
   error message is the reference's, word for word. JSON-LD always takes the reference reader.
2. **Enrich only what the shapes can reach.** The shapes are analysed once: which properties
   their paths use and how many steps deep they look (``Plan.depth``). A service's *region* is
   what lies within that many steps along those properties; its nodes get exactly the facts
   ``enrichment.enrich`` would give them (closed types, corpus jurisdictions and parts, broader
   data categories and the scopes on the service) and nothing else. Evaluating the shapes on
   the region gives the same results as on the whole enriched graph. The compiled shapes are
   fastshacl's, in another term space (``NtTerms``, over ``View``): one implementation.
3. **Same facts, same results.** Nodes the shapes or the corpus name keep their IRI in a key;
   the others (the service's own measures, providers, exit strategies) are keyed by what hangs
   below them. Shapes are grouped by the properties they read at the service; a group's
   results are cached per key, where an anonymous value counts only through what the group's
   checks answer on it (``Plan._group_spec``, ``Engine._part``) and duplicates are dropped when
   the group never counts values. Every compiled check is also memoised at the service and at
   its neighbours (``Plan._memoised``), and the whole service's key gives its answer directly.
   Results are re-labelled with the service. A region where an anonymous node is reached
   twice (not a tree), or that reaches back to the service, is evaluated without the caches.
4. **Processes.** Above ``PARALLEL_THRESHOLD`` services the services are split over ``--jobs``
   forked processes (default: the number of cores); each has its own caches and sends back
   only the distinct answers.

Anything the analysis cannot vouch for — shapes the fast engine cannot compile, a path other
than a predicate or a sequence of predicates, recursive shapes, ``sh:datatype`` or literal
constants, ``rdfs:subClassOf`` in the data, the pySHACL engine — runs the reference path
instead, service by service, with the same answers. Measured in ``docs/performance.md``.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .checks import SEVERITY, Checker, RawResult, _add_result, label_rank
from .description import Description, DescriptionError
from .enrichment import MAX_DEPTH, merged_scopes
from .fastshacl import rdf_list
from .namespaces import CKD, SH

PARALLEL_THRESHOLD = 2000  # below this many services one process is faster than forking
CHUNK = 1000  # services per unit of work handed to a process

_TYPE = f"<{RDF.type}>"
_LABEL = f"<{RDFS.label}>"
_SUBCLASS = f"<{RDFS.subClassOf}>"
_USED_BY = f"<{CKD.usedBy}>"
_PROCESSES = f"<{CKD.processes}>"
_SERVICE = f"<{CKD.CloudService}>"
_IN_SCOPE = f"<{CKD.inScopeOf}>"
_BINDING = f"<{CKD.bindingFramework}>"
_ADVISORY = f"<{CKD.advisoryFramework}>"
_CKD = f"<{CKD}"
_LABEL_ONLY = "label"
BASE_IRI = None  # relative IRIs are an error, as for the reference reader


class Unsupported(Exception):
    """The shapes or the data need the reference path."""


def nt(term) -> str:
    """An rdflib IRI or blank node as the N-Triples string this module uses for it."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(term)


# -- the shapes, analysed once ------------------------------------------------------------------


@dataclass
class Group:
    preds: tuple[str, ...]  # properties read at the service (N-Triples IRIs)
    targets: list[int]  # indexes into Plan.targets
    parts: list = field(default_factory=list)  # (property, index into Plan.specs or None)


class Plan:
    """What the fast path needs to know about the compiled shapes of a checker."""

    def __init__(self, checker: Checker):
        if checker.engine != "fast":
            raise Unsupported("the reference engine was asked for")
        from .fastshacl import CompiledShapes, IndexedGraph, Unsupported as NotCompiled

        k = checker.k
        g = IndexedGraph(k.shapes)
        for p in (SH.datatype, SH.lessThan, SH.equals, SH.disjoint):
            if (None, p, None) in g:
                raise Unsupported(f"{p} in the shapes")
        for p in (SH.hasValue, SH["in"]):
            for o in g.objects(None, p):
                values = rdf_list(g, o) if p == SH["in"] else [o]
                if any(isinstance(v, Literal) for v in values):
                    raise Unsupported("a literal constant in the shapes (rdflib compares literals by value)")
        self.checker = checker
        self.g = g
        self.relevant: set[str] = set()
        self._memo: dict = {}
        self._stack: set = set()
        self.memo_caches: list[dict] = []  # the caches of the memoised checks, emptied per Engine
        try:
            compiled = CompiledShapes(g, terms=NtTerms, wrap=self._memoised)
        except NotCompiled as exc:
            raise Unsupported(str(exc)) from None
        self.compiled = compiled
        # targeted shapes in the reference's order (sorted by shape), with their targets
        self.targets = []
        deps = []
        depth = 0
        for shape, classes, nodes in compiled.targeted:
            preds, depth_t = self._analyse(shape)
            depth = max(depth, depth_t)
            self.targets.append((shape, frozenset(nt(c) for c in classes), frozenset(nt(n) for n in nodes)))
            deps.append(tuple(sorted(preds)))
        if _TYPE in self.relevant or _SUBCLASS in self.relevant:
            raise Unsupported("a path over rdf:type or rdfs:subClassOf")
        self.depth = max(depth, 1)
        if self.depth > MAX_DEPTH:
            raise Unsupported(f"the shapes look {self.depth} steps deep; enrichment copies {MAX_DEPTH}")
        groups: dict[tuple, Group] = {}
        for i, d in enumerate(deps):
            groups.setdefault(d, Group(d, [])).targets.append(i)
        self.groups = list(groups.values())
        # IRIs the shapes mention (compared by identity) are never anonymised
        self.constants = {nt(t) for t in _terms(g) if isinstance(t, URIRef)}
        self.relevant_list = sorted(self.relevant)
        # per group and property read at the service: how its values are read (_group_spec);
        # groups that read a property the same way share the spec (and its answers)
        self.specs: list[tuple] = []  # (property, checks, tails, counts)
        self.plain_preds: list[str] = []  # properties some group reads by their values' keys
        index: dict = {}
        for group in self.groups:
            spec = self._group_spec(group)
            group.parts = []
            for p in group.preds:
                sp = spec.get(p)
                if sp is None or not (sp["checks"] or sp["tails"]):
                    group.parts.append((p, None))
                    if p not in self.plain_preds:
                        self.plain_preds.append(p)
                    continue
                ident = (p, tuple(id(c) if not isinstance(c, tuple) else c for c in sp["checks"]),
                         tuple(sp["tails"]), sp["counts"])
                si = index.get(ident)
                if si is None:
                    si = index[ident] = len(self.specs)
                    self.specs.append((p, sp["checks"], sp["tails"], sp["counts"]))
                group.parts.append((p, si))
        # per targeted shape and per property shape: provision, framework, messages
        self.info = {}
        for shape, _c, _n in compiled.targeted:
            self._shape_info(shape)
            for ps in g.objects(shape, SH.property):
                self._shape_info(ps)

    def _group_spec(self, group: Group) -> dict:
        """For each property the group's shapes read at the service: the checks they apply to its
        values (compiled closures and classes), the rest of any sequence path starting with it,
        and whether they count values (else only which distinct values there are matters). A
        service's values then need only be told apart by those checks' answers (and the keys of
        what the sequence paths reach): Engine._part."""
        spec: dict = {}
        seen: set = set()
        for ti in group.targets:
            self._walk(self.targets[ti][0], spec, seen)
        return spec

    def _walk(self, shape, spec: dict, seen: set) -> None:
        """Collect the uses of the service's values by ``shape``, evaluated at the service."""
        if shape in seen:
            return
        seen.add(shape)
        g, compiled = self.g, self.compiled
        refs = list(g.objects(shape, SH["not"])) + list(g.objects(shape, SH.node)) \
            + list(g.objects(shape, SH.qualifiedValueShape))
        for lst in list(g.objects(shape, SH["and"])) + list(g.objects(shape, SH["or"])) + list(g.objects(shape, SH.xone)):
            refs += rdf_list(g, lst)
        path = g.value(shape, SH.path)
        if path is None:
            for r in refs:
                self._walk(r, spec, seen)
        else:
            steps = self._path_steps(path)
            sp = spec.setdefault(steps[0], {"checks": [], "tails": [], "counts": False})
            counting = any(int(o) > 1 for o in g.objects(shape, SH.minCount)) \
                or any(True for _ in g.objects(shape, SH.maxCount)) \
                or any(int(o) > 1 for o in g.objects(shape, SH.qualifiedMinCount)) \
                or any(True for _ in g.objects(shape, SH.qualifiedMaxCount))
            sp["counts"] = sp["counts"] or counting
            if len(steps) > 1:
                sp["tails"].append(tuple(steps[1:]))  # what the path reaches is told apart by its keys
            else:
                sp["checks"] += [compiled.conforms_check(r) for r in refs]
                sp["checks"] += [("class", nt(c)) for c in g.objects(shape, SH["class"])]
        for ps in g.objects(shape, SH.property):  # evaluated at the same node (fastshacl)
            self._walk(ps, spec, seen)

    def _memoised(self, shape, check):
        """``check`` remembering its answer at the service for each distinct key of what it
        reads there (the services' own keys); at other nodes, and for a service whose region is
        not a tree, it runs as compiled."""
        preds, _depth = self._analyse(shape)
        preds = tuple(sorted(preds))
        cache: dict = {}
        at_child: dict = {}  # at a neighbour of the service: by the neighbour's key
        self.memo_caches += [cache, at_child]

        def memo(d, f):
            if not d.cacheable:
                return check(d, f)
            if f != d.s:
                k = d.vkeys.get(f)
                if k is None:
                    return check(d, f)
                r = at_child.get(k)
                if r is None:
                    r = at_child[k] = check(d, f)
                return r
            child = d.child
            key = (d.base, *[child.get(p, ()) for p in preds])
            r = cache.get(key)
            if r is None:
                r = cache[key] = check(d, f)
            return r

        return memo

    def _shape_info(self, shape):
        c = self.checker
        provision = c._provision_of_shape(shape)
        framework = c.k.provisions[provision].framework if provision in c.k.provisions else None
        messages = c._shape_messages(shape)
        nl = messages.get("nl") or messages.get(None) or next(iter(messages.values()), "")
        en = messages.get("en") or nl
        self.info[shape] = (provision, framework, nl, en, messages)

    def _path_steps(self, path) -> list[str]:
        if isinstance(path, URIRef):
            return [nt(path)]
        if (path, RDF.first, None) in self.g:
            steps = rdf_list(self.g, path)
            if all(isinstance(x, URIRef) for x in steps):
                return [nt(x) for x in steps]
        raise Unsupported(f"path {path!r}")

    def _analyse(self, shape) -> tuple[set[str], int]:
        """(properties read at the node ``shape`` is evaluated on, how many steps deep it
        looks from there), mirroring ``fastshacl.CompiledShapes``: components apply to the path's
        value nodes (or the node itself without a path); ``sh:property`` to the same node."""
        if shape in self._memo:
            return self._memo[shape]
        if shape in self._stack:
            raise Unsupported("recursive shapes")
        self._stack.add(shape)
        g = self.g
        path = g.value(shape, SH.path)
        steps = self._path_steps(path) if path is not None else []
        self.relevant.update(steps)
        preds: set[str] = set(steps[:1])
        depth = len(steps)
        refs = list(g.objects(shape, SH["not"])) + list(g.objects(shape, SH.node)) \
            + list(g.objects(shape, SH.qualifiedValueShape))
        for lst in list(g.objects(shape, SH["and"])) + list(g.objects(shape, SH["or"])) + list(g.objects(shape, SH.xone)):
            refs += rdf_list(g, lst)
        for r in refs:
            p_r, d_r = self._analyse(r)
            if steps:
                depth = max(depth, len(steps) + d_r)
            else:
                preds |= p_r
                depth = max(depth, d_r)
        for ps in g.objects(shape, SH.property):
            p_p, d_p = self._analyse(ps)
            preds |= p_p
            depth = max(depth, d_p)
        self._stack.discard(shape)
        self._memo[shape] = (preds, depth)
        return preds, depth


class NtTerms:
    """fastshacl's term space for this module: N-Triples strings for IRIs and blank nodes,
    pyoxigraph Literals for literals."""

    @staticmethod
    def term(t):
        if isinstance(t, (URIRef, BNode)):
            return nt(t)
        raise Unsupported(f"literal constant {t!r}")

    @staticmethod
    def node_kind_ok(v, kind) -> bool:
        is_iri = type(v) is str and v[0] == "<"
        is_bnode = type(v) is str and v[0] == "_"
        is_lit = type(v) is not str
        return {
            SH.IRI: is_iri, SH.BlankNode: is_bnode, SH.Literal: is_lit,
            SH.BlankNodeOrIRI: is_iri or is_bnode, SH.BlankNodeOrLiteral: is_bnode or is_lit,
            SH.IRIOrLiteral: is_iri or is_lit,
        }.get(kind, False)

    @staticmethod
    def datatype_ok(v, dt) -> bool:
        raise Unsupported("sh:datatype")


class View:
    """One service's enriched data, as fastshacl's Data interface over the Engine's facts."""

    __slots__ = ("_facts", "_local", "s", "s_types", "s_edges", "base", "child", "vkeys", "cacheable")

    def __init__(self, facts, s, s_types, s_edges, base=None, child=None, vkeys=None, cacheable=False):
        self._facts, self._local = facts, {}
        self.s, self.s_types, self.s_edges = s, s_types, s_edges
        self.base, self.child, self.vkeys, self.cacheable = base, child, vkeys or {}, cacheable

    def facts(self, n):
        f = self._local.get(n)
        if f is None:
            f = self._local[n] = self._facts(n)
        return f

    def objects(self, n, p):
        if n == self.s:
            return self.s_edges.get(p, ())
        if type(n) is not str:
            return ()
        return self.facts(n)[1].get(p, ())

    def subjects(self, p, o):
        raise Unsupported("inverse paths")

    def is_instance(self, n, c) -> bool:
        if n == self.s:
            return c in self.s_types
        if type(n) is not str:
            return False
        return c in self.facts(n)[0]


def _terms(g: Graph):
    for s, p, o in g:
        yield s
        yield p
        yield o


# -- the descriptions, parsed compactly --------------------------------------------------------


@dataclass
class Register:
    """Every file's triples that a check can see, per subject: N-Triples strings for IRIs and
    blank nodes, pyoxigraph Literals for literals."""

    by: dict[str, list] = field(default_factory=dict)  # subject -> [p, o, p, o, …]
    labels: dict[str, tuple] = field(default_factory=dict)  # subject -> (rank, label) of its best rdfs:label
    services: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    subclass: bool = False  # some description has rdfs:subClassOf triples


class _FileCheck(Exception):
    """The fast reading of one file found something the reference reader must word."""


def read(files: list[tuple], vocab, keep: set[str], progress=None) -> Register:
    """Parse ``files`` ((origin, bytes or Path, format) each) into one Register; raises
    DescriptionError with the reference reader's message for bad input."""
    reg = Register()
    for origin, data, fmt in files:
        try:
            by, labels, services, subclass = _read_fast(data, fmt, vocab, keep)
        except _FileCheck:
            by, labels, services, subclass = _read_reference(data, fmt, vocab, origin, keep)
        reg.subclass |= subclass
        if not reg.by:
            reg.by, reg.labels = by, labels
        else:
            for s, lst in by.items():
                have = reg.by.get(s)
                if have is None:
                    reg.by[s] = lst
                else:
                    have.extend(lst)
            for s, lab in labels.items():
                if s not in reg.labels or lab < reg.labels[s]:
                    reg.labels[s] = lab
        seen = set(reg.services)
        reg.services += [s for s in services if s not in seen]
        reg.origins.append(origin)
        if progress:
            progress.note(f"read {origin}")
    return reg


def _source(data) -> dict:
    """pyoxigraph's input for ``data``: a file is parsed from its path (never held in memory
    whole), bytes as they are. A byte order mark, bytes that are not UTF-8 or an empty file
    make the parser fail or find no service: the reference reader then words the error."""
    from pathlib import Path

    if isinstance(data, Path):
        return {"path": str(data)}
    return {"input": data}


def _read_fast(data, fmt, vocab, keep):
    import pyoxigraph as ox

    if fmt not in ("turtle", "nt"):
        raise _FileCheck()  # JSON-LD: the reference reader (context rules, depth limits)
    rdf_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
    Lit = ox.Literal
    by: dict[str, list] = {}
    labels: dict[str, str] = {}
    preds: dict = {}  # pyoxigraph predicate -> its N-Triples string if kept, _LABEL_ONLY, or ""
    objects: dict = {}  # every IRI and blank node, subject or object, interned
    services: list[str] = []
    subclass = False
    type_pk = _TYPE
    last_s = last = None
    # a literal the reference reader could refuse for its line breaks, escapes and quotes
    # (each of them at most two characters of source per character of value)
    from . import description

    long_literal = getattr(description, "MAX_LITERAL_PIECES", 10**9) // 2
    try:
        for s, p, o, _g in ox.parse(format=rdf_format, base_iri=BASE_IRI, rename_blank_nodes=True, **_source(data)):
            pk = preds.get(p)
            if pk is None:
                ps = str(p)
                pk = preds[p] = sys.intern(ps) if ps in keep else (_LABEL_ONLY if ps == _LABEL else "")
                if ps == _TYPE:
                    type_pk = pk
                if ps == _SUBCLASS:
                    subclass = True
                if ps.startswith(_CKD) and ps[1:-1] not in vocab.terms:
                    raise _FileCheck()
            if s == last_s:  # Turtle gives a subject's triples together: one lookup for them all
                s = last
            else:
                last_s = s
                s = str(s)
                si = objects.get(s)
                if si is None:
                    objects[s] = s
                else:
                    s = si
                last = s
            if type(o) is not Lit:
                os_ = str(o)
                o = objects.get(os_)
                if o is None:
                    o = objects[os_] = os_
            elif len(o.value) > long_literal:
                raise _FileCheck()  # the reference reader may refuse it (description.MAX_LITERAL_PIECES)
            if pk:
                if pk is _LABEL_ONLY:
                    cand = (_rank(o), _value(o))
                    have = labels.get(s)
                    if have is None or cand < have:
                        labels[s] = cand
                    continue
                lst = by.get(s)
                if lst is None:
                    lst = by[s] = []
                lst.append(pk)
                lst.append(o)
                if pk is type_pk and o == _SERVICE:
                    services.append(s)
    except (SyntaxError, ValueError, UnicodeDecodeError):
        raise _FileCheck() from None
    if _LABEL in keep:  # rdfs:label on a path: kept in the lists
        for s, lst in by.items():
            for i in range(0, len(lst), 2):
                if lst[i] == _LABEL:
                    cand = (_rank(lst[i + 1]), _value(lst[i + 1]))
                    if s not in labels or cand < labels[s]:
                        labels[s] = cand
    # description.check: unknown vocabulary terms, then the services
    for term in objects:
        if term.startswith(_CKD) and term[1:-1] not in vocab.terms:
            raise _FileCheck()
    services = list(dict.fromkeys(services))
    if not services or any(s[0] == "_" for s in services):
        raise _FileCheck()
    for s in services:
        if not _service_ok(by, s, vocab):
            raise _FileCheck()
    labels = {s: labels[s] for s in services if s in labels}  # only the services' are shown
    return by, labels, sorted(services, key=lambda x: x[1:-1]), subclass


_RANKS = {"nl": 0, "en": 2}


def _rank(term) -> int:
    """checks.label_rank of the rdflib term the reference would have."""
    if type(term) is str:
        return 4
    lang = term.language
    return _RANKS.get(lang.lower(), 3) if lang else 1


def _value(term) -> str:
    """str() of the rdflib term the reference would have."""
    if type(term) is str:
        return term[2:] if term[0] == "_" else term[1:-1]
    return term.value


def _service_ok(by, s, vocab) -> bool:
    lst = by[s]
    orgs = [lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == _USED_BY]
    if not orgs:
        return False
    for o in orgs:
        if _value(o) in vocab.organisations:
            continue
        types = {_value(x) for x in _objects(by, o, _TYPE)} if type(o) is str else set()
        if not types & vocab.organisation_classes:
            return False
    for c in (lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == _PROCESSES):
        if _value(c) not in vocab.data_categories:
            return False
    return True


def _objects(by, s, p) -> list:
    lst = by.get(s, ())
    return [lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == p]


def _read_reference(data, fmt, vocab, origin, keep):
    """The reference reader: raises its DescriptionError; if it accepts the file after all (a
    syntax pyoxigraph refuses and rdflib takes, or JSON-LD), its graph is converted."""
    from pathlib import Path

    from . import description

    if isinstance(data, Path):
        data = data.read_bytes()
    desc = description.read(data, fmt, vocab, origin)
    return from_graph(desc.graph, desc.services, keep)


def from_graph(graph: Graph, services, keep):
    import pyoxigraph as ox

    def term(t):
        if isinstance(t, Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            if t.datatype is not None:
                return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
            return ox.Literal(str(t))
        return nt(t)

    by: dict[str, list] = {}
    labels: dict[str, str] = {}
    for s, p, o in graph:
        ps = nt(p)
        if ps in keep:
            by.setdefault(nt(s), []).extend((ps, term(o)))
    for s, lab in graph.subject_objects(RDFS.label):
        cand = (label_rank(lab), str(lab))
        if nt(s) not in labels or cand < labels[nt(s)]:
            labels[nt(s)] = cand
    subclass = (None, RDFS.subClassOf, None) in graph
    return by, labels, [nt(s) for s in services], subclass


# -- one service -------------------------------------------------------------------------------


@dataclass
class Fragment:
    """The answer for services that share one outcome (everything but the IRI and label)."""

    conforms: bool
    json_body: str  # the service object's lines after "service" and "label", indented
    text: list[str]  # the result lines of the text format
    violations: int
    raws: list  # (RawResult without focus, severity, nl, en, provision, framework) for reports


class Engine:
    """Validates the services of a Register one by one, with caches shared across services."""

    def __init__(self, plan: Plan, reg: Register, frameworks: set[str] | None, output: str = "json"):
        self.plan = plan
        self.k = plan.checker.k
        self.reg = reg
        self.frameworks = frameworks
        self.output = output  # json | text | report: what the fragments keep
        k = self.k
        self.superclasses = k.superclasses
        self.sup_nt: dict = {}
        self.node_types_nt = {f"<{n}>": frozenset(f"<{t}>" for t in ts) for n, ts in k.node_types.items()}
        self.facts_nt = {}
        for n, facts in k.node_facts.items():
            self.facts_nt[f"<{n}>"] = [(f"<{p}>", f"<{o}>") for p, o in facts]
        self.named = plan.constants | set(self.node_types_nt) | set(self.facts_nt)
        self.relevant = set(plan.relevant)
        self.ids: dict = {}  # interned keys
        self._node_memo: dict = {}  # (node, remaining depth) -> key id, for named nodes
        self._raw_memo: dict = {}  # (remaining depth, kind, own triples) -> key id, for anonymous leaves
        self._facts: dict = {}  # node -> (types frozenset, {p: [objects]})
        self._scopes: dict = {}  # tuple of organisations -> scopes
        self._group_cache: list[dict] = [dict() for _ in plan.groups]
        self._group_results: list = []  # id -> tuple of raw results
        self._result_ids: dict = {}  # the same results, one id
        self._fragments: dict = {}  # (scopes, group result ids) -> fragment id
        self._alpha: dict = {}  # spec index -> {value key id: id of what the checks answer}
        self._services: dict = {}  # all key parts of a service -> fragment id
        self.fragments: list[Fragment] = []
        self._json_frameworks: dict = {}
        self._json_items: dict = {}
        self.stats = {"services": 0, "uncached": 0, "group_misses": 0, "fragments": 0}
        for cache in plan.memo_caches:  # an Engine per run: the keys' ids are the Engine's
            cache.clear()

    # -- facts of a node, as enrichment gives them ---------------------------------------------
    def facts(self, n):
        f = self._facts.get(n)
        if f is not None:
            return f
        lst = self.reg.by.get(n, ())
        desc_types = []
        edges: dict = {}
        for i in range(0, len(lst), 2):
            p, o = lst[i], lst[i + 1]
            if p == _TYPE:
                desc_types.append(o)
            elif p in self.relevant:
                e = edges.get(p)
                if e is None:
                    edges[p] = [o]
                elif o not in e:
                    e.append(o)
        types = set(self.node_types_nt.get(n, ())) if n[0] == "<" else set()
        for t in desc_types:
            t = _value(t)
            sup = self.sup_nt.get(t)
            if sup is None:
                sup = self.sup_nt[t] = frozenset(f"<{x}>" for x in self.superclasses.get(t, {t}))
            types |= sup
        for p, o in self.facts_nt.get(n, ()):
            if p in self.relevant and p not in edges:
                edges[p] = [o]
        f = (frozenset(types), edges)
        if n in self.named:  # shared by many services; the others are met once per service
            self._facts[n] = f
        return f

    def service_facts(self, s, scopes):
        types, edges = self.facts(s)
        edges = dict(edges)
        lst = self.reg.by.get(s, ())
        if _PROCESSES in self.relevant:
            cats = [lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == _PROCESSES]
            out = list(dict.fromkeys(cats))
            for c in cats:
                for b in self.k.broader.get(_value(c), ()):
                    b = f"<{b}>"
                    if b not in out:
                        out.append(b)
            if out:
                edges[_PROCESSES] = out
        for p, attr in ((_IN_SCOPE, None), (_BINDING, "binding"), (_ADVISORY, "advisory")):
            if p in self.relevant:
                vals = [f"<{sc.framework}>" for sc in scopes if attr is None or sc.kind == attr]
                if vals:
                    old = edges.get(p, [])
                    edges[p] = old + [v for v in vals if v not in old]
        # the service is a ckd:CloudService (enrichment adds it), with its closed types
        types = types | {f"<{t}>" for t in self.superclasses.get(str(CKD.CloudService), {str(CKD.CloudService)})}
        return frozenset(types), edges

    def scopes(self, s):
        orgs = tuple(dict.fromkeys(_objects(self.reg.by, s, _USED_BY)))
        sc = self._scopes.get(orgs)
        if sc is None:
            sc = self._scopes[orgs] = self._compute_scopes(orgs)
        return sc

    def _compute_scopes(self, orgs):
        g = Graph()  # the organisations' own types, as the reference reads them from the description
        for o in orgs:
            if type(o) is str:
                for t in _objects(self.reg.by, o, _TYPE):
                    if type(t) is str and t[0] == "<":
                        g.add((_rdf(o), RDF.type, URIRef(t[1:-1])))
        return merged_scopes(self.k, g, [_rdf(o) for o in orgs])

    # -- canonical keys ------------------------------------------------------------------------
    def _id(self, key) -> int:
        i = self.ids.get(key)
        if i is None:
            i = self.ids[key] = len(self.ids)
        return i

    def key(self, n, r, ctx) -> int:
        """The key of node ``n`` with ``r`` steps left to look; ``ctx`` collects the anonymous
        nodes met (a second meeting makes the region uncacheable)."""
        if type(n) is not str:
            return self._id(("L", n))
        if n == ctx["service"]:
            ctx["ok"] = False
            return -1
        named = n in self.named
        if named:
            m = self._node_memo.get((n, r))
            if m is not None:
                return m
            before = len(ctx["anon"])
        else:
            anon = ctx["anon"]
            if n in anon:
                ctx["ok"] = False
            anon.add(n)
            # an anonymous node's key follows from its own triples when nothing anonymous
            # hangs below it (its types and properties are all it has: the corpus knows nothing of it)
            raw = (r, n[0], tuple(self.reg.by.get(n, ())))
            m = self._raw_memo.get(raw)
            if m is not None:
                return m
            before = len(anon)
        types, edges = self.facts(n)
        name = n if named else ("B" if n[0] == "_" else "I")
        if r == 0 or not edges:
            k = self._id((name, types))
        else:
            parts = tuple((p, tuple(sorted(self.key(o, r - 1, ctx) for o in objs))) for p, objs in sorted(edges.items()))
            k = self._id((name, types, parts))
        if len(ctx["anon"]) == before and ctx["ok"]:
            if named:
                self._node_memo[(n, r)] = k
            else:
                self._raw_memo[raw] = k
        return k

    # -- one service ---------------------------------------------------------------------------
    CACHE_BUDGET = 400_000  # cached keys; past it the key caches start afresh (memory stays flat)

    def _trim(self) -> None:
        if len(self.ids) + len(self._services) + len(self._raw_memo) + sum(len(c) for c in self.plan.memo_caches) > self.CACHE_BUDGET:
            self.ids.clear()  # key ids are only meaningful with the caches keyed by them
            self._node_memo.clear()
            self._raw_memo.clear()
            for c in self._group_cache:
                c.clear()
            for c in self.plan.memo_caches:
                c.clear()
            self._alpha.clear()
            self._services.clear()
            self.stats["cache_resets"] = self.stats.get("cache_resets", 0) + 1

    def service(self, s) -> int:
        """The fragment id of service ``s``."""
        self.stats["services"] += 1
        if self.stats["services"] % 1000 == 0:
            self._trim()
        plan = self.plan
        scopes = self.scopes(s)
        types, edges = self.service_facts(s, scopes)
        ctx = {"service": s, "anon": set(), "ok": True}
        r = plan.depth - 1
        child = {}
        kids = {}
        vkeys = {}  # the service's direct neighbours -> their keys
        key = self.key
        for p, objs in edges.items():
            ks = []
            for o in objs:
                k = key(o, r, ctx)
                ks.append(k)
                if type(o) is str:
                    vkeys[o] = k
            child[p] = tuple(sorted(ks))
            kids[p] = list(zip(objs, ks))
        base = (self._id(("T", types)), s if s in plan.constants else None)
        group_ids = []
        view = View(self.facts, s, types, edges, base, child, vkeys, ctx["ok"])
        ok = ctx["ok"]
        parts: dict = {}  # spec index -> the key part, for this service
        scope_sig = tuple((sc.framework, sc.kind) for sc in scopes)
        if ok:  # the whole service at once: the same key parts give the same fragment
            for si in range(len(plan.specs)):
                parts[si] = self._part(si, kids.get(plan.specs[si][0], ()), child, view)
            skey = (base, scope_sig, tuple(child.get(p, ()) for p in plan.plain_preds),
                    tuple(parts[si] for si in range(len(plan.specs))))
            fid = self._services.get(skey)
            if fid is not None:
                return fid
        for gi, group in enumerate(plan.groups):
            if ok:
                gkey = list(base)
                for p, si in group.parts:
                    if si is None:
                        gkey.append(child.get(p, ()))
                    else:
                        part = parts.get(si)
                        if part is None:
                            part = parts[si] = self._part(si, kids.get(p, ()), child, view)
                        gkey.append(part)
                gkey = tuple(gkey)
                rid = self._group_cache[gi].get(gkey)
            else:
                rid = None
            if rid is None:
                self.stats["group_misses"] += 1
                res = tuple(self._evaluate(view, s, types, group))
                rid = self._result_ids.get(res)
                if rid is None:
                    rid = self._result_ids[res] = len(self._group_results)
                    self._group_results.append(res)
                if ctx["ok"]:
                    self._group_cache[gi][gkey] = rid
            group_ids.append(rid)
        if not ctx["ok"]:
            self.stats["uncached"] += 1
        fkey = (scope_sig, tuple(group_ids))
        fid = self._fragments.get(fkey)
        if fid is None:
            fid = self._fragments[fkey] = len(self.fragments)
            self.fragments.append(self._fragment(scopes, group_ids))
            self.stats["fragments"] += 1
        if ok:
            self._services[skey] = fid
        return fid

    def _part(self, si, kids, child, view):
        """A group's key part for the service's values of a property: the values' keys, or —
        for anonymous values — what the group's checks answer on them (Plan._group_spec)."""
        p, checks, tails, counts = self.plan.specs[si]
        if not kids:
            return ()
        cache = self._alpha.get(si)
        if cache is None:
            cache = self._alpha[si] = {}
        named = self.named
        out = []
        for o, k in kids:
            if type(o) is not str or o in named:
                out.append(k)
                continue
            a = cache.get(k)
            if a is None:
                a = cache[k] = self._alpha_of(si, o, view)
            out.append(a)
        return tuple(sorted(out)) if counts else tuple(sorted(set(out)))

    def _alpha_of(self, si, o, view) -> int:
        p, checks, tails_spec, counts = self.plan.specs[si]
        answers = []
        for check in checks:
            if type(check) is tuple:
                answers.append(view.is_instance(o, check[1]))
            else:
                answers.append(bool(check(view, o)))
        tails = []
        for steps in tails_spec:
            nodes = [o]
            for step in steps:
                nxt = {}
                for n in nodes:
                    for x in view.objects(n, step):
                        nxt[x] = None
                nodes = list(nxt)
            r = self.plan.depth - 1 - len(steps)
            scratch = {"service": view.s, "anon": set(), "ok": True}
            tails.append(tuple(sorted(self.key(x, r, scratch) for x in nodes)))
        return self._id(("A", si, o[0], tuple(answers), tuple(tails)))

    def _evaluate(self, view, s, types, group: Group) -> list:
        """The raw results of the group's targeted shapes on ``s``: (ordinal, shape, severity,
        path, component, value is the focus)."""
        compiled = self.plan.compiled
        out = []
        for ti in group.targets:
            shape, classes, nodes = self.plan.targets[ti]
            if not (classes & types or s in nodes):
                continue
            for j, r in enumerate(compiled.validate_focus(view, shape, s)):
                out.append(((ti, j), r.shape, r.severity, r.path, r.component, r.value is not None))
        return out

    def _fragment(self, scopes, group_ids) -> Fragment:
        kinds = {sc.framework: sc.kind for sc in scopes}
        results = []
        for rid in group_ids:
            for ordinal, shape, severity, path, component, value_is_focus in self._group_results[rid]:
                provision, framework, nl, en, messages = self.plan.info[shape]
                if self.frameworks is not None and framework not in self.frameworks:
                    continue
                sev = SEVERITY.get(str(severity), "Violation")
                if kinds.get(framework) == "advisory" and sev == "Violation":
                    sev = "Warning"
                p = str(path) if isinstance(path, URIRef) else None
                results.append((framework or "", provision or "", nl, p or "", ordinal,
                                {"provision": provision, "framework": framework, "severity": sev,
                                 "message": nl, "message_en": en, "path": p},
                                (shape, severity, path, component, value_is_focus, messages, sev, nl, en, provision, framework)))
        results.sort(key=lambda x: x[:5])
        conforms = not any(x[5]["severity"] == "Violation" for x in results)
        violations = sum(1 for x in results if x[5]["severity"] == "Violation")
        if self.output == "text":
            text = [f"  [{x[5]['severity']}] {_short(x[5]['provision'])}: {x[5]['message']}" for x in results]
            return Fragment(conforms, "", text, violations, [])
        if self.output == "report":
            return Fragment(conforms, "", [], violations, [x[6] for x in results])
        lines = ["      \"conforms\": " + ("true" if conforms else "false") + ","]
        fw = self._json_frameworks.get(tuple((sc.framework, sc.kind) for sc in scopes))
        if fw is None:
            fw = _json_list([{"framework": sc.framework, "scope": sc.kind} for sc in scopes], {})
            self._json_frameworks[tuple((sc.framework, sc.kind) for sc in scopes)] = fw
        lines.append("      \"frameworks\": " + fw + ",")
        lines.append("      \"results\": " + _json_list([x[5] for x in results], self._json_items))
        return Fragment(conforms, "\n".join(lines), [], violations, [])


def _json_list(items: list[dict], memo: dict) -> str:
    """``json.dumps(items, ensure_ascii=False, indent=2)`` as it reads three levels deep in the
    answer (each item rendered once)."""
    if not items:
        return "[]"
    parts = []
    for item in items:
        key = tuple(item.items())
        text = memo.get(key)
        if text is None:
            text = memo[key] = "\n".join("        " + line for line in
                                         json.dumps(item, ensure_ascii=False, indent=2).split("\n"))
        parts.append(text)
    return "[\n" + ",\n".join(parts) + "\n      ]"


def _rdf(n):
    if type(n) is str:
        return BNode(n[2:]) if n[0] == "_" else URIRef(n[1:-1])
    if n.language:
        return Literal(n.value, lang=n.language)
    dt = n.datatype.value
    if dt == "http://www.w3.org/2001/XMLSchema#string":
        return Literal(n.value)
    return Literal(n.value, datatype=URIRef(dt))


def _short(iri: str | None) -> str:
    if not iri:
        return "-"
    return iri.replace("https://w3id.org/cloudkader/id/", "")


# -- the whole run -----------------------------------------------------------------------------


@dataclass
class Outcome:
    services: list[str]  # N-Triples IRIs
    labels: list[str | None]
    fragment_of: list  # per service: a Fragment
    stats: dict

    @property
    def conforms(self) -> bool:
        return all(f.conforms for f in self.fragment_of)


_WORKER: dict = {}


def _work(bounds):
    lo, hi = bounds
    engine: Engine = _WORKER["engine"]
    start = len(engine.fragments)
    ids = [engine.service(s) for s in _WORKER["services"][lo:hi]]
    new = engine.fragments[start:]
    return os.getpid(), start, new, ids, dict(engine.stats)


def run(plan: Plan, reg: Register, frameworks: set[str] | None, jobs: int = 1, output: str = "json",
        progress=None) -> Outcome:
    services = reg.services
    n = len(services)
    stats: dict = {}
    if jobs > 1 and n >= PARALLEL_THRESHOLD:
        import multiprocessing as mp

        _WORKER["engine"] = Engine(plan, reg, frameworks, output)
        _WORKER["services"] = services
        chunks = [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
        tables: dict[int, list] = {}
        fragment_of = []
        per_worker: dict[int, dict] = {}
        ctx = mp.get_context("fork")
        import gc

        gc.freeze()  # the parsed register is shared with the processes: no collection copies it
        with ctx.Pool(jobs) as pool:
            for pid, start, new, ids, wstats in pool.imap(_work, chunks):
                table = tables.setdefault(pid, [])
                assert len(table) == start
                table.extend(new)
                fragment_of.extend(table[i] for i in ids)
                per_worker[pid] = wstats
                if progress:
                    progress.update(len(fragment_of), n)
        _WORKER.clear()
        for w in per_worker.values():
            for key, v in w.items():
                stats[key] = stats.get(key, 0) + v
        stats["processes"] = len(per_worker)
    else:
        engine = Engine(plan, reg, frameworks, output)
        fragment_of = []
        for i, s in enumerate(services):
            fragment_of.append(engine.fragments[engine.service(s)])
            if progress and i % 500 == 499:
                progress.update(i + 1, n)
        stats = dict(engine.stats)
        stats["processes"] = 1
    if progress:
        progress.update(n, n)
    labels = [reg.labels[s][1] if s in reg.labels else None for s in services]
    return Outcome(services, labels, fragment_of, stats)


# -- output ------------------------------------------------------------------------------------


def write_json(out: Outcome, stream) -> None:
    """Exactly ``json.dumps(validation_json(reports), ensure_ascii=False, indent=2)`` + newline."""
    d = json.dumps
    stream.write('{\n  "conforms": ' + ("true" if out.conforms else "false") + ',\n  "services": [\n')
    last = len(out.services) - 1
    for i, (s, label, frag) in enumerate(zip(out.services, out.labels, out.fragment_of)):
        stream.write('    {\n      "service": ' + d(s[1:-1], ensure_ascii=False) + ',\n      "label": '
                     + d(label, ensure_ascii=False) + ",\n" + frag.json_body + ("\n    }\n" if i == last else "\n    },\n"))
    stream.write("  ]\n}\n")


def write_text(out: Outcome, stream) -> None:
    violations = 0
    for s, label, frag in zip(out.services, out.labels, out.fragment_of):
        status = "conforms" if frag.conforms else "does not conform"
        stream.write(s[1:-1] + (f"  ({label})" if label else "") + f": {status}\n")
        if frag.text:
            stream.write("\n".join(frag.text) + "\n")
        violations += frag.violations
    stream.write(f"{len(out.services)} service(s), {violations} violation(s)\n")


def report_graph(out: Outcome) -> Graph:
    """The W3C validation report, as ``Checker._validate`` builds it."""
    g = Graph()
    g.bind("sh", SH)
    g.bind("ckd", CKD)
    for s, frag in zip(out.services, out.fragment_of):
        for shape, severity, path, component, value_is_focus, messages, sev, nl, en, provision, framework in frag.raws:
            raw = RawResult(s[1:-1], shape, sev, path, component, _rdf(s) if value_is_focus else None, messages)
            _add_result(g, raw, sev, nl, en, provision, framework)
    root = BNode()
    g.add((root, RDF.type, SH.ValidationReport))
    g.add((root, SH.conforms, Literal(out.conforms)))
    for r in g.subjects(RDF.type, SH.ValidationResult):
        g.add((root, SH.result, r))
    return g


# -- progress ----------------------------------------------------------------------------------


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0

    @classmethod
    def maybe(cls, enabled: bool | None = None):
        stream = sys.stderr
        if enabled is None:
            enabled = hasattr(stream, "isatty") and stream.isatty()
        return cls(stream) if enabled else None

    def note(self, what: str) -> None:
        self.stream.write(f"\r\033[K{what} ({time.monotonic() - self.start:.1f} s)")
        self.stream.flush()

    def update(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < 0.1:
            return
        self.last = now
        width = 30
        filled = int(width * done / total) if total else width
        rate = done / (now - self.start) if now > self.start else 0
        self.stream.write(f"\r\033[Kvalidating [{'#' * filled}{'.' * (width - filled)}] {done}/{total} services"
                          f" ({rate:,.0f}/s)")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()


# -- the reference, one service at a time ------------------------------------------------------


def reference_reports(desc: Description, checker: Checker, frameworks: set[str] | None,
                      want_report: bool = False):
    """Each service of ``desc`` validated alone on the reference path (the oracle the batch
    must equal, and the fallback when the fast path cannot vouch for the shapes or the data):
    (the reports, and the W3C report graph when ``want_report``)."""
    reports = []
    graph = Graph() if want_report else None
    for s in desc.services:
        reps, g = checker.check(Description(desc.graph, [s], desc.origin), frameworks=frameworks,
                                want_applicable=False)
        reports += reps
        if want_report:
            roots = set(g.subjects(RDF.type, SH.ValidationReport))
            for t in g:
                if t[0] not in roots:
                    graph.add(t)
    if want_report:
        graph.bind("sh", SH)
        graph.bind("ckd", CKD)
        root = BNode()
        graph.add((root, RDF.type, SH.ValidationReport))
        graph.add((root, SH.conforms, Literal(all(r.conforms for r in reports))))
        for r in list(graph.subjects(RDF.type, SH.ValidationResult)):
            graph.add((root, SH.result, r))
    return reports, graph


def keep_set(plan: Plan) -> set[str]:
    return set(plan.relevant) | {_TYPE, _USED_BY, _PROCESSES}


def validate_files(files: list[tuple[str, bytes, str]], checker: Checker, frameworks: set[str] | None,
                   jobs: int = 1, output: str = "json", progress=None) -> Outcome | None:
    """The batch run over ``files``; None when the fast path cannot vouch for these shapes or
    this data (the caller then runs ``reference_reports``). Raises DescriptionError."""
    import gc

    try:
        plan = Plan(checker)
    except Unsupported:
        return None
    enabled = gc.isenabled()
    gc.disable()  # millions of small containers and no cycles: collections would only cost time
    try:
        reg = read(files, checker.k.vocabulary, keep_set(plan), progress)
        if reg.subclass:
            return None
        return run(plan, reg, frameworks, jobs, output, progress)
    finally:
        if enabled:
            gc.enable()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)

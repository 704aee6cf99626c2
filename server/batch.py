"""Batch validation of large registers: ``cloudkader validate FILE… [--jobs N]``.

The answer for every service is, exactly, the answer of validating that service alone — the
reference path, ``Checker.check`` on the description with that one service — and the exit status
follows from it (``tests/test_batch.py`` compares the two). The SHACL evaluation is the default
engine's (:mod:`cloudkader.shacl_engine`, the Rust ``shacl`` package); what this module adds is
only how the data graph is built, without an rdflib graph:

1. **Parse once, keep little** (:mod:`cloudkader.batch_read`): pyoxigraph parses each file and
   keeps, per subject, the triples the shapes can read, as N-Triples strings.
2. **Enrich by region.** The shapes are analysed once (``Plan``): which properties they read and
   how many steps from the focus node they look (``Plan.depth``). A service's *region* is what
   lies within that many steps along those properties; its nodes get exactly the facts
   ``enrichment.enrich`` would give them (closed types, corpus facts, broader data categories,
   the scopes on the service), written as N-Triples lines.
3. **Validate many services in one run.** The regions of a chunk of services are joined into one
   data graph and validated in one engine run. This equals validating each region alone because
   the shapes only follow properties forwards, at most ``depth`` steps, and no service lies in
   another's region (checked; otherwise the reference path runs).

Anything the analysis cannot vouch for — shapes the default engine refuses, the pySHACL engine,
paths other than a predicate or a sequence of predicates, ``sh:closed``, ``sh:targetObjectsOf``,
recursive shapes, ``rdfs:subClassOf`` in the data, a result on a node that is not a service,
one service inside another's region — runs the reference path instead, service by service, with
the same answers. Measured in ``docs/performance.md``.
"""

from __future__ import annotations

import os
import sys
import time

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .batch_read import _LABEL, _PROCESSES, _SUBCLASS, _TYPE, _USED_BY, _objects, _value, nt, read
from .checks import Checker, ServiceReport
from .description import Description
from .enrichment import MAX_DEPTH, merged_scopes
from .namespaces import CKD, SH

CHUNK = 2000  # services per engine run: bounds the data graph held at once

_IN_SCOPE = f"<{CKD.inScopeOf}>"
_BINDING = f"<{CKD.bindingFramework}>"
_ADVISORY = f"<{CKD.advisoryFramework}>"
_NODE_LEVEL = (SH.node, SH["not"], SH.property, SH.qualifiedValueShape)
_LISTS = (SH["and"], SH["or"], SH.xone)
_COMPARISONS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
# constraints that read a node's name: the nodes of a service are then not renamed (Canon)
_STRINGS = (SH.pattern, SH.minLength, SH.maxLength, SH.languageIn, SH.flags)


class Unsupported(Exception):
    """The shapes or the data need the reference path."""


class Plan:
    """What the batch needs to know about a checker's shapes: the properties they read
    (``relevant``, N-Triples IRIs) and the farthest node, in steps from the focus, whose own
    triples they read (``depth``)."""

    def __init__(self, checker: Checker):
        if checker.engine != "shacl" or checker.compiled is None:
            raise Unsupported("the reference engine runs")
        self.checker = checker
        g = self.g = checker.compiled.shapes
        for p, why in ((SH.closed, "sh:closed"), (SH.targetObjectsOf, "sh:targetObjectsOf")):
            if (None, p, None) in g:
                raise Unsupported(f"{why} in the shapes")
        self.relevant: set[str] = set()
        for p in g.objects(None, SH.targetSubjectsOf):
            self.relevant.add(nt(p))
        depth = 0
        for shape in _targeted(g):
            depth = max(depth, self._reads(shape, ()))
        if _SUBCLASS in self.relevant:
            raise Unsupported("a path over rdfs:subClassOf")
        if depth > MAX_DEPTH:
            raise Unsupported(f"the shapes look {depth} steps deep; enrichment copies {MAX_DEPTH}")
        self.depth = max(depth, 0)
        self.keep = self.relevant | {_TYPE, _USED_BY, _PROCESSES}

    def _reads(self, shape, stack: tuple) -> int:
        """The farthest node (steps from the focus) whose triples ``shape`` reads; -1: none."""
        if shape in stack:
            raise Unsupported("recursive shapes")
        stack = stack + (shape,)
        g = self.g
        far = -1
        steps = 0
        path = g.value(shape, SH.path)
        if path is not None:
            preds = list(g.items(path)) if (path, RDF.first, None) in g else [path]
            if not preds or any(not isinstance(p, URIRef) for p in preds):
                raise Unsupported("a path other than a predicate or a sequence of predicates")
            self.relevant.update(nt(p) for p in preds)
            steps = len(preds)
            far = steps - 1
        for p in _COMPARISONS:
            for q in g.objects(shape, p):
                self.relevant.add(nt(q))
                far = max(far, 0)
        if (shape, SH["class"], None) in g:
            far = max(far, steps)
        subs = [o for p in _NODE_LEVEL for o in g.objects(shape, p)]
        subs += [x for p in _LISTS for lst in g.objects(shape, p) for x in g.items(lst)]
        for sub in subs:
            r = self._reads(sub, stack)
            if r >= 0:
                far = max(far, steps + r)
        return far


def _targeted(g: Graph) -> set:
    out = set()
    for p in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf):
        out |= set(g.subjects(p, None))
    out |= set(g.subjects(RDF.type, RDFS.Class)) & (set(g.subjects(RDF.type, SH.NodeShape))
                                                     | set(g.subjects(RDF.type, SH.PropertyShape)))
    return out


class Regions:
    """The enriched region of each service, as N-Triples lines."""

    def __init__(self, plan: Plan, reg):
        self.plan, self.reg = plan, reg
        k = self.k = plan.checker.k
        self.relevant = plan.relevant
        self.node_types = {f"<{n}>": frozenset(f"<{t}>" for t in ts) for n, ts in k.node_types.items()}
        self.corpus_facts = {f"<{n}>": [(f"<{p}>", f"<{o}>") for p, o in fs] for n, fs in k.node_facts.items()}
        self._sup: dict = {}
        self._facts: dict = {}
        self._scopes: dict = {}
        self.service_types = frozenset(f"<{t}>" for t in k.superclasses.get(str(CKD.CloudService), {str(CKD.CloudService)}))

    def facts(self, n):
        """(types, {property: objects}) of node ``n``, as ``enrichment.enrich`` gives them."""
        f = self._facts.get(n)
        if f is not None:
            return f
        lst = self.reg.by.get(n, ())
        types = set(self.node_types.get(n, ())) if n[0] == "<" else set()
        edges: dict = {}
        for i in range(0, len(lst), 2):
            p, o = lst[i], lst[i + 1]
            if p == _TYPE:
                t = _value(o)
                sup = self._sup.get(t)
                if sup is None:
                    sup = self._sup[t] = frozenset(f"<{x}>" for x in self.k.superclasses.get(t, {t}))
                types |= sup
            elif p in self.relevant:
                e = edges.setdefault(p, [])
                if o not in e:
                    e.append(o)
        for p, o in self.corpus_facts.get(n, ()):
            if p in self.relevant and p not in edges:
                edges[p] = [o]
        f = (types, edges)
        if n[0] == "<" and (n in self.node_types or n in self.corpus_facts):
            self._facts[n] = f  # shared by many services
        return f

    def scopes(self, s):
        orgs = tuple(dict.fromkeys(_objects(self.reg.by, s, _USED_BY)))
        sc = self._scopes.get(orgs)
        if sc is None:
            g = Graph()  # the organisations' own types, as the reference reads them
            for o in orgs:
                if type(o) is str:
                    for t in _objects(self.reg.by, o, _TYPE):
                        if type(t) is str and t[0] == "<":
                            g.add((_rdf(o), RDF.type, URIRef(t[1:-1])))
            sc = self._scopes[orgs] = merged_scopes(self.k, g, [_rdf(o) for o in orgs])
        return sc

    def service(self, s, scopes, services: set) -> dict:
        """The region of service ``s``: {node: (types, edges)} for every node within
        ``Plan.depth`` steps (the service first). Raises Unsupported when another service lies
        in it."""
        types, edges = self.facts(s)
        types = types | self.service_types
        edges = dict(edges)
        lst = self.reg.by.get(s, ())
        if _PROCESSES in self.relevant:
            cats = list(dict.fromkeys(lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == _PROCESSES))
            for c in list(cats):
                cats += [b for b in (f"<{x}>" for x in self.k.broader.get(_value(c), ())) if b not in cats]
            if cats:
                edges[_PROCESSES] = cats
        for p, kind in ((_IN_SCOPE, None), (_BINDING, "binding"), (_ADVISORY, "advisory")):
            if p in self.relevant:
                vals = [f"<{sc.framework}>" for sc in scopes if kind is None or sc.kind == kind]
                if vals:
                    old = edges.get(p, [])
                    edges[p] = old + [v for v in vals if v not in old]
        region = {s: (types, edges)}
        frontier = [o for os_ in edges.values() for o in os_ if type(o) is str]
        for _ in range(self.plan.depth):
            nxt = []
            for n in frontier:
                if n in region:
                    continue
                if n in services:
                    raise Unsupported("a service in another service's region")
                region[n] = f = self.facts(n)
                nxt += [o for os_ in f[1].values() for o in os_ if type(o) is str]
            frontier = nxt
        return region


class Canon:
    """Services whose regions are the same up to the names of their own nodes get the same
    answer: a service's own nodes (neither named by the shapes or the corpus, nor a service) are
    renamed by what hangs below them, exactly (interned content, no hashing), and one
    representative per distinct region is validated. Two distinct nodes below one property of
    one node keep distinct names. A region where an own node is reached twice is not renamed."""

    def __init__(self, plan: Plan, regions: Regions):
        self.fixed = {nt(t) for t in plan.g.all_nodes() if isinstance(t, URIRef)}
        self.fixed |= set(regions.node_types) | set(regions.corpus_facts)
        g = plan.g
        self.enabled = not any((None, p, None) in g for p in _COMPARISONS + _STRINGS)
        self.ids: dict = {}

    def key(self, s: str, region: dict):
        """(the region's key, {own node: its new name}); (None, None) when not renamed."""
        if not self.enabled or s in self.fixed:
            return None, None
        seen: set = {s}
        names: dict = {}
        try:
            top = self._content(s, region, seen, names)
        except _NotATree:
            return None, None
        return top, names

    def _content(self, n, region, seen, names):
        f = region.get(n)
        if f is None:
            return ()
        types, edges = f
        parts = []
        for p, os_ in edges.items():
            kids = []
            count: dict = {}
            for o in os_:
                if type(o) is not str or o in self.fixed:
                    kids.append(o if type(o) is str else str(o))
                    continue
                if o in seen:  # reached twice, or a way back
                    raise _NotATree()
                seen.add(o)
                cid = self.ids.setdefault(self._content(o, region, seen, names), len(self.ids))
                i = count[cid] = count.get(cid, -1) + 1
                name = f"_:c{cid}x{i}" if o[0] == "_" else f"<urn:cloudkader:node:{cid}:{i}>"
                names[o] = name
                kids.append(name)
            parts.append((p, tuple(sorted(kids))))
        return (frozenset(types), tuple(sorted(parts)))


class _NotATree(Exception):
    pass


def _lines(region: dict, focus: str, s: str, names: dict | None) -> list[str]:
    """N-Triples lines of ``region``, with the service ``s`` written as ``focus`` and its own
    nodes renamed by ``names``."""
    rename = dict(names or {})
    rename[s] = focus
    out = []
    for n, (types, edges) in region.items():
        nn = rename.get(n, n)
        for t in types:
            out.append(f"{nn} {_TYPE} {t} .")
        for p, os_ in edges.items():
            for o in os_:
                out.append(f"{nn} {p} {rename.get(o, o) if type(o) is str else o} .")
    return out


def validate_files(files: list[tuple], checker: Checker, frameworks: set[str] | None, progress=None,
                   want_graph: bool = False, stats: dict | None = None):
    """(the services' reports, the W3C report graph or None) of the batch run over ``files``
    ((origin, bytes or Path, format) each); None when the batch cannot vouch for these shapes
    or this data (the caller then runs ``reference_reports``). Raises DescriptionError."""
    import gc

    try:
        plan = Plan(checker)
    except Unsupported:
        return None
    enabled = gc.isenabled()
    gc.disable()  # millions of small containers and no cycles: collections would only cost time
    try:
        reg = read(files, checker.k.vocabulary, plan.keep, progress)
        if reg.subclass:
            return None
        try:
            return _run(plan, reg, frameworks, progress, want_graph, stats if stats is not None else {})
        except Unsupported:
            return None
    finally:
        if enabled:
            gc.enable()


def _run(plan: Plan, reg, frameworks, progress, want_graph: bool, stats: dict):
    checker = plan.checker
    regions = Regions(plan, reg)
    canon = Canon(plan, regions)
    services = set(reg.services)
    answers: dict = {}  # region key -> the representative's hits
    reports: list[ServiceReport] = []
    graph = Graph() if want_graph else None
    for start in range(0, len(reg.services), CHUNK):
        chunk = reg.services[start:start + CHUNK]
        todo: dict = {}  # focus -> (key or None) of what this chunk's engine run answers
        pending: set = set()
        lines: dict = {}
        rows = []
        for s in chunk:
            scopes = regions.scopes(s)
            region = regions.service(s, scopes, services)
            key, names = canon.key(s, region)
            rows.append((s, scopes, key, names))
            if key is None:
                lines.update(dict.fromkeys(_lines(region, s, s, None)))
                todo[s] = None
            elif key not in answers and key not in pending:
                pending.add(key)
                focus = f"<urn:cloudkader:representative:{len(answers) + len(todo)}>"
                lines.update(dict.fromkeys(_lines(region, focus, s, names)))
                todo[focus] = key
        stats["services"] = stats.get("services", 0) + len(chunk)
        stats["validated"] = stats.get("validated", 0) + len(todo)  # regions the engine ran on
        hits: dict = {f: [] for f in todo}
        if lines:
            for h in checker.compiled.hits("\n".join(lines) + "\n"):
                f = nt(h.focus)
                if f not in hits:
                    raise Unsupported(f"a result on {f}, which is not a service")
                hits[f].append(h)
        for f, key in todo.items():
            if key is not None:
                answers[key] = (f, hits[f])
        chunk_reports: dict[str, ServiceReport] = {}
        raws = []
        for s, scopes, key, names in rows:
            iri = s[1:-1]
            chunk_reports[iri] = ServiceReport(iri, reg.labels[s][1] if s in reg.labels else None, scopes)
            focus, own = (s, hits[s]) if key is None else answers[key]
            back = {v: k for k, v in names.items()} if names else {}
            back[focus] = s
            for h in checker.raws_from_hits(own):
                raws.append(h.__class__(iri, h.shape, h.severity, h.path, h.component,
                                        _back(h.value, back), h.messages))
        g = checker.collect(raws, chunk_reports, frameworks, lambda focus: [chunk_reports[focus]], want_graph)
        reports += chunk_reports.values()
        if want_graph:
            _merge_report(graph, g)
        if progress:
            progress.update(len(reports), len(reg.services))
    if want_graph:
        _finish_report(graph)
    return reports, graph


def _rdf(n):
    if type(n) is not str:
        return Literal(n.value)
    return BNode(n[2:]) if n[0] == "_" else URIRef(n[1:-1])


def _back(value, back: dict):
    """A result's value in the service's own terms (a renamed node back to its name)."""
    if value is None or isinstance(value, Literal):
        return value
    orig = back.get(nt(value))
    return _rdf(orig) if orig is not None else value


def _finish_report(graph: Graph) -> None:
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    results = list(graph.subjects(RDF.type, SH.ValidationResult))
    graph.add((root, SH.conforms, Literal(not results)))
    for r in results:
        graph.add((root, SH.result, r))
    graph.bind("sh", SH)
    graph.bind("ckd", CKD)


def _merge_report(into: Graph, g: Graph) -> None:
    roots = set(g.subjects(RDF.type, SH.ValidationReport))
    for t in g:
        if t[0] not in roots:
            into.add(t)


def reference_reports(desc: Description, checker: Checker, frameworks: set[str] | None,
                      want_report: bool = False):
    """Each service of ``desc`` validated alone on the reference path (the oracle the batch
    must equal, and the fallback when the batch cannot vouch for the shapes or the data):
    (the reports, and the W3C report graph when ``want_report``)."""
    reports = []
    graph = Graph() if want_report else None
    for s in desc.services:
        reps, g = checker.check(Description(desc.graph, [s], desc.origin), frameworks=frameworks,
                                want_applicable=False)
        reports += reps
        if want_report:
            _merge_report(graph, g)
    if want_report:
        _finish_report(graph)
    return reports, graph


class Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.start = time.monotonic()

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
        width = 30
        filled = int(width * done / total) if total else width
        self.stream.write(f"\r\033[Kvalidating [{'#' * filled}{'.' * (width - filled)}] {done}/{total} services")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r\033[K")
        self.stream.flush()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


__all__ = ["Plan", "Unsupported", "validate_files", "reference_reports", "Progress", "_LABEL"]

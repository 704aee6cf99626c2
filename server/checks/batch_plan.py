"""What batch validation (:mod:`cloudkader.checks.batch`) knows about the shapes and the data: the
shapes analysed once (``Plan``: the properties they read, how deep they look, which they read at
the service), the enriched region of each service without an rdflib graph (``Regions``), and the
canonical form of a region (``Canon``) under which services with the same facts share one
answer."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from .batch_read import _PART_OF, _PROCESSES, _SUBCLASS, _TYPE, _USED_BY, _objects, _rdf, _value, nt
from .validation import Checker
from .enrichment import MAX_DEPTH, merged_scopes
from ..terms.namespaces import CKD, SH

_IN_SCOPE = f"<{CKD.inScopeOf}>"
_BINDING = f"<{CKD.bindingFramework}>"
_ADVISORY = f"<{CKD.advisoryFramework}>"
_NODE_LEVEL = (SH.node, SH["not"], SH.property, SH.qualifiedValueShape)
_LISTS = (SH["and"], SH["or"], SH.xone)
_COMPARISONS = (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)
# constraints that read a node's name: the nodes of a service are then not renamed (Canon)
_STRINGS = (SH.pattern, SH.minLength, SH.maxLength, SH.languageIn, SH.flags)
_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf)


class Unsupported(Exception):
    """The shapes or the data need the reference path."""


class Group:
    """Targeted shapes that read the same properties at the focus node: a service's answer for
    them depends only on its types and the values of those properties (``Canon``)."""

    def __init__(self, preds: tuple, shapes: list, engine):
        self.preds, self.shapes, self.engine = preds, shapes, engine


class Plan:
    """What the batch needs to know about a checker's shapes: the properties they read
    (``relevant``, N-Triples IRIs) and the farthest node, in steps from the focus, whose own
    triples they read (``depth``)."""

    @classmethod
    def of(cls, checker: Checker) -> "Plan":
        """The plan of ``checker``'s shapes, made once per checker (or the reason it cannot be)."""
        memo = checker.__dict__.setdefault("_batch_plan", {})
        if "plan" not in memo:
            try:
                memo["plan"] = cls(checker)
            except Unsupported as exc:
                memo["plan"] = exc
        if isinstance(memo["plan"], Unsupported):
            raise memo["plan"]
        return memo["plan"]

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
        self.keep = self.relevant | {_TYPE, _USED_BY, _PROCESSES, _PART_OF}
        self.groups = self._groups()
        self.probes = None  # batch_values.Probes, made with the first Canon

    def _groups(self) -> list["Group"]:
        """The targeted shapes grouped by the properties they read at the focus node, each group
        with an engine that evaluates only its shapes' targets."""
        by: dict = {}
        for shape in sorted(_targeted(self.g), key=str):
            preds = set(self._at_focus(shape))
            preds |= {nt(p) for p in self.g.objects(shape, SH.targetSubjectsOf)}
            by.setdefault(tuple(sorted(preds)), []).append(shape)
        from .shacl_engine import Engine

        whole = self.checker.compiled
        others, common = _split_targets(whole.text)
        groups = []
        for preds, shapes in by.items():
            mine = [line for s in map(nt, shapes) for line in others.get(s, ())]
            groups.append(Group(preds, shapes, Engine.part(whole, common + "".join(mine))))
        return groups

    def focus_property_shapes(self, shape) -> list:
        """(property shape, its path as a list) for every property shape evaluated at the focus
        node of ``shape`` (itself, its sh:property, through sh:node/sh:and/… at node level)."""
        g = self.g
        path = g.value(shape, SH.path)
        if path is not None:
            return [(shape, list(g.items(path)) if (path, RDF.first, None) in g else [path])]
        subs = [o for p in (SH.node, SH["not"], SH.property) for o in g.objects(shape, p)]
        subs += [x for p in _LISTS for lst in g.objects(shape, p) for x in g.items(lst)]
        return [x for sub in subs for x in self.focus_property_shapes(sub)]

    def _at_focus(self, shape) -> set:
        """The properties ``shape`` reads at its focus node itself."""
        g = self.g
        path = g.value(shape, SH.path)
        if path is not None:
            first = next(iter(g.items(path)), None) if (path, RDF.first, None) in g else path
            return {nt(first)} | {nt(q) for p in _COMPARISONS for q in g.objects(shape, p)}
        out = {nt(q) for p in _COMPARISONS for q in g.objects(shape, p)}
        subs = [o for p in (SH.node, SH["not"], SH.property) for o in g.objects(shape, p)]
        subs += [x for p in _LISTS for lst in g.objects(shape, p) for x in g.items(lst)]
        for sub in subs:
            out |= self._at_focus(sub)
        return out

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


_TARGET_PREDS = {nt(p) for p in _TARGETS}
_IS_CLASS = (f"<{RDF.type}>", f"<{RDFS.Class}>")


def _split_targets(text: str) -> tuple[dict, str]:
    """The N-Triples lines of a shapes graph split into the targets ({subject: its target lines,
    sh:target… and rdf:type rdfs:Class}) and the rest (one text)."""
    targets: dict = {}
    rest = []
    for line in text.splitlines(keepends=True):
        parts = line.split(" ", 3)
        if len(parts) > 2 and (parts[1] in _TARGET_PREDS or (parts[1], parts[2]) == _IS_CLASS):
            targets.setdefault(parts[0], []).append(line)
        elif line.strip():
            rest.append(line)
    return targets, "".join(rest)


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
            g = Graph()  # the organisations' types and ckd:partOf chains, as the reference reads them
            todo, seen = list(orgs), set()
            while todo:
                o = todo.pop()
                if type(o) is not str or o in seen:
                    continue
                seen.add(o)
                for t in _objects(self.reg.by, o, _TYPE):
                    if type(t) is str and t[0] == "<":
                        g.add((_rdf(o), RDF.type, URIRef(t[1:-1])))
                for parent in _objects(self.reg.by, o, _PART_OF):
                    if type(parent) is str and parent[0] == "<":
                        g.add((_rdf(o), CKD.partOf, _rdf(parent)))
                        todo.append(parent)
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

"""A compiled evaluator for the part of SHACL Core that cloudkader's shapes use, as a fast path
beside pySHACL (the reference). Shapes are compiled once into Python closures; validating a data
graph is then a walk over dictionaries. Its results are compared with pySHACL's on the whole test
set (same focus nodes, source shapes, severities and paths): ``tests/test_engines_agree.py``.

Supported: node shapes with ``sh:targetClass``/``sh:targetNode``; ``sh:property`` with an IRI or
``sh:inversePath`` path; ``sh:and``, ``sh:or``, ``sh:not``, ``sh:xone``, ``sh:node``,
``sh:class``, ``sh:hasValue``, ``sh:in``, ``sh:minCount``, ``sh:maxCount``,
``sh:qualifiedValueShape`` with ``sh:qualifiedMinCount``/``sh:qualifiedMaxCount``,
``sh:datatype``, ``sh:nodeKind``; ``sh:deactivated``. Anything else raises ``Unsupported`` at
compile time, and the caller uses pySHACL instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .namespaces import SH

Node = URIRef | BNode | Literal


class Unsupported(ValueError):
    """A shape uses a SHACL feature this evaluator does not implement."""


class Data:
    """A data graph indexed for the evaluator."""

    def __init__(self, g: Graph):
        self.out: dict[tuple, list] = {}
        self.inv: dict[tuple, list] = {}
        for s, p, o in g:
            self.out.setdefault((s, p), []).append(o)
            self.inv.setdefault((o, p), []).append(s)
        self._sub: dict = {}
        for s, o in g.subject_objects(RDFS.subClassOf):
            self._sub.setdefault(o, set()).add(s)
        self._instances_cache: dict = {}

    def objects(self, s, p) -> list:
        return self.out.get((s, p), [])

    def subjects(self, p, o) -> list:
        return self.inv.get((o, p), [])

    def _subclasses(self, c) -> set:
        seen, todo = {c}, [c]
        while todo:
            for sub in self._sub.get(todo.pop(), ()):
                if sub not in seen:
                    seen.add(sub)
                    todo.append(sub)
        return seen

    def instances(self, c) -> set:
        """SHACL instances of c: rdf:type c or of a subclass of c in the data graph."""
        if c not in self._instances_cache:
            out = set()
            for cls in self._subclasses(c):
                out.update(self.subjects(RDF.type, cls))
            self._instances_cache[c] = out
        return self._instances_cache[c]

    def is_instance(self, n, c) -> bool:
        types = self.objects(n, RDF.type)
        if c in types:
            return True
        subs = self._subclasses(c)
        return any(t in subs for t in types)


@dataclass
class Result:
    focus: Node
    shape: Node  # the source shape
    severity: URIRef
    path: Node | None
    component: URIRef
    value: Node | None


Check = Callable[[Data, Node], bool]


class RdflibTerms:
    """The term space of the data the closures see: here rdflib terms (``Data``). Another term
    space (``cloudkader.batch`` uses N-Triples strings and pyoxigraph literals) gives the same
    compiled logic over other data structures: only constants and term tests change."""

    @staticmethod
    def term(t):
        """A constant of the shapes graph (path predicate, class, value) as a data term."""
        return t

    @staticmethod
    def node_kind_ok(v, kind) -> bool:
        return _node_kind_ok(v, kind)

    @staticmethod
    def datatype_ok(v, dt) -> bool:
        return isinstance(v, Literal) and (v.datatype or (RDF.langString if v.language else _XSD_STRING)) == dt \
            and v.ill_typed is not True


def rdf_list(g, node) -> list:
    """The members of the RDF list at ``node``."""
    out, seen = [], set()
    while node is not None and node != RDF.nil and node not in seen:
        seen.add(node)
        first = g.value(node, RDF.first)
        if first is None:
            break
        out.append(first)
        node = g.value(node, RDF.rest)
    return out


class IndexedGraph:
    """A read-only copy of a small graph (the shapes) with the lookups compiling needs, in plain
    dictionaries: compiling reads the shapes graph thousands of times."""

    def __init__(self, g: Graph):
        self.sp: dict = {}
        self.po: dict = {}
        self.p: dict = {}
        for s, p, o in g:
            self.sp.setdefault((s, p), []).append(o)
            self.po.setdefault((p, o), []).append(s)
            self.p.setdefault(p, []).append((s, o))
        self.by_s: dict = {}
        for (s, p) in self.sp:
            self.by_s.setdefault(s, []).append(p)

    def objects(self, s=None, p=None):
        if s is None:
            return iter([o for _s, o in self.p.get(p, ())])
        return iter(self.sp.get((s, p), ()))

    def subjects(self, p=None, o=None):
        if o is None:
            return iter(dict.fromkeys(s for s, _o in self.p.get(p, ())))
        return iter(self.po.get((p, o), ()))

    def predicates(self, s=None, o=None):
        return iter(self.by_s.get(s, ()))

    def value(self, s=None, p=None, o=None, default=None, any=True):
        vals = self.sp.get((s, p))
        return vals[0] if vals else default

    def __contains__(self, triple) -> bool:
        s, p, o = triple
        if s is None and o is None:
            return p in self.p
        if o is None:
            return (s, p) in self.sp
        if s is None:
            return (p, o) in self.po
        return o in self.sp.get((s, p), ())

    def __iter__(self):
        for (s, p), os in self.sp.items():
            for o in os:
                yield s, p, o


class CompiledShapes:
    def __init__(self, shapes: Graph, terms=RdflibTerms, wrap=None):
        """``wrap(shape, check)``, when given, may replace the compiled check of each shape (the
        batch engine memoises them)."""
        shapes = shapes if isinstance(shapes, IndexedGraph) else IndexedGraph(shapes)
        self.g = shapes
        self.terms = terms
        self.wrap = wrap
        self._conforms: dict[Node, Check] = {}
        self._comps: dict[Node, list[tuple[Check, URIRef]]] = {}
        self._plans: dict = {}
        self.targeted: list[tuple[Node, list[URIRef], list[Node]]] = []
        for s in set(shapes.subjects(SH.targetClass, None)) | set(shapes.subjects(SH.targetNode, None)):
            if self._deactivated(s):
                continue
            self.targeted.append((s, list(shapes.objects(s, SH.targetClass)), list(shapes.objects(s, SH.targetNode))))
            self.conforms_check(s)  # compile now: unsupported features fail early
            self._comps[s] = self._node_components(s)
            for ps in shapes.objects(s, SH.property):
                if not self._deactivated(ps):
                    self._comps[ps] = self._node_components(ps)
        for other in (SH.targetSubjectsOf, SH.targetObjectsOf, SH.target):
            if (None, other, None) in shapes:
                raise Unsupported(f"{other} is not supported")
        self.targeted.sort(key=lambda t: str(t[0]))

    def _deactivated(self, s) -> bool:
        v = self.g.value(s, SH.deactivated)
        return isinstance(v, Literal) and v.toPython() is True

    def _list(self, node) -> list:
        return rdf_list(self.g, node)

    # -- compile ------------------------------------------------------------------------------
    def conforms_check(self, shape: Node) -> Check:
        """A closure telling whether a focus node conforms to ``shape``."""
        if shape in self._conforms:
            return self._conforms[shape]
        # placeholder for recursion
        self._conforms[shape] = lambda d, f: self._conforms[shape](d, f)
        checks = [c for c, _ in self._node_components(shape)]
        for ps in self.g.objects(shape, SH.property):
            checks.append(self.conforms_check(ps))
        if self._deactivated(shape):
            checks = []

        if len(checks) == 1:
            conforms = checks[0]
        else:
            def conforms(d: Data, f, checks=checks) -> bool:
                for c in checks:
                    if not c(d, f):
                        return False
                return True

        if self.wrap is not None:
            conforms = self.wrap(shape, conforms)
        self._conforms[shape] = conforms
        return conforms

    def _path(self, shape):
        path = self.g.value(shape, SH.path)
        if path is None:
            return None
        return self._compile_path(path)

    def _compile_path(self, path):
        if isinstance(path, URIRef):
            p = self.terms.term(path)
            return lambda d, f: d.objects(f, p)
        inv = self.g.value(path, SH.inversePath)
        if isinstance(inv, URIRef):
            q = self.terms.term(inv)
            return lambda d, f: d.subjects(q, f)
        if (path, RDF.first, None) in self.g:  # a sequence path
            steps = [self._compile_path(x) for x in self._list(path)]

            def seq(d, f, steps=steps):
                nodes = [f]
                for step in steps:
                    nxt = {}
                    for n in nodes:
                        for v in step(d, n):
                            nxt[v] = None
                    nodes = list(nxt)
                return nodes

            return seq
        raise Unsupported(f"path {path!r} is not supported")

    def _node_components(self, shape) -> list[tuple[Check, URIRef]]:
        """The constraint components of ``shape``; for a property shape, checks over its value
        nodes. Each returns True when satisfied."""
        g = self.g
        term, terms = self.terms.term, self.terms
        comps: list[tuple[Check, URIRef]] = []
        path = self._path(shape)
        values = path if path is not None else (lambda d, f: [f])
        known = {SH.path, SH.property, SH.targetClass, SH.targetNode, SH.severity, SH.message, SH.deactivated,
                 SH.name, SH.description, SH.order, SH.group, RDF.type, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                 SH.qualifiedValueShapesDisjoint}
        for p in set(g.predicates(shape, None)):
            if str(p).startswith(str(SH)) and p not in known and p not in _COMPONENTS:
                raise Unsupported(f"{p} is not supported")
        node_level = path is None  # the components test the node itself: no list of values
        for o in g.objects(shape, SH["not"]):
            comps.append((_not(self.conforms_check(o), values, node_level), SH.NotConstraintComponent))
        for o in g.objects(shape, SH["and"]):
            cs = [self.conforms_check(x) for x in self._list(o)]
            comps.append((_and(cs, values, node_level), SH.AndConstraintComponent))
        for o in g.objects(shape, SH["or"]):
            cs = [self.conforms_check(x) for x in self._list(o)]
            comps.append((_or(cs, values, node_level), SH.OrConstraintComponent))
        for o in g.objects(shape, SH.xone):
            cs = [self.conforms_check(x) for x in self._list(o)]
            comps.append((lambda d, f, cs=cs: all(sum(1 for c in cs if c(d, v)) == 1 for v in values(d, f)), SH.XoneConstraintComponent))
        for o in g.objects(shape, SH.node):
            comps.append((_all(self.conforms_check(o), values, node_level), SH.NodeConstraintComponent))
        for o in g.objects(shape, SH["class"]):
            comps.append((_class(term(o), values, node_level), SH.ClassConstraintComponent))
        for o in g.objects(shape, SH.hasValue):
            if node_level:
                comps.append((lambda d, f, o=term(o): o == f, SH.HasValueConstraintComponent))
            else:
                comps.append((lambda d, f, o=term(o): o in values(d, f), SH.HasValueConstraintComponent))
        for o in g.objects(shape, SH["in"]):
            allowed = {term(x) for x in self._list(o)}
            comps.append((lambda d, f, a=allowed: all(v in a for v in values(d, f)), SH.InConstraintComponent))
        for o in g.objects(shape, SH.datatype):
            ok = terms.datatype_ok
            comps.append((lambda d, f, o=o: all(ok(v, o) for v in values(d, f)), SH.DatatypeConstraintComponent))
        for o in g.objects(shape, SH.nodeKind):
            ok = terms.node_kind_ok
            comps.append((lambda d, f, o=o: all(ok(v, o) for v in values(d, f)), SH.NodeKindConstraintComponent))
        for o in g.objects(shape, SH.minCount):
            n = int(o)
            comps.append((lambda d, f, n=n: len(values(d, f)) >= n, SH.MinCountConstraintComponent))
        for o in g.objects(shape, SH.maxCount):
            n = int(o)
            comps.append((lambda d, f, n=n: len(values(d, f)) <= n, SH.MaxCountConstraintComponent))
        for q in g.objects(shape, SH.qualifiedValueShape):
            if g.value(shape, SH.qualifiedValueShapesDisjoint) is not None:
                raise Unsupported("sh:qualifiedValueShapesDisjoint is not supported")
            c = self.conforms_check(q)
            qmin, qmax = g.value(shape, SH.qualifiedMinCount), g.value(shape, SH.qualifiedMaxCount)
            if qmin is not None:
                comps.append((_qualified_min(c, int(qmin), values), SH.QualifiedMinCountConstraintComponent))
            if qmax is not None:
                comps.append((lambda d, f, c=c, n=int(qmax): sum(1 for v in values(d, f) if c(d, v)) <= n, SH.QualifiedMaxCountConstraintComponent))
        return comps

    # -- validate -----------------------------------------------------------------------------
    def focus_nodes(self, d: Data, classes, nodes) -> list:
        out = {self.terms.term(n) for n in nodes}
        for c in classes:
            out |= d.instances(self.terms.term(c))
        return sorted(out, key=str)

    def validate(self, data: Graph | Data) -> list[Result]:
        d = data if isinstance(data, Data) else Data(data)
        results: list[Result] = []
        for shape, classes, nodes in self.targeted:
            for f in self.focus_nodes(d, classes, nodes):
                results.extend(self.validate_focus(d, shape, f))
        return results

    def _plan(self, shape):
        """What validating ``shape`` on a focus node takes, looked up once."""
        plan = self._plans.get(shape)
        if plan is None:
            sev = self.g.value(shape, SH.severity) or SH.Violation
            props = [(ps, self.g.value(ps, SH.severity) or SH.Violation, self.g.value(ps, SH.path), self._comps[ps])
                     for ps in self.g.objects(shape, SH.property) if ps in self._comps]
            plan = self._plans[shape] = (sev, self._comps[shape], props)
        return plan

    def validate_focus(self, d: Data, shape, f) -> list[Result]:
        out = []
        sev, comps, props = self._plan(shape)
        for check, comp in comps:
            if not check(d, f):
                out.append(Result(f, shape, sev, None, comp, f))
        for ps, psev, path, pcomps in props:
            for check, comp in pcomps:
                if not check(d, f):
                    out.append(Result(f, ps, psev, path, comp, None))
        return out

    def conforms(self, shape: Node, d: Data, focus) -> bool:
        return self.conforms_check(shape)(d, focus)


# The checks of the logical components, as plain loops (the same short-circuits as all/any,
# without a generator per call): on the node itself, or on every value node of a path.


def _not(c, values, node_level):
    if node_level:
        return lambda d, f: not c(d, f)

    def check(d, f):
        for v in values(d, f):
            if c(d, v):
                return False
        return True

    return check


def _and(cs, values, node_level):
    def on(d, v):
        for c in cs:
            if not c(d, v):
                return False
        return True

    return _all(on, values, node_level)


def _or(cs, values, node_level):
    def on(d, v):
        for c in cs:
            if c(d, v):
                return True
        return False

    return _all(on, values, node_level)


def _all(c, values, node_level):
    if node_level:
        return c

    def check(d, f):
        for v in values(d, f):
            if not c(d, v):
                return False
        return True

    return check


def _class(o, values, node_level):
    if node_level:
        return lambda d, f: d.is_instance(f, o)

    def check(d, f):
        for v in values(d, f):
            if not d.is_instance(v, o):
                return False
        return True

    return check


def _qualified_min(c, n, values):
    def check(d, f):
        if n <= 0:
            return True
        k = 0
        for v in values(d, f):
            if c(d, v):
                k += 1
                if k >= n:
                    return True
        return False

    return check


_XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")
_COMPONENTS = {SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH["class"], SH.hasValue, SH["in"],
               SH.datatype, SH.nodeKind, SH.minCount, SH.maxCount, SH.qualifiedValueShape}


def _node_kind_ok(v, kind) -> bool:
    is_iri, is_bnode, is_lit = isinstance(v, URIRef), isinstance(v, BNode), isinstance(v, Literal)
    return {
        SH.IRI: is_iri, SH.BlankNode: is_bnode, SH.Literal: is_lit,
        SH.BlankNodeOrIRI: is_iri or is_bnode, SH.BlankNodeOrLiteral: is_bnode or is_lit,
        SH.IRIOrLiteral: is_iri or is_lit,
    }.get(kind, False)

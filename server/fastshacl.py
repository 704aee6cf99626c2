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
from rdflib.collection import Collection
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


class CompiledShapes:
    def __init__(self, shapes: Graph):
        self.g = shapes
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
        return list(Collection(self.g, node))

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

        def conforms(d: Data, f, checks=checks) -> bool:
            return all(c(d, f) for c in checks)

        self._conforms[shape] = conforms
        return conforms

    def _path(self, shape):
        path = self.g.value(shape, SH.path)
        if path is None:
            return None
        return self._compile_path(path)

    def _compile_path(self, path):
        if isinstance(path, URIRef):
            return lambda d, f: d.objects(f, path)
        inv = self.g.value(path, SH.inversePath)
        if isinstance(inv, URIRef):
            return lambda d, f: d.subjects(inv, f)
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
        comps: list[tuple[Check, URIRef]] = []
        path = self._path(shape)
        values = path if path is not None else (lambda d, f: [f])
        known = {SH.path, SH.property, SH.targetClass, SH.targetNode, SH.severity, SH.message, SH.deactivated,
                 SH.name, SH.description, SH.order, SH.group, RDF.type, SH.qualifiedMinCount, SH.qualifiedMaxCount,
                 SH.qualifiedValueShapesDisjoint}
        for p in set(g.predicates(shape, None)):
            if str(p).startswith(str(SH)) and p not in known and p not in _COMPONENTS:
                raise Unsupported(f"{p} is not supported")
        for o in g.objects(shape, SH["not"]):
            c = self.conforms_check(o)
            comps.append((lambda d, f, c=c: all(not c(d, v) for v in values(d, f)), SH.NotConstraintComponent))
        for o in g.objects(shape, SH["and"]):
            cs = [self.conforms_check(x) for x in self._list(o)]
            comps.append((lambda d, f, cs=cs: all(all(c(d, v) for c in cs) for v in values(d, f)), SH.AndConstraintComponent))
        for o in g.objects(shape, SH["or"]):
            cs = [self.conforms_check(x) for x in self._list(o)]
            comps.append((lambda d, f, cs=cs: all(any(c(d, v) for c in cs) for v in values(d, f)), SH.OrConstraintComponent))
        for o in g.objects(shape, SH.xone):
            cs = [self.conforms_check(x) for x in self._list(o)]
            comps.append((lambda d, f, cs=cs: all(sum(1 for c in cs if c(d, v)) == 1 for v in values(d, f)), SH.XoneConstraintComponent))
        for o in g.objects(shape, SH.node):
            c = self.conforms_check(o)
            comps.append((lambda d, f, c=c: all(c(d, v) for v in values(d, f)), SH.NodeConstraintComponent))
        for o in g.objects(shape, SH["class"]):
            comps.append((lambda d, f, o=o: all(d.is_instance(v, o) for v in values(d, f)), SH.ClassConstraintComponent))
        for o in g.objects(shape, SH.hasValue):
            comps.append((lambda d, f, o=o: o in values(d, f), SH.HasValueConstraintComponent))
        for o in g.objects(shape, SH["in"]):
            allowed = set(self._list(o))
            comps.append((lambda d, f, a=allowed: all(v in a for v in values(d, f)), SH.InConstraintComponent))
        for o in g.objects(shape, SH.datatype):
            comps.append((lambda d, f, o=o: all(isinstance(v, Literal) and (v.datatype or (RDF.langString if v.language else _XSD_STRING)) == o and v.ill_typed is not True for v in values(d, f)), SH.DatatypeConstraintComponent))
        for o in g.objects(shape, SH.nodeKind):
            comps.append((lambda d, f, o=o: all(_node_kind_ok(v, o) for v in values(d, f)), SH.NodeKindConstraintComponent))
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
                comps.append((lambda d, f, c=c, n=int(qmin): sum(1 for v in values(d, f) if c(d, v)) >= n, SH.QualifiedMinCountConstraintComponent))
            if qmax is not None:
                comps.append((lambda d, f, c=c, n=int(qmax): sum(1 for v in values(d, f) if c(d, v)) <= n, SH.QualifiedMaxCountConstraintComponent))
        return comps

    # -- validate -----------------------------------------------------------------------------
    def focus_nodes(self, d: Data, classes, nodes) -> list:
        out = set(nodes)
        for c in classes:
            out |= d.instances(c)
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

"""The values of a service, told apart only by what the shapes ask of them (batch validation).

A group's shapes (``batch_plan.Group``) read a property at the service through property shapes
with that one-step path. What such a shape asks of each value is a set of value constraints
(``sh:class``, ``sh:node``, ``sh:qualifiedValueShape``, ``sh:in``, ``sh:nodeKind``…); the rest
(``sh:minCount``, the qualified counts, …) counts values. So two services whose values of the
property give the same answers to those constraints — value by value, counted — get the same
results from the group, up to which value a result names. ``Probes`` asks the engine itself:
every value constraint becomes a probe shape, run on each distinct value (by its renamed
content, ``batch_plan.Canon``) once; a value is then represented by the probes it fails. A
property is represented this way only when every shape of the group that reads it does so with
a one-step path and without ``sh:property`` below it, and no shape is deactivated or uses
``sh:qualifiedValueShapesDisjoint``; otherwise by the values' full content."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from .batch_read import _TYPE, nt
from ..terms.namespaces import SH

CANDIDATE = "<urn:cloudkader:candidate>"
_OWN_IRI = "<urn:cloudkader:node:"
PROBE = "urn:cloudkader:probe:"
# what a property shape says of its values as a set, not of each value
SET_LEVEL = {SH.path, SH.minCount, SH.maxCount, SH.qualifiedMinCount, SH.qualifiedMaxCount,
             SH.qualifiedValueShapesDisjoint, SH.uniqueLang, SH.hasValue, SH.message, SH.severity,
             SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.targetClass, SH.targetNode,
             SH.targetSubjectsOf, SH.targetObjectsOf}


class Probes:
    def __init__(self, plan, canon):
        g = plan.g
        self.canon = canon
        self.per_group: list[dict] = []  # per group: property -> frozenset of probe ids
        self.failing: dict[int, frozenset] = {}  # content id -> the probes a value fails
        self._memo: dict = {}
        self.engine = None
        # sh:qualifiedValueShapesDisjoint makes a value's count depend on shapes of sibling
        # paths too: then values are told apart by their full content
        if not canon.enabled or any((None, p, None) in g for p in (SH.deactivated, SH.qualifiedValueShapesDisjoint)):
            self.per_group = [{} for _ in plan.groups]
            return
        ids: dict = {}
        shapes = Graph()  # the probe shapes; the other shapes come as the engine's N-Triples
        for group in plan.groups:
            mine: dict = {}
            blocked: set = set()
            for shape in group.shapes:
                for ps, path in plan.focus_property_shapes(shape):
                    p = nt(path[0])
                    if len(path) > 1 or (ps, SH.property, None) in g:
                        blocked.add(p)
                        continue
                    probes = mine.setdefault(p, set())
                    for pred, obj in g.predicate_objects(ps):
                        if pred in SET_LEVEL or not str(pred).startswith(str(SH)):
                            continue
                        key = (SH.node if pred == SH.qualifiedValueShape else pred, obj)
                        if key not in ids:
                            probe = URIRef(f"{PROBE}{len(ids)}")
                            ids[key] = len(ids)
                            shapes.add((probe, RDF.type, SH.NodeShape))
                            shapes.add((probe, SH.targetClass, URIRef(CANDIDATE[1:-1])))
                            shapes.add((probe, key[0], key[1]))
                        probes.add(ids[key])
            self.per_group.append({p: frozenset(v) for p, v in mine.items() if p not in blocked})
        if ids:
            from .batch_plan import _split_targets
            from .shacl_engine import Engine, to_ntriples

            whole = plan.checker.compiled
            self.engine = Engine.part(whole, _split_targets(whole.text)[1] + to_ntriples(shapes))

    def reset(self, canon) -> None:
        """Start a run: content ids are the run's ``Canon``'s."""
        self.canon, self.failing, self._memo = canon, {}, {}

    def trim(self, most: int) -> None:
        """Forget the probes' answers and the tokens once they hold more than ``most`` entries
        (asked again when a later value needs them: the same answers)."""
        if len(self._memo) + len(self.failing) > most:
            self._memo.clear()
            self.failing.clear()

    def ask(self, items: list) -> None:
        """Find which probes fail on each (new name, region, names) value not asked before."""
        lines: dict = {}
        asked: dict = {}
        cids: set = set()
        for name, o, region, names in items:
            cid = self.canon.cid(name)
            if cid in self.failing or cid in cids:
                continue
            cids.add(cid)
            asked[name] = cid
            lines[f"{name} {_TYPE} {CANDIDATE} ."] = None
            lines.update(dict.fromkeys(self.canon.subtree(o, region, names)))
        if not asked:
            return
        failing: dict = {name: set() for name in asked}
        for h in self.engine.hits("\n".join(lines) + "\n"):
            f = nt(h.focus)
            if f in failing and str(h.shape).startswith(PROBE):
                failing[f].add(int(str(h.shape)[len(PROBE):]))
        for name, cid in asked.items():
            self.failing[cid] = frozenset(failing[name])

    def tokens(self, gi: int, p: str, kids: tuple):
        """For group ``gi``, the values ``kids`` of ``p`` (as ``Canon`` names them) told apart by
        what the group asks of them: (the sorted tokens, {(p, token, n): the n-th value with
        that token}); None when ``p`` is represented by full content."""
        probes = self.per_group[gi].get(p)
        if probes is None:
            return None
        memo_key = (gi, p, kids)
        hit = self._memo.get(memo_key)
        if hit is not None:
            return hit
        toks = []
        for k in kids:
            if k.startswith(_OWN_IRI) or k.startswith("_:c"):
                fails = tuple(sorted(self.failing[self.canon.cid(k)] & probes))
                toks.append((("A", k[0] == "_", fails), k))
            else:
                toks.append((("K", k), k))  # a literal or a node the shapes or the corpus name
        seen: dict = {}
        order = {}
        for tok, k in sorted(toks):
            n = seen[tok] = seen.get(tok, -1) + 1
            order[(p, tok, n)] = k
        hit = self._memo[memo_key] = (tuple(sorted(t for t, _k in toks)), order)
        return hit

"""The canonical form of a service's region (batch validation, :mod:`cloudkader.checks.batch`):
services whose regions are the same up to the names of their own nodes share one answer."""

from __future__ import annotations

from rdflib import URIRef

from .batch_plan import _COMPARISONS, _STRINGS, Plan, Regions
from .batch_read import _TYPE, nt


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
        self._memo: dict = {}  # the lines below a node: by its new name, or (node, distance)

    def lines(self, region: dict, focus: str, s: str, names: dict, preds) -> list[str]:
        """N-Triples lines of the region of ``s`` (renamed: ``key``), with the service written as
        ``focus`` and of its own properties only ``preds``."""
        types, edges = region[s]
        out = [f"{focus} {_TYPE} {t} ." for t in types]
        for p in preds:
            for o in edges.get(p, ()):
                if type(o) is str:
                    out.append(f"{focus} {p} {names.get(o, o)} .")
                    out += self._below(o, 1, region, names)
                else:
                    out.append(f"{focus} {p} {o} .")
        return out

    def subtree(self, o: str, region: dict, names: dict) -> list[str]:
        """The lines of a value ``o`` of the service and of what lies below it."""
        return self._below(o, 1, region, names)

    def _below(self, n: str, d: int, region: dict, names: dict) -> list[str]:
        new = names.get(n)
        key = new if new is not None else (n, d)
        out = self._memo.get(key)
        if out is not None:
            return out
        out = []
        f = region.get(n)
        if f is not None:
            nn = new or n
            types, edges = f
            out += [f"{nn} {_TYPE} {t} ." for t in types]
            for p, os_ in edges.items():
                for o in os_:
                    if type(o) is str:
                        out.append(f"{nn} {p} {names.get(o, o)} .")
                        out += self._below(o, d + 1, region, names)
                    else:
                        out.append(f"{nn} {p} {o} .")
        if len(self._memo) > 200_000:
            self._memo.clear()
        self._memo[key] = out
        return out

    def key(self, s: str, region: dict):
        """((the service's types, {property: its values, own nodes renamed}, both as one
        hashable value), {own node: its new name}); (None, None) when the region is not renamed."""
        if not self.enabled or s in self.fixed:
            return None, None
        for n, (_t, edges) in region.items():
            if n != s and any(s in os_ for os_ in edges.values()):
                return None, None  # a way back to the service
        seen: set = {s}
        names: dict = {}
        try:
            types, parts = self._content(s, region, seen, names)
        except _NotATree:
            return None, None
        return (types, dict(parts), (types, parts)), names

    def cid(self, name: str) -> int:
        """The content id a new name carries."""
        return int(name[3:].split("x")[0]) if name[0] == "_" else int(name.rsplit(":", 2)[1])

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


def lines_of(region: dict, focus: str, s: str, names: dict | None, preds) -> list[str]:
    """N-Triples lines of ``region``, with the service ``s`` written as ``focus``, its own
    nodes renamed by ``names``, and — when ``preds`` is given — only the service's values of
    those properties and what lies below them."""
    rename = dict(names or {})
    rename[s] = focus
    out = []
    todo, seen = [s], {s}
    while todo:
        n = todo.pop()
        f = region.get(n)
        if f is None:
            continue
        types, edges = f
        nn = rename.get(n, n)
        for t in types:
            out.append(f"{nn} {_TYPE} {t} .")
        for p, os_ in edges.items():
            if preds is not None and n == s and p not in preds:
                continue
            for o in os_:
                if type(o) is str:
                    out.append(f"{nn} {p} {rename.get(o, o)} .")
                    if o not in seen:
                        seen.add(o)
                        todo.append(o)
                else:
                    out.append(f"{nn} {p} {o} .")
    return out

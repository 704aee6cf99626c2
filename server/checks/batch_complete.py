"""The completeness pass of batch validation: what missing facts leave undecided
(:mod:`cloudkader.checks.completeness` defines it), computed on the batch's own kept triples.

The reference pass builds rdflib graphs of the whole register and checks it again on the
reference path once per missing fact (and once with every missing fact filled): minutes for a
few thousand incomplete services. Here each variant is the batch's register with the fact's
risky values added to the services that miss it (``completeness._fill`` on kept triples), run by
the batch itself on those services only, so a variant costs what a batch run of them costs.
Same answer as the reference pass: a service's answer in a variant is that of validating it
alone (``batch``), and the variants, the missing facts and the provisions noted are the
reference's. It applies when the batch kept every property of a ``ckd:Fact`` and
``ckd:provider``; otherwise the caller runs the reference pass."""

from __future__ import annotations

from .batch_read import Register, _objects, _TYPE
from .completeness import _violations, undecided_by_facts
from ..terms.namespaces import CKD

_PROVIDER = f"<{CKD.provider}>"
_CLOUD_PROVIDER = f"<{CKD.CloudProvider}>"


def applies(k, keep: set[str]) -> bool:
    """Whether the batch kept what the facts are read from."""
    return _PROVIDER in keep and all(f"<{p}>" in keep for f in k.facts for p in f["properties"])


def missing(k, by: dict, s: str) -> list[dict]:
    """The ckd:Fact entries that service ``s`` does not give (``completeness.missing_facts``)."""
    lst = by.get(s, ())
    have = set(lst[0::2])
    out = []
    providers = None
    for f, props in _facts(k):
        if f["on_provider"]:
            if providers is None:
                providers = [lst[i + 1] for i in range(0, len(lst), 2)
                             if lst[i] == _PROVIDER and type(lst[i + 1]) is str]
            given = any(not props.isdisjoint(by.get(o, ())[0::2]) for o in providers) or any(
                fp in f["properties"] for o in providers if o[0] == "<" for fp, _v in k.node_facts.get(o[1:-1], ()))
        else:
            given = not props.isdisjoint(have)
        if not given:
            out.append(f)
    return out


def _facts(k) -> list:
    """(fact, its properties as N-Triples IRIs) for every ckd:Fact of ``k``, made once."""
    memo = k.__dict__.setdefault("_batch_facts", {})
    if "facts" not in memo:
        memo["facts"] = [(f, frozenset(f"<{p}>" for p in f["properties"])) for f in k.facts]
    return memo["facts"]


def _fill(by: dict, s: str, fact: dict, fresh: list) -> None:
    """Add the fact's risky values to ``s`` (or its providers) in ``by`` (a copy: lists are
    replaced, never changed in place)."""
    prop = f"<{fact['properties'][0]}>"
    values = [f"<{v}>" for v in fact["risky"]]
    if not fact["on_provider"]:
        by[s] = by.get(s, []) + [x for v in values for x in (prop, v)]
        return
    providers = [o for o in _objects(by, s, _PROVIDER) if type(o) is str]
    if not providers:
        provider = f"_:ckdfill{len(fresh)}"
        fresh.append(provider)
        by[s] = by.get(s, []) + [_PROVIDER, provider]
        by[provider] = [_TYPE, _CLOUD_PROVIDER]
        providers = [provider]
    for provider in providers:
        by[provider] = by.get(provider, []) + [x for v in values for x in (prop, v)]


class Alike:
    """Which services the completeness pass may run once for several. Two services that miss
    the same facts, have the same region up to the names of their own nodes (``batch_canon``)
    and the same scopes are left undecided alike: every variant gives both the same region again
    (up to those names), so one of them is run and its answer copied. Only for services whose
    region holds no node another service's variant fills (a provider of a service that misses a
    provider's fact), and that miss a fact of their providers only when they name no provider
    (a variant then gives them a provider of their own): a variant fills the whole register at
    once, so a region with a filled provider could change through another service."""

    def __init__(self, k, reg: Register):
        self.by = reg.by
        self.lacking = {s: missing(k, reg.by, s) for s in reg.services}
        self.filled = {o for s, fs in self.lacking.items() if any(f["on_provider"] for f in fs)
                       for o in _objects(reg.by, s, _PROVIDER)}
        self.keys: dict = {}
        self.runs = 0

    def note(self, s: str, region: dict, parts, scopes) -> None:
        fs = self.lacking.get(s)
        if not fs or parts is None:
            return
        if any(f["on_provider"] for f in fs) and _objects(self.by, s, _PROVIDER):
            return
        if self.filled and any(n in self.filled for n in region if n != s):
            return
        self.keys[s] = (parts[2], tuple(f["fact"] for f in fs),
                        tuple((sc.framework, sc.kind, tuple(sorted(sc.uncertain.items())) if sc.uncertain else None)
                              for sc in scopes))

    def standing_for(self) -> dict[str, str]:
        """Each service that misses a fact -> the service run for it (itself or one alike)."""
        first: dict = {}
        out = {}
        for s, fs in self.lacking.items():
            if fs:
                key = self.keys.get(s)
                out[s] = s if key is None else first.setdefault(key, s)
        return out


def undetermined(plan, reg: Register, reports, frameworks, run, alike: Alike) -> dict[str, list[dict]]:
    """Per service IRI, the provisions left undecided by missing facts, each with the facts
    (``completeness.undetermined``); ``run(plan, register, frameworks, only)`` is the batch run;
    services ``alike`` are run once."""
    k = plan.checker.k
    stands = alike.standing_for()
    if not stands:
        return {}
    lacking = {s: alike.lacking[s] for s, r in stands.items() if r == s}
    alike.runs = len(lacking)
    actual = _violations(reports)
    facts = {f["fact"]: f for f in k.facts}

    def variant(fill: dict[str, list[str]]) -> dict[str, set[str]]:
        by = dict(reg.by)
        fresh: list = []
        for s, fact_iris in fill.items():
            for f in fact_iris:
                _fill(by, s, facts[f], fresh)
        vreg = Register(by=by, labels=reg.labels, services=reg.services, origins=reg.origins)
        reps = run(plan, vreg, frameworks, [s for s in reg.services if s in fill])
        return {sid: ps - actual.get(sid, set()) for sid, ps in _violations(reps).items()}

    found = undecided_by_facts(k, lacking, variant, key_of=lambda sid: f"<{sid}>")
    out = {}
    for s, r in stands.items():
        entries = found.get(r[1:-1])
        if entries is not None:
            out[s[1:-1]] = entries if r == s else list(entries)
    return out

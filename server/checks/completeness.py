"""Saying nothing is not compliance (issue 13): which checks a description leaves undecided.

The facts a description may leave out are data (``ckd:Fact`` in the ontology: the deployment
model, the data categories, the data location, the provider's jurisdiction), each with the
properties that give it and the risky values it could have. A fact is *missing* for a service
when the service (or, for a fact about the provider, its provider — as described, or as the
corpus records it) has no value for any of its properties.

Whether a check depends on a missing fact is not guessed per shape: the service is checked again
with the fact filled in with its risky values (one variant per missing fact, all services at
once). A provision that the variant violates (a Violation after advisory scope, so a framework
that is only advice never makes an outcome undetermined) but the description as given does not,
is *undetermined* for that service, naming the facts that decide it. A service conforms only
when it has no violation and nothing undetermined; exit status 3 says "no violation, but
undetermined" (a violation always wins: 1)."""

from __future__ import annotations

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF

from ..terms.namespaces import CKD

OUTCOME_CONFORMS, OUTCOME_VIOLATES, OUTCOME_UNDETERMINED = "conforms", "violates", "undetermined"


def _provider_has(k, graph: Graph, service, props: list[str]) -> bool:
    for provider in graph.objects(service, CKD.provider):
        for p in props:
            if any(True for _ in graph.objects(provider, URIRef(p))):
                return True
            if any(fp == p for fp, _o in k.node_facts.get(str(provider), ())):
                return True
    return False


def missing_facts(k, graph: Graph, service) -> list[dict]:
    """The ckd:Fact entries the description does not give for ``service``."""
    out = []
    for f in k.facts:
        if f["on_provider"]:
            given = _provider_has(k, graph, service, f["properties"])
        else:
            given = any(any(True for _ in graph.objects(service, URIRef(p))) for p in f["properties"])
        if not given:
            out.append(f)
    return out


def _fill(graph: Graph, service, fact: dict) -> None:
    """Add the fact's risky values to ``service`` in ``graph`` (a copy)."""
    prop = URIRef(fact["properties"][0])
    values = [URIRef(v) for v in fact["risky"]]
    if not fact["on_provider"]:
        for v in values:
            graph.add((service, prop, v))
        return
    providers = list(graph.objects(service, CKD.provider))
    if not providers:
        provider = BNode()
        graph.add((service, CKD.provider, provider))
        graph.add((provider, RDF.type, CKD.CloudProvider))
        providers = [provider]
    for provider in providers:
        for v in values:
            graph.add((provider, prop, v))


def _violations(reports) -> dict[str, set[str]]:
    """Per service, the provisions it would violate — a violation of a framework whose force on
    the day is uncertain (cloudkader.knowledge.timeline) counts: it is no less at stake."""
    return {r.service: {x.provision for x in r.results if x.blocking and x.provision}
            | {e["provision"] for e in getattr(r, "time_undetermined", ())} for r in reports}


def undetermined(checker, description, reports, frameworks: set[str] | None = None) -> dict[str, list[dict]]:
    """Per service, the provisions left undecided by missing facts, each with the facts."""
    from .description import Description

    missing = {str(s): missing_facts(checker.k, description.graph, s) for s in description.services}
    if not any(missing.values()):
        return {}
    actual = _violations(reports)
    facts = {f["fact"]: f for f in checker.k.facts}

    from .enrichment import _copy_description

    base = Graph()  # only what the checks read of these services (a register may be large)
    for s in description.services:
        _copy_description(description.graph, s, base)
    for s in list(base.subjects()) + list(base.objects()):
        if isinstance(s, (URIRef, BNode)):
            for t in description.graph.objects(s, RDF.type):
                base.add((s, RDF.type, t))

    def run(fill: dict[str, list[str]]) -> dict[str, set[str]]:
        g = Graph()
        for t in base:
            g.add(t)
        for sid, fact_iris in fill.items():
            for f in fact_iris:
                _fill(g, URIRef(sid), facts[f])
        variant, _ = checker.check(Description(g, description.services, description.origin), frameworks=frameworks,
                                   want_applicable=False, want_completeness=False)
        return {sid: ps - actual.get(sid, set()) for sid, ps in _violations(variant).items() if sid in fill}

    return undecided_by_facts(checker.k, missing, run)


def undecided_by_facts(k, lacking: dict[str, list[dict]], run, key_of=lambda sid: sid) -> dict[str, list[dict]]:
    """Per service IRI, the provisions that missing facts leave undecided, each naming the facts.
    ``lacking``: each service's missing facts (``missing_facts``), keyed as ``run`` takes services
    (``key_of(service IRI)`` gives that key); ``run(fill)``: the services of ``fill`` (key -> fact
    IRIs) checked with those facts filled with risky values, per service IRI the provisions then
    violated that are not violated now. One variant per missing fact, then one with every missing
    fact filled: what only facts together decide names them all. (The reference path and the
    batch, ``batch_complete``, both call this.)"""
    by_fact: dict[str, list[str]] = {}
    for key, fs in lacking.items():
        for f in fs:
            by_fact.setdefault(f["fact"], []).append(key)
    facts = {f["fact"]: f for f in k.facts}
    found: dict[str, dict[str, dict]] = {}

    def note(sid: str, p: str, fact_iris: list[str]) -> None:
        entries = found.setdefault(sid, {})
        entry = entries.get(p)
        if entry is None:
            entry = entries[p] = {"provision": p, "framework": k.provisions[p].framework if p in k.provisions else None,
                                  "missing": [], "missing_labels": [], "missing_labels_en": []}
        for f in fact_iris:
            if f not in entry["missing"]:
                entry["missing"].append(f)
                entry["missing_labels"].append(facts[f]["label"].get("nl", f))
                entry["missing_labels_en"].append(facts[f]["label"].get("en", f))

    for fact_iri, keys in sorted(by_fact.items()):
        for sid, provisions in run({key: [fact_iri] for key in keys}).items():
            for p in sorted(provisions):
                note(sid, p, [fact_iri])
    several = {key: [f["fact"] for f in fs] for key, fs in lacking.items() if len(fs) > 1}
    if several:
        for sid, provisions in run(several).items():
            for p in sorted(provisions - set(found.get(sid, {}))):
                note(sid, p, several[key_of(sid)])
    return {sid: sorted(ps.values(), key=lambda e: (e["framework"] or "", e["provision"])) for sid, ps in found.items()}


def applicable_undetermined(checker, description, reports) -> dict[str, list[dict]]:
    """Per service, the provisions whose applicability depends on facts the description does
    not give (issue 13): applicable when a missing fact takes one of its risky values, one value
    at a time, but not as the description stands — each named with the facts that decide it."""
    from .description import Description

    missing = {str(s): missing_facts(checker.k, description.graph, s) for s in description.services}
    variants: dict[tuple[str, str], list[str]] = {}  # (fact, value) -> services missing the fact
    for sid, facts in missing.items():
        for f in facts:
            for v in f["risky"]:
                variants.setdefault((f["fact"], v), []).append(sid)
    if not variants:
        return {}
    facts = {f["fact"]: f for f in checker.k.facts}
    listed = {r.service: {e["provision"] for e in r.applicable} | {e["provision"] for e in r.applicable_undetermined}
              for r in reports}
    found: dict[str, dict[str, dict]] = {}
    runs = [({sid: [(fact_iri, value)] for sid in services}) for (fact_iri, value), services in sorted(variants.items())]
    # … and every missing fact at once: what only facts together decide (a DPIA: cloud and personal data)
    several = {sid: [(f["fact"], v) for f in fs for v in f["risky"]] for sid, fs in missing.items() if len(fs) > 1}
    if several:
        runs.append(several)
    for fill in runs:
        g = Graph()
        for t in description.graph:
            g.add(t)
        for sid, pairs in fill.items():
            for fact_iri, value in pairs:
                _fill(g, URIRef(sid), dict(facts[fact_iri], risky=[value]))
        variant, _ = checker.check(Description(g, description.services, description.origin),
                                   want_validation=False, want_completeness=False)
        for rep in variant:
            if rep.service not in fill:
                continue
            named = sorted({f for f, _v in fill[rep.service]})
            for e in rep.applicable:
                if e["provision"] in listed.get(rep.service, set()):
                    continue
                entry = found.setdefault(rep.service, {}).setdefault(e["provision"], {
                    "provision": e["provision"], "framework": e["framework"], "missing": [], "missing_labels": [],
                    "missing_labels_en": [], "reason": e["reason"], "reason_en": e["reason_en"]})
                if entry["missing"] and len(named) > 1:
                    continue  # already decided by one fact alone
                for fact_iri in named:
                    if fact_iri not in entry["missing"]:
                        entry["missing"].append(fact_iri)
                        entry["missing_labels"].append(facts[fact_iri]["label"].get("nl", fact_iri))
                        entry["missing_labels_en"].append(facts[fact_iri]["label"].get("en", fact_iri))
                if e.get("lapsed"):
                    entry["lapsed"] = e["lapsed"]
    return {sid: sorted(ps.values(), key=lambda e: (e["framework"] or "", e["provision"])) for sid, ps in found.items()}


def describes_every_fact(k, description) -> bool:
    """True when no service of ``description`` leaves a fact out (the batch engine's fast path
    needs no completeness pass then)."""
    return not any(missing_facts(k, description.graph, s) for s in description.services)


def add_to_report(graph: Graph | None, reports) -> None:
    """The W3C report: ``sh:conforms`` false when something is undetermined, and one
    ``ckd:UndeterminedResult`` per undecided provision (focus node, provision, missing facts)."""
    if graph is None:
        return
    from rdflib import Literal

    from ..terms.namespaces import SH

    undecided = [(r, e) for r in reports for e in r.undetermined]
    if not undecided:
        return
    for root in list(graph.subjects(RDF.type, SH.ValidationReport)):
        graph.set((root, SH.conforms, Literal(False)))
    for r, e in undecided:
        node = BNode()
        graph.add((node, RDF.type, CKD.UndeterminedResult))
        graph.add((node, SH.focusNode, URIRef(r.service) if not r.service.startswith("_:") else BNode(r.service[2:])))
        graph.add((node, CKD.provision, URIRef(e["provision"])))
        if e["framework"]:
            graph.add((node, CKD.framework, URIRef(e["framework"])))
        for f in e["missing"]:
            graph.add((node, CKD.missingFact, URIRef(f)))

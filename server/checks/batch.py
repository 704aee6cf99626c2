"""Batch validation of large registers: ``cloudkader validate FILE… [--jobs N]``.

The answer for every service is, exactly, the answer of validating that service alone — the
reference path, ``Checker.check`` on the description with that one service — and the exit status
follows from it (``tests/test_batch.py`` compares the two). The SHACL evaluation is the default
engine's (:mod:`cloudkader.checks.shacl_engine`, the Rust ``shacl`` package); what this module adds is
only how the data graph is built, without an rdflib graph:

1. **Parse once, keep little** (:mod:`cloudkader.checks.batch_read`): pyoxigraph parses each file and
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

import sys
import time

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from . import batch_complete
from .batch_canon import Canon, lines_of
from .batch_plan import Plan, Regions, Unsupported
from .batch_read import _rdf, nt, read
from .batch_values import Probes
from .validation import Checker, ServiceReport
from .description import Description
from ..terms.namespaces import SH
from .shacl_report import finish_report

CHUNK = 2000  # services per round of engine runs: bounds the data graph held at once
MEMO_MAX = 200_000  # entries of the caches of distinct answers and keys, checked after each chunk


def validate_files(files: list[tuple], checker: Checker, frameworks: set[str] | None, progress=None,
                   want_graph: bool = False, stats: dict | None = None):
    """(the services' reports, the W3C report graph or None) of the batch run over ``files``
    ((origin, bytes or Path, format) each); None when the batch cannot vouch for these shapes
    or this data (the caller then runs ``reference_reports``). Raises DescriptionError."""
    import gc

    try:
        plan = Plan.of(checker)
    except Unsupported:
        return None
    stats = stats if stats is not None else {}
    enabled = gc.isenabled()
    gc.disable()  # millions of small containers and no cycles: collections would only cost time
    try:
        t = time.perf_counter()
        reg = read(files, checker.k.vocabulary, plan.keep, progress)
        stats["read_s"] = time.perf_counter() - t
        if reg.subclass:
            return None
        alike = batch_complete.Alike(checker.k, reg)
        try:
            out = _run(plan, reg, frameworks, progress, want_graph, stats, alike=alike)
        except Unsupported:
            return None
        stats["run_s"] = time.perf_counter() - t - stats["read_s"]
        t = time.perf_counter()
        if any(alike.lacking.values()):
            # what missing facts leave undecided: on the batch's own triples when it kept what
            # the facts are read from, else from the files read as graphs (the reference pass)
            try:
                if not batch_complete.applies(checker.k, plan.keep):
                    raise Unsupported("the facts' properties are not kept")
                found = batch_complete.undetermined(plan, reg, out[0], frameworks, _variant_run, alike)
                _set_undetermined(out, found)
                stats["completeness_runs"] = alike.runs
            except Unsupported:
                _add_undetermined(files, checker, frameworks, *out)
        stats["completeness_s"] = time.perf_counter() - t
    finally:
        if enabled:
            gc.enable()
    return out


def _variant_run(plan, reg, frameworks, only):
    # the completeness pass reads only which provisions each service violates: no values
    return _run(plan, reg, frameworks, None, False, {}, only, values=False)[0]


def _set_undetermined(out, found: dict) -> None:
    from . import completeness

    reports, graph = out
    for r in reports:
        if r.service in found:
            r.undetermined = found[r.service]
    completeness.add_to_report(graph, reports)


def _add_undetermined(files: list[tuple], checker: Checker, frameworks, reports, graph) -> None:
    """What missing facts leave undecided (cloudkader.checks.completeness), as the reference path adds
    it: from the files read as graphs (the completeness pass re-checks variants of the
    description)."""
    from . import completeness
    from .description import merge, read as read_description

    descs = []
    for origin, data, fmt in files:
        if not isinstance(data, (bytes, str)):
            with open(data, "rb") as f:
                data = f.read()
        descs.append(read_description(data, fmt, checker.k.vocabulary, origin))
    desc = merge(descs)
    if completeness.describes_every_fact(checker.k, desc):
        return
    by_service = {r.service: r for r in reports}
    for sid, entries in completeness.undetermined(checker, desc, reports, frameworks).items():
        if sid in by_service:
            by_service[sid].undetermined = entries
    completeness.add_to_report(graph, reports)


def _run(plan: Plan, reg, frameworks, progress, want_graph: bool, stats: dict, only: list | None = None,
         values: bool = True, alike=None):
    """(reports, W3C report graph or None) of the services of ``reg`` (or of ``only``); without
    ``values`` the results name no value (what the completeness pass needs, and cheaper);
    ``alike`` (``batch_complete.Alike``) is told each service's renamed content."""
    checker = plan.checker
    regions = Regions(plan, reg)
    canon = Canon(plan, regions)
    if plan.probes is None or plan.probes.canon.enabled != canon.enabled:
        plan.probes = Probes(plan, canon)
    probes = plan.probes
    probes.reset(canon)
    services = set(reg.services)
    answers: list[dict] = [{} for _ in plan.groups]  # per group: key -> (representative, hits, tokens)
    reports: list[ServiceReport] = []
    graph = Graph() if want_graph else None
    asked = sorted({p for d in probes.per_group for p in d})
    key_memo: dict = {}
    whole_memo: dict = {}
    todo_services = reg.services if only is None else only
    for start in range(0, len(todo_services), CHUNK):
        chunk = todo_services[start:start + CHUNK]
        rows = []
        for s in chunk:
            scopes = regions.scopes(s)
            region = regions.service(s, scopes, services)
            parts, names = canon.key(s, region)
            rows.append((s, scopes, region, parts, names))
            if alike is not None:
                alike.note(s, region, parts, scopes)
        if probes.engine is not None:
            probes.ask([(names[o], o, region, names) for s, _sc, region, parts, names in rows if parts is not None
                        for p in asked for o in region[s][1].get(p, ()) if type(o) is str and o in names])
        alone: dict = {}  # lines of the services validated alone (not renamed)
        todo: list[dict] = [{} for _ in plan.groups]  # per group: representative -> lines
        keyed = []
        for s, scopes, region, parts, names in rows:
            keys = None
            if parts is None:
                alone.update(dict.fromkeys(lines_of(region, s, s, None, None)))
            else:
                keys = whole_memo.get(parts[2])
                if keys is None:  # services with the same renamed content share every group key
                    keys = whole_memo[parts[2]] = [_group_key(probes, gi, group, parts, key_memo)
                                                   for gi, group in enumerate(plan.groups)]
                for gi, (key, toks) in enumerate(keys):
                    if key not in answers[gi]:
                        rep = f"<urn:cloudkader:representative:{gi}:{len(answers[gi])}>"
                        answers[gi][key] = (rep, [], {name: k for k, name in toks.items()})
                        todo[gi][rep] = canon.lines(region, rep, s, names, plan.groups[gi].preds)
            keyed.append((s, scopes, keys, names))
        stats["services"] = stats.get("services", 0) + len(chunk)
        stats["validated"] = stats.get("validated", 0) + sum(map(len, todo))
        stats["alone"] = stats.get("alone", 0) + sum(1 for r in keyed if r[2] is None)
        for gi, reps in enumerate(todo):
            if reps:
                by_rep = {rep: hits for rep, hits, _t in answers[gi].values() if rep in reps}
                _engine_run(plan.groups[gi].engine, reps.values(), by_rep)
        own_hits: dict = {s: [] for s, _sc, keys, _n in keyed if keys is None}
        if alone:
            _engine_run(checker.compiled, [list(alone)], own_hits)
        chunk_reports: dict[str, ServiceReport] = {}
        raws = []
        raws_of: dict = {}  # representative -> its results (shared by the services it stands for)
        for s, scopes, keys, names in keyed:
            iri = s[1:-1]
            chunk_reports[iri] = ServiceReport(iri, reg.labels[s][1] if s in reg.labels else None, scopes)
            found = [(s, own_hits[s], {}, {})] if keys is None else \
                [answers[gi][k] + (toks,) for gi, (k, toks) in enumerate(keys) if answers[gi][k][1]]
            back = None
            for rep, hits, rep_tokens, toks in found:
                if not hits:
                    continue
                rep_raws = raws_of.get(rep)
                if rep_raws is None:
                    rep_raws = raws_of[rep] = checker.raws_from_hits(hits)
                if not values:
                    raws += [h.__class__(iri, h.shape, h.severity, h.path, h.component, None, h.messages)
                             for h in rep_raws]
                    continue
                if back is None:
                    back = {v: k for k, v in names.items()} if names else {}
                back[rep] = s
                for h in rep_raws:
                    value = h.value
                    tok = rep_tokens.get(nt(value)) if value is not None and not isinstance(value, Literal) else None
                    if tok is not None:
                        name = toks[tok]
                        value = URIRef(name[1:-1]) if name[0] == "<" else BNode(name[2:])
                    raws.append(h.__class__(iri, h.shape, h.severity, h.path, h.component, _back(value, back),
                                            h.messages))
        g = checker.collect(raws, chunk_reports, frameworks, lambda focus: [chunk_reports[focus]], want_graph)
        reports += chunk_reports.values()
        if want_graph:
            _merge_report(graph, g)
        # the caches are worth less than the memory they hold once they grow past MEMO_MAX
        # entries (every later service would find its answer again; at 100,000 services they
        # would hold hundreds of MB): they start again empty, which changes no answer
        if sum(map(len, answers)) + len(key_memo) + len(whole_memo) > MEMO_MAX:
            for memo in (*answers, key_memo, whole_memo):
                memo.clear()
        probes.trim(MEMO_MAX)
        if progress:
            progress.update(len(reports), len(todo_services))
    if want_graph:
        finish_report(graph)
    return reports, graph


def _group_key(probes: Probes, gi: int, group, parts, memo: dict):
    """The key of a service for group ``gi``: its types, and per property the group reads at
    the service either what the group asks of each value (``Probes``) or the values' renamed
    content; and {(property, token, n): value name} for the values represented by tokens.
    Services whose renamed values of the group's properties are the same share it (``memo``)."""
    values = parts[1]
    seen = (gi, parts[0], tuple([values.get(p, ()) for p in group.preds]))
    hit = memo.get(seen)
    if hit is None:
        hit = memo[seen] = _new_group_key(probes, gi, group, parts)
    return hit


def _new_group_key(probes: Probes, gi: int, group, parts):
    key_parts = []
    order: dict = {}
    for p in group.preds:
        kids = parts[1].get(p, ())
        told = probes.tokens(gi, p, kids) if probes.per_group[gi] else None
        if told is None:
            key_parts.append(kids)
        else:
            key_parts.append(told[0])
            order.update(told[1])
    return (parts[0], tuple(key_parts)), order


def _engine_run(engine, line_lists, by_focus: dict) -> None:
    """One engine run over the union of ``line_lists``; each hit goes to its focus's list."""
    lines = dict.fromkeys(line for lst in line_lists for line in lst)
    for h in engine.hits("\n".join(lines) + "\n"):
        f = nt(h.focus)
        if f not in by_focus:
            raise Unsupported(f"a result on {f}, which is not a service")
        by_focus[f].append(h)


def _back(value, back: dict):
    """A result's value in the service's own terms (a renamed node back to its name)."""
    if value is None or isinstance(value, Literal):
        return value
    orig = back.get(nt(value))
    return _rdf(orig) if orig is not None else value


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
        finish_report(graph)
    return reports, graph


class Progress:
    """The progress bar of a batch run (``tqdm``) on stderr, only when stderr is a terminal."""

    def __init__(self, stream=None):
        from tqdm import tqdm

        self.bar = tqdm(file=stream or sys.stderr, unit=" services", desc="validating", leave=False,
                        dynamic_ncols=True)

    @classmethod
    def maybe(cls, enabled: bool | None = None):
        stream = sys.stderr
        if enabled is None:
            enabled = hasattr(stream, "isatty") and stream.isatty()
        return cls(stream) if enabled else None

    def note(self, what: str) -> None:
        self.bar.set_postfix_str(what)  # refreshes

    def update(self, done: int, total: int) -> None:
        self.bar.total = total
        self.bar.update(done - self.bar.n)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


__all__ = ["Plan", "Unsupported", "validate_files", "reference_reports", "Progress"]

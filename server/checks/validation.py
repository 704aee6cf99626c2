"""Applicability and validation of cloud services against the frameworks in scope. Both run
the SHACL shapes of ``shapes/`` (plus an organisation's own, ``--shapes``) on the data graph that
enrichment builds, with the default engine (:mod:`cloudkader.checks.shacl_engine`, the Rust ``shacl``
package) or pySHACL (the reference); the provision a result belongs to is read from the shape (``ckd:provision``),
the reason a provision applies from its condition shape (``ckd:reason``). No framework-specific
logic lives here: adding a framework or provision is a change to Turtle only."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from .description import Description
from .enrichment import enrich
from ..knowledge import timeline
from ..knowledge.compiled import Knowledge
from ..terms.namespaces import CKD, SH
from .shacl_report import add_result, finish_report
from .verdicts import Result, ServiceReport, applicable_json, time_entry, validation_json  # noqa: F401  (re-exported)

log = logging.getLogger(__name__)

SEVERITY = {str(SH.Violation): "Violation", str(SH.Warning): "Warning", str(SH.Info): "Info"}
PROBE = "urn:cloudkader:probe:"


@dataclass
class RawResult:
    """One SHACL validation result as an engine reports it."""

    focus: str
    shape: object
    severity: str
    path: object
    component: object
    value: object
    messages: dict


ENGINES = ("shacl", "pyshacl")


class Checker:
    """Built once per corpus (and set of extra shapes); checks any number of descriptions.
    ``engine`` is ``shacl`` (the Rust engine of :mod:`cloudkader.checks.shacl_engine`, the default;
    ``fast`` is accepted as its old name) or ``pyshacl`` (the reference). Shapes the default
    engine refuses (beyond SHACL Core) make it fall back to pySHACL for every run.
    ``extra_shapes``: an organisation's own shapes, validated beside the frameworks' shapes.
    ``at``: the day the answers are for (default today): the Knowledge as it stood then
    (cloudkader.knowledge.timeline)."""

    def __init__(self, knowledge: Knowledge, engine: str = "shacl", extra_shapes: Graph | None = None,
                 at=None):
        engine = "shacl" if engine == "fast" else engine
        if engine not in ENGINES:
            raise ValueError(f"unknown SHACL engine {engine!r}: use shacl or pyshacl")
        self.k = knowledge if knowledge.day is not None else timeline.at(knowledge, at)
        self.engine = engine
        self.shapes = knowledge.shapes
        if extra_shapes is not None and len(extra_shapes):
            self.shapes = Graph()
            for t in knowledge.shapes:
                self.shapes.add(t)
            for t in extra_shapes:
                self.shapes.add(t)

    # -- shapes -------------------------------------------------------------------------------
    @cached_property
    def compiled(self):
        """The shapes compiled for the default engine, or None when the engine is pySHACL or
        the engine refuses the shapes."""
        return self._compile(self.shapes)

    @cached_property
    def compiled_probes(self):
        return self._compile(self.probe_shapes[0]) if self.compiled is not None else None

    def _compile(self, shapes: Graph):
        if self.engine != "shacl":
            return None
        from .shacl_engine import Engine, Refused

        try:
            return Engine(shapes)
        except Refused as exc:
            log.warning("default SHACL engine refuses the shapes (%s); using pySHACL", exc)
            return None

    @cached_property
    def probe_shapes(self) -> tuple[Graph, dict[str, tuple[str, str]]]:
        """For pySHACL: one probe per (provision, condition), a shape that reports every service
        that conforms to the condition (``sh:not`` of the condition fails exactly then)."""
        g = Graph()
        for t in self.shapes:
            g.add(t)
        probes: dict[str, tuple[str, str]] = {}
        for i, (p, info) in enumerate(sorted(self.k.provisions.items())):
            for j, cond in enumerate(info.applies_when):
                probe = URIRef(f"{PROBE}{i}-{j}")
                g.add((probe, RDF.type, SH.NodeShape))
                g.add((probe, SH.targetClass, CKD.CloudService))
                g.add((probe, SH["not"], URIRef(cond)))
                g.add((probe, SH.severity, SH.Info))
                probes[str(probe)] = (p, cond)
        return g, probes

    def _provision_of_shape(self, shape) -> str | None:
        p = self.k.shape_provision.get(str(shape))
        if p:
            return p
        for parent in self.shapes.subjects(SH.property, shape):
            p = self.k.shape_provision.get(str(parent))
            if p:
                return p
        return None

    def _shape_info(self, shape) -> tuple:
        """(provision, framework, the shape the JSON names) of a source shape, memoised."""
        memo = self.__dict__.setdefault("_shape_info_memo", {})
        info = memo.get(shape)
        if info is None:
            provision = self._provision_of_shape(shape)
            framework = self.k.provisions[provision].framework if provision in self.k.provisions else None
            info = memo[shape] = (provision, framework, self._named_shape(shape))
        return info

    def _named_shape(self, shape) -> str:
        """The shape a result names in the JSON: its source shape, or for a blank-node shape the
        nearest shape with an IRI that holds it (through sh:property, sh:node, sh:and …)."""
        seen = set()
        while isinstance(shape, BNode) and shape not in seen:
            seen.add(shape)
            parent = next(iter(self.shapes.subjects(None, shape)), None)
            while parent is not None and (parent, RDF.first, None) in self.shapes:  # inside a list
                parent = next(iter(self.shapes.subjects(None, parent)), None)
            if parent is None:
                break
            shape = parent
        return str(shape)

    def _shape_messages(self, shape) -> dict:
        msgs = {m.language: str(m) for m in self.shapes.objects(shape, SH.message) if isinstance(m, Literal)}
        if not msgs:
            for parent in self.shapes.subjects(SH.property, shape):
                msgs = {m.language: str(m) for m in self.shapes.objects(parent, SH.message) if isinstance(m, Literal)}
                if msgs:
                    break
        return msgs

    # -- running ------------------------------------------------------------------------------
    @staticmethod
    def _run_pyshacl(data: Graph, shapes: Graph) -> Graph:
        import pyshacl

        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True,
            allow_infos=True, advanced=False, meta_shacl=False, js=False, do_owl_imports=False,
        )
        return report

    def raws_from_hits(self, hits) -> list[RawResult]:
        memo = self.__dict__.setdefault("_messages_memo", {})
        out = []
        for h in hits:
            msgs = memo.get(h.shape)
            if msgs is None:
                msgs = memo[h.shape] = self._shape_messages(h.shape)
            out.append(RawResult(_focus(h.focus), h.shape, SEVERITY.get(str(h.severity), "Violation"), h.path,
                                 h.component, h.value, msgs))
        return out

    def raw_results(self, data: Graph) -> list[RawResult]:
        """Every validation result of the compliance shapes on ``data``, from the engine in use."""
        if self.compiled is not None:
            return self.raws_from_hits(self.compiled.hits(data))
        report = self._run_pyshacl(data, self.shapes)
        out = []
        for r in report.subjects(RDF.type, SH.ValidationResult):
            shape = report.value(r, SH.sourceShape)
            messages = self._shape_messages(shape) or {
                m.language: str(m) for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal)}
            out.append(RawResult(str(report.value(r, SH.focusNode)), shape,
                                 SEVERITY.get(str(report.value(r, SH.resultSeverity)), "Violation"),
                                 report.value(r, SH.resultPath), report.value(r, SH.sourceConstraintComponent),
                                 report.value(r, SH.value), messages))
        return out

    def check(self, desc: Description, frameworks: set[str] | None = None, want_applicable: bool = True,
              want_validation: bool = True, want_completeness: bool = True) -> tuple[list[ServiceReport], Graph | None]:
        data, scopes = enrich(self.k, desc.graph, desc.services)
        reports = {
            str(s): ServiceReport(str(s), _label(desc.graph, s), scopes[str(s)]) for s in desc.services
        }
        if want_applicable:
            self._applicable(data, reports)
            if want_completeness:
                from .completeness import applicable_undetermined

                for sid, entries in applicable_undetermined(self, desc, list(reports.values())).items():
                    reports[sid].applicable_undetermined += entries
        report_graph = None
        if want_validation:
            report_graph = self._validate(data, reports, frameworks)
            if want_completeness:
                from .completeness import add_to_report, undetermined

                for sid, entries in undetermined(self, desc, list(reports.values()), frameworks).items():
                    reports[sid].undetermined = entries
                add_to_report(report_graph, list(reports.values()))
        return list(reports.values()), report_graph

    def _conditions_met(self, data: Graph, reports: dict[str, ServiceReport]) -> dict[str, list[tuple[str, str]]]:
        """Per service, the (provision, condition) pairs whose condition the service meets."""
        hits: dict[str, list[tuple[str, str]]] = {}
        if self.compiled_probes is not None:
            probes = self.probe_shapes[1]
            for h in self.compiled_probes.hits(data):
                if str(h.shape) in probes:
                    hits.setdefault(_focus(h.focus), []).append(probes[str(h.shape)])
            return hits
        shapes, probes = self.probe_shapes
        report = self._run_pyshacl(data, shapes)
        for r in report.subjects(RDF.type, SH.ValidationResult):
            probe = str(report.value(r, SH.sourceShape))
            if probe in probes:
                hits.setdefault(str(report.value(r, SH.focusNode)), []).append(probes[probe])
        return hits

    def _applicable(self, data: Graph, reports: dict[str, ServiceReport]) -> None:
        # a provision applies when its framework is in scope and one of its conditions
        # (ckd:appliesWhen) holds; provisions without a condition are background (history,
        # definitions, rules for other bodies) and are not listed per service
        hits = self._conditions_met(data, reports)
        for sid, rep in reports.items():
            in_scope = {sc.framework: sc for sc in rep.scopes}
            seen = set()
            for p, cond in sorted(hits.get(sid, [])):
                info = self.k.provisions[p]
                if info.framework not in in_scope or p in seen:
                    continue
                seen.add(p)
                if info.framework in self.k.time_undetermined:  # in force that day? the sources do not say
                    rep.applicable_undetermined.append(time_entry(p, info.framework, self.k.time_undetermined[
                        info.framework], self.k.lapsed.get(p)))
                    continue
                reason = self.k.reasons.get(cond, {})
                entry = self._entry(p, info.framework, in_scope[info.framework], reason)
                if self.k.lapsed.get(p):  # resting on lapsed law: never presented as current
                    entry["lapsed"] = self.k.lapsed[p]
                rep.applicable.append(entry)
            rep.applicable.sort(key=lambda e: (e["framework"], e["provision"]))

    @staticmethod
    def _entry(p, fw, scope, reason: dict[str, str]) -> dict:
        return {"provision": p, "framework": fw, "scope": scope.kind,
                "reason": reason.get("nl", ""), "reason_en": reason.get("en", "")}

    def _validate(self, data: Graph, reports: dict[str, ServiceReport], frameworks: set[str] | None) -> Graph:
        return self.collect(self.raw_results(data), reports, frameworks,
                            lambda focus: self._reports_of(focus, data, reports))

    def collect(self, raws: list[RawResult], reports: dict[str, ServiceReport], frameworks: set[str] | None,
                owners, want_graph: bool = True) -> Graph | None:
        """Add the results ``raws`` to the services' reports (``owners(focus)`` says whose they
        are) and return the W3C report graph of them (when ``want_graph``)."""
        out = Graph()
        out.bind("sh", SH)
        out.bind("ckd", CKD)
        # what a result's shape, severity and messages give under a service's scopes, worked out
        # once for all the services with the same scopes (the objects, alive for this call)
        seen: dict = {}
        for raw in raws:
            provision, framework, named = self._shape_info(raw.shape)
            if frameworks is not None and framework is not None and framework not in frameworks:
                continue  # an organisation's own shapes (no framework) are always reported
            for rep in owners(raw.focus):
                key = (raw.shape, raw.severity, id(rep.scopes), id(raw.messages))
                known = seen.get(key)
                if known is None:
                    uncertain = framework in self.k.time_undetermined and raw.severity == "Violation" and any(
                        s.framework == framework and s.kind == "binding" for s in rep.scopes)
                    scope = next((s.kind for s in rep.scopes if s.framework == framework), None)
                    nl = raw.messages.get("nl") or raw.messages.get(None) or next(iter(raw.messages.values()), "")
                    known = seen[key] = (uncertain, scope, nl, raw.messages.get("en") or nl)
                uncertain, scope, nl, en = known
                if uncertain:  # a violation of a framework that may not have held that day
                    if all(e["provision"] != provision for e in rep.time_undetermined):
                        rep.time_undetermined.append(time_entry(provision, framework, self.k.time_undetermined[framework],
                                                                self.k.lapsed.get(provision)))
                        if want_graph:
                            _undetermined_node(out, rep.service, rep.time_undetermined[-1])
                    continue
                path = str(raw.path) if isinstance(raw.path, URIRef) else None
                value = raw.value.n3() if raw.value is not None else None
                result = Result(provision, framework, raw.severity, nl, en, path, named, scope, value,
                                self.k.lapsed.get(provision))
                rep.results.append(result)
                if want_graph:
                    add_result(out, raw, result, self.shapes)
        for rep in reports.values():
            rep.results.sort(key=lambda x: (x.framework or "", x.provision or "", x.message, x.path or "", x.shape,
                                            x.severity, x.value or ""))
            rep.time_undetermined.sort(key=lambda e: (e["framework"] or "", e["provision"]))
        if not want_graph:
            return None
        for r, p in list(out.subject_objects(CKD.provision)):  # resting on lapsed law, in the W3C report too
            for e in self.k.lapsed.get(str(p), ()):
                out.add((r, CKD.restsOnLapsed, URIRef(e["document"])))
        finish_report(out)
        return out

    @staticmethod
    def _reports_of(focus: str, data: Graph, reports: dict[str, ServiceReport]) -> list[ServiceReport]:
        """The service(s) a result belongs to: its focus node, or — for a shape that targets
        something else (an organisation's own shapes may) — every service that reaches the
        focus node in the data graph."""
        if focus in reports:
            return [reports[focus]]
        node = BNode(focus[2:]) if focus.startswith("_:") else URIRef(focus)
        seen, todo, owners = {node}, [node], []
        while todo:
            n = todo.pop()
            for s in data.subjects(None, n):
                if str(s) in reports and reports[str(s)] not in owners:
                    owners.append(reports[str(s)])
                if s not in seen:
                    seen.add(s)
                    todo.append(s)
        return owners


def _undetermined_node(graph: Graph, service: str, e: dict) -> None:
    """A ``ckd:UndeterminedResult`` in the W3C report for a provision a date leaves undecided."""
    node = BNode()
    graph.add((node, RDF.type, CKD.UndeterminedResult))
    graph.add((node, SH.focusNode, BNode(service[2:]) if service.startswith("_:") else URIRef(service)))
    graph.add((node, CKD.provision, URIRef(e["provision"])))
    graph.add((node, CKD.framework, URIRef(e["framework"])))
    for lang in ("nl", "en"):
        graph.add((node, CKD.reason, Literal(e["reason" if lang == "nl" else "reason_en"], lang=lang)))


def _focus(node) -> str:
    return f"_:{node}" if isinstance(node, BNode) else str(node)


def _label(g: Graph, s) -> str | None:
    """The service's label: with several, the Dutch one, else one without a language, else the
    English one, else any (the smallest) — the same whatever order the graph yields them in."""
    from rdflib.namespace import RDFS

    best = min((label_rank(lab), str(lab)) for lab in g.objects(s, RDFS.label)) if (s, RDFS.label, None) in g else None
    return best[1] if best is not None else None


def label_rank(lab) -> int:
    """How much a label is preferred (lower first): nl, no language, en, other, not a literal."""
    if not isinstance(lab, Literal):
        return 4
    return {"nl": 0, None: 1, "en": 2}.get(lab.language.lower() if lab.language else None, 3)

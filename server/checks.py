"""Applicability and validation of cloud services against the frameworks in scope. Both run
the SHACL shapes of ``shapes/`` with pySHACL (the reference engine) on the data graph that
enrichment builds; the provision a result belongs to is read from the shape (``ckd:provision``),
the reason a provision applies from its condition shape (``ckd:reason``). No framework-specific
logic lives here: adding a framework or provision is a change to Turtle only."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from .description import Description
from .enrichment import Scope, enrich
from .knowledge import Knowledge
from .namespaces import CKD, SH

log = logging.getLogger(__name__)

SEVERITY = {str(SH.Violation): "Violation", str(SH.Warning): "Warning", str(SH.Info): "Info"}
PROBE = "urn:cloudkader:probe:"


@dataclass
class Result:
    provision: str | None
    framework: str | None
    severity: str
    message: str
    message_en: str
    path: str | None
    shape: str

    def as_json(self) -> dict:
        return {"provision": self.provision, "framework": self.framework, "severity": self.severity,
                "message": self.message, "message_en": self.message_en, "path": self.path}


@dataclass
class ServiceReport:
    service: str
    label: str | None
    scopes: list[Scope]
    results: list[Result] = field(default_factory=list)
    applicable: list[dict] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(r.severity == "Violation" for r in self.results)


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


class Checker:
    """Built once per corpus; checks any number of descriptions. ``engine`` is ``fast`` (the
    compiled evaluator of :mod:`cloudkader.fastshacl`, the default, checked against pySHACL by the
    tests) or ``pyshacl`` (the reference). Shapes the fast engine cannot compile make it fall back
    to pySHACL for every run."""

    def __init__(self, knowledge: Knowledge, engine: str = "fast"):
        if engine not in ("fast", "pyshacl"):
            raise ValueError(f"unknown SHACL engine {engine!r}: use fast or pyshacl")
        self.k = knowledge
        self.engine = engine

    # -- shapes -------------------------------------------------------------------------------
    @cached_property
    def compiled(self):
        """The shapes compiled for the fast engine, or None when the engine is pySHACL or a
        shape uses a feature the fast engine lacks."""
        if self.engine != "fast":
            return None
        from .fastshacl import CompiledShapes, Unsupported

        try:
            return CompiledShapes(self.k.shapes)
        except Unsupported as exc:
            log.warning("fast SHACL engine unavailable (%s); using pySHACL", exc)
            return None

    @cached_property
    def probe_shapes(self) -> tuple[Graph, dict[str, tuple[str, str]]]:
        """For pySHACL: one probe per (provision, condition), a shape that reports every service
        that conforms to the condition (``sh:not`` of the condition fails exactly then)."""
        g = Graph()
        for t in self.k.shapes:
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
        for parent in self.k.shapes.subjects(SH.property, shape):
            p = self.k.shape_provision.get(str(parent))
            if p:
                return p
        return None

    def _shape_messages(self, shape) -> dict:
        msgs = {m.language: str(m) for m in self.k.shapes.objects(shape, SH.message) if isinstance(m, Literal)}
        if not msgs:
            for parent in self.k.shapes.subjects(SH.property, shape):
                msgs = {m.language: str(m) for m in self.k.shapes.objects(parent, SH.message) if isinstance(m, Literal)}
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

    def raw_results(self, data: Graph) -> list[RawResult]:
        """Every validation result of the compliance shapes on ``data``, from the engine in use."""
        if self.compiled is not None:
            return [RawResult(str(r.focus), r.shape, SEVERITY.get(str(r.severity), "Violation"), r.path,
                              r.component, r.value, self._shape_messages(r.shape))
                    for r in self.compiled.validate(data)]
        report = self._run_pyshacl(data, self.k.shapes)
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
              want_validation: bool = True) -> tuple[list[ServiceReport], Graph | None]:
        data, scopes = enrich(self.k, desc.graph, desc.services)
        reports = {
            str(s): ServiceReport(str(s), _label(desc.graph, s), scopes[str(s)]) for s in desc.services
        }
        if want_applicable:
            self._applicable(data, reports)
        report_graph = None
        if want_validation:
            report_graph = self._validate(data, reports, frameworks)
        return list(reports.values()), report_graph

    def _conditions_met(self, data: Graph, reports: dict[str, ServiceReport]) -> dict[str, list[tuple[str, str]]]:
        """Per service, the (provision, condition) pairs whose condition the service meets."""
        hits: dict[str, list[tuple[str, str]]] = {}
        if self.compiled is not None:
            from .fastshacl import Data

            d = Data(data)
            for sid, rep in reports.items():
                in_scope = {sc.framework for sc in rep.scopes}
                focus = URIRef(sid)
                for p, info in self.k.provisions.items():
                    if info.framework not in in_scope:
                        continue
                    for cond in info.applies_when:
                        if self.compiled.conforms(URIRef(cond), d, focus):
                            hits.setdefault(sid, []).append((p, cond))
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
                reason = self.k.reasons.get(cond, {})
                rep.applicable.append(self._entry(p, info.framework, in_scope[info.framework], reason))
            rep.applicable.sort(key=lambda e: (e["framework"], e["provision"]))

    @staticmethod
    def _entry(p, fw, scope: Scope, reason: dict[str, str]) -> dict:
        return {"provision": p, "framework": fw, "scope": scope.kind,
                "reason": reason.get("nl", ""), "reason_en": reason.get("en", "")}

    def _validate(self, data: Graph, reports: dict[str, ServiceReport], frameworks: set[str] | None) -> Graph:
        out = Graph()
        out.bind("sh", SH)
        out.bind("ckd", CKD)
        for raw in self.raw_results(data):
            provision = self._provision_of_shape(raw.shape)
            framework = self.k.provisions[provision].framework if provision in self.k.provisions else None
            if frameworks is not None and framework not in frameworks:
                continue
            rep = reports.get(raw.focus)
            if rep is None:
                continue
            severity = raw.severity
            scope = next((s for s in rep.scopes if s.framework == framework), None)
            if scope is not None and scope.kind == "advisory" and severity == "Violation":
                severity = "Warning"  # advice, not obligation: reported, but does not break conformance
            nl = raw.messages.get("nl") or raw.messages.get(None) or next(iter(raw.messages.values()), "")
            en = raw.messages.get("en") or nl
            path = str(raw.path) if isinstance(raw.path, URIRef) else None
            rep.results.append(Result(provision, framework, severity, nl, en, path, str(raw.shape)))
            _add_result(out, raw, severity, nl, en, provision, framework)
        for rep in reports.values():
            rep.results.sort(key=lambda x: (x.framework or "", x.provision or "", x.message, x.path or ""))
        conforms = all(rep.conforms for rep in reports.values())
        root = BNode()
        out.add((root, RDF.type, SH.ValidationReport))
        out.add((root, SH.conforms, Literal(conforms)))
        for r in out.subjects(RDF.type, SH.ValidationResult):
            out.add((root, SH.result, r))
        return out


def _add_result(out: Graph, raw: RawResult, severity: str, nl: str, en: str, provision, framework) -> None:
    """One sh:ValidationResult of the W3C report, annotated with its provision and framework."""
    r = BNode()
    out.add((r, RDF.type, SH.ValidationResult))
    out.add((r, SH.focusNode, URIRef(raw.focus) if not raw.focus.startswith("_:") else BNode(raw.focus[2:])))
    out.add((r, SH.resultSeverity, SH[severity]))
    if isinstance(raw.shape, URIRef):
        out.add((r, SH.sourceShape, raw.shape))
    if raw.component is not None:
        out.add((r, SH.sourceConstraintComponent, raw.component))
    if isinstance(raw.path, URIRef):
        out.add((r, SH.resultPath, raw.path))
    if isinstance(raw.value, (URIRef, Literal)):
        out.add((r, SH.value, raw.value))
    if nl:
        out.add((r, SH.resultMessage, Literal(nl, lang="nl")))
    if en:
        out.add((r, SH.resultMessage, Literal(en, lang="en")))
    if provision:
        out.add((r, CKD.provision, URIRef(provision)))
    if framework:
        out.add((r, CKD.framework, URIRef(framework)))


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


def applicable_json(reports: list[ServiceReport]) -> dict:
    return {"services": [{
        "service": r.service,
        "label": r.label,
        "frameworks": [{"framework": s.framework, "scope": s.kind, "reason": s.reason.get("nl", ""),
                        "reason_en": s.reason.get("en", "")} for s in r.scopes],
        "provisions": [{k: v for k, v in e.items() if k != "scope"} for e in r.applicable],
    } for r in reports]}


def validation_json(reports: list[ServiceReport]) -> dict:
    return {"conforms": all(r.conforms for r in reports), "services": [{
        "service": r.service,
        "label": r.label,
        "conforms": r.conforms,
        "frameworks": [{"framework": s.framework, "scope": s.kind} for s in r.scopes],
        "results": [x.as_json() for x in r.results],
    } for r in reports]}

"""Applicability and validation of cloud services against the frameworks in scope. Both run
the SHACL shapes of ``shapes/`` with pySHACL (the reference engine) on the data graph that
enrichment builds; the provision a result belongs to is read from the shape (``ckd:provision``),
the reason a provision applies from its condition shape (``ckd:reason``). No framework-specific
logic lives here: adding a framework or provision is a change to Turtle only."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF

from .description import Description
from .enrichment import Scope, enrich
from .knowledge import Knowledge
from .namespaces import CKD, SH

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


class Checker:
    """Built once per corpus; checks any number of descriptions."""

    def __init__(self, knowledge: Knowledge):
        self.k = knowledge

    # -- shapes -------------------------------------------------------------------------------
    @cached_property
    def probe_shapes(self) -> tuple[Graph, dict[str, tuple[str, str]]]:
        """One probe per (provision, condition): a shape that reports every in-scope service
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

    @cached_property
    def compliance_shapes(self) -> Graph:
        return self.k.shapes

    def _provision_of_shape(self, shapes: Graph, shape) -> str | None:
        p = self.k.shape_provision.get(str(shape))
        if p:
            return p
        for parent in shapes.subjects(SH.property, shape):
            p = self.k.shape_provision.get(str(parent))
            if p:
                return p
        return None

    # -- running ------------------------------------------------------------------------------
    @staticmethod
    def _run(data: Graph, shapes: Graph) -> Graph:
        import pyshacl

        _conforms, report, _text = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", abort_on_first=False, allow_warnings=True,
            allow_infos=True, advanced=False, meta_shacl=False, js=False, do_owl_imports=False,
        )
        return report

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

    def _applicable(self, data: Graph, reports: dict[str, ServiceReport]) -> None:
        shapes, probes = self.probe_shapes
        report = self._run(data, shapes)
        hits: dict[str, list[tuple[str, str]]] = {}
        for r in report.subjects(RDF.type, SH.ValidationResult):
            probe = str(report.value(r, SH.sourceShape))
            if probe in probes:
                hits.setdefault(str(report.value(r, SH.focusNode)), []).append(probes[probe])
        for sid, rep in reports.items():
            in_scope = {sc.framework: sc for sc in rep.scopes}
            seen = set()
            for p, info in sorted(self.k.provisions.items()):
                if info.framework not in in_scope or info.without_text or info.applies_when:
                    continue
                sc = in_scope[info.framework]
                rep.applicable.append(self._entry(p, info.framework, sc, {
                    "nl": f"geldt voor elke clouddienst binnen de reikwijdte; {sc.reason['nl']}",
                    "en": f"applies to every cloud service in scope; {sc.reason['en']}"}))
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
        shapes = self.compliance_shapes
        report = self._run(data, shapes)
        out = Graph()
        out.bind("sh", SH)
        out.bind("ckd", CKD)
        for r in list(report.subjects(RDF.type, SH.ValidationResult)):
            focus = str(report.value(r, SH.focusNode))
            source = report.value(r, SH.sourceShape)
            provision = self._provision_of_shape(shapes, source)
            framework = self.k.provisions[provision].framework if provision in self.k.provisions else None
            if frameworks is not None and framework not in frameworks:
                continue
            rep = reports.get(focus)
            if rep is None:
                continue
            severity = SEVERITY.get(str(report.value(r, SH.resultSeverity)), "Violation")
            scope = next((s for s in rep.scopes if s.framework == framework), None)
            if scope is not None and scope.kind == "advisory" and severity == "Violation":
                severity = "Warning"  # advice, not obligation: reported, but does not break conformance
            messages = {m.language: str(m) for m in report.objects(r, SH.resultMessage) if isinstance(m, Literal)}
            nl = messages.get("nl") or messages.get(None) or next(iter(messages.values()), "")
            en = messages.get("en") or nl
            path = report.value(r, SH.resultPath)
            rep.results.append(Result(provision, framework, severity, nl, en,
                                      str(path) if isinstance(path, URIRef) else None, str(source)))
            _copy_result(report, r, out, severity, provision, framework)
        for rep in reports.values():
            rep.results.sort(key=lambda x: (x.framework or "", x.provision or "", x.message))
        conforms = all(rep.conforms for rep in reports.values())
        root = BNode()
        out.add((root, RDF.type, SH.ValidationReport))
        out.add((root, SH.conforms, Literal(conforms)))
        for r in out.subjects(RDF.type, SH.ValidationResult):
            out.add((root, SH.result, r))
        return out


def _copy_result(report: Graph, r, out: Graph, severity: str, provision, framework) -> None:
    for p, o in report.predicate_objects(r):
        if p == SH.resultSeverity:
            o = SH[severity]
        out.add((r, p, o))
        if isinstance(o, BNode) and p in (SH.resultPath, SH.value):
            for t in report.triples((o, None, None)):
                out.add(t)
            if (o, RDF.first, None) in report:
                for item in Collection(report, o):
                    out.add((o, RDF.first, item))
    if provision:
        out.add((r, CKD.provision, URIRef(provision)))
    if framework:
        out.add((r, CKD.framework, URIRef(framework)))


def _label(g: Graph, s) -> str | None:
    from rdflib.namespace import RDFS

    lab = g.value(s, RDFS.label)
    return str(lab) if lab is not None else None


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

"""The verdicts of a check, per service: its results, what it leaves undetermined (by missing
facts, cloudkader.checks.completeness, or by a date the sources do not pin down,
cloudkader.knowledge.timeline) and the provisions resting on lapsed law — and the JSON answers of
``applicable`` and ``validate`` (DESIGN.md §4, plus what issues 13 and 17 add)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .enrichment import Scope


@dataclass(slots=True)
class Result:
    provision: str | None
    framework: str | None
    severity: str
    message: str
    message_en: str
    path: str | None
    shape: str
    scope: str | None = None  # binding | advisory: how the framework reaches the service
    value: str | None = None
    # the lapsed documents the provision rests on (never presented as current law)
    lapsed: list[dict] | None = None

    @property
    def blocking(self) -> bool:
        """A violation of a binding framework, or of the organisation's own shapes: it breaks
        the service's conformance. Under an advisory framework a violation is advice."""
        return self.severity == "Violation" and self.scope != "advisory"

    @property
    def effective_severity(self) -> str:
        return "Warning" if self.severity == "Violation" and not self.blocking else self.severity

    def as_json(self) -> dict:
        out = {"provision": self.provision, "framework": self.framework, "severity": self.severity,
               "scope": self.scope, "blocking": self.blocking, "message": self.message,
               "message_en": self.message_en, "path": self.path, "shape": self.shape}
        if self.lapsed:
            out["lapsed"] = self.lapsed
        return out


@dataclass(slots=True)
class ServiceReport:
    service: str
    label: str | None
    scopes: list[Scope]
    results: list[Result] = field(default_factory=list)
    applicable: list[dict] = field(default_factory=list)
    # provisions left undecided by facts the description does not give (cloudkader.checks.completeness)
    undetermined: list[dict] = field(default_factory=list)
    # provisions a check on a date leaves undecided: their framework's force that day is uncertain
    time_undetermined: list[dict] = field(default_factory=list)
    # applicable provisions whose applicability depends on facts the description does not give
    applicable_undetermined: list[dict] = field(default_factory=list)

    @property
    def violates(self) -> bool:
        """A blocking result: a violation of a binding framework or of the organisation's shapes."""
        return any(r.blocking for r in self.results)

    @property
    def conforms(self) -> bool:
        """No blocking result and every applicable check decided: cloudkader's verdict (the W3C
        report's sh:conforms is false as soon as there is any result at all)."""
        return not self.violates and not self.undetermined and not self.time_undetermined

    @property
    def outcome(self) -> str:
        return "violates" if self.violates else ("conforms" if self.conforms else "undetermined")

    def all_undetermined(self) -> list[dict]:
        """Both kinds, in one order; an entry of a framework whose force on the day is uncertain
        carries that reason too (whichever path — reference or batch — found it)."""
        uncertain = {s.framework: s.uncertain for s in self.scopes if s.uncertain}
        out = []
        for e in self.undetermined + self.time_undetermined:
            if e.get("framework") in uncertain and "reason" not in e:
                e = dict(e, reason=uncertain[e["framework"]].get("nl", ""),
                         reason_en=uncertain[e["framework"]].get("en", ""))
            out.append(e)
        return sorted(out, key=lambda e: (e.get("framework") or "", e["provision"]))


def time_entry(provision: str, framework: str, reason: dict[str, str], lapsed=None) -> dict:
    """An undetermined entry for a provision whose framework's force on the day is uncertain."""
    e = {"provision": provision, "framework": framework, "missing": [], "missing_labels": [],
         "missing_labels_en": [], "reason": reason.get("nl", ""), "reason_en": reason.get("en", "")}
    if lapsed:
        e["lapsed"] = lapsed
    return e


def _scope_json(s: Scope) -> dict:
    out = {"framework": s.framework, "scope": s.kind, "reason": s.reason.get("nl", ""),
           "reason_en": s.reason.get("en", "")}
    if s.uncertain:
        out["in_force"] = "undetermined"
        out["in_force_reason"], out["in_force_reason_en"] = s.uncertain.get("nl", ""), s.uncertain.get("en", "")
    return out


def applicable_json(reports: list[ServiceReport], day: str | None = None) -> dict:
    out = {"services": [{
        "service": r.service,
        "label": r.label,
        "frameworks": [_scope_json(s) for s in r.scopes],
        "provisions": [{k: v for k, v in e.items() if k != "scope"} for e in r.applicable],
        "undetermined": r.applicable_undetermined,
    } for r in reports]}
    if day:
        out["at"] = day
    return out


def validation_json(reports: list[ServiceReport], day: str | None = None) -> dict:
    outcome = ("violates" if any(r.violates for r in reports)
               else "conforms" if all(r.conforms for r in reports) else "undetermined")
    # DESIGN.md's fields first, then what issue 13 adds (the undetermined provisions, the outcome)
    out = {"conforms": all(r.conforms for r in reports), "services": [{
        "service": r.service,
        "label": r.label,
        "conforms": r.conforms,
        "frameworks": [{"framework": s.framework, "scope": s.kind,
                        **({"in_force": "undetermined"} if s.uncertain else {})} for s in r.scopes],
        "results": [x.as_json() for x in r.results],
        "undetermined": r.all_undetermined(),
        "outcome": r.outcome,
    } for r in reports], "outcome": outcome}
    if day:
        out["at"] = day
    return out

"""What changes between two days (issue 17, ``cloudkader diff``): in the corpus — frameworks
entering or leaving force, documents lapsing, supersessions — and for given services, whose
verdicts change and how (new violations, resolved ones, scope changes, what becomes or stops
being undetermined). Both days are answered by the same checks as ``validate --at``."""

from __future__ import annotations

from datetime import date

from ..knowledge import timeline
from .description import Description
from .verdicts import ServiceReport, validation_json


def corpus_changes(k, d1: date, d2: date) -> list[dict]:
    """Frameworks and documents whose state differs between ``d1`` and ``d2``."""
    lives = k.timeline.lives if isinstance(k.timeline, timeline.Timeline) else {}
    return timeline.changes(lives, d1, d2)


def _scopes(rep: ServiceReport) -> dict[str, str]:
    return {s.framework: ("undetermined" if s.uncertain else s.kind) for s in rep.scopes}


def _blocking(rep: ServiceReport) -> dict[str, dict]:
    out = {}
    for r in rep.results:
        if r.blocking and r.provision and r.provision not in out:
            out[r.provision] = {"provision": r.provision, "framework": r.framework, "message": r.message,
                                "message_en": r.message_en}
    return out


def _undecided(rep: ServiceReport) -> dict[str, dict]:
    return {e["provision"]: e for e in rep.all_undetermined()}


def service_changes(before: list[ServiceReport], after: list[ServiceReport]) -> list[dict]:
    """Per service (in the order of ``after``): the verdict on each day and what changed."""
    old = {r.service: r for r in before}
    out = []
    for new in after:
        was = old.get(new.service)
        if was is None:
            continue
        s1, s2 = _scopes(was), _scopes(new)
        b1, b2 = _blocking(was), _blocking(new)
        u1, u2 = _undecided(was), _undecided(new)
        scope_changes = [{"framework": f, "from": s1.get(f, "out"), "to": s2.get(f, "out")}
                         for f in sorted(set(s1) | set(s2)) if s1.get(f) != s2.get(f)]
        entry = {
            "service": new.service, "label": new.label,
            "outcome_from": was.outcome, "outcome_to": new.outcome,
            "scope_changes": scope_changes,
            "new_violations": [b2[p] for p in sorted(set(b2) - set(b1))],
            "resolved_violations": [b1[p] for p in sorted(set(b1) - set(b2))],
            "newly_undetermined": [u2[p] for p in sorted(set(u2) - set(u1))],
            "no_longer_undetermined": [u1[p] for p in sorted(set(u1) - set(u2))],
        }
        entry["changed"] = bool(entry["outcome_from"] != entry["outcome_to"] or scope_changes or entry["new_violations"]
                                or entry["resolved_violations"] or entry["newly_undetermined"]
                                or entry["no_longer_undetermined"])
        out.append(entry)
    return out


def diff(checker_from, checker_to, desc: Description | None, d1: date, d2: date,
         frameworks: set[str] | None = None) -> dict:
    """The whole answer: the corpus changes and, for ``desc``'s services, the verdict changes
    (with both days' validation answers)."""
    out = {"from": d1.isoformat(), "to": d2.isoformat(), "corpus": corpus_changes(checker_to.k, d1, d2)}
    if desc is not None and desc.services:
        before, _ = checker_from.check(desc, frameworks=frameworks, want_applicable=False)
        after, _ = checker_to.check(desc, frameworks=frameworks, want_applicable=False)
        out["services"] = service_changes(before, after)
        out["validation_from"] = validation_json(before, d1.isoformat())
        out["validation_to"] = validation_json(after, d2.isoformat())
    return out


def render_text(result: dict, lang: str = "nl") -> str:
    """The diff as text (nl or en)."""
    en = lang == "en"
    lines = [f"{'Changes' if en else 'Wijzigingen'} {result['from']} → {result['to']}"]
    lines.append("Corpus:" if not result["corpus"] else "Corpus:")
    if not result["corpus"]:
        lines.append("  (no change)" if en else "  (geen wijziging)")
    for c in result["corpus"]:
        why = c["reason_to"] or c["reason_from"]
        lines.append(f"  {c['kind']}: {c['label_en'] if en else c['label']}: {c['from']} → {c['to']}"
                     + (f" — {why.get('en' if en else 'nl', '')}" if why else ""))
    for s in result.get("services", []):
        name = s["service"] + (f"  ({s['label']})" if s.get("label") else "")
        lines.append(f"{name}: {s['outcome_from']} → {s['outcome_to']}")
        for sc in s["scope_changes"]:
            lines.append(f"  scope {_short(sc['framework'])}: {sc['from']} → {sc['to']}")
        for key, tag in (("new_violations", "+ violation" if en else "+ overtreding"),
                         ("resolved_violations", "- violation" if en else "- overtreding"),
                         ("newly_undetermined", "+ undetermined" if en else "+ onbeslist"),
                         ("no_longer_undetermined", "- undetermined" if en else "- onbeslist")):
            for e in s[key]:
                lines.append(f"  {tag}: {_short(e['provision'])}")
        if not s["changed"]:
            lines.append("  (no change)" if en else "  (geen wijziging)")
    return "\n".join(lines) + "\n"


def _short(iri: str | None) -> str:
    return (iri or "-").replace("https://w3id.org/cloudkader/id/", "")

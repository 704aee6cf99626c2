"""Overlaps on a date (issue 17): the overlap table as it stood on a day — only overlaps between
frameworks that held then (one whose force that day is uncertain is kept and marked), lapsed
sources only when they had lapsed by then, and, for a later version of a framework, the overlaps
of the provisions its provisions continue (``ckd:continues``) carried over to them."""

from __future__ import annotations

import copy
from datetime import date

from . import timeline


def _states(k, day: date) -> dict[str, tuple[str, dict]]:
    """Per framework key: its state on ``day`` and the reason."""
    lives = k.timeline.lives if isinstance(k.timeline, timeline.Timeline) else {}
    out = {}
    for iri, fw in k.frameworks.items():
        life = lives.get(iri)
        out[fw.key] = timeline.state(life, day) if life else (timeline.IN, {})
    return out


def carried_over(items: list[dict], k) -> list[dict]:
    """The overlaps of continued provisions, restated for the provisions that continue them
    (marked ``carried_over_from``), when the later provision has no overlap of its own there."""
    continues = k.timeline.continues if isinstance(k.timeline, timeline.Timeline) else {}
    if not continues:
        return items
    by_old: dict[str, list[str]] = {}
    for new, olds in continues.items():
        for old in olds:
            by_old.setdefault(old, []).append(new)
    keys = {iri: fw.key for iri, fw in k.frameworks.items()}
    have = {(o["source"], o["target"]) for o in items}
    extra = []
    for o in items:
        for side in ("source", "target"):
            for new in by_old.get(o[side], ()):
                n = copy.deepcopy(o)
                n[side] = new
                info = k.provisions.get(new)
                if info is not None:
                    n[f"{side}_framework"] = keys.get(info.framework, n[f"{side}_framework"])
                    n[f"{side}_label"] = info.label.get("nl", n.get(f"{side}_label"))
                    n[f"{side}_label_en"] = info.label.get("en", n.get(f"{side}_label_en"))
                n["carried_over_from"] = o["id"]
                if (n["source"], n["target"]) not in have:
                    have.add((n["source"], n["target"]))
                    extra.append(n)
    return items + extra


def at_date(result: dict, k, day: date) -> dict:
    """``result`` (knowledge.overlaps.overlaps) as it stood on ``day``."""
    states = _states(k, day)
    out = dict(result)
    items = []
    for o in carried_over(result["overlaps"], k):
        s1, r1 = states.get(o["source_framework"], (timeline.IN, {}))
        s2, r2 = states.get(o["target_framework"], (timeline.IN, {}))
        if timeline.OUT in (s1, s2):
            continue
        o = dict(o)
        if timeline.UNDETERMINED in (s1, s2):
            reason = r1 if s1 == timeline.UNDETERMINED else r2
            o["in_force"] = "undetermined"
            o["in_force_reason"], o["in_force_reason_en"] = reason.get("nl", ""), reason.get("en", "")
        o["stale"] = [e for e in o.get("stale", []) if e.get("since") and e["since"] <= day.isoformat()]
        items.append(o)
    out["overlaps"] = items
    keys_in = {key for key, (st, _r) in states.items() if st != timeline.OUT}
    iri_in = {iri for iri, fw in k.frameworks.items() if fw.key in keys_in}
    out["unmatched"] = [u for u in result.get("unmatched", [])
                        if u.get("framework") in keys_in or u.get("framework") in iri_in]
    out["at"] = day.isoformat()
    return out

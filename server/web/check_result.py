"""The result page of a check (/check): per framework in scope — binding ones first, then the
advisory ones — every result as a violation, a warning or undetermined; each in plain words
naming the measure to take (the measure's label; the ckd: terms only in a details line), with
the verbatim text of its provision, the overlapping provisions of other frameworks and the
lapsed law it rests on (date and successor); and the rows of the CSV export."""

from __future__ import annotations

import re

from ..knowledge.corpus import prefixes
from ..knowledge.overlap_lookup import INVERSE
from ..terms.namespaces import CKD
from .corpus_view import _order_key, corpus_view, qname
from .i18n import current_lang
from .resources import href

OUTCOMES = ("violation", "undetermined", "warning")  # the order they are shown in
SCOPE_ORDER = {"binding": 0, "advisory": 1}
_TERM = re.compile(r"\b([a-z][a-z0-9]*):([A-Za-z][\w\-]*\w|[A-Za-z])")
_PAREN = re.compile(r"\s*\(([^()]*)\)")
_PROPERTY_VALUE = re.compile(_TERM.pattern + r"\s+(" + _TERM.pattern.replace("\\b", "") + ")")
_PROPERTY = "http://www.w3.org/2002/07/owl#ObjectProperty"


def outcome_of(r: dict) -> str:
    """A result's outcome: a violation blocks conformance (binding), anything else is a warning
    — a violation under an advisory framework is advice."""
    return "violation" if r.get("severity") == "Violation" and r.get("blocking") is not False else "warning"


def _expand(prefix: str, local: str) -> str | None:
    ns = prefixes().get(prefix)
    return ns + local if ns else None


def plain_message(message: str, lang: str) -> tuple[str, list[str]]:
    """``message`` with its prefixed terms (ckd:ProcessorAgreement, avg:artikel-28) in words:
    a part of a parenthesis that only names terms goes (the words before it say the same),
    any other term is replaced by its label. Returns the text and the IRIs of the terms."""
    view = corpus_view()
    found: list[str] = []

    def note(m) -> str | None:
        iri = _expand(m.group(1), m.group(2))
        if iri and iri not in found:
            found.append(iri)
        return iri

    def paren(m) -> str:
        kept = []
        for part in m.group(1).split(","):
            if _TERM.search(part) and not _TERM.sub("", part).strip():
                for t in _TERM.finditer(part):
                    note(t)
            else:
                kept.append(part.strip())
        return " (" + ", ".join(kept) + ")" if kept else ""

    def word(m) -> str:
        iri = note(m)
        if not iri or str(iri) not in view.labels:
            return m.group(0)
        text = view.label(iri, lang)
        return f"‘{text}’" if iri in view.provisions or not iri.startswith(str(CKD)) else text

    def property_value(m) -> str:  # "ckd:coversProvision avg:artikel-28": the value says it
        iri = _expand(m.group(1), m.group(2))
        if not iri or _PROPERTY not in view.types.get(iri, set()):
            return m.group(0)
        note(m)
        return m.group(3)

    text = _PAREN.sub(paren, message)
    text = _PROPERTY_VALUE.sub(property_value, text)
    text = _TERM.sub(word, text)
    return " ".join(text.split()).replace(" ,", ",").replace(" .", ".").replace(" ;", ";"), found


def _relation_name(iri: str | None) -> str:
    local = (iri or "").rsplit("#", 1)[-1]
    return re.sub(r"(?<!^)([A-Z])", r"-\1", local).lower()


def overlaps_of(provision: str, lang: str) -> list[dict]:
    """The provisions of other frameworks that overlap ``provision``, the relation seen from it."""
    view = corpus_view()
    own = view.provisions.get(provision)
    out, seen = [], set()
    for ov in view.overlaps:
        if provision not in (ov.source, ov.target):
            continue
        other = ov.target if ov.source == provision else ov.source
        pv = view.provisions.get(other)
        if pv is None or (own is not None and pv.framework == own.framework) or other in seen:
            continue
        seen.add(other)
        name = _relation_name(ov.relation)
        if ov.source != provision:
            name = INVERSE.get(name, name)
        rel_iri = str(CKD) + "".join(w.capitalize() for w in name.split("-"))
        out.append({"provision": other, "label": view.label(other, lang), "href": href(other),
                    "framework": view.label(pv.framework, lang), "relation": name,
                    "relation_label": view.label(rel_iri, lang), "rationale": ov.rationale.get(lang) or ov.rationale.get("nl", "")})
    out.sort(key=lambda o: (o["framework"], o["label"]))
    return out


def lapsed_view(entries: list[dict], lang: str) -> list[dict]:
    """The lapsed documents a provision rests on, with labels in ``lang``."""
    view = corpus_view()
    return [{**e, "label": view.label(e["document"], lang) if e.get("document") in view.labels else e.get("label"),
             "status": view.label(str(CKD) + e["status"], lang) if e.get("status") else ""} for e in entries or []]


def _provision_bits(p: str, lang: str) -> dict:
    view = corpus_view()
    pv = view.provisions.get(p)
    return {"provision": p, "provision_label": view.label(p, lang), "href": href(p),
            "qname": qname(p), "verbatim": list(pv.texts) if pv else [], "without_text": bool(pv and pv.without_text),
            "overlaps": overlaps_of(p, lang), "order": _order_key(pv) if pv else (float("inf"), (), p)}


def measure_index(vocab: dict) -> dict:
    """The options a result may ask for (``check_vocab.form_vocab``): measures, their parts,
    products, certifications, by IRI."""
    index = {o.iri: o for o in vocab["products"] + vocab["certifications"]}
    index.update({m.iri: m for m in vocab["measures"]})
    for m in vocab["measures"]:
        for p in m.parts:
            index.update({o.iri: o for o in p["options"]})
    return index


def result_view(applicable: dict | None, validation: dict | None, measures: dict) -> dict:
    """The page's model of one checked service: ``applicable`` and ``validation`` are its entries
    of the JSON of /applicable and /validate; ``measures`` maps measure (and part) IRIs to the
    form's options, to name the measure a result asks for."""
    view = corpus_view()
    lang = current_lang()
    applicable = applicable or {}
    validation = validation or {}
    lapsed = {e["provision"]: e["lapsed"] for e in applicable.get("provisions", []) if e.get("lapsed")}
    frameworks: dict[str, dict] = {}

    def framework(iri: str, scope: str = "", reason: str = "") -> dict:
        fw = frameworks.get(iri)
        if fw is None:
            fw = frameworks[iri] = {"iri": iri, "label": view.label(iri, lang) if iri else "—", "key": view.framework_key(iri),
                                    "scope": scope, "reason": reason, "items": [], "provisions": []}
        return fw

    for f in applicable.get("frameworks", []) or validation.get("frameworks", []):
        framework(f["framework"], f.get("scope", ""), (f.get("reason_en") if lang == "en" else f.get("reason")) or f.get("reason") or "")
    for f in validation.get("frameworks", []):
        framework(f["framework"], f.get("scope", ""))
    for p in applicable.get("provisions", []):
        pv = view.provisions.get(p["provision"])
        framework(p["framework"])["provisions"].append({
            **_provision_bits(p["provision"], lang), "modality": pv.modality if pv else None,
            "reason": (p.get("reason_en") if lang == "en" else p.get("reason")) or p.get("reason") or "",
            "lapsed": lapsed_view(p.get("lapsed"), lang)})
    for u in applicable.get("undetermined", []):  # provisions that may apply: facts missing to decide
        pv = view.provisions.get(u["provision"])
        framework(u.get("framework") or (pv.framework if pv else ""))["provisions"].append({
            **_provision_bits(u["provision"], lang), "modality": pv.modality if pv else None,
            "reason": (u.get("reason_en") if lang == "en" else u.get("reason")) or u.get("reason") or "",
            "missing": (u.get("missing_labels_en") if lang == "en" else u.get("missing_labels")) or [],
            "lapsed": lapsed_view(u.get("lapsed"), lang)})
    for r in validation.get("results", []):
        raw = (r.get("message_en") if lang == "en" else r.get("message")) or r.get("message") or ""
        text, terms = plain_message(raw, lang)
        item = {**(_provision_bits(r["provision"], lang) if r.get("provision") else {"order": (float("inf"),)}),
                "outcome": outcome_of(r), "severity": r.get("severity"), "scope": r.get("scope", ""),
                "message": text, "raw_message": raw, "terms": [qname(t) for t in terms],
                "measures": [measures[t].label for t in terms if t in measures],
                "shape": r.get("shape"), "path": r.get("path"), "missing": [],
                "lapsed": lapsed_view(r.get("lapsed") or lapsed.get(r.get("provision")), lang)}
        framework(r.get("framework") or "")["items"].append(item)
    for u in validation.get("undetermined", []):
        missing = (u.get("missing_labels_en") if lang == "en" else u.get("missing_labels")) or u.get("missing_labels") or []
        framework(u.get("framework") or "")["items"].append({
            **_provision_bits(u["provision"], lang), "outcome": "undetermined", "severity": None, "scope": "",
            "message": ("De beschrijving geeft niet genoeg feiten om dit te beslissen." if lang == "nl"
                        else "The description does not give enough facts to decide this."),
            "raw_message": "", "terms": [qname(m) for m in u.get("missing", [])], "measures": [],
            "missing": missing, "shape": None, "path": None, "lapsed": lapsed_view(lapsed.get(u["provision"]), lang)})
    fw_order = {iri: i for i, iri in enumerate(view.frameworks.values())}
    out = sorted(frameworks.values(), key=lambda f: (SCOPE_ORDER.get(f["scope"], 2), fw_order.get(f["iri"], 99), f["label"]))
    for fw in out:
        fw["items"].sort(key=lambda i: (OUTCOMES.index(i["outcome"]), i["order"], i.get("message", "")))
        fw["provisions"].sort(key=lambda p: p["order"])
        fw["counts"] = {o: sum(1 for i in fw["items"] if i["outcome"] == o) for o in OUTCOMES}
    counts = {o: sum(f["counts"][o] for f in out) for o in OUTCOMES}
    return {"frameworks": out, "counts": counts, "conforms": validation.get("conforms"),
            "outcome": validation.get("outcome") or ("conforms" if validation.get("conforms") else "violations"),
            "n_provisions": sum(len(f["provisions"]) for f in out)}


CSV_HEADER = ["framework", "scope", "provision", "outcome", "message", "measures", "terms",
              "missing_facts", "lapsed_law", "overlapping_provisions"]


def csv_rows(view_model: dict) -> list[list[str]]:
    rows = []
    for fw in view_model["frameworks"]:
        for i in fw["items"]:
            rows.append([fw["iri"], fw["scope"], i.get("provision", ""), i["outcome"], i["message"],
                         "; ".join(i["measures"]), " ".join(i["terms"]), "; ".join(i["missing"]),
                         "; ".join(f"{x.get('label')} ({x.get('status')}, {x.get('since') or ''})" for x in i["lapsed"]),
                         " ".join(o["provision"] for o in i.get("overlaps", []))])
    return rows

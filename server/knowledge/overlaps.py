"""Overlaps and conflicts between frameworks: the typed ``ckd:Overlap`` nodes of
``data/overlaps/``, the provisions without a counterpart (``ckd:NoCounterpart``), the citation
conflicts, the hub view (one theme, all frameworks side by side) and the framework × framework
matrix. Every function reads the corpus through SPARQL on a store (``Store.query``), so the
command line and the HTTP service answer from the same data and any store (memory, oxigraph,
a remote SPARQL endpoint) gives the same answer.

The JSON shapes follow ``../shared/DESIGN.md`` §4 (``cloudkader overlaps``); keys beyond the
contract are additions (labels, English rationale, framework keys, stale sources). The look-ups
(themes, frameworks, provisions by reference) are in ``overlap_lookup`` and re-exported here."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterable

from .overlap_lookup import (
    INVERSE,
    RELATIONS,
    SKOS_MAPPING,
    UnknownProvision,
    UnknownTheme,
    _check_iri,
    _framework_order,
    _local,
    _natural,
    _rows,
    _s,
    _theme_filter,
    _theme_values,
    _within,
    frameworks,
    provision_iri,
    short,
    theme_iri,
    themes,
)

# ---------------------------------------------------------------------------------------------
# overlaps


def _overlap_rows(store, theme: str | None = None, provision: str | None = None) -> list[dict]:
    where = []
    if theme:
        where.append(_theme_filter(store, "?theme", theme))
    if provision:
        p = _check_iri(provision)
        where.append(f"FILTER(?source = <{p}> || ?target = <{p}>)")
    rows = _rows(store, f"""
        SELECT ?o ?source ?target ?relation ?theme ?nl ?en ?skey ?tkey ?sl ?slen ?tl ?tlen WHERE {{
          ?o a ckd:Overlap ; ckd:source ?source ; ckd:target ?target ; ckd:relation ?r ; ckd:theme ?theme .
          ?r ckd:oscalName ?relation .
          ?source ckd:framework ?sf . ?sf ckd:key ?skey .
          ?target ckd:framework ?tf . ?tf ckd:key ?tkey .
          OPTIONAL {{ ?o ckd:rationale ?nl FILTER(lang(?nl) = "nl") }}
          OPTIONAL {{ ?o ckd:rationale ?en FILTER(lang(?en) = "en") }}
          OPTIONAL {{ ?source rdfs:label ?sl FILTER(lang(?sl) = "nl") }}
          OPTIONAL {{ ?source rdfs:label ?slen FILTER(lang(?slen) = "en") }}
          OPTIONAL {{ ?target rdfs:label ?tl FILTER(lang(?tl) = "nl") }}
          OPTIONAL {{ ?target rdfs:label ?tlen FILTER(lang(?tlen) = "en") }}
          {' '.join(where)}
        }}""")
    out = {}
    for b in rows:
        iri = str(b["o"])
        if iri in out:
            continue
        out[iri] = {
            "source": str(b["source"]),
            "target": str(b["target"]),
            "relation": str(b["relation"]),
            "theme": str(b["theme"]),
            "rationale": _s(b.get("nl")) or _s(b.get("en")) or "",
            "rationale_en": _s(b.get("en")),
            "id": iri,
            "source_framework": str(b["skey"]),
            "target_framework": str(b["tkey"]),
            "source_label": _s(b.get("sl")),
            "source_label_en": _s(b.get("slen")),
            "target_label": _s(b.get("tl")),
            "target_label_en": _s(b.get("tlen")),
        }
    return sorted(out.values(), key=lambda o: (o["theme"], _framework_order(o["source_framework"]),
                                               _natural(o["source"]), _natural(o["target"])))


def _stale(store, overlap_ids: Iterable[str]) -> dict[str, list[dict]]:
    """Per overlap: the lapsed documents it involves (``ckd:involves``), each with the earliest
    dated supersession from data/documents.ttl and the overlap's provision that cites it."""
    ids = set(overlap_ids)
    if not ids:
        return {}
    rows = _rows(store, """
        SELECT ?o ?doc ?dl ?dlen ?kind ?date ?by ?provision WHERE {
          ?o a ckd:Overlap ; ckd:involves ?doc .
          OPTIONAL { ?doc rdfs:label ?dl FILTER(lang(?dl) = "nl") }
          OPTIONAL { ?doc rdfs:label ?dlen FILTER(lang(?dlen) = "en") }
          OPTIONAL { ?s ckd:superseded ?doc ; ckd:kind ?kind ; ckd:date ?date .
                     OPTIONAL { ?s ckd:invalidatedBy ?by } OPTIONAL { ?s ckd:supersededBy ?by } }
          OPTIONAL { { ?o ckd:source ?provision } UNION { ?o ckd:target ?provision } ?provision ckd:cites ?doc }
        }""")
    found: dict[tuple[str, str], dict] = {}
    for b in rows:
        o = str(b["o"])
        if o not in ids:
            continue
        doc = str(b["doc"])
        entry = found.setdefault((o, doc), {
            "document": doc, "label": _s(b.get("dl")), "label_en": _s(b.get("dlen")),
            "status": None, "since": None, "by": None, "provisions": set()})
        if b.get("provision") is not None:
            entry["provisions"].add(str(b["provision"]))
        if b.get("date") is not None:
            date = str(b["date"])
            if entry["since"] is None or date < entry["since"]:
                entry["since"] = date
                entry["status"] = _local(str(b["kind"])).lower() if b.get("kind") is not None else None
                entry["by"] = _s(b.get("by"))
            elif date == entry["since"] and entry["by"] is None:
                entry["by"] = _s(b.get("by"))
    out: dict[str, list[dict]] = defaultdict(list)
    for (o, _doc), e in sorted(found.items()):
        e["provisions"] = sorted(e["provisions"])
        out[o].append(e)
    return dict(out)


def _unmatched(store, theme: str | None = None, provision: str | None = None) -> list[dict]:
    where = []
    if theme:
        where.append(f"FILTER EXISTS {{ ?provision ckd:theme ?pt . {_theme_values(store, '?pt', theme)} }}")
    if provision:
        where.append(f"FILTER(?provision = <{_check_iri(provision)}>)")
    rows = _rows(store, f"""
        SELECT ?n ?provision ?key ?l ?len ?nl ?en (GROUP_CONCAT(DISTINCT STR(?wrt); separator=" ") AS ?wrts) WHERE {{
          ?n a ckd:NoCounterpart ; ckd:provision ?provision .
          ?provision ckd:framework ?f . ?f ckd:key ?key .
          OPTIONAL {{ ?n ckd:rationale ?nl FILTER(lang(?nl) = "nl") }}
          OPTIONAL {{ ?n ckd:rationale ?en FILTER(lang(?en) = "en") }}
          OPTIONAL {{ ?provision rdfs:label ?l FILTER(lang(?l) = "nl") }}
          OPTIONAL {{ ?provision rdfs:label ?len FILTER(lang(?len) = "en") }}
          OPTIONAL {{ ?n ckd:withRespectTo ?wrt }}
          {' '.join(where)}
        }} GROUP BY ?n ?provision ?key ?l ?len ?nl ?en""")
    out = []
    for b in rows:
        wrts = str(b["wrts"]).split() if b.get("wrts") is not None else []
        out.append({
            "provision": str(b["provision"]),
            "rationale": _s(b.get("nl")) or _s(b.get("en")) or "",
            "rationale_en": _s(b.get("en")),
            "framework": str(b["key"]),
            "label": _s(b.get("l")),
            "label_en": _s(b.get("len")),
            "with_respect_to": sorted(wrts, key=lambda w: _framework_order(w.rsplit("/", 1)[-1])),
        })
    return sorted(out, key=lambda u: (_framework_order(u["framework"]), _natural(u["provision"])))


def citation_conflicts(store, theme: str | None = None, provision: str | None = None) -> list[dict]:
    """The ``ckd:CitationConflict`` nodes (sources that cite different articles for the same
    rule), with the citations involved; filtered by theme and by a provision that is cited in
    the conflict or quotes a cited provision."""
    rows = _rows(store, """
        SELECT ?c ?label ?labelen ?nl ?en ?theme ?cit ?cited ?locator ?for ?src ?srcl WHERE {
          ?c a ckd:CitationConflict .
          OPTIONAL { ?c rdfs:label ?label FILTER(lang(?label) = "nl") }
          OPTIONAL { ?c rdfs:label ?labelen FILTER(lang(?labelen) = "en") }
          OPTIONAL { ?c ckd:rationale ?nl FILTER(lang(?nl) = "nl") }
          OPTIONAL { ?c ckd:rationale ?en FILTER(lang(?en) = "en") }
          OPTIONAL { ?c ckd:theme ?theme }
          OPTIONAL { ?c ckd:involves ?cit .
                     OPTIONAL { ?cit ckd:citedProvision ?cited }
                     OPTIONAL { ?cit ckd:locator ?locator }
                     OPTIONAL { ?cit ckd:citedFor ?for FILTER(lang(?for) = "nl") }
                     OPTIONAL { ?cit ckd:citingSource ?src . OPTIONAL { ?src rdfs:label ?srcl FILTER(lang(?srcl) = "nl") } } }
        }""")
    conflicts: dict[str, dict] = {}
    for b in rows:
        c = str(b["c"])
        e = conflicts.setdefault(c, {"conflict": c, "label": _s(b.get("label")), "label_en": _s(b.get("labelen")),
                                     "rationale": _s(b.get("nl")) or "", "rationale_en": _s(b.get("en")),
                                     "themes": set(), "citations": {}})
        if b.get("theme") is not None:
            e["themes"].add(str(b["theme"]))
        if b.get("cit") is not None:
            cit = e["citations"].setdefault(str(b["cit"]), {
                "citation": str(b["cit"]), "citing_source": _s(b.get("src")), "citing_source_label": _s(b.get("srcl")),
                "locator": _s(b.get("locator")), "cited_for": _s(b.get("for")), "cited_provisions": set()})
            if b.get("cited") is not None:
                cit["cited_provisions"].add(str(b["cited"]))
    if theme:
        within = set(_within(store, theme))
    quotes = defaultdict(set)
    if provision:
        for b in _rows(store, "SELECT ?p ?q WHERE { ?p ckd:quotes ?q }"):
            quotes[str(b["p"])].add(str(b["q"]))
    out = []
    for e in conflicts.values():
        cited = set().union(*[c["cited_provisions"] for c in e["citations"].values()]) if e["citations"] else set()
        if theme and not (e["themes"] & within):
            continue
        if provision and provision not in cited and not (quotes[provision] & cited):
            continue
        citations = []
        for c in sorted(e["citations"].values(), key=lambda c: c["citation"]):
            c["cited_provisions"] = sorted(c["cited_provisions"], key=_natural)
            citations.append(c)
        out.append({"conflict": e["conflict"], "label": e["label"], "label_en": e["label_en"],
                    "theme": sorted(e["themes"])[0] if e["themes"] else None, "rationale": e["rationale"],
                    "rationale_en": e["rationale_en"], "provisions": sorted(cited, key=_natural),
                    "citations": citations})
    return sorted(out, key=lambda c: c["conflict"])


def overlaps(store, theme: str | None = None, provision: str | None = None) -> dict:
    """The overlap table of DESIGN.md §4: ``{"overlaps": [...], "unmatched": [...]}``, plus
    ``"conflicts"`` (citation conflicts) and, with a theme, ``"hub"`` (see :func:`hub`).

    ``theme`` is a slug, prefixed name or IRI (narrower themes included); ``provision`` an IRI
    or prefixed name. Unknown values raise UnknownTheme / UnknownProvision."""
    theme_i = theme_iri(store, theme) if theme else None
    prov_i = provision_iri(store, provision) if provision else None
    items = _overlap_rows(store, theme_i, prov_i)
    stale = _stale(store, [o["id"] for o in items if o["relation"] == "contrary"])
    for o in items:
        o["stale"] = stale.get(o["id"], [])
    result = {
        "overlaps": items,
        "unmatched": _unmatched(store, theme_i, prov_i),
        "conflicts": citation_conflicts(store, theme_i, prov_i),
    }
    if theme_i:
        result["hub"] = hub(store, theme_i)
    return result


def conflicts(store, theme: str | None = None) -> dict:
    """Only the conflicts: contrary overlaps (with their lapsed sources) and citation conflicts."""
    theme_i = theme_iri(store, theme) if theme else None
    items = [o for o in _overlap_rows(store, theme_i) if o["relation"] == "contrary"]
    stale = _stale(store, [o["id"] for o in items])
    for o in items:
        o["stale"] = stale.get(o["id"], [])
    return {"contrary": items, "citation_conflicts": citation_conflicts(store, theme_i)}


# ---------------------------------------------------------------------------------------------
# the hub view


def hub(store, theme: str) -> dict:
    """One theme, all frameworks side by side: per framework the provisions on the theme (those
    with the theme or a narrower one, and those in an overlap on the theme), with label, number,
    modality and text. Frameworks without a provision on the theme are listed with an empty list."""
    t = theme_iri(store, theme)
    rows = _rows(store, f"""
        SELECT ?provision ?key ?direct ?l ?len ?number ?modality ?ml ?mlen ?wt ?text WHERE {{
          {{ {_theme_values(store, "?t1", t)} ?provision ckd:theme ?t1 . BIND(true AS ?direct) }}
          UNION
          {{ {_theme_values(store, "?t2", t)} ?o ckd:theme ?t2 ; a ckd:Overlap .
             {{ ?o ckd:source ?provision }} UNION {{ ?o ckd:target ?provision }} BIND(false AS ?direct) }}
          ?provision ckd:framework ?f . ?f ckd:key ?key .
          OPTIONAL {{ ?provision rdfs:label ?l FILTER(lang(?l) = "nl") }}
          OPTIONAL {{ ?provision rdfs:label ?len FILTER(lang(?len) = "en") }}
          OPTIONAL {{ ?provision ckd:number ?number }}
          OPTIONAL {{ ?provision ckd:modality ?modality .
                      OPTIONAL {{ ?modality rdfs:label ?ml FILTER(lang(?ml) = "nl") }}
                      OPTIONAL {{ ?modality rdfs:label ?mlen FILTER(lang(?mlen) = "en") }} }}
          OPTIONAL {{ ?provision ckd:withoutText ?wt }}
          OPTIONAL {{ ?provision ckd:text ?text }}
        }}""")
    provs: dict[str, dict] = {}
    for b in rows:
        p = str(b["provision"])
        e = provs.setdefault(p, {"provision": p, "framework": str(b["key"]), "label": _s(b.get("l")),
                                 "label_en": _s(b.get("len")), "number": _s(b.get("number")),
                                 "modality": _local(str(b["modality"])).lower() if b.get("modality") is not None else None,
                                 "modality_label": _s(b.get("ml")), "modality_label_en": _s(b.get("mlen")),
                                 "without_text": bool(b.get("wt") is not None and b["wt"].toPython() is True),
                                 "on_theme": False, "texts": []})
        if b.get("direct") is not None and b["direct"].toPython() is True:
            e["on_theme"] = True
        if b.get("text") is not None and str(b["text"]) not in e["texts"]:
            e["texts"].append(str(b["text"]))
    labels = {x["theme"]: x for x in themes(store)}
    out = {"theme": t, "slug": labels[t]["slug"], "label": labels[t]["label"], "label_en": labels[t]["label_en"],
           "frameworks": []}
    by_key: dict[str, list[dict]] = defaultdict(list)
    for p in provs.values():
        by_key[p.pop("framework")].append(p)
        p["text"] = " … ".join(p.pop("texts")) or None
    for fw in frameworks(store):
        items = sorted(by_key.get(fw["key"], []), key=lambda p: _natural(p["provision"]))
        out["frameworks"].append({**fw, "provisions": items})
    return out


# ---------------------------------------------------------------------------------------------
# the matrix


def matrix(store, theme: str | None = None) -> dict:
    """Framework × framework counts of overlaps by relation. ``cells`` has every ordered pair
    (row framework, column framework) with the relations seen from the row's side (a stated
    ``B subset-of A`` counts as ``superset-of`` in row A); ``stated`` has the counts as stated
    in the data (source → target); ``unmatched`` the number of no-counterpart statements per
    framework."""
    theme_i = theme_iri(store, theme) if theme else None
    rows = _rows(store, f"""
        SELECT ?skey ?tkey ?relation (COUNT(DISTINCT ?o) AS ?n) WHERE {{
          ?o a ckd:Overlap ; ckd:source ?s ; ckd:target ?t ; ckd:relation ?r ; ckd:theme ?theme .
          ?r ckd:oscalName ?relation .
          ?s ckd:framework ?sf . ?sf ckd:key ?skey .
          ?t ckd:framework ?tf . ?tf ckd:key ?tkey .
          {_theme_filter(store, "?theme", theme_i)}
        }} GROUP BY ?skey ?tkey ?relation""")
    keys = [f["key"] for f in frameworks(store)]
    cells = {(a, b): Counter() for a in keys for b in keys if a != b}
    stated = []
    for r in rows:
        s, t, rel, n = str(r["skey"]), str(r["tkey"]), str(r["relation"]), int(r["n"].toPython())
        stated.append({"source": s, "target": t, "relation": rel, "count": n})
        cells.setdefault((s, t), Counter())[rel] += n
        cells.setdefault((t, s), Counter())[INVERSE[rel]] += n
    unmatched = Counter()
    for u in _unmatched(store, theme_i):
        unmatched[u["framework"]] += 1
    return {
        "frameworks": keys,
        "relations": list(RELATIONS),
        "theme": theme_i,
        "cells": [{"source": a, "target": b, "counts": {rel: cells[(a, b)].get(rel, 0) for rel in RELATIONS},
                   "total": sum(cells[(a, b)].values())} for (a, b) in sorted(cells, key=lambda p: (_framework_order(p[0]), _framework_order(p[1])))],
        "stated": sorted(stated, key=lambda x: (_framework_order(x["source"]), _framework_order(x["target"]), x["relation"])),
        "unmatched": {k: unmatched.get(k, 0) for k in keys},
    }


# ---------------------------------------------------------------------------------------------
# coverage


def provisions_with_text(store) -> list[dict]:
    """Every provision that has text, with its framework key (provisions without text, such as
    TK elementen 5–10, are not compared)."""
    rows = _rows(store, """
        SELECT DISTINCT ?p ?key WHERE {
          ?p ckd:framework ?f . ?f ckd:key ?key .
          FILTER EXISTS { ?p ckd:text ?text }
        }""")
    return sorted(({"provision": str(b["p"]), "framework": str(b["key"])} for b in rows),
                  key=lambda x: (_framework_order(x["framework"]), _natural(x["provision"])))


def uncovered(store) -> list[str]:
    """Provisions with text that are in no overlap and have no no-counterpart statement."""
    rows = _rows(store, """
        SELECT DISTINCT ?p WHERE {
          ?p ckd:framework ?f .
          FILTER EXISTS { ?p ckd:text ?text }
          FILTER NOT EXISTS { ?o a ckd:Overlap . { ?o ckd:source ?p } UNION { ?o ckd:target ?p } }
          FILTER NOT EXISTS { ?n a ckd:NoCounterpart ; ckd:provision ?p }
        }""")
    return sorted((str(b["p"]) for b in rows), key=_natural)


__all__ = [
    "RELATIONS", "INVERSE", "SKOS_MAPPING", "UnknownTheme", "UnknownProvision", "themes", "theme_iri",
    "provision_iri", "frameworks", "overlaps", "conflicts", "citation_conflicts", "hub", "matrix",
    "provisions_with_text", "uncovered", "short",
]

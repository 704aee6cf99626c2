"""The overlap matrix page (``/overlaps/matrix``): framework × framework, each cell the overlaps
seen from the row's side — the same numbers as ``cloudkader overlaps --format matrix``, because
both come from ``overlaps.matrix`` (a stated ``B subset-of A`` counts as *superset-of* in row A).

Each cell shows its breakdown by relation as text (no tooltip needed, so it works on touch
screens and with a keyboard) and is one link to the list of the pairs.
"""

from __future__ import annotations

from rdflib import URIRef

from ..knowledge import overlaps
from .data_formats import alternates, data_response, wanted_format
from .pages import bp, html, lbl, local, overlap_row
from .corpus_view import corpus_view, select, the_store
from .i18n import current_lang, t

SYMBOLS = {"equivalent": "=", "subset-of": "⊂", "superset-of": "⊃", "intersects-with": "∩", "contrary": "≠"}
"""The relation symbols of the command line's matrix (``cli_overlaps``)."""

RELATION_WORDS = {
    "nl": {"equivalent": "gelijkwaardig aan", "subset-of": "deelverzameling van", "superset-of": "omvat",
           "intersects-with": "overlapt gedeeltelijk met", "contrary": "tegenstrijdig met"},
    "en": {"equivalent": "equivalent to", "subset-of": "subset of", "superset-of": "superset of",
           "intersects-with": "intersects with", "contrary": "contrary to"},
}

HEAT_LIMITS = ((0, "heat-0"), (2, "heat-1"), (5, "heat-2"), (10, "heat-3"), (20, "heat-4"))


def heat(n: int) -> str:
    for limit, cls in HEAT_LIMITS:
        if n <= limit:
            return cls
    return "heat-5"


def relation_iris() -> dict[str, str]:
    """``ckd:oscalName`` -> the relation's IRI, from the store."""
    return {str(r["name"]): str(r["r"]) for r in select(the_store(), "SELECT ?r ?name WHERE { ?r ckd:oscalName ?name }")}


def relation_labels() -> dict[str, str]:
    """The label of each relation (by its ``ckd:oscalName``) in the page's language, from the store."""
    found = {name: lbl(iri) for name, iri in relation_iris().items()}
    words = RELATION_WORDS[current_lang()]
    return {rel: found.get(rel) or words[rel] for rel in overlaps.RELATIONS}


def matrix_rows(data: dict, lang: str) -> list[dict]:
    """The rows of the page from ``overlaps.matrix``: each cell with its counts by relation."""
    view = corpus_view()
    cells = {(c["source"], c["target"]): c for c in data["cells"]}
    words = RELATION_WORDS[lang]
    rows = []
    for a in data["frameworks"]:
        row = {"key": a, "label": lbl(view.frameworks[a]) if a in view.frameworks else a, "cells": []}
        for b in data["frameworks"]:
            c = cells.get((a, b))
            total = c["total"] if c else 0
            parts = [{"relation": rel, "symbol": SYMBOLS[rel], "count": n, "words": words[rel]}
                     for rel, n in (c["counts"].items() if c else ()) if n]
            spoken = ", ".join(f"{p['words']} {p['count']}" for p in parts)
            sentence = (f"{a} ten opzichte van {b}: {total} overlappen" if lang == "nl"
                        else f"{a} with respect to {b}: {total} overlaps") + (f" ({spoken})" if spoken else "")
            row["cells"].append({"key": b, "diagonal": a == b and c is None, "total": total, "parts": parts,
                                 "contrary": c["counts"].get("contrary", 0) if c else 0,
                                 "heat": heat(total), "aria": sentence})
        rows.append(row)
    return rows


@bp.route("/overlaps/matrix")
@bp.route("/overlaps/matrix.<suffix>")
def overlap_matrix(suffix: str | None = None):
    """The matrix as a page, or as data (``.json``/``.csv``, ``format=``, ``Accept``): the JSON is
    what ``cloudkader overlaps --matrix --format json`` prints."""
    fmt = wanted_format(suffix)
    data = overlaps.matrix(the_store())
    if fmt != "html":
        columns = ["source", "target", "total", *overlaps.RELATIONS]
        rows = [{"source": c["source"], "target": c["target"], "total": c["total"], **c["counts"]} for c in data["cells"]]
        return data_response(fmt, "overlap-matrix", data, columns, rows)
    view = corpus_view()
    lang = current_lang()
    theme_counts = []
    for slug, iri in view.themes.items():
        n_ov = sum(1 for ov in view.overlaps if iri in ov.themes)
        n_prov = sum(1 for p in view.provisions.values() if URIRef(iri) in p.facts.get("theme", []))
        theme_counts.append({"slug": slug, "iri": iri, "label": lbl(iri), "overlaps": n_ov, "provisions": n_prov,
                             "heat": heat(n_ov)})
    theme_counts.sort(key=lambda x: x["label"].lower())
    labels = relation_labels()
    links = alternates("/overlaps/matrix")
    legend = [{"relation": rel, "symbol": SYMBOLS[rel], "label": labels[rel]} for rel in overlaps.RELATIONS]
    return html("overlaps_matrix.html", keys=data["frameworks"], rows=matrix_rows(data, lang), themes=theme_counts,
                total=len(view.overlaps), no_counterparts=len(view.no_counterparts), legend=legend,
                unmatched=data["unmatched"], **{f"{a['format']}_href": a["href"] for a in links},
                formats=links)


@bp.route("/overlaps/pair/<a>/<b>")
def overlap_pair(a: str, b: str):
    """The overlaps behind one cell of the matrix, seen from the row framework ``a``: each stated
    ``B-provision R A-provision`` is shown as ``A-provision inverse(R) B-provision`` (marked as turned
    around), so that the counts per relation are the cell's."""
    view = corpus_view()
    if a not in view.frameworks or b not in view.frameworks:
        return html("not_found.html", status=404, iri=f"{a}/{b}", message=f"{t('not_found')}: {a}, {b}")
    fa, fb = view.frameworks[a], view.frameworks[b]
    iris = relation_iris()
    names = {iri: name for name, iri in iris.items()}
    rows = []
    for ov in view.overlaps:
        sp, tp = view.provisions.get(ov.source), view.provisions.get(ov.target)
        if not sp or not tp or {sp.framework, tp.framework} != {fa, fb} or (fa == fb and sp.framework != fa):
            continue
        row = overlap_row(ov)
        name = names.get(ov.relation or "")
        if sp.framework != fa and name:  # stated from b's side: turn it around
            name = overlaps.INVERSE[name]
            row.update(source=ov.target, target=ov.source, source_fw=tp.framework, target_fw=sp.framework,
                       relation=iris[name], relation_local=local(iris[name]), turned=True)
        row["name"] = name
        row["symbol"] = SYMBOLS.get(name or "", "?")
        rows.append(row)
    rows.sort(key=lambda r: (r["relation_local"] != "Contrary", r["source"], r["target"]))
    counts = {rel: sum(1 for r in rows if r["name"] == rel) for rel in overlaps.RELATIONS}
    labels = relation_labels()
    summary = [{"relation": rel, "symbol": SYMBOLS[rel], "label": labels[rel], "count": n} for rel, n in counts.items() if n]
    return html("overlaps_pair.html", a=a, b=b, fa=fa, fb=fb, rows=rows, summary=summary)

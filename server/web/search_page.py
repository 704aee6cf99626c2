"""``/search``: full-text search over the provisions (``search_index``: FTS5, Dutch stemming,
synonyms kept as data), as a page or as data (``.json``/``.csv``, ``format=``, ``Accept``).

Parameters: ``q`` (the query), filters ``framework`` (key), ``theme`` (slug), ``modality``
(``Obligatory``, ``Recommended``, …), ``sort`` = ``relevance`` (BM25, the default) or
``document`` (frameworks in their order, provisions in source order).
"""

from __future__ import annotations

import threading

from flask import request
from markupsafe import Markup, escape

from . import search_index
from .data_formats import alternates, data_response, fail, wanted_format
from .listings import chosen, key_of
from .pages import bp, html, lbl, provision_summary
from .corpus_view import CorpusView, ProvisionView, _order_key, corpus_view, store_spec

SEARCH_COLUMNS = ["iri", "framework", "number", "label", "modality", "themes", "rank", "text"]
SORTS = ("relevance", "document")

_LOCK = threading.Lock()
_INDEXES: dict[str, tuple[object, search_index.Index]] = {}


def provision_documents(view: CorpusView) -> list[tuple[str, list[str]]]:
    """What is indexed per provision: its labels (both languages), its headings and its verbatim texts."""
    docs = []
    for p in view.provisions.values():
        docs.append((p.iri, [*view.labels.get(p.iri, {}).values(), *p.headings.values(), *p.texts]))
    return docs


def index_for(view: CorpusView) -> search_index.Index:
    """The index of this corpus view, built on first use and rebuilt when the view is."""
    spec = store_spec()
    with _LOCK:
        known = _INDEXES.get(spec)
        if known is None or known[0] is not view:
            known = (view, search_index.build(provision_documents(view)))
            _INDEXES[spec] = known
        return known[1]


def highlight(text: str, wanted) -> Markup:
    out, last = [], 0
    for start, end in search_index.highlight_spans(text, wanted):
        out.append(escape(text[last:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.route("/search")
@bp.route("/search.<suffix>")
def search(suffix: str | None = None):
    fmt = wanted_format(suffix)
    q = " ".join((request.args.get("q") or "").split())[:200]
    view = corpus_view()
    options = {
        "framework": {k: lbl(iri) for k, iri in view.frameworks.items()},
        "theme": {slug: lbl(iri) for slug, iri in view.themes.items()},
        "modality": {key_of(p.modality): lbl(p.modality) for p in view.provisions.values() if p.modality},
    }
    picked = {name: chosen(name, set(opts)) for name, opts in options.items()}
    sort = request.args.get("sort") or "relevance"
    if sort not in SORTS:
        fail(400, f"cannot sort by {sort!r}; use relevance or document")
    mode, hits, wanted = (None, [], set())
    if q:
        mode, hits, wanted = search_index.search(index_for(view), q)

    def keep(p: ProvisionView) -> bool:
        tests = {"framework": {view.framework_key(p.framework)}, "theme": {key_of(t) for t in p.facts.get("theme", [])},
                 "modality": {key_of(p.modality)} if p.modality else set()}
        return all(not want or want & tests[name] for name, want in picked.items())

    order = {iri: i for i, iri in enumerate(view.frameworks.values())}
    found = [(view.provisions[iri], rank) for iri, rank in hits if iri in view.provisions and keep(view.provisions[iri])]
    if sort == "document":
        found.sort(key=lambda pr: (order.get(pr[0].framework, 99), _order_key(pr[0])))
    results = []
    for p, rank in found:
        s = provision_summary(p)
        s["rank"] = round(-rank, 3)  # BM25 in SQLite is negative: higher is better here
        s["texts_html"] = [highlight(x, wanted) for x in p.texts]
        s["label_html"] = highlight(s["label"], wanted)
        s["themes"] = sorted(key_of(t) for t in p.facts.get("theme", []))
        results.append(s)
    if fmt != "html":
        records = [{"iri": r["iri"], "framework": view.framework_key(r["framework"]), "number": r["number"],
                    "label": r["label"], "modality": key_of(r["modality"]) if r["modality"] else None,
                    "themes": r["themes"], "rank": r["rank"], "texts": r["texts"]} for r in results]
        payload = {"q": q, "mode": mode, "filters": {k: sorted(v) for k, v in picked.items() if v}, "sort": sort,
                   "count": len(records), "results": records}
        flat = [{**r, "text": "\n".join(r["texts"])} for r in records]
        return data_response(fmt, "search", payload, SEARCH_COLUMNS, flat)
    grouped: list[dict] = []
    for r in results:  # in document order: per framework; by relevance: one list
        if not grouped or (sort == "document" and grouped[-1]["framework"] != r["framework"]):
            grouped.append({"framework": r["framework"], "label": r["framework_label"] if sort == "document" else None,
                            "results": []})
        grouped[-1]["results"].append(r)
    return html("search.html", q=q, results=results, grouped=grouped, mode=mode, options=options, picked=picked,
                sort=sort, formats=alternates("/search"))

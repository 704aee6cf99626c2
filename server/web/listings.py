"""The register and the framework list as listings: one URL answers HTML, JSON or CSV
(``data_formats``), with filters and sorting in the query string, so every view can be linked,
bookmarked and downloaded as it is seen.

- ``/register``  — filters ``ministry``, ``status``, ``provider``, ``framework``, ``theme``,
  ``conforms``; ``sort`` by service, organisation, ministry, status, provider, provisions,
  violations, warnings (``-`` for descending).
- ``/frameworks`` — filters ``status``, ``ministry`` (publisher), ``theme``; ``sort`` by key,
  label, issued, provisions.

Filter values are the keys in the IRIs (``ministry=fin``, ``status=Planned``,
``provider=microsoft``, ``framework=rijk``, ``theme=exit-strategy``); several values of one
filter are alternatives (``status=Planned&status=Intended``), different filters all apply.
"""

from __future__ import annotations

from flask import request
from ..terms.namespaces import GRAPH
from .data_formats import alternates, data_response, fail, sort_spec, url_with, wanted_format
from .pages import bp, framework_info, html, lbl, local, shown_severity
from .corpus_view import corpus_view, select, the_store
from .register_report import register_report

REGISTER_SORTS = ["service", "organisation", "ministry", "status", "provider", "provisions", "violations", "warnings"]
REGISTER_COLUMNS = ["service", "label", "organisations", "ministries", "status", "providers", "platforms", "deployment",
                    "frameworks", "provisions", "violations", "warnings", "conforms", "outcome"]
FRAMEWORK_SORTS = ["key", "label", "issued", "provisions"]
FRAMEWORK_COLUMNS = ["key", "iri", "label", "label_en", "publishers", "issued", "status", "provisions", "sections",
                     "themes"]


def chosen(name: str, allowed: set[str]) -> set[str]:
    """The values of filter ``name`` (unknown values are a 400 naming the known ones)."""
    values = {v.strip() for v in request.args.getlist(name) if v.strip()}
    unknown = values - allowed
    if unknown:
        fail(400, f"unknown {name} {', '.join(sorted(unknown))!s}; known: {', '.join(sorted(allowed)) or '(none)'}")
    return values


def key_of(iri) -> str:
    return local(str(iri))


def _sorted(items: list[dict], column: str, desc: bool, keys: dict) -> list[dict]:
    return sorted(items, key=keys[column], reverse=desc)


def sort_links(path: str, columns: list[str], column: str, desc: bool) -> dict:
    """Per sortable column: the URL that sorts by it (reversing the order when it is the current one)."""
    return {c: {"href": url_with(path, sort=("-" + c) if c == column and not desc else c),
                "active": c == column, "desc": desc and c == column} for c in columns}


# ---------------------------------------------------------------------------------------------
# the register


def register_services() -> list[dict]:
    view = corpus_view()
    rep = register_report()
    facts: dict[str, dict] = {}
    if view.register_services:
        rows = select(the_store(), f"""SELECT ?s ?p ?o WHERE {{ GRAPH <{GRAPH.register}> {{ ?s a ckd:CloudService ; ?p ?o
                VALUES ?p {{ ckd:usedBy ckd:migrationStatus ckd:provider ckd:platform ckd:deploymentModel ckd:serviceModel }} }} }}""")
        for r in rows:
            facts.setdefault(str(r["s"]), {}).setdefault(local(r["p"]), []).append(r["o"])
        for r in select(the_store(), """SELECT DISTINCT ?s ?m WHERE { ?s a ckd:CloudService ; ckd:usedBy ?o .
                ?o ckd:partOf* ?m . ?m a ckd:Ministry }"""):
            facts.setdefault(str(r["s"]), {}).setdefault("ministry", []).append(r["m"])
    services = []
    for iri in view.register_services:
        f = facts.get(iri, {})
        svc = rep.per_service.get(iri, {})
        val = svc.get("validation") or {}
        app = svc.get("applicable") or {}
        results = val.get("results", [])
        provisions = [p["provision"] for p in app.get("provisions", [])]
        themes = sorted({key_of(t) for p in provisions if p in view.provisions
                         for t in view.provisions[p].facts.get("theme", [])})
        services.append({
            "iri": iri, "label": lbl(iri),
            "orgs": sorted(str(o) for o in f.get("usedBy", [])), "ministries": sorted(str(m) for m in f.get("ministry", [])),
            "status": f.get("migrationStatus", []), "providers": f.get("provider", []),
            "platforms": sorted(str(x) for x in f.get("platform", [])), "deployment": f.get("deploymentModel", []),
            "frameworks": app.get("frameworks") or val.get("frameworks") or [],
            "n_provisions": len(provisions), "themes": themes,
            "violations": sum(1 for r in results if shown_severity(r) == "Violation"),
            "warnings": sum(1 for r in results if shown_severity(r) == "Warning"),
            "conforms": val.get("conforms"),
            "outcome": val.get("outcome"),
        })
    return services


def _register_record(s: dict) -> dict:
    view = corpus_view()
    return {"service": s["iri"], "label": s["label"], "organisations": [key_of(o) for o in s["orgs"]],
            "ministries": [key_of(m) for m in s["ministries"]], "status": [key_of(x) for x in s["status"]],
            "providers": [key_of(p) for p in s["providers"]], "platforms": s["platforms"],
            "deployment": [key_of(d) for d in s["deployment"]],
            "frameworks": [{"framework": view.framework_key(f["framework"]) or f["framework"], "scope": f["scope"]}
                           for f in s["frameworks"]],
            "provisions": s["n_provisions"], "violations": s["violations"], "warnings": s["warnings"],
            "conforms": s["conforms"], "outcome": s["outcome"], "themes": s["themes"]}


@bp.route("/register")
@bp.route("/register.<suffix>")
def register(suffix: str | None = None):
    fmt = wanted_format(suffix)
    view = corpus_view()
    rep = register_report()
    everything = register_services()
    options = {
        "ministry": {key_of(m): lbl(m) for s in everything for m in s["ministries"]},
        "status": {key_of(x): lbl(x) for s in everything for x in s["status"]},
        "provider": {key_of(p): lbl(p) for s in everything for p in s["providers"]},
        "framework": {view.framework_key(f["framework"]): lbl(f["framework"]) for s in everything for f in s["frameworks"]
                      if view.framework_key(f["framework"])},
        "theme": {slug: lbl(iri) for slug, iri in view.themes.items()},
        "conforms": {"true": "✓", "false": "✗"},
    }
    picked = {name: chosen(name, set(opts)) for name, opts in options.items()}

    def keep(s: dict) -> bool:
        tests = {
            "ministry": {key_of(m) for m in s["ministries"]}, "status": {key_of(x) for x in s["status"]},
            "provider": {key_of(p) for p in s["providers"]}, "theme": set(s["themes"]),
            "framework": {view.framework_key(f["framework"]) for f in s["frameworks"]},
            "conforms": {"true" if s["conforms"] else "false"} if s["conforms"] is not None else set(),
        }
        return all(not want or want & tests[name] for name, want in picked.items())

    column, desc = sort_spec(REGISTER_SORTS, "organisation")
    first = lambda xs: lbl(xs[0]).lower() if xs else "\uffff"  # noqa: E731  (empty last)
    keys = {"service": lambda s: s["label"].lower(), "organisation": lambda s: (first(s["orgs"]), s["label"].lower()),
            "ministry": lambda s: (first(s["ministries"]), s["label"].lower()),
            "status": lambda s: (first(s["status"]), s["label"].lower()),
            "provider": lambda s: (first(s["providers"]), s["label"].lower()),
            "provisions": lambda s: (s["n_provisions"], s["label"].lower()),
            "violations": lambda s: (s["violations"], s["label"].lower()),
            "warnings": lambda s: (s["warnings"], s["label"].lower())}
    services = _sorted([s for s in everything if keep(s)], column, desc, keys)
    if fmt != "html":
        records = [_register_record(s) for s in services]
        flat = [{**r, "frameworks": [f"{f['framework']} ({f['scope']})" for f in r["frameworks"]]} for r in records]
        payload = {"filters": {k: sorted(v) for k, v in picked.items() if v}, "sort": ("-" if desc else "") + column,
                   "count": len(records), "total": len(everything), "services": records}
        return data_response(fmt, "register", payload, REGISTER_COLUMNS, flat)
    links = alternates("/register")
    return html("register.html", services=services, total=len(everything), error=rep.error, options=options,
                picked=picked, sorts=sort_links("/register", REGISTER_SORTS, column, desc), formats=links,
                clear=request.script_root + "/register")


# ---------------------------------------------------------------------------------------------
# frameworks


@bp.route("/frameworks")
@bp.route("/frameworks.<suffix>")
def frameworks(suffix: str | None = None):
    fmt = wanted_format(suffix)
    view = corpus_view()
    everything = []
    for key, iri in view.frameworks.items():
        info = framework_info(iri)
        provs = view.provisions_of(iri)
        info["count"] = len(provs)
        info["sections"] = len({p.heading("nl") for p in provs})
        info["themes"] = sorted({key_of(t) for p in provs for t in p.facts.get("theme", [])})
        info["status_keys"] = list(dict.fromkeys(key_of(s["status_iri"]) for s in info["statuses"] if s["status_iri"]))
        everything.append(info)
    options = {
        "status": {k: lbl(s["status_iri"]) for f in everything for s in f["statuses"] if s["status_iri"]
                   for k in [key_of(s["status_iri"])]},
        "ministry": {key_of(p): lbl(p) for f in everything for p in f["publishers"]},
        "theme": {slug: lbl(iri) for slug, iri in view.themes.items()},
    }
    picked = {name: chosen(name, set(opts)) for name, opts in options.items()}

    def keep(f: dict) -> bool:
        tests = {"status": set(f["status_keys"]), "ministry": {key_of(p) for p in f["publishers"]},
                 "theme": set(f["themes"])}
        return all(not want or want & tests[name] for name, want in picked.items())

    order = {k: i for i, k in enumerate(view.frameworks)}
    column, desc = sort_spec(FRAMEWORK_SORTS, "key")
    keys = {"key": lambda f: order.get(f["key"], 99), "label": lambda f: f["label"].lower(),
            "issued": lambda f: (f["issued"] or "9999", f["key"]), "provisions": lambda f: (f["count"], f["key"])}
    items = _sorted([f for f in everything if keep(f)], column, desc, keys)
    if fmt != "html":
        records = [{"key": f["key"], "iri": f["iri"], "label": f["label"], "label_en": f["label_en"],
                    "publishers": [key_of(p) for p in f["publishers"]], "issued": f["issued"],
                    "status": f["status_keys"], "provisions": f["count"], "sections": f["sections"],
                    "themes": f["themes"]} for f in items]
        payload = {"filters": {k: sorted(v) for k, v in picked.items() if v}, "sort": ("-" if desc else "") + column,
                   "count": len(records), "total": len(everything), "frameworks": records}
        return data_response(fmt, "frameworks", payload, FRAMEWORK_COLUMNS, records)
    return html("frameworks.html", frameworks=items, total=len(everything), options=options, picked=picked,
                sorts=sort_links("/frameworks", FRAMEWORK_SORTS, column, desc), formats=alternates("/frameworks"),
                clear=request.script_root + "/frameworks")

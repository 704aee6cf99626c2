"""The web interface for people: home, framework browser, search, the service check form, the
overlap matrix and theme view, the register — and the HTML views of ``/id/…`` resources
(provision, framework, theme, organisation, service, anything else).

Plain server-rendered HTML (Jinja templates in ``templates/``) and one CSS file; the little
JavaScript there is lives in ``static/``. Labels are Dutch, ``?lang=en`` switches to English.
Every figure comes from the store, through the shared corpus view in ``linked_data``; the
check form calls the same core functions as the command line.
"""

from __future__ import annotations


from flask import Blueprint, Response, render_template
from markupsafe import Markup, escape
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from .. import core
from ..terms.namespaces import CKD, GRAPH, ID
from .corpus_view import OverlapView, ProvisionView, _order_key, corpus_view, select, the_store
from .i18n import add_security_headers, current_lang, t
from .check_result import measure_index, result_view
from .check_vocab import form_vocab
from .register_report import register_report
from .resources import format_links, href, incoming, inject_helpers, property_rows

bp = Blueprint("pages", __name__)
bp.after_request(add_security_headers)
bp.context_processor(inject_helpers)

EX = Namespace("https://example.org/cloudkader/")
CKD_NS = str(CKD)

MODALITY_CLASS = {
    "Obligatory": "mod-obligatory", "Forbidden": "mod-forbidden", "Permitted": "mod-permitted",
    "Recommended": "mod-recommended", "Descriptive": "mod-descriptive",
}


def shown_severity(r: dict) -> str:
    """The severity a result is shown with: the shape's, except that a violation under an
    advisory framework (``"blocking": false``) is shown as a warning — advice, not obligation."""
    sev = r.get("severity", "")
    return "Warning" if sev == "Violation" and r.get("blocking") is False else sev

def local(iri: str) -> str:
    iri = str(iri)
    return iri.rsplit("#", 1)[-1] if "#" in iri else iri.rstrip("/").rsplit("/", 1)[-1]


def lbl(iri) -> str:
    return corpus_view().label(iri, current_lang())


def render(template: str, **ctx) -> str:
    return render_template(template, lang=current_lang(), view=corpus_view(), lbl=lbl,
                           modality_badge=modality_badge, **ctx)


def html(template: str, status: int = 200, **ctx) -> Response:
    return Response(render(template, **ctx), status=status, mimetype="text/html")


def modality_badge(iri: str | None) -> Markup:
    if not iri:
        return Markup("")
    cls = MODALITY_CLASS.get(local(iri), "mod-descriptive")
    return Markup(f'<span class="badge {cls}">{escape(lbl(iri))}</span>')


# ---------------------------------------------------------------------------------------------
# Provision summaries shared by several pages


def provision_summary(p: ProvisionView) -> dict:
    lang = current_lang()
    return {
        "iri": p.iri, "href": href(p.iri), "label": lbl(p.iri), "number": p.number,
        "texts": p.texts, "without_text": p.without_text, "modality": p.modality,
        "kinds": [lbl(k) for k in p.kinds], "heading": p.heading("nl"),
        "framework": p.framework, "framework_label": lbl(p.framework),
        "label_en": corpus_view().labels.get(p.iri, {}).get("en") if lang == "nl" else None,
    }


def group_by_heading(provs: list[ProvisionView]) -> list[dict]:
    groups: list[dict] = []
    index: dict[str, dict] = {}
    for p in provs:
        h = p.heading("nl") or "—"
        if h not in index:
            index[h] = {"heading": h, "provisions": []}
            groups.append(index[h])
        index[h]["provisions"].append(provision_summary(p))
    return groups


# ---------------------------------------------------------------------------------------------
# Home


@bp.route("/")
def home():
    view = corpus_view()
    store = the_store()
    counts = {}
    for key, q in {
        "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
        "organisations": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a ckd:Organisation FILTER(STRSTARTS(STR(?o), STR(org:))) }",
        "roles": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a ckd:Role }",
        "documents": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a ckd:CitedDocument }",
        "countries": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?o a ckd:Country }",
        "terms": f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?s ?p ?o FILTER(STRSTARTS(STR(?s), STR(ckd:))) }} }}",
    }.items():
        try:
            rows = select(store, q)
            counts[key] = int(rows[0]["n"].toPython()) if rows else 0
        except Exception:
            counts[key] = 0
    frameworks = []
    for key, iri in view.frameworks.items():
        provs = [p for p in view.provisions.values() if p.framework == iri]
        frameworks.append({"key": key, "iri": iri, "label": lbl(iri), "count": len(provs),
                           "with_text": sum(1 for p in provs if p.texts)})
    counts.update({
        "frameworks": len(view.frameworks), "provisions": len(view.provisions), "themes": len(view.themes),
        "overlaps": len(view.overlaps), "shapes": sum(len(v) for v in view.shapes.values()),
        "register": len(view.register_services),
    })
    return html("home.html", counts=counts, frameworks=frameworks)


# ---------------------------------------------------------------------------------------------
# Frameworks


def framework_info(iri: str, about: Graph | None = None) -> dict:
    store = the_store()
    view = corpus_view()
    about = about if about is not None else store.triples_about(iri)
    node = URIRef(iri)
    lang = current_lang()

    def quotes(n) -> list[str]:
        return view.in_source_order(about.objects(n, CKD.quote), about.value(n, DCTERMS.source))

    def iris(n, p) -> list:
        return sorted(about.objects(n, p), key=str)

    statuses = []
    for sa in about.objects(node, CKD.statusAssertion):
        st = about.value(sa, CKD.status)
        date = about.value(sa, CKD.since) or about.value(sa, DCTERMS.date)
        qs = quotes(sa)
        statuses.append({"status": lbl(st) if st is not None else "", "status_iri": str(st or ""),
                         "since": str(about.value(sa, CKD.since) or ""), "until": str(about.value(sa, CKD.until) or ""),
                         "date": str(about.value(sa, DCTERMS.date) or ""), "quotes": qs,
                         "source": about.value(sa, DCTERMS.source),
                         "sort": (str(date or ""), str(st or ""), str(about.value(sa, DCTERMS.source) or ""), qs)})
    statuses.sort(key=lambda s: s["sort"])
    scopes = []
    order = {"Binding": 0, "Advisory": 1, "Excluded": 2}
    for ss in about.objects(node, CKD.scopeStatement):
        kind = about.value(ss, CKD.scopeKind)
        what = iris(ss, CKD.scopeClass) + iris(ss, CKD.scopeOrganisation)
        comment = {c.language or "nl": str(c) for c in about.objects(ss, RDFS.comment)}
        qs = quotes(ss)
        source = about.value(ss, DCTERMS.source)
        scopes.append({"kind": lbl(kind) if kind is not None else "", "kind_local": local(kind) if kind is not None else "",
                       "what": what, "quotes": qs, "source": source,
                       "comment": comment.get(lang) or comment.get("nl", ""),
                       "sort": (order.get(local(kind) if kind is not None else "", 9), [str(w) for w in what], str(source or ""), qs)})
    scopes.sort(key=lambda s: s["sort"])
    comment = {c.language or "nl": str(c) for c in about.objects(node, RDFS.comment)}
    return {
        "iri": iri, "label": lbl(iri), "key": str(about.value(node, CKD.key) or ""),
        "label_en": view.labels.get(iri, {}).get("en"),
        "publishers": iris(node, DCTERMS.publisher),
        "issued": str(about.value(node, DCTERMS.issued) or ""),
        "sources": iris(node, DCTERMS.source),
        "supersedes": iris(node, CKD.supersedes),
        "statuses": statuses, "scopes": scopes,
        "comment": comment.get(lang) or comment.get("nl", ""),
    }


@bp.route("/frameworks/<key>")
def framework(key: str):
    view = corpus_view()
    iri = view.frameworks.get(key)
    if not iri:
        return html("not_found.html", status=404, iri=key, message=f"{t('not_found')}: {key}")
    return html("framework.html", fw=framework_info(iri), groups=group_by_heading(view.provisions_of(iri)),
                formats=format_links(f"/id/{key}"), browser=True)


# ---------------------------------------------------------------------------------------------
# /id/… as HTML


def render_resource(iri: str, about: Graph, store) -> str:
    view = corpus_view()
    if iri in view.provisions:
        return provision_page(iri, about, store)
    if iri in view.frameworks.values():
        key = view.framework_key(iri)
        return render("framework.html", fw=framework_info(iri, about), groups=group_by_heading(view.provisions_of(iri)),
                      formats=format_links(f"/id/{key}"), browser=False, rows=property_rows(about, URIRef(iri)))
    types = view.types.get(iri, set())
    if str(CKD.Theme) in types:
        return theme_page(iri, about)
    common = dict(iri=iri, title=lbl(iri), rows=property_rows(about, URIRef(iri)),
                  incoming=incoming(store, iri), formats=format_links("/id/" + iri[len(str(ID)):]),
                  types=[lbl(x) for x in sorted(types) if x.startswith(CKD_NS)],
                  definition=view.definition(iri, current_lang()))
    if str(CKD.CloudService) in types and iri in view.register_services:
        rep = register_report()
        svc = rep.per_service.get(iri, {})
        check = None
        if svc:  # the same view as the check form's result page
            check = result_view(svc.get("applicable"), svc.get("validation"), measure_index(form_vocab()))
        return render("resource.html", service_check=check, register_error=rep.error, **common)
    if str(CKD.Organisation) in types:
        concerning = [provision_summary(p) for p in sorted(view.provisions.values(), key=_order_key)
                      if URIRef(iri) in p.facts.get("organisation", [])]
        return render("resource.html", concerning=concerning, org_scopes=organisation_scopes(iri), **common)
    return render("resource.html", **common)


def organisation_scopes(iri: str) -> list[dict]:
    """The frameworks in scope for an organisation, as the checks compute them."""
    from ..checks.enrichment import scopes_for

    try:
        k = core.get_knowledge()
        scopes = scopes_for(k, Graph(), URIRef(iri))
    except Exception:  # a page must not fail on this
        return []
    lang = current_lang()
    order = {f: i for i, f in enumerate(corpus_view().frameworks.values())}
    return sorted(({"framework": sc.framework, "scope": sc.kind, "reason": sc.reason.get(lang) or sc.reason.get("nl", "")}
                   for sc in scopes), key=lambda x: order.get(x["framework"], 99))


def provision_page(iri: str, about: Graph, store) -> str:
    view = corpus_view()
    p = view.provisions[iri]
    lang = current_lang()
    node = URIRef(iri)
    comments = {c.language or "nl": str(c) for c in p.facts.get("comment", []) if isinstance(c, Literal)}
    products = []
    for prod in sorted({*p.facts.get("product", []), *p.facts.get("permits", []), *p.facts.get("prohibits", [])}, key=str):
        direction = "prohibits" if prod in p.facts.get("prohibits", []) else "permits" if prod in p.facts.get("permits", []) else "concerns"
        products.append({"iri": prod, "direction": direction})
    # overlaps and conflicts
    overlaps = []
    for ov in view.overlaps:
        if iri not in (ov.source, ov.target):
            continue
        other = ov.target if ov.source == iri else ov.source
        other_p = view.provisions.get(other)
        overlaps.append({
            "iri": ov.iri, "other": other, "other_framework": other_p.framework if other_p else None,
            "direction": "out" if ov.source == iri else "in", "relation": ov.relation,
            "relation_local": local(ov.relation) if ov.relation else "", "themes": ov.themes,
            "rationale": ov.rationale.get(lang) or ov.rationale.get("nl") or next(iter(ov.rationale.values()), ""),
        })
    overlaps.sort(key=lambda o: (o["relation_local"] != "Contrary", o["other_framework"] or "", o["other"]))
    no_counterparts = [{"rationale": nc["rationale"].get(lang) or nc["rationale"].get("nl", ""), "with_respect_to": nc["with_respect_to"]}
                       for nc in view.no_counterparts if nc["provision"] == iri]
    shapes = [{"shape": s["shape"], "severity": s["severity"], "message": s["message"].get(lang) or s["message"].get("nl", "")}
              for s in view.shapes.get(iri, [])]
    conditions = [{"shape": c["shape"], "reason": c["reason"].get(lang) or c["reason"].get("nl", "")}
                  for c in view.conditions.get(iri, [])]
    parts = [provision_summary(q) for q in sorted(view.provisions.values(), key=_order_key)
             if node in q.facts.get("part_of", [])]
    rep = register_report()
    services = rep.applicable_by_provision.get(iri, [])
    service_rows = []
    for s in services:
        v = rep.per_service.get(s, {}).get("validation") or {}
        service_rows.append({"iri": s, "conforms": v.get("conforms"),
                             "violations": [dict(r, severity=shown_severity(r)) for r in v.get("results", []) if r.get("provision") == iri]})
    source = p.text_from or p.source
    return render(
        "provision.html", p=p, summary=provision_summary(p), source=source, source_file=p.source_file,
        comment=comments.get(lang) or comments.get("nl", ""), products=products, overlaps=overlaps,
        no_counterparts=no_counterparts, shapes=shapes, conditions=conditions, parts=parts,
        services=service_rows, register_error=rep.error, rows=property_rows(about, node),
        incoming=incoming(store, iri), formats=format_links("/id/" + p.key),
        fw_key=view.framework_key(p.framework),
    )


def theme_page(iri: str, about: Graph) -> str:
    view = corpus_view()
    slug = next((s for s, i in view.themes.items() if i == iri), local(iri))
    return render("theme.html", **theme_context(slug, iri), rows=property_rows(about, URIRef(iri)),
                  formats=format_links("/id/" + iri[len(str(ID)):]))


def theme_context(slug: str, iri: str) -> dict:
    view = corpus_view()
    lang = current_lang()
    node = URIRef(iri)
    by_fw = []
    for key, fw in view.frameworks.items():
        provs = [provision_summary(p) for p in view.provisions_of(fw) if node in p.facts.get("theme", [])]
        by_fw.append({"key": key, "iri": fw, "label": lbl(fw), "provisions": provs})
    overlaps = [overlap_row(ov) for ov in view.overlaps if iri in ov.themes]
    broader = [b for b in the_store().triples_about(iri).objects(node, SKOS.broader)]
    return {"slug": slug, "iri": iri, "title": lbl(iri), "definition": view.definition(iri, lang),
            "by_fw": by_fw, "overlaps": overlaps, "broader": broader}


def overlap_row(ov: OverlapView) -> dict:
    view = corpus_view()
    lang = current_lang()
    sp, tp = view.provisions.get(ov.source), view.provisions.get(ov.target)
    return {"iri": ov.iri, "source": ov.source, "target": ov.target,
            "source_fw": sp.framework if sp else None, "target_fw": tp.framework if tp else None,
            "relation": ov.relation, "relation_local": local(ov.relation) if ov.relation else "",
            "themes": ov.themes,
            "rationale": ov.rationale.get(lang) or ov.rationale.get("nl") or next(iter(ov.rationale.values()), "")}


# ---------------------------------------------------------------------------------------------
# Overlaps


@bp.route("/overlaps/theme/<slug>")
def overlap_theme(slug: str):
    view = corpus_view()
    iri = view.themes.get(slug)
    if not iri:
        return html("not_found.html", status=404, iri=slug, message=f"{t('not_found')}: {slug}")
    return html("theme.html", **theme_context(slug, iri), rows=None,
                formats=format_links("/id/" + iri[len(str(ID)):]))

"""The service check form at /check: the choices it offers (read from the corpus), the
description built from the answers, the check in a query worker under the limits of /validate,
and its result grouped by framework. Its route is on the pages blueprint."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

from flask import request
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from .. import core
from ..checks.description import DescriptionError
from ..knowledge.app_state import get_store
from ..stores import query_executor
from ..terms.namespaces import CKD, COUNTRY, GRAPH, ID, ORG
from .corpus_view import _view_for, corpus_view, select, store_spec, the_store
from .i18n import current_lang
from .pages import EX, bp, check_result_groups, html, local
from .security import check_limits


@dataclass
class Option:
    value: str
    iri: str
    label: str
    definition: str = ""
    group: str = ""


_FORM_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _form_vocab(spec: str, lang: str) -> dict:
    store = get_store(spec)
    view = _view_for(spec)

    def label(iri):
        return view.label(iri, lang)

    def individuals(cls) -> list[Option]:
        rows = select(store, f"SELECT DISTINCT ?x WHERE {{ ?x a/rdfs:subClassOf* <{cls}> FILTER(isIRI(?x)) }}")
        return sorted((Option(local(r["x"]), str(r["x"]), label(r["x"]), view.definition(r["x"], lang)) for r in rows),
                      key=lambda o: o.label.lower())

    orgs = []
    group_names = {
        "nl": {"Ministry": "Ministeries", "Rijksdienst": "Overige Rijksdienst", "High": "Hoge Colleges van Staat", "Gov": "Overige overheid", "Other": "Overige organisaties", "Gemeente": "Gemeenten"},
        "en": {"Ministry": "Ministries", "Rijksdienst": "Other central government", "High": "High Councils of State", "Gov": "Other government", "Other": "Other organisations", "Gemeente": "Municipalities"},
    }[lang]
    for r in select(store, "SELECT DISTINCT ?o ?n WHERE { ?o a ckd:Organisation OPTIONAL { ?o skos:notation ?n } FILTER(STRSTARTS(STR(?o), STR(org:))) }"):
        iri = str(r["o"])
        ts = view.types.get(iri, set())
        if str(CKD.CloudProvider) in ts:
            continue
        if str(CKD.Ministry) in ts:
            grp = "Ministry"
        elif str(CKD.RijksdienstOrganisation) in ts:
            grp = "Rijksdienst"
        elif str(CKD.HighCollegeOfState) in ts:
            grp = "High"
        elif str(CKD.GovernmentBody) in ts:
            grp = "Gov"
        else:
            grp = "Other"
        code = iri[len(str(ORG)):]
        short = view.short.get(iri)
        text = label(iri) + (f" ({short})" if short and short not in label(iri) else "")
        orgs.append(Option(code, iri, text, group=grp))
    orgs.append(Option("gemeente", str(CKD.Gemeente), "Gemeente" if lang == "nl" else "Municipality (gemeente)", group="Gemeente"))
    gorder = ["Ministry", "Rijksdienst", "High", "Gov", "Gemeente", "Other"]
    org_groups = [{"name": group_names[gname], "options": sorted((o for o in orgs if o.group == gname), key=lambda o: o.label.lower())}
                  for gname in gorder]
    org_groups = [g_ for g_ in org_groups if g_["options"]]

    measures = []
    rows = select(store, f"SELECT DISTINCT ?c WHERE {{ GRAPH <{GRAPH.ontology}> {{ ?c rdfs:subClassOf+ ckd:Measure }} FILTER(STRSTARTS(STR(?c), STR(ckd:))) }}")
    for r in rows:
        measures.append(Option(local(r["c"]), str(r["c"]), label(r["c"]), view.definition(r["c"], lang)))
    measures.sort(key=lambda o: o.label.lower())
    countries = individuals(str(CKD.Country))
    countries = [Option(o.iri[len(str(COUNTRY)):], o.iri, o.label) for o in countries if o.iri.startswith(str(COUNTRY))]
    countries.sort(key=lambda o: o.label.lower())
    data_order = ["PersonalData", "SpecialCategoryPersonalData", "StateSecret", "DepartementaalVertrouwelijk", "ClassifiedInformation", "BaseRegistry", "NonPersonalData"]
    data = individuals(str(CKD.DataCategory))
    data.sort(key=lambda o: (data_order.index(o.value) if o.value in data_order else 99, o.label))
    dm_order = ["PublicCloud", "HybridCloud", "CommunityCloud", "PrivateCloud", "OnPremises"]
    deployment = individuals(str(CKD.DeploymentModel))
    deployment.sort(key=lambda o: dm_order.index(o.value) if o.value in dm_order else 99)
    service_models = individuals(str(CKD.ServiceModel))
    service_models.sort(key=lambda o: ["SaaS", "PaaS", "IaaS"].index(o.value) if o.value in ("SaaS", "PaaS", "IaaS") else 9)
    systems = [o for o in individuals(str(CKD.System)) if o.iri.startswith(str(ID))]
    for o in systems:
        o.value = o.iri[len(str(ID)) + len("system/"):] if o.iri.startswith(str(ID) + "system/") else o.value
    return {
        "orgs": {o.value: o for o in orgs}, "org_groups": org_groups,
        "deployment": deployment, "service_models": service_models, "data": data,
        "countries": countries, "products": individuals(str(CKD.Product)),
        "measures": measures, "exit_parts": individuals(str(CKD.ExitStrategyPart)), "systems": systems,
    }


def form_vocab() -> dict:
    corpus_view()  # built under its own lock first
    with _FORM_LOCK:
        return _form_vocab(store_spec(), current_lang())


FORM_FIELDS = ("org", "deployment", "servicemodel", "jurisdiction", "location", "data", "product", "measure", "exitpart", "system")


def build_description(form, vocab: dict) -> tuple[str, list[str]]:
    """The Turtle description of the composed service, and the problems with the form."""
    problems = []
    g_ = Graph()
    for p, ns in (("ckd", CKD), ("org", ORG), ("country", COUNTRY), ("ex", EX), ("rdfs", RDFS),
                  ("system", Namespace(str(ID) + "system/"))):
        g_.bind(p, ns, override=True, replace=True)
    svc = EX.dienst
    g_.add((svc, RDF.type, CKD.CloudService))
    name = " ".join((form.get("name") or "").split())[:200] or ("Mijn clouddienst" if current_lang() == "nl" else "My cloud service")
    g_.add((svc, RDFS.label, Literal(name, lang=current_lang())))

    def pick(field_name: str, options: list[Option] | dict, many: bool = False):
        values = form.getlist(field_name) if many else [form.get(field_name, "")]
        by_value = options if isinstance(options, dict) else {o.value: o for o in options}
        out = []
        for v in values:
            v = (v or "").strip()
            if not v:
                continue
            if v not in by_value:
                problems.append(f"{field_name}: unknown value {v!r}")
                continue
            out.append(by_value[v])
        return out

    orgs = pick("org", vocab["orgs"])
    if not orgs:
        problems.append("org: choose an organisation" if current_lang() == "en" else "organisatie: kies een organisatie")
    for o in orgs:
        if o.value == "gemeente":
            g_.add((EX.gemeente, RDF.type, CKD.Gemeente))
            g_.add((EX.gemeente, RDFS.label, Literal("Gemeente", lang="nl")))
            g_.add((svc, CKD.usedBy, EX.gemeente))
        else:
            g_.add((svc, CKD.usedBy, URIRef(o.iri)))
    for o in pick("deployment", vocab["deployment"]):
        g_.add((svc, CKD.deploymentModel, URIRef(o.iri)))
    for o in pick("servicemodel", vocab["service_models"]):
        g_.add((svc, CKD.serviceModel, URIRef(o.iri)))
    juris = pick("jurisdiction", vocab["countries"])
    provider_name = " ".join((form.get("provider") or "").split())[:200]
    if juris or provider_name:
        g_.add((svc, CKD.provider, EX.leverancier))
        g_.add((EX.leverancier, RDF.type, CKD.CloudProvider))
        if provider_name:
            g_.add((EX.leverancier, RDFS.label, Literal(provider_name)))
        for o in juris:
            g_.add((EX.leverancier, CKD.jurisdiction, URIRef(o.iri)))
    for o in pick("data", vocab["data"], many=True):
        g_.add((svc, CKD.processes, URIRef(o.iri)))
    for o in pick("location", vocab["countries"], many=True):
        g_.add((svc, CKD.dataLocation, URIRef(o.iri)))
    for o in pick("product", vocab["products"], many=True):
        g_.add((svc, CKD.usesProduct, URIRef(o.iri)))
    for o in pick("system", vocab["systems"], many=True):
        g_.add((svc, CKD.hosts, URIRef(o.iri)))
    measures = pick("measure", vocab["measures"], many=True)
    parts = pick("exitpart", vocab["exit_parts"], many=True)
    if parts and not any(m.value == "ExitStrategy" for m in measures):
        measures.append(next(m for m in vocab["measures"] if m.value == "ExitStrategy") if any(m.value == "ExitStrategy" for m in vocab["measures"])
                        else Option("ExitStrategy", str(CKD.ExitStrategy), "exit-strategie"))
    for m in measures:
        node = EX[f"maatregel-{m.value}"]
        g_.add((svc, CKD.hasMeasure, node))
        g_.add((node, RDF.type, URIRef(m.iri)))
        if m.value == "ExitStrategy":
            for part in parts:
                g_.add((node, CKD.covers, URIRef(part.iri)))
    return g_.serialize(format="turtle"), problems


@bp.route("/check", methods=["GET", "POST"])
def check():
    vocab = form_vocab()
    if request.method == "GET":
        values = {"deployment": "PublicCloud"}
        return html("check.html", vocab=vocab, values=values, result=None, turtle=None, problems=[])
    form = request.form
    values = {k: form.getlist(k) if k in ("location", "data", "product", "measure", "exitpart", "system") else form.get(k, "")
              for k in FORM_FIELDS}
    values["name"] = form.get("name", "")
    values["provider"] = form.get("provider", "")
    turtle, problems = build_description(form, vocab)
    result = None
    status, headers = 200, {}
    if not problems:
        origin = "formulier" if current_lang() == "nl" else "form"
        try:  # in a query worker, under the limits of /validate (time, memory)
            svc_app, svc_val, problem = query_executor.call(the_store(), form_check_task, (turtle, origin),
                                                            **check_limits())
        except query_executor.QueryUnavailable as exc:
            problems.append(exc.message)
            status, headers = exc.status, {"Retry-After": str(exc.retry_after)}
        except query_executor.NestedTooDeeply as exc:
            problems.append(str(exc))
        else:
            if problem:
                problems.append(problem)
            else:
                result = check_result_groups(svc_app, svc_val)
    if problems and status == 200:
        status = 400
    resp = html("check.html", status=status, vocab=vocab, values=values, result=result, turtle=turtle, problems=problems)
    resp.headers.update(headers)
    return resp


@query_executor.task
def form_check_task(turtle: str, origin: str):
    """The check of the web form, in a query worker: (applicability, validation, problem)."""
    try:
        desc = core.read_description(turtle, "turtle", origin)
    except DescriptionError as exc:
        return None, None, str(exc)
    applicable = core.applicable(desc)
    validation, _graph, _reports = core.validate(desc)
    return (applicable["services"][0] if applicable["services"] else None,
            validation["services"][0] if validation["services"] else None, None)

"""The service description (Turtle, the terms of DESIGN.md §3) built from the answers of the
check form, and the answers read back as a canonical query string — the permalink of a result.

The form's fields: ``name``; ``org`` (an organisation's code, or ``own`` for the user's own
organisation, described by ``ownclass``, ``ownname`` and ``partof``); ``deployment``,
``servicemodel``; ``provider``, ``jurisdiction``, ``certification``; ``data``, ``location``,
``locationconstraint``; ``product``, ``system``; ``at`` (the day of the check, YYYY-MM-DD); ``measure`` and, per measure with parts,
``part-<Measure>`` (e.g. ``part-ExitStrategy``, ``part-CloudContract``). Choosing a part implies
its measure."""

from __future__ import annotations

from urllib.parse import urlencode

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from ..terms.namespaces import CKD, COUNTRY, ID, ORG
from .check_vocab import Option
from .i18n import current_lang

EX = Namespace("https://example.org/")
SINGLE = ("name", "org", "ownclass", "ownname", "partof", "deployment", "servicemodel", "provider", "jurisdiction", "at")
MANY = ("certification", "data", "location", "locationconstraint", "product", "system", "measure")


def part_fields(vocab: dict) -> list[str]:
    return [p["name"] for m in vocab["measures"] for p in m.parts]


def read_values(form, vocab: dict) -> dict:
    """The answers of a form (a MultiDict: request.form or request.args), as field -> str or list."""
    values: dict = {k: " ".join((form.get(k) or "").split())[:200] for k in SINGLE}
    for k in MANY + tuple(part_fields(vocab)):
        values[k] = [v.strip() for v in form.getlist(k) if v.strip()]
    return values


def query_string(values: dict, lang: str) -> str:
    """The canonical query string of ``values``: the permalink of the result they give."""
    pairs = [(k, v) for k, v in values.items() if v and not isinstance(v, list)]
    pairs += [(k, x) for k, v in values.items() if isinstance(v, list) for x in v]
    return urlencode(sorted(pairs, key=lambda kv: kv[0]) + [("lang", lang)])


def build_description(values: dict, vocab: dict) -> tuple[str, list[str]]:
    """The Turtle description of the composed service, and the problems with the answers."""
    nl = current_lang() == "nl"
    problems: list[str] = []
    g = Graph()
    for p, ns in (("ckd", CKD), ("org", ORG), ("country", COUNTRY), ("ex", EX), ("rdfs", RDFS),
                  ("system", Namespace(str(ID) + "system/")), ("id", ID)):
        g.bind(p, ns, override=True, replace=True)
    svc = EX.dienst
    g.add((svc, RDF.type, CKD.CloudService))
    name = values.get("name") or ("Mijn clouddienst" if nl else "My cloud service")
    g.add((svc, RDFS.label, Literal(name, lang=current_lang())))

    def pick(field_name: str, options, many: bool = False) -> list[Option]:
        raw = values.get(field_name) or []
        raw = raw if isinstance(raw, list) else [raw]
        by_value = options if isinstance(options, dict) else {o.value: o for o in options}
        out = []
        for v in raw:
            if v not in by_value:
                problems.append(f"{field_name}: {'onbekende waarde' if nl else 'unknown value'} {v!r}")
            elif by_value[v] not in out:
                out.append(by_value[v])
        return out if many else out[:1]

    org = values.get("org", "")
    if org == "own":
        classes = pick("ownclass", vocab["own_classes"])
        if not classes:
            problems.append("eigen organisatie: kies een soort organisatie" if nl else "own organisation: choose a kind of organisation")
        node = EX.organisatie
        for c in classes:
            g.add((node, RDF.type, URIRef(c.iri)))
        g.add((node, RDFS.label, Literal(values.get("ownname") or (classes[0].label if classes else "organisatie"),
                                         lang=current_lang())))
        for parent in pick("partof", vocab["orgs"]):
            g.add((node, CKD.partOf, URIRef(parent.iri)))
        g.add((svc, CKD.usedBy, node))
    else:
        orgs = pick("org", vocab["orgs"])
        if not orgs and not problems:
            problems.append("organisatie: kies een organisatie" if nl else "org: choose an organisation")
        for o in orgs:
            g.add((svc, CKD.usedBy, URIRef(o.iri)))
    for o in pick("deployment", vocab["deployment"]):
        g.add((svc, CKD.deploymentModel, URIRef(o.iri)))
    for o in pick("servicemodel", vocab["service_models"]):
        g.add((svc, CKD.serviceModel, URIRef(o.iri)))
    juris = pick("jurisdiction", vocab["countries"])
    certs = pick("certification", vocab["certifications"], many=True)
    if juris or certs or values.get("provider"):
        g.add((svc, CKD.provider, EX.leverancier))
        g.add((EX.leverancier, RDF.type, CKD.CloudProvider))
        if values.get("provider"):
            g.add((EX.leverancier, RDFS.label, Literal(values["provider"])))
        for o in juris:
            g.add((EX.leverancier, CKD.jurisdiction, URIRef(o.iri)))
        for o in certs:
            g.add((EX.leverancier, CKD.certifiedUnder, URIRef(o.iri)))
    for fname, key, prop in (("data", "data", CKD.processes), ("location", "countries", CKD.dataLocation),
                             ("locationconstraint", "location_constraints", CKD.dataLocationConstraint),
                             ("product", "products", CKD.usesProduct), ("system", "systems", CKD.hosts)):
        for o in pick(fname, vocab[key], many=True):
            g.add((svc, prop, URIRef(o.iri)))
    chosen = {m.value for m in pick("measure", vocab["measures"], many=True)}
    for m in vocab["measures"]:
        parts = [(p, pick(p["name"], p["options"], many=True)) for p in m.parts]
        if m.value not in chosen and not any(opts for _p, opts in parts):
            continue
        node = EX[f"maatregel-{m.value}"]
        g.add((svc, CKD.hasMeasure, node))
        g.add((node, RDF.type, URIRef(m.iri)))
        for p, opts in parts:
            for o in opts:
                g.add((node, URIRef(p["property"]), URIRef(o.iri)))
    return g.serialize(format="turtle"), problems

"""The register's check results (applicability and validation of every service in the
register graph), computed once per process and store for the pages."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from ..knowledge.app_state import get_store
from ..terms.namespaces import CKD, GRAPH
from .corpus_view import store_spec

log = logging.getLogger(__name__)


@dataclass
class RegisterReport:
    services: list[dict]
    applicable_by_provision: dict[str, list[str]]
    per_service: dict[str, dict]
    error: str | None = None


_REGISTER_LOCK = threading.Lock()


@lru_cache(maxsize=None)
def _register_report_for(spec: str) -> RegisterReport:
    from .. import core
    from ..checks.description import Description

    store = get_store(spec)
    try:
        res = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{GRAPH.register}> {{ ?s ?p ?o }} }}")
        graph = res.graph if res.graph is not None else Graph()
        services = sorted(s for s in graph.subjects(RDF.type, CKD.CloudService) if isinstance(s, URIRef))
        if not services:
            return RegisterReport([], {}, {})
        desc = Description(graph, services, "register")
        applicable = core.applicable(desc)
        validation, _graph, _reports = core.validate(desc)
    except Exception as exc:  # the pages must still render; say what went wrong
        log.exception("checking the register failed")
        return RegisterReport([], {}, {}, error=f"{type(exc).__name__}: {exc}")
    by_prov: dict[str, list[str]] = {}
    per_service: dict[str, dict] = {}
    for s in applicable["services"]:
        per_service.setdefault(s["service"], {})["applicable"] = s
        for p in s["provisions"]:
            lst = by_prov.setdefault(p["provision"], [])
            if s["service"] not in lst:
                lst.append(s["service"])
    for s in validation["services"]:
        per_service.setdefault(s["service"], {})["validation"] = s
    rows = []
    for svc in services:
        sid = str(svc)
        rows.append({"service": sid, "graph_label": str(graph.value(svc, RDFS.label) or ""), **per_service.get(sid, {})})
    return RegisterReport(rows, by_prov, per_service)


def register_report() -> RegisterReport:
    spec = store_spec()
    with _REGISTER_LOCK:
        return _register_report_for(spec)

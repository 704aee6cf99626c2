"""Export of the overlaps as OSCAL 1.2 control mappings: one ``mapping-collection`` document per
framework pair (NIST IR 8477 set-theory relationships).

Each framework plays the role of an OSCAL catalog (``source-resource`` / ``target-resource``,
type ``catalog``, ``href`` the framework IRI), each provision that of a control (``type``
``control``, ``id-ref`` its local name, with a link to its IRI). Relations map to the OSCAL
relationship tokens: equivalent → ``equivalent-to``, subset-of, superset-of, intersects-with;
``contrary`` has no OSCAL token and is exported in the cloudkader namespace
(``"ns": "https://w3id.org/cloudkader/def#"``, ``"relationship": "contrary"``) with a qualifier
``has-incompatibility``. Per pair the source is the framework that comes first in the order
of the data (``ckd:position``); overlaps stated the other way round are turned around (subset-of
becomes superset-of). The gap summaries list the provisions of each side that have no overlap
with the other framework.

UUIDs are name-based (UUID v5) so that the same overlap keeps the same map UUID; the collection
UUID is derived from the content and changes whenever the mapping changes."""

from __future__ import annotations

import datetime as _dt
import hashlib
import uuid
from collections import defaultdict

from . import overlaps as ov
from .corpus import catalogue
from ..terms.namespaces import CKD

OSCAL_VERSION = "1.2.0"
CLOUDKADER_NS = str(CKD)
OSCAL_RELATIONSHIP = {
    "equivalent": "equivalent-to",
    "subset-of": "subset-of",
    "superset-of": "superset-of",
    "intersects-with": "intersects-with",
}


def _uuid(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


def _local(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


def _order(key: str) -> tuple:
    return catalogue().sort_key(key)


def _item(iri: str) -> dict:
    return {"type": "control", "id-ref": _local(iri), "links": [{"href": iri}]}


def _remarks(o: dict) -> str:
    parts = [o["rationale"]]
    if o.get("rationale_en"):
        parts.append(o["rationale_en"])
    for s in o.get("stale", []):
        parts.append(f"Stale source: {s['document']} ({s.get('status') or 'superseded'} since {s.get('since')}).")
    return "\n\n".join(p for p in parts if p)


def _map(o: dict, reverse: bool) -> dict:
    source, target = (o["target"], o["source"]) if reverse else (o["source"], o["target"])
    relation = ov.INVERSE[o["relation"]] if reverse else o["relation"]
    m = {"uuid": _uuid(o["id"] + ("#reverse" if reverse else ""))}
    if relation == "contrary":
        m["ns"] = CLOUDKADER_NS
        m["relationship"] = "contrary"
    else:
        m["relationship"] = OSCAL_RELATIONSHIP[relation]
    m["matching-rationale"] = "semantic"
    m["sources"] = [_item(source)]
    m["targets"] = [_item(target)]
    if relation == "contrary":
        blocked = any(s.get("status") == "invalidated" for s in o.get("stale", []))
        m["qualifiers"] = [{
            "subject": "both",
            "predicate": "has-incompatibility",
            "category": "blocked" if blocked else "addressable",
            "description": o["rationale"],
        }]
    m["props"] = [{"name": "theme", "ns": CLOUDKADER_NS, "value": _local(o["theme"])},
                  {"name": "overlap", "ns": CLOUDKADER_NS, "value": _local(o["id"])}]
    m["links"] = [{"href": o["id"], "rel": "reference"}]
    m["remarks"] = _remarks(o)
    return m


def _gap(name: str, ids: list[str]) -> dict | None:
    if not ids:
        return None
    return {"uuid": _uuid(name), "unmapped-controls": [{"with-ids": ids}]}


def mapping_collections(store, theme: str | None = None, provision: str | None = None,
                        last_modified: str | None = None) -> list[dict]:
    """One OSCAL mapping-collection document (``{"mapping-collection": {...}}``) per pair of
    frameworks that has at least one overlap, optionally restricted to a theme or provision."""
    data = ov.overlaps(store, theme=theme, provision=provision)
    fws = {f["key"]: f for f in ov.frameworks(store)}
    with_text = defaultdict(list)
    for p in ov.provisions_with_text(store):
        with_text[p["framework"]].append(p["provision"])
    by_pair: dict[tuple[str, str], list[tuple[dict, bool]]] = defaultdict(list)
    for o in data["overlaps"]:
        s, t = o["source_framework"], o["target_framework"]
        if _order(s) <= _order(t):
            by_pair[(s, t)].append((o, False))
        else:
            by_pair[(t, s)].append((o, True))
    now = last_modified or _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    docs = []
    for (a, b) in sorted(by_pair, key=lambda p: (_order(p[0]), _order(p[1]))):
        items = sorted(by_pair[(a, b)], key=lambda x: x[0]["id"])
        maps = [_map(o, rev) for o, rev in items]
        mapped_a = {m["sources"][0]["links"][0]["href"] for m in maps}
        mapped_b = {m["targets"][0]["links"][0]["href"] for m in maps}
        digest = hashlib.sha256(repr([(m["uuid"], m["relationship"], m["remarks"]) for m in maps]).encode()).hexdigest()
        fa, fb = fws.get(a, {"framework": a, "title": a}), fws.get(b, {"framework": b, "title": b})
        scope = ""
        if theme:
            scope += f" (thema {theme})"
        if provision:
            scope += f" (bepaling {provision})"
        mapping = {
            "uuid": _uuid(f"{fa['framework']}--{fb['framework']}#mapping"),
            "source-resource": {"type": "catalog", "href": fa["framework"],
                                "remarks": f"{fa.get('title')} — a cloudkader framework; its provisions are the controls."},
            "target-resource": {"type": "catalog", "href": fb["framework"],
                                "remarks": f"{fb.get('title')} — a cloudkader framework; its provisions are the controls."},
            "maps": maps,
        }
        if not theme and not provision:
            gap_a = _gap(f"{fa['framework']}--{fb['framework']}#source-gap",
                         sorted((_local(p) for p in with_text[a] if p not in mapped_a), key=ov._natural))
            gap_b = _gap(f"{fa['framework']}--{fb['framework']}#target-gap",
                         sorted((_local(p) for p in with_text[b] if p not in mapped_b), key=ov._natural))
            if gap_a:
                mapping["source-gap-summary"] = gap_a
            if gap_b:
                mapping["target-gap-summary"] = gap_b
        docs.append({"mapping-collection": {
            "uuid": _uuid(f"urn:sha256:{digest}"),
            "metadata": {
                "title": f"cloudkader: overlappen {fa.get('title')} – {fb.get('title')}{scope}",
                "last-modified": now,
                "version": digest[:12],
                "oscal-version": OSCAL_VERSION,
                "remarks": "Generated by cloudkader from data/overlaps/*.ttl.",
            },
            "provenance": {
                "method": "human",
                "matching-rationale": "semantic",
                "status": "complete",
                "mapping-description": (
                    f"Typed overlaps between the provisions of {fa.get('title')} ({a}) and {fb.get('title')} ({b}), "
                    "judged by hand on the effective requirement of each provision's verbatim Dutch text; every map's "
                    "remarks quote the words of both texts the judgement rests on. The relationship 'contrary' (namespace "
                    f"{CLOUDKADER_NS}) marks contradictions and rules resting on lapsed sources."),
            },
            "mappings": [mapping],
        }})
    return docs


def file_name(doc: dict) -> str:
    """``{source-key}--{target-key}.json`` for a document made by :func:`mapping_collections`."""
    m = doc["mapping-collection"]["mappings"][0]
    return f"{_local(m['source-resource']['href'])}--{_local(m['target-resource']['href'])}.json"

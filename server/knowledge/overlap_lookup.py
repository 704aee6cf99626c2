"""What the overlap functions look up: the SPARQL helpers, short names, the themes, the
frameworks and the provisions a user names (by IRI, key or short reference), and the errors
for unknown ones. Re-exported by ``overlaps``, where callers find them."""

from __future__ import annotations

import re

from ..terms.namespaces import PREFIXES, THEME
from .corpus import catalogue, prefixes

RELATIONS = ("equivalent", "subset-of", "superset-of", "intersects-with", "contrary")
"""The relation names of DESIGN.md §4 (``ckd:oscalName`` of the ``ckd:Relation`` individuals)."""

INVERSE = {
    "equivalent": "equivalent",
    "subset-of": "superset-of",
    "superset-of": "subset-of",
    "intersects-with": "intersects-with",
    "contrary": "contrary",
}
"""The relation seen from the target's side: A subset-of B is B superset-of A."""


SKOS_MAPPING = {
    "equivalent": ("exactMatch", "exactMatch"),
    "subset-of": ("broadMatch", "narrowMatch"),
    "superset-of": ("narrowMatch", "broadMatch"),
    "intersects-with": ("relatedMatch", "relatedMatch"),
    "contrary": ("relatedMatch", "relatedMatch"),
}
"""The SKOS mapping property materialised for each relation: (source → target, target → source)."""


_PROLOGUE = "".join(
    f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("ckd", "rdfs", "skos", "dcterms", "id", "theme", "doc")
)


_SAFE_IRI = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


class UnknownTheme(KeyError):
    """A theme slug or IRI that is not in the theme scheme."""

    def __str__(self) -> str:  # KeyError quotes its message; print it plainly
        return str(self.args[0])


class UnknownProvision(KeyError):
    """A provision IRI (or prefixed name) that is no provision of any framework."""

    def __str__(self) -> str:
        return str(self.args[0])


def _rows(store, sparql: str) -> list[dict]:
    return store.query(_PROLOGUE + sparql).bindings()


def _s(term) -> str | None:
    if term is None:
        return None
    return str(term)


def _local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def short(iri: str) -> str:
    """A short name for display (``tk:element-18``, ``id:conflict/…``), or the IRI itself."""
    best = None
    for p, ns in prefixes().items():
        if iri.startswith(ns) and len(iri) > len(ns) and (best is None or len(ns) > len(best[1])):
            best = (p, ns)
    if best is None:
        return iri
    return f"{best[0]}:{iri[len(best[1]):]}"


def _natural(s: str):
    return [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", s)]


def _framework_order(key: str):
    return catalogue().sort_key(key)


def _check_iri(iri: str) -> str:
    if not _SAFE_IRI.match(iri):
        raise ValueError(f"not an IRI: {iri!r}")
    return iri


def themes(store) -> list[dict]:
    """The themes of the scheme: slug, IRI and labels, sorted by slug."""
    out = {}
    for b in _rows(store, """
        SELECT ?t ?nl ?en WHERE {
          ?t a ckd:Theme .
          OPTIONAL { ?t skos:prefLabel ?nl FILTER(lang(?nl) = "nl") }
          OPTIONAL { ?t skos:prefLabel ?en FILTER(lang(?en) = "en") }
        }"""):
        iri = str(b["t"])
        if not iri.startswith(str(THEME)):
            continue
        out[iri] = {"theme": iri, "slug": iri[len(str(THEME)):], "label": _s(b.get("nl")), "label_en": _s(b.get("en"))}
    return sorted(out.values(), key=lambda t: t["slug"])


def theme_iri(store, theme: str) -> str:
    """The IRI of a theme given by slug (``exit-strategy``), prefixed name (``theme:…``) or IRI;
    raises UnknownTheme naming the known slugs."""
    known = themes(store)
    slug = theme
    if theme.startswith("theme:"):
        slug = theme[len("theme:"):]
    elif theme.startswith(str(THEME)):
        slug = theme[len(str(THEME)):]
    for t in known:
        if t["slug"] == slug:
            return t["theme"]
    raise UnknownTheme(f"unknown theme {theme!r}; known themes: {', '.join(t['slug'] for t in known)}")


def provision_iri(store, ref: str) -> str:
    """The IRI of a provision given as an IRI or a prefixed name (``tk:element-18``); raises
    UnknownProvision if it is not a provision of any framework."""
    iri = ref.strip()
    if iri.startswith("<") and iri.endswith(">"):
        iri = iri[1:-1]
    if not iri.startswith(("http://", "https://")) and ":" in iri:
        prefix, local = iri.split(":", 1)
        if prefix in prefixes():
            iri = prefixes()[prefix] + local
    if not _SAFE_IRI.match(iri):
        raise UnknownProvision(f"unknown provision {ref!r}: not an IRI or a known prefixed name")
    res = store.query(_PROLOGUE + f"ASK {{ <{iri}> ckd:framework ?f }}")
    if not res.boolean:
        raise UnknownProvision(f"unknown provision <{iri}>: it is no provision of any framework")
    return iri


def frameworks(store) -> list[dict]:
    out = {}
    for b in _rows(store, """
        SELECT ?f ?key ?nl ?en WHERE {
          ?f a ckd:Framework ; ckd:key ?key .
          OPTIONAL { ?f dcterms:title ?nl FILTER(lang(?nl) = "nl") }
          OPTIONAL { ?f dcterms:title ?en FILTER(lang(?en) = "en") }
        }"""):
        out[str(b["key"])] = {"framework": str(b["f"]), "key": str(b["key"]), "title": _s(b.get("nl")),
                              "title_en": _s(b.get("en"))}
    return [out[k] for k in sorted(out, key=_framework_order)]


def _within(store, theme: str) -> list[str]:
    """The theme and every narrower theme (transitively)."""
    t = _check_iri(theme)
    found = {str(b["t"]) for b in _rows(store, f"SELECT DISTINCT ?t WHERE {{ ?t skos:broader* <{t}> }}")}
    found.add(t)
    return sorted(found)


def _theme_values(store, var: str, theme: str | None) -> str:
    """A VALUES clause binding ``var`` to the theme and its narrower themes."""
    if not theme:
        return ""
    return f"VALUES {var} {{ {' '.join(f'<{_check_iri(t)}>' for t in _within(store, theme))} }}"


def _theme_filter(store, var: str, theme: str | None) -> str:
    if not theme:
        return ""
    return f"FILTER({var} IN ({', '.join(f'<{_check_iri(t)}>' for t in _within(store, theme))}))"

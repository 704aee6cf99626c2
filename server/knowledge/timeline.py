"""Answers for a date (issue 17): when frameworks and cited documents hold, read from the data,
and the checks' Knowledge as it stood on a date.

A framework or document holds from its entry into force to the day it no longer holds. Both
are read from the corpus (docs/time.md): the start is ``eli:first_date_entry_in_force``, else
the ``ckd:since`` of an in-force ``ckd:StatusAssertion``, else ``dcterms:issued``; the end is
``eli:date_no_longer_in_force`` or the earliest ``ckd:date`` of a ``ckd:Supersession`` of it.
A date given as a year (``xsd:gYear``) or a month (``xsd:gYearMonth``) is an interval: on a day
inside it, whether the framework held is *undetermined*, with the reason — never a guess. A
framework with no start date at all holds (as its status says) from today on; before, it is
undetermined, from ``ckd:notBefore`` (a lower bound the sources imply) if the data give one,
and out of force before that bound.

:func:`at` gives the Knowledge as it stood on a day: frameworks out of force dropped, frameworks
whose force is uncertain kept and named (``time_undetermined``), lapsed documents only when they
had lapsed by then, and every cited document in force that day typed ``ckd:InForceOnDate`` (so
that a shape can accept, say, a certification under an adequacy decision only while it holds)."""

from __future__ import annotations

import calendar
import dataclasses
from dataclasses import dataclass, field
from datetime import date

from rdflib import Literal

from ..terms.namespaces import CKD, sparql_prologue

IN, OUT, UNDETERMINED = "in", "out", "undetermined"
IN_FORCE_ON_DATE = str(CKD.InForceOnDate)


@dataclass(frozen=True)
class Span:
    """A date the sources give, as the interval of days it may mean (first, last)."""

    first: date
    last: date
    text: str

    @property
    def exact(self) -> bool:
        return self.first == self.last


@dataclass
class Life:
    """When a framework or document holds: its start and end (each a Span or None), a lower
    bound for an unknown start, its labels, and what replaced it."""

    iri: str
    label: dict[str, str] = field(default_factory=dict)
    start: Span | None = None
    end: Span | None = None
    not_before: Span | None = None
    successor: str | None = None
    framework: bool = False
    status: str | None = None  # the ckd:status of a document, if any


@dataclass
class Timeline:
    """When each framework and document holds, and which provisions of a later version
    continue which earlier ones (``ckd:continues``: their overlaps carry over)."""

    lives: dict[str, Life] = field(default_factory=dict)
    continues: dict[str, list[str]] = field(default_factory=dict)


def span(lit) -> Span | None:
    """The interval a date literal means: a day, a month (xsd:gYearMonth) or a year (xsd:gYear)."""
    if lit is None:
        return None
    text = str(lit)
    try:
        if len(text) >= 10:
            d = date.fromisoformat(text[:10])
            return Span(d, d, text[:10])
        if len(text) == 7:
            y, m = int(text[:4]), int(text[5:7])
            return Span(date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1]), text)
        if len(text) == 4:
            y = int(text)
            return Span(date(y, 1, 1), date(y, 12, 31), text)
    except ValueError:
        return None
    return None


def parse_day(text: str) -> date:
    """A day given by a user (YYYY-MM-DD); ValueError with a clear message otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise ValueError(f"not a date: {text!r}; give a day as YYYY-MM-DD") from None


def _select(store, body: str) -> list[dict]:
    return [dict(b) for b in store.query(sparql_prologue() + body).bindings()]


def load(store) -> Timeline:
    """Every framework and every document with a status or a date: when it holds; and the
    provisions that continue earlier ones."""
    continues: dict[str, list[str]] = {}
    for r in _select(store, "SELECT ?p ?q WHERE { ?p ckd:continues ?q }"):
        continues.setdefault(str(r["p"]), []).append(str(r["q"]))
    return Timeline(_lives(store), {p: sorted(qs) for p, qs in sorted(continues.items())})


def _lives(store) -> dict[str, Life]:
    lives: dict[str, Life] = {}

    def life(iri) -> Life:
        return lives.setdefault(str(iri), Life(str(iri)))

    for r in _select(store, """SELECT ?x ?label WHERE { { ?x a ckd:Framework } UNION { ?x ckd:status ?s }
        UNION { ?x eli:first_date_entry_in_force ?d } UNION { ?x dcterms:issued ?i FILTER NOT EXISTS { ?x a ckd:SourceText } }
        OPTIONAL { ?x rdfs:label ?label } FILTER(isIRI(?x)) }"""):
        entry = life(r["x"])
        lab = r.get("label")
        if isinstance(lab, Literal) and lab.language in ("nl", "en"):
            entry.label.setdefault(lab.language, str(lab))
    for r in _select(store, "SELECT ?x WHERE { ?x a ckd:Framework }"):
        life(r["x"]).framework = True
    for r in _select(store, "SELECT ?x ?s WHERE { ?x ckd:status ?s FILTER(isIRI(?x)) }"):
        life(r["x"]).status = str(r["s"]).rsplit("#", 1)[-1]
    starts: dict[str, list] = {}
    for prop, rank in (("eli:first_date_entry_in_force", 0), ("dcterms:issued", 2)):
        for r in _select(store, f"SELECT ?x ?d WHERE {{ ?x {prop} ?d FILTER(isIRI(?x)) }}"):
            starts.setdefault(str(r["x"]), []).append((rank, span(r["d"])))
    for r in _select(store, "SELECT ?x ?d WHERE { ?x ckd:statusAssertion [ ckd:status ?s ; ckd:since ?d ] "
                            "FILTER(?s IN (ckd:InForce, ckd:Temporary)) }"):
        starts.setdefault(str(r["x"]), []).append((1, span(r["d"])))
    for iri, found in starts.items():
        if iri in lives:
            found = sorted(((rank, s) for rank, s in found if s is not None), key=lambda x: (x[0], x[1].first))
            if found:
                lives[iri].start = found[0][1]
    for r in _select(store, "SELECT ?x ?d WHERE { ?x ckd:notBefore ?d }"):
        if str(r["x"]) in lives:
            lives[str(r["x"])].not_before = span(r["d"])
    ends: dict[str, list] = {}
    for r in _select(store, "SELECT ?x ?d WHERE { ?x eli:date_no_longer_in_force ?d }"):
        ends.setdefault(str(r["x"]), []).append((span(r["d"]), None))
    for r in _select(store, """SELECT ?x ?d ?succ WHERE { ?sup a ckd:Supersession ; ckd:superseded ?x ; ckd:date ?d
        OPTIONAL { ?sup ckd:supersededBy ?succ } }"""):
        ends.setdefault(str(r["x"]), []).append((span(r["d"]), str(r["succ"]) if r.get("succ") is not None else None))
    for iri, found in ends.items():
        found = sorted([(s.first, s, succ) for s, succ in found if s is not None], key=lambda x: (x[0], x[2] or ""))
        if found:
            life(iri).end = found[0][1]
            life(iri).successor = next((succ for _f, _s, succ in found if succ), None)
    return dict(sorted(lives.items()))


# -- the state of one framework or document on a day -------------------------------------------


def state(life: Life, day: date, today: date | None = None) -> tuple[str, dict[str, str]]:
    """(in | out | undetermined, the reason in nl and en) for ``life`` on ``day``."""
    today = today or date.today()
    name_nl = life.label.get("nl", life.iri)
    name_en = life.label.get("en", name_nl)
    if life.end is not None:
        if day >= life.end.last and (life.end.exact or day > life.end.last):
            return OUT, {"nl": f"{name_nl} geldt niet meer sinds {life.end.text}",
                         "en": f"{name_en} no longer holds since {life.end.text}"}
        if day >= life.end.first and not life.end.exact:
            return UNDETERMINED, {
                "nl": f"{name_nl} hield op te gelden in {life.end.text}; de dag staat niet in de bronnen",
                "en": f"{name_en} ceased to hold in {life.end.text}; the sources do not give the day"}
    if life.start is not None:
        if life.not_before is not None and day < life.not_before.first:  # a narrower lower bound
            return OUT, {"nl": f"{name_nl} gold nog niet (niet eerder dan {life.not_before.text})",
                         "en": f"{name_en} did not hold yet (not before {life.not_before.text})"}
        if day < life.start.first:
            return OUT, {"nl": f"{name_nl} gold nog niet (van kracht vanaf {life.start.text})",
                         "en": f"{name_en} did not hold yet (in force from {life.start.text})"}
        if not life.start.exact and day < life.start.last:
            return UNDETERMINED, {
                "nl": f"{name_nl} is vastgesteld in {life.start.text}; de dag staat niet in de bronnen",
                "en": f"{name_en} was adopted in {life.start.text}; the sources do not give the day"}
        return IN, {}
    if life.not_before is not None and day < life.not_before.first:
        return OUT, {"nl": f"{name_nl} bestond nog niet (niet eerder dan {life.not_before.text})",
                     "en": f"{name_en} did not exist yet (not before {life.not_before.text})"}
    if day >= today or not life.framework:  # a cited document without a start: as its status says
        return IN, {}
    return UNDETERMINED, {"nl": f"de bronnen geven geen datum van vaststelling van {name_nl}",
                          "en": f"the sources give no date of adoption of {name_en}"}


def in_force(life: Life, day: date, today: date | None = None) -> bool:
    return state(life, day, today)[0] == IN


# -- the Knowledge on a day ----------------------------------------------------------------------


def at(knowledge, day: date | None = None, today: date | None = None):
    """The Knowledge as it stood on ``day`` (default: today), memoised on ``knowledge``."""
    today = today or date.today()
    day = day or today
    memo = knowledge.__dict__.setdefault("_at_memo", {})
    key = (day, today)
    if key not in memo:
        if len(memo) > 8:
            memo.clear()
        memo[key] = _slice(knowledge, day, today)
    return memo[key]


def _slice(k, day: date, today: date):
    lives = k.timeline.lives if isinstance(k.timeline, Timeline) else {}
    frameworks, undetermined = {}, {}
    for iri, fw in k.frameworks.items():
        life = lives.get(iri)
        st, reason = state(life, day, today) if life else (IN, {})
        if st == OUT:
            continue
        frameworks[iri] = fw
        if st == UNDETERMINED:
            undetermined[iri] = reason
    node_types = dict(k.node_types)
    for iri, life in lives.items():
        if life.framework:
            continue
        if state(life, day, today)[0] == IN:
            node_types[iri] = set(node_types.get(iri, set())) | {IN_FORCE_ON_DATE}
    lapsed = {}
    for p, entries in k.lapsed.items():
        kept = [e if e["since"] or not lives.get(e["document"]) or not lives[e["document"]].end
                else dict(e, since=lives[e["document"]].end.text)
                for e in entries if _lapsed_by(lives.get(e["document"]), e, day, today)]
        if kept:
            lapsed[p] = kept
    provisions = {p: info for p, info in k.provisions.items() if info.framework in frameworks}
    return dataclasses.replace(k, frameworks=frameworks, node_types=node_types, lapsed=lapsed,
                               provisions=provisions, time_undetermined=undetermined, day=day.isoformat())


def _lapsed_by(life: Life | None, entry: dict, day: date, today: date) -> bool:
    """Whether the document of a lapse entry had lapsed by ``day`` (an undated lapse counts from
    today: the sources say it lapsed, not when)."""
    if life is None or life.end is None:
        return day >= today
    return day >= life.end.first


def changes(lives: dict[str, Life], d1: date, d2: date, today: date | None = None) -> list[dict]:
    """What changed between two days: every framework or document whose state differs, with
    both states and reasons, ordered by kind and IRI."""
    out = []
    for iri, life in lives.items():
        s1, r1 = state(life, d1, today)
        s2, r2 = state(life, d2, today)
        if s1 != s2:
            out.append({"iri": iri, "kind": "framework" if life.framework else "document",
                        "label": life.label.get("nl", iri), "label_en": life.label.get("en", life.label.get("nl", iri)),
                        "from": s1, "to": s2, "reason_from": r1, "reason_to": r2,
                        "start": life.start.text if life.start else None,
                        "end": life.end.text if life.end else None, "successor": life.successor})
    return sorted(out, key=lambda e: (e["kind"] != "framework", e["iri"]))

"""Full-text search over the provisions that understands Dutch policy language.

- **Index**: an SQLite FTS5 table in memory, built once per store from the corpus view (labels
  in both languages, section heading and the verbatim texts of every provision) and kept with
  the view: when the view is rebuilt, so is the index.
- **Stemming**: every word of the texts and of the query goes through the Dutch Snowball
  stemmer (``snowballstemmer``) after lower-casing and removing diacritics, so
  ``basisregistraties`` finds ``basisregistratie`` and ``leveranciers`` finds ``leverancier``;
  hyphens and spaces separate words (``exit-strategie`` = ``exit strategie``).
- **Synonyms** are data: the SKOS concept scheme ``data/search/synonyms.ttl``. A run of query
  words that is a label of a concept is replaced by *any* label of that concept or of a broader
  one: ``BRP`` finds "basisregistratie personen" and the provisions on basisregistraties,
  ``verwerkersovereenkomst`` finds "bewerkersovereenkomst", ``DTIA`` finds "TIA".

``search(index, query)`` first looks for all query units next to each other (a phrase); when
nothing matches and there are several, for all units anywhere in the provision ("words").
Results are ranked by FTS5's BM25 and carry the stems that matched, for highlighting.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import snowballstemmer
from rdflib import Graph
from rdflib.namespace import SKOS

from ..terms import paths

SYNONYMS_FILE = paths.DATA_DIR / "search" / "synonyms.ttl"
WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_WORDS = 30
MAX_PHRASES = 200

_stemmer_lock = threading.Lock()
_STEMMER = snowballstemmer.stemmer("dutch")


def fold(word: str) -> str:
    """Lower case without diacritics: ``Strategieën`` -> ``strategieen``."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    with _stemmer_lock:  # the Snowball stemmer object keeps state between calls
        return _STEMMER.stemWord(fold(word))


def words_with_spans(text: str) -> list[tuple[str, int, int]]:
    """(stem, start, end) of every word of ``text``."""
    return [(stem(m.group()), m.start(), m.end()) for m in WORD.finditer(text)]


def stems(text: str) -> list[str]:
    return [s for s, _, _ in words_with_spans(text)]


# ---------------------------------------------------------------------------------------------
# synonyms


@dataclass(frozen=True)
class Synonyms:
    """label (as a tuple of stems) -> every alternative (tuples of stems) it stands for."""

    alternatives: dict[tuple[str, ...], frozenset[tuple[str, ...]]]
    longest: int


def load_synonyms(path: Path = SYNONYMS_FILE) -> Synonyms:
    g = Graph().parse(path, format="turtle")
    labels: dict = {}
    for prop in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
        for concept, label in g.subject_objects(prop):
            key = tuple(stems(str(label)))
            if key:
                labels.setdefault(concept, set()).add(key)

    def broader(c, seen=()):
        for b in g.objects(c, SKOS.broader):
            if b not in seen:
                yield b
                yield from broader(b, (*seen, b))

    alternatives: dict[tuple[str, ...], set] = {}
    for concept, own in labels.items():
        everything = set(own)
        for b in broader(concept):
            everything |= labels.get(b, set())
        for key in own:
            alternatives.setdefault(key, set()).update(everything)
    return Synonyms({k: frozenset(v) for k, v in alternatives.items()},
                    max((len(k) for k in alternatives), default=1))


@lru_cache(maxsize=1)
def synonyms() -> Synonyms:
    return load_synonyms()


# ---------------------------------------------------------------------------------------------
# the index


@dataclass
class Index:
    db: sqlite3.Connection
    lock: threading.Lock = field(default_factory=threading.Lock)
    size: int = 0


def build(documents: list[tuple[str, list[str]]]) -> Index:
    """An FTS5 index of (IRI, texts) documents; each text is indexed as its stems."""
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute("CREATE VIRTUAL TABLE provisions USING fts5(iri UNINDEXED, body, tokenize='unicode61 remove_diacritics 0')")
    db.executemany("INSERT INTO provisions (iri, body) VALUES (?, ?)",
                   [(iri, " | ".join(" ".join(stems(t)) for t in texts if t)) for iri, texts in documents])
    db.commit()
    return Index(db, size=len(documents))


@dataclass
class Unit:
    """One thing the query asks for: a word or a label of a synonym concept, with its alternatives."""

    text: str
    alternatives: list[tuple[str, ...]]


def parse_query(query: str, syn: Synonyms | None = None) -> list[Unit]:
    """The query as units: runs of words that are a synonym label become one unit (longest first)."""
    syn = syn or synonyms()
    spans = [(s, m.group()) for m in WORD.finditer(query) for s in [stem(m.group())]][:MAX_QUERY_WORDS]
    units, i = [], 0
    while i < len(spans):
        for n in range(min(syn.longest, len(spans) - i), 0, -1):
            key = tuple(s for s, _ in spans[i:i + n])
            if key in syn.alternatives:
                alts = sorted(syn.alternatives[key], key=lambda a: (-len(a), a))
                units.append(Unit(" ".join(w for _, w in spans[i:i + n]), alts))
                i += n
                break
        else:
            units.append(Unit(spans[i][1], [(spans[i][0],)]))
            i += 1
    return units


def _phrase(stems_: tuple[str, ...]) -> str:
    return '"' + " ".join(s.replace('"', '""') for s in stems_) + '"'


def _unit_expr(u: Unit) -> str:
    alts = [_phrase(a) for a in u.alternatives]
    return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"


def match_expressions(units: list[Unit]) -> list[tuple[str, str]]:
    """(mode, FTS5 MATCH expression) to try in order: the units as one phrase, then all units anywhere."""
    if not units:
        return []
    anywhere = " AND ".join(_unit_expr(u) for u in units)
    if len(units) == 1:
        return [("phrase", anywhere)]
    combos = [()]
    for u in units:
        combos = [c + a for c in combos for a in u.alternatives]
        if len(combos) > MAX_PHRASES:  # too many spellings to list: look for the words anywhere only
            return [("words", anywhere)]
    return [("phrase", " OR ".join(_phrase(c) for c in combos)), ("words", anywhere)]


def search(index: Index, query: str) -> tuple[str | None, list[tuple[str, float]], set[tuple[str, ...]]]:
    """(mode, [(iri, bm25 rank)], the stem sequences to highlight) for ``query``."""
    units = parse_query(query)
    wanted = {a for u in units for a in u.alternatives}
    for mode, expr in match_expressions(units):
        with index.lock:
            try:
                rows = index.db.execute("SELECT iri, bm25(provisions) FROM provisions WHERE provisions MATCH ? "
                                        "ORDER BY bm25(provisions)", (expr,)).fetchall()
            except sqlite3.OperationalError:  # an expression FTS5 cannot take (too long): no match
                rows = []
        if rows:
            return mode, [(iri, rank) for iri, rank in rows], wanted
    return ("words" if len(units) > 1 else "phrase") if units else None, [], wanted


def highlight_spans(text: str, wanted: set[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Character spans of ``text`` where one of the stem sequences occurs (adjacent ones merged)."""
    words = words_with_spans(text)
    marks: list[tuple[int, int]] = []
    i = 0
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for w in wanted:
        by_first.setdefault(w[0], []).append(w)
    while i < len(words):
        hit = 0
        for seq in sorted(by_first.get(words[i][0], []), key=len, reverse=True):
            if tuple(s for s, _, _ in words[i:i + len(seq)]) == seq:
                hit = len(seq)
                break
        if hit:
            start, end = words[i][1], words[i + hit - 1][2]
            if marks and re.fullmatch(r"[\s\-‐‑–—_]*", text[marks[-1][1]:start]):
                marks[-1] = (marks[-1][0], end)
            else:
                marks.append((start, end))
            i += hit
        else:
            i += 1
    return marks

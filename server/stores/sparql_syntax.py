"""Where a SPARQL query's syntax error really is.

rdflib's parser (pyparsing) reports a syntax error where the *outermost* rule that failed began —
for ``SELECT * WHERE { ?s ?p }`` that is column 18 (the start of the triple), while the problem is
the ``}`` at column 24 where an object was expected. This module finds the furthest point the
parser got to: it parses the query again with a private copy of rdflib's grammar in which every
terminal records where it failed; the error is at the rightmost such place, and the terminals that
failed there are what was expected. Only used after a query has failed to parse, so the cost of
the second parse (milliseconds) is paid on errors only; the shared grammar is never modified.
"""

from __future__ import annotations

import copy
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache

from pyparsing import ParseBaseException, ParserElement, Token, col, lineno

_LOCK = threading.Lock()
_STATE = threading.local()
MAX_EXPECTED = 8


@dataclass(frozen=True)
class SyntaxPosition:
    line: int
    column: int  # 1-based, in characters
    found: str  # the text at that place (up to the end of the word), "" at the end of the query
    expected: tuple[str, ...]

    def describe(self) -> str:
        where = f"line {self.line}, column {self.column}"
        found = f"found {self.found!r}" if self.found else "found the end of the query"
        expected = f"; expected {' or '.join(self.expected)}" if self.expected else ""
        return f"{where}: {found}{expected}"


def _record(instring, loc, expr, err) -> None:
    furthest = getattr(_STATE, "furthest", None)
    if furthest is None:
        return
    if loc > furthest[0]:
        _STATE.furthest = (loc, [expr])
    elif loc == furthest[0]:
        furthest[1].append(expr)


@lru_cache(maxsize=1)
def _instrumented_grammar() -> ParserElement:
    from rdflib.plugins.sparql import parser as sparql_parser

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))  # the grammar is deeply nested
    try:
        grammar = copy.deepcopy(sparql_parser.Query)
    finally:
        sys.setrecursionlimit(limit)
    seen: set[int] = set()
    stack = [grammar]
    while stack:
        element = stack.pop()
        if id(element) in seen:
            continue
        seen.add(id(element))
        if isinstance(element, Token):
            element.set_fail_action(_record)
        stack.extend(getattr(element, "exprs", None) or [])
        if getattr(element, "expr", None) is not None:
            stack.append(element.expr)
    return grammar


_PUNCTUATION_NAMES = {"'?'": "a variable", "'$'": "a variable", "'<'": "an IRI", "'_:'": "a blank node"}


def _name(expr) -> str:
    """A reader's name for a terminal: the keyword or punctuation itself, else the kind of term."""
    text = str(expr)
    if text in _PUNCTUATION_NAMES:
        return _PUNCTUATION_NAMES[text]
    pattern = getattr(expr, "pattern", None)
    if pattern is None:
        return text
    if pattern.startswith("_:"):
        return "a blank node"
    if pattern[:1] in ("'", '"'):
        return "a string"
    if pattern[:1] in ("[", "\\") and "0-9]" in pattern[:8]:
        return "a number"
    return "a prefixed name"


def syntax_position(query: str) -> SyntaxPosition | None:
    """The place of the syntax error in ``query`` (None when it parses, or cannot be located)."""
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    try:
        text = expandUnicodeEscapes(query)
    except ValueError:  # an escape of no character (\U0011FFFF): the caller reports it as it is
        return None
    try:
        grammar = _instrumented_grammar()
    except Exception:  # noqa: BLE001  (no diagnosis rather than a failed request)
        return None
    with _LOCK:
        _STATE.furthest = (-1, [])
        try:
            grammar.parse_string(text, parse_all=True)
        except ParseBaseException:
            pass
        except (RecursionError, ValueError, TypeError):  # a diagnosis must never turn an error into a crash
            _STATE.furthest = (-1, [])
        else:
            return None
        finally:
            loc, exprs = _STATE.furthest
            _STATE.furthest = None
    if loc < 0:
        return None
    rest = text[loc:]
    found = rest.split(None, 1)[0][:20] if rest.strip() else ""
    expected = tuple(dict.fromkeys(_name(e) for e in exprs))[:MAX_EXPECTED]
    return SyntaxPosition(lineno(loc, text), col(loc, text), found, expected)

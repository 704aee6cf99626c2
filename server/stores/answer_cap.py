"""The size of a query answer, bounded where the answer is made (the query worker), before it
is pickled, sent to the server process and serialised there: an 805-byte query of nested
``CONCAT`` built a 168 MB value, and the server peaked at 1.4 GB writing it out. Also the
client-facing errors for what is too big or too deep to process (both answered with 400)."""

from __future__ import annotations

from rdflib import Graph

from .results import CompactRows, QueryError, QueryResult


class NestedTooDeeply(QueryError):
    """What the client sent nests deeper than Python can follow (answered with 400)."""


class AnswerTooLarge(QueryError):
    """One row of the answer is larger than the answer size cap (answered with 400)."""


def _term_size(t) -> int:
    return 0 if t is None else len(t) + 24 + len(getattr(t, "datatype", None) or "") + len(getattr(t, "language", None) or "")


def cap_bytes(result: QueryResult, truncated: bool, max_bytes: int | None) -> tuple[QueryResult, bool]:
    """The rows (or triples) of ``result`` that fit in ``max_bytes`` of text, and whether any
    were cut. A single row larger than the cap is an AnswerTooLarge: an empty answer would
    pretend to be one."""
    if not max_bytes or result.kind == "ask":
        return result, truncated
    items = result.rows if result.kind == "select" else list(result.graph or ())
    compact = items if isinstance(items, CompactRows) else None
    total = 0
    for i in range(len(items)):
        total += compact.text_size(i) if compact is not None else sum(_term_size(t) for t in items[i])
        if total > max_bytes:
            if i == 0:
                raise AnswerTooLarge(f"the answer is larger than the limit of {max_bytes // (1024 * 1024) or 1} MB "
                                     f"(its first {'row' if result.kind == 'select' else 'triple'} alone is "
                                     f"{total // (1024 * 1024)} MB); select fewer or shorter values")
            if result.kind == "select":
                return QueryResult("select", result.variables, result.rows[:i]), True
            g = Graph()
            for t in items[:i]:
                g.add(t)
            return QueryResult("graph", graph=g), True
    return result, truncated

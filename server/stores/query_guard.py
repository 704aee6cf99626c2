"""Which SPARQL the service runs — decided on the *parsed* query, for every store.

Every query, whatever the store (``memory``, ``oxigraph``, ``sparql:URL``), is parsed by rdflib's
SPARQL 1.1 parser before anything runs. The parse tree — and, for rdflib, the algebra — decides:

- an update (``INSERT``, ``LOAD``, …) is refused (``UpdateRefused``, 403);
- a ``SERVICE`` anywhere (``OPTIONAL``, sub-queries, ``EXISTS``, written with codepoint escapes,
  behind a prefixed name, a variable or a relative IRI) is refused (``QueryError``, 400);
- a query that rdflib cannot parse is refused with its line and column — also when another engine
  would accept it: the parser that decides is the one whose verdict we can read.

No regular expression looks at the query text: the old keyword guard did, and read ``ex:a\\#``
(a PN_LOCAL escape) as the start of a comment, so pyoxigraph ran a SERVICE it never saw.

Before the parse, the bracket nesting is bounded (``MAX_NESTING``): rdflib's recursive-descent
parser — and pyoxigraph's — need stack in proportion to it, and 20 000 nested parentheses crash
a process. The limit counts every ``(``, ``[`` and ``{`` of the raw text (inside strings too: a
refusal of an odd query is cheaper than a crash).

The engines are closed too (defence in depth): rdflib's own ``SERVICE`` evaluation is replaced
by a refusal (``CUSTOM_EVALS``, the hook rdflib offers), and rdflib never loads a ``FROM`` graph
(``SPARQL_LOAD_GRAPHS``). pyoxigraph 0.5 has no option to switch its HTTP client for ``SERVICE``
off; its query worker processes have no network at all (``cloudkader.stores.sandbox``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import rdflib.plugins.sparql as rdflib_sparql
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import expandUnicodeEscapes, parseQuery, parseUpdate
from rdflib.plugins.sparql.parserutils import CompValue

from .results import QueryError

MAX_NESTING = 128
MAX_MESSAGE = 300


class UpdateRefused(QueryError):
    """A SPARQL Update sent to the read-only endpoint."""


class ServiceRefused(QueryError):
    """A federated query (SERVICE): the endpoint makes no requests of its own."""


SERVICE_MESSAGE = "SERVICE (federated query) is not supported by this endpoint"
UPDATE_MESSAGE = "SPARQL Update is not accepted: this endpoint is read-only"


# -- the engines -------------------------------------------------------------------------------------

# Never let a query make rdflib fetch a graph from the web or a file (FROM <url>).
rdflib_sparql.SPARQL_LOAD_GRAPHS = False


def _refuse_service_in_rdflib(_ctx, part):
    if part.name == "ServiceGraphPattern":
        raise ServiceRefused(SERVICE_MESSAGE)
    raise NotImplementedError  # every other part: rdflib's own evaluation


rdflib_sparql.CUSTOM_EVALS["cloudkader-no-service"] = _refuse_service_in_rdflib


# -- the parse decides --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the parse says about an accepted query."""

    form: str  # SelectQuery, ConstructQuery, AskQuery, DescribeQuery
    has_dataset_clause: bool  # FROM / FROM NAMED


def nesting_depth(sparql: str) -> int:
    """The deepest nesting of ``(``, ``[`` and ``{`` in the raw text (an upper bound of the
    parser's recursion: brackets inside strings and comments count too)."""
    depth = deepest = 0
    for c in sparql:
        if c in "([{":
            depth += 1
            if depth > deepest:
                deepest = depth
        elif c in ")]}" and depth:
            depth -= 1
    return deepest


def _parse(sparql: str):
    """The parse tree of ``sparql`` as a query; raises UpdateRefused or QueryError."""
    try:
        expandUnicodeEscapes(sparql).encode("utf-8")
    except ValueError as exc:  # a \\u escape that is no code point, or a lone surrogate (\\uD800)
        raise QueryError("syntax error in query: a character that is not a Unicode scalar value "
                         "(a lone surrogate, or an escape beyond U+10FFFF)") from None
    depth = nesting_depth(sparql)
    if depth > MAX_NESTING:
        raise QueryError(f"syntax error in query: brackets nested {depth} deep; at most {MAX_NESTING} are accepted")
    try:
        return parseQuery(sparql)
    except RecursionError:
        raise QueryError("syntax error in query: nested too deeply") from None
    except Exception as exc:
        if _is_update(sparql):
            raise UpdateRefused(UPDATE_MESSAGE) from None
        raise QueryError(f"syntax error in query: {_syntax_message(exc, sparql)}") from None


def _is_update(sparql: str) -> bool:
    try:
        parseUpdate(sparql)
    except Exception:
        return False
    return True


def _syntax_message(exc: Exception, sparql: str) -> str:
    from .sparql_syntax import syntax_position

    where = syntax_position(sparql)  # the furthest point the parser reached, not where its outer rule began
    if where is not None:
        return where.describe()[:MAX_MESSAGE]
    line = getattr(exc, "lineno", None)
    col = getattr(exc, "col", None)
    msg = getattr(exc, "msg", None) or str(exc).split("\n")[0]
    msg = " ".join(str(msg).split())[:MAX_MESSAGE]
    if line is not None and col is not None:
        return f"{msg} (line {line}, column {col})"
    return msg


def has_service(tree) -> bool:
    """Whether a parse tree or algebra holds a SERVICE pattern, at any depth (iterative: a deep
    tree cannot exhaust the stack)."""
    stack = [tree]
    seen = set()
    while stack:
        node = stack.pop()
        if isinstance(node, (str, bytes, int, float)) or node is None:
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                return True
            stack.extend(node.values())
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif hasattr(node, "__iter__"):  # lists, tuples, pyparsing ParseResults
            try:
                stack.extend(iter(node))
            except TypeError:
                pass
    return False


def check_query(sparql: str):
    """Parse and check ``sparql``; returns the rdflib query (algebra) to run on rdflib.
    Raises UpdateRefused (an update), ServiceRefused (SERVICE) or QueryError (anything else)."""
    tree = _parse(sparql)
    if has_service(tree):
        raise ServiceRefused(SERVICE_MESSAGE)
    try:
        query = translateQuery(tree)
    except RecursionError:
        raise QueryError("invalid query: nested too deeply") from None
    except Exception as exc:
        raise QueryError(f"invalid query: {' '.join(str(exc).split())[:MAX_MESSAGE]}") from None
    if has_service(query.algebra):
        raise ServiceRefused(SERVICE_MESSAGE)
    return query


@lru_cache(maxsize=512)
def verdict(sparql: str) -> Verdict:
    """Check ``sparql`` (as ``check_query``) for a store that runs the text itself (pyoxigraph, a
    remote endpoint): what the parse says. Cached by text — a parse costs ~30 ms and the same
    queries come back; refusals raise and are not cached."""
    tree = _parse(sparql)
    if has_service(tree):
        raise ServiceRefused(SERVICE_MESSAGE)
    query = tree[1]
    return Verdict(form=getattr(query, "name", ""), has_dataset_clause=bool(getattr(query, "datasetClause", None)))

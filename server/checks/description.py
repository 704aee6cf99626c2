"""Reading cloud service descriptions (DESIGN.md §3): Turtle or JSON-LD, one or many services
per file. Bad input becomes a DescriptionError that names the file and, where the parser says,
the line and column — never a traceback."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDF

from ..knowledge.compiled import Vocabulary
from ..terms.namespaces import CKD

MEDIA_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
    "text/csv": "csv",  # a register, one row per service (checks/register_csv.py)
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}
SPREADSHEETS = ("csv", "xlsx")
MAX_JSONLD_DEPTH = 32
INPUT_BASE = "urn:cloudkader:input:"
# rdflib's Turtle and N-Triples parsers take time quadratic in the number of line breaks,
# escapes and quote characters inside one string literal (they build the string piece by
# piece): a 4 MB literal of line breaks keeps a server thread busy for minutes. A literal with
# more of them than this is refused before parsing (a page of text has a few hundred).
MAX_LITERAL_PIECES = 10_000
# rdflib's Turtle parser takes time quadratic in the number of @prefix / PREFIX declarations.
MAX_PREFIXES = 1000
_PREFIX_LINE = re.compile(r"^[ \t]*@?prefix[ \t]", re.IGNORECASE | re.MULTILINE)


class DescriptionError(ValueError):
    """A service description that cannot be used, with a message naming where."""


@dataclass
class Description:
    graph: Graph
    services: list[URIRef]
    origin: str


def format_for_filename(name: str) -> str:
    lower = name.lower()
    if lower.endswith((".jsonld", ".json")):
        return "json-ld"
    if lower.endswith(".nt"):
        return "nt"
    if lower.endswith((".csv", ".xlsx")):
        return lower.rsplit(".", 1)[1]
    return "turtle"


def _load_json(text: str, origin: str):
    """The JSON document of a JSON-LD description, at most MAX_JSONLD_DEPTH levels deep."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DescriptionError(f"{origin}: malformed JSON-LD at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise DescriptionError(f"{origin}: JSON-LD nested deeper than {MAX_JSONLD_DEPTH} levels") from None
    except ValueError:  # Python refuses to read integers of more than 4300 digits
        raise DescriptionError(f"{origin}: malformed JSON-LD: a number with more digits than can be read "
                               f"(at most {sys.get_int_max_str_digits() or 4300})") from None
    if not isinstance(doc, (dict, list)):
        raise DescriptionError(f"{origin}: JSON-LD must be an object or an array, not {type(doc).__name__}")
    stack = [(doc, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_JSONLD_DEPTH:
            raise DescriptionError(f"{origin}: JSON-LD nested deeper than {MAX_JSONLD_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return doc


def _jsonld_message(exc: BaseException) -> str:
    """The user-facing words of a pyld error: the messages of its chain of causes."""
    parts = []
    seen = 0
    while exc is not None and seen < 5:
        seen += 1
        msg = exc.args[0] if getattr(exc, "args", None) and isinstance(exc.args[0], str) else type(exc).__name__
        if msg not in parts:
            parts.append(msg)
        details = getattr(exc, "details", None)
        exc = exc.__cause__ or (details.get("cause") if isinstance(details, dict) else None)
    return " ".join(": ".join(parts).split())[:500]


CONTEXT_URL = "https://w3id.org/cloudkader/context.jsonld"
CONTEXT_FILE = Path(__file__).with_name("context.jsonld")
SHAPE_FILE = Path(__file__).with_name("description-shape.ttl")  # the form check() enforces, in SHACL


@lru_cache(maxsize=1)
def _context_text() -> str:
    return CONTEXT_FILE.read_text(encoding="utf-8")


def published_context() -> dict:
    """The JSON-LD context of descriptions (``context.jsonld`` beside this module; served at
    /context.jsonld): a fresh copy, for pyld may change what it is given."""
    return json.loads(_context_text())


def _parse_jsonld(text: str, origin: str) -> Graph:
    """JSON-LD to RDF with pyld, whose document loader is the one door for every context a
    document names — ``@context`` strings at any depth (in lists, nested lists, scoped term
    definitions, nested nodes) and ``@import``. Ours refuses them all but the published context
    (CONTEXT_URL), read from the package: the service fetches no URL for a description. Inline
    contexts work as usual; a document with no ``@context`` is read with the published one."""
    from pyld import jsonld

    doc = _load_json(text, origin)
    refused: list[str] = []

    def refuse_every_context(url, options=None):
        if str(url) == CONTEXT_URL:  # ours, from the package: plain JSON with our context
            return {"contextUrl": None, "documentUrl": CONTEXT_URL, "document": published_context()}
        refused.append(str(url))
        raise jsonld.JsonLdError("remote contexts are not loaded", "jsonld.LoadDocumentError",
                                 code="loading remote context failed")

    options = {"documentLoader": refuse_every_context, "base": INPUT_BASE, "format": "application/n-quads"}
    tops = doc if isinstance(doc, list) else [doc]
    if not any(isinstance(t, dict) and "@context" in t for t in tops):
        options["expandContext"] = published_context()  # plain JSON: read with our context
    try:
        nquads = jsonld.to_rdf(doc, options)
        failure = None
    except RecursionError:
        raise DescriptionError(f"{origin}: JSON-LD nested too deeply") from None
    except Exception as exc:  # pyld raises JsonLdError, and plain exceptions on odd values
        failure = exc
    if refused:  # also when pyld swallowed the loader's refusal
        raise DescriptionError(f"{origin}: remote JSON-LD contexts are not loaded ({refused[0][:200]!r}): neither "
                               "an @context by URL nor @import; put the context inline")
    if failure is not None:
        raise DescriptionError(f"{origin}: malformed JSON-LD: {_jsonld_message(failure)}")
    dataset = Dataset()
    try:
        dataset.parse(data=nquads, format="nquads")
    except Exception as exc:  # a key or value that makes no IRI (plain JSON read with our context)
        msg = " ".join(str(exc).split())[:300]
        raise DescriptionError(f"{origin}: malformed JSON-LD: a key or value is not a valid IRI ({msg})") from None
    graph = Graph()
    for s, p, o, _g in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


_LINE = re.compile(r"line (\d+)", re.IGNORECASE)
_LEXEME = re.compile(r'"""|\'\'\'|["\'<#]')
_PIECES = ("\\", "\r", "\n", '"', "'")


def _string_end(text: str, start: int, delim: str) -> tuple[int, int]:
    """(end of the content, end of the token) of the string literal whose content starts at
    ``start``; a short string also ends at a line break (the parser reports that)."""
    i = start
    nl = -1
    if len(delim) == 1:
        nl = min((k for k in (text.find("\n", start), text.find("\r", start)) if k >= 0), default=-1)
    while True:
        j = text.find(delim, i)
        if nl >= 0 and (j < 0 or nl < j):
            return nl, nl
        if j < 0:
            return len(text), len(text)
        k = j
        while k > start and text[k - 1] == "\\":
            k -= 1
        if (j - k) % 2 == 0:  # not escaped
            end = j + len(delim)
            if len(delim) == 3:  # up to two more quotes belong to the content: \"\"\"\"\"
                while end < len(text) and text[end] == delim[0] and end - j < 5:
                    end += 1
            return j, end
        i = j + 1


def _check_literals(text: str, origin: str) -> None:
    """Refuse Turtle/N-Triples with a string literal of more than MAX_LITERAL_PIECES line
    breaks, escapes or quotes (linear time: comments and IRIs are skipped, literals counted)."""
    pos = 0
    while True:
        m = _LEXEME.search(text, pos)
        if not m:
            return
        token, start = m.group(), m.end()
        if token == "#":
            nl = text.find("\n", start)
            if nl < 0:
                return
            pos = nl + 1
            continue
        if token == "<":
            end = text.find(">", start)
            if end < 0:
                return
            pos = end + 1
            continue
        content_end, pos = _string_end(text, start, token)
        if content_end - start > MAX_LITERAL_PIECES:
            content = text[start:content_end]
            pieces = sum(content.count(c) for c in _PIECES)
            if pieces > MAX_LITERAL_PIECES:
                line = text.count("\n", 0, start) + 1
                raise DescriptionError(f"{origin}: the string literal at line {line} has {pieces} line breaks, "
                                       f"escapes or quotes; at most {MAX_LITERAL_PIECES} are accepted")
        if pos <= start:
            pos = start + 1


def parse(data: bytes | str, fmt: str, origin: str = "<input>", vocab: Vocabulary | None = None) -> Graph:
    """Parse ``data`` as ``fmt`` (turtle, json-ld, nt, or a register: csv, xlsx). Raises
    DescriptionError; a register's values are checked against ``vocab`` cell by cell."""
    if fmt in SPREADSHEETS:
        from . import register_csv

        if not (data.strip() if fmt == "csv" else data):
            raise DescriptionError(f"{origin}: empty description")
        try:
            return _check_unicode(register_csv.to_graph(data, fmt, origin, vocab), origin)
        except register_csv.RegisterError as exc:
            raise DescriptionError(str(exc)) from None
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DescriptionError(f"{origin}: not UTF-8 (byte {exc.start})") from None
    else:
        text = data
    if not text.strip():
        raise DescriptionError(f"{origin}: empty description")
    if fmt == "json-ld":
        return _check_unicode(_parse_jsonld(text, origin), origin)
    if fmt in ("turtle", "nt"):
        _check_prefixes(text, origin)
        _check_literals(text, origin)
    g = Graph()
    syntax = "Turtle" if fmt == "turtle" else fmt.upper()
    try:
        g.parse(data=text, format=fmt, publicID=INPUT_BASE)
    except RecursionError:
        raise DescriptionError(f"{origin}: malformed {syntax}: nested too deeply (blank nodes or lists)") from None
    except Exception as exc:  # rdflib raises many kinds; each must become a message (with line, column)
        from .syntax_errors import syntax_message

        raise DescriptionError(f"{origin}: malformed {syntax}: {syntax_message(exc, text, fmt, INPUT_BASE)}") from None
    return _check_unicode(g, origin)


def _check_prefixes(text: str, origin: str) -> None:
    """Refuse Turtle with more than MAX_PREFIXES prefix declarations: rdflib takes time
    quadratic in their number (10 000 lines: 17 s). Lines that start like a declaration are
    counted — a few inside a long string literal only lower the bound."""
    count = len(_PREFIX_LINE.findall(text))
    if count > MAX_PREFIXES:
        raise DescriptionError(f"{origin}: {count} prefix declarations; at most {MAX_PREFIXES} are accepted")


def _check_unicode(graph: Graph, origin: str) -> Graph:
    """Refuse a graph with a term that is not Unicode text — a lone surrogate, which an escape
    such as ``\\uD800`` (Turtle, N-Triples, JSON) produces and nothing can write as UTF-8."""
    for triple in graph:
        for term in triple:
            try:
                str(term).encode("utf-8")
            except UnicodeEncodeError as exc:
                bad = ord(str(term)[exc.start])
                raise DescriptionError(f"{origin}: the character U+{bad:04X} is not Unicode text (a lone "
                                       "surrogate, written as an escape); use the character itself or its "
                                       "\\U escape") from None
            datatype = getattr(term, "datatype", None)
            if datatype is not None:
                try:
                    str(datatype).encode("utf-8")
                except UnicodeEncodeError:
                    raise DescriptionError(f"{origin}: a datatype IRI that is not Unicode text (a lone surrogate)") from None
    return graph


def check(graph: Graph, vocab: Vocabulary, origin: str = "<input>") -> list[URIRef]:
    """Return the services in ``graph``; raise DescriptionError for what cannot be checked."""
    problems = []
    for term in sorted({str(t) for t in graph.all_nodes() if isinstance(t, URIRef)} | {str(p) for p in graph.predicates()}):
        if term.startswith(str(CKD)) and term not in vocab.terms:
            problems.append(f"unknown term <{term}> (not in the cloudkader vocabulary)")
    if any(not isinstance(s, URIRef) for s in graph.subjects(RDF.type, CKD.CloudService)):
        problems.append("a ckd:CloudService without an IRI (give each service an IRI, or an @id in JSON-LD)")
    if problems:
        raise DescriptionError(f"{origin}: " + "; ".join(problems))
    services = sorted(s for s in graph.subjects(RDF.type, CKD.CloudService) if isinstance(s, URIRef))
    if not services:
        raise DescriptionError(f"{origin}: no ckd:CloudService found (a service needs `a ckd:CloudService`)")
    for s in services:
        orgs = list(graph.objects(s, CKD.usedBy))
        if not orgs:
            problems.append(f"service <{s}> has no ckd:usedBy (the organisation decides which frameworks apply)")
        for o in orgs:
            typed = {str(t) for t in graph.objects(o, RDF.type)} & vocab.organisation_classes
            if str(o) not in vocab.organisations and not typed:
                problems.append(f"service <{s}>: unknown organisation <{o}> (use an org: code from DESIGN.md or type it, e.g. `a ckd:Gemeente`)")
        for c in graph.objects(s, CKD.processes):
            if str(c) not in vocab.data_categories:
                problems.append(f"service <{s}>: unknown data category <{c}>")
    if problems:
        raise DescriptionError(f"{origin}: " + "; ".join(problems))
    return services


def read(data: bytes | str, fmt: str, vocab: Vocabulary, origin: str = "<input>") -> Description:
    g = parse(data, fmt, origin, vocab)
    return Description(g, check(g, vocab, origin), origin)


def merge(descriptions: list[Description]) -> Description:
    """Several descriptions read as one (their graphs united, each service once, in order)."""
    if len(descriptions) == 1:
        return descriptions[0]
    g = Graph()
    services = []
    for d in descriptions:
        g += d.graph
        services += [s for s in d.services if s not in services]
    return Description(g, services, ", ".join(d.origin for d in descriptions))

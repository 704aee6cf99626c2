"""Reading registers fast for batch validation: pyoxigraph parses each file, and per subject
only the triples the shapes can look at are kept (``rdf:type``, the properties the shapes read,
``ckd:usedBy``, ``ckd:processes``, the preferred ``rdfs:label``) as interned N-Triples strings —
no rdflib Graph. Every term is still looked at for the vocabulary check of
``description.check``; when that check or the parser finds a problem (or a literal the
reference reader could refuse), the file is read again by the reference reader, so the error
message is the reference's, word for word. JSON-LD always takes the reference reader."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .validation import label_rank
from ..terms.namespaces import CKD

_TYPE = f"<{RDF.type}>"
_LABEL = f"<{RDFS.label}>"
_SUBCLASS = f"<{RDFS.subClassOf}>"
_USED_BY = f"<{CKD.usedBy}>"
_PART_OF = f"<{CKD.partOf}>"
_PROCESSES = f"<{CKD.processes}>"
_SERVICE = f"<{CKD.CloudService}>"
_CKD = f"<{CKD}"
_LABEL_ONLY = "label"
BASE_IRI = None  # relative IRIs are an error, as for the reference reader


def nt(term) -> str:
    """An rdflib IRI or blank node as the N-Triples string this module uses for it."""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    raise TypeError(term)



def _rdf(n):
    """The rdflib term of a kept term (N-Triples string or pyoxigraph literal)."""
    if type(n) is not str:
        return Literal(n.value)
    return BNode(n[2:]) if n[0] == "_" else URIRef(n[1:-1])


@dataclass
class Register:
    """Every file's triples that a check can see, per subject: N-Triples strings for IRIs and
    blank nodes, pyoxigraph Literals for literals."""

    by: dict[str, list] = field(default_factory=dict)  # subject -> [p, o, p, o, …]
    labels: dict[str, tuple] = field(default_factory=dict)  # subject -> (rank, label) of its best rdfs:label
    services: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    subclass: bool = False  # some description has rdfs:subClassOf triples


class _FileCheck(Exception):
    """The fast reading of one file found something the reference reader must word."""


def read(files: list[tuple], vocab, keep: set[str], progress=None) -> Register:
    """Parse ``files`` ((origin, bytes or Path, format) each) into one Register; raises
    DescriptionError with the reference reader's message for bad input."""
    reg = Register()
    for origin, data, fmt in files:
        try:
            by, labels, services, subclass = _read_fast(data, fmt, vocab, keep)
        except _FileCheck:
            by, labels, services, subclass = _read_reference(data, fmt, vocab, origin, keep)
        reg.subclass |= subclass
        if not reg.by:
            reg.by, reg.labels = by, labels
        else:
            for s, lst in by.items():
                have = reg.by.get(s)
                if have is None:
                    reg.by[s] = lst
                else:
                    have.extend(lst)
            for s, lab in labels.items():
                if s not in reg.labels or lab < reg.labels[s]:
                    reg.labels[s] = lab
        seen = set(reg.services)
        reg.services += [s for s in services if s not in seen]
        reg.origins.append(origin)
        if progress:
            progress.note(f"read {origin}")
    return reg


def _source(data) -> dict:
    """pyoxigraph's input for ``data``: a file is parsed from its path (never held in memory
    whole), bytes as they are. A byte order mark, bytes that are not UTF-8 or an empty file
    make the parser fail or find no service: the reference reader then words the error."""
    from pathlib import Path

    if isinstance(data, Path):
        return {"path": str(data)}
    return {"input": data}


def _read_fast(data, fmt, vocab, keep):
    import pyoxigraph as ox

    if fmt not in ("turtle", "nt"):
        raise _FileCheck()  # JSON-LD: the reference reader (context rules, depth limits)
    rdf_format = ox.RdfFormat.TURTLE if fmt == "turtle" else ox.RdfFormat.N_TRIPLES
    Lit = ox.Literal
    by: dict[str, list] = {}
    labels: dict[str, str] = {}
    preds: dict = {}  # pyoxigraph predicate -> its N-Triples string if kept, _LABEL_ONLY, or ""
    objects: dict = {}  # every IRI and blank node, subject or object, interned
    services: list[str] = []
    subclass = False
    type_pk = _TYPE
    last_s = last = None
    # a literal the reference reader could refuse for its line breaks, escapes and quotes
    # (each of them at most two characters of source per character of value)
    from . import description

    long_literal = getattr(description, "MAX_LITERAL_PIECES", 10**9) // 2
    try:
        for s, p, o, _g in ox.parse(format=rdf_format, base_iri=BASE_IRI, rename_blank_nodes=True, **_source(data)):
            pk = preds.get(p)
            if pk is None:
                ps = str(p)
                pk = preds[p] = sys.intern(ps) if ps in keep else (_LABEL_ONLY if ps == _LABEL else "")
                if ps == _TYPE:
                    type_pk = pk
                if ps == _SUBCLASS:
                    subclass = True
                if ps.startswith(_CKD) and ps[1:-1] not in vocab.terms:
                    raise _FileCheck()
            if s == last_s:  # Turtle gives a subject's triples together: one lookup for them all
                s = last
            else:
                last_s = s
                s = str(s)
                si = objects.get(s)
                if si is None:
                    objects[s] = s
                else:
                    s = si
                last = s
            if type(o) is not Lit:
                os_ = str(o)
                o = objects.get(os_)
                if o is None:
                    o = objects[os_] = os_
            elif len(o.value) > long_literal:
                raise _FileCheck()  # the reference reader may refuse it (description.MAX_LITERAL_PIECES)
            if pk:
                if pk is _LABEL_ONLY:
                    cand = (_rank(o), _value(o))
                    have = labels.get(s)
                    if have is None or cand < have:
                        labels[s] = cand
                    continue
                lst = by.get(s)
                if lst is None:
                    lst = by[s] = []
                lst.append(pk)
                lst.append(o)
                if pk is type_pk and o == _SERVICE:
                    services.append(s)
    except (SyntaxError, ValueError, UnicodeDecodeError):
        raise _FileCheck() from None
    if _LABEL in keep:  # rdfs:label on a path: kept in the lists
        for s, lst in by.items():
            for i in range(0, len(lst), 2):
                if lst[i] == _LABEL:
                    cand = (_rank(lst[i + 1]), _value(lst[i + 1]))
                    if s not in labels or cand < labels[s]:
                        labels[s] = cand
    # description.check: unknown vocabulary terms, then the services
    for term in objects:
        if term.startswith(_CKD) and term[1:-1] not in vocab.terms:
            raise _FileCheck()
    services = list(dict.fromkeys(services))
    if not services or any(s[0] == "_" for s in services):
        raise _FileCheck()
    for s in services:
        if not _service_ok(by, s, vocab):
            raise _FileCheck()
    labels = {s: labels[s] for s in services if s in labels}  # only the services' are shown
    return by, labels, sorted(services, key=lambda x: x[1:-1]), subclass


_RANKS = {"nl": 0, "en": 2}


def _rank(term) -> int:
    """checks.label_rank of the rdflib term the reference would have."""
    if type(term) is str:
        return 4
    lang = term.language
    return _RANKS.get(lang.lower(), 3) if lang else 1


def _value(term) -> str:
    """str() of the rdflib term the reference would have."""
    if type(term) is str:
        return term[2:] if term[0] == "_" else term[1:-1]
    return term.value


def _service_ok(by, s, vocab) -> bool:
    lst = by[s]
    orgs = [lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == _USED_BY]
    if not orgs:
        return False
    for o in orgs:
        if _value(o) in vocab.organisations:
            continue
        types = {_value(x) for x in _objects(by, o, _TYPE)} if type(o) is str else set()
        if not types & vocab.organisation_classes:
            return False
    for c in (lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == _PROCESSES):
        if _value(c) not in vocab.data_categories:
            return False
    return True


def _objects(by, s, p) -> list:
    lst = by.get(s, ())
    return [lst[i + 1] for i in range(0, len(lst), 2) if lst[i] == p]


def _read_reference(data, fmt, vocab, origin, keep):
    """The reference reader: raises its DescriptionError; if it accepts the file after all (a
    syntax pyoxigraph refuses and rdflib takes, or JSON-LD), its graph is converted."""
    from pathlib import Path

    from . import description

    if isinstance(data, Path):
        data = data.read_bytes()
    desc = description.read(data, fmt, vocab, origin)
    return from_graph(desc.graph, desc.services, keep)


def from_graph(graph: Graph, services, keep):
    import pyoxigraph as ox

    def term(t):
        if isinstance(t, Literal):
            if t.language:
                return ox.Literal(str(t), language=t.language)
            if t.datatype is not None:
                return ox.Literal(str(t), datatype=ox.NamedNode(str(t.datatype)))
            return ox.Literal(str(t))
        return nt(t)

    by: dict[str, list] = {}
    labels: dict[str, str] = {}
    for s, p, o in graph:
        ps = nt(p)
        if ps in keep:
            by.setdefault(nt(s), []).extend((ps, term(o)))
    for s, lab in graph.subject_objects(RDFS.label):
        cand = (label_rank(lab), str(lab))
        if nt(s) not in labels or cand < labels[nt(s)]:
            labels[nt(s)] = cand
    subclass = (None, RDFS.subClassOf, None) in graph
    return by, labels, [nt(s) for s in services], subclass

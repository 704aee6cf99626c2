"""The W3C SHACL Core test suite (``../shared/w3c/shacl-core``) as data: its test cases and the
comparison the suite defines. A processor passes a ``sht:Validate`` case when its validation
report is isomorphic to the expected one (the ``mf:result`` node and everything below it),
after the triples with ``sh:resultMessage`` are removed from both; nodes named by
``sh:focusNode``, ``sh:value`` and ``sh:sourceShape`` are compared as terms (their own triples
belong to the data and shapes graphs, not to the report)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, XSD

SH = Namespace("http://www.w3.org/ns/shacl#")
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SHT = Namespace("http://www.w3.org/ns/shacl-test#")

SUITE = Path(os.environ.get("CLOUDKADER_W3C_SHACL",
                            Path(__file__).resolve().parents[1] / ".." / "shared" / "w3c" / "shacl-core")).resolve()
IGNORED = {SH.resultMessage, SH.detail}
LEAVES = {SH.focusNode, SH.value, SH.sourceShape}


@dataclass
class Case:
    name: str  # path of the test file below the suite, e.g. node/class-001.ttl
    data: Path
    shapes: Path
    expected: Graph  # the normalised expected report


def cases(root: Path = SUITE) -> list[Case]:
    """Every sht:Validate case of the manifests reachable from ``root/manifest.ttl``."""
    out: list[Case] = []
    todo, seen = [root / "manifest.ttl"], set()
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        g = Graph().parse(path, format="turtle", publicID=path.as_uri())
        for inc in g.objects(None, MF.include):
            todo.append(Path(str(inc).removeprefix("file://")))
        for entry in g.subjects(RDF.type, SHT.Validate):
            action = g.value(entry, MF.action)
            data = Path(str(g.value(action, SHT.dataGraph)).removeprefix("file://"))
            shapes = Path(str(g.value(action, SHT.shapesGraph)).removeprefix("file://"))
            out.append(Case(str(path.relative_to(root)), data, shapes, normalise(g, g.value(entry, MF.result))))
    return sorted(out, key=lambda c: c.name)


def normalise(g: Graph, report=None) -> Graph:
    """The report rooted at ``report`` (default: the graph's sh:ValidationReport) as the suite
    compares it: written as a tree, so that a path node two results share counts as two copies
    (as the expected reports write it), without ``sh:resultMessage`` and without the optional
    ``sh:detail`` (SHACL 3.6.2.7: a processor may or may not give details)."""
    if report is None:
        report = next(g.subjects(RDF.type, SH.ValidationReport))
    out = Graph()
    _copy(g, report, BNode(), out, 0)
    return out


def _copy(g: Graph, src, dst, out: Graph, depth: int) -> None:
    if depth > 32:
        raise ValueError("a report nested more than 32 levels deep (a cycle?)")
    for p, o in g.predicate_objects(src):
        if p in IGNORED:
            continue
        if p == SH.conforms:
            o = Literal(str(o).lower() == "true", datatype=XSD.boolean)
        elif isinstance(o, BNode) and p not in LEAVES:
            fresh = BNode()
            _copy(g, o, fresh, out, depth + 1)
            o = fresh
        out.add((dst, p, o))


def same_report(actual: Graph, case: Case) -> bool:
    return isomorphic(normalise(actual), case.expected)


def conforms(report: Graph) -> bool:
    return bool(report.value(next(report.subjects(RDF.type, SH.ValidationReport)), SH.conforms).toPython())


__all__ = ["Case", "cases", "normalise", "same_report", "SUITE", "URIRef"]

"""The W3C validation report cloudkader writes: one ``sh:ValidationResult`` per result, with
cloudkader's reading of it beside what SHACL says (``ckd:provision``, ``ckd:framework``,
``ckd:scope``, ``ckd:effectiveSeverity``, ``ckd:blocking``), and the report node."""

from __future__ import annotations

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

from ..terms.namespaces import CKD, SH


def add_result(out: Graph, raw, result, shapes: Graph) -> None:
    """One sh:ValidationResult of the W3C report: ``sh:resultSeverity`` is the shape's
    ``sh:severity`` (SHACL 3.6.2.4); cloudkader's reading is added beside it — the provision and
    framework, the framework's scope for the service (``ckd:scope``) and the severity that scope
    gives the result (``ckd:effectiveSeverity``: a violation under an advisory framework is a
    warning)."""
    r = BNode()
    out.add((r, RDF.type, SH.ValidationResult))
    out.add((r, SH.focusNode, URIRef(raw.focus) if not raw.focus.startswith("_:") else BNode(raw.focus[2:])))
    out.add((r, SH.resultSeverity, SH[raw.severity]))
    out.add((r, SH.sourceShape, raw.shape))
    if raw.component is not None:
        out.add((r, SH.sourceConstraintComponent, raw.component))
    if raw.path is not None:
        out.add((r, SH.resultPath, raw.path))
        if isinstance(raw.path, BNode):  # a complex path: its structure, from the shapes graph
            copy_tree(shapes, raw.path, out)
    if raw.value is not None:
        out.add((r, SH.value, raw.value))
    if result.message:
        out.add((r, SH.resultMessage, Literal(result.message, lang="nl")))
    if result.message_en:
        out.add((r, SH.resultMessage, Literal(result.message_en, lang="en")))
    if result.provision:
        out.add((r, CKD.provision, URIRef(result.provision)))
    if result.framework:
        out.add((r, CKD.framework, URIRef(result.framework)))
    if result.scope:
        out.add((r, CKD.scope, CKD.Advisory if result.scope == "advisory" else CKD.Binding))
    out.add((r, CKD.effectiveSeverity, SH[result.effective_severity]))
    out.add((r, CKD.blocking, Literal(result.blocking)))


def copy_tree(src: Graph, node, out: Graph) -> None:
    todo, seen = [node], set()
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        for p, o in src.predicate_objects(n):
            out.add((n, p, o))
            if isinstance(o, BNode):
                todo.append(o)


def finish_report(graph: Graph) -> None:
    """Add the ``sh:ValidationReport`` node over every result in ``graph``: ``sh:conforms`` is
    false as soon as there is a result (SHACL 3.6.1.1), whatever its severity, or an undecided
    provision (``ckd:UndeterminedResult``)."""
    root = BNode()
    graph.add((root, RDF.type, SH.ValidationReport))
    results = list(graph.subjects(RDF.type, SH.ValidationResult))
    # an undecided provision (cloudkader.checks.completeness) is no conformance either
    undecided = (None, RDF.type, CKD.UndeterminedResult) in graph
    graph.add((root, SH.conforms, Literal(not results and not undecided)))
    for r in results:
        graph.add((root, SH.result, r))
    graph.bind("sh", SH)
    graph.bind("ckd", CKD)

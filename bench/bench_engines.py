"""SHACL engines on cloudkader's shapes: the Rust ``shacl`` package (the default engine, through
cloudkader's Checker and called directly) and ``pyrudof`` (the ``bench`` extra), against
pySHACL (the reference). The W3C SHACL Core suite is ``bench/bench_w3c.py``.

    .venv/bin/pip install -e '.[bench]'        # once: pyrudof
    .venv/bin/python bench/bench_engines.py [--sizes 1000 10000]

1. Agreement, on the test set of ``tests/test_engines_agree.py`` (every example, the register,
   a generated set of 40): each engine validates the same enriched data graph with the same
   shapes graph; results are compared with pySHACL's as (focus node, source shape, severity),
   the source shape taken as the nearest shape with an IRI (property shapes are blank nodes,
   whose labels differ between engines).
2. Speed: the same engines on generated registers (enriched once, as one data graph); pySHACL
   only on the test set (it needs minutes per thousand services).
"""

from __future__ import annotations

import argparse
import collections
import sys
import time

from rdflib import BNode, Graph, URIRef

from _common import machine, register

SEV = {"http://www.w3.org/ns/shacl#Violation": "Violation", "http://www.w3.org/ns/shacl#Warning": "Warning",
       "http://www.w3.org/ns/shacl#Info": "Info"}


def engines_available():
    out = {}
    try:
        import shacl  # noqa: F401

        out["shacl (Rust)"] = run_shacl
    except ImportError:
        print("  (the shacl package is not installed: pip install shacl)")
    try:
        import pyrudof  # noqa: F401

        out["pyrudof"] = run_pyrudof
    except ImportError:
        print("  (pyrudof is not installed: pip install pyrudof)")
    return out


def _nt(term: str) -> str:
    """An N-Triples term as the plain IRI (or _:label)."""
    if term.startswith("<") and term.endswith(">"):
        return term[1:-1]
    return term


def run_shacl(data_nt: str, shapes_ttl: str, ctx) -> list:
    import shacl

    shapes = ctx.setdefault("shacl", shacl.Shapes.from_turtle(shapes_ttl))
    report = shapes.validate_text(data_nt, format="ntriples", allow_warnings=True)
    return [(_nt(r.focus_node), _nt(r.root_shape or r.source_shape or ""), r.severity) for r in report.results]


def run_pyrudof(data_nt: str, shapes_ttl: str, ctx) -> list:
    import pyrudof

    r = pyrudof.Rudof(pyrudof.RudofConfig())
    r.read_data(data_nt, format=pyrudof.RDFFormat.NTriples)
    r.read_shacl(shapes_ttl, format=pyrudof.ShaclFormat.Turtle)
    report = r.validate_shacl()
    out = []
    for e in report:
        sev = str(e.severity).rsplit("#", 1)[-1].rsplit(":", 1)[-1].strip(">")
        out.append((_nt(str(e.focus_node)), _nt(str(e.source_shape)), sev))
    return out


def root_shape(shapes: Graph, shape) -> str:
    from cloudkader.terms.namespaces import SH

    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parents = list(shapes.subjects(SH.property, shape))
        if not parents:
            break
        shape = parents[0]
    return str(shape)


def reference(checker, graph) -> list:
    return [(r.focus, root_shape(checker.k.shapes, r.shape), r.severity) for r in checker.raw_results(graph)]


def bnode_free(results, shapes_named: set) -> list:
    """Results whose source shape is a named shape (blank-node roots cannot be matched)."""
    return sorted(r for r in results if r[1] in shapes_named)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="*", type=int, default=[1000, 10000])
    args = ap.parse_args(argv)
    from cloudkader import core
    from cloudkader.checks.validation import Checker
    from cloudkader.checks.enrichment import enrich
    from tests.test_engines_agree import descriptions

    print(machine())
    k = core.get_knowledge()
    ref, fast = Checker(k, "pyshacl"), Checker(k, "shacl")
    shapes_ttl = k.shapes.serialize(format="turtle")
    named = {str(s) for s in k.shapes.subjects() if isinstance(s, URIRef)}
    others = engines_available()
    print("\n1. agreement with pySHACL on the test set (focus node, source shape, severity)")
    totals = collections.defaultdict(float)
    agree = collections.defaultdict(int)
    diffs = collections.defaultdict(list)
    cases = list(descriptions())
    ctx: dict = {}
    for name, data in cases:
        desc = core.read_description(data, "turtle", name)
        graph, _ = enrich(k, desc.graph, desc.services)
        data_nt = graph.serialize(format="nt")
        t = time.perf_counter()
        expected = sorted(reference(ref, graph))
        totals["pySHACL"] += time.perf_counter() - t
        t = time.perf_counter()
        got = sorted((r.focus, root_shape(k.shapes, r.shape), r.severity) for r in fast.raw_results(graph))
        totals["cloudkader default (shacl)"] += time.perf_counter() - t
        agree["cloudkader default (shacl)"] += got == expected
        if got != expected:
            diffs["cloudkader default (shacl)"].append(name)
        for engine, fn in others.items():
            t = time.perf_counter()
            try:
                got = fn(data_nt, shapes_ttl, ctx)
            except Exception as exc:  # an engine that fails is reported, not fatal
                diffs[engine].append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
                continue
            totals[engine] += time.perf_counter() - t
            e_set, g_set = collections.Counter(expected), collections.Counter(got)
            if e_set == g_set:
                agree[engine] += 1
            else:
                missing, extra = e_set - g_set, g_set - e_set
                diffs[engine].append(f"{name}: {sum(missing.values())} missing, {sum(extra.values())} extra; e.g. "
                                     f"missing {list(missing)[:2]} extra {list(extra)[:2]}")
    print(f"  {len(cases)} cases")
    for engine in ["cloudkader default (shacl)", *others]:
        print(f"  {engine:22s} agrees on {agree[engine]:2d}/{len(cases)}   total {totals[engine]:7.2f} s "
              f"(pySHACL {totals['pySHACL']:.2f} s)")
        for d in diffs[engine][:6]:
            print(f"      {d}")
    print("\n2. speed on generated registers (one enriched data graph; seconds)")
    for n in args.sizes:
        path = register(n)
        desc = core.read_description(path.read_bytes(), "turtle", str(path))
        t = time.perf_counter()
        graph, _ = enrich(k, desc.graph, desc.services)
        t_enrich = time.perf_counter() - t
        data_nt = graph.serialize(format="nt")
        line = f"  {n:>7,} services ({len(graph):,} triples; rdflib enrichment {t_enrich:.1f} s):"
        t = time.perf_counter()
        fast_results = fast.raw_results(graph)
        line += f"  cloudkader default (shacl, rdflib graph in) {time.perf_counter() - t:.2f}"
        counts = {"cloudkader default": len(fast_results)}
        for engine, fn in others.items():
            t = time.perf_counter()
            try:
                res = fn(data_nt, shapes_ttl, ctx)
                line += f"  {engine} {time.perf_counter() - t:.2f}"
                counts[engine] = len(res)
            except Exception as exc:
                line += f"  {engine} failed ({type(exc).__name__})"
        print(line + f"   results {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

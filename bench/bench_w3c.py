"""The W3C SHACL Core test suite (98 tests, ``../shared/w3c/shacl-core``) through each SHACL
engine on offer: pySHACL (the reference), the Rust ``shacl`` package (cloudkader's default) and
``pyrudof`` (the ``bench`` extra). Each engine reads the test files itself; a test is right when
its report is isomorphic to the expected one after the suite's normalisation
(``tests/w3c_shacl.py``) — the same comparison ``tests/test_w3c_shacl.py`` applies to
``cloudkader shacl``.

    .venv/bin/python bench/bench_w3c.py
"""

from __future__ import annotations

import logging
import sys
import time
import warnings

from rdflib import Graph, Literal
from rdflib.namespace import RDF

from _common import ROOT, machine

sys.path.insert(0, str(ROOT / "tests"))
import w3c_shacl  # noqa: E402

SH = w3c_shacl.SH


def _conforms_per_spec(g: Graph) -> Graph:
    """SHACL 3.6.1.1: sh:conforms false when there is any result (pySHACL with allow_warnings
    and pyrudof count only violations)."""
    root = next(g.subjects(RDF.type, SH.ValidationReport))
    g.set((root, SH.conforms, Literal((root, SH.result, None) not in g)))
    return g


def run_pyshacl(c):
    import pyshacl

    d = Graph().parse(c.data, format="turtle", publicID=c.data.as_uri())
    s = d if c.shapes == c.data else Graph().parse(c.shapes, format="turtle", publicID=c.shapes.as_uri())
    _, rep, _ = pyshacl.validate(d, shacl_graph=s, inference="none")
    return rep


def run_shacl(c):
    import shacl

    rep = shacl.Shapes.from_file(str(c.shapes)).validate_file(str(c.data))
    return _conforms_per_spec(Graph().parse(data=rep.serialize("turtle"), format="turtle"))


def run_pyrudof(c):
    import pyrudof

    r = pyrudof.Rudof(pyrudof.RudofConfig())
    r.read_data(str(c.data), base=c.data.as_uri())
    r.read_shacl(str(c.shapes), base=c.shapes.as_uri())
    r.validate_shacl()
    text = r.serialize_shacl_validation_results(format=pyrudof.ResultShaclValidationFormat.Turtle)
    return _conforms_per_spec(Graph().parse(data=text, format="turtle"))


def main() -> int:
    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)
    print(machine())
    cases = w3c_shacl.cases()
    print(f"{len(cases)} tests from {w3c_shacl.SUITE}")
    for name, fn in (("pySHACL", run_pyshacl), ("shacl (Rust)", run_shacl), ("pyrudof", run_pyrudof)):
        right, wrong, errors = 0, [], []
        t = time.perf_counter()
        for c in cases:
            try:
                rep = fn(c)
            except ImportError:
                print(f"  {name}: not installed")
                break
            except Exception as exc:  # an engine that fails on a test is counted, not fatal
                errors.append(f"{c.name}: {type(exc).__name__}")
                continue
            if w3c_shacl.same_report(rep, c):
                right += 1
            else:
                wrong.append(c.name)
        else:
            print(f"  {name:14s} right {right:3d}  wrong {len(wrong):2d}  errors {len(errors):2d}  "
                  f"({time.perf_counter() - t:.1f} s)  {' '.join(wrong + errors)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

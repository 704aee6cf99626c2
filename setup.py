"""The wheel carries the knowledge: after the code is copied, ``build_py`` copies the ontology,
data, shapes and named queries into ``cloudkader/_data/`` and compiles the corpus there
(``cloudkader/_data/compiled/``: the N-Quads with what HermiT infers, the framework catalogue and
the stamp), running the package's own ``corpus.build`` on the copied files. Reasoning happens once,
here, where Java is needed; an installed wheel reads the result and needs neither Java nor a
network. An editable install (``pip install -e .``, ``make setup``) skips this: a checkout compiles
into its cache folder at first use. Every other setting lives in ``pyproject.toml``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

KNOWLEDGE = ("ontology", "data", "shapes", "queries")


class BuildPyWithCorpus(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "cloudkader" / "_data"
        if target.exists():
            shutil.rmtree(target)
        for name in KNOWLEDGE:
            shutil.copytree(root / name, target / name, ignore=shutil.ignore_patterns("*.tmp", ".*"))
        if shutil.which("java") is None:
            raise SystemExit("building the cloudkader wheel compiles the corpus with the HermiT reasoner, "
                             "which needs Java (a JRE) on PATH")
        # the copied package, in its installed layout (cloudkader.terms.paths sees _data)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(self.build_lib).resolve()),
                                                                           os.environ.get("PYTHONPATH")]))}
        env["CLOUDKADER_BUILD_DIR"] = str((target / "compiled").resolve())  # nothing is written elsewhere
        code = ("import sys; from pathlib import Path; from cloudkader.knowledge import corpus; "
                "corpus.build(Path(sys.argv[1]))")
        subprocess.run([sys.executable, "-c", code, str((target / "compiled").resolve())], check=True, env=env)


setup(cmdclass={"build_py": BuildPyWithCorpus})

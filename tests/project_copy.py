"""A copy of the project in a temporary folder, with files added, whose own code runs: its
package is put on ``PYTHONPATH`` as ``cloudkader`` through a symlink to the copy's ``server/``
(``paths.ROOT`` follows the symlink to the copy) and its build goes to a temporary
``CLOUDKADER_BUILD_DIR``. For the tests that show a change is Turtle only
(tests/test_sixth_framework.py, tests/test_time_version.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from cloudkader.terms import paths

try:
    from .server_process import LAUNCH
except ImportError:  # run as a top-level test module
    from server_process import LAUNCH

COPIED = ("ontology", "data", "shapes", "queries", "examples", "server")


def built_copy(tmp: Path, files: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """The copy under ``tmp`` with ``files`` (path in the project -> text) written into it,
    built once: (its root, the environment that runs it)."""
    root = tmp / "project"
    for name in COPIED:
        shutil.copytree(paths.ROOT / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    shutil.copy2(paths.ROOT / "pyproject.toml", root / "pyproject.toml")
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    (tmp / "pkg").mkdir()
    (tmp / "pkg" / "cloudkader").symlink_to(root / "server", target_is_directory=True)
    env = {"PYTHONPATH": str(tmp / "pkg"), "CLOUDKADER_BUILD_DIR": str(tmp / "build"),
           "CLOUDKADER_SEEDS": str(paths.seeds_dir())}
    run = cli(env, root, "build")
    assert run.returncode == 0, run.stderr
    return root, env


def cli(env: dict, cwd: Path, *args) -> subprocess.CompletedProcess:
    """``cloudkader ARGS`` of the copy, as a process."""
    return subprocess.run([sys.executable, "-c", LAUNCH, *map(str, args)], cwd=cwd, env=dict(os.environ, **env),
                          capture_output=True, text=True, timeout=300)

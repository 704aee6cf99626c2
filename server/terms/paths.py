"""Where the knowledge lives: the project's folders and the shared seed texts.

Two layouts, one set of names:

- a checkout: ``ontology/``, ``data/``, ``shapes/``, ``queries/`` beside ``server/`` (the
  package's source); the compiled corpus is a cache, rebuilt when a source changes;
- an installed wheel: the same folders as package data in ``cloudkader/_data/``, with the corpus
  compiled (reasoning included) when the wheel was built, in ``cloudkader/_data/compiled/`` —
  read only, so an installed wheel needs neither Java nor a network.

What is written at run time (the compiled corpus of a checkout, the checks' ``knowledge.pickle``)
goes to ``CLOUDKADER_BUILD_DIR`` or else a per-checkout (per-installation) folder in the user's
cache folder — never into ``site-packages`` and never into a ``build/`` that setuptools writes.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
SHIPPED = PACKAGE / "_data"
# the wheel's package data (setup.py copies the folders and compiles the corpus into it)
INSTALLED = (SHIPPED / "ontology" / "cloudkader.ttl").is_file()
ROOT = SHIPPED if INSTALLED else PACKAGE.parent
ONTOLOGY_DIR = ROOT / "ontology"
DATA_DIR = ROOT / "data"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
EXAMPLES_DIR = ROOT / "examples"
ONTOLOGY_FILE = ONTOLOGY_DIR / "cloudkader.ttl"
# the corpus compiled into the wheel (absent in a checkout)
SHIPPED_COMPILED_DIR = SHIPPED / "compiled"


def user_cache_dir() -> Path:
    """The cache folder of this checkout or installation: one per ROOT, so that several checkouts
    (or virtual environments) on one machine never rebuild each other's corpus."""
    import platformdirs

    key = hashlib.sha256(str(ROOT).encode("utf-8")).hexdigest()[:12]
    return Path(platformdirs.user_cache_dir("cloudkader")) / f"{'site' if INSTALLED else 'checkout'}-{key}"


# an empty CLOUDKADER_BUILD_DIR means the default, not the current directory
BUILD_DIR = Path(os.environ.get("CLOUDKADER_BUILD_DIR") or user_cache_dir())


def seeds_dir() -> Path:
    """The folder with the source texts (``../shared/seeds`` beside the checkout)."""
    override = os.environ.get("CLOUDKADER_SEEDS")
    if override:
        return Path(override)
    return ROOT.parent / "shared" / "seeds"

"""Where the knowledge lives: the project's folders and the shared seed texts."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ONTOLOGY_DIR = ROOT / "ontology"
DATA_DIR = ROOT / "data"
SHAPES_DIR = ROOT / "shapes"
QUERIES_DIR = ROOT / "queries"
EXAMPLES_DIR = ROOT / "examples"
# an empty CLOUDKADER_BUILD_DIR means the default, not the current directory
BUILD_DIR = Path(os.environ.get("CLOUDKADER_BUILD_DIR") or ROOT / "build")
ONTOLOGY_FILE = ONTOLOGY_DIR / "cloudkader.ttl"


def seeds_dir() -> Path:
    """The folder with the source texts (``../shared/seeds`` beside the checkout)."""
    override = os.environ.get("CLOUDKADER_SEEDS")
    if override:
        return Path(override)
    return ROOT.parent / "shared" / "seeds"

"""The named SPARQL queries in ``queries/``: competency questions that users ask. Each file
starts with comment lines stating the question in Dutch and English:

    # nl: Welke bepalingen gaan over de exit-strategie, per kader?
    # en: Which provisions concern the exit strategy, per framework?
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..terms import paths

_HEADER = re.compile(r"^#\s*(nl|en)\s*:\s*(.+)$")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    question_nl: str
    question_en: str
    text: str
    path: Path


def _parse(path: Path) -> NamedQuery:
    text = path.read_text(encoding="utf-8")
    q = {"nl": "", "en": ""}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            q[m.group(1)] = (q[m.group(1)] + " " + m.group(2).strip()).strip()
    return NamedQuery(path.stem, q["nl"], q["en"], text, path)


def all_queries(folder: Path | None = None) -> list[NamedQuery]:
    folder = folder or paths.QUERIES_DIR
    return [_parse(p) for p in sorted(folder.glob("*.rq"))]


def get(name: str, folder: Path | None = None) -> NamedQuery:
    folder = folder or paths.QUERIES_DIR
    if not _NAME.match(name) or not (folder / f"{name}.rq").is_file():
        known = ", ".join(q.name for q in all_queries(folder))
        raise KeyError(f"no named query {name!r}; known: {known}")
    return _parse(folder / f"{name}.rq")

"""The seed texts and the rule that a provision's text is verbatim: an exact substring of its
source after white space is normalised — or, where the provision declares a page artefact the
conversion of the source put inside a sentence (``ckd:omittedFromSource``: footnote URLs of a page
footer, nothing else), an exact substring of the source with that artefact taken out once. The
artefact must itself stand in the source and consist of URLs only, so no words can be dropped."""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path

from ..terms.paths import seeds_dir

_WS = re.compile(r"\s+")
_URLS_ONLY = re.compile(r"(https?://\S+)( https?://\S+)*")


def normalise(text: str) -> str:
    """Collapse every run of white space (line breaks included) to one space and strip."""
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=None)
def normalised_source(filename: str) -> str:
    path = seeds_dir() / filename
    return normalise(path.read_text(encoding="utf-8"))


def omission_problem(omitted: str, filename: str) -> str | None:
    """Why ``omitted`` may not be taken out of the source (None: it may)."""
    o = normalise(omitted)
    if not _URLS_ONLY.fullmatch(o):
        return f"omitted text is not URLs only: {o[:80]}"
    if o not in normalised_source(filename):
        return f"omitted text not in {filename}: {o[:80]}"
    return None


def is_verbatim(text: str, filename: str, omitted: tuple[str, ...] | list[str] = ()) -> bool:
    """``text`` stands in the source, after the declared page artefacts ``omitted`` (each checked
    by ``omission_problem``) are taken out of the source once each."""
    src = normalised_source(filename)
    for o in omitted:
        if omission_problem(o, filename):
            return False
        src = normalise(src.replace(normalise(o), "", 1))
    return normalise(text) in src


def check_file(ttl: Path) -> list[str]:
    """Return one problem line per ``ckd:text`` in ``ttl`` that is not verbatim in its source."""
    from rdflib import Graph, Namespace, URIRef

    ckd = Namespace("https://w3id.org/cloudkader/def#")
    g = Graph()
    g.parse(ttl)
    for extra in sorted((ttl.parent.parent).glob("sources.ttl")):
        g.parse(extra)
    problems = []
    for subject, text in g.subject_objects(ckd.text):
        source = g.value(subject, ckd.textFrom) or g.value(subject, URIRef("http://purl.org/dc/terms/source"))
        filename = g.value(source, ckd.sourceFile) if source is not None else None
        if filename is None:
            problems.append(f"{subject}: no source file (dcterms:source → ckd:sourceFile)")
        elif not is_verbatim(str(text), str(filename), [str(o) for o in g.objects(subject, ckd.omittedFromSource)]):
            problems.append(f"{subject}: text not found verbatim in {filename}: {normalise(str(text))[:80]}…")
    return problems


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    problems = [p for f in argv for p in check_file(Path(f))]
    for p in problems:
        print(p)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

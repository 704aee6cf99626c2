"""The inputs of ``validate`` and ``applicable``: files named on the command line and ``-`` for
standard input. A file that cannot be read or used is an :class:`InputError` naming it; the other
files are still checked. Which file declares which service is kept, so that every result names
its source file."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

STDIN = "-"
STDIN_ORIGIN = "<stdin>"
FORMATS = ("turtle", "json-ld", "nt")


@dataclass
class Input:
    origin: str  # the name the user gave (``<stdin>`` for ``-``)
    data: object  # bytes, or a Path for a large file the batch parses from disk
    fmt: str

    def as_tuple(self) -> tuple[str, object, str]:
        return (self.origin, self.data, self.fmt)

    def read_bytes(self) -> bytes:
        return self.data.read_bytes() if isinstance(self.data, Path) else self.data


@dataclass
class InputError:
    origin: str
    message: str  # starts with the origin, as DescriptionError messages do


def gather(names: list[str], input_format: str | None, stream_above: int, stdin=None) -> tuple[list[Input], list[InputError]]:
    """(the inputs that could be read, the errors of those that could not), in the order given."""
    from ..checks.description import format_for_filename

    inputs, errors = [], []
    seen_stdin = False
    for name in names:
        if name == STDIN:
            if seen_stdin:
                errors.append(InputError(STDIN_ORIGIN, f"{STDIN_ORIGIN}: standard input (-) can be read only once"))
                continue
            seen_stdin = True
            stream = stdin if stdin is not None else sys.stdin.buffer
            inputs.append(Input(STDIN_ORIGIN, stream.read(), input_format or "turtle"))
            continue
        path = Path(name)
        fmt = input_format or format_for_filename(path.name)
        if path.is_dir():
            errors.append(InputError(name, f"{name}: is a directory, not a file"))
        elif not path.is_file():
            errors.append(InputError(name, f"{name}: no such file"))
        else:
            try:
                if path.stat().st_size > stream_above:
                    with open(path, "rb"):  # readable: the batch parses it from disk
                        pass
                    data = path
                else:
                    data = path.read_bytes()
            except OSError as exc:
                errors.append(InputError(name, f"{name}: cannot read: {exc.strerror}"))
                continue
            inputs.append(Input(name, data, fmt))
    return inputs, errors


def read_each(inputs: list[Input], read) -> tuple[list, list[InputError]]:
    """Each input read on its own with ``read(data, fmt, origin)`` (the reference reader): the
    descriptions of the good ones and the errors of the bad ones."""
    from ..checks.description import DescriptionError

    good, errors = [], []
    for i in inputs:
        try:
            good.append((i, read(i.read_bytes(), i.fmt, i.origin)))
        except DescriptionError as exc:
            errors.append(InputError(i.origin, str(exc)))
    return good, errors


def services_by_origin(inputs: list[Input]) -> dict[str, list[str]]:
    """Per service IRI, the inputs that declare it (``a ckd:CloudService``). With one input that
    is every service; with several each input is parsed again (pyoxigraph for Turtle and
    N-Triples: fast) — only the type statements are looked at."""
    if len(inputs) <= 1:
        return {}
    out: dict[str, list[str]] = {}
    for i in inputs:
        for s in _declared_services(i):
            out.setdefault(s, []).append(i.origin)
    return out


def _declared_services(i: Input) -> set[str]:
    from ..checks.description import INPUT_BASE, DescriptionError, parse
    from ..terms.namespaces import CKD

    service_type = str(CKD.CloudService)
    if i.fmt == "json-ld":
        from rdflib import URIRef
        from rdflib.namespace import RDF

        try:
            g = parse(i.read_bytes(), i.fmt, i.origin)
        except DescriptionError:
            return set()
        return {str(s) for s in g.subjects(RDF.type, URIRef(service_type)) if isinstance(s, URIRef)}
    import pyoxigraph

    rdf_format = pyoxigraph.RdfFormat.TURTLE if i.fmt == "turtle" else pyoxigraph.RdfFormat.N_TRIPLES
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    source = i.data if isinstance(i.data, Path) else i.data
    kwargs = {"path": str(source)} if isinstance(source, Path) else {"input": source}
    try:
        return {t.subject.value for t in pyoxigraph.parse(format=rdf_format, base_iri=INPUT_BASE, **kwargs)
                if isinstance(t.subject, pyoxigraph.NamedNode) and t.predicate.value == rdf_type
                and t.object.value == service_type}
    except (SyntaxError, ValueError, OSError):
        return set()


def sources_of(service: str, by_origin: dict[str, list[str]], inputs: list[Input]) -> list[str]:
    if len(inputs) == 1:
        return [inputs[0].origin]
    return by_origin.get(service, [])

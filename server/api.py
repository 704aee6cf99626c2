"""The Python API, for pipelines written in Python: the same checks as ``cloudkader validate`` and
``cloudkader applicable`` (and the HTTP service), with typed results::

    import cloudkader

    result = cloudkader.validate("services/zaaksysteem.ttl")
    for service in result.services:
        print(service.service, service.outcome)
        for finding in service.findings:
            print(" ", finding.severity, finding.provision, finding.message_en)
    raise SystemExit(result.exit_status())          # 0, 1 or 3, as the command line

Inputs are file paths (``str`` or ``os.PathLike``; the syntax follows the extension, or
``format=``) or, with ``data=``, the description itself (``bytes`` or ``str``; Turtle unless
``format=`` says ``json-ld`` or ``nt``). Several inputs are read as one description, as on the
command line. A description that cannot be used raises :class:`InputError` naming its file (and
line and column for a syntax error)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .checks.description import DescriptionError

FORMATS = ("turtle", "json-ld", "nt")


class InputError(ValueError):
    """A description that cannot be read or used (the message names the file)."""


@dataclass(frozen=True)
class Finding:
    """One SHACL result: what a provision (or an organisation's own shape) finds wrong."""

    provision: str | None
    framework: str | None
    severity: str  # Violation, Warning or Info, as the shape says
    scope: str | None  # binding or advisory: how the framework reaches the service
    blocking: bool  # a violation of a binding framework (or of own shapes): breaks conformance
    message: str  # Dutch
    message_en: str
    path: str | None
    shape: str


@dataclass(frozen=True)
class Undetermined:
    """A provision that could not be decided because the description leaves facts out."""

    provision: str
    framework: str | None
    missing: tuple[str, ...]  # the ckd:Fact IRIs
    missing_labels: tuple[str, ...]
    missing_labels_en: tuple[str, ...]


@dataclass(frozen=True)
class FrameworkScope:
    framework: str
    scope: str  # binding or advisory
    reason: str = ""
    reason_en: str = ""


@dataclass(frozen=True)
class ApplicableProvision:
    provision: str
    framework: str | None
    reason: str
    reason_en: str


@dataclass(frozen=True)
class ServiceValidation:
    service: str
    label: str | None
    outcome: str  # conforms, violates or undetermined
    frameworks: tuple[FrameworkScope, ...]
    findings: tuple[Finding, ...]
    undetermined: tuple[Undetermined, ...]
    sources: tuple[str, ...]  # the inputs that declare the service

    @property
    def conforms(self) -> bool:
        return self.outcome == "conforms"


@dataclass(frozen=True)
class Validation:
    services: tuple[ServiceValidation, ...]
    outcome: str  # violates if any service does, else undetermined if any is, else conforms
    _json: dict

    @property
    def conforms(self) -> bool:
        return self.outcome == "conforms"

    def exit_status(self, fail_on: str = "undetermined") -> int:
        """The command line's exit status for this result (0, 1 or 3; see ``cloudkader --help``)."""
        from .cli.checks import FAIL_ON, exit_status

        if fail_on not in FAIL_ON:
            raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}")
        return exit_status(self._json, fail_on)

    def as_json(self) -> dict:
        """The result as ``cloudkader validate --format json`` prints it."""
        import copy

        return copy.deepcopy(self._json)

    def sarif(self) -> str:
        """SARIF 2.1.0, as ``--format sarif``."""
        from .cli.checks import provision_labels
        from .cli.ci_formats import sarif

        return sarif(self._json, [], provision_labels())

    def junit(self) -> str:
        """JUnit XML, as ``--format junit``."""
        from .cli.ci_formats import junit

        return junit(self._json, [])


@dataclass(frozen=True)
class ServiceApplicability:
    service: str
    label: str | None
    frameworks: tuple[FrameworkScope, ...]
    provisions: tuple[ApplicableProvision, ...]
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Applicability:
    services: tuple[ServiceApplicability, ...]


def _inputs(files, data, format):
    from .cli.inputs import Input
    from .checks.description import format_for_filename

    if format is not None and format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}")
    out = []
    for f in files:
        path = Path(os.fspath(f))
        try:
            out.append(Input(str(f), path.read_bytes(), format or format_for_filename(path.name)))
        except IsADirectoryError:
            raise InputError(f"{f}: is a directory, not a file") from None
        except FileNotFoundError:
            raise InputError(f"{f}: no such file") from None
        except OSError as exc:
            raise InputError(f"{f}: cannot read: {exc.strerror}") from None
    if data is not None:
        out.append(Input("<data>", data.encode("utf-8") if isinstance(data, str) else bytes(data), format or "turtle"))
    if not out:
        raise ValueError("give at least one file, or data=")
    return out


def _read(ins):
    from . import core

    descs = []
    for i in ins:
        try:
            descs.append(core.read_description(i.data, i.fmt, i.origin))
        except DescriptionError as exc:
            raise InputError(str(exc)) from None
    return core.merge(descs)


def _checker(engine: str, shapes):
    from . import core

    if not shapes:
        return core.get_checker(engine)
    from rdflib import Graph

    from .checks.validation import Checker

    extra = Graph()
    for s in shapes:
        extra.parse(os.fspath(s))
    return Checker(core.get_knowledge(), engine, extra)


def validate(*files, data: bytes | str | None = None, format: str | None = None, frameworks=None,
             engine: str = "shacl", shapes=()) -> Validation:
    """Validate the services described in ``files`` (and/or ``data``) against every framework in
    scope (or only ``frameworks``: keys such as ``"rijk"``); ``shapes``: files with an
    organisation's own SHACL shapes."""
    from . import core
    from .checks import batch
    from .checks.validation import validation_json
    from .cli.checks import add_sources

    ins = _inputs(files, data, format)
    try:
        wanted = core.framework_iris(list(frameworks)) if frameworks else None
    except KeyError as exc:
        raise ValueError(exc.args[0]) from None
    reports, _graph = batch.reference_reports(_read(ins), _checker(engine, shapes), wanted, False)
    doc = validation_json(reports)
    add_sources(doc, ins)
    return Validation(tuple(_service_validation(s) for s in doc["services"]), doc["outcome"], doc)


def applicable(*files, data: bytes | str | None = None, format: str | None = None,
               engine: str = "shacl") -> Applicability:
    """Which frameworks reach each service described in ``files`` (and/or ``data``), and which
    of their provisions apply."""
    from .checks.validation import applicable_json
    from .cli.checks import add_sources

    ins = _inputs(files, data, format)
    reports, _ = _checker(engine, ()).check(_read(ins), want_validation=False)
    doc = applicable_json(reports)
    add_sources(doc, ins)
    return Applicability(tuple(ServiceApplicability(
        s["service"], s.get("label"), tuple(_scope(f) for f in s["frameworks"]),
        tuple(ApplicableProvision(p["provision"], p.get("framework"), p.get("reason", ""), p.get("reason_en", ""))
              for p in s["provisions"]), tuple(s["sources"])) for s in doc["services"]))


def _scope(f: dict) -> FrameworkScope:
    return FrameworkScope(f["framework"], f["scope"], f.get("reason", ""), f.get("reason_en", ""))


def _service_validation(s: dict) -> ServiceValidation:
    fields = Finding.__dataclass_fields__
    return ServiceValidation(
        s["service"], s.get("label"), s["outcome"], tuple(_scope(f) for f in s["frameworks"]),
        tuple(Finding(**{k: r.get(k) for k in fields}) for r in s["results"]),
        tuple(Undetermined(u["provision"], u.get("framework"), tuple(u.get("missing", ())),
                           tuple(u.get("missing_labels", ())), tuple(u.get("missing_labels_en", ())))
              for u in s.get("undetermined", ())),
        tuple(s["sources"]))


__all__ = ["validate", "applicable", "InputError", "Validation", "ServiceValidation", "Finding", "Undetermined",
           "FrameworkScope", "Applicability", "ServiceApplicability", "ApplicableProvision"]

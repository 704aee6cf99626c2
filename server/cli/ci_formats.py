"""``validate --format sarif`` and ``--format junit``: the validation result in the formats that
pipelines already read — SARIF 2.1.0 (code scanning) and JUnit XML (test reports). Both are made
from the same JSON result as ``--format json`` (with each service's ``sources``) and the inputs
that could not be read; ``tests/test_ci_outputs.py`` checks them against the published schemas.

SARIF: one run; a rule per provision (or shape, for an organisation's own shapes); a result per
SHACL result — ``error`` for a blocking violation, ``warning`` for advice and warnings, ``note``
for information — and, for a provision left undetermined by missing facts, a result of kind
``open`` ("not enough information to decide"). Each result points at the file(s) that declare the
service and names the service as a logical location. An input that could not be read is a
tool execution notification of level ``error``.

JUnit: one test suite per input file (or per group of files a service spans), one test case per
service: a ``failure`` per blocking violation, the service's warnings and undetermined provisions
in ``system-out``; an input that could not be read is a test case with an ``error``."""

from __future__ import annotations

import json
from urllib.parse import quote
from xml.etree import ElementTree as ET

from ..terms.version import VERSION as __version__

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://w3id.org/cloudkader"
_LEVEL = {"Violation": "error", "Warning": "warning", "Info": "note"}


def _uri(origin: str) -> str | None:
    """The artifact URI of an input as given (a relative reference for a relative path); none
    for standard input."""
    return None if origin.startswith("<") else quote(origin.replace("\\", "/"), safe="/:")


def _short(iri: str | None) -> str:
    return (iri or "").replace("https://w3id.org/cloudkader/id/", "")


def _locations(service: dict) -> list[dict]:
    logical = [{"fullyQualifiedName": service["service"], "kind": "resource"}]
    uris = [u for u in map(_uri, service.get("sources") or ()) if u]
    if not uris:
        return [{"logicalLocations": logical}]
    return [{"physicalLocation": {"artifactLocation": {"uri": u}}, "logicalLocations": logical} for u in uris]


def sarif(result: dict, errors: list, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    rules: dict[str, dict] = {}

    def rule(rule_id: str, iri: str | None, text: str) -> int:
        if rule_id not in rules:
            entry = {"id": rule_id, "shortDescription": {"text": labels.get(iri or "") or text or rule_id}}
            if iri and iri.startswith("http"):
                entry["helpUri"] = iri
            rules[rule_id] = entry
        return list(rules).index(rule_id)

    results = []
    for s in result["services"]:
        for r in s["results"]:
            rule_id = _short(r.get("provision")) or f"shape:{_short(r.get('shape'))}"
            level = _LEVEL.get(r["severity"], "note")
            if level == "error" and not r.get("blocking", True):
                level = "warning"  # a violation under an advisory framework is advice
            results.append({
                "ruleId": rule_id, "ruleIndex": rule(rule_id, r.get("provision") or r.get("shape"), r["message"]),
                "kind": "fail", "level": level, "message": {"text": r["message"]},
                "locations": _locations(s),
                "properties": {"service": s["service"], "framework": r.get("framework"), "scope": r.get("scope"),
                               "blocking": r.get("blocking", True), "path": r.get("path"),
                               "message_en": r.get("message_en")},
            })
        for u in s.get("undetermined", ()):
            rule_id = _short(u["provision"])
            missing = ", ".join(u.get("missing_labels") or ())
            results.append({
                "ruleId": rule_id, "ruleIndex": rule(rule_id, u["provision"], rule_id),
                "kind": "open", "level": "none",
                "message": {"text": f"onbeslist: ontbrekende feiten: {missing}" if missing else "onbeslist"},
                "locations": _locations(s),
                "properties": {"service": s["service"], "undetermined": True},
            })
    notifications = [{"level": "error", "message": {"text": e.message},
                      **({"locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.origin)}}}]}
                         if _uri(e.origin) else {})} for e in errors]
    artifacts = sorted({u for s in result["services"] for u in map(_uri, s.get("sources") or ()) if u})
    run = {
        "tool": {"driver": {"name": "cloudkader", "version": __version__, "informationUri": INFORMATION_URI,
                            "rules": list(rules.values())}},
        "invocations": [{"executionSuccessful": not errors, "toolExecutionNotifications": notifications}],
        "artifacts": [{"location": {"uri": u}} for u in artifacts],
        "results": results,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, ensure_ascii=False, indent=2) + "\n"


def junit(result: dict, errors: list) -> str:
    suites: dict[str, list[dict]] = {}
    for s in result["services"]:
        suites.setdefault(", ".join(s.get("sources") or ()) or "cloudkader", []).append(s)
    root = ET.Element("testsuites", name="cloudkader validate")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for name, services in suites.items():
        failures = sum(1 for s in services if any(r.get("blocking", True) and r["severity"] == "Violation"
                                                  for r in s["results"]))
        suite = ET.SubElement(root, "testsuite", name=name, tests=str(len(services)), failures=str(failures),
                              errors="0", skipped="0")
        totals["tests"] += len(services)
        totals["failures"] += failures
        for s in services:
            case = ET.SubElement(suite, "testcase", name=s["service"] + (f" ({s['label']})" if s.get("label") else ""),
                                 classname=name)
            out = []
            for r in s["results"]:
                label = _short(r.get("provision")) or f"shape {_short(r.get('shape'))}"
                if r["severity"] == "Violation" and r.get("blocking", True):
                    failure = ET.SubElement(case, "failure", type=label, message=r["message"])
                    failure.text = f"{label}: {r['message']}\n{r.get('message_en') or ''}".strip()
                else:
                    out.append(f"[{r['severity']}{'' if r.get('blocking', True) else ', advisory'}] {label}: {r['message']}")
            for u in s.get("undetermined", ()):
                out.append(f"[Onbeslist] {_short(u['provision'])}: ontbrekende feiten: {', '.join(u.get('missing_labels') or ())}")
            if out:
                ET.SubElement(case, "system-out").text = "\n".join(out)
    if errors:
        suite = ET.SubElement(root, "testsuite", name="input", tests=str(len(errors)), failures="0",
                              errors=str(len(errors)), skipped="0")
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
        for e in errors:
            case = ET.SubElement(suite, "testcase", name=e.origin, classname="input")
            ET.SubElement(case, "error", type="input", message=e.message).text = e.message
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"

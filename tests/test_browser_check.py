"""The check form and its result page in a real browser (headless chromium against
``cloudkader serve`` on loopback): every service description in ``examples/`` entered through
the form, as a user would, gives the outcome ``cloudkader validate`` gives for that file — the
results shown, the JSON export and the conformance; the result page's outcomes told apart
without colour, messages without ckd: terms, links to the verbatim text and the overlaps, the
permalink reproducing the result, the exports, the print view, in both languages. One browser
for the module; the examples in one test."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .browser_support import axe_violations, console_errors, start_browser
    from .server_process import ROOT, server_factory  # noqa: F401  (session fixture)
except ImportError:
    from browser_support import axe_violations, console_errors, start_browser
    from server_process import ROOT, server_factory  # noqa: F401

CKD = "https://w3id.org/cloudkader/def#"
EXAMPLES = sorted(p for p in (ROOT / "examples").iterdir() if p.suffix in (".ttl", ".jsonld", ".nt"))
NAMESPACES = ("http://publications.europa.eu/resource/authority/country/", "https://w3id.org/cloudkader/id/org/",
              CKD, "https://w3id.org/cloudkader/id/")
CLI_LOOP = """import contextlib, io, json, sys
from cloudkader.cli import main
out = {}
for f in sys.argv[1:]:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        try:
            main(["validate", f, "--format", "json"])
        except SystemExit:
            pass
    out[f] = json.loads(buf.getvalue())
print(json.dumps(out))"""


@pytest.fixture(scope="module")
def server(server_factory):  # noqa: F811
    return server_factory()


@pytest.fixture(scope="module")
def browser():
    with start_browser() as driver:
        yield driver


@pytest.fixture(scope="module")
def cli_reports() -> dict[str, dict]:
    """``cloudkader validate FILE --format json`` for each example (one process for all)."""
    run = subprocess.run([sys.executable, "-c", CLI_LOOP, *map(str, EXAMPLES)], capture_output=True, text=True,
                         cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout)


def key(iri) -> str:
    iri = str(iri)
    for ns in NAMESPACES:
        if iri.startswith(ns):
            return iri[len(ns):]
    raise AssertionError(f"the form has no value for {iri}")


def node_fields(g: Graph, node, fields: dict[str, str], add, skip=()) -> None:
    """The facts of an organisation or provider ``node`` as form fields; fails on any other."""
    for q, v in g.predicate_objects(node):
        if str(v) in skip:
            continue
        assert str(q) in fields, f"the form cannot say {q} of {node}"
        add(fields[str(q)], str(v) if isinstance(v, Literal) else key(v))


def form_answers(g: Graph, svc) -> dict[str, list[str]]:
    """What a user enters in the form for service ``svc`` of ``g``; fails on a fact the form
    cannot take (so that every term the examples use has a field)."""
    a: dict[str, list[str]] = {}

    def add(field, value):
        a.setdefault(field, []).append(value)

    fields = {CKD + "deploymentModel": "deployment", CKD + "serviceModel": "servicemodel", CKD + "processes": "data",
              CKD + "dataLocation": "location", CKD + "dataLocationConstraint": "locationconstraint",
              CKD + "usesProduct": "product", CKD + "hosts": "system"}
    for p, o in g.predicate_objects(svc):
        p = str(p)
        if p == str(RDF.type) or p == str(RDFS.label):
            if p == str(RDFS.label) and "name" not in a:
                add("name", str(o))
        elif p in fields:
            add(fields[p], key(o))
        elif p == CKD + "usedBy" and str(o).startswith(NAMESPACES[1]):
            add("org", key(o))
        elif p == CKD + "usedBy":
            add("org", "own")
            node_fields(g, o, {str(RDF.type): "ownclass", str(RDFS.label): "ownname", CKD + "partOf": "partof"}, add)
        elif p == CKD + "provider":
            node_fields(g, o, {str(RDFS.label): "provider", CKD + "jurisdiction": "jurisdiction",
                               CKD + "certifiedUnder": "certification"}, add, skip=(CKD + "CloudProvider",))
        elif p == CKD + "hasMeasure":
            kinds = [key(t) for t in g.objects(o, RDF.type)]
            assert len(kinds) == 1, kinds
            add("measure", kinds[0])
            for q, v in g.predicate_objects(o):
                if q not in (RDF.type, RDFS.label):  # a part: the form names the field by the measure
                    add(f"part-{kinds[0]}", key(v))
        else:
            raise AssertionError(f"the form has no field for {p}")
    return a


def fill(browser, answers: dict[str, list[str]]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    form = browser.find_element(By.ID, "check-form")
    for field, values in answers.items():
        elements = form.find_elements(By.NAME, field)
        assert elements, f"no field {field} in the form"
        tag, kind = elements[0].tag_name, elements[0].get_attribute("type")
        if tag == "input" and kind == "text":
            elements[0].clear()
            elements[0].send_keys(values[0])
        elif tag == "select":
            select = Select(elements[0])
            for v in values:
                select.select_by_value(v)
        else:
            for v in values:
                box = form.find_element(By.CSS_SELECTOR, f"input[name='{field}'][value='{v}']")
                details = box.find_elements(By.XPATH, "./ancestor::details[1]")
                if details and not details[0].get_attribute("open"):
                    details[0].find_element(By.TAG_NAME, "summary").click()
                if not box.is_selected():
                    box.click()


def outcome(r: dict) -> str:
    return "violation" if r["severity"] == "Violation" and r.get("blocking", True) else "warning"


def expected_outcomes(service: dict) -> Counter:
    return Counter([(r["provision"], outcome(r)) for r in service["results"]]
                   + [(u["provision"], "undetermined") for u in service.get("undetermined", [])])


def comparable(service: dict) -> tuple:
    return (service["conforms"], service.get("outcome"), sorted(f["framework"] + f["scope"] for f in service["frameworks"]),
            sorted((r["provision"], r["severity"], r.get("blocking"), r.get("path") or "") for r in service["results"]),
            sorted(u["provision"] for u in service.get("undetermined", [])))


def submit_and_wait(browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.find_element(By.ID, "submit-check").click()
    WebDriverWait(browser, 120).until(lambda d: d.find_elements(By.ID, "result") or d.find_elements(By.CSS_SELECTOR, ".notice.error"))
    errors = browser.find_elements(By.CSS_SELECTOR, ".notice.error")
    assert not errors, errors[0].text
    return browser.find_element(By.ID, "result")


def shown_outcomes(result) -> Counter:
    from selenium.webdriver.common.by import By

    return Counter((li.get_attribute("data-provision"), li.get_attribute("data-outcome"))
                   for li in result.find_elements(By.CSS_SELECTOR, "li.gap"))


def test_every_example_entered_in_the_form_gives_the_cli_outcome(server, browser, cli_reports):
    from selenium.webdriver.common.by import By

    from cloudkader.checks import description  # the CLI's own reading of a file (JSON-LD context too)

    assert len(EXAMPLES) >= 10
    problems, checked = [], 0
    for path in EXAMPLES:
        g = description.parse(path.read_bytes(), description.format_for_filename(path.name), path.name)
        cli = {s["service"]: s for s in cli_reports[str(path)]["services"]}
        services = sorted(g.subjects(RDF.type, URIRef(CKD + "CloudService")))
        assert services and set(map(str, services)) == set(cli), path.name
        for svc in services:
            browser.get(server.url + "/check")
            fill(browser, form_answers(g, svc))
            result = submit_and_wait(browser)
            want, got = expected_outcomes(cli[str(svc)]), shown_outcomes(result)
            if want != got:
                problems.append(f"{path.name}: shown {sorted(got - want)} not from the CLI, missing {sorted(want - got)}")
            # the export of the permalink: the JSON of `cloudkader validate` for the same service
            export = browser.find_element(By.CSS_SELECTOR, "a.export[data-format=json]").get_attribute("href")
            exported = requests.get(export, timeout=120).json()["services"][0]
            if comparable(exported) != comparable(cli[str(svc)]):
                problems.append(f"{path.name}: the JSON export differs from the CLI:\n{comparable(exported)}\n{comparable(cli[str(svc)])}")
            # plain language: no ckd: term in a message; a result asking for a measure names it
            for li in result.find_elements(By.CSS_SELECTOR, "li.gap"):
                msg = li.find_element(By.CSS_SELECTOR, ".msg").text
                if "ckd:" in msg:
                    problems.append(f"{path.name}: a message with a ckd: term: {msg}")
                terms = li.find_element(By.CSS_SELECTOR, "details.tech .mono").get_attribute("textContent")
                if "ckd:" in terms and li.get_attribute("data-outcome") != "undetermined" and not li.find_elements(By.CSS_SELECTOR, ".todo"):
                    problems.append(f"{path.name}: no measure named for {li.get_attribute('data-provision')} ({terms})")
            checked += 1
    assert checked >= len(EXAMPLES)
    assert not problems, "\n".join(problems)
    assert not console_errors(browser), console_errors(browser)


# a municipality's service with a cloud contract covering one contract point, no data location:
# violations (the other contract points, resting partly on the lapsed BIG), warnings (the
# advisory Rijk framework) and undetermined results (what the data location decides)
RESULT = ("/check?org=own&ownclass=Gemeente&ownname=Gemeente+Proefstad&deployment=PublicCloud&data=PersonalData"
          "&jurisdiction=USA&measure=CloudContract&part-CloudContract=gemeenten/contract-looptijd&name=Proefdienst")


def test_result_page_order_outcomes_links_permalink_exports_print_and_english(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server.url + RESULT)
    result = browser.find_element(By.ID, "result")
    # binding frameworks first, then the advisory ones
    scopes = [s.get_attribute("data-scope") for s in result.find_elements(By.CSS_SELECTOR, "section.fw-result")]
    assert "binding" in scopes and "advisory" in scopes
    assert scopes == sorted(scopes, key=lambda s: {"binding": 0, "advisory": 1}.get(s, 2)), scopes
    # three outcomes, each with its own word, icon and border style (not colour alone)
    items = result.find_elements(By.CSS_SELECTOR, "li.gap")
    looks = {}
    for li in items:
        badge = li.find_element(By.CSS_SELECTOR, ".outcome-badge")
        looks.setdefault(li.get_attribute("data-outcome"), set()).add(
            (badge.text, li.value_of_css_property("border-left-style"), badge.value_of_css_property("border-top-style")))
    assert set(looks) == {"violation", "warning", "undetermined"}, looks
    assert all(len(v) == 1 for v in looks.values()), looks
    words, lefts, badges = (set(x) for x in zip(*(next(iter(v)) for v in looks.values())))
    assert len(words) == len(lefts) == len(badges) == 3, looks
    # every result: its provision linked, its verbatim text one click away; overlaps linked
    contract = result.find_element(By.CSS_SELECTOR, "li.gap[data-provision$='/gemeenten/contract-beveiligingsmaatregelen']")
    assert contract.find_element(By.CSS_SELECTOR, "a.prov-link").get_attribute("href").endswith("/id/gemeenten/contract-beveiligingsmaatregelen")
    contract.find_element(By.CSS_SELECTOR, "details.verbatim-text summary").click()
    assert "beveiligingsmaatregelen" in contract.find_element(By.CSS_SELECTOR, "blockquote.verbatim").text
    # resting on the BIG, superseded by the BIO: marked with the date and the successor
    lapsed = contract.find_element(By.CSS_SELECTOR, ".lapsed")
    assert lapsed.find_element(By.TAG_NAME, "time").get_attribute("datetime") == "2019-01-01"
    assert lapsed.find_element(By.TAG_NAME, "a").get_attribute("href").endswith("/id/doc/bio")
    overlaps = result.find_elements(By.CSS_SELECTOR, "li.gap details.overlaps a")
    assert overlaps and all("/id/" in a.get_attribute("href") for a in overlaps)
    assert "ckd:" not in " ".join(m.text for m in result.find_elements(By.CSS_SELECTOR, ".msg"))
    assert not axe_violations(browser)
    shown = shown_outcomes(result)

    # the permalink reproduces the result; the exports say the same
    permalink = browser.find_element(By.ID, "permalink").get_attribute("href")
    browser.get(permalink)
    assert shown_outcomes(browser.find_element(By.ID, "result")) == shown
    links = {a.get_attribute("data-format"): a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.export")}
    exported = requests.get(links["json"], timeout=120)
    assert exported.headers["Content-Type"].startswith("application/json")
    service = exported.json()["services"][0]
    assert expected_outcomes(service) == shown
    report = Graph().parse(data=requests.get(links["turtle"], timeout=120).text, format="turtle")
    sh = "http://www.w3.org/ns/shacl#"
    assert len(set(report.subjects(RDF.type, URIRef(sh + "ValidationResult")))) >= len(service["results"])
    rows = list(csv.DictReader(io.StringIO(requests.get(links["csv"], timeout=120).text)))
    assert Counter((r["provision"], r["outcome"]) for r in rows) == shown
    assert all("ckd:" not in r["message"] for r in rows)

    # printable: the print style sheet leaves the form and the navigation out
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.ID, "check-form").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, "header.site").is_displayed()
        assert browser.find_element(By.ID, "result").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})

    # in English: the same outcomes, English words
    browser.get(permalink.replace("lang=nl", "lang=en"))
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    result = browser.find_element(By.ID, "result")
    assert shown_outcomes(result) == shown
    words = {" ".join(b.text.split()) for b in result.find_elements(By.CSS_SELECTOR, "li.gap .outcome-badge")}
    assert words == {"✖ Violation", "! Warning", "? Undetermined"}, words
    assert "Measure to take" in result.text
    assert not console_errors(browser), console_errors(browser)

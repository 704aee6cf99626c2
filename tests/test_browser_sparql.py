"""The SPARQL page in a real browser: the vendored YASGUI replaces the plain form — syntax
highlighting, completion of the corpus's prefixes, the example queries of queries/, results in a
sortable table, download as CSV, errors at the right place — with no request to another site
and no Content-Security-Policy violation; on a 400 px phone nothing sticks out. One browser."""

from __future__ import annotations

import csv
import io
import re
import tempfile
import time
from pathlib import Path

import pytest
import requests

from cloudkader.knowledge import queries

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .browser_support import PHONE, axe_violations, console_errors, horizontal_overflow, set_viewport, start_browser
    from .server_process import server_factory  # noqa: F401  (session fixture)
except ImportError:
    from browser_support import PHONE, axe_violations, console_errors, horizontal_overflow, set_viewport, start_browser
    from server_process import server_factory  # noqa: F401

RECORD_CSP = """window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + e.sourceFile + ':' + e.lineNumber + ' ' + e.sample));"""


@pytest.fixture(scope="module")
def server(server_factory):  # noqa: F811
    return server_factory()


@pytest.fixture(scope="module")
def downloads():
    with tempfile.TemporaryDirectory(prefix="cloudkader-downloads-") as d:
        yield Path(d)


@pytest.fixture(scope="module")
def browser(downloads):
    with start_browser() as driver:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_CSP})
        driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver


def _wait(driver, script: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for: {script}")


def _open_editor(driver, url: str):
    console_errors(driver)  # empty the log: what follows is this page's
    driver.get(url)
    _wait(driver, "return !!window.cloudkaderYasgui && document.querySelector('.CodeMirror') !== null")
    return "window.cloudkaderYasgui.getTab().getYasqe()"


def _run_and_wait(driver, yasqe: str) -> None:
    """Run the query and wait until YASR has drawn the answer (it draws after the response)."""
    driver.execute_script("window.__done = false; window.cloudkaderYasgui.getTab().getYasr()"
                          ".once('drawn', () => { window.__done = true; });")
    driver.find_element("css selector", ".yasqe_queryButton").click()
    _wait(driver, "return window.__done")


def _no_violations(driver, expected_status: int | None = None):
    assert driver.execute_script("return window.__csp") == []
    errors = [m for m in console_errors(driver)
              if not (expected_status and f"/sparql - Failed to load resource: the server responded with a status of {expected_status}" in m)]
    assert not errors, errors
    others = driver.execute_script("""return performance.getEntriesByType('resource')
        .map(e => e.name).filter(n => !n.startsWith(location.origin))""")
    assert others == [], f"requests to other sites: {others}"


def test_editor_highlights_completes_prefixes_and_loads_examples(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    yasqe = _open_editor(browser, server.url + "/sparql")
    assert browser.find_element(By.ID, "sparql-form").get_attribute("hidden") is not None, "the plain form gives way"
    # syntax highlighting of the first example
    assert browser.find_elements(By.CSS_SELECTOR, ".CodeMirror .cm-keyword")
    # prefix completion from the corpus: type "PREFIX ck" and take the suggestion
    browser.execute_script(f"{yasqe}.setValue(''); {yasqe}.focus();")
    editor = browser.find_element(By.CSS_SELECTOR, ".CodeMirror textarea")
    editor.send_keys("PREFIX ck")
    hints = _wait(browser, "return Array.from(document.querySelectorAll('.CodeMirror-hint')).map(e => e.textContent)")
    assert "ckd: <https://w3id.org/cloudkader/def#>" in hints, hints
    editor.send_keys(Keys.ENTER)
    assert browser.execute_script(f"return {yasqe}.getValue()").startswith("PREFIX ckd: <https://w3id.org/cloudkader/def#>")
    # a prefixed name of the corpus adds its PREFIX line by itself
    browser.execute_script(f"{yasqe}.setValue('SELECT * WHERE {{ ?s a '); {yasqe}.setCursor({{line: 0, ch: 22}}); {yasqe}.focus();")
    editor.send_keys("theme:")
    _wait(browser, f"return {yasqe}.getValue().includes('PREFIX theme: <https://w3id.org/cloudkader/id/theme/>')", 15)
    # the examples of queries/ are one choice away
    from selenium.webdriver.support.ui import Select

    name = queries.all_queries()[-1].name
    Select(browser.find_element(By.ID, "example-query")).select_by_value(name)
    assert browser.execute_script(f"return {yasqe}.getValue()") == queries.get(name).text
    _no_violations(browser)


def test_results_sort_download_and_errors(server, browser, downloads):
    from selenium.webdriver.common.by import By

    q = ("PREFIX ckd: <https://w3id.org/cloudkader/def#>\n"
         "SELECT ?key (COUNT(?p) AS ?n) WHERE { ?p ckd:framework ?f . ?f ckd:key ?key } GROUP BY ?key")
    expected = requests.post(server.url + "/sparql", data={"query": q},
                             headers={"Accept": "application/sparql-results+json"}, timeout=60).json()
    want = {b["key"]["value"]: int(b["n"]["value"]) for b in expected["results"]["bindings"]}
    assert len(want) >= 5
    yasqe = _open_editor(browser, server.url + "/sparql")
    browser.execute_script(f"{yasqe}.setValue(arguments[0])", q)
    _run_and_wait(browser, yasqe)

    def column(i: int) -> list[str]:
        return [td.text for td in browser.find_elements(By.CSS_SELECTOR, f".yasr table.dataTable tbody tr td:nth-child({i})")]

    keys = column(2)
    assert sorted(k.strip('"') for k in keys) == sorted(want)
    # sortable: a click on the column header sorts by it, a second click the other way
    def sort_by_third_column() -> None:
        th = browser.find_elements(By.CSS_SELECTOR, ".yasr table.dataTable thead th")[2]
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", th)
        th.find_element(By.CSS_SELECTOR, ".dt-column-title, span, div").click() if th.find_elements(
            By.CSS_SELECTOR, ".dt-column-title") else th.click()

    def numbers_once(accept, timeout: float = 15) -> list[int]:
        """The third column as soon as it is in an accepted order (the table redraws after the click)."""
        deadline = time.monotonic() + timeout
        while True:
            numbers = [_number(x) for x in column(3)]
            if accept(numbers) or time.monotonic() > deadline:
                return numbers
            time.sleep(0.1)

    orders = (sorted(want.values()), sorted(want.values(), reverse=True))
    for _attempt in range(3):  # a click that lands before the table has bound its handlers is lost
        sort_by_third_column()
        numbers = numbers_once(lambda n: n in orders, timeout=5)
        if numbers in orders:
            break
    assert numbers in orders
    sort_by_third_column()
    assert numbers_once(lambda n: n == numbers[::-1]) == numbers[::-1]
    # download: the table as CSV, the same rows
    for f in downloads.iterdir():
        f.unlink()
    browser.find_element(By.CSS_SELECTOR, ".yasr_downloadIcon").click()
    saved = _wait_for_file(downloads)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert {r["key"]: int(r["n"]) for r in rows} == want
    # a syntax error: the server's message, at the right place
    bad = "SELECT * WHERE { ?s ?p }"
    browser.execute_script(f"{yasqe}.setValue(arguments[0])", bad)
    _run_and_wait(browser, yasqe)
    error = browser.find_element(By.CSS_SELECTOR, ".yasr .errorResult").text
    assert f"line 1, column {bad.index('}') + 1}" in error, error
    _no_violations(browser, expected_status=400)


def _number(cell: str) -> int:
    """The number in a table cell as YASR shows it: 11 or "11"^^xsd:integer."""
    return int(re.search(r"\d+", cell).group())


def _wait_for_file(folder: Path, timeout: float = 30) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [f for f in folder.iterdir() if not f.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    pytest.fail(f"no download in {folder}")


def test_editor_fits_a_phone_and_passes_axe(server, browser):
    set_viewport(browser, PHONE)
    try:
        yasqe = _open_editor(browser, server.url + "/sparql?example=" + queries.all_queries()[0].name)
        _run_and_wait(browser, yasqe)
        width, client, culprits = horizontal_overflow(browser)
        assert width <= client == PHONE, culprits
        serious = axe_violations(browser)
        assert not serious, serious
        _no_violations(browser)
    finally:
        set_viewport(browser, None)

"""End to end in a real browser: start the real service (``cloudkader serve``, waitress, in a
child process), drive headless Debian chromium with selenium, compose a service on /check the
way an architect would, submit the form and read the result page.

Needs chromium and chromedriver (``make browser`` installs the Debian packages). Without them
the test fails with a message saying so — it is not skipped, so CI cannot pass without having
run it."""

from __future__ import annotations

from pathlib import Path

import pytest

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .browser_support import console_errors as _console_errors
    from .browser_support import start_browser
    from .server_process import server_factory  # noqa: F401  (session fixture)
except ImportError:
    from browser_support import console_errors as _console_errors
    from browser_support import start_browser
    from server_process import server_factory  # noqa: F401

SCREENSHOT = Path("/tmp/check.png")


@pytest.fixture(scope="module")
def browser():
    with start_browser() as driver:
        yield driver


@pytest.fixture(scope="module")
def server(server_factory):  # noqa: F811
    return server_factory()


def test_check_form_in_a_browser(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(server.url + "/check")
    assert "cloudkader" in browser.title
    form = browser.find_element(By.ID, "check-form")

    browser.find_element(By.ID, "name").send_keys("Samenwerken in SharePoint")
    Select(form.find_element(By.ID, "org")).select_by_value("jenv")
    Select(form.find_element(By.ID, "deployment")).select_by_value("PublicCloud")
    Select(form.find_element(By.ID, "servicemodel")).select_by_value("SaaS")
    form.find_element(By.CSS_SELECTOR, "input[name=product][value=SharePointOnline]").click()
    form.find_element(By.CSS_SELECTOR, "input[name=data][value=PersonalData]").click()
    Select(form.find_element(By.ID, "location")).select_by_value("NLD")

    # the small script: ticking an exit strategy part ticks the exit strategy itself
    exit_measure = form.find_element(By.ID, "measure-ExitStrategy")
    assert not exit_measure.is_selected()
    form.find_element(By.CSS_SELECTOR, "details.parts[data-measure=measure-ExitStrategy] summary").click()
    form.find_element(By.CSS_SELECTOR, "input[name=part-ExitStrategy][value=DataPortability]").click()
    assert exit_measure.is_selected(), "check.js should tick the exit strategy with one of its parts"

    browser.find_element(By.ID, "submit-check").click()
    WebDriverWait(browser, 120).until(ec.presence_of_element_located((By.ID, "result")))

    result = browser.find_element(By.ID, "result")
    links = {a.get_attribute("href"): a.get_attribute("textContent") for a in result.find_elements(By.CSS_SELECTOR, "li.applies a.prov-link")}
    paths = {href.removeprefix(server.url): text for href, text in links.items()}
    # JenV forbids SharePoint Online and conditions the MS365 workplace; Rijk conditions public
    # cloud use with personal data — each shown as a link to its /id/ page
    for path in ("/id/jenv/beleidslijn-onedrive-sharepoint", "/id/jenv/beleidslijn-ms365",
                 "/id/rijk/algemeen-persoonsgegevens", "/id/rijk/voorwaarde-4"):
        assert path in paths, f"{path} not among the applicable provisions shown: {sorted(paths)}"
        assert paths[path].strip(), f"the link to {path} has no text"
    # frameworks in scope are named; the forbidding provision is marked as forbidden
    text = result.text
    assert "Rijksbreed cloudbeleid 2022" in text
    assert "Beleidslijn Cloud" in text
    sharepoint = result.find_element(By.CSS_SELECTOR, "li.applies a[href$='/id/jenv/beleidslijn-onedrive-sharepoint']")
    item = sharepoint.find_element(By.XPATH, "./ancestor::li[1]")
    assert "verboden" in item.get_attribute("textContent")
    # and the gap it leaves is reported against it
    gaps = [a.get_attribute("href").removeprefix(server.url) for a in result.find_elements(By.CSS_SELECTOR, "li.gap a")]
    assert "/id/jenv/beleidslijn-onedrive-sharepoint" in gaps, gaps
    # the generated description is on the page too
    assert "ckd:SharePointOnline" in browser.find_element(By.ID, "turtle").get_attribute("textContent")

    browser.execute_script("window.scrollTo(0, 0)")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1300, min(max(height, 1000), 3200))
    browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    # no script or style blocked by the Content-Security-Policy, nothing missing
    assert not _console_errors(browser), _console_errors(browser)

    # follow one link: the provision page of the forbidding JenV provision
    browser.get(server.url + "/id/jenv/beleidslijn-onedrive-sharepoint")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("2.2.5")
    assert browser.find_element(By.CSS_SELECTOR, "blockquote.verbatim").text.strip()
    assert not _console_errors(browser), _console_errors(browser)

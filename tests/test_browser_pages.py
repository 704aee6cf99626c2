"""Every page type in a real browser (headless chromium against ``cloudkader serve`` on
loopback), on a desktop and on a 400 px phone: nothing wider than the screen, a skip link, zero
serious or critical axe-core violations, no console errors; the overlap matrix readable without
hover, reachable by keyboard, in colours that pass WCAG AA; the listing filters end up in the
URL. One browser for the whole module."""

from __future__ import annotations

import pytest

try:  # tests/ as a package (tests/__init__.py) or as plain rootdir modules
    from .browser_support import (DESKTOP, PHONE, axe_violations, console_errors, contrast_ratio,
                                  horizontal_overflow, parse_css_colour, set_viewport, start_browser)
    from .server_process import server_factory  # noqa: F401  (session fixture)
except ImportError:
    from browser_support import (DESKTOP, PHONE, axe_violations, console_errors, contrast_ratio,
                                 horizontal_overflow, parse_css_colour, set_viewport, start_browser)
    from server_process import server_factory  # noqa: F401

# one page of each type the site has
PAGE_TYPES = [
    "/", "/frameworks", "/frameworks/rijk", "/id/rijk/voorwaarde-4", "/id/rijk", "/id/org/jenv",
    "/id/theme/exit-strategy", "/overlaps/matrix", "/overlaps/pair/rijk/irc", "/overlaps/theme/exit-strategy",
    "/register", "/id/service/fin-digitale-brug-overheid", "/search?q=BRP", "/def", "/check", "/sparql",
    "/check?org=own&ownclass=Gemeente&deployment=PublicCloud&data=PersonalData&jurisdiction=USA&measure=CloudContract",
    "/no/such/page",
]


@pytest.fixture(scope="module")
def server(server_factory):  # noqa: F811
    return server_factory()


@pytest.fixture(scope="module")
def browser():
    with start_browser(width=DESKTOP) as driver:
        yield driver


@pytest.fixture
def phone(browser):
    set_viewport(browser, PHONE)
    yield browser
    set_viewport(browser, None)


def _load(driver, url: str) -> None:
    from selenium.webdriver.common.by import By

    console_errors(driver)  # reading the log empties it: what follows is this page's
    driver.get(url)
    assert driver.find_element(By.TAG_NAME, "h1").text.strip(), f"{url}: no heading"
    if "/sparql" in url:  # the query editor draws itself after the page has loaded: check what the user sees
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 60).until(lambda d: d.execute_script(
            "return document.body.classList.contains('has-yasgui') && document.querySelector('.CodeMirror-scroll[tabindex=\"0\"]') !== null"))


def test_every_page_fits_a_phone_and_passes_axe(server, phone):
    problems = []
    for path in PAGE_TYPES:
        _load(phone, server.url + path)
        width, client, culprits = horizontal_overflow(phone)
        assert client == PHONE
        if width > client:
            problems.append(f"{path}: {width} px wide on a {client} px screen ({', '.join(culprits)})")
        for v in axe_violations(phone):
            problems.append(f"{path}: axe {v['impact']} {v['id']} — {v['help']} ({'; '.join(v['nodes'])})")
        problems += [f"{path}: console: {m}" for m in console_errors(phone) if "/no/such/page" not in m]
    assert not problems, "\n".join(problems)


def test_every_page_fits_a_desktop(server, browser):
    for path in PAGE_TYPES:
        _load(browser, server.url + path)
        width, client, culprits = horizontal_overflow(browser)
        assert width <= client, f"{path}: {width} px wide on a {client} px screen ({culprits})"


def test_skip_link_moves_the_focus_to_the_content(server, phone):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _load(phone, server.url + "/register")
    skip = phone.find_element(By.CSS_SELECTOR, "a.skip")
    assert skip.rect["y"] < 0, "the skip link stays off screen until it has the focus"
    phone.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = phone.switch_to.active_element
    assert active.get_attribute("class") == "skip", "the first Tab lands on the skip link"
    assert active.rect["y"] >= 0 and active.is_displayed(), "a focused skip link is visible"
    active.send_keys(Keys.ENTER)
    assert phone.execute_script("return document.activeElement.id") == "main"
    assert phone.current_url.endswith("#main")


def _rgb(value: str) -> tuple[float, float, float]:
    r, g, b, a = parse_css_colour(value)
    assert a == 1.0, f"a translucent colour ({value}) cannot be checked on its own"
    return (r, g, b)


def test_overlap_matrix_without_hover_by_keyboard_in_aa_colours(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _load(browser, server.url + "/overlaps/matrix")
    cells = browser.find_elements(By.CSS_SELECTOR, "table.matrix td[data-source]")
    assert len(cells) >= 20
    # the breakdown is on screen, not in a tooltip
    rijk_irc = browser.find_element(By.CSS_SELECTOR, "td[data-source=rijk][data-target=irc]")
    irc_rijk = browser.find_element(By.CSS_SELECTOR, "td[data-source=irc][data-target=rijk]")
    for cell in (rijk_irc, irc_rijk):
        for rel in cell.find_elements(By.CSS_SELECTOR, ".rel"):
            assert rel.is_displayed() and rel.text.strip() and rel.rect["height"] > 0
    shown = {c: " ".join(c.text.split()) for c in (rijk_irc, irc_rijk)}
    counts = {c: {r.get_attribute("data-relation"): r.get_attribute("data-count")
                  for r in c.find_elements(By.CSS_SELECTOR, ".rel")} for c in (rijk_irc, irc_rijk)}
    # one direction's subset-of is the other's superset-of
    assert counts[rijk_irc].get("subset-of") == counts[irc_rijk].get("superset-of")
    assert counts[rijk_irc] != counts[irc_rijk], shown
    # contrast of every cell's text on its background (WCAG AA: 4.5:1)
    low = []
    for cell in cells + browser.find_elements(By.CSS_SELECTOR, "table.themes td[class*=heat-]"):
        bg = _rgb(cell.value_of_css_property("background-color"))
        for part in cell.find_elements(By.CSS_SELECTOR, "a, .total, .rel") or [cell]:
            ratio = contrast_ratio(_rgb(part.value_of_css_property("color")), bg)
            if ratio < 4.5:
                low.append(f"{cell.get_attribute('class')} {part.text!r}: {ratio:.2f}:1")
    assert not low, low
    # keyboard: Tab reaches a cell link, Enter opens the pairs of that cell
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    for _ in range(60):
        active = browser.switch_to.active_element
        href = active.get_attribute("href") or ""
        if "/overlaps/pair/" in href:
            break
        active.send_keys(Keys.TAB)
    else:
        pytest.fail("no matrix cell link within 60 Tab presses")
    assert active.find_element(By.XPATH, "./ancestor::table").get_attribute("id") == "matrix"
    outline = active.value_of_css_property("outline-style")
    assert outline not in ("none", ""), "a focused cell shows where the focus is"
    active.send_keys(Keys.ENTER)
    assert "/overlaps/pair/" in browser.current_url
    assert href.endswith(browser.current_url.split(server.url, 1)[1])
    assert browser.find_elements(By.CSS_SELECTOR, "table.overlaps tbody tr"), "the pairs are listed"


def test_register_filters_end_up_in_the_url(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _load(browser, server.url + "/register")
    total = len(browser.find_elements(By.CSS_SELECTOR, "tr.service"))
    Select(browser.find_element(By.ID, "filter-ministry")).select_by_value("fin")
    Select(browser.find_element(By.ID, "filter-sort")).select_by_value("-violations")
    browser.find_element(By.CSS_SELECTOR, "form#filters button[type=submit]").click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 60).until(lambda d: "ministry=" in d.current_url)
    assert "ministry=fin" in browser.current_url and "sort=-violations" in browser.current_url
    shown = len(browser.find_elements(By.CSS_SELECTOR, "tr.service"))
    assert 0 < shown < total
    csv_link = browser.find_element(By.CSS_SELECTOR, "a.data-link[data-format=csv]").get_attribute("href")
    assert "/register?" in csv_link and "ministry=fin" in csv_link and "format=csv" in csv_link
    assert not console_errors(browser)

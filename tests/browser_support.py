"""Headless Debian chromium driven by selenium, for the browser tests: one browser per test
module (``browser`` fixtures call ``start_browser``), a phone-sized viewport by device emulation
(a headless window cannot be made narrower than about 500 px), and axe-core — vendored from the
npm registry under ``tests/vendor/axe-core`` by ``scripts/vendor.sh``, injected into the page by
the test, never served by the application.

Needs chromium and chromedriver (``make browser`` installs the Debian packages). Without them the
tests fail with a message saying so — they are not skipped, so CI cannot pass without them."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = 400
DESKTOP = 1300


@contextmanager
def start_browser(width: int = DESKTOP, height: int = 1600):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    driver_path = CHROMEDRIVER if Path(CHROMEDRIVER).exists() else shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("chromium and chromedriver are needed for the browser test: run `make browser` "
                    "(apt-get install chromium chromium-driver)")
    profile = tempfile.mkdtemp(prefix="cloudkader-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", f"--window-size={width},{height}",
                "--lang=nl"):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    driver.set_page_load_timeout(120)
    driver.set_script_timeout(120)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def set_viewport(driver, width: int | None, height: int = 900) -> None:
    """Emulate a viewport of ``width`` CSS pixels (a phone: ``mobile``, so the viewport meta tag
    applies); ``None`` goes back to the window's own size."""
    if width is None:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    else:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 800})


def console_errors(driver) -> list[str]:
    try:
        logs = driver.get_log("browser")
    except Exception:  # not every driver keeps the log
        return []
    return [entry["message"] for entry in logs if entry.get("level") == "SEVERE"]


def horizontal_overflow(driver) -> tuple[int, int, list[str]]:
    """(scrollWidth, clientWidth, the elements sticking out on the right) of the current page."""
    width, client = driver.execute_script(
        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    culprits = driver.execute_script("""
        const w = document.documentElement.clientWidth;
        return Array.from(document.querySelectorAll('body *'))
          .filter(e => e.getBoundingClientRect().right > w + 1)
          .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''));""")
    return width, client, culprits


def axe_violations(driver, impacts=("serious", "critical")) -> list[dict]:
    """The axe-core violations of the current page with one of ``impacts`` (all WCAG 2.x A/AA
    rules and axe's best practices that axe runs by default)."""
    if not driver.execute_script("return typeof window.axe === 'object'"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        axe.run(document, {resultTypes: ['violations']})
           .then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))
           .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));""")
    return [v for v in found if v["impact"] in impacts]


def relative_luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(fg: tuple[float, float, float], bg: tuple[float, float, float]) -> float:
    """WCAG 2.x contrast ratio of two sRGB colours (1 to 21)."""
    hi, lo = sorted((relative_luminance(fg), relative_luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def parse_css_colour(value: str) -> tuple[float, float, float, float]:
    """``rgb(r, g, b)`` / ``rgba(r, g, b, a)`` as getComputedStyle gives them."""
    inner = value[value.index("(") + 1:value.rindex(")")].replace("/", ",")
    parts = [float(p) for p in inner.replace(" ", ",").split(",") if p.strip()]
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0)

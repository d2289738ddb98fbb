"""The HTML brief in a real browser: headless Chromium draws the chart without errors.

Drives the system Chromium through the playwright package (never a downloaded browser).
Skipped only when no browser or no playwright is present and CI is unset; under CI a
missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import test_brief as shared

brief = shared.brief
ws = shared.ws  # fixtures shared with the command tests
db = shared.db

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def chromium() -> str | None:
    """The path of a Chromium to drive: FORESIGHT_TEST_CHROMIUM, then the usual names."""
    given = os.environ.get("FORESIGHT_TEST_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module."""
    executable = chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("the playwright package is not installed")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("no Chromium found; set FORESIGHT_TEST_CHROMIUM")
        pytest.skip("no Chromium on this machine")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()


def test_the_brief_renders_its_chart_in_chromium(
    browser, ws: Path, db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 0, result.output
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    url = (out / "2021-11.html").as_uri()
    page.goto(url)
    page.wait_for_load_state("load")
    page.screenshot(path=str(tmp_path / "brief.png"), full_page=True)
    assert (tmp_path / "brief.png").stat().st_size > 10_000

    chart = page.locator("svg.chart")
    assert chart.count() == 1
    box = chart.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 100
    lines = page.locator("svg.chart path")
    assert lines.count() == 3
    for i in range(lines.count()):
        drawn = lines.nth(i).bounding_box()
        assert drawn is not None and drawn["width"] > 100
    assert page.locator("svg.chart circle").count() >= 1
    assert page.title().startswith("Monthly brief: November 2021")
    # The note with a script tag is text on the page, not a script that ran.
    assert "<script>alert(1)</script>" in page.locator("main").inner_text()
    assert page.evaluate("document.scripts.length") == 0
    markings = page.locator("p.tlp span")
    assert markings.count() == 2
    assert markings.first.evaluate("e => getComputedStyle(e).color") == "rgb(255, 192, 0)"
    assert markings.first.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(0, 0, 0)"

    assert errors == []
    assert [u for u in requests if not u.startswith(("file:", "data:", "about:"))] == []
    assert requests == [url]
    page.close()


def test_the_brief_prints_on_a4(browser, ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    page = browser.new_page()
    page.goto((out / "2021-11.html").as_uri())
    page.emulate_media(media="print")
    assert page.locator("details").evaluate("e => getComputedStyle(e).display") == "none"
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    assert pdf.startswith(b"%PDF")
    # A4 is 595 x 842 points.
    assert b"/MediaBox [0 0 595" in pdf or b"/MediaBox [0 0 594" in pdf
    page.close()


def test_the_index_opens(browser, ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-10").exit_code == 0
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((out / "index.html").as_uri())
    rows = page.locator("table.briefs tbody tr")
    assert rows.count() == 2
    assert rows.first.inner_text().startswith("November 2021")
    page.locator("a", has_text="November 2021").click()
    assert page.url.endswith("/2021-11.html")
    assert errors == []
    page.close()

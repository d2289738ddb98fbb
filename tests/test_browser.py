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


SHIPPED = Path(__file__).resolve().parents[1] / "reports" / "2021-11.html"
A4 = {"width": 794, "height": 1123}  # A4 at 96 CSS pixels per inch


def overlap(a: dict, b: dict) -> bool:
    """Whether two bounding boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_the_shipped_chart_labels_its_lines_without_overlap(browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport=A4)
    page.goto(SHIPPED.as_uri())
    page.emulate_media(media="print")
    page.screenshot(path=str(tmp_path / "a4.png"), full_page=True)
    assert (tmp_path / "a4.png").stat().st_size > 10_000
    chart = page.locator("svg.chart").bounding_box()
    labels = page.locator("svg.chart text.line-label")
    assert labels.count() == 4
    boxes = [labels.nth(i).bounding_box() for i in range(labels.count())]
    for i, box in enumerate(boxes):
        assert box is not None and box["width"] > 40
        # Inside the chart: not cut off at its right edge.
        assert chart["x"] <= box["x"] and box["x"] + box["width"] <= chart["x"] + chart["width"]
        for other in boxes[i + 1 :]:
            assert not overlap(box, other), f"labels overlap: {box} and {other}"
    texts = [labels.nth(i).text_content() or "" for i in range(labels.count())]
    assert any("Renewed civil war 19%" in t for t in texts)
    assert all("by Dec 20" in t for t in texts)
    page.close()


def test_the_shipped_brief_prints_marked_and_numbered_pages(browser, tmp_path: Path) -> None:
    from pypdf import PdfReader

    page = browser.new_page()
    page.goto(SHIPPED.as_uri())
    page.emulate_media(media="print")
    path = tmp_path / "printed.pdf"
    page.pdf(path=str(path), prefer_css_page_size=True, print_background=True)
    page.close()
    texts = [p.extract_text() for p in PdfReader(str(path)).pages]
    for number, text in enumerate(texts, start=1):
        assert text.count("TLP:AMBER") >= 2, f"printed page {number} lacks its markings"
        assert f"page {number} of {len(texts)}" in text
    annex = next(i for i, text in enumerate(texts, start=1) if "Evidence annex" in text)
    assert annex <= 4, f"the manager's part prints on {annex - 1} pages"

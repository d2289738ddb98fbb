"""The PDF brief itself: every page carries the TLP marking and its page number.

WeasyPrint (the `pdf` extra, in the test extra) lays the shipped November 2021 brief out
on A4; pypdf reads the text back page by page. Skipped only when WeasyPrint cannot load
and CI is unset; under CI that is a failure.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from foresight.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def weasyprint_or_skip() -> None:
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        if os.environ.get("CI"):
            raise
        pytest.skip("WeasyPrint or its system libraries are not installed")


@pytest.fixture(scope="module")
def shipped_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped November 2021 brief, rendered as a PDF from the example log."""
    weasyprint_or_skip()
    tmp = tmp_path_factory.mktemp("pdf")
    base = ["--workspace", str(ROOT), "--db", str(tmp / "foresight.db")]
    runner = CliRunner()
    result = runner.invoke(cli, [*base, "import", str(ROOT / "examples" / "observations.csv")])
    assert result.exit_code == 0, result.output
    out = tmp / "reports"
    result = runner.invoke(
        cli, [*base, "brief", "--month", "2021-11", "--format", "pdf", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == str(out / "2021-11.pdf")
    assert not (out / "2021-11.html").exists() and not (out / "2021-11.md").exists()
    return out / "2021-11.pdf"


def pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(path.read_bytes()))
    return [page.extract_text() for page in reader.pages]


def test_every_page_carries_the_marking_and_its_number(shipped_pdf: Path) -> None:
    texts = pages(shipped_pdf)
    assert len(texts) >= 3
    for number, text in enumerate(texts, start=1):
        assert text.count("TLP:AMBER") >= 2, f"page {number} lacks its top and bottom marking"
        assert f"page {number} of {len(texts)}" in text, f"page {number} has no page number"


def test_the_managers_pages_fit_on_three_and_the_annex_follows(shipped_pdf: Path) -> None:
    texts = pages(shipped_pdf)
    assert texts[0].index("Key judgements") < texts[0].index("November 2021 in brief")
    annex = next(i for i, text in enumerate(texts, start=1) if "Evidence annex" in text)
    assert annex <= 4, f"the manager's part takes {annex - 1} pages"
    manager = "\n".join(texts[: annex - 1])
    assert "Log-odds" not in manager
    assert "Cautious Optimism: The Past and the Future" in manager  # the reference list
    assert ".txt" not in "\n".join(texts)


def test_the_index_links_the_pdf(shipped_pdf: Path) -> None:
    index = (shipped_pdf.parent / "index.html").read_text(encoding="utf-8")
    assert '<a href="2021-11.pdf">PDF</a>' in index

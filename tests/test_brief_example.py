"""The committed November 2021 brief is exactly what the tool renders from the example log."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from click.testing import CliRunner

from foresight.cli import cli

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
GENERATED = re.compile(r'^(Generated: .*|<p class="generated">.*)$', re.MULTILINE)


def without_generation_time(text: str) -> str:
    """The text with its one generation-time line blanked."""
    return GENERATED.sub("", text)


def test_committed_brief_matches_a_fresh_render(tmp_path: Path) -> None:
    # The store is named by its file name only, so a fresh store called foresight.db
    # outside the workspace is described as the workspace's own default store is.
    db = tmp_path / "foresight.db"
    out = tmp_path / "reports"
    earlier = out / ".snapshots"
    earlier.mkdir(parents=True)
    for snapshot in sorted((REPORTS / ".snapshots").glob("*.json")):
        if snapshot.stem < "2021-11":
            shutil.copyfile(snapshot, earlier / snapshot.name)
    base = ["--workspace", str(ROOT), "--db", str(db)]
    runner = CliRunner()
    result = runner.invoke(cli, [*base, "import", str(ROOT / "examples" / "observations.csv")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*base, "brief", "--month", "2021-11", "--out", str(out)])
    assert result.exit_code == 0, result.output

    for name in ("2021-11.md", "2021-11.html", ".snapshots/2021-11.json"):
        committed = (REPORTS / name).read_text(encoding="utf-8")
        fresh = (out / name).read_text(encoding="utf-8")
        assert without_generation_time(committed) == without_generation_time(fresh), (
            f"reports/{name} is stale: re-render it with 'foresight import "
            "examples/observations.csv && foresight brief --month 2021-11' at the repo root"
        )
    for name in ("2021-11.md", "2021-11.html"):
        text = (REPORTS / name).read_text(encoding="utf-8")
        assert len(GENERATED.findall(text)) == 1
        assert "/tmp" not in text and str(ROOT) not in text
    index = (REPORTS / "index.html").read_text(encoding="utf-8")
    assert '<a href="2021-11.html">November 2021</a>' in index


def test_re_rendering_the_committed_brief_leaves_its_bytes_alone(tmp_path: Path) -> None:
    # The README's first command renders the November 2021 brief over the committed one:
    # a newcomer's checkout must stay clean, generation time and all.
    db = tmp_path / "foresight.db"
    out = tmp_path / "reports"
    shutil.copytree(REPORTS, out)
    base = ["--workspace", str(ROOT), "--db", str(db)]
    runner = CliRunner()
    result = runner.invoke(cli, [*base, "import", str(ROOT / "examples" / "observations.csv")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, [*base, "brief", "--month", "2021-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for path in sorted(REPORTS.rglob("*")):
        if path.is_file():
            copy = out / path.relative_to(REPORTS)
            assert copy.read_bytes() == path.read_bytes(), path.name


def test_a_changed_brief_is_rewritten_with_its_generation_time(tmp_path: Path) -> None:
    db = tmp_path / "foresight.db"
    out = tmp_path / "reports"
    out.mkdir()
    stale = out / "2021-11.md"
    stale.write_text("Generated: 1 January 2000, 00:00 UTC\nold text\n", encoding="utf-8")
    base = ["--workspace", str(ROOT), "--db", str(db)]
    result = CliRunner().invoke(
        cli,
        [*base, "brief", "--month", "2021-11", "--out", str(out)],
        env={"SOURCE_DATE_EPOCH": "1700000000"},
    )
    assert result.exit_code == 0, result.output
    text = stale.read_text(encoding="utf-8")
    assert "old text" not in text
    assert "Generated: 14 November 2023, 22:13 UTC" in text

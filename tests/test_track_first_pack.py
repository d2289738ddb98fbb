"""The track record on the first pack with the shipped example log, as the README shows it."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from foresight.cli import cli
from foresight.report import write_brief
from foresight.workspace import Workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "observations.csv"
RESOLVED = ("taliban-sco-invitation", "renewed-civil-war")


def run(db: Path, *args: str) -> Result:
    """The CLI on the repository's workspace and a store of the test's own."""
    return CliRunner().invoke(cli, ["--workspace", str(REPO), "--db", str(db), *args])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example log, with two scenarios resolved as not having happened."""
    path = tmp_path_factory.mktemp("track") / "foresight.db"
    assert run(path, "import", str(EXAMPLE)).exit_code == 0
    for scenario, on in zip(RESOLVED, ("2024-12-31", "2025-06-30"), strict=True):
        result = run(
            path,
            "resolve",
            scenario,
            "--outcome",
            "did-not-happen",
            "--on",
            on,
            "--source",
            "Desk review of the year's reporting",
        )
        assert result.exit_code == 0, result.output
    return path


def test_scorecard_json_has_scores_baselines_calibration_and_audit(db: Path) -> None:
    result = run(db, "scorecard", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["id"] for s in data["scenarios"]] == sorted(RESOLVED)
    for entry in data["scenarios"]:
        assert entry["outcome"] == "did-not-happen"
        assert set(entry["brier"]) == set(entry["log_score"]) == {"forecast", "prior", "even"}
        assert entry["brier"]["even"] == 0.25 and entry["log_score"]["even"] == 0.693147
        assert entry["steps"] == len(entry["path"]) > 12
        assert entry["path"][0]["date"] == "2021-11-30"
    sco = data["scenarios"][1]
    # Prior 0.3, did not happen: Brier 0.3^2 = 0.09, log -ln 0.7 = 0.356675.
    assert sco["brier"]["prior"] == 0.09 and sco["log_score"]["prior"] == 0.356675
    assert sco["resolved_on"] == "2024-12-31" and sco["path"][-1]["date"] == "2024-12-30"
    overall = data["overall"]
    parts = overall["reliability"] - overall["resolution"] + overall["uncertainty"]
    assert abs(parts + overall["within_bin"] - overall["brier"]) < 1e-5
    assert sum(b["count"] for b in data["calibration"]) == overall["forecasts"]
    assert {row["verdict"] for row in data["audit"]} <= {"right", "misled", "missed", "silent"}
    misled = [row for row in data["audit"] if row["verdict"] == "misled"]
    assert misled and all(row["log_odds"] > 0 for row in misled)  # pointed towards it
    # The example log was recorded today, long after both resolutions: no replayed
    # forecast could use it, and the scorecard says so.
    assert sco["path"] == [{"date": p["date"], "probability": 0.3} for p in sco["path"]]
    assert sco["late_observations"] > 0
    assert "recorded after it and took no part in its replay" in result.stderr


def test_backtest_of_the_example_log_uses_its_evidence(db: Path) -> None:
    result = run(db, "backtest", str(EXAMPLE), "--json")
    assert result.exit_code == 0, result.output
    sco = json.loads(result.stdout)["scenarios"][1]
    assert sco["id"] == "taliban-sco-invitation"
    assert any(p["probability"] != 0.3 for p in sco["path"])
    assert sco["late_observations"] == 0
    assert run(db, "log", "--json").stdout.count('"id"') == 59  # the log is as it was


def test_the_brief_shows_the_track_record_with_its_calibration_chart(
    db: Path, tmp_path: Path
) -> None:
    result = run(db, "brief", "--month", "2024-12", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    md = (tmp_path / "2024-12.md").read_text(encoding="utf-8")
    html = (tmp_path / "2024-12.html").read_text(encoding="utf-8")
    # Only the resolution settled by 31 December 2024 counts in December's brief.
    track = md[md.index("## Track record") : md.index("## Changes to the definitions")]
    assert "The Taliban government is invited into SCO activities | did not happen" in track
    assert "civil war" not in track.split("### Indicator audit")[0]
    assert "| 30%–40% | 38 | 30.0% | 0.0% |" in track
    assert "### Indicator audit" in track and "| misled |" in track
    section = html[html.index('<h2 id="track-record">') : html.index('<h2 id="changes">')]
    assert re.search(
        r'<svg xmlns="http://www.w3.org/2000/svg" class="chart calibration" '
        r'id="calibration-chart" [^>]*role="img" '
        r'aria-labelledby="calibration-chart-title calibration-chart-desc">',
        section,
    )
    assert '<title id="calibration-chart-title">Calibration of 38 monthly forecast(s)' in section
    assert "30–40%: 38 forecast(s), mean 30.0%, happened 0.0%" in section
    assert '<h3 id="indicator-audit">Indicator audit</h3>' in section
    assert html.count("<svg") == html.count("</svg>")


def test_a_brief_before_any_resolution_is_unchanged(db: Path, tmp_path: Path) -> None:
    result = run(db, "brief", "--month", "2024-11", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "Track record" not in (tmp_path / "2024-11.md").read_text(encoding="utf-8")
    assert "track-record" not in (tmp_path / "2024-11.html").read_text(encoding="utf-8")


def test_a_past_brief_with_a_track_record_is_reproducible(db: Path, tmp_path: Path) -> None:
    generated = re.compile(r'^(Generated: .*|<p class="generated">.*)$', re.MULTILINE)
    texts = []
    for attempt in ("first", "second"):
        out = tmp_path / attempt
        assert run(db, "brief", "--month", "2024-12", "--out", str(out)).exit_code == 0
        texts.append(
            [
                generated.sub("", (out / f"2024-12.{fmt}").read_text("utf-8"))
                for fmt in ("md", "html")
            ]
        )
    assert texts[0] == texts[1]


def test_a_library_user_can_leave_the_audit_out(db: Path, tmp_path: Path) -> None:
    workspace = Workspace.open(REPO, str(db))
    try:
        written = write_brief(workspace, dt.date(2024, 12, 1), out=tmp_path, audit=False)
    finally:
        workspace.close()
    track = written.brief.track
    assert track is not None and not track.show_audit and track.audit
    md = (tmp_path / "2024-12.md").read_text(encoding="utf-8")
    assert "## Track record" in md and "Indicator audit" not in md


def test_resolving_as_happened_after_the_horizon_warns(tmp_path: Path) -> None:
    db = tmp_path / "foresight.db"
    result = run(
        db,
        "resolve",
        "taliban-sco-invitation",
        "--outcome",
        "happened",
        "--on",
        "2025-01-15",
        "--source",
        "Late invitation",
    )
    assert result.exit_code == 0, result.output
    assert "Warning: taliban-sco-invitation's horizon is 2024-12-31" in result.stderr

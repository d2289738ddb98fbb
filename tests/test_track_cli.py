"""The track-record commands as an analyst runs them, on both backends.

The test workspace's scenarios have their priors set on 2026-01-01 (example-scenario at
0.3, other-scenario at 0.4) and their horizon on 2027-12-31.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from conftest import Run, Stores

RESOLVE = shlex.split('--outcome happened --on 2026-03-31 --source "Customs notice"')
EARLY = {  # known from 2 February
    "indicator": "example-indicator",
    "observed_on": "2026-02-01",
    "source": "Customs notice",
    "reliability": "A",
    "credibility": "1",
    "recorded_at": "2026-02-02T10:00:00+00:00",
}
LATE = {  # observed on 10 February, but only logged on 15 March
    "indicator": "second-indicator",
    "observed_on": "2026-02-10",
    "source": "Trader interviews",
    "reliability": "B",
    "credibility": "2",
    "recorded_at": "2026-03-15T10:00:00+00:00",
}


def write_jsonl(path: Path, *rows: dict[str, str]) -> Path:
    """An import file with these rows."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def scorecard(run: Run, *extra: str, db: str | None = None) -> dict[str, Any]:
    """The scorecard as JSON."""
    result = run("scorecard", "--json", *extra, db=db)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def resolutions(run: Run) -> list[dict[str, Any]]:
    """Every resolution as JSON, retracted ones too."""
    result = run("resolutions", "--all", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_resolve_prints_the_id_and_records_who_when_and_why(run: Run) -> None:
    before = dt.datetime.now(dt.UTC)
    result = run("resolve", "example-scenario", *RESOLVE, "--note", "Lorries crossed all month.")
    assert result.exit_code == 0, result.output
    assert result.stdout == "1\n"
    assert "Resolved example-scenario as happened on 2026-03-31 (resolution 1)." in result.stderr
    [found] = resolutions(run)
    assert {k: v for k, v in found.items() if k != "recorded_at"} == {
        "id": 1,
        "scenario": "example-scenario",
        "outcome": "happened",
        "resolved_on": "2026-03-31",
        "source": "Customs notice",
        "note": "Lorries crossed all month.",
        "analyst": "tester",
        "retracted": False,
        "retracted_at": None,
        "retracted_by": None,
        "retraction_reason": None,
    }
    assert dt.datetime.fromisoformat(found["recorded_at"]) >= before
    voided = run("resolve", "other-scenario", "--outcome", "void", "--on", "2026-02-01")
    assert voided.exit_code == 2  # --source is required
    voided = run(
        "resolve", "other-scenario", "--outcome", "void", "--on", "2026-02-01", "--source", "x"
    )
    assert voided.exit_code == 0, voided.output
    table = run("resolutions")
    assert table.exit_code == 0, table.output
    assert "example-scenario" in table.stdout and "void" in table.stdout


def test_bad_resolutions_are_clear_errors_that_write_nothing(run: Run) -> None:
    unknown = run("resolve", "example-scenari", *RESOLVE)
    assert unknown.exit_code == 1
    assert unknown.stderr == (
        "Error: no scenario 'example-scenari', did you mean 'example-scenario'? "
        "(see 'foresight scenarios')\n"
    )
    word = run("resolve", "example-scenario", *RESOLVE[2:], "--outcome", "yes")
    assert word.exit_code == 2
    assert "'yes' is not one of 'happened', 'did-not-happen', 'void'" in word.output
    early = run("resolve", "example-scenario", *RESOLVE[:2], "--on", "2025-12-31", *RESOLVE[4:])
    assert early.exit_code == 1
    assert early.stderr == (
        "Error: the resolution date 2025-12-31 is before example-scenario's prior was set "
        "(2026-01-01); a forecast can only be scored from then on\n"
    )
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    future = run("resolve", "example-scenario", *RESOLVE[:2], "--on", tomorrow, *RESOLVE[4:])
    assert future.exit_code == 1
    assert f"the resolution date {tomorrow} is in the future" in future.stderr
    blank = run("resolve", "example-scenario", *RESOLVE[:4], "--source", "  ")
    assert blank.exit_code == 1
    assert blank.stderr == "Error: give a source for the resolution\n"
    bad_date = run("resolve", "example-scenario", *RESOLVE[:2], "--on", "31/03/2026")
    assert bad_date.exit_code == 2
    assert "Traceback" not in unknown.output + early.output + future.output + blank.output
    assert resolutions(run) == []


def test_resolving_again_needs_the_current_resolution_retracted_first(run: Run) -> None:
    assert run("resolve", "example-scenario", *RESOLVE).exit_code == 0
    again = run("resolve", "example-scenario", *RESOLVE[2:], "--outcome", "did-not-happen")
    assert again.exit_code == 1
    assert again.stderr == (
        "Error: scenario 'example-scenario' is already resolved as happened on 2026-03-31 "
        "(resolution 1, by tester); retract that first with "
        "'foresight unresolve example-scenario --reason TEXT'\n"
    )
    assert run("unresolve", "example-scenario").exit_code == 2  # --reason is required
    retracted = run(
        "unresolve",
        "example-scenario",
        "--reason",
        "Lorries only crossed one way.",
        "--analyst",
        "bob",
    )
    assert retracted.exit_code == 0, retracted.output
    assert retracted.stderr == (
        "Retracted resolution 1 of example-scenario (happened on 2026-03-31).\n"
    )
    fixed = run("resolve", "example-scenario", *RESOLVE[2:], "--outcome", "did-not-happen")
    assert fixed.exit_code == 0, fixed.output
    first, second = resolutions(run)
    assert (first["retracted"], first["retracted_by"], first["retraction_reason"]) == (
        True,
        "bob",
        "Lorries only crossed one way.",
    )
    assert first["outcome"] == "happened"  # kept as it was, never edited
    assert (second["id"], second["outcome"], second["retracted"]) == (2, "did-not-happen", False)
    current = run("resolutions", "--json")
    assert [r["id"] for r in json.loads(current.stdout)] == [2]
    listed = run("resolutions", "--all")
    assert "retracted" in listed.stdout and "bob" in listed.stdout


def test_unresolve_refuses_unknown_and_unresolved_scenarios(run: Run) -> None:
    unknown = run("unresolve", "other-scenari", "--reason", "x")
    assert unknown.exit_code == 1
    assert "no scenario 'other-scenari', did you mean 'other-scenario'?" in unknown.stderr
    unresolved = run("unresolve", "other-scenario", "--reason", "x")
    assert unresolved.exit_code == 1
    assert unresolved.stderr == (
        "Error: scenario 'other-scenario' has no current resolution to retract\n"
    )
    blank = run("resolve", "other-scenario", *RESOLVE)
    assert blank.exit_code == 0
    reasonless = run("unresolve", "other-scenario", "--reason", "  ")
    assert reasonless.exit_code == 1
    assert reasonless.stderr == "Error: give a reason for the retraction\n"
    assert not resolutions(run)[0]["retracted"]


def test_status_marks_scenarios_awaiting_resolution(run: Run) -> None:
    assert run("resolve", "example-scenario", *RESOLVE).exit_code == 0
    after = run("status", "--as-of", "2028-01-15", "--json")
    assert after.exit_code == 0, after.output
    rows = {s["id"]: s for s in json.loads(after.stdout)["scenarios"]}
    assert rows["other-scenario"]["awaiting_resolution"] is True
    assert rows["other-scenario"]["resolution"] is None
    assert rows["example-scenario"]["awaiting_resolution"] is False
    assert rows["example-scenario"]["resolution"] == {
        "id": 1,
        "outcome": "happened",
        "resolved_on": "2026-03-31",
        "source": "Customs notice",
        "analyst": "tester",
    }
    before = json.loads(run("status", "--as-of", "2026-03-30", "--json").stdout)
    assert all(
        not s["awaiting_resolution"] and s["resolution"] is None for s in before["scenarios"]
    )
    table = run("status", "--as-of", "2028-01-15")
    assert table.exit_code == 0, table.output
    assert "Resolved: example-scenario happened on 31 March 2026." in table.stdout
    assert "Awaiting resolution: other-scenario is past its horizon" in table.stdout


def test_a_scorecard_with_nothing_resolved(run: Run) -> None:
    result = run("scorecard")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "No scenario has been resolved yet" in result.stderr
    assert scorecard(run) == {"scenarios": [], "overall": None, "calibration": [], "audit": []}


def test_the_scorecard_scores_the_path_against_hand_computed_baselines(run: Run) -> None:
    assert run("resolve", "example-scenario", *RESOLVE).exit_code == 0
    assert run("resolve", "other-scenario", *RESOLVE[2:], "--outcome", "void").exit_code == 0
    data = scorecard(run)
    scored, void = data["scenarios"]
    assert (void["id"], void["outcome"], void["brier"], void["path"]) == (
        "other-scenario",
        "void",
        None,
        [],
    )
    # No evidence: 0.3 at January's and February's ends and on the eve of the resolution
    # (only forecasts made before it are scored), for an outcome that happened.
    # Brier (1 - 0.3)^2 = 0.49; log -ln 0.3 = 1.203973; 50%: 0.25, ln 2.
    assert scored["path"] == [
        {"date": "2026-01-31", "probability": 0.3},
        {"date": "2026-02-28", "probability": 0.3},
        {"date": "2026-03-30", "probability": 0.3},
    ]
    assert scored["brier"] == {"forecast": 0.49, "prior": 0.49, "even": 0.25}
    assert scored["log_score"] == {"forecast": 1.203973, "prior": 1.203973, "even": 0.693147}
    assert (scored["steps"], scored["mean_probability"], scored["crossed_half_on"]) == (
        3,
        0.3,
        None,
    )
    assert data["overall"]["brier"] == 0.49 and data["overall"]["forecasts"] == 3
    assert data["calibration"] == [
        {"low": 0.3, "high": 0.4, "count": 3, "mean_forecast": 0.3, "observed_frequency": 1.0}
    ]
    verdicts = {row["indicator"]: row["verdict"] for row in data["audit"]}
    assert verdicts == {"example-indicator": "missed", "second-indicator": "missed"}
    # Weekly steps count from prior_set_on (2026-01-01, a Thursday), whatever --from says.
    weekly = scorecard(run, "--step", "week", "--from", "2026-03-01")
    assert [p["date"] for p in weekly["scenarios"][0]["path"]] == [
        "2026-03-05",
        "2026-03-12",
        "2026-03-19",
        "2026-03-26",
    ]
    backwards = run("scorecard", "--from", "2026-03-01", "--to", "2026-02-01")
    assert backwards.exit_code == 2
    assert "--from 2026-03-01 is after --to 2026-02-01" in backwards.output
    table = run("scorecard")
    assert table.exit_code == 0, table.output
    for text in ("example-scenario", "0.490", "1.204", "void: not scored", "Overall Brier"):
        assert text in table.stdout, text
    assert "missed" in table.stdout


def test_the_replay_uses_only_what_was_recorded_by_each_date(
    run: Run, stores: Stores, tmp_path: Path
) -> None:
    both = write_jsonl(tmp_path / "both.jsonl", EARLY, LATE)
    early_only = write_jsonl(tmp_path / "early.jsonl", EARLY)
    other_db = stores.new_url()
    for db, file in ((None, both), (other_db, early_only)):
        assert run("import", str(file), db=db).exit_code == 0
        assert run("resolve", "example-scenario", *RESOLVE, db=db).exit_code == 0
    with_late = scorecard(run)["scenarios"][0]["path"]
    without = scorecard(run, db=other_db)["scenarios"][0]["path"]
    assert with_late[0]["probability"] == 0.3  # nothing had been recorded by 31 January
    assert with_late[1]["probability"] > 0.3  # the early report, known from 2 February
    # The late report is dated 10 February but was recorded on 15 March: the February
    # point ignores it, the March point counts it.
    assert with_late[:2] == without[:2]
    assert with_late[2]["probability"] > without[2]["probability"]
    # Retracting it now rewrites nothing that was believed before.
    assert run("retract", "2", "--reason", "Misread the interviews.").exit_code == 0
    assert scorecard(run)["scenarios"][0]["path"] == with_late


def test_backtest_replays_a_file_without_touching_the_log(run: Run, tmp_path: Path) -> None:
    assert run("resolve", "example-scenario", *RESOLVE).exit_code == 0
    plain = {k: v for k, v in LATE.items() if k != "recorded_at"}
    file = write_jsonl(tmp_path / "what-if.jsonl", plain)
    result = run("backtest", str(file), "--json")
    assert result.exit_code == 0, result.output
    path = json.loads(result.stdout)["scenarios"][0]["path"]
    # Without recorded_at a row counts from the day it was observed: 10 February.
    assert path[0]["probability"] == 0.3 and path[1]["probability"] > 0.3
    assert "the workspace's log was not touched" in result.stderr
    assert json.loads(run("log", "--json").stdout) == []
    bad = write_jsonl(tmp_path / "bad.jsonl", {**plain, "indicator": "no-such-indicator"})
    refused = run("backtest", str(bad))
    assert refused.exit_code == 1
    assert "no-such-indicator" in refused.stderr and "Traceback" not in refused.output
    table = run("backtest", str(file))
    assert table.exit_code == 0, table.output
    assert "example-scenario" in table.stdout


def test_an_export_backtests_to_the_same_scorecard(run: Run, tmp_path: Path) -> None:
    assert run("import", str(write_jsonl(tmp_path / "log.jsonl", EARLY, LATE))).exit_code == 0
    assert run("retract", "1", "--reason", "Wrong crossing.").exit_code == 0
    assert run("resolve", "example-scenario", *RESOLVE).exit_code == 0
    exported = tmp_path / "export.jsonl"
    assert run("export", "--output", str(exported)).exit_code == 0
    result = run("backtest", str(exported), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == scorecard(run)


def test_the_brief_gains_a_track_record_once_a_scenario_is_resolved(
    run: Run, log_ws: Path, tmp_path: Path
) -> None:
    assert run("import", str(write_jsonl(tmp_path / "log.jsonl", EARLY, LATE))).exit_code == 0
    out = tmp_path / "reports"
    assert run("brief", "--month", "2026-03", "--out", str(out)).exit_code == 0
    assert "Track record" not in (out / "2026-03.md").read_text(encoding="utf-8")
    assert run("resolve", "example-scenario", *RESOLVE).exit_code == 0
    assert run("brief", "--month", "2026-02", "--out", str(out)).exit_code == 0
    assert "Track record" not in (out / "2026-02.md").read_text(encoding="utf-8")
    assert run("brief", "--month", "2026-03", "--out", str(out)).exit_code == 0
    md = (out / "2026-03.md").read_text(encoding="utf-8")
    html = (out / "2026-03.html").read_text(encoding="utf-8")
    track = md[md.index("## Track record") : md.index("## Changes to the definitions")]
    assert "| The border reopens to trade | happened | 2026-03-31 | 3 |" in track
    assert "Overall Brier score" in track and "### Indicator audit" in track
    assert '<h2 id="track-record">Track record</h2>' in html
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart calibration"') :]
    svg = svg[: svg.index("</svg>")]
    assert '<title id="calibration-chart-title">Calibration of 3 monthly forecast(s)' in svg
    assert '<desc id="calibration-chart-desc">Scatter chart' in svg and "<circle" in svg
    # The audit is optional: an empty workspace template leaves it out.
    (log_ws / "templates").mkdir()
    (log_ws / "templates" / "_audit.md.j2").write_text("", encoding="utf-8")
    (log_ws / "templates" / "_audit.html.j2").write_text("", encoding="utf-8")
    assert run("brief", "--month", "2026-03", "--out", str(out)).exit_code == 0
    assert "Indicator audit" not in (out / "2026-03.md").read_text(encoding="utf-8")
    assert "Indicator audit" not in (out / "2026-03.html").read_text(encoding="utf-8")


def test_the_brief_lists_scenarios_awaiting_resolution(
    run: Run, log_ws: Path, tmp_path: Path
) -> None:
    # A brief can only be for a month that has begun: bring the horizon into the past.
    path = log_ws / "scenarios" / "example-scenario.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("horizon: 2027-12-31", "horizon: 2026-06-30"),
        encoding="utf-8",
    )
    out = tmp_path / "reports"
    result = run("brief", "--month", "2026-07", "--out", str(out))
    assert result.exit_code == 0, result.output
    md = (out / "2026-07.md").read_text(encoding="utf-8")
    assert "No scenario had been resolved by 31 July 2026." in md
    assert "- The border reopens to trade (example-scenario): its horizon, 30 June 2026" in md
    html = (out / "2026-07.html").read_text(encoding="utf-8")
    assert "<h3>Awaiting resolution</h3>" in html and "calibration" not in html

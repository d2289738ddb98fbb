"""The engine's commands on the first pack, through the CLI as an analyst uses them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from foresight.cli import cli

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2021-11-30"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("engine") / "foresight.db")
    result = run(path, "import", str(REPO / "examples" / "observations.csv"))
    assert result.exit_code == 0, result.output
    return path


def run(db: str, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(REPO), "--db", db, *args])


def status(db: str, *extra: str) -> dict:
    result = run(db, "status", "--as-of", AS_OF, "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_status_json_follows_the_contract(db: str) -> None:
    data = status(db)
    assert data["as_of"] == AS_OF
    ids = {s["id"] for s in data["scenarios"]}
    assert ids == {
        "deeper-russia-taliban-ties",
        "taliban-sco-invitation",
        "renewed-civil-war",
        "isis-k-spillover",
    }
    for row in data["scenarios"]:
        assert {
            "id",
            "title",
            "probability",
            "prior",
            "estimative",
            "change_30d",
            "state",
            "horizon",
            "time_frame",
            "question",
        } <= set(row)
        assert 0 < row["probability"] < 1 and 0 < row["prior"] < 1
        assert isinstance(row["estimative"], str) and row["estimative"]
        assert row["state"] == "open" and row["time_frame"].startswith("by 31 December 202")
    # the first pack's four scenarios are four yes/no questions: none is "favoured" over another
    assert "favoured" not in data
    assert [q["kind"] for q in data["questions"]] == ["yes-no"] * 4
    calls = [q["call"]["probability"] for q in data["questions"]]
    assert calls == sorted(calls, reverse=True)


def test_status_as_a_table(db: str) -> None:
    result = run(db, "status", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    assert "renewed-civil-war" in result.output and "%" in result.output


def test_support_raises_and_retracting_restores_the_exact_probability(tmp_path: Path) -> None:
    db = str(tmp_path / "foresight.db")
    assert run(db, "import", str(REPO / "examples" / "observations.csv")).exit_code == 0
    before = {s["id"]: s["probability"] for s in status(db)["scenarios"]}
    added = run(
        db,
        "observe",
        "opposition-holds-territory",
        "--date",
        "2021-11-20",
        "--source",
        "Test wire report",
        "--reliability",
        "A",
        "--credibility",
        "1",
    )
    assert added.exit_code == 0, added.output
    observation_id = added.stdout.strip()
    raised = {s["id"]: s["probability"] for s in status(db)["scenarios"]}
    assert raised["renewed-civil-war"] > before["renewed-civil-war"] + 0.05
    retracted = run(db, "retract", observation_id, "--reason", "Wrong district")
    assert retracted.exit_code == 0, retracted.output
    assert {s["id"]: s["probability"] for s in status(db)["scenarios"]} == before


def test_as_of_ignores_later_observations(db: str) -> None:
    early = status(db)
    result = run(db, "status", "--as-of", "2021-06-30", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["scenarios"] != early["scenarios"]
    assert status(db) == early


def test_favoured_answers_each_question_without_comparing_them(db: str) -> None:
    result = run(db, "favoured", "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    first, *rest = result.stdout.splitlines()
    assert first == "Open questions as of 30 November 2021, most confident call first:"
    assert rest[0].startswith("1. Will “") and rest[0].endswith("happen by 31 December 2025?")
    assert "even odds." in rest[1]
    assert "ahead of" not in result.stdout and "flip the call" not in result.stdout
    assert "What would change the call:" in result.stdout
    data = json.loads(run(db, "favoured", "--as-of", AS_OF, "--json").stdout)
    assert len(data["questions"]) == 4
    assert all(q["call"]["answer"] in ("yes", "no") for q in data["questions"])
    assert any(q["would_change_the_call"] for q in data["questions"])
    assert data["awaiting_resolution"] == [] and data["resolved"] == []


def test_explain_lists_contributions_strongest_first(db: str) -> None:
    result = run(db, "explain", "renewed-civil-war", "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    points = [abs(c["points"]) for c in data["contributions"]]
    assert points == sorted(points, reverse=True) and points
    assert all(
        {"observation", "indicator", "log_odds", "points"} <= set(c) for c in data["contributions"]
    )
    assert data["signposts"]
    text = run(db, "explain", "renewed-civil-war", "--as-of", AS_OF)
    assert "Prior 25.0%" in text.output and "Observations that moved it" in text.output


def test_explain_flags_overdue_indicators(db: str) -> None:
    data = json.loads(
        run(db, "explain", "taliban-sco-invitation", "--as-of", "2026-01-01", "--json").stdout
    )
    assert data["overdue"], "indicators past expected_by with no observation are flagged"
    assert all(o["expected_by"] < "2026-01-01" for o in data["overdue"])


def test_explain_unknown_scenario_suggests_the_right_one(db: str) -> None:
    result = run(db, "explain", "renewed-civil-wars")
    assert result.exit_code == 1
    assert "did you mean 'renewed-civil-war'?" in result.output


def test_history_paths(db: str) -> None:
    result = run(db, "history", "--all", "--from", "2021-01-01", "--to", AS_OF, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["date"] for p in data["points"]][-1] == AS_OF
    assert len(data["points"]) == 11
    assert set(data["points"][0]["probabilities"]) == {s["id"] for s in data["scenarios"]}
    last = data["points"][-1]["probabilities"]
    assert last == {s["id"]: s["probability"] for s in status(db)["scenarios"]}
    weekly = run(
        db,
        "history",
        "renewed-civil-war",
        "--step",
        "week",
        "--from",
        "2021-11-01",
        "--to",
        AS_OF,
        "--json",
    )
    assert len(json.loads(weekly.stdout)["points"]) == 5
    assert run(db, "history").exit_code == 2
    assert run(db, "history", "renewed-civil-war", "--all").exit_code == 2
    assert run(db, "history", "--all", "--from", "2022-01-01", "--to", "2021-01-01").exit_code == 2

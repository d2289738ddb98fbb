"""Questions, time frames and a scenario's life: through the CLI and as properties."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from factories import definitions, indicator, logs, packs, scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight.cli import cli
from foresight.engine import Engine
from foresight.questions import board, none_of_these, outcome_probabilities
from foresight.records import Resolution

REPO = Path(__file__).resolve().parent.parent
TODAY = "2026-12-01"
CROCUS = "2024-03-22"  # the Crocus City Hall attack near Moscow, claimed by ISIS-K


def run(workspace: Path | str, db: str, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(workspace), "--db", db, *args])


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = str(tmp_path_factory.mktemp("questions") / "foresight.db")
    result = run(REPO, path, "import", str(REPO / "examples" / "observations.csv"))
    assert result.exit_code == 0, result.output
    return path


def test_first_pack_today_favoured_speaks_only_of_open_questions(db: str) -> None:
    result = run(REPO, db, "favoured", "--as-of", TODAY)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "Open questions as of 1 December 2026, most confident call first:"
    assert out.splitlines()[1] == (
        "1. Will “ISIS-K violence spills over into Central Asia or Russia” happen by "
        "31 December 2026?"
    )
    assert "2. " not in out  # the three others are past their horizons
    assert "ahead of" not in out and "flip the call" not in out
    for sid in ("deeper-russia-taliban-ties", "renewed-civil-war", "taliban-sco-invitation"):
        assert f"Awaiting resolution: {sid} is past its horizon" in out
        assert f"foresight resolve {sid} --outcome happened|did-not-happen|void" in out
    data = json.loads(run(REPO, db, "favoured", "--as-of", TODAY, "--json").stdout)
    assert [q["id"] for q in data["questions"]] == ["isis-k-spillover"]
    assert [s["id"] for s in data["awaiting_resolution"]] == [
        "deeper-russia-taliban-ties",
        "renewed-civil-war",
        "taliban-sco-invitation",
    ]
    for change in data["questions"][0]["would_change_the_call"]:
        assert "deeper-russia" not in change["effect"]


def test_first_pack_today_status_shows_states_and_time_frames(db: str) -> None:
    data = json.loads(run(REPO, db, "status", "--as-of", TODAY, "--json").stdout)
    states = {s["id"]: (s["state"], s["time_frame"]) for s in data["scenarios"]}
    assert states == {
        "isis-k-spillover": ("open", "by 31 December 2026"),
        "deeper-russia-taliban-ties": ("awaiting-resolution", "by 31 December 2025"),
        "renewed-civil-war": ("awaiting-resolution", "by 31 December 2025"),
        "taliban-sco-invitation": ("awaiting-resolution", "by 31 December 2024"),
    }
    table = run(REPO, db, "status", "--as-of", TODAY)
    assert table.exit_code == 0, table.output
    assert "awaiting resolution" in table.stdout and "31 December 2026" in table.stdout


def test_first_pack_as_of_2021_has_four_open_yes_no_questions(db: str) -> None:
    data = json.loads(run(REPO, db, "status", "--as-of", "2021-11-30", "--json").stdout)
    assert {s["state"] for s in data["scenarios"]} == {"open"}
    assert all(q["kind"] == "yes-no" and len(q["answers"]) == 1 for q in data["questions"])


def test_a_settling_report_holds_the_scenario_and_offers_the_resolve_command(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "log.db")
    assert run(REPO, db, "import", str(REPO / "examples" / "observations.csv")).exit_code == 0
    added = run(
        REPO,
        db,
        "observe",
        "isis-k-attack-beyond-afghanistan",
        "--date",
        CROCUS,
        "--source",
        "Crocus City Hall attack, claimed by ISIS-K",
        "--reliability",
        "A",
        "--credibility",
        "1",
    )
    assert added.exit_code == 0, added.output
    path = run(
        REPO,
        db,
        "history",
        "isis-k-spillover",
        "--from",
        CROCUS,
        "--to",
        TODAY,
        "--step",
        "week",
        "--json",
    )
    assert path.exit_code == 0, path.output
    points = json.loads(path.stdout)["points"]
    assert len(points) > 100
    assert all(p["probabilities"]["isis-k-spillover"] > 0.5 for p in points)
    data = json.loads(run(REPO, db, "status", "--as-of", TODAY, "--json").stdout)
    row = next(s for s in data["scenarios"] if s["id"] == "isis-k-spillover")
    assert row["settled_by"][0]["observed_on"] == CROCUS
    assert row["resolve_command"] == (
        "foresight resolve isis-k-spillover --outcome happened --on 2024-03-22 "
        "--source 'Crocus City Hall attack, claimed by ISIS-K'"
    )
    text = run(REPO, db, "favoured", "--as-of", TODAY).stdout
    assert "The resolution criterion of isis-k-spillover appears to be met" in text
    assert row["resolve_command"] in text
    resolved = run(
        REPO,
        db,
        "resolve",
        "isis-k-spillover",
        "--outcome",
        "happened",
        "--on",
        CROCUS,
        "--source",
        "Crocus City Hall attack, claimed by ISIS-K",
    )
    assert resolved.exit_code == 0, resolved.output
    data = json.loads(run(REPO, db, "status", "--as-of", TODAY, "--json").stdout)
    row = next(s for s in data["scenarios"] if s["id"] == "isis-k-spillover")
    assert row["state"] == "resolved" and row["probability"] == 1.0
    assert row["resolve_command"] is None
    assert 0.5 < row["forecast"] < 1.0  # the replayed forecast stays available
    favoured = json.loads(run(REPO, db, "favoured", "--as-of", TODAY, "--json").stdout)
    assert favoured["questions"] == []
    assert [s["id"] for s in favoured["resolved"]] == ["isis-k-spillover"]


def _scenario_file(
    folder: Path, sid: str, prior: float, group: str | None = None, implies: list[str] | None = None
) -> None:
    data = {
        "id": sid,
        "title": f"Title {sid}",
        "summary": "A future.",
        "prior": prior,
        "prior_rationale": "Base rates.",
        "prior_set_on": "2024-01-01",
        "horizon": "2027-12-31",
        "resolution": "It happens.",
        "sources": [{"document": "Doc", "quote": "A quote."}],
    }
    if group:
        data["group"] = group
    if implies:
        data["implies"] = implies
    (folder / "scenarios" / f"{sid}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


def _indicator_file(folder: Path, iid: str, weights: dict) -> None:
    data = {
        "id": iid,
        "title": f"Signpost {iid}",
        "description": "Something seen.",
        "half_life_days": 90,
        "weights": weights,
        "sources": [{"document": "Doc", "quote": "A quote."}],
    }
    (folder / "indicators" / f"{iid}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A pack with one exclusive group of two and two standalone scenarios."""
    root = tmp_path / "pack"
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    for folder in ("scenarios", "indicators"):
        shutil.rmtree(root / folder)
        (root / folder).mkdir()
    _scenario_file(root, "coup", 0.2, "regime")
    _scenario_file(root, "election", 0.5, "regime")
    _scenario_file(root, "sanctions", 0.3, implies=["talks"])
    _scenario_file(root, "talks", 0.6)
    _indicator_file(
        root,
        "troops",
        {"coup": {"observed": "strong-for"}, "election": {"observed": "moderate-against"}},
    )
    _indicator_file(
        root,
        "summit",
        {
            "talks": {"observed": "strong-against"},
            "sanctions": {"observed": "strong-for"},
            "election": {"observed": "weak-for"},
        },
    )
    return root


def test_a_group_and_standalone_scenarios_are_never_compared(small: Path) -> None:
    db = str(small / "log.db")
    result = run(
        small,
        db,
        "resolve",
        "talks",
        "--outcome",
        "did-not-happen",
        "--on",
        "2026-06-30",
        "--source",
        "Talks collapsed",
    )
    assert result.exit_code == 0, result.output
    observed = run(
        small,
        db,
        "observe",
        "summit",
        "--date",
        "2026-11-01",
        "--source",
        "Wire",
        "--reliability",
        "A",
        "--credibility",
        "1",
    )
    assert observed.exit_code == 0, observed.output
    favoured = run(small, db, "favoured", "--as-of", TODAY)
    assert favoured.exit_code == 0, favoured.output
    for line in favoured.stdout.splitlines():
        if "ahead of" in line:  # only answers of the one group compete
            assert "sanctions" not in line and "talks" not in line.lower()
    assert "Which of “Title coup”, “Title election” or none of these" in favoured.stdout
    assert "Resolved: talks did not happen on 30 June 2026." in favoured.stdout
    assert "Incoherent: sanctions" in favoured.stdout  # sanctions implies talks, which failed
    data = json.loads(run(small, db, "status", "--as-of", TODAY, "--json").stdout)
    group = next(q for q in data["questions"] if q["id"] == "regime")
    assert math.isclose(sum(a["probability"] for a in group["answers"]), 1.0, abs_tol=1e-5)
    assert any(a["id"] is None and a["title"] == "none of these" for a in group["answers"])
    talks = next(s for s in data["scenarios"] if s["id"] == "talks")
    assert talks["state"] == "resolved" and talks["probability"] == 0.0
    assert data["incoherent"][0]["scenario"] == "sanctions"
    brief = run(small, db, "brief", "--month", "2026-11", "--out", str(small / "out"))
    assert brief.exit_code == 0, brief.output
    text = (small / "out" / "2026-11.md").read_text(encoding="utf-8")
    assert "## Settled and awaiting resolution" in text
    assert "by 31 December 2027" in text
    bottom = text.split("## Key judgements")[1].split("## ")[0]
    assert ") that Title sanctions by 31 December 2027." in bottom
    for line in bottom.splitlines():
        assert not ("sanctions" in line and "ahead of" in line)


def test_validate_checks_implication_links(small: Path) -> None:
    _scenario_file(small, "talks", 0.6, implies=["sanctions"])
    result = CliRunner().invoke(cli, ["--workspace", str(small), "validate"])
    assert result.exit_code == 1
    assert "the implications form a cycle: sanctions -> talks -> sanctions" in result.output
    _scenario_file(small, "talks", 0.6, implies=["sanctoins"])
    result = CliRunner().invoke(cli, ["--workspace", str(small), "validate"])
    assert result.exit_code == 1
    assert "implies: no scenario has the id 'sanctoins' (did you mean 'sanctions'?)" in (
        result.output
    )


def test_a_settles_weight_must_point_the_right_way(small: Path) -> None:
    _indicator_file(
        small, "troops", {"coup": {"observed": "strong-against", "settles": "happened"}}
    )
    result = CliRunner().invoke(cli, ["--workspace", str(small), "validate"])
    assert result.exit_code == 1
    assert "'settles: happened' needs a weight for the scenario when observed" in result.output


resolution_outcomes = st.sampled_from(["happened", "did-not-happen", "void"])


def _resolution(sid: str, outcome: str, day: dt.date) -> Resolution:
    return Resolution(
        1, sid, outcome, day, "src", "", "tester", dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    )


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_question_laws(data: st.DataObject) -> None:
    pack = data.draw(packs())
    log = data.draw(logs(pack))
    day = dt.date(2022, 6, 30)
    forecasts = {sid: r.probability for sid, r in Engine(pack, log).assess(day).results.items()}
    chosen = data.draw(st.lists(st.sampled_from(sorted(pack.scenarios)), unique=True))
    grouped_winner = False
    resolutions = {}
    for sid in chosen:
        outcome = data.draw(resolution_outcomes)
        if pack.scenarios[sid].group and outcome == "happened":
            if grouped_winner:
                outcome = "did-not-happen"
            grouped_winner = True
        resolutions[sid] = _resolution(sid, outcome, day - dt.timedelta(days=10))
    result = board(list(pack.scenarios.values()), forecasts, day, "icd203", resolutions)
    shown = outcome_probabilities(pack.scenarios.values(), forecasts, resolutions)
    for sid, standing in result.standings.items():
        resolution = resolutions.get(sid)
        if resolution is not None:  # a resolved scenario's probability is its outcome
            assert standing.state == "resolved"
            assert standing.probability == {"happened": 1.0, "did-not-happen": 0.0}.get(
                resolution.outcome
            )
    members = [s for s in pack.scenarios.values() if s.group]
    if members:  # a group's answers, "none of these" included, sum to 1
        total = sum(shown[m.id] or 0.0 for m in members) + none_of_these(members, shown)
        assert math.isclose(total, 1.0, abs_tol=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.floats(0.01, 0.99), st.floats(0.01, 0.99))
def test_an_implication_break_is_reported_exactly_when_a_exceeds_b(pa: float, pb: float) -> None:
    scenarios = [
        scenario("a", 0.5).model_copy(update={"implies": ["b"]}),
        scenario("b", 0.5),
    ]
    defs = definitions(scenarios, [indicator("i", {"a": "weak-for", "b": "weak-for"})])
    result = board(
        list(defs.scenarios.values()), {"a": pa, "b": pb}, dt.date(2022, 1, 1), "icd203", {}
    )
    assert bool(result.incoherences) == (pa > pb)
    if pa > pb:
        assert math.isclose(result.incoherences[0].excess, pa - pb)

"""The log commands as a user runs them: observe, log, retract, amend, export, import."""

from __future__ import annotations

import json
import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from foresight.cli import cli
from foresight.store import open_store

if TYPE_CHECKING:
    from conftest import Run, Stores

OBSERVE = shlex.split('--date 2021-09-17 --source "TASS report" --reliability B --credibility 2')


def observe(run: Run, *extra: str, indicator: str = "example-indicator") -> int:
    """Log one observation through the CLI and return its id."""
    result = run("observe", indicator, *OBSERVE, *extra)
    assert result.exit_code == 0, result.output
    return int(result.stdout)


def log_json(run: Run, *extra: str) -> list[dict]:
    """The log as the CLI prints it in JSON."""
    result = run("log", "--json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_observe_prints_only_the_id_on_stdout(run: Run, db_url: str) -> None:
    result = run("observe", "example-indicator", *OBSERVE)
    assert result.exit_code == 0, result.output
    assert result.stdout == "1\n"
    assert "Logged observation 1 in " in result.stderr
    second = run("observe", "example-indicator", *OBSERVE, "--note", "second report")
    assert second.stdout == "2\n"
    with open_store(db_url) as store:
        assert store.count() == 2


def test_observe_takes_every_option(run: Run) -> None:
    options = shlex.split(
        "--date 2021-09-18 --source AFP --url https://example.org/afp --reliability c "
        "--credibility 3 --absent --strength moderate --event sco-2021 --tlp tlp:amber "
        "--analyst alice --json"
    )
    result = run("observe", "second-indicator", *options, "--note", "Looked for it.")
    assert result.exit_code == 0, result.output
    obs = json.loads(result.stdout)
    assert obs["id"] == 1
    expected = {
        "indicator": "second-indicator",
        "observed_on": "2021-09-18",
        "absent": True,
        "strength": 0.6,
        "source": "AFP",
        "source_url": "https://example.org/afp",
        "reliability": "C",
        "credibility": 3,
        "event": "sco-2021",
        "tlp": "AMBER",
        "note": "Looked for it.",
        "analyst": "alice",
        "amends": None,
        "retracted": False,
    }
    assert {key: obs[key] for key in expected} == expected
    assert obs["recorded_at"].endswith("+00:00")


def test_observe_numeric_strength_and_default_tlp(run: Run, log_ws: Path) -> None:
    config = log_ws / "foresight.yaml"
    config.write_text(config.read_text().replace("default_tlp: GREEN", "default_tlp: amber"))
    observe(run, "--strength", "0.45")
    [obs] = log_json(run)
    assert (obs["strength"], obs["tlp"]) == (0.45, "AMBER")


def test_analyst_comes_from_option_then_env_then_login(run: Run) -> None:
    observe(run, "--note", "a", "--analyst", "alice")
    observe(run, "--note", "b")  # FORESIGHT_ANALYST=tester, set by the fixture
    result = run(
        "observe",
        "example-indicator",
        *OBSERVE,
        "--note",
        "c",
        env={"FORESIGHT_ANALYST": None, "LOGNAME": "login-name"},
    )  # type: ignore[dict-item]
    assert result.exit_code == 0, result.output
    assert [o["analyst"] for o in log_json(run)] == ["alice", "tester", "login-name"]


def test_observe_unknown_indicator_suggests_and_writes_nothing(run: Run, db_url: str) -> None:
    result = run("observe", "exmple-indicator", *OBSERVE)
    assert result.exit_code == 1
    assert (
        "indicator: unknown indicator 'exmple-indicator' (did you mean "
        "'example-indicator'?)" in result.stderr
    )
    assert result.stdout == ""
    assert "Traceback" not in result.output
    with open_store(db_url) as store:
        assert store.count() == 0


def test_observe_reports_every_bad_value(run: Run) -> None:
    options = "--date 2150-01-01 --reliability G --credibility 7 --strength 1.5 --tlp purple"
    result = run("observe", "example-indicator", *shlex.split(options), "--source", " ")
    assert result.exit_code == 1
    for expected in (
        "observed_on: 2150-01-01 is in the future",
        "source: is required but missing or empty",
        "reliability: 'G' is not a reliability grade",
        "credibility: '7' is not a credibility grade",
        "strength: '1.5' is outside (0, 1]",
        "tlp: 'purple' is not a TLP 2.0 level",
    ):
        assert expected in result.stderr
    assert log_json(run) == []


def test_observe_usage_mistakes_exit_2(run: Run) -> None:
    missing = run("observe", "example-indicator", "--date", "2021-09-17")
    assert missing.exit_code == 2
    assert "Missing option '--source'" in missing.output
    bad_date = run("observe", "example-indicator", *OBSERVE[2:], "--date", "17/09/2021")
    assert bad_date.exit_code == 2
    assert "'17/09/2021' is not a date; write it as YYYY-MM-DD" in bad_date.output


def test_observing_the_same_report_twice_adds_it_once(run: Run) -> None:
    assert observe(run) == 1
    again = run("observe", "example-indicator", *OBSERVE, "--analyst", "someone-else")
    assert again.exit_code == 0, again.output
    assert again.stdout == "1\n"
    assert "Already in the log as observation 1; nothing was added." in again.stderr
    run("retract", "1", "--reason", "hoax")
    retracted = run("observe", "example-indicator", *OBSERVE)
    assert retracted.exit_code == 1
    assert "an identical observation (1) was retracted" in retracted.stderr


def test_log_lists_and_filters(run: Run) -> None:
    observe(run, "--date", "2021-01-05")
    observe(run, "--date", "2021-06-01", indicator="second-indicator")
    observe(run, "--date", "2021-12-31", indicator="other-indicator")
    table = run("log")
    assert table.exit_code == 0, table.output
    shown = ["observed on", "indicator", "B2", "strong", "GREEN", "TASS report", "tester"]
    for text in [*shown, "2021-06-01", "second-indicator"]:
        assert text in table.stdout
    assert [o["id"] for o in log_json(run, "--since", "2021-06-01")] == [2, 3]
    assert [o["id"] for o in log_json(run, "--until", "2021-06-01")] == [1, 2]
    assert [o["id"] for o in log_json(run, "--indicator", "other-indicator")] == [3]
    assert [o["id"] for o in log_json(run, "--scenario", "example-scenario")] == [1, 2]
    assert [o["id"] for o in log_json(run, "--scenario", "other-scenario")] == [3]
    assert log_json(run, "--scenario", "other-scenario", "--indicator", "example-indicator") == []


def test_log_refuses_unknown_filters(run: Run) -> None:
    result = run("log", "--scenario", "exampel-scenario")
    assert result.exit_code == 1
    assert "no scenario 'exampel-scenario', did you mean 'example-scenario'?" in result.stderr
    result = run("log", "--indicator", "secnd-indicator")
    assert result.exit_code == 1
    assert "did you mean 'second-indicator'?" in result.stderr


def test_log_of_an_empty_store_says_so(run: Run) -> None:
    result = run("log")
    assert result.exit_code == 0, result.output
    assert "The log is empty" in result.stderr
    assert result.stdout == ""


def test_log_json_has_the_audit_fields(run: Run) -> None:
    observe(run)
    [obs] = log_json(run)
    keys = (
        "id indicator observed_on recorded_at analyst absent reliability credibility source "
        "retracted retracted_at retraction_reason"
    )
    assert set(shlex.split(keys)) <= set(obs)


def test_retract_hides_unless_all(run: Run) -> None:
    observe(run)
    observe(run, "--note", "other")
    result = run("retract", "1", "--reason", "The report was a hoax.")
    assert result.exit_code == 0, result.output
    assert "Retracted observation 1." in result.stderr
    assert [o["id"] for o in log_json(run)] == [2]
    everything = log_json(run, "--all")
    assert [(o["id"], o["retracted"]) for o in everything] == [(1, True), (2, False)]
    assert everything[0]["retraction_reason"] == "The report was a hoax."
    assert everything[0]["retracted_by"] == "tester"
    table = run("log", "--all")
    assert "retracted 20" in table.stdout


def test_retract_mistakes(run: Run) -> None:
    observe(run)
    unknown = run("retract", "7", "--reason", "x")
    assert unknown.exit_code == 1
    assert "the log has no observation 7" in unknown.stderr
    assert run("retract", "1", "--reason", "x").exit_code == 0
    twice = run("retract", "1", "--reason", "x")
    assert twice.exit_code == 1
    assert "observation 1 has already been retracted" in twice.stderr
    assert run("retract", "1").exit_code == 2  # --reason is required


def test_amend_keeps_old_values_unless_given(run: Run) -> None:
    observe(run, "--url", "https://example.org/1", "--event", "sco", "--note", "first take")
    options = ["--credibility", "3", "--url", "", "--analyst", "bob"]
    result = run("amend", "1", *options, "--reason", "Only one source.")
    assert result.exit_code == 0, result.output
    assert result.stdout == "2\n"
    assert "Retracted observation 1 and logged its correction as 2." in result.stderr
    old, new = log_json(run, "--all")
    assert (old["retracted"], old["retraction_reason"], old["retracted_by"]) == (
        True,
        "Only one source.",
        "bob",
    )
    assert (new["amends"], new["credibility"], new["source_url"], new["event"]) == (
        1,
        3,
        None,
        "sco",
    )
    assert (new["source"], new["note"], new["analyst"]) == ("TASS report", "first take", "bob")


def test_amend_mistakes(run: Run) -> None:
    observe(run)
    same = run("amend", "1", "--reason", "no change")
    assert same.exit_code == 1
    assert "the amendment changes nothing" in same.stderr
    bad = run("amend", "1", "--credibility", "9", "--reason", "x")
    assert bad.exit_code == 1
    assert "credibility: '9' is not a credibility grade" in bad.stderr
    assert run("amend", "5", "--note", "x", "--reason", "x").exit_code == 1
    assert [o["retracted"] for o in log_json(run, "--all")] == [False]


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "yaml"])
def test_round_trip_through_export_and_import(
    run: Run, stores: Stores, tmp_path: Path, fmt: str
) -> None:
    for day in ("2021-09-01", "2021-09-02", "2021-09-03"):
        observe(run, "--date", day, "--note", f'Report, with "quotes" and ünïcode\n{day}')
    observe(run, "--absent", "--strength", "0.25", "--tlp", "red", indicator="other-indicator")
    run("retract", "2", "--reason", "Duplicate of 1.")
    assert run("amend", "3", "--reliability", "A", "--reason", "Confirmed.").exit_code == 0
    assert run("log").exit_code == 0

    first = run("export", "--format", fmt)
    assert first.exit_code == 0, first.output
    exported = tmp_path / f"log.{fmt}"
    exported.write_text(first.stdout, encoding="utf-8")

    fresh = stores.new_url()
    imported = run("import", str(exported), db=fresh, env={"FORESIGHT_ANALYST": "importer"})
    assert imported.exit_code == 0, imported.output
    assert "Added 5 observation(s)" in imported.stderr
    assert "2 retraction(s) carried over" in imported.stderr
    second = run("export", "--format", fmt, db=fresh)
    assert second.exit_code == 0, second.output
    assert second.stdout == first.stdout

    again = run("import", str(exported), db=fresh)
    assert again.exit_code == 0, again.output
    assert "nothing new: all 5 rows are already in the log" in again.stderr
    assert run("export", "--format", fmt, db=fresh).stdout == first.stdout


def test_export_to_a_file(run: Run, log_ws: Path) -> None:
    observe(run)
    observe(run, "--note", "later retracted")
    run("retract", "2", "--reason", "x")
    target = log_ws / "exports" / "log.jsonl"
    result = run("export", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "Wrote 2 observation(s) to" in result.stderr
    assert result.stdout == ""
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [1, 2]
    assert sorted(p.name for p in target.parent.iterdir()) == ["log.jsonl"]  # no temp files
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()

    current = run("export", "--current", "--output", str(log_ws / "current.csv"))
    assert current.exit_code == 0, current.output
    rows = (log_ws / "current.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith(
        "indicator,observed_on,absent,strength,source,source_url,"
        "reliability,credibility,event,tlp,note,analyst,id,recorded_at,"
        "amends,retracted_at,retracted_by,retraction_reason"
    )
    assert len(rows) == 2


def test_export_of_an_empty_log(run: Run) -> None:
    csv_out = run("export")
    assert csv_out.exit_code == 0, csv_out.output
    assert csv_out.stdout.startswith("indicator,observed_on,")
    assert run("export", "--format", "yaml").stdout == "[]\n"
    assert run("export", "--format", "jsonl").stdout == ""


def test_an_unreachable_postgres_server_exits_1_without_traceback(log_ws: Path) -> None:
    result = CliRunner().invoke(
        cli, ["--workspace", str(log_ws), "--db", "postgresql://u:secret@127.0.0.1:1/x", "log"]
    )
    assert result.exit_code == 1
    assert "Error: cannot connect to PostgreSQL at 127.0.0.1:1/x" in result.stderr
    assert "Traceback" not in result.output
    assert "secret" not in result.output


def test_a_store_from_a_newer_foresight_exits_1(run: Run, db_url: str) -> None:
    observe(run)
    with open_store(db_url) as store:
        store.conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (99, 'm099_future', '2030-01-01T00:00:00+00:00')"
        )
    result = run("log")
    assert result.exit_code == 1
    assert "was created by a newer foresight (schema version 99" in result.stderr
    assert "upgrade foresight" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["observe", "log", "retract", "amend", "import", "export"])
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask

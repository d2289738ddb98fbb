"""Dates known only to their month (2022-06): kept, shown as "June 2022", aged by a rule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import Run, Stores

from foresight.records import MonthDate, month_date
from foresight.store import NewObservation, open_store

GRADE = ("--source", "AFP", "--reliability", "A", "--credibility", "1")


def test_month_only_dates_stand_for_the_months_last_day() -> None:
    assert month_date(2022, 6) == dt.date(2022, 6, 30)
    assert month_date(2024, 2) == dt.date(2024, 2, 29)
    # Within the current month: today, never a day still to come.
    assert month_date(2026, 12, today=dt.date(2026, 12, 10)) == dt.date(2026, 12, 10)
    assert str(month_date(2022, 6)) == "June 2022" and f"{month_date(2022, 6)}" == "June 2022"
    assert type(month_date(2022, 6) + dt.timedelta(days=1)) is dt.date


def test_a_month_only_date_is_logged_kept_shown_and_exported(
    run: Run, stores: Stores, tmp_path: Path
) -> None:
    result = run("observe", "example-indicator", "--date", "2022-06", *GRADE, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["observed_on"] == "2022-06"
    assert run("observe", "example-indicator", "--date", "2022-06-30", *GRADE).exit_code == 0
    table = run("log")
    assert "June 2022" in table.stdout and "2022-06-30" in table.stdout
    for fmt in ("csv", "jsonl", "yaml"):
        exported = run("export", "--format", fmt)
        assert exported.exit_code == 0, exported.output
        assert "2022-06-30" in exported.stdout
        path = tmp_path / f"log.{fmt}"
        path.write_text(exported.stdout, encoding="utf-8")
        other = stores.new_url()
        assert run("import", str(path), db=other).exit_code == 0
        again = run("export", "--format", fmt, db=other)
        assert again.stdout == exported.stdout
        assert "June 2022" in run("log", db=other).stdout


def test_a_month_only_date_counts_from_the_months_last_day(run: Run) -> None:
    assert run("observe", "example-indicator", "--date", "2022-06", *GRADE).exit_code == 0

    def probability(day: str) -> float:
        result = run("status", "--as-of", day, "--json")
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["scenarios"]
        return next(r["probability"] for r in rows if r["id"] == "example-scenario")

    assert probability("2022-06-29") == 0.3
    assert probability("2022-06-30") > 0.3


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2999-01", "observed_on: 2999-01 is in the future"),
        ("2022-13", "'2022-13' is not a date; write it as YYYY-MM-DD, or YYYY-MM for a month"),
    ],
)
def test_a_bad_month_is_refused(run: Run, month: str, message: str) -> None:
    result = run("observe", "example-indicator", "--date", month, *GRADE)
    assert result.exit_code in (1, 2)
    assert message in result.stderr


def test_an_import_reads_month_only_dates(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(
        "indicator,observed_on,source,reliability,credibility\n"
        "example-indicator,2022-06,AFP,B,2\n"
        "example-indicator,2022-06-30,AFP,B,2\n",
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Added 2 observation(s)" in result.stderr  # different precision, different reports
    dates = [o["observed_on"] for o in json.loads(run("log", "--json").stdout)]
    assert dates == ["2022-06", "2022-06-30"]


def test_a_version_2_log_gains_the_precision_column(db_url: str) -> None:
    if db_url.startswith("postgresql"):
        from foresight.store.postgres import PostgresStore as Backend
    else:
        from foresight.store.sqlite import SQLiteStore as Backend  # type: ignore[assignment]

    class Version2(Backend):  # type: ignore[misc, valid-type]
        MIGRATIONS = Backend.MIGRATIONS[:2]

    Version2(db_url).close()
    with open_store(db_url) as store:
        assert store.schema_version() == 3
        row = NewObservation("example-indicator", month_date(2022, 6), "AFP", "B", 2, "GREEN")
        store.add([row], "alice")
        [found] = store.observations()
        assert isinstance(found.observed_on, MonthDate)
        assert found.observed_on == dt.date(2022, 6, 30)

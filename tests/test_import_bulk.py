"""Importing in two passes: every row checked before any is written, chunks written in one
transaction, and what the old in-memory import reported (copies, skipped rows) unchanged."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight import duplicates
from foresight.errors import InputError
from foresight.intake.bulk import import_file
from foresight.store import NewObservation, Store, content_key, open_store
from foresight.store.writing import CHUNK

if TYPE_CHECKING:
    from conftest import Run, Stores

HEADER = ["indicator", "observed_on", "source", "reliability", "credibility"]
INDICATORS = ("example-indicator", "second-indicator", "other-indicator")


def write_csv(path: Path, rows: Sequence[Sequence[object]], header: Sequence[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good_rows(count: int, source: str = "Report") -> list[list[object]]:
    return [["example-indicator", "2021-09-17", f"{source} {n}", "B", 2] for n in range(count)]


def test_a_bad_last_row_writes_nothing(run: Run, db_url: str, tmp_path: Path) -> None:
    rows = CHUNK * 2 + 5
    path = write_csv(
        tmp_path / "late.csv",
        [*good_rows(rows), ["example-indicator", "2021-09-17", "AFP", "B", 7]],
    )
    result = run("import", str(path))
    assert result.exit_code == 1, result.output
    assert (
        f"{path}:{rows + 2}: credibility: '7' is not a credibility grade (grades run from 1, "
        "confirmed by other sources, to 6, truth cannot be judged)"
    ) in result.stderr
    assert "1 problem(s); nothing was written" in result.stderr
    with open_store(db_url) as store:
        assert store.count() == 0


def test_a_bad_last_line_of_json_lines_leaves_the_log_as_it_was(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    assert run("import", str(write_csv(tmp_path / "first.csv", good_rows(3)))).exit_code == 0
    path = tmp_path / "more.jsonl"
    lines = [
        json.dumps(dict(zip(HEADER, row, strict=True)))
        for row in good_rows(CHUNK + 10, source="Wire")
    ]
    path.write_text("\n".join([*lines, '{"indicator": "example-indicator"']) + "\n", "utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:{CHUNK + 11}: is not valid JSON" in result.stderr
    with open_store(db_url) as store:
        assert store.count() == 3


def test_copies_in_the_file_and_in_the_log_are_reported_when_written(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    logged = write_csv(
        tmp_path / "logged.csv", [["example-indicator", "2021-09-17", "AFP", "B", 2]]
    )
    assert run("import", str(logged)).exit_code == 0
    filler = good_rows(CHUNK + 100)
    path = write_csv(
        tmp_path / "rows.csv",
        [
            ["example-indicator", "2021-09-17", "AFP", "B", 2],  # already logged: skipped
            ["other-indicator", "2021-09-20", "TASS", "C", 3],
            *filler,
            ["example-indicator", "2021-09-17", "afp", "C", 2],  # a copy of the logged one
            ["other-indicator", "2021-09-20", "tass", "C", 3],  # a copy of row 2, a chunk on
            ["other-indicator", "2021-09-20", "TASS", "C", 3],  # the same as row 2: skipped
            filler[0],  # repeated: skipped
        ],
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Warning: 2 row(s) look like further copies of a logged report or of an earlier" in (
        result.stderr
    )
    added = CHUNK + 100 + 3
    assert f"Added {added} observation(s)" in result.stderr
    assert "; 3 already in the log." in result.stderr
    with open_store(db_url) as store:
        assert store.count() == added + 1
    again = run("import", str(path), "--dry-run")
    assert f"holds {added + 3} valid row(s); 0 would be added and {added + 3} are already" in (
        again.stderr
    )
    assert "look like further copies" not in again.stderr


def test_a_dry_run_counts_rows_repeated_in_the_file_once(
    run: Run, db_url: str, tmp_path: Path
) -> None:
    rows = good_rows(4)
    path = write_csv(tmp_path / "rows.csv", [*rows, rows[1], rows[1], rows[3]])
    result = run("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "holds 7 valid row(s); 4 would be added and 3 are already in the log" in result.stderr
    with open_store(db_url) as store:
        assert store.count() == 0


def test_a_failure_midway_through_the_chunks_rolls_everything_back(store: Store) -> None:
    def chunks() -> Iterator[tuple[list[NewObservation], list[bytes]]]:
        rows = [row(f"Report {n}") for n in range(CHUNK + 10)]
        yield rows, [content_key(r) for r in rows]
        raise InputError("the spool could not be read")

    with pytest.raises(InputError, match="the spool could not be read"):
        store.add_chunks(chunks(), "tester")
    assert store.count() == 0
    # The store still writes (PostgreSQL may have spent ids: its sequences never roll back).
    assert store.add([row("after")], "tester").added == 1
    assert [o.source for o in store.observations()] == ["after"]


def test_an_export_out_of_id_order_keeps_its_links(stores: Stores, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "export.csv",
        [
            ["example-indicator", "2021-09-17", "C", "B", 2, 7, "", "", ""],
            ["example-indicator", "2021-09-17", "A", "B", 2, 3, "", "2021-09-20T00:00:00", "x"],
            ["example-indicator", "2021-09-17", "B", "B", 2, 5, 3, "", ""],
            ["example-indicator", "2021-09-17", "D", "B", 2, 9, 5, "", ""],
        ],
        [*HEADER, "id", "amends", "retracted_at", "retraction_reason"],
    )
    with open_store(stores.new_url()) as store:
        done = import_file(path, store, INDICATORS, "GREEN", "tester")
        assert (done.result.added, done.result.retracted) == (4, 1)
        by_id = {o.id: o for o in store.observations()}
    assert sorted(by_id) == [3, 5, 7, 9]
    assert (by_id[5].amends, by_id[9].amends, by_id[7].amends) == (3, 5, None)
    assert by_id[3].retracted


def test_an_export_amending_across_chunks_links_into_a_used_log(
    stores: Stores, tmp_path: Path
) -> None:
    count = CHUNK + 3
    rows = [
        ["example-indicator", "2021-09-17", f"R{n}", "B", 2, n + 1, n if n % 7 == 6 else ""]
        for n in range(count)
    ]
    path = write_csv(tmp_path / "export.csv", rows, [*HEADER, "id", "amends"])
    with open_store(stores.new_url()) as store:
        store.add([row("already here")], "tester")
        done = import_file(path, store, INDICATORS, "GREEN", "tester")
        assert done.result.added == count
        found = {o.source: o for o in store.observations()}
    for n in range(6, count, 7):
        assert found[f"R{n}"].amends == found[f"R{n - 1}"].id


def row(source: str, **changes: object) -> NewObservation:
    values: dict[str, object] = {
        "indicator": "example-indicator",
        "observed_on": dt.date(2021, 9, 17),
        "source": source,
        "reliability": "B",
        "credibility": 2,
        "tlp": "GREEN",
    }
    values.update(changes)
    return NewObservation(**values)  # type: ignore[arg-type]


# Few values, so that rows repeat each other and the log, and look like copies.
file_rows = st.lists(
    st.tuples(
        st.sampled_from(INDICATORS[:2]),
        st.sampled_from(["2021-09-17", "2021-09-18"]),
        st.sampled_from(["AFP", "afp", "TASS"]),
        st.sampled_from(["B", "C"]),
        st.sampled_from(["", "e1"]),
        st.sampled_from(["", "2021-09-30T00:00:00+00:00"]),
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=file_rows)
def test_a_dry_run_says_what_the_in_memory_import_said(tmp_path: Path, rows: list) -> None:
    """Counts and copies equal those of checking every row in memory, as import did."""
    from foresight import intake

    db = tmp_path / "log.db"
    header = [*HEADER, "event", "retracted_at"]
    path = write_csv(
        tmp_path / "rows.csv",
        [[ind, day, src, rel, 2, ev, ret] for ind, day, src, rel, ev, ret in rows],
        header,
    )
    with open_store(str(db)) as store:
        if store.count() == 0:  # the same log for every example: a copy and a twin
            store.add(
                [row("AFP"), row("TASS", reliability="C", observed_on=dt.date(2021, 9, 18))], "x"
            )
        done = import_file(path, store, INDICATORS, "GREEN", "tester", dry_run=True)
        batch = intake.read_file(path, INDICATORS, "GREEN")
        expected = store.add(batch.rows, "tester", dry_run=True)
        fresh = store.unlogged(batch.rows)
        logged = store.observations(False)
        copies = len(duplicates.likely_duplicates(fresh, logged)) if fresh else 0
        assert store.count() == 2
    assert (done.rows, done.result.added, done.result.skipped) == (
        len(batch.rows),
        expected.added,
        expected.skipped,
    )
    assert done.copies == copies

"""Resolutions in the store, on both backends: append-only, audited, one current per scenario."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest

from foresight.errors import InputError, StoreError, UnknownIdError
from foresight.records import Resolution, current_resolutions
from foresight.store import Store, open_store

DAY = dt.date(2026, 6, 30)


def resolve(store: Store, scenario: str = "example-scenario", **changes: Any) -> int:
    """Resolve a scenario with valid defaults."""
    values: dict[str, Any] = {
        "outcome": "happened",
        "resolved_on": DAY,
        "source": "Customs notice",
        "analyst": "alice",
    }
    values.update(changes)
    return store.resolve(scenario, **values)


def test_a_resolution_round_trips_every_field(store: Store) -> None:
    before = dt.datetime.now(dt.UTC)
    new_id = resolve(store, note="Two lines\nof note, with ünïcode.", outcome="did-not-happen")
    [found] = store.resolutions()
    assert found == store.resolution(new_id)
    assert (found.id, found.scenario, found.outcome, found.resolved_on) == (
        new_id,
        "example-scenario",
        "did-not-happen",
        DAY,
    )
    assert (found.source, found.note, found.analyst) == (
        "Customs notice",
        "Two lines\nof note, with ünïcode.",
        "alice",
    )
    assert before <= found.recorded_at <= dt.datetime.now(dt.UTC)
    assert found.recorded_at.utcoffset() == dt.timedelta(0)
    assert not found.retracted and found.happened is False


def test_a_scenario_has_one_current_resolution(store: Store) -> None:
    first = resolve(store)
    other = resolve(store, "other-scenario", outcome="void")
    with pytest.raises(
        InputError,
        match=r"scenario 'example-scenario' is already resolved as happened on 2026-06-30 "
        r"\(resolution 1, by alice\); retract that first with "
        r"'foresight unresolve example-scenario --reason TEXT'",
    ):
        resolve(store, outcome="did-not-happen")
    assert [r.id for r in store.resolutions()] == [first, other]
    store.retract_resolution(first, "  Wrong report.  ", "bob")
    again = resolve(store, outcome="did-not-happen", analyst="bob")
    assert again == 3
    assert [r.id for r in store.resolutions(include_retracted=False)] == [other, again]


def test_retraction_records_who_when_and_why_and_keeps_the_row(store: Store) -> None:
    new_id = resolve(store)
    before = dt.datetime.now(dt.UTC)
    store.retract_resolution(new_id, "  Resolved on a hoax.  ", "bob")
    found = store.resolution(new_id)
    assert (found.retracted_by, found.retraction_reason) == ("bob", "Resolved on a hoax.")
    assert found.retracted_at is not None and before <= found.retracted_at
    assert found.retracted and found.outcome == "happened"
    assert store.resolutions(include_retracted=False) == []
    assert [r.id for r in store.resolutions()] == [new_id]


def test_retraction_refuses_unknown_retracted_and_reasonless(store: Store) -> None:
    new_id = resolve(store)
    with pytest.raises(InputError, match="give a reason for the retraction"):
        store.retract_resolution(new_id, "  ", "bob")
    with pytest.raises(UnknownIdError, match="the log has no resolution 99"):
        store.retract_resolution(99, "why", "bob")
    store.retract_resolution(new_id, "why", "bob")
    with pytest.raises(InputError, match=f"resolution {new_id} has already been retracted"):
        store.retract_resolution(new_id, "again", "carol")
    assert store.resolution(new_id).retracted_by == "bob"


def test_bad_resolutions_write_nothing(store: Store) -> None:
    with pytest.raises(InputError, match="unknown outcome 'maybe'; use one of happened, "):
        resolve(store, outcome="maybe")
    with pytest.raises(InputError, match="give a source for the resolution"):
        resolve(store, source="   ")
    with pytest.raises(InputError, match="NUL"):
        resolve(store, note="a\0b")
    assert store.resolutions() == []


def test_resolutions_are_append_only_in_the_database(store: Store) -> None:
    new_id = resolve(store)
    store.retract_resolution(new_id, "why", "bob")
    for statement in (
        "UPDATE resolutions SET outcome = 'void'",
        "DELETE FROM resolutions",
        "UPDATE resolution_retractions SET reason = 'changed'",
        "DELETE FROM resolution_retractions",
    ):
        with pytest.raises(Exception, match="append-only"):
            store.conn.execute(statement)  # type: ignore[attr-defined]
    found = store.resolution(new_id)
    assert (found.outcome, found.retraction_reason) == ("happened", "why")


def test_the_resolutions_migration_is_recorded(store: Store) -> None:
    rows = store.conn.execute(  # type: ignore[attr-defined]
        "SELECT version, name FROM schema_migrations ORDER BY version"
    ).fetchall()
    assert [tuple(row) for row in rows][:2] == [(1, "m001_initial"), (2, "m002_resolutions")]


def insert_version_1_row(store: Any, postgres: bool) -> None:
    """Log one observation with the columns of schema version 1 (as that code did)."""
    mark = "%s" if postgres else "?"
    store.conn.execute(
        "INSERT INTO observations (indicator, observed_on, recorded_at, analyst, absent, "
        "strength, source, reliability, credibility, tlp, note, content_key) VALUES ("
        + ", ".join([mark] * 12)
        + ")",
        (
            "example-indicator",
            DAY.isoformat(),
            "2021-09-18T00:00:00.000000+00:00",
            "alice",
            False,
            1.0,
            "TASS",
            "B",
            2,
            "GREEN",
            "",
            b"k" * 32,
        ),
    )


def test_a_version_1_log_gains_resolutions_on_open(db_url: str) -> None:
    if db_url.startswith("postgresql"):
        from foresight.store.postgres import PostgresStore as Backend
    else:
        from foresight.store.sqlite import SQLiteStore as Backend  # type: ignore[assignment]

    class Version1(Backend):  # type: ignore[misc, valid-type]
        MIGRATIONS = Backend.MIGRATIONS[:1]

    with Version1(db_url) as old:
        insert_version_1_row(old, db_url.startswith("postgresql"))
        assert old.schema_version() == 1
    with open_store(db_url) as store:
        assert store.schema_version() == len(store.MIGRATIONS)
        assert store.count() == 1 and store.resolutions() == []
        resolve(store)
        assert len(store.resolutions()) == 1
    with pytest.raises(StoreError, match="newer foresight"):
        Version1(db_url)


def test_concurrent_resolutions_of_one_scenario_leave_exactly_one(db_url: str) -> None:
    open_store(db_url).close()
    outcomes: list[str] = []
    start = threading.Barrier(4)

    def attempt(n: int) -> None:
        with open_store(db_url) as mine:
            start.wait()
            try:
                resolve(mine, analyst=f"analyst-{n}")
                outcomes.append("resolved")
            except InputError:
                outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "resolved"]
    with open_store(db_url) as store:
        assert len(store.resolutions()) == 1


def record(**changes: Any) -> Resolution:
    """A resolution record in memory."""
    values: dict[str, Any] = {
        "id": 1,
        "scenario": "war",
        "outcome": "happened",
        "resolved_on": dt.date(2024, 6, 1),
        "source": "s",
        "note": "",
        "analyst": "a",
        "recorded_at": dt.datetime(2024, 6, 3, 9, tzinfo=dt.UTC),
    }
    values.update(changes)
    return Resolution(**values)


def test_known_on_and_current_resolutions() -> None:
    retracted = record(id=2, retracted_at=dt.datetime(2024, 7, 1, tzinfo=dt.UTC))
    live = record(id=3, scenario="peace", resolved_on=dt.date(2024, 8, 1))
    assert not live.known_on(dt.date(2024, 6, 2)) and live.known_on(dt.date(2024, 6, 3))
    assert retracted.known_on(dt.date(2024, 6, 30)) and not retracted.known_on(dt.date(2024, 7, 1))
    assert current_resolutions([retracted, live]) == {"peace": live}
    assert current_resolutions([retracted, live], dt.date(2024, 7, 31)) == {}
    assert record(outcome="void").happened is None and record().happened is True

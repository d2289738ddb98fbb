"""The observation store, on both backends: append-only writes, dedupe, audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from foresight.errors import InputError, StoreError, UnknownIdError
from foresight.store import NewObservation, Store, open_store

DAY = dt.date(2021, 9, 17)


def new(source: str = "TASS report", **changes: Any) -> NewObservation:
    """A valid new observation."""
    values: dict[str, Any] = {
        "indicator": "example-indicator",
        "observed_on": DAY,
        "source": source,
        "reliability": "B",
        "credibility": 2,
        "tlp": "GREEN",
    }
    values.update(changes)
    return NewObservation(**values)


def test_add_assigns_ids_and_skips_known_content(store: Store) -> None:
    first = store.add([new("a"), new("b"), new("a")], "alice")
    assert (first.added, first.skipped, first.ids) == (2, 1, [1, 2])
    again = store.add([new("b"), new("c")], "bob")
    assert (again.added, again.skipped, again.ids) == (1, 1, [3])
    assert store.count() == 3
    # Who logged it is not content: the same report from another analyst is a duplicate.
    assert store.add([new("a")], "carol").added == 0
    # Skipped rows spend no ids.
    assert store.add([new("d")], "carol").ids == [4]


def test_observation_round_trips_every_field(store: Store) -> None:
    row = new(
        "Reuters",
        absent=True,
        strength=0.45,
        source_url="https://example.org/x",
        event="sco-summit",
        tlp="AMBER+STRICT",
        note="Two lines\nof note, with ünïcode.",
        reliability="F",
        credibility=6,
    )
    before = dt.datetime.now(dt.UTC)
    [obs_id] = store.add([row], "alice").ids
    obs = store.get(obs_id)
    assert (obs.indicator, obs.observed_on, obs.absent, obs.strength) == (
        "example-indicator",
        DAY,
        True,
        0.45,
    )
    assert (obs.source, obs.source_url, obs.reliability, obs.credibility) == (
        "Reuters",
        "https://example.org/x",
        "F",
        6,
    )
    assert (obs.event, obs.tlp, obs.note, obs.analyst) == (
        "sco-summit",
        "AMBER+STRICT",
        "Two lines\nof note, with ünïcode.",
        "alice",
    )
    assert before <= obs.recorded_at <= dt.datetime.now(dt.UTC)
    assert obs.recorded_at.utcoffset() == dt.timedelta(0)
    assert obs.amends is None and not obs.retracted


def test_rows_from_an_export_keep_their_audit_trail(store: Store) -> None:
    recorded = dt.datetime(2021, 9, 18, 8, 30, 0, 123456, tzinfo=dt.UTC)
    retracted = dt.datetime(2021, 10, 1, tzinfo=dt.UTC)
    rows = [
        new(
            "a",
            analyst="ann",
            recorded_at=recorded,
            origin_id=7,
            retracted_at=retracted,
            retracted_by="ben",
            retraction_reason="typo",
        ),
        new("b", analyst="ann", recorded_at=retracted, origin_id=9, amends=7),
    ]
    result = store.add(rows, "importer")
    assert (result.added, result.retracted) == (2, 1)
    # Into an empty store the ids of the export are kept, so links stay as they were.
    old, fixed = store.observations()
    assert (old.id, old.analyst, old.recorded_at) == (7, "ann", recorded)
    assert (old.retracted_at, old.retracted_by, old.retraction_reason) == (retracted, "ben", "typo")
    assert (fixed.id, fixed.amends, fixed.retracted) == (9, 7, False)
    # New observations continue after the highest id.
    assert store.add([new("c")], "x").ids == [10]


def test_rows_from_an_export_into_a_used_store_get_new_ids_and_links(store: Store) -> None:
    store.add([new("already here")], "x")
    rows = [
        new("a", origin_id=1, recorded_at=dt.datetime(2021, 9, 18, tzinfo=dt.UTC)),
        new("b", origin_id=2, amends=1),
    ]
    result = store.add(rows, "importer")
    assert result.ids == [2, 3]
    assert store.get(3).amends == 2


def test_reimport_adds_missing_retractions_only(store: Store) -> None:
    store.add([new("a", origin_id=1)], "x")
    retracted = dt.datetime(2021, 10, 1, tzinfo=dt.UTC)
    again = store.add(
        [new("a", origin_id=1, retracted_at=retracted, retraction_reason="hoax")], "y"
    )
    assert (again.added, again.skipped, again.retracted) == (0, 1, 1)
    assert store.get(1).retraction_reason == "hoax"
    assert store.add([new("a", origin_id=1, retracted_at=retracted)], "y").retracted == 0


def test_retract_marks_and_keeps(store: Store) -> None:
    [obs_id] = store.add([new()], "alice").ids
    store.retract(obs_id, "  It was a hoax.  ", "bob")
    obs = store.get(obs_id)
    assert (obs.retracted_by, obs.retraction_reason) == ("bob", "It was a hoax.")
    assert obs.retracted_at is not None
    assert store.count() == 1 and store.count(include_retracted=False) == 0
    assert store.observations(include_retracted=False) == []
    assert [o.id for o in store.observations()] == [obs_id]


def test_retract_refuses_unknown_retracted_and_reasonless(store: Store) -> None:
    [obs_id] = store.add([new()], "alice").ids
    with pytest.raises(InputError, match="give a reason"):
        store.retract(obs_id, "  ", "bob")
    with pytest.raises(UnknownIdError, match="the log has no observation 99"):
        store.retract(99, "why", "bob")
    store.retract(obs_id, "why", "bob")
    with pytest.raises(InputError, match=f"observation {obs_id} has already been retracted"):
        store.retract(obs_id, "again", "bob")


def test_amend_retracts_and_links_in_one_go(store: Store) -> None:
    [old_id] = store.add([new()], "alice").ids
    new_id = store.amend(old_id, new(credibility=3), "Only one source.", "bob")
    old, fixed = store.get(old_id), store.get(new_id)
    assert old.retraction_reason == "Only one source." and old.retracted_by == "bob"
    assert (fixed.amends, fixed.credibility, fixed.analyst, fixed.retracted) == (
        old_id,
        3,
        "bob",
        False,
    )
    with pytest.raises(InputError, match="already been retracted"):
        store.amend(old_id, new(credibility=4), "again", "bob")


def test_amend_refuses_no_change_and_unknown_ids(store: Store) -> None:
    [old_id] = store.add([new(), new("other")], "alice").ids[:1]
    with pytest.raises(InputError, match="changes nothing"):
        store.amend(old_id, new(), "same", "bob")
    with pytest.raises(InputError, match=r"an identical observation is already in the log \(id 2"):
        store.amend(old_id, new("other"), "clash", "bob")
    with pytest.raises(UnknownIdError):
        store.amend(42, new(), "ghost", "bob")
    assert not store.get(old_id).retracted  # the failed amendments left nothing behind
    assert store.count() == 2


def test_observations_filters(store: Store) -> None:
    store.add(
        [
            new("a", observed_on=dt.date(2021, 1, 1)),
            new("b", observed_on=dt.date(2021, 6, 1), indicator="other-indicator"),
            new("c", observed_on=dt.date(2021, 12, 31)),
        ],
        "x",
    )
    since = store.observations(since=dt.date(2021, 6, 1))
    assert [o.source for o in since] == ["b", "c"]
    until = store.observations(until=dt.date(2021, 6, 1))
    assert [o.source for o in until] == ["a", "b"]
    only = store.observations(indicators=["other-indicator"])
    assert [o.source for o in only] == ["b"]
    assert store.observations(indicators=[]) == []


def test_find_and_get(store: Store) -> None:
    [obs_id] = store.add([new()], "x").ids
    assert store.find(new()) == obs_id
    assert store.find(new("unknown")) is None
    with pytest.raises(UnknownIdError, match="no observation 5"):
        store.get(5)


def test_dry_run_counts_without_writing(store: Store) -> None:
    store.add([new("a")], "x")
    plan = store.add([new("a"), new("b"), new("b")], "x", dry_run=True)
    assert (plan.added, plan.skipped, plan.ids) == (1, 2, [])
    assert store.count() == 1


def test_progress_is_reported(store: Store) -> None:
    seen: list[int] = []
    store.add([new(str(i)) for i in range(50)], "x", progress=seen.append)
    assert sum(seen) == 50


def test_the_log_is_append_only_in_the_database(store: Store) -> None:
    store.add([new()], "x")
    store.retract(1, "why", "x")
    for statement in (
        "UPDATE observations SET note = 'changed'",
        "DELETE FROM observations",
        "UPDATE retractions SET reason = 'changed'",
        "DELETE FROM retractions",
    ):
        with pytest.raises(Exception, match="append-only"):
            store.conn.execute(statement)  # type: ignore[attr-defined]
    assert store.get(1).note == ""


def test_migrations_are_recorded(store: Store) -> None:
    assert store.schema_version() == len(store.MIGRATIONS) >= 1
    rows = store.conn.execute(  # type: ignore[attr-defined]
        "SELECT version, name FROM schema_migrations ORDER BY version"
    ).fetchall()
    assert tuple(rows[0]) == (1, "m001_initial")


def test_reopening_does_not_migrate_again(db_url: str) -> None:
    with open_store(db_url) as first:
        first.add([new()], "x")
    with open_store(db_url) as second:
        assert second.count() == 1
        assert second.schema_version() == len(second.MIGRATIONS)


def test_a_newer_schema_is_refused(db_url: str) -> None:
    with open_store(db_url) as store:
        store.conn.execute(  # type: ignore[attr-defined]
            "INSERT INTO schema_migrations (version, name, applied_at) "
            "VALUES (99, 'm099_future', '2030-01-01T00:00:00+00:00')"
        )
    with pytest.raises(StoreError, match=r"created by a newer foresight .*upgrade"):
        open_store(db_url)


def test_describe_names_backend_without_password(db_url: str) -> None:
    with open_store(db_url) as store:
        text = store.describe()
    assert text.startswith(("SQLite ", "PostgreSQL "))
    assert "secret" not in text


def test_a_sqlite_store_creates_its_folder_and_uses_wal(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "log.db"
    with open_store(str(path)) as store:
        assert store.describe() == f"SQLite {path}"
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # type: ignore[attr-defined]
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1  # type: ignore[attr-defined]
    assert path.is_file()


def test_a_locked_sqlite_store_gives_up_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    open_store(str(path)).close()
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with open_store(str(path), timeout=0.2) as store:
            with pytest.raises(
                StoreError, match=r"locked by another process; gave up after 0\.2 s"
            ):
                store.add([new()], "x")
            assert store.count() == 0  # readers are not blocked (WAL)
    finally:
        blocker.rollback()
        blocker.close()


@pytest.mark.parametrize("stores", ["postgresql"], indirect=True)
def test_a_locked_postgres_store_gives_up_with_a_clear_error(stores: Any) -> None:
    import psycopg

    url = stores.new_url()
    open_store(url).close()
    with psycopg.connect(url) as blocker:
        blocker.execute("LOCK TABLE observations IN ACCESS EXCLUSIVE MODE")
        with (
            open_store(url, timeout=0.3) as store,
            pytest.raises(StoreError, match="locked by another process"),
        ):
            store.add([new()], "x")
        blocker.rollback()


def test_a_file_that_is_not_a_log_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("this is not a database, just text " * 100)
    with pytest.raises(StoreError, match="not a SQLite database"):
        open_store(str(junk))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    with pytest.raises(StoreError, match="not a foresight log"):
        open_store(str(other))


def test_an_unreachable_postgres_server_is_a_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot connect to PostgreSQL at 127\.0\.0\.1:1/nope"):
        open_store("postgresql://someone:secret@127.0.0.1:1/nope", timeout=2)
    try:
        open_store("postgresql://someone:secret@127.0.0.1:1/nope", timeout=2)
    except StoreError as exc:
        assert "secret" not in str(exc)


def test_other_url_schemes_are_refused() -> None:
    with pytest.raises(StoreError, match="cannot open a 'mysql://' database"):
        open_store("mysql://localhost/x")


def test_engine_rows_are_the_observations_that_count(store: Store) -> None:
    def at(day: int) -> dt.datetime:
        return dt.datetime(2021, 9, day, 12, tzinfo=dt.UTC)

    store.add(
        [
            new("kept", recorded_at=at(1), tlp="RED", event="e1", absent=True, strength=0.3),
            new("retracted later", recorded_at=at(1), retracted_at=at(10)),
            new("recorded later", recorded_at=at(20), credibility=5),
        ],
        "x",
    )
    store.add([new("retracted now")], "x")
    store.retract(4, "why", "x")
    everything = store.observations()
    for known_on in (None, dt.date(2021, 9, 5), dt.date(2021, 9, 10), dt.date(2021, 9, 25)):
        expected = [
            (
                o.id,
                o.indicator,
                o.observed_on,
                o.absent,
                o.strength,
                o.reliability,
                o.credibility,
                o.event,
            )
            for o in everything
            if (o.known_on(known_on) if known_on else not o.retracted)
        ]
        rows = store.engine_rows(known_on=known_on)
        normalised = [
            (r[0], r[1], dt.date.fromisoformat(str(r[2])), bool(r[3]), *r[4:]) for r in rows
        ]
        assert normalised == expected, known_on
    assert [r[0] for r in store.engine_rows(known_on=dt.date(2021, 9, 5))] == [1, 2]
    assert [r[0] for r in store.engine_rows()] == [1, 3]
    assert [r[0] for r in store.engine_rows(tlps=["GREEN", "AMBER"])] == [3]


def test_scored_rows_give_the_engine_the_same_result(store: Store) -> None:
    import math

    from foresight import scales
    from foresight.engine import Engine
    from foresight.loader import Definitions
    from foresight.models import Indicator, Scenario

    source = [{"document": "d", "quote": "q"}]
    scenario = Scenario.model_validate(
        {
            "id": "s",
            "title": "S",
            "summary": "S.",
            "prior": 0.3,
            "prior_rationale": "R.",
            "prior_set_on": "2020-01-01",
            "horizon": "2030-01-01",
            "resolution": "R.",
            "sources": source,
        }
    )
    indicator = Indicator.model_validate(
        {
            "id": "example-indicator",
            "title": "I",
            "description": "D.",
            "half_life_days": 30,
            "weights": {"s": {"observed": "strong-for", "absent": "weak-against"}},
            "sources": source,
        }
    )
    definitions = Definitions({"s": scenario}, {"example-indicator": indicator})
    rows = []
    for k, (grade, cred) in enumerate(zip("ABCDEF", range(1, 7), strict=True)):
        rows.append(
            new(
                f"report {k}",
                reliability=grade,
                credibility=cred,
                strength=(1.0, 0.6, 0.3, 0.45)[k % 4],
                absent=k % 3 == 0,
                event="e1" if k < 2 else None,
                observed_on=dt.date(2021, 1 + k, 3 + k),
            )
        )
    store.add(rows, "x")
    store.retract(2, "why", "x")
    scored = list(store.scored_rows())
    assert [r[0] for r in scored] == [1, 3, 4, 5, 6]
    for row, obs in zip(scored, [o for o in store.observations() if not o.retracted], strict=True):
        assert row[3] == (obs.observed_on - scales.EPOCH_DATE).days
        assert row[4] == math.log(scales.trust(obs.strength, obs.reliability, obs.credibility))
    day = dt.date(2021, 12, 31)
    slow = Engine.from_rows(definitions, store.engine_rows()).assess(day)
    fast = Engine.from_scored_rows(definitions, store.scored_rows()).assess(day)
    assert fast.results == slow.results
    assert [r[0] for r in store.scored_rows(tlps=["CLEAR"])] == []


def test_summary_counts_in_sql_what_summarise_counts_in_memory(store: Store) -> None:
    from foresight.store import content_key, summarise

    rows = [
        new("a", observed_on=dt.date(2021, 8, 1), tlp="CLEAR"),
        new("b", observed_on=dt.date(2021, 9, 1), tlp="AMBER"),
        new("c", observed_on=dt.date(2021, 9, 30), tlp="GREEN", indicator="gone"),
        new("d", observed_on=dt.date(2021, 9, 2), tlp="RED"),
        new("e", observed_on=dt.date(2021, 9, 3)),  # retracted below
        new("f", observed_on=dt.date(2021, 10, 1)),  # later
        new("g", observed_on=dt.date(2021, 9, 29), indicator="other", strength=0.5),
    ]
    ids = store.add(rows, "alice").ids
    store.retract(ids[4], "wrong", "alice")
    window = {"since": dt.date(2021, 9, 1), "until": dt.date(2021, 9, 30)}
    known = ["example-indicator", "other"]
    amber = ["CLEAR", "GREEN", "AMBER"]
    found = store.summary(**window, tlps=amber, indicators=known)
    assert found == summarise(store.observations(), **window, tlps=amber, indicators=known)
    assert (found.later, found.retracted, found.withheld, found.unknown) == (1, 1, 1, 1)
    assert (found.used, found.in_window, found.total) == (3, 2, 6)
    assert (found.first, found.last) == (dt.date(2021, 8, 1), dt.date(2021, 9, 29))
    assert found.tlps == {"CLEAR", "AMBER", "GREEN"}
    # The fingerprint hashes content only: the sorted content keys of the used rows.
    used = sorted(content_key(rows[i]) for i in (0, 1, 6))
    assert found.fingerprint == hashlib.sha256(b"".join(used)).hexdigest()

    everything = store.summary(**window, tlps=None, indicators=known)
    assert (everything.withheld, everything.used, everything.tlps) == (
        0,
        4,
        {"CLEAR", "AMBER", "GREEN", "RED"},
    )
    assert everything == summarise(store.observations(), **window, tlps=None, indicators=known)
    empty = store.summary(**window, tlps=["CLEAR"], indicators=[])
    assert (empty.used, empty.unknown, empty.first, empty.tlps) == (0, 1, None, frozenset())
    assert empty.fingerprint == hashlib.sha256().hexdigest()
    assert empty == summarise(store.observations(), **window, tlps=["CLEAR"], indicators=[])


def test_gradings_give_each_reports_source_and_grade(store: Store) -> None:
    ids = store.add(
        [
            new("Wire A", reliability="B", credibility=2),
            new("Wire B", reliability="F", credibility=6),
        ],
        "tester",
    ).ids
    gradings = store.gradings([*ids, 10**9])  # an unknown id is simply absent
    assert {i: (g.source, g.reliability, g.credibility) for i, g in gradings.items()} == {
        ids[0]: ("Wire A", "B", 2),
        ids[1]: ("Wire B", "F", 6),
    }
    assert store.gradings([]) == {}

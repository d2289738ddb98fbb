"""The maintained evidence summary: per indicator and side, the reports that can still count.

Kept beside the log in four tables (migration m004 on both backends), rewritten for the
indicators a write touches inside that write's transaction, so a reader never sees the
summary and the log disagree:

- ``evidence_state``: one row; whether the summary was built, and its horizon (a day
  count from ``scales.EPOCH_DATE``): it answers every date from the horizon on.
- ``evidence_chains``: per (indicator, absent), the ranking it was kept for (the decay
  rates the definitions give it, see ``foresight.standing``); NULL until a reader asks.
- ``evidence_counts``: per (indicator, absent), how many reports count by each day after
  the horizon, and by the horizon itself in one row: what the engine counts.
- ``evidence_kept``: the reports that can still count, scored as ``scored_rows`` scores
  them, for ``Engine.from_summary``.

A reader passes the rankings its definitions want; chains kept for another ranking (a
half-life changed, a scenario now settles on the indicator) are rebuilt from the log
first, in a write transaction. Writers hold one lock for the summary (PostgreSQL: an
advisory transaction lock) before reading the log, so two writers touching the same
indicator rebuild it one after the other, the second seeing the first's rows.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from foresight import standing
from foresight.errors import StoreError
from foresight.scales import EPOCH_DATE

if TYPE_CHECKING:
    from foresight.store import Store

# Any fixed 64-bit number, distinct from the migration lock: "evidence".
SUMMARY_LOCK = 0x65766964656E6365
# Rebuild the whole summary when the log's latest day runs this far past the horizon:
# the kept set grows slowly as the horizon falls behind.
STALE_DAYS = 3 * standing.HORIZON_DAYS
# A write adding more observations than this rebuilds the indicators it touches from
# the log (one pass) rather than merging them in chain by chain.
MERGE_LIMIT = 20_000

Chain = tuple[str, bool]
MIGRATION = "m004_evidence_summary"  # the migration that creates the tables below


@dataclass(frozen=True)
class Evidence:
    """What the summary hands an engine: the kept reports, the counts and the horizon."""

    horizon: dt.date
    rows: list[tuple[Any, ...]]  # id, indicator, absent, day, log_trust, event
    counts: list[tuple[Any, ...]]  # indicator, absent, day, reports


TABLES = (
    "CREATE TABLE evidence_state (one INTEGER PRIMARY KEY CHECK (one = 1), "
    "built INTEGER NOT NULL, horizon INTEGER NOT NULL)",
    "CREATE TABLE evidence_chains (indicator TEXT NOT NULL, absent {bool} NOT NULL, "
    "ranking TEXT, PRIMARY KEY (indicator, absent))",
    "CREATE TABLE evidence_counts (indicator TEXT NOT NULL, absent {bool} NOT NULL, "
    "day INTEGER NOT NULL, reports INTEGER NOT NULL, PRIMARY KEY (indicator, absent, day))",
    "CREATE TABLE evidence_kept (observation_id {id} PRIMARY KEY, indicator TEXT NOT NULL, "
    "absent {bool} NOT NULL, day INTEGER NOT NULL, log_trust {real} NOT NULL, event TEXT)",
    "CREATE INDEX evidence_kept_by_indicator ON evidence_kept (indicator)",
    "INSERT INTO evidence_state (one, built, horizon) VALUES (1, 0, 0)",
)


def create_sqlite(conn: Any) -> None:
    """Create the summary tables in SQLite, and the index a rebuild of one indicator reads."""
    for statement in TABLES:
        conn.execute(statement.format(bool="INTEGER", id="INTEGER", real="REAL"))
    conn.execute("CREATE INDEX observations_by_indicator ON observations (indicator)")


def create_postgres(conn: Any) -> None:
    """Create the summary tables in PostgreSQL (observations already has its index)."""
    for statement in TABLES:
        conn.execute(statement.format(bool="BOOLEAN", id="BIGINT", real="DOUBLE PRECISION"))


def evidence(store: Store, wanted: Mapping[Chain, str], since: dt.date) -> Evidence | None:
    """The summary for these rankings, or None if it cannot answer dates from since on.

    Rebuilds, in a write transaction, whatever is missing or kept for another ranking."""
    with store._errors():
        built, horizon = _state(store)
        stored = _rankings(store)
        latest = store.conn.execute("SELECT max(day) FROM evidence_counts").fetchone()[0]
        stale = not built or (latest is not None and latest - horizon > STALE_DAYS)
        changed = {chain for chain, ranking in wanted.items() if stored.get(chain) != ranking}
    if stale or changed:
        try:
            with store._write():
                _lock(store)
                _set_rankings(store, {chain: wanted[chain] for chain in changed})
                built, horizon = _state(store)
                if stale or not built:
                    _rebuild(store, None)
                else:
                    _rebuild(store, {indicator for indicator, _ in changed})
                built, horizon = _state(store)
        except StoreError:
            # A reader that may not write (a read-only file, a read-only database role)
            # or that found the log locked reads the whole log instead.
            return None
    if (since - EPOCH_DATE).days < horizon:
        return None
    with store._errors():
        rows = store.conn.execute(
            "SELECT observation_id, indicator, absent, day, log_trust, event FROM evidence_kept"
        ).fetchall()
        counts = store.conn.execute(
            "SELECT indicator, absent, day, reports FROM evidence_counts"
        ).fetchall()
    return Evidence(EPOCH_DATE + dt.timedelta(days=horizon), rows, counts)


def refresh(store: Store, indicators: Collection[str], added: Sequence[int] = ()) -> None:
    """Bring the summary up to date, inside the caller's write: rebuild these indicators
    from the log, and merge in the observations just added (ids) where that is exact."""
    _lock(store)
    built, horizon = _state(store)
    if not built:
        return
    rebuild = set(indicators)
    if len(added) > MERGE_LIMIT:
        rebuild |= {row[1] for row in _rows_by_id(store, added)}
    elif added:
        rebuild |= _merge(store, added, horizon)
    if rebuild:
        _rebuild(store, rebuild)


def _rows_by_id(store: Store, ids: Sequence[int]) -> list[tuple[Any, ...]]:
    """The scored rows of these observations."""
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(ids), 500):
        part = list(ids[start : start + 500])
        if store._marker == "%s":
            out.extend(store._scored(" AND o.id = ANY(%s)", [part]))
        else:
            out.extend(store._scored(f" AND o.id IN ({', '.join('?' * len(part))})", part))
    return out


def _merge(store: Store, added: Sequence[int], horizon: int) -> set[str]:
    """Merge newly added reports into the summary; return the indicators that need a
    rebuild instead.

    Merging is exact when no earlier report shares a new report's event outside the
    summary, and no new report is dated before the first report of a kept event (which
    would lower that event's standing, and could let an event left out count again).
    Deciding what to keep among the kept and new reports alone is then safe: an event is
    dropped only for rivals that exist, and fewer rivals only keep more."""
    mark = store._marker
    conn = store.conn
    rows = _rows_by_id(store, added)
    fresh = set(added)
    by_chain: dict[Chain, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        by_chain[(row[1], bool(row[2]))].append(row)
    rankings = _rankings(store)
    rebuild: set[str] = set()
    tally: list[tuple[Any, ...]] = []
    for (indicator, absent), new in by_chain.items():
        if indicator in rebuild:
            continue
        ranking = rankings.get((indicator, absent))
        counted = Counter(max(row[3], horizon) for row in new)
        tally.extend((indicator, absent, day, n) for day, n in counted.items())
        if ranking is None:
            continue
        kept = conn.execute(
            "SELECT observation_id, indicator, absent, day, log_trust, event FROM evidence_kept "
            f"WHERE indicator = {mark} AND absent = {mark}",
            (indicator, absent),
        ).fetchall()
        firsts: dict[str, int] = {}
        for row in kept:
            if row[5]:
                firsts[row[5]] = min(row[3], firsts.get(row[5], row[3]))
        events = {row[5] for row in new if row[5]}
        if any(row[5] and row[5] in firsts and row[3] < firsts[row[5]] for row in new):
            rebuild.add(indicator)
            continue
        outside = sorted(events - firsts.keys())
        if outside and _logged_before(store, indicator, absent, outside, fresh):
            rebuild.add(indicator)
            continue
        reports = [(row[0], row[3], row[4], row[5]) for row in [*kept, *new]]
        keep = set(standing.still_counting(reports, ranking, horizon))
        gone = [row[0] for row in kept if row[0] not in keep]
        for start in range(0, len(gone), 500):
            part = gone[start : start + 500]
            if mark == "%s":
                conn.execute("DELETE FROM evidence_kept WHERE observation_id = ANY(%s)", (part,))
            else:
                marks = ", ".join("?" * len(part))
                conn.execute(f"DELETE FROM evidence_kept WHERE observation_id IN ({marks})", part)
        _insert(
            store,
            "evidence_kept",
            ("observation_id", "indicator", "absent", "day", "log_trust", "event"),
            [(row[0], indicator, absent, row[3], row[4], row[5]) for row in new if row[0] in keep],
        )
    tally = [row for row in tally if row[0] not in rebuild]
    cursor = conn.cursor()
    try:
        cursor.executemany(
            "INSERT INTO evidence_counts (indicator, absent, day, reports) VALUES "
            f"({mark}, {mark}, {mark}, {mark}) ON CONFLICT (indicator, absent, day) "
            "DO UPDATE SET reports = evidence_counts.reports + excluded.reports",
            tally,
        )
    finally:
        cursor.close()
    return rebuild


def _logged_before(
    store: Store, indicator: str, absent: bool, events: list[str], fresh: set[int]
) -> bool:
    """Whether a report counted before this write shares one of these events."""
    mark = store._marker
    if mark == "%s":
        where, params = "o.event = ANY(%s)", [events]
    else:
        where, params = f"o.event IN ({', '.join('?' * len(events))})", events
    rows = store.conn.execute(
        f"SELECT o.id FROM observations o WHERE o.indicator = {mark} AND o.absent = {mark} "
        f"AND {where} AND NOT EXISTS "
        "(SELECT 1 FROM retractions r WHERE r.observation_id = o.id)",
        [indicator, absent, *params],
    )
    return any(rid not in fresh for (rid,) in rows)


def _state(store: Store) -> tuple[bool, int]:
    row = store.conn.execute("SELECT built, horizon FROM evidence_state").fetchone()
    return bool(row[0]), int(row[1])


def _rankings(store: Store) -> dict[Chain, str | None]:
    rows = store.conn.execute("SELECT indicator, absent, ranking FROM evidence_chains")
    return {(indicator, bool(absent)): ranking for indicator, absent, ranking in rows}


def _lock(store: Store) -> None:
    if store._marker == "%s":
        store.conn.execute("SELECT pg_advisory_xact_lock(%s)", (SUMMARY_LOCK,))
    # SQLite: the write transaction (BEGIN IMMEDIATE) already holds off every other writer.


def _set_rankings(store: Store, rankings: Mapping[Chain, str]) -> None:
    mark = store._marker
    cursor = store.conn.cursor()
    try:
        cursor.executemany(
            f"INSERT INTO evidence_chains (indicator, absent, ranking) VALUES ({mark}, {mark}, "
            f"{mark}) ON CONFLICT (indicator, absent) DO UPDATE SET ranking = excluded.ranking",
            [(indicator, absent, ranking) for (indicator, absent), ranking in rankings.items()],
        )
    finally:
        cursor.close()


def _rebuild(store: Store, indicators: set[str] | None) -> None:
    """Recompute the counts and kept reports of these indicators (None: of every one)."""
    mark = store._marker
    conn = store.conn
    if indicators is None:
        where, params = "", []
        latest = conn.execute(
            "SELECT max(observed_on) FROM observations o "
            "WHERE NOT EXISTS (SELECT 1 FROM retractions r WHERE r.observation_id = o.id)"
        ).fetchone()[0]
        today = dt.datetime.now(dt.UTC).date()
        last = today if latest is None else min(today, _as_date(latest))
        horizon = (last - EPOCH_DATE).days - standing.HORIZON_DAYS
        conn.execute(f"UPDATE evidence_state SET built = 1, horizon = {mark}", (horizon,))
        conn.execute("DELETE FROM evidence_counts")
        conn.execute("DELETE FROM evidence_kept")
    else:
        listed = sorted(indicators)
        _, horizon = _state(store)
        if store._marker == "%s":
            where, params = " AND o.indicator = ANY(%s)", [listed]
            conn.execute("DELETE FROM evidence_counts WHERE indicator = ANY(%s)", (listed,))
            conn.execute("DELETE FROM evidence_kept WHERE indicator = ANY(%s)", (listed,))
        else:
            marks = ", ".join("?" * len(listed))
            # For a few indicators, their index; for many, a scan is faster (unary +).
            column = "o.indicator" if len(listed) <= 16 else "+o.indicator"
            where, params = f" AND {column} IN ({marks})", listed
            conn.execute(f"DELETE FROM evidence_counts WHERE indicator IN ({marks})", listed)
            conn.execute(f"DELETE FROM evidence_kept WHERE indicator IN ({marks})", listed)
    rankings = _rankings(store)
    chains: dict[Chain, list[standing.Report]] = defaultdict(list)
    for rid, indicator, absent, day, log_trust, event in store._scored(where, params):
        chains[(indicator, bool(absent))].append((rid, day, log_trust, event))
    counts: list[tuple[Any, ...]] = []
    kept: list[tuple[Any, ...]] = []
    for (indicator, absent), reports in chains.items():
        tally = Counter(max(report[1], horizon) for report in reports)
        counts.extend((indicator, absent, day, n) for day, n in sorted(tally.items()))
        ranking = rankings.get((indicator, absent))
        if ranking is not None:
            by_id = {report[0]: report for report in reports}
            for rid in standing.still_counting(reports, ranking, horizon):
                _, day, log_trust, event = by_id[rid]
                kept.append((rid, indicator, absent, day, log_trust, event))
    _insert(store, "evidence_counts", ("indicator", "absent", "day", "reports"), counts)
    _insert(
        store,
        "evidence_kept",
        ("observation_id", "indicator", "absent", "day", "log_trust", "event"),
        kept,
    )


def _insert(store: Store, table: str, columns: Iterable[str], rows: list[tuple[Any, ...]]) -> None:
    names = ", ".join(columns)
    if store._marker == "%s":
        with (
            store.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(names.split(", ")))
    store.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))

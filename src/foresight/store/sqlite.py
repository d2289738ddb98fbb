"""The SQLite backend: one file, WAL mode, writers serialised by BEGIN IMMEDIATE.

Dates are stored as ISO text (YYYY-MM-DD), timestamps as ISO 8601 UTC text with
microseconds, booleans as 0/1, content keys as 32-byte blobs.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from foresight.errors import StoreError
from foresight.records import Observation, Resolution, with_precision
from foresight.scales import EPOCH_DATE
from foresight.store import (
    LogSummary,
    Store,
    _summary,
    check_version,
    checkpoints,
    chunks,
    fingerprint,
    summary,
    trust_sql,
    utc_now,
)

COLUMNS = (
    "id, indicator, observed_on, recorded_at, analyst, absent, strength, source, source_url, "
    "reliability, credibility, event, tlp, note, amends, observed_precision, content_key"
)
SELECT = """
SELECT o.id, o.indicator, o.observed_on, o.recorded_at, o.analyst, o.absent, o.strength,
       o.source, o.source_url, o.reliability, o.credibility, o.event, o.tlp, o.note, o.amends,
       r.retracted_at, r.retracted_by, r.reason, o.observed_precision
FROM observations o LEFT JOIN retractions r ON r.observation_id = o.id
"""
SELECT_RESOLUTIONS = """
SELECT s.id, s.scenario, s.outcome, s.resolved_on, s.source, s.note, s.analyst, s.recorded_at,
       r.retracted_at, r.retracted_by, r.reason
FROM resolutions s LEFT JOIN resolution_retractions r ON r.resolution_id = s.id
"""
# sqlite3 binds str, int and float at once, but looks every other value up as a possible
# adapter (raising and catching AttributeError for __adapt__ and __conform__), a fifth of
# its work in a large import: None, bool and bytes (a content key) are registered as
# themselves, so that they are found at the first look. What is stored does not change.
sqlite3.register_adapter(type(None), lambda value: None)
sqlite3.register_adapter(bool, int)
sqlite3.register_adapter(bytes, bytes)
# Well below SQLite's limit on bound parameters in one statement.
LOOKUP_CHUNK = 500


def m001_initial(conn: sqlite3.Connection) -> None:
    """Create the observations and retractions tables, append-only.

    No index on indicator or date: readers take the whole log (or scan it in well under
    a second), while every index slows each import.
    """
    statements = [
        """CREATE TABLE observations (
            id INTEGER PRIMARY KEY,
            indicator TEXT NOT NULL,
            observed_on TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            analyst TEXT NOT NULL,
            absent INTEGER NOT NULL CHECK (absent IN (0, 1)),
            strength REAL NOT NULL CHECK (strength > 0 AND strength <= 1),
            source TEXT NOT NULL CHECK (source <> ''),
            source_url TEXT,
            reliability TEXT NOT NULL CHECK (reliability IN ('A', 'B', 'C', 'D', 'E', 'F')),
            credibility INTEGER NOT NULL CHECK (credibility BETWEEN 1 AND 6),
            event TEXT,
            tlp TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            amends INTEGER REFERENCES observations (id),
            content_key BLOB NOT NULL UNIQUE
        )""",
        """CREATE TABLE retractions (
            observation_id INTEGER PRIMARY KEY REFERENCES observations (id),
            retracted_at TEXT NOT NULL,
            retracted_by TEXT NOT NULL,
            reason TEXT NOT NULL
        )""",
    ]
    _create_append_only(conn, statements, ("observations", "retractions"))


def _create_append_only(
    conn: sqlite3.Connection, statements: list[str], tables: tuple[str, ...]
) -> None:
    """Run the CREATE statements, then forbid UPDATE and DELETE on the tables."""
    for statement in statements:
        conn.execute(statement)
    for table in tables:
        for action in ("UPDATE", "DELETE"):
            conn.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} are append-only'); END"
            )


def m002_resolutions(conn: sqlite3.Connection) -> None:
    """Create the resolutions and resolution_retractions tables, append-only."""
    statements = [
        """CREATE TABLE resolutions (
            id INTEGER PRIMARY KEY,
            scenario TEXT NOT NULL CHECK (scenario <> ''),
            outcome TEXT NOT NULL CHECK (outcome IN ('happened', 'did-not-happen', 'void')),
            resolved_on TEXT NOT NULL,
            source TEXT NOT NULL CHECK (source <> ''),
            note TEXT NOT NULL DEFAULT '',
            analyst TEXT NOT NULL,
            recorded_at TEXT NOT NULL
        )""",
        """CREATE TABLE resolution_retractions (
            resolution_id INTEGER PRIMARY KEY REFERENCES resolutions (id),
            retracted_at TEXT NOT NULL,
            retracted_by TEXT NOT NULL,
            reason TEXT NOT NULL
        )""",
    ]
    _create_append_only(conn, statements, ("resolutions", "resolution_retractions"))


def m003_observed_precision(conn: sqlite3.Connection) -> None:
    """Record whether an observation's date is known to the day or only to the month."""
    conn.execute(
        "ALTER TABLE observations ADD COLUMN observed_precision TEXT NOT NULL DEFAULT 'day' "
        "CHECK (observed_precision IN ('day', 'month'))"
    )


def m004_evidence_summary(conn: sqlite3.Connection) -> None:
    """Create the maintained evidence summary (store/summary.py), built on first read."""
    summary.create_sqlite(conn)


def m005_path_checkpoints(conn: sqlite3.Connection) -> None:
    """Create the path checkpoints (store/checkpoints.py), filled as paths are asked for."""
    checkpoints.create(conn)


class SQLiteStore(Store):
    """The log in a SQLite file."""

    MIGRATIONS = (
        m001_initial,
        m002_resolutions,
        m003_observed_precision,
        m004_evidence_summary,
        m005_path_checkpoints,
    )

    def __init__(self, path: str | Path, *, timeout: float = 10.0) -> None:
        self.path = Path(path).expanduser()
        self.timeout = timeout
        if self.path.exists() and not self.path.is_file():
            raise StoreError(
                f"cannot open the log at {self.path}: it is not a regular file (a SQLite log "
                "is a file; name a new or existing .db file)"
            )
        self._big_cache = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the log at {self.path}: {exc}") from None
        try:
            with self._errors():
                self._set_up(time.monotonic() + timeout)
        except BaseException:
            self.conn.close()
            raise

    def _set_up(self, deadline: float) -> None:
        """Set the connection up and migrate, retrying while another process does the same.

        Switching a new file to WAL can fail at once with "database is locked" when
        several processes open it together (SQLite does not wait on it), so the setup,
        which is idempotent, is tried again until the deadline."""
        while True:
            try:
                # Only takes effect when the file is new: bigger pages make the content
                # key index shallower, and a large import a quarter faster.
                self.conn.execute("PRAGMA page_size = 16384")
                self.conn.execute("PRAGMA foreign_keys = ON")
                if self.conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    self.conn.execute("PRAGMA journal_mode = WAL")
                self._migrate()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def describe(self) -> str:
        """Name the backend and the file."""
        return f"SQLite {self.path}"

    def observations(
        self,
        include_retracted: bool = True,
        *,
        indicators: Collection[str] | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        ids: Collection[int] | None = None,
    ) -> list[Observation]:
        """Return every observation (filtered if asked) with its retraction, ordered by id."""
        where: list[str] = []
        params: list[Any] = []
        if not include_retracted:
            where.append("r.observation_id IS NULL")
        if indicators is not None:
            where.append(f"o.indicator IN ({', '.join('?' * len(indicators))})")
            params.extend(indicators)
        if since is not None:
            where.append("o.observed_on >= ?")
            params.append(since.isoformat())
        if until is not None:
            where.append("o.observed_on <= ?")
            params.append(until.isoformat())
        if ids is not None:
            where.append(f"o.id IN ({', '.join('?' * len(ids))})")
            params.extend(ids)
        sql = SELECT + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY o.id"
        decode = _Decoder()
        with self._errors():
            return [decode(row) for row in self.conn.execute(sql, params)]

    def _gradings(self, ids: Sequence[int]) -> Iterable[tuple[int, str, str, int]]:
        sql = (
            "SELECT id, source, reliability, credibility FROM observations "
            f"WHERE id IN ({', '.join('?' * len(ids))})"
        )
        with self._errors():
            return self.conn.execute(sql, list(ids)).fetchall()

    def engine_rows(
        self, *, known_on: dt.date | None = None, tlps: Collection[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """Return compact rows of the observations that count, for Engine.from_rows."""
        where, params = self._counting(known_on, tlps)
        sql = (
            "SELECT o.id, o.indicator, o.observed_on, o.absent, o.strength, o.reliability, "
            "o.credibility, o.event FROM observations o "
            f"LEFT JOIN retractions r ON r.observation_id = o.id WHERE {where} ORDER BY o.id"
        )
        with self._errors():
            return self.conn.execute(sql, params).fetchall()

    def scored_rows(
        self, *, known_on: dt.date | None = None, tlps: Collection[str] | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """Yield the observations that count, scored in SQL, for Engine.from_scored_rows."""
        where, params = self._counting(known_on, tlps)
        trust, trust_params = trust_sql("?")
        sql = (
            "SELECT o.id, o.indicator, o.absent, "
            "CAST(julianday(o.observed_on) - julianday(?) AS INTEGER), "
            f"{trust}, o.event FROM observations o "
            f"LEFT JOIN retractions r ON r.observation_id = o.id WHERE {where} ORDER BY o.id"
        )
        with self._errors():
            self._ensure_ln()
            return self.conn.execute(sql, [EPOCH_DATE.isoformat(), *trust_params, *params])

    def _scored(self, where: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
        """The scored rows of the observations not retracted, filtered by where."""
        trust, trust_params = trust_sql("?")
        sql = (
            "SELECT o.id, o.indicator, o.absent, "
            "CAST(julianday(o.observed_on) - julianday(?) AS INTEGER), "
            f"{trust}, o.event FROM observations o "
            "WHERE NOT EXISTS (SELECT 1 FROM retractions r WHERE r.observation_id = o.id)" + where
        )
        self._ensure_ln()
        return self.conn.execute(sql, [EPOCH_DATE.isoformat(), *trust_params, *params])

    def summary(
        self,
        *,
        since: dt.date,
        until: dt.date,
        tlps: Collection[str] | None,
        indicators: Collection[str],
    ) -> LogSummary:
        """Count how the observations dated by until were treated, in SQL (see LogSummary)."""
        marks = ", ".join("?" * len(indicators))
        withheld, levels = "", []
        if tlps is not None:
            withheld = f"WHEN o.tlp NOT IN ({', '.join('?' * len(tlps))}) THEN 'withheld' "
            levels = list(tlps)
        grouped = (
            f"SELECT CASE {withheld}WHEN o.observed_on > ? THEN 'later' "
            "WHEN r.observation_id IS NOT NULL THEN 'retracted' "
            f"WHEN o.indicator NOT IN ({marks}) THEN 'unknown' ELSE 'used' END, "
            "o.tlp, count(*), sum(o.observed_on >= ?), min(o.observed_on), max(o.observed_on) "
            "FROM observations o LEFT JOIN retractions r ON r.observation_id = o.id "
            "GROUP BY 1, 2"
        )
        keys = (
            "SELECT o.content_key FROM observations o "
            "LEFT JOIN retractions r ON r.observation_id = o.id "
            "WHERE o.observed_on <= ? AND r.observation_id IS NULL "
            # The unary + keeps SQLite from reaching every row through the indicator
            # index when nearly all indicators are asked for: a scan is faster.
            f"AND +o.indicator IN ({marks})"
            + (f" AND o.tlp IN ({', '.join('?' * len(levels))})" if tlps is not None else "")
            # The unary + keeps SQLite from walking the content key index in order and
            # fetching each row from it: a scan and one sort are three times faster.
            + " ORDER BY +o.content_key"
        )
        day = until.isoformat()
        with self._errors():
            rows = self.conn.execute(
                grouped, [*levels, day, *indicators, since.isoformat()]
            ).fetchall()
            cursor = self.conn.execute(keys, [day, *indicators, *levels])
            digest = fingerprint(key for (key,) in cursor)
        return _summary(rows, digest)

    def _counting(
        self, known_on: dt.date | None, tlps: Collection[str] | None
    ) -> tuple[str, list[Any]]:
        """The WHERE clause selecting the observations that count, and its parameters."""
        where: list[str] = []
        params: list[Any] = []
        if known_on is None:
            where.append("r.observation_id IS NULL")
        else:
            # Timestamps are ISO text in UTC, so their first ten characters are the day.
            day = known_on.isoformat()
            where.append("substr(o.recorded_at, 1, 10) <= ?")
            where.append("(r.observation_id IS NULL OR substr(r.retracted_at, 1, 10) > ?)")
            params += [day, day]
        if tlps is not None:
            where.append(f"o.tlp IN ({', '.join('?' * len(tlps))})")
            params.extend(tlps)
        return " AND ".join(where), params

    def _ensure_ln(self) -> None:
        """Provide ln() where SQLite was built without its math functions."""
        try:
            self.conn.execute("SELECT ln(1.0)")
        except sqlite3.OperationalError:
            self.conn.create_function("ln", 1, math.log, deterministic=True)

    def resolutions(self, include_retracted: bool = True) -> list[Resolution]:
        """Return every resolution (or only the current ones) with its retraction, by id."""
        where = "" if include_retracted else " WHERE r.resolution_id IS NULL"
        with self._errors():
            rows = self.conn.execute(SELECT_RESOLUTIONS + where + " ORDER BY s.id").fetchall()
        return [
            Resolution(
                id=row[0],
                scenario=row[1],
                outcome=row[2],
                resolved_on=dt.date.fromisoformat(row[3]),
                source=row[4],
                note=row[5],
                analyst=row[6],
                recorded_at=dt.datetime.fromisoformat(row[7]),
                retracted_at=None if row[8] is None else dt.datetime.fromisoformat(row[8]),
                retracted_by=row[9],
                retraction_reason=row[10],
            )
            for row in rows
        ]

    # -- backend primitives ---------------------------------------------------------

    @contextmanager
    def _write(self, *, exclusive: bool = False) -> Iterator[None]:
        """Run the block in a BEGIN IMMEDIATE transaction (SQLite has one writer at a time)."""
        with self._errors():
            if not self._big_cache:
                # 64 MiB of page cache (the default is 2) for writers: a big import touches
                # the content key index all over, and a smaller cache costs it a fifth of
                # its speed. Readers keep the default: one that fetches observations here
                # and there would otherwise hold the pages it read, up to 64 MiB.
                self.conn.execute("PRAGMA cache_size = -65536")
                self._big_cache = True
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.rollback()
                raise
            self.conn.commit()

    def _get(self, observation_id: int) -> Observation | None:
        with self._errors():
            row = self.conn.execute(SELECT + " WHERE o.id = ?", (observation_id,)).fetchone()
        return None if row is None else _Decoder()(row)

    def _is_empty(self) -> bool:
        return self.conn.execute("SELECT 1 FROM observations LIMIT 1").fetchone() is None

    def _encode_date(self, value: dt.date) -> str:
        return value.isoformat()

    def _encode_time(self, value: dt.datetime) -> str:
        if value.tzinfo is not dt.UTC:
            value = value.astimezone(dt.UTC)
        return value.isoformat(timespec="microseconds")

    def _insert(self, records: list[tuple[Any, ...]], explicit_ids: bool) -> dict[bytes, int]:
        # Under BEGIN IMMEDIATE no one else writes, and a new row's id is the maximum
        # plus one (rows are never deleted), so the rows above the old maximum are
        # exactly the ones this insert added, in order. Plain INTEGER PRIMARY KEY rather
        # than AUTOINCREMENT: the latter spends an id on every skipped duplicate.
        before = self.conn.execute("SELECT coalesce(max(id), 0) FROM observations").fetchone()[0]
        changes = self.conn.total_changes
        self.conn.executemany(
            f"INSERT INTO observations ({COLUMNS}) VALUES ({', '.join('?' * 17)}) "
            "ON CONFLICT (content_key) DO NOTHING",
            records,
        )
        keys = [record[-1] for record in records]
        if explicit_ids:
            # Only into an empty log, with no repeated content: every record went in.
            return dict(zip(keys, (record[0] for record in records), strict=True))
        if self.conn.total_changes - changes == len(records):
            return dict(zip(keys, range(before + 1, before + 1 + len(records)), strict=True))
        rows = self.conn.execute(
            "SELECT id, content_key FROM observations WHERE id > ? ORDER BY id", (before,)
        )
        return {key: id_ for id_, key in rows}

    def _lookup(self, keys: Collection[bytes]) -> dict[bytes, int]:
        found: dict[bytes, int] = {}
        with self._errors():
            for part in chunks(list(keys), LOOKUP_CHUNK):
                sql = (
                    "SELECT content_key, id FROM observations "
                    f"WHERE content_key IN ({', '.join('?' * len(part))})"
                )
                found.update(self.conn.execute(sql, part).fetchall())
        return found

    def _insert_retractions(self, records: list[tuple[int, dt.datetime, str, str]]) -> int:
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT INTO retractions (observation_id, retracted_at, retracted_by, reason) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (observation_id) DO NOTHING",
            [(id_, self._encode_time(at), by, reason) for id_, at, by, reason in records],
        )
        return self.conn.total_changes - before

    def _lock_resolutions(self) -> None:
        pass  # BEGIN IMMEDIATE already holds off every other writer

    def _insert_resolution(self, record: tuple[Any, ...]) -> int:
        cursor = self.conn.execute(
            "INSERT INTO resolutions (scenario, outcome, resolved_on, source, note, analyst, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            record,
        )
        return int(cursor.lastrowid or 0)

    def _insert_resolution_retraction(self, record: tuple[int, dt.datetime, str, str]) -> None:
        id_, at, by, reason = record
        self.conn.execute(
            "INSERT INTO resolution_retractions (resolution_id, retracted_at, retracted_by, "
            "reason) VALUES (?, ?, ?, ?)",
            (id_, self._encode_time(at), by, reason),
        )

    # -- internals ------------------------------------------------------------------

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn SQLite's exceptions into StoreErrors that say what to do."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                raise StoreError(
                    f"the log at {self.path} is locked by another process; gave up after "
                    f"{self.timeout:g} s (try again when the other import or command ends)"
                ) from None
            raise StoreError(f"cannot use the log at {self.path}: {text}") from None
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "not a database" in text:
                text = "the file is not a SQLite database"
            raise StoreError(f"cannot use the log at {self.path}: {text}") from None

    def _version(self) -> int:
        listed = self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        tables = {name for (name,) in listed}
        if "schema_migrations" not in tables:
            if tables - {"sqlite_sequence"}:
                raise StoreError(
                    f"{self.path} is a SQLite database but not a foresight log "
                    f"(it has the tables {', '.join(sorted(tables))})"
                )
            return 0
        return int(
            self.conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[
                0
            ]
        )

    def _migrate(self) -> None:
        known = len(self.MIGRATIONS)
        found = self._version()
        check_version(found, known, str(self.path))
        if found == known:
            return
        with self._write():
            found = self._version()  # another process may have migrated meanwhile
            check_version(found, known, str(self.path))
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            for version, migration in enumerate(self.MIGRATIONS, start=1):
                if version > found:
                    migration(self.conn)
                    self.conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (?, ?, ?)",
                        (version, migration.__name__, self._encode_time(utc_now())),
                    )


class _Decoder:
    """Build Observations from rows of SELECT, parsing each distinct date text once."""

    def __init__(self) -> None:
        self.dates: dict[str, dt.date] = {}
        self.times: dict[str, dt.datetime] = {}

    def __call__(self, row: tuple[Any, ...]) -> Observation:
        """Decode one row."""
        dates, times = self.dates, self.times
        observed_on = dates.get(row[2])
        if observed_on is None:
            observed_on = dates[row[2]] = dt.date.fromisoformat(row[2])
        if row[18] != "day":
            observed_on = with_precision(observed_on, row[18])
        recorded_at = times.get(row[3])
        if recorded_at is None:
            recorded_at = times[row[3]] = dt.datetime.fromisoformat(row[3])
        retracted_at = None if row[15] is None else dt.datetime.fromisoformat(row[15])
        return Observation(
            id=row[0],
            indicator=row[1],
            observed_on=observed_on,
            recorded_at=recorded_at,
            analyst=row[4],
            absent=bool(row[5]),
            strength=row[6],
            source=row[7],
            source_url=row[8],
            reliability=row[9],
            credibility=row[10],
            event=row[11],
            tlp=row[12],
            note=row[13],
            amends=row[14],
            retracted_at=retracted_at,
            retracted_by=row[16],
            retraction_reason=row[17],
        )

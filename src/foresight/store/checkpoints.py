"""Path checkpoints: the engine's evidence at past dates, kept so a path is not redone.

A monthly path over ten years weighs every report of the log at 120 dates. What it finds
at a date depends only on the reports dated by then, the definitions and the audience, so
it is kept (migration m005, both backends) and reused until a write could change it:

- ``path_points``: per (definitions fingerprint, audience, day), the evidence total and
  its variance per scenario (JSON, floats written exactly) and how many reports counted.
  Only the current fingerprint is kept: a definitions change replaces the rows.
- ``path_state``: one row, a version every write of the log raises.

Every write (add, retract, amend) deletes, inside its own transaction, the points dated on
or after the earliest report it touches and raises the version. A reader notes the version
before it reads the log and stores what it computed only if the version is unchanged,
in one write transaction, so a point computed from a log that a writer has since changed
is never kept. A writer raises the version before it deletes, and a PostgreSQL reader
reads the version FOR UPDATE: a reader that comes while a write is open waits for it and
then sees the new version (SQLite has one writer at a time). "As known on" replays never
use checkpoints.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from foresight.errors import StoreError
from foresight.scales import EPOCH_DATE

if TYPE_CHECKING:
    from foresight.store import Store

MIGRATION = "m005_path_checkpoints"  # the migration that creates the tables below
EPOCH = EPOCH_DATE.toordinal()

TABLES = (
    "CREATE TABLE path_points (definitions TEXT NOT NULL, audience TEXT NOT NULL, "
    "day INTEGER NOT NULL, counted INTEGER NOT NULL, totals TEXT NOT NULL, "
    "variance TEXT NOT NULL, PRIMARY KEY (definitions, audience, day))",
    "CREATE TABLE path_state (one INTEGER PRIMARY KEY CHECK (one = 1), version BIGINT NOT NULL)",
    "INSERT INTO path_state (one, version) VALUES (1, 0)",
)


@dataclass(frozen=True)
class Point:
    """The engine's evidence at one date: per scenario, the total log-likelihood ratio and
    its variance, and how many reports counted."""

    as_of: dt.date
    totals: dict[str, float]
    variance: dict[str, float]
    counted: int


def create(conn: Any) -> None:
    """Create the checkpoint tables (the same SQL on both backends)."""
    for statement in TABLES:
        conn.execute(statement)


def version(store: Store) -> int:
    """The log's write version, to be read before the log itself."""
    with store._errors():
        return int(store.conn.execute("SELECT version FROM path_state").fetchone()[0])


def read(
    store: Store, definitions: str, audience: str, dates: Sequence[dt.date]
) -> dict[dt.date, Point]:
    """The kept points of these dates, for this fingerprint and audience."""
    if not dates:
        return {}
    mark = store._marker
    low, high = dates[0].toordinal() - EPOCH, dates[-1].toordinal() - EPOCH
    wanted = {d.toordinal() - EPOCH: d for d in dates}
    with store._errors():
        rows = store.conn.execute(
            "SELECT day, counted, totals, variance FROM path_points "
            f"WHERE definitions = {mark} AND audience = {mark} AND day BETWEEN {mark} AND {mark}",
            (definitions, audience, low, high),
        ).fetchall()
    out = {}
    for day, counted, totals, variance in rows:
        as_of = wanted.get(int(day))
        if as_of is not None:
            out[as_of] = Point(as_of, json.loads(totals), json.loads(variance), int(counted))
    return out


def keep(store: Store, definitions: str, audience: str, seen: int, points: Iterable[Point]) -> bool:
    """Store points computed from the log as it was at version seen; False (nothing
    stored) when a write has changed the log since."""
    mark = store._marker
    rows = [
        (
            definitions,
            audience,
            p.as_of.toordinal() - EPOCH,
            p.counted,
            json.dumps(p.totals, sort_keys=True),
            json.dumps(p.variance, sort_keys=True),
        )
        for p in points
    ]
    sql = (
        "INSERT INTO path_points (definitions, audience, day, counted, totals, variance) "
        f"VALUES ({', '.join([mark] * 6)}) ON CONFLICT DO NOTHING"
    )
    try:
        with store._write():
            # PostgreSQL: wait for a writer that has raised the version but not committed
            lock = " FOR UPDATE" if mark == "%s" else ""
            found = store.conn.execute("SELECT version FROM path_state" + lock).fetchone()[0]
            if int(found) != seen:
                return False
            store.conn.execute(
                f"DELETE FROM path_points WHERE definitions <> {mark}", (definitions,)
            )
            if mark == "%s":  # psycopg runs many statements on a cursor
                with store.conn.cursor() as cursor:
                    cursor.executemany(sql, rows)
            else:
                store.conn.executemany(sql, rows)
    except StoreError:
        # A reader that may not write (a read-only file, a read-only database role) or
        # that found the log locked keeps nothing: the next path is weighed again.
        return False
    return True


def forget(store: Store, since: dt.date | None) -> None:
    """Inside a write: drop the points a change to reports dated since could alter (all
    of them when since is None) and raise the version."""
    # The version first: its row lock makes a reader about to keep points wait for this
    # write, and then see that the log changed.
    store.conn.execute("UPDATE path_state SET version = version + 1")
    if since is None:
        store.conn.execute("DELETE FROM path_points")
    else:
        store.conn.execute(
            f"DELETE FROM path_points WHERE day >= {store._marker}",
            (since.toordinal() - EPOCH,),
        )

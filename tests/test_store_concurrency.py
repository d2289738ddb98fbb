"""Several processes at once, and a process killed mid-import, on both backends."""

from __future__ import annotations

import csv
import datetime as dt
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from foresight.store import NewObservation, open_store

WRITERS = 4
EACH = 200
# Each writer opens the (possibly not yet created) store itself and logs its
# observations one transaction at a time, as analysts running `observe` would.
WRITER = """
import datetime as dt, sys, time
from foresight.store import NewObservation, open_store

url, name, count, start = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
time.sleep(max(0.0, start - time.time()))  # all writers begin together
began = time.time()
with open_store(url, timeout=30) as store:
    for n in range(count):
        row = NewObservation("example-indicator", dt.date(2021, 9, 17), f"{name} report {n}",
                             "B", 2, "GREEN")
        assert store.add([row], name).added == 1
    print(began, time.time())
"""


def test_concurrent_writers_lose_nothing(db_url: str) -> None:
    start = str(
        time.time() + 3.0
    )  # time enough for every writer to start up, even on a busy machine
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, f"writer-{w}", str(EACH), start],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for w in range(WRITERS)
    ]
    spans = []
    for writer in writers:
        stdout, stderr = writer.communicate(timeout=120)
        assert writer.returncode == 0, stderr
        spans.append([float(t) for t in stdout.split()])
    # The writers really overlapped: each began (opening the store) before any had finished.
    assert max(began for began, _ in spans) < min(ended for _, ended in spans)
    with open_store(db_url) as store:
        observations = store.observations()
        assert store.schema_version() == len(store.MIGRATIONS)
    assert len(observations) == WRITERS * EACH
    assert [o.id for o in observations] == list(range(1, WRITERS * EACH + 1))
    for w in range(WRITERS):
        mine = [o.source for o in observations if o.analyst == f"writer-{w}"]
        assert mine == [f"writer-{w} report {n}" for n in range(EACH)]


def _write_big_csv(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["indicator", "observed_on", "source", "reliability", "credibility", "note"]
        )
        for n in range(rows):
            writer.writerow(
                [
                    "example-indicator",
                    "2021-09-17",
                    f"Report {n}",
                    "C",
                    3,
                    f"Synthetic row {n} of a large import.",
                ]
            )


def _write_has_started(url: str) -> bool:
    """Whether another process holds an open write transaction on the store."""
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            ).fetchone()
        return bool(row and row[0])
    conn = sqlite3.connect(url, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.rollback()
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _row(source: str) -> NewObservation:
    return NewObservation("example-indicator", dt.date(2021, 1, 1), source, "A", 1, "GREEN")


def test_a_killed_import_leaves_the_log_as_it_was(
    log_ws: Path, db_url: str, tmp_path: Path
) -> None:
    with open_store(db_url) as store:
        store.add([_row("before")], "x")
    big = tmp_path / "big.csv"
    _write_big_csv(big, 200_000)
    importer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from foresight.cli import main; main()",
            "--workspace",
            str(log_ws),
            "--db",
            db_url,
            "import",
            str(big),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    try:
        while not _write_has_started(db_url):
            assert importer.poll() is None, "the import ended before it could be killed"
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.01)
        time.sleep(0.3)  # well inside the transaction: rows are being written
        assert importer.poll() is None, "the import ended before it could be killed"
        importer.send_signal(signal.SIGKILL)
    finally:
        importer.kill()
        importer.wait()
    assert importer.returncode == -signal.SIGKILL
    with open_store(db_url) as store:
        assert store.count() == 1
        assert [o.source for o in store.observations()] == ["before"]
    with open_store(db_url, timeout=30) as store:  # and it takes new writes
        assert store.add([_row("after")], "x").added == 1
        assert store.count() == 2

"""Run foresight as a user would, in a subprocess with a timeout, and check its answer."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Every hostile input must be answered within this many seconds.
TIMEOUT = 5.0


@dataclass
class Answer:
    """What one command printed and how it ended."""

    code: int
    stdout: str
    stderr: str
    seconds: float


def run_cli(
    args: list[str], workspace: Path, db: str | None = None, cwd: Path | None = None
) -> Answer:
    """Run the command line in a fresh process; fail the test if it does not end in time."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("FORESIGHT_DB", "FORESIGHT_WORKSPACE", "FORESIGHT_DEBUG")
    }
    env.update(FORESIGHT_ANALYST="tester", NO_COLOR="1", COLUMNS="200", PYTHONUTF8="1")
    command = [sys.executable, "-m", "foresight", "--workspace", str(workspace)]
    if db is not None:
        command += ["--db", db]
    start = time.monotonic()
    try:
        done = subprocess.run(
            [*command, *args],
            capture_output=True,
            cwd=cwd or workspace,
            env=env,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"foresight {' '.join(args)[:200]} did not answer within {TIMEOUT:g} s")
    return Answer(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.monotonic() - start,
    )


def assert_refused(answer: Answer, expected: str, *, error_line: bool = True) -> None:
    """Exit 1 or 2, one clear message holding expected, and never a traceback."""
    both = answer.stdout + answer.stderr
    assert answer.code in (1, 2), both[:2000]
    assert "Traceback" not in both, both[-3000:]
    assert "failed unexpectedly" not in both, both[:2000]
    if error_line:
        assert answer.stderr.count("Error:") == 1, answer.stderr[:2000]
    assert expected in answer.stderr, answer.stderr[:2000]


def log_state(url: str) -> list[Any]:
    """Everything in a log: observations with their retractions, and resolutions."""
    from foresight.store import open_store

    with open_store(url) as store:
        return [store.observations(), store.resolutions()]


def seed(url: str) -> list[Any]:
    """Put one observation and one resolution in a fresh log; return its state."""
    import datetime as dt

    from foresight.store import NewObservation, open_store

    with open_store(url) as store:
        store.add(
            [NewObservation("example-indicator", dt.date(2021, 9, 17), "Seed", "B", 2, "GREEN")],
            "tester",
        )
        store.resolve("other-scenario", "void", dt.date(2026, 2, 1), "Seed", "tester")
    return log_state(url)

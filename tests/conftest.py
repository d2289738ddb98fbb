"""Shared fixtures: a workspace with a few indicators, and fresh observation stores.

Store tests run on both backends. PostgreSQL tests use the server at FORESIGHT_TEST_PG;
each store gets its own schema (made and dropped here). Without a reachable server the
PostgreSQL cases are skipped, except under CI (env CI set), where they fail instead.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from click.testing import CliRunner, Result

from foresight.cli import cli
from foresight.workspace import init_workspace

pytest_plugins = ("pytester",)

BACKENDS = ("sqlite", "postgresql")
SOURCE = """sources:
  - document: briefing-note-2025-12.pdf
    quote: "A quote."
"""
EXTRA_FILES = {
    "scenarios/other-scenario.yaml": """id: other-scenario
title: The border stays closed
summary: Neither side reopens the crossing.
prior: 0.4
prior_rationale: It has stayed closed for most of five years.
prior_set_on: 2026-01-01
horizon: 2027-12-31
resolution: No commercial traffic crosses before the horizon.
"""
    + SOURCE,
    "indicators/second-indicator.yaml": """id: second-indicator
title: Traders stockpile goods near the crossing
description: Warehouses near the crossing report unusual stock levels.
half_life_days: 60
weights:
  example-scenario:
    observed: weak-for
    absent: weak-against
"""
    + SOURCE,
    "indicators/other-indicator.yaml": """id: other-indicator
title: Troops reinforce the border posts
description: Credible reports of extra units at the border posts.
half_life_days: 30
weights:
  other-scenario:
    observed: strong-for
    absent: weak-against
"""
    + SOURCE,
}
INDICATORS = ("example-indicator", "second-indicator", "other-indicator")


@pytest.fixture
def log_ws(tmp_path: Path) -> Path:
    """A fresh workspace with three indicators over two scenarios."""
    root = init_workspace(tmp_path / "ws")
    for name, text in EXTRA_FILES.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


@functools.cache
def _pg_server() -> tuple[str | None, str]:
    """The test server's URL, or None and why it cannot be used (asked once a session)."""
    url = os.environ.get("FORESIGHT_TEST_PG")
    if not url:
        return None, "FORESIGHT_TEST_PG is not set"
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=3):
            return url, ""
    except psycopg.Error as exc:
        return None, f"cannot connect to FORESIGHT_TEST_PG: {exc}"


def _pg_admin_url() -> str:
    """The test server's URL, or skip (fail under CI) when it is not there."""
    url, problem = _pg_server()
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests must run under CI, but {problem}")
    pytest.skip(f"PostgreSQL tests skipped: {problem}")


class Stores:
    """Makes fresh, empty stores of one backend and cleans them all up."""

    def __init__(self, backend: str, folder: Path) -> None:
        self.backend = backend
        self.folder = folder
        self.admin_url = _pg_admin_url() if backend == "postgresql" else ""
        self.schemas: list[str] = []

    def new_url(self) -> str:
        """The URL of a new empty store."""
        if self.backend == "sqlite":
            path = self.folder / f"store-{uuid.uuid4().hex[:8]}" / "foresight.db"
            return str(path)
        import psycopg

        schema = f"test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {schema}")
        self.schemas.append(schema)
        joiner = "&" if "?" in self.admin_url else "?"
        return f"{self.admin_url}{joiner}options={quote(f'-c search_path={schema}')}"

    def cleanup(self) -> None:
        """Drop every schema made."""
        if not self.schemas:
            return
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for schema in self.schemas:
                conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    """A maker of fresh stores, once per backend."""
    maker = Stores(request.param, tmp_path)
    yield maker
    maker.cleanup()


@pytest.fixture
def db_url(stores: Stores) -> str:
    """The URL of a fresh, empty store (SQLite file or PostgreSQL schema)."""
    return stores.new_url()


@pytest.fixture
def store(db_url: str) -> Iterator[Any]:
    """An open fresh store."""
    from foresight.store import open_store

    opened = open_store(db_url)
    yield opened
    opened.close()


Run = Callable[..., Result]


@pytest.fixture
def run(log_ws: Path, db_url: str) -> Run:
    """Run the command line in the workspace against the fresh store, as a user would."""

    def invoke(*args: str, db: str | None = None, env: dict[str, str] | None = None) -> Result:
        command: Sequence[str] = ["--workspace", str(log_ws), "--db", db or db_url, *args]
        return CliRunner().invoke(
            cli, list(command), env={"FORESIGHT_ANALYST": "tester", **(env or {})}
        )

    return invoke


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """Sum the skipped tests up by reason, one line each, instead of one line per test.

    pyproject's addopts ask for -rfEX (no per-test SKIPPED lines); `pytest -rs` still
    lists them one by one.
    """
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if not reasons:
        return
    total = sum(reasons.values())
    terminalreporter.write_sep("-", f"{total} skipped", yellow=True)
    for reason, count in reasons.most_common():
        terminalreporter.write_line(f"{count} skipped: {reason}")
    terminalreporter.write_line(
        "Run everything with a PostgreSQL server and Chromium: see the README's Development."
    )

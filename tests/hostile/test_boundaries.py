"""Writes stay where they belong, ids stay in range, briefs withhold what they must, and
a store is named without its password."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from foresight import bounds
from foresight.cli import cli
from foresight.redact import passwords, redact
from foresight.store import NewObservation, describe_url, open_store, summarise


def invoke(ws: Path, *args: str, db: str | None = None) -> object:
    command = ["--workspace", str(ws), *(["--db", db] if db else []), *args]
    return CliRunner().invoke(cli, command, env={"FORESIGHT_ANALYST": "tester"})


def test_a_database_path_leading_out_of_the_workspace_is_refused(
    log_ws: Path, tmp_path: Path
) -> None:
    config = log_ws / "foresight.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("database: .foresight/foresight.db", "database: ../x/y/z.db"),
        encoding="utf-8",
    )
    for command in (["status"], ["log"], ["export"]):
        result = invoke(log_ws, *command)
        assert result.exit_code == 1, result.output  # type: ignore[attr-defined]
        assert "database: ../x/y/z.db leads outside the workspace" in result.output  # type: ignore[attr-defined]
    assert not (tmp_path / "x").exists()
    validated = invoke(log_ws, "validate")
    assert validated.exit_code == 1  # type: ignore[attr-defined]
    assert re.search(r"foresight.yaml:\d+: database: ../x/y/z.db leads outside", validated.output)  # type: ignore[attr-defined]


def test_an_absolute_database_path_in_the_config_is_the_folder_named(
    log_ws: Path, tmp_path: Path
) -> None:
    config = log_ws / "foresight.yaml"
    target = tmp_path / "elsewhere" / "log.db"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("database: .foresight/foresight.db", f"database: {target}"), encoding="utf-8"
    )
    result = invoke(log_ws, "validate", "--connect")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert f"Opened the log: SQLite {target}." in result.output  # type: ignore[attr-defined]
    assert target.is_file()


def test_validate_connect_reports_a_store_it_cannot_open(log_ws: Path) -> None:
    result = invoke(log_ws, "validate", "--connect", db="postgresql://u:S3cretPW@127.0.0.1:1/x")
    assert result.exit_code == 1
    assert "cannot connect to PostgreSQL at 127.0.0.1:1/x" in result.output  # type: ignore[attr-defined]
    assert "S3cretPW" not in result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://u:pw@h1:5432,h2:5433/db", "PostgreSQL database db on h1,h2:5432,5433"),
        ("postgresql://u:S3cretPW@db.example/", "PostgreSQL database (default database) on"),
        ("host=db.example password=S3cretPW dbname=log", "PostgreSQL database log on db.example"),
        ("postgresql://u:Bad%zzS3cretPW@h/db", "PostgreSQL database (an unreadable URL)"),
        ("/srv/secret-layout/foresight.db", "SQLite file foresight.db"),
    ],
)
def test_a_brief_names_its_store_without_password_or_folders(url: str, shown: str) -> None:
    described = describe_url(url)
    assert described.startswith(shown)
    assert "S3cretPW" not in described and "secret-layout" not in described


def test_passwords_are_found_in_every_form() -> None:
    for url in (
        "postgresql://u:Bad%zzSecret@h/db",
        "postgresql://u:Sec/ret@h/db",
        "postgresql://u:Sec@ret@h/db",
        "postgresql://x host=h password=Secret",
        "host=h password='Sec ret' dbname=x",
        "postgresql://u@h/db?sslmode=require&password=Secret",
    ):
        assert passwords(url), url
        message = f"could not use {url}: token {passwords(url)[0]}"
        assert all(p not in redact(message, url) for p in passwords(url) if len(p) >= 3)


def test_the_multi_host_url_of_a_real_server_writes_a_brief(
    log_ws: Path, tmp_path: Path, stores: object
) -> None:
    url = stores.new_url()  # type: ignore[attr-defined]
    if not url.startswith("postgresql://"):
        pytest.skip("a multi-host URL is PostgreSQL's")
    rest = url.removeprefix("postgresql://")
    user, rest = rest.split("@", 1)
    host, rest = rest.split("/", 1)
    multi = f"postgresql://{user}@{host},{host}/{rest}"
    result = invoke(log_ws, "brief", "--month", "2026-06", "--out", str(tmp_path / "o"), db=multi)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    text = (tmp_path / "o" / "2026-06.md").read_text(encoding="utf-8")
    assert "- Store: PostgreSQL database" in text


def test_a_malformed_snapshot_is_ignored(log_ws: Path, db_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".snapshots").mkdir(parents=True)
    for month, data in (
        ("2026-04", {"format": 1, "scenarios": [], "indicators": {}}),
        ("2026-05", {"format": 1, "scenarios": {"x": "y"}, "indicators": {"i": {"weights": []}}}),
    ):
        (out / ".snapshots" / f"{month}.json").write_text(json.dumps(data), encoding="utf-8")
    result = invoke(log_ws, "brief", "--month", "2026-06", "--out", str(out), db=db_url)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "First brief: nothing to compare." in (out / "2026-06.md").read_text(encoding="utf-8")


def test_ids_past_the_largest_are_never_handed_out(
    log_ws: Path, db_url: str, tmp_path: Path
) -> None:
    export = tmp_path / "top.csv"
    export.write_text(
        "indicator,observed_on,source,reliability,credibility,id,recorded_at\n"
        f"example-indicator,2021-09-17,R,B,2,{bounds.MAX_ID},2021-09-18T10:00:00+00:00\n",
        encoding="utf-8",
    )
    result = invoke(log_ws, "import", str(export), db=db_url)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    observed = invoke(
        log_ws,
        "observe",
        "example-indicator",
        "--date",
        "2021-09-18",
        "--source",
        "S",
        "--reliability",
        "B",
        "--credibility",
        "2",
        db=db_url,
    )
    assert observed.exit_code == 1, observed.output  # type: ignore[attr-defined]
    assert "run out of observation ids" in observed.output  # type: ignore[attr-defined]
    listed = json.loads(invoke(log_ws, "log", "--json", db=db_url).output)  # type: ignore[attr-defined]
    assert [o["id"] for o in listed] == [bounds.MAX_ID]
    retracted = invoke(log_ws, "retract", str(bounds.MAX_ID), "--reason", "x", db=db_url)
    assert retracted.exit_code == 0, retracted.output  # type: ignore[attr-defined]


def test_green_provenance_counts_only_what_the_audience_may_see(db_url: str) -> None:
    day = dt.date(2021, 11, 30)
    rows = [
        NewObservation("example-indicator", dt.date(2021, 11, 3), "A", "B", 2, "GREEN"),
        NewObservation("example-indicator", dt.date(2021, 11, 4), "B", "B", 2, "AMBER"),
        NewObservation("example-indicator", dt.date(2021, 12, 4), "C", "B", 2, "RED"),
        NewObservation("example-indicator", dt.date(2021, 10, 4), "D", "B", 2, "AMBER"),
        NewObservation("example-indicator", dt.date(2021, 12, 5), "E", "B", 2, "GREEN"),
    ]
    with open_store(db_url) as store:
        ids = store.add(rows, "tester").ids
        store.retract(ids[1], "wrong", "tester")  # an AMBER one
        summary = store.summary(
            since=dt.date(2021, 11, 1),
            until=day,
            tlps=["CLEAR", "GREEN"],
            indicators=["example-indicator"],
        )
        in_memory = summarise(
            store.observations(),
            since=dt.date(2021, 11, 1),
            until=day,
            tlps=["CLEAR", "GREEN"],
            indicators=["example-indicator"],
        )
    assert summary == in_memory
    assert (summary.withheld, summary.retracted, summary.later, summary.used) == (3, 0, 1, 1)


def test_symbolic_links_in_the_workspace_do_not_lead_writes_out(
    log_ws: Path, db_url: str, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (log_ws / "reports").rmdir()
    (log_ws / "reports").symlink_to(elsewhere)
    result = invoke(log_ws, "brief", "--month", "2026-06", db=db_url)
    assert result.exit_code == 1
    assert "reports is a symbolic link" in result.output  # type: ignore[attr-defined]
    assert list(elsewhere.iterdir()) == []
    named = invoke(
        log_ws, "brief", "--month", "2026-06", "--out", str(log_ws / "reports"), db=db_url
    )
    assert named.exit_code == 0, named.output  # type: ignore[attr-defined]
    assert (elsewhere / "2026-06.md").is_file()
    shutil.rmtree(log_ws / ".foresight", ignore_errors=True)  # only a cache of the ids
    (log_ws / ".foresight").symlink_to(elsewhere)
    status = invoke(log_ws, "status")
    assert status.exit_code == 1
    assert "leads outside the workspace" in status.output  # type: ignore[attr-defined]
    assert not (elsewhere / "foresight.db").exists()

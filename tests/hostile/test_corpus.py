"""Every case of the hostile corpus: exit 1 or 2, one clear message, no traceback, in time,
and nothing written. Definition and config cases need no store; import, command-line
and database cases run on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cases import (
    CLI_CASES,
    CONFIG_CASES,
    DATABASE_CASES,
    IMPORT_CASES,
    INDICATOR_CASES,
    SCENARIO_CASES,
    SECRET,
)
from harness import assert_refused, log_state, run_cli, seed

DEFINITIONS = SCENARIO_CASES + INDICATOR_CASES


def _edit(root: Path, name: str, old: str | None, new: str | bytes) -> None:
    path = root / name
    if old is None:
        path.write_bytes(new if isinstance(new, bytes) else new.encode("utf-8"))
        return
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {name}"
    assert isinstance(new, str)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_the_corpus_holds_at_least_two_hundred_cases() -> None:
    cases = DEFINITIONS + CONFIG_CASES + IMPORT_CASES + CLI_CASES + DATABASE_CASES
    names = [case[0] for case in cases]
    assert len(names) == len(set(names))
    assert len(cases) >= 200


@pytest.mark.parametrize(
    ("name", "file", "old", "new", "expected"), DEFINITIONS, ids=[c[0] for c in DEFINITIONS]
)
def test_hostile_definition_file(
    log_ws: Path, name: str, file: str, old: str | None, new: str, expected: str
) -> None:
    _edit(log_ws, file, old, new)
    answer = run_cli(["status"], log_ws, str(log_ws / "log.db"))
    assert_refused(answer, expected)
    assert file in answer.stderr
    assert not (log_ws / "log.db").exists()


@pytest.mark.parametrize(
    ("name", "file", "old", "new", "expected"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
def test_hostile_config_file(
    log_ws: Path, tmp_path: Path, name: str, file: str, old: str | None, new: str, expected: str
) -> None:
    _edit(log_ws, file, old, new)
    before = _written(tmp_path)
    answer = run_cli(["validate"], log_ws)
    assert_refused(answer, expected, error_line=False)
    assert "foresight.yaml" in answer.stderr
    assert SECRET not in answer.stderr
    assert _written(tmp_path) == before  # validate writes nothing


@pytest.mark.parametrize(
    ("name", "file", "content", "expected"), IMPORT_CASES, ids=[c[0] for c in IMPORT_CASES]
)
def test_hostile_import_file(
    log_ws: Path,
    db_url: str,
    tmp_path: Path,
    name: str,
    file: str,
    content: str | bytes,
    expected: str,
) -> None:
    before = seed(db_url)
    path = tmp_path / file
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    answer = run_cli(["import", str(path)], log_ws, db_url)
    assert_refused(answer, expected)
    assert log_state(db_url) == before


def _scratch(tmp: Path) -> Path:
    """A folder with the traps the command-line cases point at."""
    scratch = tmp / "scratch"
    (scratch / "linked").mkdir(parents=True)
    (scratch / "elsewhere").mkdir()
    (scratch / "linked" / ".snapshots").symlink_to(scratch / "elsewhere")
    (scratch / "target.csv").write_text("keep me\n", encoding="utf-8")
    (scratch / "link.csv").symlink_to(scratch / "target.csv")
    os.mkfifo(scratch / "fifo.csv")
    return scratch


@pytest.mark.parametrize(("name", "args", "expected"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_hostile_command_line_value(
    log_ws: Path, db_url: str, tmp_path: Path, name: str, args: list[str], expected: str
) -> None:
    before = seed(db_url)
    scratch = _scratch(tmp_path)
    args = [a.replace("{ws}", str(log_ws)).replace("{tmp}", str(scratch)) for a in args]
    answer = run_cli(args, log_ws, db_url)
    assert_refused(answer, expected)
    assert log_state(db_url) == before
    assert list((scratch / "elsewhere").iterdir()) == []
    assert (scratch / "target.csv").read_text(encoding="utf-8") == "keep me\n"
    assert (scratch / "link.csv").is_symlink()
    assert not (log_ws / "reports").exists() or not any((log_ws / "reports").iterdir())


@pytest.mark.parametrize(
    ("name", "url", "expected"), DATABASE_CASES, ids=[c[0] for c in DATABASE_CASES]
)
@pytest.mark.parametrize("command", [["status"], ["log"], ["brief", "--month", "2021-11"]])
def test_hostile_database_string(
    log_ws: Path, tmp_path: Path, name: str, url: str, expected: str, command: list[str]
) -> None:
    before = _written(log_ws)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    answer = run_cli(command, log_ws, url, cwd=cwd)
    assert_refused(answer, expected)
    assert SECRET not in answer.stdout + answer.stderr
    assert _written(log_ws) == before
    assert list(cwd.iterdir()) == []
    assert not Path("/dev/null-journal").exists()


def _written(folder: Path) -> list[str]:
    """Every file and folder below folder, but the definitions cache (of the validated
    definitions, which any command may refresh) and the folder that holds it."""
    return sorted(
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.name != "definitions-cache.json" and not (p.name == ".foresight" and p.is_dir())
    )

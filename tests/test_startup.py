"""Start-up shortcuts: --version without click, the definitions index, a fast exit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import Run

from foresight import __version__
from foresight.defcache import CACHE_FILE
from foresight.workspace import Workspace

OBSERVE = ("--date", "2026-01-05", "--source", "TASS", "--reliability", "B", "--credibility", "2")


def test_version_answers_without_importing_click() -> None:
    code = (
        "import sys, runpy; sys.argv = ['foresight', '--version']; "
        "runpy.run_module('foresight', run_name='__main__'); "
        "assert 'click' not in sys.modules, 'click was imported'"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"foresight, version {__version__}\n"


def test_version_with_global_options_answers_the_same(log_ws: Path) -> None:
    from foresight.launch import _only_version

    assert _only_version(["--version"])
    assert _only_version(["--workspace", str(log_ws), "--db", "x.db", "--version"])
    assert _only_version([f"--workspace={log_ws}", "-w", "ws", "--version"])
    assert not _only_version(["--workspace", "--version"])  # --version is the folder
    assert not _only_version(["status", "--version"])
    assert not _only_version([])
    command = [sys.executable, "-m", "foresight", "--workspace", str(log_ws), "--version"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"foresight, version {__version__}\n"


def test_a_command_run_as_a_process_keeps_its_exit_code_and_output(log_ws: Path) -> None:
    command = [sys.executable, "-m", "foresight", "--workspace", str(log_ws)]
    bad = subprocess.run([*command, "explain", "nope"], capture_output=True, text=True)
    assert bad.returncode == 1
    assert "no scenario 'nope'" in bad.stderr
    usage = subprocess.run([*command, "status", "--bogus"], capture_output=True, text=True)
    assert usage.returncode == 2
    good = subprocess.run([*command, "scenarios", "--json"], capture_output=True, text=True)
    assert good.returncode == 0, good.stderr
    assert json.loads(good.stdout)


def test_observe_reads_the_index_while_the_files_are_unchanged(run: Run, log_ws: Path) -> None:
    result = run("observe", "second-indicator", *OBSERVE)
    assert result.exit_code == 0, result.output
    index = json.loads((log_ws / CACHE_FILE).read_bytes().split(b"\n")[1])
    assert index["indicators"] == ["example-indicator", "other-indicator", "second-indicator"]
    assert Workspace(log_ws)._index is not None
    # A changed definition file changes the key: the definitions are read again.
    (log_ws / "indicators" / "second-indicator.yaml").unlink()
    assert Workspace(log_ws)._index is None
    result = run("observe", "second-indicator", *OBSERVE, "--note", "again")
    assert result.exit_code == 1, result.output
    assert "unknown indicator 'second-indicator'" in result.output
    assert Workspace(log_ws).indicator_ids() == ["example-indicator", "other-indicator"]


def test_an_unwritable_cache_is_only_a_missed_shortcut(run: Run, log_ws: Path) -> None:
    (log_ws / ".foresight").mkdir(exist_ok=True)
    (log_ws / CACHE_FILE).mkdir()  # a folder where the file would go: it cannot be written
    result = run("observe", "example-indicator", *OBSERVE)
    assert result.exit_code == 0, result.output
    assert Workspace(log_ws)._index is None
    # No temporary file is left behind.
    assert [p.name for p in (log_ws / ".foresight").iterdir()] == ["definitions-cache.json"]

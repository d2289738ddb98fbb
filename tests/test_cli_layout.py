"""The command line in an 80-column terminal: tables and messages wrap, ids never break."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from foresight.cli import cli
from foresight.cli.common import wrap

REPO = Path(__file__).resolve().parents[1]


def listing(*args: str, columns: int) -> str:
    result = CliRunner().invoke(
        cli, ["--workspace", str(REPO), *args], env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_wide_tables_fit_80_columns_without_breaking_an_id() -> None:
    indicators = json.loads(listing("indicators", "--json", columns=80))
    scenario_ids = {sid for item in indicators for sid in item["weights"]}
    for command in ("indicators", "scenarios"):
        text = listing(command, columns=80)
        assert all(len(line) <= 80 for line in text.splitlines()), command
        words = set(text.replace(",", " ").split())
        assert scenario_ids <= words, command
        if command == "indicators":
            assert {i["id"] for i in indicators} <= words
    weights = sum(len(item["weights"]) for item in indicators)
    text = listing("indicators", columns=80).replace(",", " ").split()
    assert sum(text.count(sid) for sid in scenario_ids) == weights


def test_a_table_that_fits_is_drawn_as_a_table() -> None:
    text = listing("scenarios", columns=120)
    assert "┃ id" in text and all(len(line) <= 120 for line in text.splitlines())
    assert "deeper-russia-taliban-ties" in text


def test_long_messages_wrap_between_words() -> None:
    message = (
        "Created a workspace in /tmp/a-very-long-folder-name/sahel-watch with an example "
        "scenario, indicator and import file."
    )
    wrapped = wrap(message, 40)
    assert all(len(line) <= 40 for line in wrapped.splitlines() if " " in line)
    assert "/tmp/a-very-long-folder-name/sahel-watch" in wrapped.splitlines()
    assert " ".join(wrapped.split()) == message


def test_a_table_too_wide_for_its_box_drops_the_box_not_an_id() -> None:
    text = listing("scenarios", columns=80)
    lines = text.splitlines()
    assert "┃" not in text and lines[1].split()[:2] == ["id", "title"]
    assert all(len(line) <= 80 for line in lines)
    assert [line.split()[0] for line in lines if line[:1].isalpha()][1:] == [
        "id",
        "deeper-russia-taliban-ties",
        "isis-k-spillover",
        "renewed-civil-war",
        "taliban-sco-invitation",
    ]

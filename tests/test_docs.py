"""Docs that cannot drift: every command has help and is in the README; every key too."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from foresight.cli import COMMANDS, cli
from foresight.models import MODELS

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(name: str) -> None:
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert f"`foresight {name}" in README


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_definition_key_has_a_description_and_is_in_the_readme(model) -> None:
    for name, info in model.model_fields.items():
        assert info.description, f"{model.__name__}.{name} has no description"
        assert f"| `{name}` |" in README, f"{model.__name__}.{name} is not in the README"


def test_version_and_help_do_not_import_heavy_modules() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from foresight.cli import cli\n"
        "try:\n    cli(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pydantic', 'jinja2', 'sqlite3', 'psycopg', 'yaml', 'rich')"
        " if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == ""


def test_a_mistyped_command_suggests_the_right_one() -> None:
    result = CliRunner().invoke(cli, ["stauts"])
    assert result.exit_code == 2
    assert "did you mean 'status'?" in result.output


def test_confidence_worked_example() -> None:
    import datetime as dt

    from factories import START, definitions, indicator, observation, scenario

    from foresight.engine import Engine
    from foresight.summary import status

    day = START + dt.timedelta(days=1500)
    pack = definitions(
        [scenario("war", 0.3)], [indicator("clashes", {"war": "strong-for"}, half_life=90)]
    )
    log = [observation("clashes", day, source="Wire A", reliability="B", credibility=2)]
    result = status(Engine(pack, log), day, "icd203")
    assert round(result.board.standings["war"].probability or 0, 3) == 0.546
    low, high = result.interval("war")  # type: ignore[misc]
    assert (round(low, 2), round(high, 2)) == (0.41, 0.68)
    assert "σ(0.183 ± 0.561) = **41%–68%**" in README
    confidence = result.confidence("war")
    assert confidence is not None and confidence.level == "low"
    assert "rests on a single source (Wire A, graded B2)" in confidence.reasons
    log += [
        observation(
            "clashes", day - dt.timedelta(days=10), source="Wire B", reliability="A", credibility=2
        ),
        observation(
            "clashes",
            day - dt.timedelta(days=20),
            source="Agency C",
            reliability="B",
            credibility=1,
        ),
    ]
    result = status(Engine(pack, log), day, "icd203")
    assert round(result.board.standings["war"].probability or 0, 3) == 0.760
    low, high = result.interval("war")  # type: ignore[misc]
    assert (round(low, 2), round(high, 2)) == (0.62, 0.86)
    assert result.confidence("war").level == "high"  # type: ignore[union-attr]


def test_the_command_list_gives_each_summary_whole_in_80_columns() -> None:
    from foresight.cli import summary_line

    result = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    assert result.exit_code == 0, result.output
    listing = result.output.split("Commands:", 1)[1]
    assert "..." not in listing and "…" not in listing
    assert all(len(line) <= 80 for line in listing.splitlines())
    flowed = " ".join(listing.split())
    for name in COMMANDS:
        command = cli.get_command(None, name)  # type: ignore[arg-type]
        assert f"{name} {summary_line(command)}" in flowed, name


FIRST_PACK = REPO / "scenarios", REPO / "indicators"


@pytest.mark.parametrize(
    "name",
    sorted(COMMANDS),
)
def test_help_never_names_the_first_packs_ids(name: str) -> None:
    # A new team's workspace has none of them: examples use the ids 'foresight init' makes.
    ids = {path.stem for folder in FIRST_PACK for path in folder.glob("*.yaml")}
    text = CliRunner().invoke(cli, [name, "--help"]).output
    named = sorted(i for i in ids if i in text)
    assert not named, f"'foresight {name} --help' names {named}"
    assert "examples/" not in text


def test_the_main_help_never_names_the_first_packs_ids() -> None:
    ids = {path.stem for folder in FIRST_PACK for path in folder.glob("*.yaml")}
    text = CliRunner().invoke(cli, ["--help"]).output
    assert not [i for i in ids if i in text]

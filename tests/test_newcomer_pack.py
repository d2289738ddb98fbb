"""Definitions as a new team writes them: shorthand accepted, every mistake explained once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from foresight.cli import cli
from foresight.workspace import init_workspace

SOURCE = """sources:
  - document: desk-notes.txt
    quote: "A quote."
"""
RAW_PYDANTIC = (
    "Input should",
    "String should",
    "unable to parse",
    "valid dictionary",
    "instance of",
    "List should",
    "Field required",
)


def scenario(sid: str, prior: str = "0.2", group: str | None = None) -> str:
    grouped = f"group: {group}\n" if group else ""
    return (
        f"id: {sid}\ntitle: Scenario {sid}\nsummary: A future.\nprior: {prior}\n"
        "prior_rationale: Base rate.\nprior_set_on: 2026-01-01\nhorizon: 2027-12-31\n"
        f"resolution: It happens.\n{grouped}{SOURCE}"
    )


def indicator(iid: str, weights: str, half_life: str = "30") -> str:
    return (
        f"id: {iid}\ntitle: Indicator {iid}\ndescription: Something seen.\n"
        f"half_life_days: {half_life}\nweights:\n{weights}{SOURCE}"
    )


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws", "New team")
    for folder in ("scenarios", "indicators"):
        for path in (root / folder).iterdir():
            path.unlink()
    return root


def put(root: Path, name: str, text: str) -> None:
    (root / name).write_text(text, encoding="utf-8")


def validate(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--workspace", str(root), "validate", *args])


def test_the_natural_shorthand_is_accepted(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a", "10%"))
    put(ws, "scenarios/b.yaml", scenario("b", "12.5 %"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: moderate-for\n  b: 2\n", "6 weeks"))
    put(ws, "indicators/j.yaml", indicator("j", "  b:\n    observed: weak-for\n", "30 days"))
    result = validate(ws, "--strict")
    assert result.exit_code == 0, result.output
    listing = CliRunner().invoke(cli, ["--workspace", str(ws), "indicators", "--json"])
    data = {i["id"]: i for i in __import__("json").loads(listing.stdout)}
    assert data["i"]["half_life_days"] == 42 and data["j"]["half_life_days"] == 30
    assert data["i"]["weights"]["a"]["observed"] == "moderate-for"
    scenarios = CliRunner().invoke(cli, ["--workspace", str(ws), "scenarios", "--json"])
    assert [s["prior"] for s in __import__("json").loads(scenarios.stdout)] == [0.1, 0.125]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (
            "scenarios/a.yaml",
            scenario("a").replace("id: a", "id: Border_Reopens"),
            "scenarios/a.yaml:1: id: 'Border_Reopens' is not a valid id (ids are lower-case "
            "letters, digits and single hyphens: write 'border-reopens')",
        ),
        (
            "scenarios/a.yaml",
            scenario("a", "high"),
            "scenarios/a.yaml:4: prior: 'high' is not a probability (write a number such as "
            "0.1, or 10%)",
        ),
        (
            "indicators/i.yaml",
            indicator("i", "  a:\n    - strong-for\n"),
            "indicators/i.yaml:6: weights.a: ['strong-for'] is not a weight (write a weight "
            "word (e.g. 'moderate-for') or a mapping with 'observed:' and optional 'absent:' "
            "and 'sources:')",
        ),
        (
            "indicators/i.yaml",
            indicator("i", "  a: moderate-for\n", "a month"),
            "indicators/i.yaml:4: half_life_days: 'a month' is not a number of days (write a "
            "whole number of days (30), '30 days' or '6 weeks', or null for a lasting fact)",
        ),
        (
            "indicators/i.yaml",
            indicator("i", "  Scenario A: moderate-for\n"),
            "indicators/i.yaml:6: weights.Scenario A: 'Scenario A' is not a scenario id",
        ),
        (
            "indicators/i.yaml",
            indicator("i", "  a: moderate-for\n").replace(SOURCE, "sources: desk-notes.txt\n"),
            "indicators/i.yaml:7: sources: must be a list of sources (write '- document: NAME' "
            "with an indented 'quote: \"…\"' under it)",
        ),
        (
            "indicators/i.yaml",
            indicator("i", "  a: moderate-for\n").replace(SOURCE, "sources:\n  - desk.txt\n"),
            "indicators/i.yaml:8: sources.0: 'desk.txt' is not a source (each source is a "
            "mapping: '- document: NAME' with an indented 'quote: \"…\"')",
        ),
    ],
)
def test_every_validation_message_says_what_to_write(
    ws: Path, name: str, text: str, expected: str
) -> None:
    put(ws, "scenarios/a.yaml", scenario("a"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: moderate-for\n"))
    put(ws, name, text)
    result = validate(ws)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    for phrase in RAW_PYDANTIC:
        assert phrase not in result.output


def test_a_scenario_file_that_fails_to_load_is_reported_once(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a", "likely"))
    put(ws, "scenarios/b.yaml", scenario("b"))
    for n in range(3):
        put(ws, f"indicators/i{n}.yaml", indicator(f"i{n}", "  a: moderate-for\n  b: weak-for\n"))
    result = validate(ws)
    assert result.exit_code == 1, result.output
    assert "no scenario has the id" not in result.output
    assert result.output.count("scenarios/a.yaml") == 2  # the error, and what depends on it
    assert (
        "scenarios/a.yaml: warning: failed to load (above), so 3 weight(s) naming its scenario "
        "are not checked: indicators/i0.yaml:6, indicators/i1.yaml:6, indicators/i2.yaml:6 "
        "(fix this file first; they are checked once it loads)"
    ) in result.output
    assert "1 error(s), 1 warning(s)." in result.output


def test_a_broken_yaml_file_is_matched_by_its_id_line(ws: Path) -> None:
    put(ws, "scenarios/first.yaml", scenario("a").replace("title:", "title: [unclosed\n#"))
    put(ws, "scenarios/b.yaml", scenario("b"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: moderate-for\n  b: weak-for\n"))
    result = validate(ws)
    assert result.exit_code == 1
    assert "no scenario has the id" not in result.output
    assert (
        "scenarios/first.yaml: warning: failed to load (above), so 1 weight(s) naming its "
        "scenario are not checked: indicators/i.yaml:6"
    ) in result.output


def test_an_indicator_that_fails_to_load_does_not_strand_its_scenarios(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: moderately-for\n"))
    result = validate(ws)
    assert result.exit_code == 1
    assert "no indicator can move scenario 'a'" not in result.output
    assert "unknown weight 'moderately-for', did you mean 'moderate-for'?" in result.output


def test_the_group_sum_error_points_at_the_file_changed_last(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a", "0.5", "outcome"))
    put(ws, "scenarios/c.yaml", scenario("c", "0.3", "outcome"))
    put(ws, "scenarios/b.yaml", scenario("b", "0.4", "outcome"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: weak-for\n  b: weak-for\n  c: weak-for\n"))
    for n, name in enumerate(("a", "c", "b")):
        os.utime(ws / "scenarios" / f"{name}.yaml", (1_700_000_000 + n, 1_700_000_000 + n))
    result = validate(ws)
    assert result.exit_code == 1
    assert (
        "scenarios/b.yaml:4: prior: the priors of exclusive group 'outcome' sum to 1.2 (this "
        "file 0.4; scenarios/a.yaml 0.5, scenarios/c.yaml 0.3)"
    ) in result.output


def test_a_group_of_one_is_a_warning_with_did_you_mean(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a", "0.3", "outcomes"))
    put(ws, "scenarios/b.yaml", scenario("b", "0.3", "outcomes"))
    put(ws, "scenarios/c.yaml", scenario("c", "0.3", "outcome"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: weak-for\n  b: weak-for\n  c: weak-for\n"))
    result = validate(ws)
    assert result.exit_code == 0, result.output
    assert (
        "scenarios/c.yaml:9: warning: group: exclusive group 'outcome' has only this scenario "
        "(did you mean 'outcomes'?)"
    ) in result.output
    assert validate(ws, "--strict").exit_code == 1


def test_validate_counts_observations_of_indicators_no_longer_defined(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: weak-for\n"))
    put(ws, "indicators/gone.yaml", indicator("gone", "  a: weak-for\n"))
    base = ["--workspace", str(ws)]
    grade = ["--source", "AFP", "--reliability", "B", "--credibility", "2"]
    for day in ("2026-01-02", "2026-01-03"):
        result = CliRunner().invoke(cli, [*base, "observe", "gone", "--date", day, *grade])
        assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, [*base, "observe", "i", "--date", "2026-01-02", *grade])
    (ws / "indicators" / "gone.yaml").unlink()
    result = validate(ws)
    assert result.exit_code == 0, result.output
    assert (
        "warning: 2 observation(s) name indicators that are not defined: gone (2); they count "
        "nowhere (restore the indicator's file, or retract them with 'foresight retract ID'"
    ) in result.output
    assert validate(ws, "--strict").exit_code == 1
    from foresight.workspace import Workspace

    workspace = Workspace.open(ws)
    try:
        assert workspace.unknown_indicators() == {"gone": 2}
    finally:
        workspace.close()


def test_validate_never_creates_a_log(ws: Path) -> None:
    put(ws, "scenarios/a.yaml", scenario("a"))
    put(ws, "indicators/i.yaml", indicator("i", "  a: weak-for\n"))
    assert validate(ws).exit_code == 0
    assert not (ws / ".foresight").exists()


README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_the_write_your_own_pack_walkthrough_works_from_an_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shlex

    section = README.split("## Write your own pack", 1)[1].split("\n## ", 1)[0]
    assert "examples/" not in section and "first pack" not in section
    block = section.split("```sh\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORESIGHT_WORKSPACE", raising=False)
    monkeypatch.delenv("FORESIGHT_DB", raising=False)
    ran = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if not words or words[0] == "pip":
            continue
        if words[0] == "cd":
            monkeypatch.chdir(Path.cwd() / words[1])
            continue
        assert words[0] == "foresight", line
        result = CliRunner().invoke(cli, words[1:], env={"FORESIGHT_ANALYST": "newcomer"})
        assert result.exit_code == 0, f"{line}\n{result.output}"
        ran.append(words[1])
    assert ran == ["init", "validate", "import", "status", "brief"]
    template = CliRunner().invoke(cli, ["export", "--template", "--output", "reports.csv"])
    assert template.exit_code == 0, template.output
    header = (Path.cwd() / "reports.csv").read_bytes().decode("utf-8")
    assert header == (
        "indicator,observed_on,absent,strength,source,source_url,reliability,credibility,"
        "event,tlp,note,analyst\r\n"
    )
    example = (Path.cwd() / "observations.csv").read_bytes().decode("utf-8")
    assert example.startswith(header)

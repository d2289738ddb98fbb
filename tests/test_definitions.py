"""Definitions through the CLI: validate, init, scenarios, indicators, and the YAML rules."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight import yamlio
from foresight.cli import cli
from foresight.models import Indicator, Scenario
from foresight.workspace import init_workspace

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return init_workspace(tmp_path / "ws", "Test workspace")


def run(workspace: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(workspace), *args])


def write(path: Path, text: str | bytes) -> None:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def example(workspace: Path, kind: str) -> str:
    name = "scenarios/example-scenario.yaml" if kind == "s" else "indicators/example-indicator.yaml"
    return (workspace / name).read_text(encoding="utf-8")


def test_init_gives_a_workspace_that_validates(workspace: Path) -> None:
    result = run(workspace, "validate", "--strict")
    assert result.exit_code == 0, result.output
    assert "OK: 1 scenarios and 1 indicators" in result.output


def test_init_refuses_an_existing_workspace(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["init", str(workspace)])
    assert result.exit_code == 1
    assert "already exists; nothing was changed" in result.output


def test_the_repository_pack_validates() -> None:
    result = run(REPO, "validate", "--strict")
    assert result.exit_code == 0, result.output
    scenarios = json.loads(run(REPO, "scenarios", "--json").output)
    indicators = json.loads(run(REPO, "indicators", "--json").output)
    assert len(scenarios) >= 4 and len(indicators) >= 24
    for item in scenarios + indicators:
        assert item["sources"], item["id"]
    for scenario in scenarios:
        moving = json.loads(run(REPO, "indicators", "--scenario", scenario["id"], "--json").output)
        assert len(moving) >= 6, scenario["id"]


@pytest.mark.parametrize(
    ("file", "content", "expected"),
    [
        (
            "scenarios/syntax.yaml",
            "id: x\n  title: [oops\n",
            "scenarios/syntax.yaml:2: YAML syntax error",
        ),
        ("scenarios/empty.yaml", "", "scenarios/empty.yaml: is empty"),
        ("scenarios/comments.yaml", "# nothing here\n", "scenarios/comments.yaml: is empty"),
        ("scenarios/latin1.yaml", b"id: caf\xe9\n", "scenarios/latin1.yaml:1: is not valid UTF-8"),
        ("scenarios/binary.yaml", b"\x00\x01\x02", "scenarios/binary.yaml: is a binary file"),
        (
            "indicators/dupkey.yaml",
            "id: a\nid: b\n",
            "indicators/dupkey.yaml:2: id: duplicate key (first given on line 1)",
        ),
        ("scenarios/list.yaml", "- a\n- b\n", "scenarios/list.yaml:1: must be a mapping"),
    ],
)
def test_each_file_level_error_is_reported_with_file_and_line(
    workspace: Path, file: str, content: str | bytes, expected: str
) -> None:
    write(workspace / file, content)
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert expected in result.output


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "title: The border",
            "titel: The border",
            "example-scenario.yaml:3: titel: unknown key (did you mean 'title'?)",
        ),
        (
            "title: The border reopens to trade\n",
            "",
            "example-scenario.yaml:2: title: missing required field",
        ),
        (
            "prior: 0.3 ",
            "prior: 1.5 ",
            "example-scenario.yaml:6: prior: must be at most 0.999 (got 1.5, e.g. 0.1 or 10%)",
        ),
        (
            "prior_set_on: 2026-01-01",
            "prior_set_on: 2026-13-01",
            "example-scenario.yaml:9: prior_set_on: '2026-13-01' is not a date (write dates as "
            "YYYY-MM-DD, e.g. 2026-01-31)",
        ),
        (
            "horizon: 2027-12-31",
            "horizon: 2025-12-31",
            "example-scenario.yaml:10: horizon: the horizon must come after prior_set_on",
        ),
        (
            "id: example-scenario ",
            "id: Example Scenario ",
            "example-scenario.yaml:2: id: 'Example Scenario' is not a valid id (ids are "
            "lower-case letters, digits and single hyphens: write 'example-scenario')",
        ),
        (
            "  - document: briefing",
            "  - documnet: briefing",
            "sources.0.documnet: unknown key (did you mean 'document'?)",
        ),
    ],
)
def test_scenario_field_errors_point_at_the_line(
    workspace: Path, old: str, new: str, expected: str
) -> None:
    path = workspace / "scenarios/example-scenario.yaml"
    text = example(workspace, "s")
    assert old in text
    write(path, text.replace(old, new, 1))
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert expected in result.output


def test_unknown_key_and_unknown_scenario_give_two_errors_in_one_run(workspace: Path) -> None:
    write(
        workspace / "scenarios/example-scenario.yaml",
        example(workspace, "s").replace("summary:", "sumary:"),
    )
    other = example(workspace, "i").replace("id: example-indicator", "id: second-indicator")
    write(
        workspace / "indicators/second-indicator.yaml",
        other.replace("  example-scenario:", "  exampel-scenario:"),
    )
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert "scenarios/example-scenario.yaml:4: sumary: unknown key (did you mean 'summary'?)" in (
        result.output
    )
    assert (
        "indicators/second-indicator.yaml:12: weights.exampel-scenario: no scenario has the "
        "id 'exampel-scenario' (did you mean 'example-scenario'?)"
    ) in result.output


def test_weight_words_are_checked_with_a_suggestion(workspace: Path) -> None:
    write(
        workspace / "indicators/example-indicator.yaml",
        example(workspace, "i").replace("observed: moderate-for", "observed: moderat-for"),
    )
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert (
        "weights.example-scenario.observed: unknown weight 'moderat-for', did you mean "
        "'moderate-for'?" in result.output
    )


def test_duplicate_ids_across_files(workspace: Path) -> None:
    shutil.copy(workspace / "scenarios/example-scenario.yaml", workspace / "scenarios/copy.yaml")
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert "duplicate scenario id 'example-scenario'" in result.output


def test_a_scenario_no_indicator_can_move(workspace: Path) -> None:
    lonely = example(workspace, "s").replace("id: example-scenario", "id: lonely")
    write(workspace / "scenarios/lonely.yaml", lonely)
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert "scenarios/lonely.yaml:2: id: no indicator can move scenario 'lonely'" in result.output


def test_exclusive_group_priors_must_leave_room_for_none_of_these(workspace: Path) -> None:
    text = example(workspace, "s").replace("# group: border-outcomes", "group: outcomes")
    write(workspace / "scenarios/example-scenario.yaml", text.replace("prior: 0.3", "prior: 0.6"))
    write(
        workspace / "scenarios/second.yaml",
        text.replace("id: example-scenario", "id: second").replace("prior: 0.3", "prior: 0.5"),
    )
    write(
        workspace / "indicators/second.yaml",
        example(workspace, "i")
        .replace("id: example-indicator", "id: second")
        .replace("example-scenario:", "second:"),
    )
    result = run(workspace, "validate")
    assert result.exit_code == 1
    assert "the priors of exclusive group 'outcomes' sum to 1.1" in result.output


def test_warnings_fail_only_with_strict(workspace: Path) -> None:
    write(workspace / "scenarios/notes.txt", "not yaml")
    assert run(workspace, "validate").exit_code == 0
    result = run(workspace, "validate", "--strict")
    assert result.exit_code == 1
    assert "scenarios/notes.txt: warning: is not a YAML file" in result.output


def test_yaml_surprises_stay_strings() -> None:
    doc = yamlio.parse("a: no\nb: on\nc: 010\nd: 2021-11-30\ne: 7\nf: 0.5\ng: true\n", "x")
    assert doc.data == {
        "a": "no",
        "b": "on",
        "c": "010",
        "d": "2021-11-30",
        "e": 7,
        "f": 0.5,
        "g": True,
    }


def test_python_tags_are_refused() -> None:
    doc = yamlio.parse("a: !!python/object/apply:os.system ['echo hi']\n", "x")
    assert doc.data is None
    assert "YAML syntax error" in str(doc.problems[0]) or "YAML" in str(doc.problems[0])


def test_no_workspace_says_how_to_create_one(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORESIGHT_WORKSPACE", raising=False)
    result = CliRunner().invoke(cli, ["validate"])
    assert result.exit_code == 1
    assert "foresight init DIR" in result.output


def test_workspace_is_found_from_the_environment_and_by_walking_up(
    workspace: Path, monkeypatch
) -> None:
    monkeypatch.setenv("FORESIGHT_WORKSPACE", str(workspace))
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 0
    monkeypatch.delenv("FORESIGHT_WORKSPACE")
    monkeypatch.chdir(workspace / "scenarios")
    assert CliRunner().invoke(cli, ["validate"]).exit_code == 0


def test_lists_as_tables_and_json(workspace: Path) -> None:
    table = run(workspace, "scenarios")
    assert table.exit_code == 0 and "example-scenario" in table.output
    data = json.loads(
        run(workspace, "indicators", "--scenario", "example-scenario", "--json").output
    )
    assert [item["id"] for item in data] == ["example-indicator"]
    assert {"id", "title"} <= set(data[0])
    unknown = run(workspace, "indicators", "--scenario", "exampel-scenario")
    assert unknown.exit_code == 1 and "did you mean 'example-scenario'" in unknown.output


slugs = st.from_regex(r"[a-z][a-z0-9]{0,8}(-[a-z0-9]{1,5}){0,2}", fullmatch=True)
texts = (
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)
sources = st.lists(
    st.fixed_dictionaries({"document": texts, "quote": texts}), min_size=1, max_size=2
)
dates = st.dates(
    min_value=__import__("datetime").date(1950, 1, 1),
    max_value=__import__("datetime").date(2090, 1, 1),
)


@st.composite
def scenario_data(draw: st.DrawFn) -> dict:
    set_on = draw(dates)
    return {
        "id": draw(slugs),
        "title": draw(texts),
        "summary": draw(texts),
        "prior": draw(st.floats(0.001, 0.999)),
        "prior_rationale": draw(texts),
        "prior_set_on": set_on.isoformat(),
        "horizon": (
            set_on + __import__("datetime").timedelta(days=draw(st.integers(1, 9000)))
        ).isoformat(),
        "resolution": draw(texts),
        "group": draw(st.none() | slugs),
        "sources": draw(sources),
    }


weights = st.one_of(
    st.sampled_from(["strong-for", "weak-against", "neutral"]), st.floats(0.001, 1000.0)
)


@st.composite
def indicator_data(draw: st.DrawFn) -> dict:
    return {
        "id": draw(slugs),
        "title": draw(texts),
        "description": draw(texts),
        "weights": draw(
            st.dictionaries(
                slugs,
                st.fixed_dictionaries(
                    {"observed": weights, "absent": st.none() | weights, "sources": sources}
                ),
                min_size=1,
                max_size=3,
            )
        ),
        "half_life_days": draw(st.none() | st.integers(1, 5000)),
        "expected_by": draw(st.none() | dates.map(lambda d: d.isoformat())),
        "sources": draw(sources),
    }


@settings(max_examples=100, deadline=None)
@given(scenario_data(), indicator_data())
def test_any_valid_model_dumped_to_yaml_loads_back_equal(scenario: dict, indicator: dict) -> None:
    for model, data in ((Scenario, scenario), (Indicator, indicator)):
        item = model.model_validate(data)
        text = yamlio.dump(item.model_dump(mode="json"))
        doc = yamlio.parse(text, "round-trip.yaml")
        assert not doc.problems, text
        assert model.model_validate(doc.data) == item

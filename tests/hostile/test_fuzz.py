"""Fuzzing: whatever bytes an import file or a definition holds, the readers answer with
checked rows or located problems, never another exception."""

from __future__ import annotations

import math
import os
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight import bounds, yamlio
from foresight.errors import InputError, Problem
from foresight.intake import EXPORT_FIELDS, Checker, read_file
from foresight.loader import load_config, load_definitions
from foresight.workspace import init_workspace

INDICATORS = ("example-indicator", "second-indicator")
FUZZ = settings(
    max_examples=int(os.environ.get("FORESIGHT_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Pieces that make parsers take unusual paths.
TOKENS = [
    "&a ",
    "*a",
    "!!int ",
    "!!float ",
    "!!binary ",
    "!!python/object ",
    "<<: ",
    "? ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ": ",
    ", ",
    '"',
    "'",
    "\\u",
    "\\ud800",
    "\n",
    "\t",
    "#",
    "|",
    ">",
    "---",
    "...",
    "%YAML 1.1",
    "1e400",
    "1.0e400",
    "9" * 30,
    "0x1F",
    "2021-09-17",
    "9999-12-31T23:00:00-05:00",
    "\ufeff",
    "\x00",
    "\x1b[2J",
    "\u202e",
    "=cmd",
    "'=x",
    *EXPORT_FIELDS,
]
texts = st.lists(st.sampled_from(TOKENS) | st.text(max_size=8), max_size=40).map("".join)
values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["2021-09-17", "20210917", "9999-12-31T23:00:00-05:00", "A", "2", "GREEN"]),
)


def _check_problems(problems: list[Problem]) -> None:
    for problem in problems:
        assert isinstance(str(problem), str)


@FUZZ
@given(text=texts)
def test_yaml_parsing_never_raises(text: str) -> None:
    doc = yamlio.parse(text, "fuzz.yaml")
    _check_problems(doc.problems)
    if doc.problems:
        return
    # What parses holds only plain, finite, bounded data.
    stack = [doc.data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        else:
            assert item is None or isinstance(item, str | int | float | bool)
            if isinstance(item, float):
                assert math.isfinite(item)
            if isinstance(item, int) and not isinstance(item, bool):
                assert abs(item) < 10**yamlio.MAX_DIGITS


@FUZZ
@given(raw=st.binary(max_size=300) | texts.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_definition_loader_never_raises(tmp_path_factory: object, raw: bytes) -> None:
    root = init_workspace(tmp_path_factory.mktemp("ws"))  # type: ignore[attr-defined]
    (root / "scenarios" / "fuzz.yaml").write_bytes(raw)
    (root / "foresight.yaml").write_bytes(raw)
    definitions, problems = load_definitions(root)
    _check_problems(problems)
    _config, config_problems = load_config(root)
    _check_problems(config_problems)
    for scenario in definitions.scenarios.values():
        bounds.check_day(scenario.prior_set_on)
        assert 0.001 <= scenario.prior <= 0.999


@FUZZ
@given(row=st.dictionaries(st.sampled_from(EXPORT_FIELDS), values))
def test_the_checker_returns_a_row_or_issues(row: dict[str, object]) -> None:
    checked, issues = Checker(INDICATORS, "GREEN").check(row)
    assert (checked is None) == bool(issues)
    if checked is not None:
        assert 0 < checked.strength <= 1
        assert checked.observed_on >= bounds.EARLIEST_DATE
        for text in (checked.source, checked.note, checked.event or "", checked.analyst or ""):
            text.encode("utf-8")
            assert len(text) <= bounds.MAX_TEXT
        for number in (checked.origin_id, checked.amends):
            assert number is None or 1 <= number <= bounds.MAX_ID


@FUZZ
@given(
    suffix=st.sampled_from([".csv", ".jsonl", ".yaml"]),
    raw=st.binary(max_size=300)
    | texts.map(lambda t: t.encode("utf-8", "surrogatepass"))
    | st.lists(st.lists(texts, max_size=6), max_size=5).map(
        lambda rows: "\n".join(
            [",".join(EXPORT_FIELDS[:5]), *(",".join(row) for row in rows)]
        ).encode("utf-8", "surrogatepass")
    ),
)
def test_import_readers_answer_with_rows_or_problems(
    tmp_path_factory: object, suffix: str, raw: bytes
) -> None:
    path = Path(tmp_path_factory.mktemp("in")) / f"fuzz{suffix}"  # type: ignore[attr-defined]
    path.write_bytes(raw)
    try:
        batch = read_file(path, INDICATORS, "GREEN")
    except InputError as exc:
        assert str(exc)
        return
    for row in batch.rows:
        assert row.indicator in INDICATORS
        row.source.encode("utf-8")
        row.note.encode("utf-8")


@FUZZ
@given(text=st.text(alphabet=string.printable + "\u202e\x1b\x9b\ud800", max_size=60))
def test_terminal_text_is_inert(text: str) -> None:
    from foresight.cli.common import inert

    shown = inert(text)
    assert not any(ord(c) < 32 and c not in "\n\t" for c in shown)
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown
    shown.encode("utf-8")


@FUZZ
@given(text=st.text(max_size=80) | texts)
def test_markdown_escaping_leaves_no_live_syntax(text: str) -> None:
    from markdown_it import MarkdownIt

    from foresight.report.render import md_escape

    parser = MarkdownIt("commonmark", {"html": True})
    tokens = parser.parse(
        "Before " + md_escape(text) + " after\n\n| a |\n| --- |\n| " + md_escape(text) + " |\n"
    )
    stack = list(tokens)
    while stack:
        token = stack.pop()
        stack.extend(token.children or [])
        assert token.type not in ("html_inline", "html_block", "link_open", "image"), text

"""Logging and importing as a new team does it: the traps of its first weeks, closed."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Run

OBSERVE = ("--date", "2021-09-17", "--source", "AFP", "--reliability", "B", "--credibility", "2")
NO_ABSENCE = """id: no-absence-indicator
title: Officials tour the crossing
description: A minister visits the crossing in person.
half_life_days: 30
weights:
  example-scenario:
    observed: weak-for
sources:
  - document: note.txt
    quote: "A quote."
"""


@pytest.fixture
def ws(log_ws: Path) -> Path:
    """The test workspace with one indicator whose absence moves nothing."""
    (log_ws / "indicators" / "no-absence-indicator.yaml").write_text(NO_ABSENCE, encoding="utf-8")
    return log_ws


def test_an_absence_that_would_move_nothing_is_refused(ws: Path, run: Run, tmp_path: Path) -> None:
    result = run("observe", "no-absence-indicator", *OBSERVE, "--absent")
    assert result.exit_code == 1, result.output
    assert (
        "absent: indicator 'no-absence-indicator' has no absent: weight, so its absence would "
        "move nothing (log it as observed, or add an absent: weight (e.g. 'absent: "
        "weak-against') under a scenario in indicators/no-absence-indicator.yaml)"
    ) in result.stderr
    assert run("observe", "example-indicator", *OBSERVE, "--absent").exit_code == 0
    path = tmp_path / "rows.csv"
    path.write_text(
        "indicator,observed_on,source,reliability,credibility,absent\n"
        "example-indicator,2021-09-18,AFP,B,2,true\n"
        "no-absence-indicator,2021-09-18,AFP,B,2,true\n",
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:3: absent: indicator 'no-absence-indicator' has no absent: weight" in (
        result.stderr
    )
    assert "nothing was written" in result.stderr
    assert len(run("log", "--json").stdout.split('"id"')) == 2  # only the first observe


@pytest.mark.parametrize("url", ["ftp://example.org/x", "www.example.org/report", "AFP wire"])
def test_a_source_url_must_be_a_web_address(run: Run, tmp_path: Path, url: str) -> None:
    result = run("observe", "example-indicator", *OBSERVE, "--url", url)
    assert result.exit_code == 1, result.output
    assert f"source_url (--url): '{url}' is not a web address (write a full http:// or " in (
        result.stderr
    )
    path = tmp_path / "rows.csv"
    path.write_text(
        f"indicator,observed_on,source,reliability,credibility,source_url\n"
        f"example-indicator,2021-09-18,AFP,B,2,{url}\n",
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 1, result.output
    assert f"{path}:2: source_url: '{url}' is not a web address" in result.stderr
    ok = run("observe", "example-indicator", *OBSERVE, "--url", "HTTPS://example.org/a?b=1")
    assert ok.exit_code == 0, ok.output


@pytest.mark.parametrize(("delimiter", "word"), [(";", "semicolon"), ("\t", "tab")])
def test_a_spreadsheet_csv_with_another_delimiter_is_read(
    run: Run, tmp_path: Path, delimiter: str, word: str
) -> None:
    path = tmp_path / "rows.csv"
    rows = [
        ["indicator", "observed_on", "source", "reliability", "credibility", "strength", "note"],
        ["example-indicator", "2021-09-18", "AFP", "B", "2", "0,6", "Vu, et noté"],
        ["second-indicator", "2021-09-19", "Le Monde", "C", "3", "weak", ""],
    ]
    path.write_text(
        "\ufeff" + "".join(delimiter.join(row) + "\r\n" for row in rows), encoding="utf-8"
    )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert f"Warning: {path} is {word}-separated" in result.stderr
    assert "Added 2 observation(s)" in result.stderr
    log = run("log", "--json")
    assert '"strength": 0.6' in log.stdout and '"note": "Vu, et noté"' in log.stdout


def test_a_second_copy_of_a_report_is_flagged(run: Run, tmp_path: Path) -> None:
    assert run("observe", "example-indicator", *OBSERVE).exit_code == 0
    # The same report, only its marking, address or note changed: a new event, by mistake.
    for n, extra in enumerate(
        (("--tlp", "amber"), ("--url", "https://example.org/afp"), ("--note", "again")), start=2
    ):
        result = run("observe", "example-indicator", *OBSERVE, *extra)
        assert result.exit_code == 0, result.output
        assert (
            f"Warning: it looks like another copy of observation 1 (the same indicator, date "
            "and source); reports with no shared event key count as separate events, so it "
            "counts again. If both report the same event, give both one event key: "
            f"'foresight amend 1 --event KEY --reason …' and 'foresight amend {n} --event KEY"
        ) in result.stderr
    keyed = run("observe", "second-indicator", *OBSERVE, "--event", "afp-1")
    assert "looks like another copy" not in keyed.stderr
    again = run("observe", "second-indicator", *OBSERVE, "--note", "later")
    assert "'foresight amend 6 --event afp-1 --reason \"same event as 5\"'" in again.stderr
    assert run("retract", "6", "--reason", "A copy of 5.").exit_code == 0
    same = run("observe", "second-indicator", *OBSERVE, "--event", "afp-1", "--note", "x")
    assert "looks like another copy" not in same.stderr
    other = run("observe", "example-indicator", *OBSERVE[:2], "--source", "Reuters", *OBSERVE[4:])
    assert "looks like another copy" not in other.stderr

    path = tmp_path / "rows.csv"
    path.write_text(
        "indicator,observed_on,source,reliability,credibility,tlp,event\n"
        "example-indicator,2021-09-17,AFP,B,2,red,\n"  # a copy of logged 1
        "example-indicator,2021-09-17,AFP,B,2,,\n"  # identical to 1: skipped, not a copy
        "other-indicator,2021-09-20,TASS,C,3,,\n"
        "other-indicator,2021-09-20,tass,C,3,,\n"  # a copy of the row above
        "other-indicator,2021-09-20,TASS,C,4,,e1\n"  # a copy of the first TASS row
        "other-indicator,2021-09-21,TASS,C,3,,\n",  # another day
        encoding="utf-8",
    )
    result = run("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Warning: 3 row(s) look like further copies of a logged report or of an earlier" in (
        result.stderr
    )


def test_a_semicolon_file_with_unknown_columns_is_named_as_such(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_text("indicateur;date;origine\nexample-indicator;2021-09-18;AFP\n", encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1, result.output
    assert (
        f"{path}:1: this looks like a semicolon-separated file, but its header names none of "
        "the columns (the header must name indicator, observed_on, source, reliability, "
        "credibility)"
    ) in result.stderr

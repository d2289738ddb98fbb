"""Importing files: defaults, formats, re-imports, and bad input that must write nothing."""

from __future__ import annotations

import csv
import json
import shlex
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from foresight import intake
from foresight.store import NewObservation, open_store

if TYPE_CHECKING:
    from conftest import Run, Stores

HEADER = "indicator,observed_on,source,reliability,credibility\n"
GOOD = "example-indicator,2021-09-17,TASS report,B,2\n"
GOOD_JSON = (
    '{"indicator": "example-indicator", "observed_on": "2021-09-17", "source": "TASS", '
    '"reliability": "B", "credibility": 2}'
)
ONE = shlex.split("--date 2021-01-01 --source x --reliability A --credibility 1")
GOOD_YAML = """- indicator: example-indicator
  observed_on: 2021-09-17
  source: TASS report
  reliability: B
  credibility: 2
"""

# (file name, content, fragments the error must contain: the file, the row and the field)
BAD_FILES: list[tuple[str, str | bytes, list[str]]] = [
    (
        "unknown-indicator.csv",
        HEADER + GOOD + "exmple-indicator,2021-09-17,AFP,B,2\n",
        [
            "unknown-indicator.csv:3: indicator: unknown indicator 'exmple-indicator' "
            "(did you mean 'example-indicator'?)"
        ],
    ),
    (
        "future.csv",
        HEADER + "example-indicator,2999-01-01,AFP,B,2\n",
        ["future.csv:2: observed_on: 2999-01-01 is in the future"],
    ),
    (
        "ancient.csv",
        HEADER + "example-indicator,1899-12-31,AFP,B,2\n",
        ["ancient.csv:2: observed_on: 1899-12-31 is before 1900-01-01"],
    ),
    (
        "not-a-date.csv",
        HEADER + "example-indicator,17/09/2021,AFP,B,2\n",
        [
            "not-a-date.csv:2: observed_on: '17/09/2021' is not a date "
            "(write it as YYYY-MM-DD, or YYYY-MM for a month)"
        ],
    ),
    (
        "reliability.csv",
        HEADER + "example-indicator,2021-09-17,AFP,G,2\n",
        ["reliability.csv:2: reliability: 'G' is not a reliability grade"],
    ),
    (
        "credibility.csv",
        HEADER + GOOD + GOOD + "example-indicator,2021-09-17,AFP,B,7\n",
        ["credibility.csv:4: credibility: '7' is not a credibility grade"],
    ),
    (
        "credibility-zero.csv",
        HEADER + "example-indicator,2021-09-17,AFP,B,0\n",
        ["credibility-zero.csv:2: credibility: '0' is not a credibility grade"],
    ),
    (
        "no-source.csv",
        HEADER + "example-indicator,2021-09-17,  ,B,2\n",
        ["no-source.csv:2: source: is required but missing or empty"],
    ),
    (
        "strength.csv",
        "indicator,observed_on,source,reliability,credibility,strength\n"
        "example-indicator,2021-09-17,AFP,B,2,huge\n",
        ["strength.csv:2: strength: 'huge' is not a strength"],
    ),
    (
        "absent.csv",
        "indicator,observed_on,source,reliability,credibility,absent\n"
        "example-indicator,2021-09-17,AFP,B,2,maybe\n",
        ["absent.csv:2: absent: 'maybe' is not true or false"],
    ),
    (
        "tlp.csv",
        "indicator,observed_on,source,reliability,credibility,tlp\n"
        "example-indicator,2021-09-17,AFP,B,2,TLP:PURPLE\n",
        ["tlp.csv:2: tlp: 'TLP:PURPLE' is not a TLP 2.0 level"],
    ),
    (
        "unknown-column.csv",
        "indicator,observed_on,sorce,reliability,credibility\n" + GOOD,
        [
            "unknown-column.csv:1: sorce: unknown column (did you mean 'source'?)",
            "unknown-column.csv:1: source: required column is missing",
        ],
    ),
    (
        "unnamed.csv",
        HEADER.replace("\n", ",\n") + GOOD.replace("\n", ",\n"),
        ["unnamed.csv:1: column 6 has no name (name it, or remove the empty column)"],
    ),
    (
        "twice.csv",
        "indicator,observed_on,source,source,reliability,credibility\n",
        ["twice.csv:1: source: the column appears twice"],
    ),
    (
        "ragged.csv",
        HEADER + GOOD + "example-indicator,2021-09-17,AFP\n",
        ["ragged.csv:3: has 3 fields but the header has 5"],
    ),
    (
        "truncated.csv",
        HEADER + GOOD + 'example-indicator,2021-09-17,"AFP report, cut',
        ["truncated.csv:3: is not valid CSV", "may be cut short"],
    ),
    (
        "latin1.csv",
        (
            HEADER + "example-indicator,2021-09-17,Agence,B,2\n"
            "example-indicator,2021-09-17,Le Monde é,B,2\n"
        ).encode("latin-1"),
        ["latin1.csv:3: is not valid UTF-8 (byte 0xe9)"],
    ),
    ("binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["binary.csv is a binary file"]),
    ("empty.csv", "", ["empty.csv is empty"]),
    ("blank.csv", "\n\n  \n", ["blank.csv is empty"]),
    ("header-only.csv", HEADER, ["header-only.csv holds no observations"]),
    (
        "unknown-indicator.jsonl",
        GOOD_JSON + "\n" + GOOD_JSON.replace("example-indicator", "exampel-indicator") + "\n",
        [
            "unknown-indicator.jsonl:2: indicator: unknown indicator 'exampel-indicator' "
            "(did you mean 'example-indicator'?)"
        ],
    ),
    (
        "truncated.jsonl",
        GOOD_JSON + "\n" + GOOD_JSON[:40],
        ["truncated.jsonl:2: is not valid JSON", "each line must hold one complete JSON object"],
    ),
    (
        "not-object.jsonl",
        "[1, 2]\n",
        ["not-object.jsonl:1: must be a JSON object {...}, not a list"],
    ),
    (
        "unknown-key.jsonl",
        GOOD_JSON.replace('"source"', '"sources"') + "\n",
        ["unknown-key.jsonl:1: sources: unknown key (did you mean 'source'?)"],
    ),
    (
        "duplicate-key.jsonl",
        GOOD_JSON.replace("}", ', "source": "AFP"}') + "\n",
        ["duplicate-key.jsonl:1: source: the key appears twice"],
    ),
    (
        "types.jsonl",
        GOOD_JSON.replace('"credibility": 2', '"credibility": 2.5')
        + "\n"
        + GOOD_JSON.replace('"source": "TASS"', '"source": ["TASS"]')
        + "\n",
        [
            "types.jsonl:1: credibility: 2.5 is not a credibility grade",
            "types.jsonl:2: source: must be text, not a list",
        ],
    ),
    (
        "missing.jsonl",
        '{"indicator": "example-indicator"}\n',
        [
            "missing.jsonl:1: observed_on: is required",
            "missing.jsonl:1: source: is required",
            "missing.jsonl:1: reliability: is required",
            "missing.jsonl:1: credibility: is required",
        ],
    ),
    (
        "nul.jsonl",
        GOOD_JSON.replace("TASS", "TA\\u0000SS") + "\n",
        ["nul.jsonl:1: source: contains a NUL character"],
    ),
    ("empty.jsonl", "\n", ["empty.jsonl is empty"]),
    (
        "bad-value.yaml",
        GOOD_YAML + GOOD_YAML.replace("credibility: 2", "credibility: 9"),
        ["bad-value.yaml:10: item 2: credibility: 9 is not a credibility grade"],
    ),
    (
        "unknown-key.yaml",
        GOOD_YAML + GOOD_YAML.replace("  source:", "  sorce:"),
        ["unknown-key.yaml:8: item 2: sorce: unknown key (did you mean 'source'?)"],
    ),
    (
        "missing.yaml",
        GOOD_YAML + "- indicator: example-indicator\n",
        ["missing.yaml:6: item 2: source: is required"],
    ),
    ("syntax.yaml", GOOD_YAML + "- indicator: [unclosed\n", ["syntax.yaml:", "YAML syntax error"]),
    (
        "truncated.yaml",
        GOOD_YAML + '- indicator: "example-indicator\n',
        ["truncated.yaml:", "YAML syntax error"],
    ),
    (
        "not-a-list.yaml",
        "indicator: example-indicator\n",
        ["not-a-list.yaml:1: must be a list of observations"],
    ),
    (
        "not-mappings.yaml",
        GOOD_YAML + "- just text\n",
        ["not-mappings.yaml:6: item 2: must be a mapping of keys to values, not text"],
    ),
    (
        "duplicate.yaml",
        GOOD_YAML + "  source: AFP\n",
        ["duplicate.yaml:6: 0.source: duplicate key (first given on line 3)"],
    ),
    ("empty.yaml", "# nothing here\n", ["empty.yaml is empty"]),
    (
        "export-ids.csv",
        "indicator,observed_on,source,reliability,credibility,id,amends\n"
        "example-indicator,2021-09-17,A,B,2,1,\nexample-indicator,2021-09-17,B,B,2,1,\n"
        "example-indicator,2021-09-17,C,B,2,3,4\nexample-indicator,2021-09-17,D,B,2,4,\n",
        [
            "export-ids.csv:3: id: 1 appears twice (first on line 2)",
            "export-ids.csv:4: amends: observation 4 comes later in the file",
        ],
    ),
    (
        "export-audit.csv",
        "indicator,observed_on,source,reliability,credibility,recorded_at,"
        "retracted_at,retraction_reason,id\n"
        "example-indicator,2021-09-17,A,B,2,yesterday,,,1\n"
        "example-indicator,2021-09-17,B,B,2,2021-09-18T10:00:00+00:00,,hoax,2\n"
        "example-indicator,2021-09-17,C,B,2,2021-09-18T10:00:00+00:00,2021-09-17T10:00:00,x,3\n"
        "example-indicator,2021-09-17,D,B,2,2999-09-18T10:00:00+00:00,,,0\n",
        [
            "export-audit.csv:2: recorded_at: 'yesterday' is not a date and time",
            "export-audit.csv:3: retracted_at: is missing but the row names a retraction",
            "export-audit.csv:4: retracted_at: is before recorded_at",
            "export-audit.csv:5: recorded_at: '2999-09-18T10:00:00+00:00' is in the future",
            "export-audit.csv:5: id: '0' is not an observation id",
        ],
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "expected"), BAD_FILES, ids=[case[0] for case in BAD_FILES]
)
def test_bad_input_names_row_and_field_and_writes_nothing(
    run: Run, db_url: str, tmp_path: Path, name: str, content: str | bytes, expected: list[str]
) -> None:
    before = run("observe", "second-indicator", *ONE)
    assert before.exit_code == 0, before.output
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1, result.output
    message = result.stderr.replace(str(tmp_path) + "/", "")
    for fragment in expected:
        assert fragment in message
    assert "Traceback" not in result.output
    with open_store(db_url) as store:
        assert store.count() == 1


def test_every_problem_is_reported_at_once(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text(
        HEADER
        + GOOD
        + "exmple-indicator,2021-09-17,A,B,2\n"
        + GOOD
        + "example-indicator,2021-13-01,,Z,9\n",
        encoding="utf-8",
    )
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "5 problem(s)" in result.stderr
    for fragment in (
        "many.csv:3: indicator:",
        "many.csv:5: observed_on:",
        "many.csv:5: source:",
        "many.csv:5: reliability:",
        "many.csv:5: credibility:",
    ):
        assert fragment in result.stderr


def test_problems_stop_after_a_hundred(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "hopeless.csv"
    path.write_text(HEADER + "nope,2021-09-17,A,B,2\n" * 500, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "100 problem(s) (reading stopped there)" in result.stderr
    assert "… and 80 more" in result.stderr


def test_import_applies_defaults(run: Run, log_ws: Path, tmp_path: Path) -> None:
    config = log_ws / "foresight.yaml"
    config.write_text(config.read_text().replace("default_tlp: GREEN", "default_tlp: AMBER"))
    path = tmp_path / "reports.csv"
    path.write_text(
        "indicator,observed_on,source,reliability,credibility,absent,strength,tlp,analyst,note\n"
        "example-indicator,2021-09-17,A,b,2,,,,,\n"
        "example-indicator,2021-09-17,B,B,2,yes,moderate,tlp:clear,ann,  spaced  \n"
        "example-indicator,2021-09-17,C,B,2,0,0.45,Amber+Strict,,\n"
        "example-indicator,2021-09-17,D,B,2,TRUE,WEAK,red,,\n",
        encoding="utf-8",
    )
    result = run("import", str(path), "--analyst", "importer")
    assert result.exit_code == 0, result.output
    assert "Added 4 observation(s)" in result.stderr
    log = json.loads(run("log", "--json").stdout)
    got = [
        (o["reliability"], o["absent"], o["strength"], o["tlp"], o["analyst"], o["note"])
        for o in log
    ]
    assert got == [
        ("B", False, 1.0, "AMBER", "importer", ""),
        ("B", True, 0.6, "CLEAR", "ann", "spaced"),
        ("B", False, 0.45, "AMBER+STRICT", "importer", ""),
        ("B", True, 0.3, "RED", "importer", ""),
    ]


@pytest.mark.parametrize(
    ("name", "content"),
    [("log.jsonl", GOOD_JSON + "\n\n"), ("log.ndjson", GOOD_JSON), ("log.yml", GOOD_YAML)],
)
def test_formats_are_told_by_extension(run: Run, tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Added 1 observation(s)" in result.stderr


def test_an_unknown_extension_needs_format(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "reports.txt"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    result = run("import", str(path))
    assert result.exit_code == 1
    assert "cannot tell the format of reports.txt" in result.stderr
    assert "--format" in result.stderr
    forced = run("import", str(path), "--format", "csv")
    assert forced.exit_code == 0, forced.output


def test_reimport_adds_nothing_and_overlap_adds_the_rest(run: Run, tmp_path: Path) -> None:
    rows = [f"example-indicator,2021-09-{day:02d},Report {day},B,2\n" for day in range(1, 31)]
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "".join(rows[:20]), encoding="utf-8")
    assert run("import", str(first)).exit_code == 0
    again = run("import", str(first))
    assert again.exit_code == 0, again.output
    assert "nothing new: all 20 rows are already in the log" in again.stderr
    both = tmp_path / "both.csv"
    both.write_text(HEADER + "".join(rows[15:]), encoding="utf-8")
    result = run("import", str(both))
    assert "Added 10 observation(s)" in result.stderr
    assert "5 already in the log" in result.stderr


def test_dry_run_reports_and_writes_nothing(run: Run, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "reports.csv"
    path.write_text(HEADER + GOOD + GOOD.replace("TASS", "AFP"), encoding="utf-8")
    run("import", str(path))
    path.write_text(HEADER + GOOD + GOOD.replace("TASS", "Reuters"), encoding="utf-8")
    result = run("import", str(path), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "holds 2 valid row(s); 1 would be added and 1 are already in the log" in result.stderr
    assert "Nothing was written." in result.stderr
    with open_store(db_url) as store:
        assert store.count() == 2


def test_a_current_export_imports_without_dangling_links(
    run: Run, stores: Stores, tmp_path: Path
) -> None:
    assert run("observe", "example-indicator", *ONE).exit_code == 0
    assert run("amend", "1", "--credibility", "2", "--reason", "less sure").exit_code == 0
    path = tmp_path / "current.csv"
    assert run("export", "--current", "--output", str(path)).exit_code == 0
    result = run("import", str(path), db=stores.new_url())
    assert result.exit_code == 0, result.output
    assert "Warning: 1 row(s) amend observations that are not in the file (ids 1)" in result.stderr


def test_a_big_import_crosses_chunks(run: Run, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [*HEADER.strip().split(","), "recorded_at", "retracted_at", "retraction_reason"]
        )
        for n in range(45_000):
            retracted = "2021-10-01T00:00:00+00:00" if n % 1000 == 0 else ""
            reason = "hoax" if retracted else ""
            recorded = "2021-09-18T00:00:00+00:00"
            writer.writerow(
                [
                    "example-indicator",
                    "2021-09-17",
                    f"Report {n}",
                    "B",
                    2,
                    recorded,
                    retracted,
                    reason,
                ]
            )
    result = run("import", str(path))
    assert result.exit_code == 0, result.output
    assert "Added 45000 observation(s)" in result.stderr
    assert "45 retraction(s) carried over" in result.stderr
    with open_store(db_url) as store:
        assert store.count() == 45_000
        assert store.count(include_retracted=False) == 44_955
    again = run("import", str(path))
    assert "nothing new: all 45000 rows are already in the log" in again.stderr


def test_row_order_follows_new_observation() -> None:
    names = [f.name for f in fields(NewObservation)]
    assert [{"id": "origin_id"}.get(key, key) for key in intake.ROW_ORDER] == names
    assert set(intake.ROW_ORDER) == set(intake.EXPORT_FIELDS)

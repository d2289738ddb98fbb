"""The brief command, as a user runs it: files, structure, audience, safety, reproducibility."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from foresight.cli import cli
from foresight.workspace import init_workspace

SOURCE = """sources:
  - document: desk-notes.txt
    quote: "A quote."
"""
SCENARIOS = {
    "talks-succeed": ("Talks produce a ceasefire", 0.4, "outcome"),
    "talks-collapse": ("Talks collapse", 0.3, "outcome"),
}
INDICATORS = (
    """id: ceasefire-announced
title: Both sides announce a ceasefire
description: A joint or parallel public announcement of a ceasefire.
half_life_days: 60
weights:
  talks-succeed:
    observed: strong-for
  talks-collapse:
    observed: strong-against
{source}""",
    """id: shelling-resumes
title: Shelling resumes along the line
description: Artillery fire reported on three or more days in a week.
half_life_days: 30
expected_by: 2021-10-01
weights:
  talks-collapse:
    observed: moderate-for
    absent: weak-against
  example-scenario:
    observed: weak-against
{source}""",
    """id: envoy-visits
title: The envoy visits both capitals
description: The mediator is received in both capitals within one week.
half_life_days: 90
weights:
  talks-succeed:
    observed: weak-for
{source}""",
)
SCRIPT = "<script>alert(1)</script>"
FIELDS = (
    "indicator",
    "observed_on",
    "absent",
    "strength",
    "source",
    "reliability",
    "credibility",
    "tlp",
    "note",
)


def obs(
    indicator: str,
    day: str,
    source: str,
    grading: str,
    tlp: str,
    note: str,
    absent: bool = False,
    strength: str = "strong",
) -> dict[str, str]:
    """One row of an import file."""
    return {
        "indicator": indicator,
        "observed_on": day,
        "absent": str(absent).lower(),
        "strength": strength,
        "source": source,
        "reliability": grading[0],
        "credibility": grading[1],
        "tlp": tlp,
        "note": note,
    }


ROWS = [
    obs("envoy-visits", "2021-09-10", "Desk cable", "B2", "GREEN", "The envoy met both sides."),
    obs(
        "ceasefire-announced",
        "2021-10-20",
        "Wire report",
        "C3",
        "CLEAR",
        "Announced on state television.",
        strength="moderate",
    ),
    obs(
        "ceasefire-announced",
        "2021-11-05",
        "Embassy contact",
        "B2",
        "GREEN",
        f"Signed in the capital {SCRIPT} | second line\nthird line",
    ),
    obs(
        "shelling-resumes",
        "2021-11-18",
        "Field team",
        "A2",
        "AMBER",
        "Looked for along the whole line; quiet.",
        absent=True,
    ),
    obs(
        "example-indicator",
        "2021-11-22",
        "Local press",
        "D4",
        "RED",
        "A secret report.",
        strength="weak",
    ),
]
GENERATED = re.compile(r'^(Generated: .*|<p class="generated">.*)$', re.MULTILINE)


def run(workspace: Path, db: Path, *args: str) -> Result:
    """Invoke the CLI on a workspace and store, as a user would."""
    return CliRunner().invoke(cli, ["--workspace", str(workspace), "--db", str(db), *args])


def write_log(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write observations as an import CSV."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with three scenarios (two in an exclusive group) and four indicators."""
    root = init_workspace(tmp_path / "ws", name="Test desk")
    for sid, (title, prior, group) in SCENARIOS.items():
        (root / "scenarios" / f"{sid}.yaml").write_text(
            f"id: {sid}\ntitle: {title}\nsummary: What {title.lower()} means.\n"
            f"prior: {prior}\nprior_rationale: Base rate.\nprior_set_on: 2021-01-01\n"
            f"horizon: 2022-12-31\nresolution: It happens.\ngroup: {group}\n{SOURCE}",
            encoding="utf-8",
        )
    for text in INDICATORS:
        iid = text.split("\n", 1)[0].removeprefix("id: ")
        (root / "indicators" / f"{iid}.yaml").write_text(
            text.format(source=SOURCE), encoding="utf-8"
        )
    return root


@pytest.fixture
def db(ws: Path, tmp_path: Path) -> Path:
    """A store holding the test log."""
    path = tmp_path / "store" / "log.db"
    path.parent.mkdir()
    result = run(ws, path, "import", str(write_log(tmp_path / "log.csv", ROWS)))
    assert result.exit_code == 0, result.output
    return path


def brief(ws: Path, db: Path, out: Path, *args: str) -> Result:
    """Render a brief into out."""
    return run(ws, db, "brief", "--out", str(out), *args)


def section(text: str, start: str, end: str) -> str:
    """The part of text from start up to end."""
    return text[text.index(start) : text.index(end, text.index(start))]


def test_writes_markdown_html_snapshot_and_index(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 0, result.output
    written = result.stdout.splitlines()
    assert written == [
        str(out / "2021-11.md"),
        str(out / "2021-11.html"),
        str(out / ".snapshots" / "2021-11.json"),
        str(out / "index.html"),
    ]
    assert "marked TLP:AMBER" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        ".snapshots",
        "2021-11.html",
        "2021-11.md",
        "index.html",
    ]
    snapshot = json.loads((out / ".snapshots" / "2021-11.json").read_text(encoding="utf-8"))
    assert snapshot["month"] == "2021-11"
    assert snapshot["marking"] == "AMBER"
    assert snapshot["headline"].startswith("Likely (74%) that Talks produce a ceasefire by ")


def test_markdown_structure(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    md = (out / "2021-11.md").read_text(encoding="utf-8")
    lines = md.splitlines()
    assert lines[0] == "**TLP:AMBER**"
    assert lines[-1] == "**TLP:AMBER**"
    assert "# Monthly brief: November 2021" in md
    assert "Test desk · period 1–30 November 2021" in md
    headings = [line for line in lines if line.startswith("## ")]
    assert headings == [
        "## Key judgements",
        "## November 2021 in brief",
        "## Scenarios",
        "## Probability of each scenario, May 2021 to November 2021",
        "## What to watch",
        "## Sources",
        "## Evidence annex",
        "## Changes to the definitions",
        "## Methodology and provenance",
    ]
    judgements = section(md, "## Key judgements", "## November")
    # One per open question: the group; the border scenario is not yet open.
    assert judgements.count("\n1. **") == 1 and "\n2. **" not in judgements
    assert "by 31 December 2022" in judgements and "What would most change it:" in judgements
    table = section(md, "## Scenarios", "## Probability")
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert len(rows) == 1 + 3  # header and one row per scenario
    assert "| Talks produce a ceasefire |" in table
    assert "Change since 31 October 2021" in table
    trend = section(md, "## Probability", "## What to watch")
    # No evidence before September: the window is the shortest, six months to November.
    assert trend.count("| 20") == 7
    header = next(line for line in trend.splitlines() if line.startswith("| Month end"))
    order = [line.split(" | ")[0][2:] for line in rows[1:]]
    assert [h.strip() for h in header.split("|")[2:-1]] == order  # the table's order
    story = section(md, "## November 2021 in brief", "## Scenarios")
    assert (
        "- 5 November 2021: Both sides announce a ceasefire. Reported by Embassy contact" in story
    )
    assert "- 18 November 2021: Looked for and not found: Shelling resumes" in story
    sources = section(md, "## Sources", "## Evidence annex")
    assert "1. Embassy contact" in sources
    assert "First brief: nothing to compare." in md
    assert "RETURNS" not in md and "0.5 times the one before it" in md
    assert "**B2** Usually reliable / Probably true" in md
    assert "1 withheld above TLP:AMBER" in md
    assert "Store: SQLite file log.db" in md
    assert str(tmp_path) not in md


def test_markdown_tables_survive_pipes_and_newlines(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    md = (out / "2021-11.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if line.startswith("| 2021-11-05 |"))
    assert "Signed in the capital" not in row  # notes stay out of table cells
    note = next(line for line in md.splitlines() if "Signed in the capital" in line)
    assert note.startswith("- 2021-11-05, Both sides announce a ceasefire: Signed in the capital")
    assert note.endswith("second line third line")


def test_html_structure(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    page = (out / "2021-11.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    markings = re.findall(r'<p class="tlp tlp-amber"><span style="([^"]*)">TLP:AMBER</span>', page)
    assert len(markings) == 2  # top and bottom
    assert all("color: #FFC000" in style and "background: #000000" in style for style in markings)
    assert page.index(markings[0]) < page.index("<h1>") < page.rindex("TLP:AMBER</span></p>")
    scenarios = section(page, '<table class="scenarios">', "</table>")
    assert scenarios.count("<tr data-scenario=") == 3
    assert '<th scope="col" class="num">Probability</th>' in scenarios
    assert "<caption>" in scenarios and "<thead>" in scenarios
    chart = section(page, '<svg xmlns="http://www.w3.org/2000/svg" class="chart"', "</svg>")
    assert chart.count("<path ") == 3
    assert 'role="img"' in chart and 'aria-labelledby="trend-chart-title trend-chart-desc"' in chart
    assert '<title id="trend-chart-title">' in chart and '<desc id="trend-chart-desc">' in chart
    assert "<circle " in chart and "Both sides announce a ceasefire" in chart
    assert chart.count('y1="') >= 5 + 7  # five gridlines and a tick per month end
    labels = re.findall(r'<text class="line-label"[^>]*data-scenario="([^"]+)"', chart)
    assert sorted(labels) == sorted([*SCENARIOS, "example-scenario"])
    for label in ("0%", "25%", "50%", "75%", "100%"):
        assert f">{label}</text>" in chart
    # A scenario keeps its colour in the table, the chart and its section.
    colour = re.search(r'stroke="(#[0-9A-F]{6})"[^>]*data-scenario="talks-collapse"', page)
    assert colour is not None
    row = section(scenarios, '<tr data-scenario="talks-collapse">', "</tr>")
    assert f'stroke="{colour.group(1)}"' in row
    assert "@page {" in page and "size: A4;" in page and "@media print" in page
    assert 'content: "page " counter(page) " of " counter(pages)' in page
    assert page.count('@top-right { content: "TLP:AMBER"') == 1
    assert page.count('@bottom-right { content: "TLP:AMBER"') == 1
    # The manager's pages come first; the analysts' annex after them.
    order = [
        page.index(f'id="{name}"')
        for name in (
            "key-judgements",
            "this-month",
            "scenarios",
            "trend",
            "watch",
            "sources",
            "by-scenario",
        )
    ]
    assert order == sorted(order)
    assert page.index('<div class="annex">') < page.index("Log-odds")


def test_html_is_self_contained(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    for name in ("2021-11.html", "index.html"):
        page = (out / name).read_text(encoding="utf-8")
        assert "<script" not in page
        assert "<link" not in page and "@import" not in page and "url(" not in page
        assert not re.search(r'\ssrc="', page)
        assert str(tmp_path) not in page


def test_analyst_text_is_escaped(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    page = (out / "2021-11.html").read_text(encoding="utf-8")
    assert SCRIPT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_audience_green_withholds_and_marks(ws: Path, db: Path, tmp_path: Path) -> None:
    amber, green = tmp_path / "amber", tmp_path / "green"
    assert brief(ws, db, amber, "--month", "2021-11").exit_code == 0
    result = brief(ws, db, green, "--month", "2021-11", "--audience", "green")
    assert result.exit_code == 0, result.output
    assert "2 observation(s) marked above it withheld" in result.stderr
    md = (green / "2021-11.md").read_text(encoding="utf-8")
    page = (green / "2021-11.html").read_text(encoding="utf-8")
    assert md.splitlines()[0] == md.splitlines()[-1] == "**TLP:GREEN**"
    assert page.count(">TLP:GREEN</span></p>") == 2
    assert "2 withheld above TLP:GREEN" in md
    assert "releasable to a TLP:GREEN audience counts (2 observation(s) marked higher" in md
    assert "Looked for along the whole line" not in md + page
    assert "A secret report" not in md + page
    # The numbers themselves come only from releasable evidence.
    amber_md = (amber / "2021-11.md").read_text(encoding="utf-8")
    assert section(md, "## Scenarios", "## Probability") != section(
        amber_md, "## Scenarios", "## Probability"
    )


def test_marking_is_the_highest_included(ws: Path, tmp_path: Path) -> None:
    db = tmp_path / "clear.db"
    rows = [{**row, "tlp": "CLEAR"} for row in ROWS[:3]]
    assert run(ws, db, "import", str(write_log(tmp_path / "c.csv", rows))).exit_code == 0
    result = brief(ws, db, tmp_path / "out", "--month", "2021-11", "--audience", "red")
    assert result.exit_code == 0, result.output
    md = (tmp_path / "out" / "2021-11.md").read_text(encoding="utf-8")
    assert md.splitlines()[0] == "**TLP:CLEAR**"
    assert "for a TLP:RED audience" in md


def test_rerun_is_identical_but_for_the_generated_line(
    ws: Path, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert brief(ws, db, first, "--month", "2021-11").exit_code == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1800000000")
    assert brief(ws, db, second, "--month", "2021-11").exit_code == 0
    for name in ("2021-11.md", "2021-11.html", ".snapshots/2021-11.json", "index.html"):
        a = (first / name).read_text(encoding="utf-8")
        b = (second / name).read_text(encoding="utf-8")
        assert GENERATED.sub("", a) == GENERATED.sub("", b), name
    md = (first / "2021-11.md").read_text(encoding="utf-8")
    assert "Generated: 14 November 2023, 22:13 UTC" in md
    assert a == b  # the index carries no time at all
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert brief(ws, db, second, "--month", "2021-11").exit_code == 0
    for name in ("2021-11.md", "2021-11.html"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_a_past_month_ignores_later_evidence(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", "2021-10", "--format", "md")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [".snapshots", "2021-10.md", "index.html"]
    md = (out / "2021-10.md").read_text(encoding="utf-8")
    assert "as of 31 October 2021" in md
    assert "Signed in the capital" not in md
    # The RED report dated in November is only counted among the withheld: a brief
    # never tells its audience the dates of what it withholds.
    assert "Not used: 2 observation(s) dated after 31 October 2021." in md
    assert "1 withheld above TLP:AMBER" in md


def test_index_lists_every_brief_newest_first(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-10").exit_code == 0
    assert brief(ws, db, out, "--month", "2021-11", "--format", "html").exit_code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    assert page.index("November 2021") < page.index("October 2021")
    assert '<a href="2021-11.html">' in page and '<a href="2021-10.md">Markdown</a>' in page
    assert "Likely (74%) that Talks produce a ceasefire by 31 December 2022" in page
    assert page.count(">TLP:AMBER</span></p>") == 2


def test_definition_changes_since_the_previous_brief(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-10").exit_code == 0
    october = (out / "2021-10.md").read_text(encoding="utf-8")
    assert "First brief: nothing to compare." in october
    path = ws / "scenarios" / "talks-collapse.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("prior: 0.3", "prior: 0.25"))
    path = ws / "indicators" / "envoy-visits.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("weak-for", "moderate-for"))
    (ws / "indicators" / "shelling-resumes.yaml").unlink()
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    md = (out / "2021-11.md").read_text(encoding="utf-8")
    changes = section(md, "## Changes to the definitions", "## Methodology")
    assert "Since the brief for 2021-10:" in changes
    assert "| Talks collapse (talks-collapse) | prior changed from 30% to 25% |" in changes
    assert "re-weighted on talks-succeed: if observed ×1.5 → ×2.5" in changes
    assert "| indicator | Shelling resumes along the line (shelling-resumes) | removed |" in changes
    # Re-rendering October still compares with nothing earlier.
    assert brief(ws, db, out, "--month", "2021-10").exit_code == 0
    assert "First brief" in (out / "2021-10.md").read_text(encoding="utf-8")


def test_workspace_template_overrides_the_packaged_one(ws: Path, db: Path, tmp_path: Path) -> None:
    (ws / "templates").mkdir()
    (ws / "templates" / "_tlp.html.j2").write_text(
        '<p class="tlp">Handle as {{ marking.label }}</p>\n', encoding="utf-8"
    )
    (ws / "templates" / "brief.md.j2").write_text(
        "{% extends 'base.md.j2' %}{% set marking = brief.marking %}"
        "{% block content %}Our own brief for {{ brief.key }}{% endblock %}",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert brief(ws, db, out, "--month", "2021-11").exit_code == 0
    assert (out / "2021-11.md").read_text(encoding="utf-8") == (
        "**TLP:AMBER**\n\nOur own brief for 2021-11\n\n**TLP:AMBER**\n"
    )
    assert (out / "2021-11.html").read_text(encoding="utf-8").count("Handle as TLP:AMBER") == 2


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{% extends 'base.html.j2' %}{% set marking = brief.marking %}\n"
            "{% block content %}{{ brief.nope }}{% endblock %}",
            "cannot render brief.html.j2 (at brief.html.j2:2): 'foresight.report.context.Brief "
            "object' has no attribute 'nope'",
        ),
        ("{% if %}", "brief.html.j2:1"),
    ],
)
def test_a_failing_template_writes_nothing(
    ws: Path, db: Path, tmp_path: Path, template: str, message: str
) -> None:
    (ws / "templates").mkdir()
    (ws / "templates" / "brief.html.j2").write_text(template, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert list(out.iterdir()) == []


def test_a_failed_write_leaves_no_temporary_file(ws: Path, db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / ".snapshots").parent.mkdir()
    (out / ".snapshots").write_text("in the way", encoding="utf-8")
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: cannot write the brief")
    assert "Traceback" not in result.output
    assert sorted(p.name for p in out.iterdir()) == [".snapshots"]


def test_out_inside_a_file_is_an_error(ws: Path, db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = brief(ws, db, blocker / "out", "--month", "2021-11")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ")


@pytest.mark.parametrize("month", ["2021-13", "November", "2021-11-01", "../2021-11", ""])
def test_a_bad_month_is_a_usage_error(ws: Path, db: Path, tmp_path: Path, month: str) -> None:
    result = brief(ws, db, tmp_path / "out", "--month", month)
    assert result.exit_code == 2
    assert "is not a month; write it as YYYY-MM" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("formats", ["docx", "md,docx", ","])
def test_a_bad_format_is_a_usage_error(ws: Path, db: Path, tmp_path: Path, formats: str) -> None:
    result = brief(ws, db, tmp_path / "out", "--format", formats)
    assert result.exit_code == 2
    assert "is not a list of formats" in result.stderr


def test_a_bad_audience_is_a_usage_error(ws: Path, db: Path, tmp_path: Path) -> None:
    result = brief(ws, db, tmp_path / "out", "--audience", "white")
    assert result.exit_code == 2


def test_defaults_last_full_month_into_the_workspace_reports(ws: Path, db: Path) -> None:
    import datetime as dt

    result = run(ws, db, "brief", "--format", "md")
    assert result.exit_code == 0, result.output
    last = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    assert result.stdout.splitlines()[0] == str(ws / "reports" / f"{last}.md")
    assert (ws / "reports" / f"{last}.md").is_file()
    assert (ws / "reports" / "index.html").is_file()


@pytest.mark.parametrize("audience", ["GREEN", "AMBER"])
def test_the_brief_from_the_store_equals_one_from_observations_in_memory(
    ws: Path, db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, audience: str
) -> None:
    import datetime as dt

    from foresight.report import build_brief, write_brief
    from foresight.report.context import describe_store
    from foresight.workspace import Workspace

    workspace = Workspace.open(ws, str(db))
    store = workspace.store
    asked: list[dict[str, object]] = []
    everything = store.observations()
    read = store.observations

    def spy(*args: object, **kwargs: object) -> object:
        asked.append(kwargs)
        return read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "observations", spy)

    def both(out: Path) -> tuple[object, object]:
        written = write_brief(workspace, dt.date(2021, 11, 1), audience=audience, out=out)
        in_memory = build_brief(
            workspace.definitions,
            everything,
            dt.date(2021, 11, 1),
            audience=audience,
            workspace=workspace.config.name,
            yardstick=workspace.config.yardstick,
            store=describe_store(workspace.db_url),
            generated=written.brief.generated,
            resolutions=store.resolutions(),
        )
        return written.brief, in_memory

    from_store, in_memory = both(tmp_path / "quiet")
    assert from_store == in_memory
    # Without a resolution the log is never read in full: only the shown observations.
    assert asked and all(set(kwargs) == {"ids"} for kwargs in asked)

    store.resolve("talks-collapse", "did-not-happen", dt.date(2021, 11, 20), "Desk", "tester")
    asked.clear()
    from_store, in_memory = both(tmp_path / "resolved")
    assert from_store.track is not None and from_store.track.rows  # type: ignore[attr-defined]
    assert from_store == in_memory
    assert {"indicators"} in [set(kwargs) for kwargs in asked]


def test_the_analysts_commentary_sits_under_the_month_escaped(
    ws: Path, db: Path, tmp_path: Path
) -> None:
    (ws / "commentary").mkdir()
    (ws / "commentary" / "2021-11.md").write_text(
        f"Talks *moved* fast.\n{SCRIPT} [a link](https://example.org)\n\nSecond paragraph.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 0, result.output
    md = (out / "2021-11.md").read_text(encoding="utf-8")
    page = (out / "2021-11.html").read_text(encoding="utf-8")
    story = section(md, "## November 2021 in brief", "## Scenarios")
    assert story.index("Reported by") < story.index("### Analyst's commentary")
    assert (
        "Talks \\*moved\\* fast. \\<script\\>alert(1)\\</script\\> "
        "\\[a link\\](https://example.org)\n\nSecond paragraph.\n" in story
    )
    html_story = section(page, 'id="this-month"', "</section>")
    assert "<p>Talks *moved* fast. &lt;script&gt;alert(1)&lt;/script&gt; [a link]" in html_story
    assert "<p>Second paragraph.</p>" in html_story
    assert SCRIPT not in page
    # Another month has no commentary, so none is shown.
    assert brief(ws, db, out, "--month", "2021-10").exit_code == 0
    assert "commentary" not in (out / "2021-10.md").read_text(encoding="utf-8")


def test_a_commentary_that_is_not_text_writes_nothing(ws: Path, db: Path, tmp_path: Path) -> None:
    (ws / "commentary").mkdir()
    (ws / "commentary" / "2021-11.md").write_bytes(b"\xff\xfe\x00bad")
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 1
    assert "commentary/2021-11.md: the commentary is not UTF-8 text (save it as UTF-8)" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert not out.exists()


def test_a_workspace_can_turn_the_methodology_appendix_off(
    ws: Path, db: Path, tmp_path: Path
) -> None:
    config = ws / "foresight.yaml"
    text = config.read_text(encoding="utf-8")
    assert "methodology_appendix: true\n" in text  # a new workspace says so
    config.write_text(text.replace("appendix: true", "appendix: false"), encoding="utf-8")
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", "2021-11")
    assert result.exit_code == 0, result.output
    md = (out / "2021-11.md").read_text(encoding="utf-8")
    assert "## Methodology and provenance" not in md and "## Provenance" in md
    assert "The model in plain words" not in md
    assert "**How the numbers are made.**" in md and "appendix gives" not in md
    assert "Evidence fingerprint" in md


def test_a_month_that_has_not_begun_is_refused(ws: Path, db: Path, tmp_path: Path) -> None:
    import datetime as dt

    today = dt.date.today()
    coming = (today.replace(day=28) + dt.timedelta(days=5)).strftime("%Y-%m")
    result = brief(ws, db, tmp_path / "out", "--month", coming)
    assert result.exit_code == 2, result.output
    assert f"{coming} has not begun (today is {today})" in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_current_month_is_marked_as_partial(ws: Path, db: Path, tmp_path: Path) -> None:
    import datetime as dt

    today = dt.date.today()
    out = tmp_path / "out"
    result = brief(ws, db, out, "--month", today.strftime("%Y-%m"))
    assert result.exit_code == 0, result.output
    assert "the brief is marked as partial" in result.stderr
    name = today.strftime("%Y-%m")
    partial = f"{today:%B %Y} has not ended yet; this brief will change as evidence comes in."
    assert f"**Partial month:** {partial}" in (out / f"{name}.md").read_text(encoding="utf-8")
    assert partial in (out / f"{name}.html").read_text(encoding="utf-8")
    past = brief(ws, db, out, "--month", "2021-11")
    assert "Partial month" not in (out / "2021-11.md").read_text(encoding="utf-8")
    assert past.exit_code == 0

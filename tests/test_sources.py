"""The source register: sources.yaml validated like any definition, cited by id in briefs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from foresight.cli import cli
from foresight.workspace import init_workspace

REGISTER = """documents:
  - id: desk-2021
    title: "Ceasefire talks: the state of play"
    author: Ana Ruiz
    outlet: Desk Review
    published: 2021-11
    url: https://example.org/desk-2021
  - id: wire-2021
    title: Wire report on the talks
    published: 2021-10-20
"""


def run(workspace: Path, *args: str):
    return CliRunner().invoke(cli, ["--workspace", str(workspace), *args])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = init_workspace(tmp_path / "ws", "Test workspace")
    (root / "sources.yaml").write_text(REGISTER, encoding="utf-8")
    return root


def test_a_valid_register_validates(workspace: Path) -> None:
    result = run(workspace, "validate", "--strict")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (
            "published: 2021-11\n",
            "published: Nov 2021\n",
            "sources.yaml:6: documents.0.published: 'Nov 2021' is not a date",
        ),
        (
            "    url: https://example.org/desk-2021\n",
            "    url: example.org/desk-2021\n",
            "sources.yaml:7: documents.0.url: a source's url must start with https:// or http://",
        ),
        (
            "    author: Ana Ruiz\n",
            "    authors: Ana Ruiz\n",
            "sources.yaml:4: documents.0.authors: unknown key (did you mean 'author'?)",
        ),
        (
            "  - id: wire-2021\n",
            "  - id: desk-2021\n",
            "sources.yaml:8: documents.1.id: duplicate source id 'desk-2021' "
            "(give each document a unique id)",
        ),
    ],
)
def test_register_problems_point_at_file_line_and_field(
    workspace: Path, before: str, after: str, expected: str
) -> None:
    path = workspace / "sources.yaml"
    path.write_text(REGISTER.replace(before, after, 1), encoding="utf-8")
    result = run(workspace, "validate")
    assert result.exit_code == 1, result.output
    assert expected in result.output


def test_a_near_miss_citation_is_a_warning(workspace: Path) -> None:
    path = workspace / "scenarios" / "example-scenario.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("document: ") + len("document: ")
    end = text.index("\n", start)
    path.write_text(text[:start] + "desk-2012" + text[end:], encoding="utf-8")
    result = run(workspace, "validate")
    assert result.exit_code == 0, result.output
    assert "warning: sources.0.document: 'desk-2012' is not in sources.yaml" in result.output
    assert "did you mean 'desk-2021'?" in result.output
    assert run(workspace, "validate", "--strict").exit_code == 1


def test_the_brief_cites_the_register_by_number(workspace: Path, tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    with log.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["indicator", "observed_on", "source", "reliability", "credibility"])
        writer.writerow(["example-indicator", "2021-11-10", "wire-2021", "B", "2"])
        writer.writerow(["example-indicator", "2021-11-20", "desk-2021", "A", "2"])
        writer.writerow(["example-indicator", "2021-11-25", "A phone call", "C", "3"])
    db = tmp_path / "log.db"
    base = ["--workspace", str(workspace), "--db", str(db)]
    runner = CliRunner()
    assert runner.invoke(cli, [*base, "import", str(log)]).exit_code == 0
    out = tmp_path / "out"
    result = runner.invoke(cli, [*base, "brief", "--month", "2021-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    md = (out / "2021-11.md").read_text(encoding="utf-8")
    page = (out / "2021-11.html").read_text(encoding="utf-8")
    story = md[md.index("## November 2021 in brief") : md.index("## Scenarios")]
    # Numbered as first cited: the key judgement cites the strongest report (A2) first.
    # citation brackets come escaped, as everything the Markdown brief prints: [1] rendered
    assert "Reported by Ruiz, November 2021, graded A2 \\[1\\]." in story
    assert "Reported by “Wire report on the talks”, 20 October 2021, graded B2 \\[2\\]." in story
    assert "Reported by A phone call, graded C3 \\[3\\]." in story
    assert story.index("10 November") < story.index("20 November") < story.index("25 November")
    sources = md[md.index("## Sources") : md.index("## Evidence annex")]
    assert (
        "1. Ana Ruiz, “Ceasefire talks: the state of play”, Desk Review, November 2021. "
        "<https://example.org/desk-2021>\n" in sources
    )
    assert "2. “Wire report on the talks”, 20 October 2021.\n" in sources
    assert "3. A phone call\n" in sources
    assert "wire-2021" not in md and "desk-2021" not in md.replace("example.org/desk-2021", "")
    assert '<li id="ref-1" value="1">Ana Ruiz, ' in page
    assert '<a class="cite" href="#ref-2">[2]</a>' in page
    assert '<a href="https://example.org/desk-2021">' in page


def test_the_first_pack_cites_its_register_and_names_no_file(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[1]
    md = (repo / "reports" / "2021-11.md").read_text(encoding="utf-8")
    page = (repo / "reports" / "2021-11.html").read_text(encoding="utf-8")
    for text in (md, page):
        assert ".txt" not in text
        assert "Cautious Optimism: The Past and the Future of Moscow-Taliban Nexus" in text
    head = md[: md.index("## Scenarios")]
    assert head.index("## Key judgements") < head.index("## November 2021 in brief")
    assert "graded B2 \\[1\\]" in head

"""Untrusted text reaches the terminal, the Markdown brief and CSV as inert text, and a
workspace's templates cannot run code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from foresight.cli import cli

# What analysts (or an imported file) may put in any text field.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<!-- hidden -->",
    '<a href="https://evil.example">click</a>',
    "[x](javascript:alert(1))",
    "![](http://evil.example/pixel.png)",
    "<http://evil.example/autolink>",
    "[x][ref]\n\n[ref]: http://evil.example/reference",
    "[x](<javascript:alert(1)>)",
    "\\<script>alert(2)</script>",
    "&lt;b&gt;entity&lt;/b&gt;",
    "line one\n\n<div onclick=alert(1)>block</div>",
    "# heading\n> quote\n- item\n1. item\n---",
    "**bold** _it_ `code` ~~gone~~ | pipe",
]
MARKUP = "[/bold] [link=https://evil.example] x [/link] [red] red"
ESCAPES = "\x1b[2J \x1b]8;;https://evil.example\x1b\\ link \x1b]8;;\x1b\\ \x9b31m \u202eevil"


def invoke(ws: Path, db: str, *args: str) -> object:
    return CliRunner().invoke(
        cli, ["--workspace", str(ws), "--db", db, *args], env={"FORESIGHT_ANALYST": "tester"}
    )


def observe(ws: Path, db: str, day: str, **values: str) -> None:
    args = ["observe", values.pop("indicator", "example-indicator"), "--date", day]
    args += ["--reliability", "B", "--credibility", "2"]
    for key, value in {"source": "Report", **values}.items():
        args += [f"--{key}", value]
    result = invoke(ws, db, *args)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]


def test_markup_and_escape_sequences_are_shown_as_inert_text(log_ws: Path, db_url: str) -> None:
    scenario = log_ws / "scenarios/example-scenario.yaml"
    text = scenario.read_text(encoding="utf-8")
    scenario.write_text(
        text.replace("title: The border reopens to trade", f"title: {json.dumps(MARKUP)}"),
        encoding="utf-8",
    )
    observe(log_ws, db_url, "2026-06-01", source=MARKUP, note=ESCAPES)
    result = invoke(
        log_ws,
        db_url,
        "resolve",
        "other-scenario",
        "--outcome",
        "void",
        "--on",
        "2026-06-02",
        "--source",
        MARKUP,
        "--note",
        ESCAPES,
    )
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    invoke(log_ws, db_url, "retract", "1", "--reason", MARKUP)
    observe(log_ws, db_url, "2026-06-03", source=MARKUP, note=ESCAPES)
    for command in (
        ["log"],
        ["log", "--all"],
        ["resolutions", "--all"],
        ["status"],
        ["scenarios"],
        ["indicators"],
    ):
        result = invoke(log_ws, db_url, *command)
        output = result.output  # type: ignore[attr-defined]
        assert result.exit_code == 0, output  # type: ignore[attr-defined]
        assert "\x1b" not in output and "\x9b" not in output and "\u202e" not in output
        if command[0] in ("log", "resolutions"):
            for token in ("[/bold]", "[link=", "[/link]", "\\x1b[2J", "\\x9b31m", "\\u202eevil"):
                assert token in output, output
        if command[0] == "scenarios":
            for token in ("[/bold]", "[link=", "[/link]", "[red]"):
                assert token in output, output


def test_error_messages_show_control_characters_as_escapes(log_ws: Path, db_url: str) -> None:
    result = invoke(log_ws, db_url, "log", "--indicator", "\x1b[2Jnope")
    assert result.exit_code == 1
    assert "\x1b" not in result.output  # type: ignore[attr-defined]
    assert "no indicator '\\x1b[2Jnope'" in result.output  # type: ignore[attr-defined]


def _tokens(tokens: list) -> list:
    found = []
    for token in tokens:
        found.append(token)
        found.extend(_tokens(token.children or []))
    return found


def test_the_markdown_brief_shows_no_live_tag_image_or_link(
    log_ws: Path, db_url: str, tmp_path: Path
) -> None:
    from markdown_it import MarkdownIt

    payload = "\n".join(PAYLOADS)
    for name, old in (
        ("scenarios/example-scenario.yaml", "title: The border reopens to trade"),
        ("indicators/example-indicator.yaml", "title: Customs officers redeployed to the crossing"),
    ):
        path = log_ws / name
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(old, f"title: {json.dumps(payload)}"), encoding="utf-8")
    for i, text in enumerate(PAYLOADS):
        observe(log_ws, db_url, f"2026-06-{i + 1:02d}", source=text, note=text, event=text)
    out = tmp_path / "out"
    result = invoke(log_ws, db_url, "brief", "--month", "2026-06", "--out", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    markdown = (out / "2026-06.md").read_text(encoding="utf-8")
    assert "\\<script\\>alert(1)\\</script\\>" in markdown  # shown, as text
    parser = MarkdownIt("commonmark", {"html": True})
    live = [
        t
        for t in _tokens(parser.parse(markdown))
        if t.type in ("html_inline", "html_block", "link_open", "image")
    ]
    assert live == []
    html = parser.render(markdown)
    for tag in (
        "<script",
        "<img",
        "<a ",
        "<!--",
        "<div",
        "<em>it",
        "<code>code",
        "<blockquote",
        "<h1>heading",
        "<strong>bold",
    ):
        assert tag not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "expression",
    [
        "{{ lipsum.__globals__['os'].system('touch PWNED') }}",
        "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ brief.__class__.__init__.__globals__ }}",
        "{% for i in range(10**9) %}{% endfor %}",
    ],
)
def test_workspace_templates_run_in_the_sandbox(
    log_ws: Path, db_url: str, tmp_path: Path, expression: str
) -> None:
    (log_ws / "templates").mkdir()
    (log_ws / "templates" / "brief.md.j2").write_text(expression, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        [
            "--workspace",
            str(log_ws),
            "--db",
            db_url,
            "brief",
            "--month",
            "2026-06",
            "--out",
            str(out),
        ],
        env={"FORESIGHT_ANALYST": "tester"},
    )
    assert result.exit_code == 1, result.output
    assert "Error: cannot render brief.md.j2" in result.output
    assert "unsafe" in result.output or "Range too big" in result.output
    assert not Path("PWNED").exists() and not (log_ws / "PWNED").exists()
    assert not out.exists()


FORMULAS = [
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\tTAB",
    "\rCR",
    "'=already quoted",
    "''+twice",
    "plain",
    "'plain quote",
]


def test_csv_export_neutralises_formulas_and_round_trips(
    log_ws: Path, stores: object, tmp_path: Path
) -> None:
    db = stores.new_url()  # type: ignore[attr-defined]
    for i, text in enumerate(FORMULAS):
        observe(log_ws, db, f"2026-06-{i + 1:02d}", source=text, note=text)
    exported = tmp_path / "log.csv"
    assert invoke(log_ws, db, "export", "--output", str(exported)).exit_code == 0  # type: ignore[attr-defined]
    import csv

    with exported.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.DictReader(stream))
    for row in rows:
        for key in ("source", "note"):
            assert row[key][:1] not in ("=", "+", "-", "@", "\t", "\r"), row[key]
    assert rows[0]["note"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[6]["note"] == "''=already quoted"
    assert rows[8]["note"] == "plain" and rows[9]["note"] == "'plain quote"
    copy = stores.new_url()  # type: ignore[attr-defined]
    result = invoke(log_ws, copy, "import", str(exported))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    original = invoke(log_ws, db, "log", "--all", "--json").output  # type: ignore[attr-defined]
    again = invoke(log_ws, copy, "log", "--all", "--json").output  # type: ignore[attr-defined]
    assert json.loads(again) == json.loads(original)
    assert [o["note"] for o in json.loads(again)] == [f.strip() for f in FORMULAS]

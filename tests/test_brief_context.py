"""The brief's context, chart and helpers, built from definitions and observations in memory."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from factories import definitions, indicator, observation, scenario

from foresight.errors import ReportError
from foresight.models import Scenario
from foresight.report import build_brief, environment
from foresight.report.charts import line_chart
from foresight.report.context import PALETTE, add_months, describe_store
from foresight.report.render import md_cell, previous_month, render, signed_points
from foresight.report.snapshot import definitions_snapshot, diff

NOVEMBER = dt.date(2021, 11, 1)
WHEN = dt.datetime(2021, 12, 1, 9, 30, tzinfo=dt.UTC)


def pack():
    """Two exclusive scenarios and one on its own, three indicators."""
    return definitions(
        [scenario("a", 0.4, "g"), scenario("b", 0.3, "g"), scenario("c", 0.2)],
        [
            indicator("up-a", {"a": "strong-for", "b": "strong-against"}, half_life=90),
            indicator("up-c", {"c": ("moderate-for", "weak-against")}, expected_by="2021-06-30"),
            indicator("never", {"c": "decisive-for"}),
        ],
    )


def make(observations, month=NOVEMBER, audience="AMBER", previous=None, defs=None):
    """Build the brief for November 2021 over the pack."""
    return build_brief(
        defs or pack(),
        observations,
        month,
        audience=audience,
        workspace="Desk",
        yardstick="icd203",
        store="SQLite file log.db",
        previous=previous,
        generated=WHEN,
    )


def test_numbers_are_as_of_the_month_end() -> None:
    log = [
        observation("up-a", dt.date(2021, 11, 10), tlp="GREEN", source="Cable"),
        observation("up-a", dt.date(2021, 12, 3), tlp="GREEN", event="later"),
    ]
    brief = make(log)
    assert brief.end == dt.date(2021, 11, 30)
    assert brief.previous_end == dt.date(2021, 10, 31)
    # question by question, the most confident call first
    assert [r.id for r in brief.rows] == ["a", "b", "c"]
    a = brief.rows[0]
    assert a.previous == pytest.approx(0.4)
    assert a.change > 0.1
    assert brief.provenance.later == 1
    assert brief.provenance.counted == 1
    assert brief.provenance.in_month == 1
    group, c = brief.judgements
    assert group.question_id == "g" and c.question_id == "c"
    assert group.sentence.startswith(
        f"Very likely ({100 * a.probability:.0f}%) that Scenario a by 1 January 2030, "
        "the likeliest of 3 answers, "
    )
    assert c.sentence == "Unlikely (20%) that Scenario c by 1 January 2030."
    assert c.time_frame == "by 1 January 2030" and c.probability == pytest.approx(0.2)
    assert not any("ahead of “Scenario c”" in j.sentence for j in brief.judgements)
    assert group.since.startswith(f"Up {100 * a.change:.1f} points since 31 October 2021; ")
    assert "“Indicator up-a” (Cable, graded A1, 10 November 2021)" in group.since
    assert group.citation is not None and group.citation.marker == "[1]"
    assert c.since == "Unchanged since 31 October 2021; no report of the month moved it"
    assert c.citation is None
    # The confidence assessment fills the judgement's slot, with its reasons.
    assert group.confidence in ("high", "moderate", "low") and group.confidence_reasons
    assert c.confidence == "low"
    assert brief.mover_sentence.startswith("The biggest mover was \u201cScenario a\u201d, up ")
    assert "\u201cIndicator up-a\u201d (Cable, graded A1, 10 November 2021)" in brief.mover_sentence
    assert brief.headline == group.sentence
    assert [(r.number, r.text) for r in brief.references] == [(1, "Cable")]
    [story] = brief.month_story.groups
    assert story.heading == "Scenario a / Scenario b"
    assert [(line.observed_on, line.what) for line in story.lines] == [
        (dt.date(2021, 11, 10), "Indicator up-a")
    ]
    assert brief.groups[0].titles == ["Scenario a", "Scenario b"]


def test_a_quiet_month_says_so() -> None:
    brief = make([])
    assert brief.mover_sentence == (
        "No scenario moved by as much as 0.1 percentage points since 31 October 2021."
    )
    assert brief.marking.label == "TLP:CLEAR"
    assert brief.provenance.first is None
    assert all(not s.movements for s in brief.sections)
    sections = {s.row.id: s for s in brief.sections}
    assert [o.indicator_id for o in sections["c"].overdue] == ["up-c"]
    assert brief.chart.markers == [] and brief.chart.observations == []


def test_ageing_alone_is_explained() -> None:
    brief = make([observation("up-a", dt.date(2021, 9, 1))])
    assert "no observation dated in November moved it" in brief.mover_sentence


def test_marking_is_the_highest_included_never_above_the_audience() -> None:
    log = [
        observation("up-a", dt.date(2021, 11, 2), tlp="CLEAR"),
        observation("up-c", dt.date(2021, 11, 3), tlp="AMBER"),
        observation("up-c", dt.date(2021, 11, 4), tlp="RED", event="x"),
    ]
    assert make(log).marking.level == "AMBER"
    assert make(log).provenance.withheld == 1
    green = make(log, audience="green")
    assert green.marking.level == "CLEAR"
    assert green.provenance.withheld == 2
    assert make(log, audience="RED").marking.level == "RED"


def test_retracted_observations_are_counted_but_not_used() -> None:
    log = [observation("up-a", dt.date(2021, 11, 2), retracted_at=WHEN)]
    brief = make(log)
    assert brief.provenance.retracted == 1
    assert brief.provenance.counted == 0
    assert brief.rows[0].change == pytest.approx(0.0)


def test_colours_follow_definition_order_and_repeat_with_dashes() -> None:
    many = [scenario(f"s{i}", 0.1) for i in range(10)]
    defs = definitions(many, [indicator("i", {s.id: "weak-for" for s in many})])
    brief = make([], defs=defs)
    styles = {row.id: (row.colour, row.dash) for row in brief.rows}
    assert styles["s0"] == (PALETTE[0], "")
    assert styles["s7"] == (PALETTE[7], "")
    assert styles["s8"] == (PALETTE[0], "7 4")
    assert len(set(styles.values())) == 10


def test_chart_svg_has_one_path_per_scenario_and_escapes_titles() -> None:
    base = pack()
    renamed = Scenario.model_validate(
        {**base.scenarios["c"].model_dump(), "title": 'C <b>&</b> "quoted"'}
    )
    defs = definitions(
        [base.scenarios["a"], base.scenarios["b"], renamed], list(base.indicators.values())
    )
    brief = make([observation("up-c", dt.date(2021, 11, 12), note="<i>x</i>")], defs=defs)
    svg = str(line_chart(brief.chart, "c1"))
    assert svg.count("<path ") == 3
    assert svg.count("<circle ") == 1
    assert "C &lt;b&gt;&amp;&lt;/b&gt; &#34;quoted&#34;" in svg
    assert "<b>" not in svg
    assert 'aria-labelledby="c1-title c1-desc"' in svg
    assert svg == str(line_chart(brief.chart, "c1"))
    # Nothing moved before November: the window is the shortest, six months.
    assert len(brief.chart.ticks) == 7
    assert brief.chart.ticks[0] == dt.date(2021, 5, 31)
    assert svg.count('class="line-label"') == 3


def test_templates_render_with_strict_undefined() -> None:
    env = environment(None)
    brief = make([observation("up-a", dt.date(2021, 11, 10), note="a | b\nc")])
    md = render(env, "brief.md.j2", brief=brief)
    html = render(env, "brief.html.j2", brief=brief)
    assert "- 2021-11-10, Indicator up-a: a \\| b c" in md  # notes stay out of table cells
    assert "Generated: 1 December 2021, 09:30 UTC" in md
    assert '<time datetime="2021-12-01T09:30:00Z">1 December 2021, 09:30 UTC</time>' in html


def test_a_missing_template_is_a_report_error() -> None:
    with pytest.raises(ReportError, match=r"template nothing\.j2 was not found"):
        render(environment(None), "nothing.j2")


def test_definition_changes_are_listed_in_order() -> None:
    old = definitions_snapshot(pack())
    changed = definitions(
        [scenario("a", 0.35, "g"), scenario("c", 0.2), scenario("d", 0.5)],
        [
            indicator("up-a", {"a": "moderate-for", "b": "strong-against"}, half_life=60),
            indicator("up-c", {"c": ("moderate-for", "weak-against")}),
            indicator("new", {"d": "weak-for"}),
        ],
    )
    texts = [(c.kind, c.id, c.text) for c in diff(old, definitions_snapshot(changed))]
    assert texts == [
        ("scenario", "a", "prior changed from 40% to 35%"),
        ("scenario", "d", "added, prior 50%"),
        ("scenario", "b", "removed"),
        (
            "indicator",
            "up-a",
            "re-weighted on a: if observed ×5 → ×2.5; half-life changed from 90 days to 60 days",
        ),
        ("indicator", "up-c", "expected by changed from 2021-06-30 to no date"),
        ("indicator", "new", "added"),
        ("indicator", "never", "removed"),
    ]
    assert diff(old, old) == []
    brief = make([], previous=("2021-10", old), defs=changed)
    assert brief.changes.since == "2021-10" and len(brief.changes.items) == 7


@pytest.mark.parametrize(
    ("url", "text"),
    [
        ("/home/me/work/.foresight/foresight.db", "SQLite file foresight.db"),
        ("sqlite:///var/lib/log.db", "SQLite file log.db"),
        (
            "postgresql://analyst:s3cret@db.example.org:5433/watch",
            "PostgreSQL database watch on db.example.org:5433",
        ),
        (
            "postgresql://db.example.org/watch?sslmode=require",
            "PostgreSQL database watch on db.example.org",
        ),
    ],
)
def test_the_store_is_named_without_secrets_or_folders(url: str, text: str) -> None:
    assert describe_store(url) == text
    assert "s3cret" not in describe_store(url)


def test_helpers() -> None:
    assert md_cell("a|b\n\nc  d") == "a\\|b c d"
    assert signed_points(0.0421) == "▲ +4.2 pp"
    assert signed_points(-0.1) == "▼ -10.0 pp"
    assert signed_points(0.0001) == "= 0.0 pp"
    assert previous_month(dt.date(2022, 1, 15)) == dt.date(2021, 12, 1)
    assert add_months(dt.date(2021, 11, 1), -12) == dt.date(2020, 11, 1)
    with pytest.raises(ReportError):
        add_months(dt.date(1, 1, 1), -1)


def test_the_window_starts_where_the_evidence_does() -> None:
    base = pack()
    recent = [
        Scenario.model_validate({**s.model_dump(), "prior_set_on": "2021-03-15"})
        for s in base.scenarios.values()
    ]
    defs = definitions(recent, list(base.indicators.values()))
    # Evidence from mid-April: the window starts at the end of March, not a year back.
    brief = make([observation("up-a", dt.date(2021, 4, 15), tlp="GREEN")], defs=defs)
    assert brief.chart.ticks[0] == dt.date(2021, 3, 31)
    assert len(brief.chart.ticks) == 9
    # The earliest prior set a year and more back, evidence all along: twelve months.
    log = [observation("up-a", dt.date(2020, 12, 10), event="d")]
    log += [observation("up-a", dt.date(2021, m, 10), event=f"m{m}") for m in range(1, 12)]
    assert len(make(log).chart.ticks) == 13


def test_the_chart_marks_horizons_resolutions_and_bands() -> None:
    brief = make([observation("up-a", dt.date(2021, 11, 10))])
    series = brief.chart.series
    inside = dt.date(2021, 8, 31)
    assert all(s.band for s in series)  # the 80% intervals at each month end
    marked = [
        replace(series[0], horizon=inside),
        replace(series[1], resolved=(dt.date(2021, 9, 15), "did-not-happen")),
        series[2],
    ]
    svg = str(line_chart(replace(brief.chart, series=marked), "c2"))
    assert svg.count("<polygon ") == 3  # a band wherever an interval exists
    assert "<title>Scenario a: horizon, 2021-08-31</title>" in svg
    assert "<title>Scenario b: resolved (did not happen), 2021-09-15</title>" in svg
    assert "resolved: did not happen</tspan>" in svg
    assert svg.count('class="line-label"') == 3
    plain = str(
        line_chart(replace(brief.chart, series=[replace(s, band=None) for s in series]), "c3")
    )
    assert "<polygon " not in plain and "horizon, " not in plain
    assert plain.count(">by Jan 2030</tspan>") == 3


def test_a_month_only_report_reads_as_its_month() -> None:
    from foresight.records import month_date

    brief = make([observation("up-a", month_date(2021, 11), source="Cable")])
    [line] = brief.month_story.groups[0].lines
    env = environment(None)
    md = render(env, "brief.md.j2", brief=brief)
    # (the citation's brackets come escaped, as everything the Markdown brief prints)
    assert "- November 2021: Indicator up-a. Reported by Cable, graded A1 \\[1\\]." in md
    assert "(Cable, graded A1, November 2021)" in brief.judgements[0].since
    assert line.observed_on == dt.date(2021, 11, 30)  # it counts from the month's last day

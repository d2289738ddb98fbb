"""Build the one typed context every brief template reads, part by part.

Pure: definitions and an engine over what the audience may see, a summary of the log
and resolutions in, a ``Brief`` out; no files, no SQL, no templates (``build_brief``
makes the engine and summary from observations in memory, ``write_brief`` from the
store, which never holds the whole log). Every number is computed as of the month's
last day from the observations the audience may see (``Engine.assess(month_end)``), so
a brief for a past month is reproducible: only the ``generated`` stamp depends on the
clock. The evidence fingerprint hashes the used observations' content keys, sorted, so
it does not depend on ids, paths or record times. The track record uses the
resolutions settled by the month's end, and replays each forecast from what was
recorded by its date.

The brief's parts each have a module: ``judgements`` (key judgements), ``narrative``
(this month in brief), ``scenarios`` (the table and the evidence annex), ``trend`` (the
chart), ``track`` (the track record), ``methodology`` (the appendix and provenance) and
``citations`` (numbered sources). This module puts them together in the order a reader
meets them, so the sources are numbered in that order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from foresight import scales
from foresight.definitions import Definitions
from foresight.engine import Assessment, Contribution, Engine
from foresight.errors import ReportError
from foresight.records import Observation, Resolution
from foresight.report.citations import Citations, Reference
from foresight.report.common import (
    DASHES,
    NOTABLE,
    PALETTE,
    TLP_COLOURS,
    Marking,
    add_months,
    describe_store,
    generated_now,
    long_date,
    pct,
    visible_levels,
)
from foresight.report.judgements import KeyJudgement, headline, key_judgements
from foresight.report.methodology import Grade, Methodology, Provenance, methodology
from foresight.report.narrative import MonthGroup, MonthLine, ThisMonth, this_month
from foresight.report.scenarios import (
    GroupNote,
    Movement,
    Overdue,
    ScenarioRow,
    ScenarioSection,
    Watch,
    group_notes,
    movement,
    moves,
    scenario_row,
    scenario_section,
)
from foresight.report.snapshot import Change, Snapshot, definitions_snapshot, diff
from foresight.report.track import (
    AuditLine,
    Awaiting,
    CalibrationChart,
    Evidence,
    TrackRecord,
    TrackRow,
    track_record,
)
from foresight.report.trend import (
    Chart,
    Effect,
    KeyObservation,
    Marker,
    Series,
    chart,
    key_points,
    window,
    year_ticks,
)
from foresight.store import LogSummary, summarise
from foresight.summary import month_end, points, status

__all__ = [
    "DASHES",
    "NOTABLE",
    "PALETTE",
    "TLP_COLOURS",
    "AuditLine",
    "Awaiting",
    "Brief",
    "CalibrationChart",
    "Changes",
    "Chart",
    "Effect",
    "Evidence",
    "Grade",
    "GroupNote",
    "KeyJudgement",
    "KeyObservation",
    "Marker",
    "Marking",
    "Methodology",
    "MonthGroup",
    "MonthLine",
    "Movement",
    "Overdue",
    "Provenance",
    "Reference",
    "ScenarioRow",
    "ScenarioSection",
    "Series",
    "ThisMonth",
    "TrackRecord",
    "TrackRow",
    "Watch",
    "add_months",
    "build_brief",
    "compose_brief",
    "describe_store",
    "long_date",
    "visible_levels",
]

WATCH_SHOWN = 2  # signposts per open scenario on the manager's watch list


@dataclass(frozen=True)
class Changes:
    """What changed in the definitions since the previous brief."""

    since: str | None  # the previous brief's month (YYYY-MM), None for the first brief
    items: list[Change]


@dataclass(frozen=True)
class WatchItem:
    """One line of the manager's watch list: a signpost and what seeing it would do."""

    scenario: str  # the scenario's short title
    colour: str
    dash: str
    indicator_title: str
    absent: bool
    probability_now: float
    probability_if_seen: float
    overdue_since: dt.date | None = None  # for an overdue signpost: when it was expected


@dataclass(frozen=True)
class Brief:
    """The context of one monthly brief: every value a template may show."""

    month: dt.date  # the month's first day
    end: dt.date  # the month's last day: the brief's as-of date
    previous_end: dt.date
    generated: dt.datetime  # UTC
    workspace: str
    audience: Marking
    marking: Marking
    judgements: list[KeyJudgement]  # one per open question, most confident call first
    mover_sentence: str
    mover_citation: Reference | None
    settled: list[str]  # resolved and awaiting scenarios, settling evidence, broken links
    month_story: ThisMonth
    headline: str
    rows: list[ScenarioRow]
    groups: list[GroupNote]
    chart: Chart
    watch: list[WatchItem]
    references: list[Reference]
    sections: list[ScenarioSection]
    changes: Changes
    methodology: Methodology
    provenance: Provenance
    snapshot: Snapshot = field(repr=False)
    track: TrackRecord | None = None  # only when a scenario is resolved or awaits it

    @property
    def key(self) -> str:
        """The month as YYYY-MM: the briefs' file name."""
        return f"{self.month:%Y-%m}"

    @property
    def title(self) -> str:
        """The brief's title."""
        return f"Monthly brief: {self.month:%B %Y}"

    @property
    def period(self) -> str:
        """The period covered, e.g. '1–30 November 2021'."""
        return f"1–{self.end.day} {self.end:%B %Y}"


def build_brief(
    definitions: Definitions,
    observations: Sequence[Observation],
    month: dt.date,
    *,
    audience: str,
    workspace: str,
    yardstick: str,
    store: str,
    previous: tuple[str, Snapshot] | None = None,
    generated: dt.datetime | None = None,
    resolutions: Sequence[Resolution] = (),
    audit: bool = True,
    commentary: str = "",
    appendix: bool = True,
) -> Brief:
    """Compute the brief for the month holding `month` from observations held in memory.

    resolutions: every resolution in the log; those settled by the month's end make the
    track record. audit: whether the track record includes the indicator audit.
    commentary: the analyst's commentary for the month (Markdown text, shown as written).
    appendix: whether the brief ends with the methodology appendix.
    """
    first = month.replace(day=1)
    levels = visible_levels(audience)
    releasable = [o for o in observations if o.tlp in levels]
    summary = summarise(
        observations,
        since=first,
        until=month_end(first),
        tlps=levels,
        indicators=list(definitions.indicators),
    )
    return compose_brief(
        definitions,
        Engine(definitions, releasable),
        summary,
        first,
        evidence=lambda indicators: [o for o in releasable if o.indicator in indicators],
        audience=audience,
        workspace=workspace,
        yardstick=yardstick,
        store=store,
        previous=previous,
        generated=generated,
        resolutions=resolutions,
        audit=audit,
        commentary=commentary,
        appendix=appendix,
    )


def compose_brief(
    definitions: Definitions,
    engine: Engine,
    summary: LogSummary,
    month: dt.date,
    *,
    evidence: Evidence,
    audience: str,
    workspace: str,
    yardstick: str,
    store: str,
    previous: tuple[str, Snapshot] | None = None,
    generated: dt.datetime | None = None,
    resolutions: Sequence[Resolution] = (),
    audit: bool = True,
    commentary: str = "",
    appendix: bool = True,
) -> Brief:
    """Compute the month's brief from an engine over what the audience may see.

    engine: over the observations the audience may see (able to explain, so it may
    load the ones it shows); summary: the log summarised by the month's first and last
    days, the audience's levels and the defined indicators; evidence: asked only when a
    scenario is resolved, for the observations the track record replays.
    """
    first = month.replace(day=1)
    end = month_end(first)
    previous_end = month_end(add_months(first, -1))
    audience_level = scales.normalise_tlp(audience)
    if not definitions.scenarios:
        raise ReportError("the workspace defines no scenario, so there is nothing to brief")

    styles = {
        sid: (PALETTE[i % len(PALETTE)], DASHES[(i // len(PALETTE)) % len(DASHES)])
        for i, sid in enumerate(definitions.scenarios)
    }
    explanations = {sid: engine.explain(sid, end) for sid in definitions.scenarios}
    monthly = {
        sid: [c for c in e.contributions if first <= c.observation.observed_on <= end and moves(c)]
        for sid, e in explanations.items()
    }
    order = list(definitions.scenarios)
    points = key_points(monthly)
    # One replay over the year's month ends and the key dates; the window is cut from it.
    dates = sorted({*year_ticks(first), *(c.observation.observed_on for _, c in points)})
    path = dict(zip(dates, engine.path(dates, spread=True), strict=True))
    ticks = window(
        first,
        definitions,
        lambda days: [[path[day].probability(sid) for sid in order] for day in days],
    )
    now = path[end]
    result = status(engine, end, yardstick, resolutions, 1)
    before = status(engine, previous_end, yardstick, resolutions, 0, appraise=False).board
    rows = [scenario_row(m, before, styles[m.id]) for q in result.questions for m in q.members]
    by_id = {row.id: row for row in rows}
    open_questions = result.board.open_questions

    # Sources are numbered in the order a reader meets them: judgements, the month's
    # story, the chart, the watch list's scenarios, then the evidence annex.
    citations = Citations(definitions.sources)
    judgements = key_judgements(
        open_questions, by_id, monthly, definitions, citations, previous_end, result.confidence
    )
    mover_sentence, mover_citation = _mover(
        rows, monthly, definitions, citations, previous_end, first
    )
    story = this_month(result.questions, by_id, monthly, definitions, citations, commentary)
    resolved = {
        m.id: (m.resolution.resolved_on, m.resolution.outcome)
        for q in result.questions
        for m in q.members
        if m.resolution is not None
    }
    bands = _bands(definitions, [path[day] for day in ticks], resolutions)
    the_chart = chart(
        ticks, path, points, by_id, definitions, first, end, resolved, citations, bands
    )
    sections = [
        scenario_section(row, monthly[row.id], explanations[row.id], definitions, citations)
        for row in rows
    ]
    watch = _watch(sections)
    the_headline = headline(judgements, end)

    marking = Marking(scales.TLP_LEVELS[max(map(scales.tlp_rank, summary.tlps), default=0)])
    provenance = Provenance(
        total=summary.total,
        counted=now.counted,
        withheld=summary.withheld,
        retracted=summary.retracted,
        unknown=summary.unknown,
        later=summary.later,
        in_month=summary.in_window,
        first=summary.first,
        last=summary.last,
        store=store,
        fingerprint=summary.fingerprint[:16],
    )
    snap = definitions_snapshot(definitions)
    changes = Changes(previous[0], diff(previous[1], snap)) if previous else Changes(None, [])
    snap = {
        "format": 1,
        "month": f"{first:%Y-%m}",
        "headline": the_headline,
        "marking": marking.level,
        "audience": audience_level,
        **snap,
    }
    gradings = [m.grading for s in sections for m in s.movements]
    return Brief(
        month=first,
        end=end,
        previous_end=previous_end,
        generated=generated or generated_now(),
        workspace=workspace,
        audience=Marking(audience_level),
        marking=marking,
        judgements=judgements,
        mover_sentence=mover_sentence,
        mover_citation=mover_citation,
        settled=result.notes(),
        month_story=story,
        headline=the_headline,
        rows=rows,
        groups=group_notes(rows),
        chart=the_chart,
        watch=watch,
        references=citations.references,
        sections=sections,
        changes=changes,
        methodology=methodology(
            yardstick, Marking(audience_level), provenance.withheld, gradings, appendix
        ),
        provenance=provenance,
        snapshot=snap,
        track=track_record(definitions, evidence, resolutions, end, styles, audit),
    )


def _bands(
    definitions: Definitions, ticks: list[Assessment], resolutions: Sequence[Resolution]
) -> dict[str, list[tuple[dt.date, float, float]]]:
    """Each scenario's 80% interval at the month ends where one exists (at least two)."""
    found: dict[str, list[tuple[dt.date, float, float]]] = {}
    for point in points(definitions, ticks, resolutions):
        for sid, interval in point.intervals.items():
            if interval is not None:
                found.setdefault(sid, []).append((point.as_of, *interval))
    return {sid: band for sid, band in found.items() if len(band) >= 2}


def _watch(sections: list[ScenarioSection]) -> list[WatchItem]:
    """The signposts that would move each open scenario most, and the overdue ones."""
    items = []
    for section in sections:
        row = section.row
        seen: set[str] = set()
        distinct = []  # one line per signpost: the likelier-to-matter way of seeing it
        for s in section.signposts:
            if s.indicator_id not in seen:
                seen.add(s.indicator_id)
                distinct.append(s)
        for s in distinct[:WATCH_SHOWN]:
            items.append(
                WatchItem(
                    row.label,
                    row.colour,
                    row.dash,
                    s.indicator_title,
                    s.absent,
                    row.probability,
                    s.probability_if_seen,
                )
            )
        for o in section.overdue:
            items.append(
                WatchItem(
                    row.label,
                    row.colour,
                    row.dash,
                    o.title,
                    False,
                    row.probability,
                    row.probability,
                    o.expected_by,
                )
            )
    return items


def _mover(
    rows: list[ScenarioRow],
    monthly: dict[str, list[Contribution]],
    definitions: Definitions,
    citations: Citations,
    previous_end: dt.date,
    first: dt.date,
) -> tuple[str, Reference | None]:
    """The scenario that moved most since the previous month's end, and why."""
    mover = max(rows, key=lambda r: abs(r.change))  # max keeps the first of equals
    if abs(mover.change) < NOTABLE:
        quiet = "No scenario moved by as much as 0.1 percentage points since "
        return quiet + f"{long_date(previous_end)}.", None
    direction = "up" if mover.change > 0 else "down"
    text = (
        f"The biggest mover was \u201c{mover.label}\u201d, {direction} "
        f"{abs(100 * mover.change):.1f} percentage points to {pct(mover.probability)} "
        f"since {long_date(previous_end)}"
    )
    contributions = monthly[mover.id]
    if not contributions:
        ageing = f"; no observation dated in {first:%B} moved it, so the change comes from "
        return text + ageing + "older evidence ageing.", None
    best = movement(contributions[0], definitions, citations)
    what = (
        f"finding no sign of \u201c{best.indicator_title}\u201d"
        if best.absent
        else f"\u201c{best.indicator_title}\u201d"
    )
    cause = (
        f"; what moved it most was {what} ({best.citation.short}, graded {best.grading}, "
        f"{long_date(best.observed_on)}): {100 * best.points:+.1f} percentage points."
    )
    return text + cause, best.citation

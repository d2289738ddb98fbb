"""Build the one typed context every brief template reads.

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
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

from foresight import engine as engine_module
from foresight import scales, scoring
from foresight.engine import Contribution, Engine, Explanation
from foresight.errors import ReportError
from foresight.loader import Definitions
from foresight.questions import OPEN, Board, Question, Standing, time_frame
from foresight.questions import Change as CallChange
from foresight.records import Observation, Resolution
from foresight.report.snapshot import Change, Snapshot, definitions_snapshot, diff
from foresight.store import LogSummary, summarise
from foresight.summary import Status, month_end, status

# Okabe & Ito (2008) colour-blind-safe palette, blue first; yellow last because it is
# the hardest to see on white. Beyond eight scenarios the colours repeat with dashes.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
DASHES: tuple[str, ...] = ("", "7 4", "2 3", "9 3 2 3")
# TLP 2.0 prescribes these text colours on a black background.
TLP_COLOURS: dict[str, str] = {
    "CLEAR": "#FFFFFF",
    "GREEN": "#33FF00",
    "AMBER": "#FFC000",
    "AMBER+STRICT": "#FFC000",
    "RED": "#FF2B2B",
}
CHART_MONTHS = 12  # the chart covers the last twelve months, from the month end a year ago
MOVEMENTS_SHOWN = 10  # observations listed per scenario; the rest are counted
SIGNPOSTS_SHOWN = 3
MARKERS_PER_SCENARIO = 3
NOTABLE = 0.0005  # changes smaller than 0.05 pp are shown as no change


@dataclass(frozen=True)
class Marking:
    """A TLP 2.0 level and how to show it."""

    level: str

    @property
    def label(self) -> str:
        """The marking as printed, e.g. 'TLP:AMBER'."""
        return f"TLP:{self.level}"

    @property
    def colour(self) -> str:
        """The prescribed text colour (on black)."""
        return TLP_COLOURS[self.level]

    @property
    def meaning(self) -> str:
        """What recipients may do with it, in the standard's words."""
        return scales.TLP_MEANING[self.level]

    @property
    def css_class(self) -> str:
        """A CSS class name for the level."""
        return "tlp-" + self.level.lower().replace("+", "-")

    @property
    def rank(self) -> int:
        """Position from 0 (CLEAR) to 4 (RED)."""
        return scales.tlp_rank(self.level)


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario's line in the table: now, a month ago and its prior."""

    id: str
    title: str
    summary: str
    group: str | None
    colour: str
    dash: str
    probability: float
    estimative: str
    previous: float
    prior: float
    state: str = OPEN  # see foresight.questions.STATES
    horizon: dt.date = dt.date.max
    outcome: str | None = None  # the resolution's outcome once resolved

    @property
    def time_frame(self) -> str:
        """'by 31 December 2025'."""
        return time_frame(self.horizon)

    @property
    def state_words(self) -> str:
        """The state as a reader reads it: 'open', 'resolved: happened'."""
        if self.outcome is not None:
            return "resolved: " + self.outcome.replace("-", " ")
        return self.state.replace("-", " ")

    @property
    def change(self) -> float:
        """Probability now minus at the previous month's end."""
        return self.probability - self.previous


@dataclass(frozen=True)
class GroupNote:
    """An exclusive group and what is left for 'none of these'."""

    id: str
    titles: list[str]
    remainder: float


@dataclass(frozen=True)
class Movement:
    """One observation of the month and how much it moved a scenario."""

    id: int
    observed_on: dt.date
    indicator_id: str
    indicator_title: str
    absent: bool
    source: str
    source_url: str | None
    reliability: str
    credibility: int
    tlp: str
    note: str
    points: float
    log_odds: float

    @property
    def grading(self) -> str:
        """The Admiralty code, e.g. 'B2'."""
        return f"{self.reliability}{self.credibility}"

    @property
    def grading_words(self) -> str:
        """The Admiralty code in the standard's words."""
        return f"{scales.RELIABILITY[self.reliability]} / {scales.CREDIBILITY[self.credibility]}"

    @property
    def seen(self) -> str:
        """'observed' or 'absent'."""
        return "absent" if self.absent else "observed"

    @property
    def link(self) -> str | None:
        """The source's web address, only when it is a plain http(s) link."""
        url = self.source_url or ""
        return url if url.startswith(("https://", "http://")) else None


@dataclass(frozen=True)
class Watch:
    """A signpost not yet seen and what seeing it would do."""

    indicator_id: str
    indicator_title: str
    absent: bool
    ratio: float
    probability_if_seen: float

    @property
    def seen(self) -> str:
        """'observed' or 'absent'."""
        return "absent" if self.absent else "observed"


@dataclass(frozen=True)
class Overdue:
    """An indicator past its expected date with no observation of it."""

    indicator_id: str
    title: str
    expected_by: dt.date


@dataclass(frozen=True)
class ScenarioSection:
    """Everything the brief says about one scenario."""

    row: ScenarioRow
    movements: list[Movement]
    more: int  # further observations of the month that moved it, not listed
    signposts: list[Watch]
    overdue: list[Overdue]


@dataclass(frozen=True)
class Series:
    """One scenario's line on the chart."""

    id: str
    label: str
    colour: str
    dash: str
    points: list[tuple[dt.date, float]]


@dataclass(frozen=True)
class Marker:
    """The key observations of one day, drawn on one scenario's line."""

    scenario_id: str
    day: dt.date
    value: float
    colour: str
    label: str


@dataclass(frozen=True)
class Effect:
    """How much one key observation moved one scenario."""

    scenario_id: str
    title: str
    colour: str
    dash: str
    points: float


@dataclass(frozen=True)
class KeyObservation:
    """One of the month's observations that moved a scenario most."""

    id: int
    observed_on: dt.date
    indicator_title: str
    absent: bool
    source: str
    grading: str
    effects: list[Effect]  # in definition order

    @property
    def label(self) -> str:
        """'15 November 2021: Indicator (absent) (source, B2)'."""
        absent = " (looked for, absent)" if self.absent else ""
        return (
            f"{long_date(self.observed_on)}: {self.indicator_title}{absent} "
            f"({self.source}, {self.grading})"
        )


@dataclass(frozen=True)
class Chart:
    """The probability of every scenario over the last twelve months."""

    title: str
    description: str
    ticks: list[dt.date]  # month ends, oldest first
    series: list[Series]
    markers: list[Marker]  # one per scenario and day
    observations: list[KeyObservation]
    table: list[tuple[dt.date, list[float]]]  # month-end values, one per series


@dataclass(frozen=True)
class Changes:
    """What changed in the definitions since the previous brief."""

    since: str | None  # the previous brief's month (YYYY-MM), None for the first brief
    items: list[Change]


@dataclass(frozen=True)
class Grade:
    """One step of a published scale and the number foresight gives it."""

    code: str
    words: str
    value: float


@dataclass(frozen=True)
class Methodology:
    """The model in plain words and the scales it uses."""

    paragraphs: list[str]
    yardstick: str
    yardstick_title: str
    bands: list[tuple[float, float, str]]
    reliability: list[Grade]
    credibility: list[Grade]
    strength: list[Grade]
    weights: list[Grade]
    tlp: list[Marking]


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: counts, dates and the store."""

    total: int  # observations dated up to the month's end, of any kind
    counted: int  # of those, the ones that took part in the numbers
    withheld: int  # not retracted, but marked above the audience
    retracted: int
    unknown: int  # releasable, but of an indicator no longer defined
    later: int  # dated after the month's end: not used
    in_month: int  # counted and dated within the month
    first: dt.date | None
    last: dt.date | None
    store: str
    fingerprint: str


@dataclass(frozen=True)
class TrackRow:
    """One resolved scenario's scores; the scores are None when it is not scored (void)."""

    id: str
    title: str
    colour: str
    dash: str
    outcome: str  # happened, did-not-happen or void
    resolved_on: dt.date
    path: scoring.PathScore | None

    @property
    def outcome_words(self) -> str:
        """The outcome in plain words."""
        return {"happened": "happened", "did-not-happen": "did not happen"}.get(
            self.outcome, "void (not scored)"
        )

    @property
    def helped(self) -> str:
        """'up' if the evidence beat the prior alone on the Brier score, 'down' if it did
        worse, '' if neither (or the scenario is not scored): a CSS class."""
        if self.path is None or abs(self.path.brier - self.path.prior_brier) < 1e-9:
            return ""
        return "up" if self.path.brier < self.path.prior_brier else "down"


@dataclass(frozen=True)
class CalibrationChart:
    """Binned forecasts against how often the scenario happened."""

    title: str
    description: str
    bins: list[scoring.CalibrationBin]


@dataclass(frozen=True)
class AuditLine:
    """One indicator's verdict for one resolved scenario."""

    indicator_id: str
    indicator_title: str
    scenario_id: str
    scenario_title: str
    verdict: str  # right, misled or missed
    reason: str
    observed: int
    absent: int
    log_odds: float


@dataclass(frozen=True)
class Awaiting:
    """A scenario past its horizon that nobody has resolved."""

    id: str
    title: str
    horizon: dt.date


@dataclass(frozen=True)
class TrackRecord:
    """How the forecasts of resolved scenarios fared, and which scenarios await an outcome."""

    rows: list[TrackRow]
    decomposition: scoring.Decomposition | None
    forecasts: int  # replayed monthly forecasts that were scored
    calibration: CalibrationChart | None
    audit: list[AuditLine]  # indicators that pointed right, misled or were missed
    silent: int  # indicators not observed by their scenario's resolution
    show_audit: bool
    awaiting: list[Awaiting]
    late: int  # observations recorded after the resolution they preceded: never replayed


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
    judgements: list[str]  # one per open question: its call with its time frame
    mover_sentence: str
    changer_sentences: list[str]  # what would most change each open question's call
    settled: list[str]  # resolved and awaiting scenarios, settling evidence, broken links
    headline: str
    rows: list[ScenarioRow]
    groups: list[GroupNote]
    chart: Chart
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


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month months after (or before) first's month."""
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ReportError(f"{first:%Y-%m} is too close to the calendar's limits for a brief")
    return dt.date(year, month + 1, 1)


def long_date(day: dt.date) -> str:
    """'30 November 2021'."""
    return f"{day.day} {day:%B %Y}"


def generated_now() -> dt.datetime:
    """The generation time: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def describe_store(db_url: str) -> str:
    """Name the store without a password or a machine's folder layout."""
    if db_url.startswith(("postgresql:", "postgres:")):
        parts = urlsplit(db_url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        database = parts.path.lstrip("/") or "(default database)"
        return f"PostgreSQL database {database} on {host}{port}"
    path = db_url.removeprefix("sqlite:///").removeprefix("sqlite://")
    name = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
    return f"SQLite file {name}"


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
) -> Brief:
    """Compute the brief for the month holding `month` from observations held in memory.

    resolutions: every resolution in the log; those settled by the month's end make the
    track record. audit: whether the track record includes the indicator audit.
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
    )


def visible_levels(audience: str) -> list[str]:
    """The TLP levels an audience may see: its own and every lower one."""
    limit = scales.tlp_rank(scales.normalise_tlp(audience))
    return [level for level in scales.TLP_LEVELS if scales.tlp_rank(level) <= limit]


Evidence = Callable[[Collection[str]], Sequence[Observation]]
"""Given indicator ids, every observation of them the audience may see, retracted too."""


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
        sid: [c for c in e.contributions if first <= c.observation.observed_on <= end and _moves(c)]
        for sid, e in explanations.items()
    }
    key_points = _key_points(monthly)
    ticks = [month_end(add_months(first, -k)) for k in range(CHART_MONTHS, -1, -1)]
    dates = sorted({*ticks, *(c.observation.observed_on for _, c in key_points)})
    path = dict(zip(dates, engine.path(dates), strict=True))
    now = path[end]
    result = status(engine, end, yardstick, resolutions, 1)
    before = status(engine, previous_end, yardstick, resolutions, 0).board
    rows = [_row(m, before, styles[m.id]) for q in result.questions for m in q.members]
    by_id = {row.id: row for row in rows}
    sections = [_section(row, monthly[row.id], explanations[row.id], definitions) for row in rows]
    mover, mover_sentence = _mover(rows, monthly, definitions, previous_end, first)
    judgements = [_judgement(q, result) for q in result.board.open_questions] or [
        f"No question is open as of {long_date(end)}."
    ]
    changer_sentences = [
        f"What would most change the call on “{q.leader.title if q.kind == 'yes-no' else q.id}”: "
        f"{_change_words(q.changes[0])}."
        for q in result.board.open_questions
        if q.changes
    ]
    headline = _headline(result)
    if mover is not None:
        headline += f"; biggest mover {mover.title} {_points(mover.change)}"

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
    chart = _chart(ticks, path, key_points, by_id, definitions, first, end)
    snap = definitions_snapshot(definitions)
    changes = Changes(previous[0], diff(previous[1], snap)) if previous else Changes(None, [])
    snap = {
        "format": 1,
        "month": f"{first:%Y-%m}",
        "headline": headline,
        "marking": marking.level,
        "audience": audience_level,
        **snap,
    }
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
        changer_sentences=changer_sentences,
        settled=result.notes(),
        headline=headline,
        rows=rows,
        groups=_groups(rows),
        chart=chart,
        sections=sections,
        changes=changes,
        methodology=_methodology(yardstick, Marking(audience_level), provenance.withheld),
        provenance=provenance,
        snapshot=snap,
        track=_track(definitions, evidence, resolutions, end, styles, audit),
    )


def _moves(contribution: Contribution) -> bool:
    return abs(contribution.points) >= 1e-6 or contribution.log_odds != 0.0


def _key_points(monthly: dict[str, list[Contribution]]) -> list[tuple[str, Contribution]]:
    """The few observations of the month that moved each scenario most."""
    return [
        (sid, c)
        for sid, contributions in monthly.items()
        for c in contributions[:MARKERS_PER_SCENARIO]
    ]


def _movement(contribution: Contribution, definitions: Definitions) -> Movement:
    obs = contribution.observation
    indicator = definitions.indicators[obs.indicator]
    return Movement(
        obs.id,
        obs.observed_on,
        obs.indicator,
        indicator.title,
        obs.absent,
        obs.source,
        obs.source_url,
        obs.reliability,
        obs.credibility,
        obs.tlp,
        obs.note,
        contribution.points,
        contribution.log_odds,
    )


def _section(
    row: ScenarioRow,
    contributions: list[Contribution],
    explanation: Explanation,
    definitions: Definitions,
) -> ScenarioSection:
    movements = [_movement(c, definitions) for c in contributions[:MOVEMENTS_SHOWN]]
    if row.state != OPEN:  # settled or awaiting: nothing left to watch for
        return ScenarioSection(row, movements, max(0, len(contributions) - MOVEMENTS_SHOWN), [], [])
    signposts = [
        Watch(s.indicator.id, s.indicator.title, s.absent, s.ratio, s.probability_if_seen)
        for s in explanation.signposts[:SIGNPOSTS_SHOWN]
    ]
    overdue = [
        Overdue(o.indicator.id, o.indicator.title, o.indicator.expected_by)
        for o in explanation.overdue
        if o.indicator.expected_by and not o.absence_logged
    ]
    return ScenarioSection(
        row, movements, max(0, len(contributions) - MOVEMENTS_SHOWN), signposts, overdue
    )


def _mover(
    rows: list[ScenarioRow],
    monthly: dict[str, list[Contribution]],
    definitions: Definitions,
    previous_end: dt.date,
    first: dt.date,
) -> tuple[ScenarioRow | None, str]:
    mover = max(rows, key=lambda r: abs(r.change))  # max keeps the first of equals
    if abs(mover.change) < NOTABLE:
        return None, (
            f"No scenario moved by as much as 0.1 percentage points since "
            f"{long_date(previous_end)}."
        )
    direction = "up" if mover.change > 0 else "down"
    text = (
        f"The biggest mover was \u201c{mover.title}\u201d, {direction} "
        f"{abs(100 * mover.change):.1f} percentage points to {_pct(mover.probability)} "
        f"since {long_date(previous_end)}"
    )
    contributions = monthly[mover.id]
    if not contributions:
        return mover, (
            text + f"; no observation dated in {first:%B} moved it, so the change comes from "
            "older evidence ageing."
        )
    best = _movement(contributions[0], definitions)
    what = (
        f"finding no sign of \u201c{best.indicator_title}\u201d"
        if best.absent
        else f"\u201c{best.indicator_title}\u201d"
    )
    return mover, (
        text + f"; what moved it most was {what} ({best.source}, graded {best.grading}, "
        f"{long_date(best.observed_on)}): {100 * best.points:+.1f} percentage points."
    )


def _row(standing: Standing, before: Board, style: tuple[str, str]) -> ScenarioRow:
    """A scenario's line: its shown probability (the outcome once resolved), state and time
    frame, against the previous month's end."""
    scenario = standing.scenario
    earlier = before.standings[scenario.id]
    probability = standing.forecast if standing.probability is None else standing.probability
    previous = earlier.forecast if earlier.probability is None else earlier.probability
    return ScenarioRow(
        scenario.id,
        scenario.title,
        scenario.summary,
        scenario.group,
        *style,
        probability,
        standing.estimative,
        previous,
        scenario.prior,
        standing.state,
        scenario.horizon,
        standing.resolution.outcome if standing.resolution else None,
    )


def _judgement(question: Question, result: Status) -> str:
    """A key judgement: the call with its time frame, then, kept apart, its confidence."""
    text = (
        question.sentence()
        if question.kind == "yes-no"
        else f"{question.text} {question.sentence()}"
    )
    confidence = result.confidence(question.id)
    if confidence is not None:
        text += f" Confidence: {confidence.level} ({'; '.join(confidence.reasons)})."
    return text


def _headline(result: Status) -> str:
    """The index's one line: the most confident open call, with its time frame."""
    questions = result.board.open_questions
    if not questions:
        return "no open question"
    top = questions[0]
    answer = top.leader
    if top.kind == "yes-no":
        return (
            f"{answer.title}: {_pct(answer.probability)} ({answer.estimative}) "
            f"{time_frame(top.horizon)}"
        )
    return (
        f"{top.id}: {answer.title} leads at {_pct(answer.probability)} "
        f"({answer.estimative}) {time_frame(top.horizon)}"
    )


def _change_words(change: CallChange) -> str:
    seen = "found absent when looked for" if change.absent else "observed"
    return f"“{change.indicator.title}”, if {seen}, {change.effect}"


def _groups(rows: list[ScenarioRow]) -> list[GroupNote]:
    groups: dict[str, list[ScenarioRow]] = {}
    for row in rows:
        if row.group:
            groups.setdefault(row.group, []).append(row)
    notes = []
    for gid, members in sorted(groups.items()):
        remainder = max(0.0, 1.0 - sum(r.probability for r in members if r.outcome != "void"))
        notes.append(GroupNote(gid, [r.title for r in members], remainder))
    return notes


def _chart(
    ticks: list[dt.date],
    path: dict[dt.date, engine_module.Assessment],
    key_points: list[tuple[str, Contribution]],
    by_id: dict[str, ScenarioRow],
    definitions: Definitions,
    first: dt.date,
    end: dt.date,
) -> Chart:
    order = list(definitions.scenarios)
    inside = sorted(d for d in path if first <= d < end)
    series = []
    for sid in order:
        row = by_id[sid]
        days = [*ticks[:-1], *inside, end]
        points = [(d, path[d].probability(sid)) for d in days]
        series.append(Series(sid, row.title, row.colour, row.dash, points))

    effects: dict[int, list[Effect]] = {}
    observations: dict[int, Observation] = {}
    for scenario_id, contribution in key_points:
        obs = contribution.observation
        row = by_id[scenario_id]
        observations[obs.id] = obs
        effects.setdefault(obs.id, []).append(
            Effect(scenario_id, row.title, row.colour, row.dash, contribution.points)
        )
    keyed = []
    for oid, obs in sorted(observations.items(), key=lambda kv: (kv[1].observed_on, kv[0])):
        indicator = definitions.indicators[obs.indicator].title
        ranked = sorted(effects[oid], key=lambda e: order.index(e.scenario_id))
        keyed.append(
            KeyObservation(
                oid,
                obs.observed_on,
                indicator,
                obs.absent,
                obs.source,
                f"{obs.reliability}{obs.credibility}",
                ranked,
            )
        )
    per_point: dict[tuple[str, dt.date], list[str]] = {}
    for key in keyed:
        for effect in key.effects:
            per_point.setdefault((effect.scenario_id, key.observed_on), []).append(
                f"{key.label}: {100 * effect.points:+.1f} pp"
            )
    markers = [
        Marker(
            sid,
            day,
            path[day].probability(sid),
            by_id[sid].colour,
            f"{by_id[sid].title}, {long_date(day)}\n" + "\n".join(labels),
        )
        for (sid, day), labels in sorted(
            per_point.items(), key=lambda kv: (kv[0][1], order.index(kv[0][0]))
        )
    ]
    table = [(tick, [path[tick].probability(sid) for sid in order]) for tick in ticks]
    latest = "; ".join(f"{by_id[sid].title} {_pct(path[end].probability(sid))}" for sid in order)
    description = (
        f"Line chart of the probability of each of {len(order)} scenario(s) at the end of "
        f"each month from {ticks[0]:%B %Y} to {ticks[-1]:%B %Y}"
        + (
            f"; within {first:%B %Y} the lines also pass through the dates of the month's "
            f"{len(keyed)} key observation(s), drawn as circles"
            if keyed
            else ""
        )
        + f". At {long_date(end)}: {latest}."
    )
    return Chart(
        f"Probability of each scenario, {ticks[0]:%B %Y} to {ticks[-1]:%B %Y}",
        description,
        ticks,
        series,
        markers,
        keyed,
        table,
    )


def _track(
    definitions: Definitions,
    evidence: Evidence,
    resolutions: Sequence[Resolution],
    end: dt.date,
    styles: dict[str, tuple[str, str]],
    audit: bool,
) -> TrackRecord | None:
    """The track record as of end: scores by month, calibration, audit, scenarios awaiting."""
    awaiting = [
        Awaiting(s.id, s.title, s.horizon)
        for s in scoring.awaiting_resolution(definitions, resolutions, end)
    ]
    card = scoring.score_resolutions(
        definitions, _replayed(definitions, evidence, resolutions, end), resolutions, as_of=end
    )
    if card.empty and not awaiting:
        return None
    titles = {sid: s.title for sid, s in definitions.scenarios.items()}
    paths = {path.scenario: path for path in card.paths}
    rows = [
        TrackRow(
            o.scenario,
            titles[o.scenario],
            *styles[o.scenario],
            "happened" if o.happened else "did-not-happen",
            o.on,
            paths.get(o.scenario),
        )
        for o in card.outcomes
    ]
    rows += [
        TrackRow(r.scenario, titles[r.scenario], *styles[r.scenario], "void", r.resolved_on, None)
        for r in card.void
    ]
    rows.sort(key=lambda row: (row.resolved_on, row.id))
    forecasts = sum(len(path.forecasts) for path in card.paths)
    chart = None
    if card.calibration:
        described = "; ".join(
            f"{100 * b.low:.0f}–{100 * b.high:.0f}%: {b.count} forecast(s), mean "
            f"{100 * b.mean_forecast:.1f}%, happened {100 * b.observed_frequency:.1f}%"
            for b in card.calibration
        )
        chart = CalibrationChart(
            f"Calibration of {forecasts} monthly forecast(s) of {len(card.paths)} resolved "
            "scenario(s)",
            "Scatter chart: each circle is a bin of forecasts, placed across at their mean "
            "forecast probability and up at how often those scenarios happened, sized by how "
            f"many forecasts it holds; the dashed diagonal is perfect calibration. {described}.",
            card.calibration,
        )
    judged = [row for row in card.audit if row.verdict != "silent"]
    lines = [
        AuditLine(
            row.indicator,
            definitions.indicators[row.indicator].title,
            row.scenario,
            titles[row.scenario],
            row.verdict,
            row.reason,
            row.observed,
            row.absent,
            row.log_odds,
        )
        for row in judged
    ]
    return TrackRecord(
        rows=rows,
        decomposition=card.decomposition,
        forecasts=forecasts,
        calibration=chart,
        audit=lines,
        silent=len(card.audit) - len(judged),
        show_audit=audit,
        awaiting=awaiting,
        late=card.late,
    )


def _replayed(
    definitions: Definitions, evidence: Evidence, resolutions: Sequence[Resolution], end: dt.date
) -> Sequence[Observation]:
    """The observations the track record replays: none unless a scenario is scored.

    Only indicators weighing on a scored scenario or on a member of its exclusive group
    can move its replayed forecasts or its audit, so only theirs are asked for.
    """
    scored = {o.scenario for o in scoring.outcomes(resolutions, end)} & definitions.scenarios.keys()
    if not scored:
        return []
    groups = {definitions.scenarios[sid].group for sid in scored} - {None}
    moved = scored | {sid for sid, s in definitions.scenarios.items() if s.group in groups}
    return evidence({i.id for i in definitions.indicators.values() if moved & i.weights.keys()})


def _methodology(yardstick: str, audience: Marking, withheld: int) -> Methodology:
    rel = scales.RELIABILITY_TRUST
    cred = scales.CREDIBILITY_TRUST
    strength = ", ".join(f"{word} {value:g}" for word, value in scales.STRENGTH.items())
    paragraphs = [
        "Each scenario starts from its prior probability. Every observation of an indicator "
        "multiplies the scenario's odds by the indicator's likelihood ratio for that scenario "
        "(or the ratio for its absence, when it was looked for and not found). The brief works "
        "in log-odds, so each observation adds its log-ratio to the scenario's log-odds.",
        "Not every report counts in full. Its log-ratio is multiplied by its trust: match "
        f"strength × source reliability × information credibility. Strength is {strength}; "
        "reliability A–F counts "
        + ", ".join(f"{k} {v:g}" for k, v in rel.items())
        + "; credibility 1–6 counts "
        + ", ".join(f"{k} {v:g}" for k, v in cred.items())
        + ". A report that cannot be judged (F or 6) sits at the midpoint, neither trusted "
        "nor dismissed.",
        "Reports sharing an event key are one event: only the most trustworthy report of it "
        "counts. Further distinct events of the same indicator count less and less: each "
        f"counts {engine_module.RETURNS:g} times the one before it, so repetition cannot "
        "run away with the numbers. Evidence ages: it counts half after the indicator's "
        "half-life, and lasting facts (no half-life) do not age. The total evidence on a "
        f"scenario is capped at a likelihood ratio of e^{engine_module.MAX_LOG_RATIO:g}.",
        "Scenarios of one exclusive group cannot happen together: they are normalised with a "
        "\u201cnone of these\u201d remainder, whose prior is one minus the sum of their "
        "priors, so a group never sums above 100%. Other scenarios stand on their own.",
        "Contributions are shown two ways: log-odds is what the report added to the "
        "scenario's log-odds; percentage points (pp) is the probability now minus the "
        "probability without that report.",
        f"This brief is for a {audience.label} audience. The numbers are computed only from "
        f"observations releasable to it (marked {audience.label} or lower); "
        + (
            f"{withheld} observation(s) marked higher were withheld and took no part."
            if withheld
            else "none was withheld."
        ),
    ]
    return Methodology(
        paragraphs=paragraphs,
        yardstick=yardstick,
        yardstick_title=scales.YARDSTICK_TITLES[yardstick],
        bands=list(scales.YARDSTICKS[yardstick]),
        reliability=[Grade(k, v, rel[k]) for k, v in scales.RELIABILITY.items()],
        credibility=[Grade(str(k), v, cred[k]) for k, v in scales.CREDIBILITY.items()],
        strength=[Grade(k, k, v) for k, v in scales.STRENGTH.items()],
        weights=[Grade(k, k, v) for k, v in scales.WEIGHTS.items()],
        tlp=[Marking(level) for level in scales.TLP_LEVELS],
    )


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _points(change: float) -> str:
    arrow = "▲" if change >= NOTABLE else "▼" if change <= -NOTABLE else "="
    return f"{arrow} {abs(100 * change):.1f} pp"

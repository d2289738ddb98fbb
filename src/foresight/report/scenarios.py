"""The scenario table, each scenario's evidence of the month and its signposts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from foresight import scales
from foresight.definitions import Definitions
from foresight.engine import Contribution, Explanation
from foresight.questions import OPEN, Board, Standing, time_frame
from foresight.report.citations import Citations, Reference

MOVEMENTS_SHOWN = 10  # observations listed per scenario in the annex; the rest are counted
SIGNPOSTS_SHOWN = 3


@dataclass(frozen=True)
class ScenarioRow:
    """One scenario's line in the table: now, a month ago and its prior."""

    id: str
    title: str
    label: str  # the short title, else the title
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
    citation: Reference

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


def moves(contribution: Contribution) -> bool:
    return abs(contribution.points) >= 1e-6 or contribution.log_odds != 0.0


def movement(
    contribution: Contribution, definitions: Definitions, citations: Citations
) -> Movement:
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
        citations.cite(obs.source, obs.source_url),
    )


def scenario_section(
    row: ScenarioRow,
    contributions: list[Contribution],
    explanation: Explanation,
    definitions: Definitions,
    citations: Citations,
) -> ScenarioSection:
    """One scenario's evidence of the month (for the annex) and what to watch for."""
    movements = [movement(c, definitions, citations) for c in contributions[:MOVEMENTS_SHOWN]]
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


def scenario_row(standing: Standing, before: Board, style: tuple[str, str]) -> ScenarioRow:
    """A scenario's line: its shown probability (the outcome once resolved), state and time
    frame, against the previous month's end."""
    scenario = standing.scenario
    earlier = before.standings[scenario.id]
    probability = standing.forecast if standing.probability is None else standing.probability
    previous = earlier.forecast if earlier.probability is None else earlier.probability
    return ScenarioRow(
        scenario.id,
        scenario.title,
        scenario.label,
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


def group_notes(rows: list[ScenarioRow]) -> list[GroupNote]:
    groups: dict[str, list[ScenarioRow]] = {}
    for row in rows:
        if row.group:
            groups.setdefault(row.group, []).append(row)
    notes = []
    for gid, members in sorted(groups.items()):
        remainder = max(0.0, 1.0 - sum(r.probability for r in members if r.outcome != "void"))
        notes.append(GroupNote(gid, [r.title for r in members], remainder))
    return notes

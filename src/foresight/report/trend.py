"""The chart: each scenario's probability at month ends over the window with evidence.

The window is the last twelve months, shortened to start at the month end before the
earliest prior was set when that is later, and then past months in which no line moved
by a percentage point, but never to fewer than six months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from foresight import engine as engine_module
from foresight.definitions import Definitions
from foresight.engine import Contribution
from foresight.records import Observation
from foresight.report.citations import Citations
from foresight.report.common import add_months, long_date, pct
from foresight.report.scenarios import ScenarioRow
from foresight.summary import month_end

CHART_MONTHS = 12  # at most the last twelve months, from the month end a year ago
MIN_CHART_MONTHS = 6
FLAT = 0.01  # a month in which no line moved by this much is flat
MARKERS_PER_SCENARIO = 3


@dataclass(frozen=True)
class Series:
    """One scenario's line on the chart."""

    id: str
    label: str  # the short title, written at the line's end
    colour: str
    dash: str
    points: list[tuple[dt.date, float]]
    horizon: dt.date | None = None  # none: the chart shows no time frame for it
    resolved: tuple[dt.date, str] | None = None  # the resolution's date and outcome
    # The uncertainty band, (date, low, high) at each point, when an interval is computed.
    band: list[tuple[dt.date, float, float]] | None = None

    @property
    def end_label(self) -> str:
        """'Renewed civil war 19%': what is written at the line's end."""
        return f"{self.label} {pct(self.points[-1][1])}"

    @property
    def horizon_words(self) -> str:
        """'by Dec 2025', or '' without a horizon."""
        return f"by {self.horizon:%b %Y}" if self.horizon else ""


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


def year_ticks(first: dt.date) -> list[dt.date]:
    """The month ends of the twelve months up to the month holding first, oldest first."""
    return [month_end(add_months(first, -k)) for k in range(CHART_MONTHS, -1, -1)]


def window(
    first: dt.date,
    definitions: Definitions,
    probabilities: Callable[[list[dt.date]], list[list[float]]],
) -> list[dt.date]:
    """The chart's month ends, oldest first, ending at the month's end.

    probabilities: every scenario's probability at each of the given days.
    """
    ticks = year_ticks(first)
    latest_start = len(ticks) - 1 - MIN_CHART_MONTHS
    earliest = min(s.prior_set_on for s in definitions.scenarios.values())
    start = max((i for i, tick in enumerate(ticks) if tick < earliest), default=0)
    start = min(start, latest_start)
    values = probabilities(ticks)
    while start < latest_start and all(
        abs(after - before) < FLAT
        for before, after in zip(values[start], values[start + 1], strict=True)
    ):
        start += 1
    return ticks[start:]


def key_points(monthly: dict[str, list[Contribution]]) -> list[tuple[str, Contribution]]:
    """The few observations of the month that moved each scenario most."""
    return [
        (sid, c)
        for sid, contributions in monthly.items()
        for c in contributions[:MARKERS_PER_SCENARIO]
    ]


def chart(
    ticks: list[dt.date],
    path: dict[dt.date, engine_module.Assessment],
    key_points: list[tuple[str, Contribution]],
    by_id: dict[str, ScenarioRow],
    definitions: Definitions,
    first: dt.date,
    end: dt.date,
    resolved: dict[str, tuple[dt.date, str]],
    citations: Citations,
    bands: dict[str, list[tuple[dt.date, float, float]]] | None = None,
) -> Chart:
    """The chart's lines, key-observation markers, data table and description."""
    order = list(by_id)  # the scenario table's order
    inside = sorted(d for d in path if first <= d < end)
    series = []
    for sid in order:
        row = by_id[sid]
        days = [*ticks[:-1], *inside, end]
        points = [(d, path[d].probability(sid)) for d in days]
        series.append(
            Series(
                sid,
                row.label,
                row.colour,
                row.dash,
                points,
                row.horizon,
                resolved.get(sid),
                (bands or {}).get(sid),
            )
        )

    effects: dict[int, list[Effect]] = {}
    observations: dict[int, Observation] = {}
    for scenario_id, contribution in key_points:
        obs = contribution.observation
        row = by_id[scenario_id]
        observations[obs.id] = obs
        effects.setdefault(obs.id, []).append(
            Effect(scenario_id, row.label, row.colour, row.dash, contribution.points)
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
                citations.cite(obs.source, obs.source_url).short,
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
            f"{by_id[sid].label}, {long_date(day)}\n" + "\n".join(labels),
        )
        for (sid, day), labels in sorted(
            per_point.items(), key=lambda kv: (kv[0][1], order.index(kv[0][0]))
        )
    ]
    table = [(tick, [path[tick].probability(sid) for sid in order]) for tick in ticks]
    latest = "; ".join(f"{by_id[sid].label} {pct(path[end].probability(sid))}" for sid in order)
    description = (
        f"Line chart of the probability of each of {len(order)} scenario(s) at the end of "
        f"each month from {ticks[0]:%B %Y} to {ticks[-1]:%B %Y}"
        + (
            f"; within {first:%B %Y} the lines also pass through the dates of the month's "
            f"{len(keyed)} key observation(s), drawn as circles"
            if keyed
            else ""
        )
        + ("; shaded bands are 80% intervals" if any(s.band for s in series) else "")
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

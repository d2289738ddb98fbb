"""Score forecasts against what happened: Brier and log scores, calibration, indicator audit.

Pure: takes definitions, observations and resolutions, returns numbers. Replays are honest:
the forecast at each date uses only what had been recorded, and not retracted, by then.

Scores are oriented so that lower is better:
- Brier score: mean of (p - o)^2, o = 1 if the scenario happened, 0 if not.
- Logarithmic score: mean of -ln(probability given to what happened).
The Brier decomposition (Murphy 1973, with Stephenson et al. 2008's within-bin term so that
the parts add up exactly): brier = reliability - resolution + uncertainty + within_bin.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from foresight.engine import Engine
from foresight.loader import Definitions
from foresight.records import Observation
from foresight.summary import steps

BINS = 10


@dataclass(frozen=True)
class Outcome:
    """A scenario's settled outcome."""

    scenario: str
    happened: bool
    on: dt.date


@dataclass(frozen=True)
class PathScore:
    """One resolved scenario's forecast path and its scores."""

    scenario: str
    happened: bool
    resolved_on: dt.date
    dates: list[dt.date]
    forecasts: list[float]
    prior: float
    brier: float
    log_score: float
    prior_brier: float
    prior_log_score: float
    even_brier: float
    even_log_score: float
    mean_probability: float
    crossed_half_on: dt.date | None  # first date above 50% that stayed above


@dataclass(frozen=True)
class CalibrationBin:
    """Forecasts that fell in one probability bin, and how often the scenario happened."""

    low: float
    high: float
    count: int
    mean_forecast: float
    observed_frequency: float


@dataclass(frozen=True)
class Decomposition:
    """The Brier score's parts: brier = reliability - resolution + uncertainty + within_bin."""

    brier: float
    reliability: float
    resolution: float
    uncertainty: float
    within_bin: float


@dataclass(frozen=True)
class AuditRow:
    """Whether one indicator pointed the right way for one resolved scenario."""

    indicator: str
    scenario: str
    observed: int
    absent: int
    log_odds: float  # the indicator's net contribution when the scenario was resolved
    verdict: str  # right, misled, missed or silent
    reason: str


@dataclass(frozen=True)
class Scorecard:
    """Every resolved scenario's scores, the overall calibration and the indicator audit."""

    paths: list[PathScore]
    decomposition: Decomposition | None
    calibration: list[CalibrationBin]
    audit: list[AuditRow] = field(default_factory=list)


def brier(forecasts: Sequence[float], happened: bool) -> float:
    """Mean squared distance between the forecasts and the outcome (0 best, 1 worst)."""
    outcome = 1.0 if happened else 0.0
    return sum((p - outcome) ** 2 for p in forecasts) / len(forecasts)


def log_score(forecasts: Sequence[float], happened: bool) -> float:
    """Mean of -ln(probability given to what happened) (0 best)."""
    return sum(-math.log(p if happened else 1.0 - p) for p in forecasts) / len(forecasts)


def crossed_half(dates: Sequence[dt.date], forecasts: Sequence[float]) -> dt.date | None:
    """The first date from which every later forecast is above 50 %."""
    found: dt.date | None = None
    for day, p in zip(dates, forecasts, strict=True):
        found = (found or day) if p > 0.5 else None
    return found


def decompose(
    pairs: Sequence[tuple[float, bool]], bins: int = BINS
) -> tuple[Decomposition, list[CalibrationBin]]:
    """Murphy's decomposition and the calibration table of (forecast, happened) pairs."""
    n = len(pairs)
    base = sum(1.0 for _, o in pairs if o) / n
    total = sum((p - (1.0 if o else 0.0)) ** 2 for p, o in pairs) / n
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for p, o in pairs:
        grouped[min(int(p * bins), bins - 1)].append((p, o))
    reliability = resolution = 0.0
    table = []
    for k, members in enumerate(grouped):
        if not members:
            continue
        mean_f = sum(p for p, _ in members) / len(members)
        freq = sum(1.0 for _, o in members if o) / len(members)
        reliability += len(members) * (mean_f - freq) ** 2 / n
        resolution += len(members) * (freq - base) ** 2 / n
        table.append(CalibrationBin(k / bins, (k + 1) / bins, len(members), mean_f, freq))
    uncertainty = base * (1.0 - base)
    within = total - (reliability - resolution + uncertainty)
    return Decomposition(total, reliability, resolution, uncertainty, within), table


def replay(
    definitions: Definitions,
    observations: Sequence[Observation],
    scenario_id: str,
    dates: Sequence[dt.date],
) -> list[float]:
    """The scenario's forecast at each date, as known on that date."""
    return [
        Engine(definitions, observations, known_on=day).assess(day).probability(scenario_id)
        for day in dates
    ]


def score_path(
    definitions: Definitions,
    observations: Sequence[Observation],
    outcome: Outcome,
    start: dt.date | None = None,
    end: dt.date | None = None,
    step: str = "month",
) -> PathScore | None:
    """Replay one resolved scenario and score it; None when the window holds no date."""
    scenario = definitions.scenarios[outcome.scenario]
    first = max(start or scenario.prior_set_on, scenario.prior_set_on)
    last = min(end or outcome.on, outcome.on)
    dates = steps(first, last, step)
    if not dates:
        return None
    forecasts = replay(definitions, observations, outcome.scenario, dates)
    prior = [scenario.prior] * len(dates)
    even = [0.5] * len(dates)
    return PathScore(
        outcome.scenario,
        outcome.happened,
        outcome.on,
        dates,
        forecasts,
        scenario.prior,
        brier(forecasts, outcome.happened),
        log_score(forecasts, outcome.happened),
        brier(prior, outcome.happened),
        log_score(prior, outcome.happened),
        brier(even, outcome.happened),
        log_score(even, outcome.happened),
        sum(forecasts) / len(forecasts),
        crossed_half(dates, forecasts),
    )


def audit(
    definitions: Definitions, observations: Sequence[Observation], outcome: Outcome
) -> list[AuditRow]:
    """Which indicators of a resolved scenario pointed the right way, and which misled."""
    engine = Engine(definitions, observations, known_on=outcome.on)
    explanation = engine.explain(outcome.scenario, outcome.on)
    net: dict[str, float] = {}
    for contribution in explanation.contributions:
        indicator = contribution.observation.indicator
        net[indicator] = net.get(indicator, 0.0) + contribution.log_odds
    counted = [o for o in observations if o.known_on(outcome.on) and o.observed_on <= outcome.on]
    rows = []
    for indicator in definitions.indicators_for(outcome.scenario):
        seen = sum(1 for o in counted if o.indicator == indicator.id and not o.absent)
        absent = sum(1 for o in counted if o.indicator == indicator.id and o.absent)
        log_odds = net.get(indicator.id, 0.0)
        weight = indicator.weights[outcome.scenario]
        verdict, reason = _verdict(outcome.happened, seen + absent, log_odds, weight.observed_ratio)
        rows.append(
            AuditRow(indicator.id, outcome.scenario, seen, absent, log_odds, verdict, reason)
        )
    order = {"misled": 0, "missed": 1, "right": 2, "silent": 3}
    rows.sort(key=lambda r: (order[r.verdict], -abs(r.log_odds), r.indicator))
    return rows


def _verdict(happened: bool, reports: int, log_odds: float, ratio: float) -> tuple[str, str]:
    what = "happened" if happened else "did not happen"
    if reports and log_odds != 0.0:
        pointed_yes = log_odds > 0
        if pointed_yes == happened:
            return "right", f"its reports pointed the right way (the scenario {what})"
        side = "towards" if pointed_yes else "away from"
        return "misled", f"reported {reports} time(s), pointing {side} it, but the scenario {what}"
    if happened and ratio > 1.0:
        return "missed", "never observed although the scenario happened"
    return "silent", "not observed; nothing to judge"


def scorecard(
    definitions: Definitions,
    observations: Sequence[Observation],
    outcomes: Sequence[Outcome],
    start: dt.date | None = None,
    end: dt.date | None = None,
    step: str = "month",
) -> Scorecard:
    """Score every resolved scenario and the forecasts as a whole."""
    paths = []
    rows: list[AuditRow] = []
    for outcome in sorted(outcomes, key=lambda o: o.scenario):
        path = score_path(definitions, observations, outcome, start, end, step)
        if path is not None:
            paths.append(path)
        rows.extend(audit(definitions, observations, outcome))
    pairs = [(p, path.happened) for path in paths for p in path.forecasts]
    if not pairs:
        return Scorecard(paths, None, [], rows)
    decomposition, table = decompose(pairs)
    return Scorecard(paths, decomposition, table, rows)

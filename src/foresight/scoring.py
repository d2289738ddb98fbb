"""Score forecasts against what happened: Brier and log scores, calibration, indicator audit.

Pure: takes definitions, observations and resolutions, returns numbers. Replays are honest:
the forecast at each date uses only what had been recorded, and not retracted, by then.

Scores are oriented so that lower is better:
- Brier score: mean of (p - o)^2, o = 1 if the scenario happened, 0 if not.
- Logarithmic score: mean of -ln(probability given to what happened).
The Brier decomposition (Murphy 1973, with Stephenson et al. 2008's within-bin term so that
the parts add up exactly): brier = reliability - resolution + uncertainty + within_bin.

The indicator audit looks at the evidence dated up to the resolution date and recorded by
the day the resolution was recorded: evidence logged after the outcome was settled is
hindsight and takes no part, evidence logged late but before that does. An indicator's
direction is the net log-odds its reports added when each came in (trust and the engine's
diminishing returns applied, ageing not), so evidence that has since faded is still judged.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from foresight.definitions import Definitions
from foresight.engine import RETURNS, Assessment, Engine
from foresight.errors import InputError, UnknownIdError
from foresight.records import Observation, Resolution, current_resolutions
from foresight.summary import steps

if TYPE_CHECKING:
    from foresight.models import Scenario

BINS = 10
VERDICTS: tuple[str, ...] = ("misled", "missed", "right", "silent")  # the audit's order


@dataclass(frozen=True)
class Outcome:
    """A scenario's settled outcome.

    recorded_on: the day the outcome was logged, if later than `on`; the audit then also
    counts evidence recorded late, up to that day.
    """

    scenario: str
    happened: bool
    on: dt.date
    recorded_on: dt.date | None = None

    @property
    def known_on(self) -> dt.date:
        """The last day whose records the audit may use."""
        return max(self.on, self.recorded_on or self.on)


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
    late: int = 0  # observations dated by the last date but recorded after it: never replayed
    late_ids: frozenset[int] = frozenset()  # their ids


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
    log_odds: float  # net log-odds its reports added, each when fresh (before ageing)
    verdict: str  # right, misled, missed or silent
    reason: str


@dataclass(frozen=True)
class Scorecard:
    """Every resolved scenario's scores, the overall calibration and the indicator audit.

    outcomes: every scored outcome, also those whose window held no date (no path);
    void: resolutions that voided the question, listed but not scored; unknown:
    resolutions of scenarios the definitions no longer have.
    """

    paths: list[PathScore]
    decomposition: Decomposition | None
    calibration: list[CalibrationBin]
    audit: list[AuditRow] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    void: list[Resolution] = field(default_factory=list)
    unknown: list[Resolution] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Whether no scenario is resolved at all (void ones included)."""
        return not self.outcomes and not self.void

    @property
    def late(self) -> int:
        """Observations that were never replayed because they were recorded too late.

        Each observation counts once, however many resolved scenarios its indicator moves.
        """
        return len(frozenset().union(*(path.late_ids for path in self.paths)))

    def as_json(self) -> dict[str, Any]:
        """The `scorecard --json` document."""
        paths = {path.scenario: path for path in self.paths}
        entries = [
            _path_json(
                o.scenario,
                "happened" if o.happened else "did-not-happen",
                o.on,
                paths.get(o.scenario),
            )
            for o in self.outcomes
        ]
        entries += [_path_json(r.scenario, "void", r.resolved_on, None) for r in self.void]
        entries.sort(key=lambda entry: entry["id"])
        parts = self.decomposition
        return {
            "scenarios": entries,
            "overall": None
            if parts is None
            else {
                "forecasts": sum(len(p.forecasts) for p in self.paths),
                "brier": _r(parts.brier),
                "reliability": _r(parts.reliability),
                "resolution": _r(parts.resolution),
                "uncertainty": _r(parts.uncertainty),
                "within_bin": _r(parts.within_bin),
            },
            "calibration": [
                {
                    "low": b.low,
                    "high": b.high,
                    "count": b.count,
                    "mean_forecast": _r(b.mean_forecast),
                    "observed_frequency": _r(b.observed_frequency),
                }
                for b in self.calibration
            ],
            "audit": [
                {
                    "indicator": row.indicator,
                    "scenario": row.scenario,
                    "verdict": row.verdict,
                    "reason": row.reason,
                    "observed": row.observed,
                    "absent": row.absent,
                    "log_odds": _r(row.log_odds),
                }
                for row in self.audit
            ],
        }


def _r(value: float) -> float:
    return round(value, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def _path_json(
    scenario: str, word: str, resolved_on: dt.date, path: PathScore | None
) -> dict[str, Any]:
    """One resolved scenario in the scorecard document; scores are null when not scored."""
    entry: dict[str, Any] = {
        "id": scenario,
        "outcome": word,
        "resolved_on": resolved_on.isoformat(),
        "steps": 0,
        "brier": None,
        "log_score": None,
        "mean_probability": None,
        "crossed_half_on": None,
        "late_observations": 0,
        "path": [],
    }
    if path is None:
        return entry
    entry.update(
        steps=len(path.dates),
        brier={
            "forecast": _r(path.brier),
            "prior": _r(path.prior_brier),
            "even": _r(path.even_brier),
        },
        log_score={
            "forecast": _r(path.log_score),
            "prior": _r(path.prior_log_score),
            "even": _r(path.even_log_score),
        },
        mean_probability=_r(path.mean_probability),
        crossed_half_on=path.crossed_half_on.isoformat() if path.crossed_half_on else None,
        late_observations=path.late,
        path=[
            {"date": day.isoformat(), "probability": _r(p)}
            for day, p in zip(path.dates, path.forecasts, strict=True)
        ],
    )
    return entry


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


class Replayer:
    """Assessments as known on each date, each date computed once and shared by scenarios.

    An observation can only count from the later of its date and its recording day, so
    the log is sorted by that day once and each date's engine takes in only the prefix
    that can count: early dates of a long log cost little.
    """

    def __init__(self, definitions: Definitions, observations: Sequence[Observation]) -> None:
        self.definitions = definitions
        keyed = sorted(
            ((max(o.observed_on, o.recorded_at.date()).toordinal(), o) for o in observations),
            key=lambda pair: pair[0],
        )
        self._starts = [start for start, _ in keyed]
        self._observations = [o for _, o in keyed]
        self._done: dict[dt.date, Assessment] = {}

    def at(self, day: dt.date) -> Assessment:
        """Every scenario's probability at day, from what was recorded by the end of day."""
        found = self._done.get(day)
        if found is None:
            count = bisect.bisect_right(self._starts, day.toordinal())
            engine = Engine(self.definitions, self._observations[:count], known_on=day)
            found = self._done[day] = engine.assess(day)
        return found


def replay(
    definitions: Definitions,
    observations: Sequence[Observation],
    scenario_id: str,
    dates: Sequence[dt.date],
    replayer: Replayer | None = None,
) -> list[float]:
    """The scenario's forecast at each date, as known on that date."""
    replayer = replayer or Replayer(definitions, observations)
    return [replayer.at(day).probability(scenario_id) for day in dates]


def score_path(
    definitions: Definitions,
    observations: Sequence[Observation],
    outcome: Outcome,
    start: dt.date | None = None,
    end: dt.date | None = None,
    step: str = "month",
    replayer: Replayer | None = None,
) -> PathScore | None:
    """Replay one resolved scenario and score it; None when the window holds no date."""
    scenario = definitions.scenarios[outcome.scenario]
    dates = replay_dates(scenario.prior_set_on, outcome.on, start, end, step)
    if not dates:
        return None
    last = dates[-1]
    forecasts = replay(definitions, observations, outcome.scenario, dates, replayer)
    prior = [scenario.prior] * len(dates)
    even = [0.5] * len(dates)
    watched = {i.id for i in definitions.indicators_for(outcome.scenario)}
    late = frozenset(
        o.id
        for o in observations
        if o.indicator in watched
        and not o.retracted
        and o.observed_on <= last
        and o.recorded_at.date() > last
    )
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
        len(late),
        late,
    )


def replay_dates(
    prior_set_on: dt.date,
    resolved_on: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
    step: str = "month",
) -> list[dt.date]:
    """The dates a resolved scenario's forecast is scored on.

    Only forecasts made strictly before the resolution date count: on that day the
    report that settled the question may already be in the log, and scoring it would
    reward hindsight. Weekly steps run every seven days from prior_set_on (so --from
    narrows the dates without moving them); monthly steps are the month ends from
    prior_set_on, ending on the eve of the resolution.
    """
    first = max(start or prior_set_on, prior_set_on)
    last = min(end or resolved_on, resolved_on - dt.timedelta(days=1))
    if first > last:
        return []
    if step == "week":
        skip = -(-(first - prior_set_on).days // 7)  # whole weeks to reach first
        day = prior_set_on + dt.timedelta(days=7 * skip)
        dates = []
        while day <= last:
            dates.append(day)
            day += dt.timedelta(days=7)
        return dates
    return steps(first, last, step)


def audit(
    definitions: Definitions, observations: Sequence[Observation], outcome: Outcome
) -> list[AuditRow]:
    """Which indicators of a resolved scenario pointed the right way, and which misled."""
    engine = Engine(definitions, observations, known_on=outcome.known_on)
    explanation = engine.explain(outcome.scenario, outcome.on)
    net: dict[str, float] = {}
    for c in explanation.contributions:
        # What the report added when it came in, before ageing: an indicator that fired
        # years before the resolution still fired, and the audit is about where it pointed.
        push = math.log(c.ratio) * c.trust * RETURNS ** (c.rank - 1)
        net[c.observation.indicator] = net.get(c.observation.indicator, 0.0) + push
    counted = [
        o for o in observations if o.known_on(outcome.known_on) and o.observed_on <= outcome.on
    ]
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
    order = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
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
    replayer = Replayer(definitions, observations)
    known = sorted(
        (o for o in outcomes if o.scenario in definitions.scenarios), key=lambda o: o.scenario
    )
    paths = []
    rows: list[AuditRow] = []
    for outcome in known:
        path = score_path(definitions, observations, outcome, start, end, step, replayer)
        if path is not None:
            paths.append(path)
        rows.extend(audit(definitions, observations, outcome))
    pairs = [(p, path.happened) for path in paths for p in path.forecasts]
    if not pairs:
        return Scorecard(paths, None, [], rows, known)
    decomposition, table = decompose(pairs)
    return Scorecard(paths, decomposition, table, rows, known)


def outcomes(resolutions: Iterable[Resolution], as_of: dt.date | None = None) -> list[Outcome]:
    """The scored outcomes of the current resolutions settled by as_of (void ones left out)."""
    return [
        Outcome(r.scenario, r.outcome == "happened", r.resolved_on, r.recorded_at.date())
        for r in current_resolutions(resolutions, as_of).values()
        if r.happened is not None
    ]


def score_resolutions(
    definitions: Definitions,
    observations: Sequence[Observation],
    resolutions: Iterable[Resolution],
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    step: str = "month",
    as_of: dt.date | None = None,
) -> Scorecard:
    """The scorecard of the current resolutions settled by as_of (default: all of them)."""
    current = current_resolutions(resolutions, as_of)
    defined = [r for r in current.values() if r.scenario in definitions.scenarios]
    card = scorecard(definitions, observations, outcomes(defined), start, end, step)
    return replace(
        card,
        void=sorted((r for r in defined if r.happened is None), key=lambda r: r.scenario),
        unknown=[r for r in current.values() if r.scenario not in definitions.scenarios],
    )


def awaiting_resolution(
    definitions: Definitions, resolutions: Iterable[Resolution], as_of: dt.date
) -> list[Scenario]:
    """Scenarios past their horizon at as_of with no current resolution settled by then."""
    current = current_resolutions(resolutions, as_of)
    return [s for s in definitions.scenarios.values() if s.horizon < as_of and s.id not in current]


def check_resolution(
    definitions: Definitions, scenario_id: str, resolved_on: dt.date, today: dt.date
) -> Scenario:
    """The scenario to resolve, if it exists and resolved_on suits it; raise otherwise."""
    from foresight.suggest import did_you_mean

    scenario = definitions.scenarios.get(scenario_id)
    if scenario is None:
        raise UnknownIdError(
            f"no scenario '{scenario_id}'{did_you_mean(scenario_id, definitions.scenarios)} "
            "(see 'foresight scenarios')"
        )
    if resolved_on < scenario.prior_set_on:
        raise InputError(
            f"the resolution date {resolved_on} is before {scenario_id}'s prior was set "
            f"({scenario.prior_set_on}); a forecast can only be scored from then on"
        )
    if resolved_on > today:
        raise InputError(
            f"the resolution date {resolved_on} is in the future (today is {today}); "
            "resolve a scenario once its outcome is known"
        )
    return scenario

"""The engine: priors plus graded, ageing evidence give each scenario's probability.

Pure: no files, no SQL, no templates. Invariants (each one a property test):

- Every probability lies strictly inside (0, 1).
- The result depends on the *set* of observations, never on their order.
- A report for a scenario never lowers it; a report against it never raises it.
- Reports sharing an event key count as one event (the most trustworthy report).
- Later distinct events of one indicator count less and less (ratio ``RETURNS``), so an
  indicator's evidence is at most ``1 / (1 - RETURNS)`` times its strongest event.
- Evidence halves every ``half_life_days``; lasting facts (no half-life) do not decay.
- Scenarios of one exclusive group are normalised together with a "none of these"
  remainder, so a group never sums above 1.

The maths, with a worked example, is in the README ("The maths of the engine").
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import math
import operator
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from foresight import scales
from foresight.loader import Definitions
from foresight.models import Indicator, Scenario
from foresight.records import Observation

RETURNS = 0.5  # each further distinct event of an indicator counts half the one before it
TOP_EVENTS = 64  # events beyond this rank weigh less than RETURNS**64 ~ 5e-20: dropped
MAX_LOG_RATIO = 20.0  # total evidence on a scenario is capped at a likelihood ratio of e^20
LN2 = math.log(2.0)
EPOCH_DATE = scales.EPOCH_DATE  # days are counted from here: small, exact decay exponents
EPOCH = EPOCH_DATE.toordinal()

Chain = tuple[str, bool]  # (indicator id, absent)
# One report inside the engine: (day, potential, event, id). The potential is
# log(trust) + day * ln2 / half-life, the report's weight at day 0 in log space, so that
# ranking events never depends on the date asked about. A report without an event key is
# an event of its own: its event is its id.
Entry = tuple[int, float, str | int, int]
# The columns a store hands the engine, in this order (observed_on a date or YYYY-MM-DD).
ROW_COLUMNS = (
    "id",
    "indicator",
    "observed_on",
    "absent",
    "strength",
    "reliability",
    "credibility",
    "event",
)


@dataclass(frozen=True, slots=True)
class Contribution:
    """How one observation moved one scenario."""

    observation: Observation
    ratio: float  # the indicator's likelihood ratio for this scenario
    trust: float  # strength x reliability x credibility, in (0, 1]
    decay: float  # share left after ageing, in (0, 1]
    rank: int  # 1 for the indicator's strongest event, 2 for the next, …
    log_odds: float  # what it added to the scenario's log-odds (before capping)
    points: float  # probability now minus probability without it, in [-1, 1]


@dataclass(frozen=True, slots=True)
class Signpost:
    """An indicator not yet seen, and what seeing it (or its absence) would do."""

    indicator: Indicator
    absent: bool
    ratio: float
    probability_if_seen: float  # the scenario's probability if it were seen today


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario's standing at a date."""

    scenario: Scenario
    probability: float
    log_ratio: float  # total log-likelihood ratio of the evidence, after capping

    @property
    def id(self) -> str:
        """The scenario's id."""
        return self.scenario.id

    @property
    def prior(self) -> float:
        """The scenario's prior."""
        return self.scenario.prior


@dataclass(frozen=True)
class Assessment:
    """Every scenario's probability at one date."""

    as_of: dt.date
    results: dict[str, ScenarioResult]
    counted: int  # observations that took part (dated by as_of, known, not retracted)

    def probability(self, scenario_id: str) -> float:
        """The probability of one scenario."""
        return self.results[scenario_id].probability

    def ranked(self) -> list[ScenarioResult]:
        """Scenarios from most to least likely (ties keep definition order)."""
        return sorted(self.results.values(), key=lambda r: -r.probability)

    @property
    def favoured(self) -> ScenarioResult:
        """The most likely scenario."""
        return self.ranked()[0]


@dataclass(frozen=True)
class Explanation:
    """Why a scenario stands where it does."""

    assessment: Assessment
    result: ScenarioResult
    contributions: list[Contribution]
    signposts: list[Signpost]
    overdue: list[Indicator]
    repeats: int  # reports that repeat an event already counted, or rank too low to matter


@dataclass(frozen=True)
class CallChanger:
    """An unseen indicator and what seeing it would do to the favoured scenario's lead."""

    indicator: Indicator
    absent: bool
    favoured: str  # who would be favoured after seeing it
    margin: float  # favoured minus runner-up after seeing it (original pair)


def _better(entry: Entry, current: Entry | None) -> bool:
    # Which report stands for an event: the strongest; on a tie the earliest logged.
    return (
        current is None
        or entry[1] > current[1]
        or (entry[1] == current[1] and entry[3] < current[3])
    )


_potential = operator.itemgetter(1)


@dataclass
class _Chain:
    """One (indicator, absent) chain's reports, split by whether they carry an event key."""

    rate: float  # ln2 / half-life per day, 0 for lasting facts
    unkeyed: list[Entry] = field(default_factory=list)  # sorted by date
    keyed: list[Entry] = field(default_factory=list)  # sorted by date
    unkeyed_days: list[int] = field(default_factory=list)
    keyed_days: list[int] = field(default_factory=list)


@dataclass
class _ChainState:
    """A chain at one date: the reports standing for keyed events, and the top events."""

    rate: float
    best: dict[str, Entry] = field(default_factory=dict)  # keyed event -> standing report
    top: list[Entry] = field(default_factory=list)  # strongest first, at most TOP_EVENTS

    def weight(self, day: int) -> float:
        """Sum over the top events of their aged weight times RETURNS**(rank - 1)."""
        total = 0.0
        factor = 1.0
        shift = day * self.rate
        for entry in self.top:
            total += math.exp(entry[1] - shift) * factor
            factor *= RETURNS
        return total


def _top(candidates: Iterable[Entry], keyed: Iterable[Entry]) -> list[Entry]:
    """The strongest TOP_EVENTS events, strongest first."""
    return heapq.nlargest(TOP_EVENTS, itertools.chain(candidates, keyed), key=_potential)


class Engine:
    """Answer questions about one set of definitions and one observation log."""

    def __init__(
        self,
        definitions: Definitions,
        observations: Iterable[Observation] = (),
        *,
        known_on: dt.date | None = None,
    ) -> None:
        """Keep the observations that count: not retracted (or, with known_on, those
        recorded and not yet retracted by the end of that day) and of known indicators."""
        self.definitions = definitions
        self.known_on = known_on
        self.observations: dict[int, Observation] = {}
        self._load: Callable[[Collection[int]], dict[int, Observation]] | None = None
        self.ignored = 0  # observations of indicators the definitions no longer have
        self._ratios: dict[Chain, dict[str, float]] = {}
        self._rates: dict[str, float] = {}
        for indicator in definitions.indicators.values():
            half_life = indicator.half_life_days
            self._rates[indicator.id] = LN2 / half_life if half_life else 0.0
            for absent in (False, True):
                logs: dict[str, float] = {}
                for scenario_id, weight in indicator.weights.items():
                    if scenario_id not in definitions.scenarios:
                        continue
                    ratio = weight.absent_ratio if absent else weight.observed_ratio
                    if ratio != 1.0:
                        logs[scenario_id] = math.log(ratio)
                self._ratios[(indicator.id, absent)] = logs
        self._chains: dict[Chain, _Chain] = {}
        self._cache: dict[int, tuple[dict[Chain, _ChainState], dict[str, float], int]] = {}
        kept = []
        for obs in observations:
            if known_on is not None:
                if not obs.known_on(known_on):
                    continue
            elif obs.retracted:
                continue
            self.observations[obs.id] = obs
            kept.append(
                (
                    obs.id,
                    obs.indicator,
                    obs.observed_on,
                    obs.absent,
                    obs.strength,
                    obs.reliability,
                    obs.credibility,
                    obs.event,
                )
            )
        self._ingest(kept)

    @classmethod
    def from_rows(cls, definitions: Definitions, rows: Iterable[Sequence[object]]) -> Engine:
        """An engine over compact rows (ROW_COLUMNS) of the observations that count.

        The fast path for large logs: the store filters retractions and hands over only
        the columns the engine needs; `explain` needs full observations instead."""
        engine = cls(definitions)
        engine._ingest(rows)
        return engine

    @classmethod
    def from_scored_rows(
        cls,
        definitions: Definitions,
        rows: Iterable[Sequence[object]],
        load: Callable[[Collection[int]], dict[int, Observation]] | None = None,
    ) -> Engine:
        """An engine over rows the store has already scored: (id, indicator, absent, day,
        log_trust, event), day counted from EPOCH_DATE and log_trust = ln(trust).

        The fastest path: the store computes what does not depend on the definitions.
        load(ids) fetches the full observations that explanations show, when asked."""
        engine = cls(definitions)
        engine._load = load
        # indicator -> [observed chain, absent chain]: absent indexes it (0/1 or a bool)
        targets: dict[object, list[tuple[_Chain, float] | None] | None] = {}
        for rid, indicator, absent, day, log_trust, event in rows:
            pair = targets.get(indicator, False)
            if pair is False:
                pair = targets[indicator] = (
                    [engine._target(indicator, False), engine._target(indicator, True)]
                    if indicator in engine._rates
                    else None
                )
            if pair is None:
                engine.ignored += 1
                continue
            holder, rate = pair[absent]  # type: ignore[index,misc]
            if event:
                holder.keyed.append((day, log_trust + day * rate, event, rid))  # type: ignore[operator]
            else:
                holder.unkeyed.append((day, log_trust + day * rate, rid, rid))  # type: ignore[operator]
        engine._finish()
        return engine

    def _observations_for(self, ids: Iterable[int]) -> dict[int, Observation]:
        """The full observations behind these ids, loading any the engine lacks."""
        wanted = set(ids)
        missing = wanted - self.observations.keys()
        if missing:
            if self._load is None:
                raise ValueError("explanations need the full observations or a loader")
            self.observations.update(self._load(missing))
        return self.observations

    def _target(self, indicator: object, absent: object) -> tuple[_Chain, float] | None:
        """The chain a report of (indicator, absent) joins, or None for an unknown indicator."""
        rate = self._rates.get(str(indicator))
        if rate is None:
            return None
        chain = self._chains.setdefault((str(indicator), bool(absent)), _Chain(rate))
        return chain, rate

    def _ingest(self, rows: Iterable[Sequence[object]]) -> None:
        days: dict[object, int] = {}
        trusts: dict[tuple[object, object, object], float] = {}
        targets: dict[tuple[object, object], tuple[_Chain, float] | None] = {}
        for rid, indicator, observed_on, absent, strength, reliability, credibility, event in rows:
            target = targets.get((indicator, absent), False)
            if target is False:
                target = targets[(indicator, absent)] = self._target(indicator, absent)
            if target is None:
                self.ignored += 1
                continue
            day = days.get(observed_on)
            if day is None:
                date = (
                    observed_on
                    if isinstance(observed_on, dt.date)
                    else dt.date.fromisoformat(str(observed_on))
                )
                day = days[observed_on] = date.toordinal() - EPOCH
            log_trust = trusts.get((strength, reliability, credibility))
            if log_trust is None:
                trust = scales.trust(float(strength), str(reliability), int(credibility))  # type: ignore[arg-type,call-overload]
                log_trust = trusts[(strength, reliability, credibility)] = math.log(trust)
            holder, rate = target  # type: ignore[misc]
            if event:
                holder.keyed.append((day, log_trust + day * rate, event, rid))  # type: ignore[arg-type]
            else:
                holder.unkeyed.append((day, log_trust + day * rate, rid, rid))  # type: ignore[arg-type]
        self._finish()

    def _finish(self) -> None:
        for holder in self._chains.values():
            holder.unkeyed.sort()
            holder.keyed.sort()
            holder.unkeyed_days = [e[0] for e in holder.unkeyed]
            holder.keyed_days = [e[0] for e in holder.keyed]
        self._chains = dict(sorted(self._chains.items()))

    @property
    def first_date(self) -> dt.date | None:
        """The date of the earliest observation that counts, if any."""
        days = [d[0] for c in self._chains.values() for d in (c.unkeyed_days, c.keyed_days) if d]
        return dt.date.fromordinal(min(days) + EPOCH) if days else None

    # -- state at dates ----------------------------------------------------------------

    def _states(self, day: int) -> dict[Chain, _ChainState]:
        """Each chain's standing reports and top events at one date."""
        states: dict[Chain, _ChainState] = {}
        for key, chain in self._chains.items():
            state = _ChainState(chain.rate)
            for entry in chain.keyed[: bisect.bisect_right(chain.keyed_days, day)]:
                if _better(entry, state.best.get(entry[2])):
                    state.best[entry[2]] = entry
            unkeyed = chain.unkeyed[: bisect.bisect_right(chain.unkeyed_days, day)]
            state.top = _top(unkeyed, state.best.values())
            states[key] = state
        return states

    def _standing(self, day: int) -> tuple[dict[Chain, _ChainState], dict[str, float], int]:
        """States, evidence totals and the count at one date, computed once per date."""
        cached = self._cache.get(day)
        if cached is None:
            states = self._states(day)
            cached = (states, self._log_ratios(states, day), self._counted(day))
            self._cache[day] = cached
        return cached

    def _log_ratios(self, states: dict[Chain, _ChainState], day: int) -> dict[str, float]:
        totals = dict.fromkeys(self.definitions.scenarios, 0.0)
        for chain, state in states.items():  # sorted chain order: sums are order-free
            logs = self._ratios.get(chain)
            if not logs or not state.top:
                continue
            weight = state.weight(day)
            for scenario_id, log_ratio in logs.items():
                totals[scenario_id] += log_ratio * weight
        return totals

    def _assess(self, as_of: dt.date, totals: dict[str, float], counted: int) -> Assessment:
        probabilities = posterior(self.definitions.scenarios.values(), totals)
        results = {
            sid: ScenarioResult(s, probabilities[sid], _cap(totals[sid]))
            for sid, s in self.definitions.scenarios.items()
        }
        return Assessment(as_of, results, counted)

    def _counted(self, day: int) -> int:
        return sum(
            bisect.bisect_right(c.unkeyed_days, day) + bisect.bisect_right(c.keyed_days, day)
            for c in self._chains.values()
        )

    def assess(self, as_of: dt.date) -> Assessment:
        """Every scenario's probability using the observations dated on or before as_of."""
        _, totals, counted = self._standing(as_of.toordinal() - EPOCH)
        return self._assess(as_of, totals, counted)

    def path(self, dates: Sequence[dt.date]) -> list[Assessment]:
        """Assessments at many dates in one sweep through the log (dates ascending).

        Each chain's reports are sorted by date once. Walking the dates, a chain merges
        only the reports new since the last date into its top events, so nothing is
        recomputed from scratch per date."""
        if list(dates) != sorted(dates):
            raise ValueError("dates must be in ascending order")
        days = [d.toordinal() - EPOCH for d in dates]
        totals = [dict.fromkeys(self.definitions.scenarios, 0.0) for _ in days]
        counted = [0] * len(days)
        for key, chain in self._chains.items():  # sorted chains: sums are order-free
            logs = self._ratios.get(key)
            state = _ChainState(chain.rate)
            seen_unkeyed = seen_keyed = 0
            weight = 0.0
            for index, day in enumerate(days):
                upto_unkeyed = bisect.bisect_right(chain.unkeyed_days, day, seen_unkeyed)
                upto_keyed = bisect.bisect_right(chain.keyed_days, day, seen_keyed)
                changed = upto_unkeyed > seen_unkeyed or upto_keyed > seen_keyed
                if changed:
                    updated: dict[str, Entry] = {}
                    for entry in chain.keyed[seen_keyed:upto_keyed]:
                        if _better(entry, state.best.get(entry[2])):
                            state.best[entry[2]] = updated[entry[2]] = entry
                    kept = [e for e in state.top if e[2] not in updated]
                    state.top = _top(
                        [*kept, *chain.unkeyed[seen_unkeyed:upto_unkeyed]], updated.values()
                    )
                    seen_unkeyed, seen_keyed = upto_unkeyed, upto_keyed
                counted[index] += seen_unkeyed + seen_keyed
                if not logs or not state.top:
                    continue
                if chain.rate or changed or not weight:
                    weight = state.weight(day)
                for scenario_id, log_ratio in logs.items():
                    totals[index][scenario_id] += log_ratio * weight
        return [
            self._assess(as_of, total, count)
            for as_of, total, count in zip(dates, totals, counted, strict=True)
        ]

    # -- explanations ------------------------------------------------------------------

    def explain(self, scenario_id: str, as_of: dt.date) -> Explanation:
        """The prior, every observation that moves the scenario, and what to watch."""
        scenarios = self.definitions.scenarios
        scenario = scenarios[scenario_id]
        day = as_of.toordinal() - EPOCH
        states, totals, counted = self._standing(day)
        assessment = self._assess(as_of, totals, counted)
        result = assessment.results[scenario_id]
        peers = [s for s in scenarios.values() if scenario.group and s.group == scenario.group]
        peers = peers or [scenario]
        contributions: list[Contribution] = []
        moving = 0
        observations = self._observations_for(
            entry[3]
            for chain, state in states.items()
            if any(p.id in self._ratios.get(chain, {}) for p in peers)
            for entry in state.top
        )
        for chain, state in states.items():
            logs = self._ratios.get(chain, {})
            if not any(p.id in logs for p in peers):
                continue
            reports = self._chains[chain]
            moving += bisect.bisect_right(reports.unkeyed_days, day)
            moving += bisect.bisect_right(reports.keyed_days, day)
            # Only the top events move a scenario: every other report repeats an event
            # already counted or ranks too low to matter.
            for rank, entry in enumerate(state.top, 1):
                term = math.exp(entry[1] - day * state.rate) * RETURNS ** (rank - 1)
                log_ratio = logs.get(scenario_id, 0.0)
                if scenario.group:
                    without = dict(totals)
                    for peer in peers:
                        without[peer.id] -= logs.get(peer.id, 0.0) * term
                    before = posterior(peers, without)[scenario_id]
                else:
                    before = _sigmoid(
                        scales.logit(scenario.prior) + _cap(totals[scenario_id] - log_ratio * term)
                    )
                points = result.probability - before
                obs = observations[entry[3]]
                contributions.append(
                    Contribution(
                        obs,
                        math.exp(log_ratio),
                        scales.trust(obs.strength, obs.reliability, obs.credibility),
                        math.exp(-(day - entry[0]) * state.rate),
                        rank,
                        log_ratio * term,
                        points,
                    )
                )
        repeats = moving - len(contributions)
        contributions.sort(key=lambda c: (-abs(c.points), -abs(c.log_odds), c.observation.id))
        signposts = self._signposts(scenario, states, totals, as_of)
        overdue = self.overdue(as_of, scenario_id, states)
        return Explanation(assessment, result, contributions, signposts, overdue, repeats)

    def _signposts(
        self,
        scenario: Scenario,
        states: dict[Chain, _ChainState],
        totals: dict[str, float],
        as_of: dt.date,
    ) -> list[Signpost]:
        day = as_of.toordinal() - EPOCH
        out: list[Signpost] = []
        for indicator in self.definitions.indicators_for(scenario.id):
            seen = states.get((indicator.id, False))
            if seen is not None and seen.top:
                continue
            for absent in (False, True):
                logs = self._ratios[(indicator.id, absent)]
                if scenario.id not in logs:
                    continue
                new = self._with_fresh_event(states, totals, (indicator.id, absent), day)
                probabilities = posterior(self.definitions.scenarios.values(), new)
                out.append(
                    Signpost(
                        indicator, absent, math.exp(logs[scenario.id]), probabilities[scenario.id]
                    )
                )
        out.sort(key=lambda s: (-abs(math.log(s.ratio)), s.indicator.id, s.absent))
        return out

    def _with_fresh_event(
        self, states: dict[Chain, _ChainState], totals: dict[str, float], chain: Chain, day: int
    ) -> dict[str, float]:
        """Totals if a fully trusted report of the chain's indicator came in today."""
        state = states.get(chain)
        before = state.weight(day) if state and state.top else 0.0
        after = 1.0 + RETURNS * before
        new = dict(totals)
        for scenario_id, log_ratio in self._ratios[chain].items():
            new[scenario_id] += log_ratio * (after - before)
        return new

    def overdue(
        self,
        as_of: dt.date,
        scenario_id: str | None = None,
        states: dict[Chain, _ChainState] | None = None,
    ) -> list[Indicator]:
        """Indicators past their expected_by date with no observation of them."""
        day = as_of.toordinal() - EPOCH
        states = states if states is not None else self._standing(day)[0]
        out = []
        for indicator in self.definitions.indicators.values():
            if scenario_id is not None and scenario_id not in indicator.weights:
                continue
            if indicator.expected_by is None or indicator.expected_by >= as_of:
                continue
            seen = states.get((indicator.id, False))
            if seen is None or not seen.top:
                out.append(indicator)
        return out

    def call_changers(self, as_of: dt.date, limit: int = 3) -> list[CallChanger]:
        """Unseen indicators that would most narrow or flip the favoured scenario's lead."""
        day = as_of.toordinal() - EPOCH
        states, totals, _ = self._standing(day)
        scenarios = self.definitions.scenarios
        ranked = sorted(posterior(scenarios.values(), totals).items(), key=lambda kv: -kv[1])
        if len(ranked) < 2:
            return []
        first, second = ranked[0][0], ranked[1][0]
        margin = ranked[0][1] - ranked[1][1]
        out: list[CallChanger] = []
        for indicator in self.definitions.indicators.values():
            seen = states.get((indicator.id, False))
            if seen is not None and seen.top:
                continue
            for absent in (False, True):
                chain = (indicator.id, absent)
                logs = self._ratios[chain]
                if first not in logs and second not in logs:
                    continue
                new = posterior(
                    scenarios.values(), self._with_fresh_event(states, totals, chain, day)
                )
                leader = sorted(new.items(), key=lambda kv: -kv[1])[0][0]
                after = new[first] - new[second]
                if after < margin:
                    out.append(CallChanger(indicator, absent, leader, after))
        out.sort(key=lambda c: (c.margin, c.indicator.id, c.absent))
        return out[:limit]


def _cap(log_ratio: float) -> float:
    return max(-MAX_LOG_RATIO, min(MAX_LOG_RATIO, log_ratio))


def posterior(scenarios: Iterable[Scenario], totals: dict[str, float]) -> dict[str, float]:
    """Turn each scenario's total log-likelihood ratio into its probability.

    Independent scenarios: logit(p) = logit(prior) + total. An exclusive group's members
    and its "none of these" remainder (prior 1 - sum of priors, ratio 1) are normalised
    together.
    """
    out: dict[str, float] = {}
    groups: dict[str, list[Scenario]] = defaultdict(list)
    for scenario in scenarios:
        if scenario.group:
            groups[scenario.group].append(scenario)
        else:
            out[scenario.id] = _sigmoid(scales.logit(scenario.prior) + _cap(totals[scenario.id]))
    for members in groups.values():
        remainder = 1.0 - sum(s.prior for s in members)
        logs = [math.log(s.prior) + _cap(totals[s.id]) for s in members]
        top = max([*logs, math.log(remainder)])
        denominator = math.exp(math.log(remainder) - top) + sum(math.exp(v - top) for v in logs)
        for scenario, value in zip(members, logs, strict=True):
            out[scenario.id] = math.exp(value - top) / denominator
    return out


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)

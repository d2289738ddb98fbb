"""The engine: priors plus graded, ageing evidence give each scenario's probability.

Pure: no files, no SQL, no templates. Invariants (each one a property test):

- Every probability lies strictly inside (0, 1).
- The result depends on the *set* of observations, never on their order.
- A report for a scenario never lowers it; a report against it never raises it.
- Reports sharing an event key count as one event: as trusted as its most trustworthy
  report, and as old as its earliest (a later report may raise trust, not freshness).
- Later distinct events of one indicator count less and less (ratio ``RETURNS``), so an
  indicator's evidence is at most ``1 / (1 - RETURNS)`` times its strongest event.
- Evidence halves every ``half_life_days``; lasting facts (no half-life) do not decay.
- Reports of absence always age (``Indicator.absent_half_life``): absence is a snapshot.
- A weight that ``settles`` a scenario never ages for that scenario.
- Scenarios of one exclusive group are normalised together with a "none of these"
  remainder, so a group never sums above 1.

The maths, with a worked example, is in the README ("The maths of the engine").
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import hashlib
import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import foresight
from foresight import chains as chains_module
from foresight import scales, standing
from foresight.chains import (
    RETURNS,
    ChainLog,
    ChainState,
    Report,
    merge,
    strongest,
)
from foresight.definitions import Definitions
from foresight.records import Observation

if TYPE_CHECKING:
    from foresight.models import Indicator, Scenario


class Summary(Protocol):
    """What Engine.from_summary reads (the store's evidence summary)."""

    horizon: dt.date
    rows: Sequence[Sequence[object]]  # id, indicator, absent, day, log_trust, event
    counts: Sequence[Sequence[object]]  # indicator, absent, day, reports by that day


EVIDENCE_RANKS = 10  # events beyond this rank weigh < RETURNS**10 ~ 0.1% of the strongest
MAX_LOG_RATIO = 20.0  # total evidence on a scenario is capped at a likelihood ratio of e^20
LN2 = math.log(2.0)
EPOCH_DATE = scales.EPOCH_DATE  # days are counted from here: small, exact decay exponents
EPOCH = EPOCH_DATE.toordinal()

# (indicator id, absent, settling). A settling chain holds the same reports as the observed
# chain of its indicator but moves only the scenarios the indicator settles, without ageing.
Chain = tuple[str, bool, bool]
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
    # per scenario, the variance of its evidence in log-odds (only when asked for)
    variance: dict[str, float] | None = None

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
    overdue: list[Overdue]
    repeats: int  # reports that repeat an event already counted, or rank too low to matter


@dataclass(frozen=True, slots=True)
class WhatIf:
    """A signpost not yet observed and every scenario's probability if it were seen today."""

    indicator: Indicator
    absent: bool  # True: if looked for and not found
    probabilities: dict[str, float]


@dataclass(frozen=True, slots=True)
class Overdue:
    """An indicator past its expected_by date that no report has observed."""

    indicator: Indicator
    absence_logged: bool  # a report of it being looked for and not found counts


@dataclass(frozen=True, slots=True)
class Settling:
    """A report that meets a scenario's resolution criterion (a weight with `settles:`)."""

    scenario: str
    outcome: str  # "happened" or "did-not-happen"
    indicator: str
    observation: int  # the id of the report (the most trusted one of its event)
    observed_on: dt.date  # the event's earliest date
    trust: float

    @property
    def actionable(self) -> bool:
        """Graded well enough to act on (scales.ACTIONABLE_TRUST)."""
        return self.trust >= scales.ACTIONABLE_TRUST - 1e-12


@dataclass(frozen=True, slots=True)
class ChainEvidence:
    """One chain's strongest events at a date, each with all its reports (strongest first)."""

    key: Chain
    rate: float  # ln2 / half-life per day
    logs: dict[str, float]  # ln(likelihood ratio) per scenario it moves
    events: list[Sequence[Report]]
    keys: list[object]  # each event's key (an unkeyed report's id)


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
        self._grade: Callable[[Collection[int]], Mapping[int, Any]] | None = None
        # observations of indicators the definitions no longer have, per indicator id
        self.unknown: dict[str, int] = defaultdict(int)
        self._ratios: dict[Chain, dict[str, float]] = {}
        self._rates: dict[Chain, float] = {}
        self._spreads: dict[Chain, dict[str, float]] = {}  # sd of each ln ratio (judgement)
        self._chains_of: dict[tuple[str, bool], list[Chain]] = {}
        for indicator in definitions.indicators.values():
            self._define(indicator)
        self._chains: dict[Chain, ChainLog] = {}
        self._shared: set[object] = set()  # event keys logged under more than one chain
        self._horizon = -(10**9)  # the earliest day this engine answers (a summary's horizon)
        self._cache: dict[int, tuple[dict[Chain, ChainState], dict[str, float], int]] = {}
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
        grade: Callable[[Collection[int]], Mapping[int, Any]] | None = None,
    ) -> Engine:
        """An engine over rows the store has already scored: (id, indicator, absent, day,
        log_trust, event), day counted from EPOCH_DATE and log_trust = ln(trust).

        The fastest path: the store computes what does not depend on the definitions.
        load(ids) fetches the full observations that explanations show, when asked."""
        engine = cls(definitions)
        engine._load = load
        engine._grade = grade
        # indicator -> [observed chain, absent chain]: absent indexes it (0/1 or a bool)
        targets: dict[object, list[list[tuple[ChainLog, float]] | None] | None] = {}
        for rid, indicator, absent, day, log_trust, event in rows:
            pair = targets.get(indicator, False)
            if pair is False:
                pair = targets[indicator] = (
                    [engine._target(indicator, False), engine._target(indicator, True)]
                    if (indicator, False) in engine._chains_of
                    else None
                )
            if pair is None:
                engine.unknown[str(indicator)] += 1
                continue
            for holder, rate in pair[absent]:  # type: ignore[index,union-attr]
                if event:
                    holder.keyed.append((day, log_trust + day * rate, event, rid))  # type: ignore[operator]
                else:
                    holder.unkeyed.append((day, log_trust + day * rate, rid, rid))  # type: ignore[operator]
        engine._finish()
        return engine

    @classmethod
    def from_summary(
        cls,
        definitions: Definitions,
        evidence: Summary,
        load: Callable[[Collection[int]], dict[int, Observation]] | None = None,
        grade: Callable[[Collection[int]], Mapping[int, Any]] | None = None,
    ) -> Engine:
        """An engine over the store's evidence summary (rows as from_scored_rows takes, of
        only the reports that can still count, and how many reports each chain has by
        day). It answers dates from evidence.horizon on, exactly as one over the whole log;
        earlier dates raise ValueError."""
        engine = cls.from_scored_rows(definitions, evidence.rows, load, grade)
        engine.unknown.clear()
        totals: dict[tuple[str, bool], list[tuple[int, int]]] = defaultdict(list)
        for indicator, absent, day, reports in evidence.counts:
            totals[(str(indicator), bool(absent))].append((int(day), int(reports)))
        for (indicator, absent), tally in totals.items():
            keys = engine._chains_of.get((indicator, absent))
            if keys is None:
                engine.unknown[indicator] += sum(n for _, n in tally)
                continue
            tally.sort()
            days = [day for day, _ in tally]
            running = list(itertools.accumulate(n for _, n in tally))
            for key in keys:
                chain = engine._chains.get(key)
                if chain is None:  # counted reports with nothing kept: cannot happen
                    chain = engine._chains[key] = ChainLog(engine._rates[key], copy=key[2])
                chain.count_days, chain.count_totals = days, running
        engine._chains = dict(sorted(engine._chains.items()))
        engine._horizon = evidence.horizon.toordinal() - EPOCH
        return engine

    def rankings(self) -> dict[tuple[str, bool], str]:
        """Per (indicator, absent), how the store's evidence summary must rank its reports:
        by the decay rates of the indicator's chains, or every report kept when a weight
        settles a scenario (settling lists every report meeting the criterion)."""
        out: dict[tuple[str, bool], str] = {}
        for (indicator_id, absent), keys in self._chains_of.items():
            settles = not absent and any(
                w.settles and sid in self.definitions.scenarios
                for sid, w in self.definitions.indicators[indicator_id].weights.items()
            )
            out[(indicator_id, absent)] = standing.encode(
                (self._rates[key] for key in keys), keep_all=settles
            )
        return out

    def fingerprint(self) -> str:
        """A digest of everything the definitions give the engine's evidence totals, their
        variance and counts (chains, ratios, spreads, decay rates, scenarios) and of the
        code that weighs them: equal fingerprints weigh any log alike."""
        digest = hashlib.sha256()
        for module in (__file__, chains_module.__file__, scales.__file__):
            try:
                digest.update(Path(module).read_bytes())
            except OSError:  # code not kept as files: its version stands for it
                digest.update(foresight.__version__.encode())
        for part in (
            sorted(self.definitions.scenarios),
            sorted((k, sorted(v.items())) for k, v in self._ratios.items()),
            sorted((k, sorted(v.items())) for k, v in self._spreads.items()),
            sorted(self._rates.items()),
            sorted((k, sorted(v)) for k, v in self._chains_of.items()),
        ):
            digest.update(repr(part).encode())
        return digest.hexdigest()

    def assessed(
        self,
        as_of: dt.date,
        totals: dict[str, float],
        counted: int,
        variance: dict[str, float] | None = None,
    ) -> Assessment:
        """The assessment that evidence totals (as path gives them) make at as_of."""
        assessment = self._assess(as_of, totals, counted)
        return (
            assessment if variance is None else dataclasses.replace(assessment, variance=variance)
        )

    def _check(self, day: int) -> None:
        if day < self._horizon:
            raise ValueError(
                "this engine reads the evidence summary, which answers dates from "
                f"{dt.date.fromordinal(self._horizon + EPOCH)} on"
            )

    @property
    def ignored(self) -> int:
        """How many observations name an indicator the definitions do not have."""
        return sum(self.unknown.values())

    def observation(self, observation_id: int) -> Observation:
        """One full observation (loaded from the store when the engine has only rows)."""
        return self._observations_for([observation_id])[observation_id]

    def gradings(self, ids: Iterable[int]) -> Mapping[int, Any]:
        """Each report's source, reliability and credibility by id (a store's light query
        when the engine has only rows, else the observations themselves)."""
        wanted = set(ids)
        if self._grade is not None and not wanted <= self.observations.keys():
            return self._grade(wanted)
        return self.load_observations(wanted)

    def load_observations(self, ids: Iterable[int]) -> dict[int, Observation]:
        """Full observations by id (loaded from the store when the engine has only rows)."""
        wanted = set(ids)
        found = self._observations_for(wanted)
        return {i: found[i] for i in wanted}

    def _observations_for(self, ids: Iterable[int]) -> dict[int, Observation]:
        """The full observations behind these ids, loading any the engine lacks."""
        wanted = set(ids)
        missing = wanted - self.observations.keys()
        if missing:
            if self._load is None:
                raise ValueError("explanations need the full observations or a loader")
            self.observations.update(self._load(missing))
        return self.observations

    def _define(self, indicator: Indicator) -> None:
        """Set up the chains of one indicator: their ratios per scenario and decay rates."""
        half_life = indicator.half_life_days
        rate = LN2 / half_life if half_life else 0.0
        observed: dict[str, float] = {}
        settling: dict[str, float] = {}
        absent: dict[str, float] = {}
        for scenario_id, weight in indicator.weights.items():
            if scenario_id not in self.definitions.scenarios:
                continue
            if weight.observed_ratio != 1.0:
                lasting = weight.settles is not None and rate > 0.0
                (settling if lasting else observed)[scenario_id] = math.log(weight.observed_ratio)
            if weight.absent_ratio != 1.0:
                absent[scenario_id] = math.log(weight.absent_ratio)
        chains: list[tuple[Chain, dict[str, float], float]] = [
            ((indicator.id, False, False), observed, rate),
            ((indicator.id, True, False), absent, LN2 / indicator.absent_half_life),
        ]
        if settling:
            chains.append(((indicator.id, False, True), settling, 0.0))
        spreads: dict[bool, dict[str, float]] = {False: {}, True: {}}
        for scenario_id, weight in indicator.weights.items():
            spreads[False][scenario_id] = scales.log_ratio_spread(weight.observed)
            spreads[True][scenario_id] = scales.log_ratio_spread(
                weight.absent if weight.absent is not None else 1.0
            )
        for key, logs, chain_rate in chains:
            self._spreads[key] = {sid: spreads[key[1]][sid] for sid in logs}
            self._ratios[key] = logs
            self._rates[key] = chain_rate
            self._chains_of.setdefault((key[0], key[1]), []).append(key)

    def _target(self, indicator: object, absent: object) -> list[tuple[ChainLog, float]] | None:
        """The chains a report of (indicator, absent) joins, or None for an unknown indicator."""
        keys = self._chains_of.get((str(indicator), bool(absent)))
        if keys is None:
            return None
        out = []
        for key in keys:
            chain = self._chains.get(key)
            if chain is None:
                chain = self._chains[key] = ChainLog(self._rates[key], copy=key[2])
            out.append((chain, chain.rate))
        return out

    def _ingest(self, rows: Iterable[Sequence[object]]) -> None:
        days: dict[object, int] = {}
        trusts: dict[tuple[object, object, object], float] = {}
        targets: dict[tuple[object, object], list[tuple[ChainLog, float]] | None] = {}
        for rid, indicator, observed_on, absent, strength, reliability, credibility, event in rows:
            target = targets.get((indicator, absent), False)
            if target is False:
                target = targets[(indicator, absent)] = self._target(indicator, absent)
            if target is None:
                self.unknown[str(indicator)] += 1
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
            for holder, rate in target:  # type: ignore[union-attr]
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
        holders: dict[object, set[tuple[str, bool]]] = defaultdict(set)
        for key, chain in self._chains.items():
            if not chain.copy:
                for entry in chain.keyed:
                    holders[entry[2]].add(key[:2])  # type: ignore[arg-type]
        self._shared = {event for event, chains in holders.items() if len(chains) > 1}

    def _shared_exclusions(
        self, states: Mapping[Chain, ChainState], day: int
    ) -> dict[tuple[Chain, str], set[object]]:
        """Which shared events each (chain, scenario) must leave out: an event key logged
        under several indicators (or sides) moves each scenario once, through the chain
        where it adds most to that scenario (its marginal term; ties to the later chain)."""
        holders: dict[object, list[Chain]] = defaultdict(list)
        for chain, state in states.items():
            for event in state.holding(self._shared):
                holders[event].append(chain)
        excluded: dict[tuple[Chain, str], set[object]] = defaultdict(set)
        for event, chains in holders.items():
            if len(chains) < 2:
                continue
            # what the event adds to each chain's weight
            share = {c: states[c].share(day, event) for c in chains}
            by_scenario: dict[str, list[Chain]] = defaultdict(list)
            for chain in chains:
                for scenario_id in self._ratios.get(chain, {}):
                    by_scenario[scenario_id].append(chain)
            for scenario_id, moving in by_scenario.items():
                if len(moving) < 2:
                    continue
                marginal = {c: abs(self._ratios[c][scenario_id]) * share[c] for c in moving}
                best = max(moving, key=lambda c: (marginal[c], c))
                for chain in moving:
                    if chain != best:
                        excluded[(chain, scenario_id)].add(event)
        return excluded

    def _dedupe(
        self, states: Mapping[Chain, ChainState], day: int, totals: dict[str, float]
    ) -> None:
        """Take shared events' weaker appearances out of the totals (see _shared_exclusions)."""
        changes: dict[tuple[Chain, frozenset[object]], float] = {}  # one pass per chain and set
        for (chain, scenario_id), events in self._shared_exclusions(states, day).items():
            key = (chain, frozenset(events))
            change = changes.get(key)
            if change is None:
                state = states[chain]
                if len(events) == 1:
                    change = -state.share(day, next(iter(events)))
                else:
                    change = state.weight(day, events) - state.weight(day)
                changes[key] = change
            totals[scenario_id] += self._ratios[chain][scenario_id] * change

    @property
    def first_date(self) -> dt.date | None:
        """The date of the earliest observation that counts, if any (not known to an
        engine over the evidence summary, which raises ValueError)."""
        if any(c.count_days is not None for c in self._chains.values()):
            raise ValueError("an engine over the evidence summary does not hold early reports")
        days = [d[0] for c in self._chains.values() for d in (c.unkeyed_days, c.keyed_days) if d]
        return dt.date.fromordinal(min(days) + EPOCH) if days else None

    # -- state at dates ----------------------------------------------------------------

    def _states(self, day: int) -> dict[Chain, ChainState]:
        """Each chain's standing reports and top events at one date."""
        states: dict[Chain, ChainState] = {}
        for key, chain in self._chains.items():
            state = ChainState(chain.rate)
            for entry in chain.keyed[: bisect.bisect_right(chain.keyed_days, day)]:
                merged = merge(entry, state.best.get(entry[2]), chain.rate)
                if merged is not None:
                    state.best[entry[2]] = merged
            unkeyed = chain.unkeyed[: bisect.bisect_right(chain.unkeyed_days, day)]
            state.top = strongest(unkeyed, state.best.values())
            states[key] = state
        return states

    def _standing(self, day: int) -> tuple[dict[Chain, ChainState], dict[str, float], int]:
        """States, evidence totals and the count at one date, computed once per date."""
        cached = self._cache.get(day)
        if cached is None:
            self._check(day)
            states = self._states(day)
            cached = (states, self._log_ratios(states, day), self._counted(day))
            self._cache[day] = cached
        return cached

    def _log_ratios(self, states: dict[Chain, ChainState], day: int) -> dict[str, float]:
        totals = dict.fromkeys(self.definitions.scenarios, 0.0)
        for chain, state in states.items():  # sorted chain order: sums are order-free
            logs = self._ratios.get(chain)
            if not logs or not state.top:
                continue
            weight = state.weight(day)
            for scenario_id, log_ratio in logs.items():
                totals[scenario_id] += log_ratio * weight
        if self._shared:
            self._dedupe(states, day, totals)
        return totals

    def _assess(self, as_of: dt.date, totals: dict[str, float], counted: int) -> Assessment:
        probabilities = posterior(self.definitions.scenarios.values(), totals)
        results = {
            sid: ScenarioResult(s, probabilities[sid], _cap(totals[sid]))
            for sid, s in self.definitions.scenarios.items()
        }
        return Assessment(as_of, results, counted)

    def _counted(self, day: int) -> int:
        return sum(c.reports_by(day) for c in self._chains.values() if not c.copy)

    def _variance_terms(
        self, totals: dict[str, float], chain: Chain, state: ChainState, day: int
    ) -> None:
        """Add one chain's contribution to the per-scenario log-odds variance in totals."""
        weight = state.weight(day)
        trust = state.trust_variance(day)
        spreads = self._spreads[chain]
        for scenario_id, log_ratio in self._ratios[chain].items():
            spread = spreads[scenario_id]
            totals[scenario_id] += (weight * spread) ** 2 + log_ratio * log_ratio * trust

    def variance(self, as_of: dt.date) -> dict[str, float]:
        """Per scenario, the variance of its evidence in log-odds at as_of: the spread of
        the weight words (scales.WEIGHT_RANGES, shared by a chain's events) plus the
        uncertainty of each event's trust."""
        day = as_of.toordinal() - EPOCH
        states = self._standing(day)[0]
        out = dict.fromkeys(self.definitions.scenarios, 0.0)
        for chain, state in states.items():
            if state.top and self._ratios.get(chain):
                self._variance_terms(out, chain, state, day)
        return out

    def assess(self, as_of: dt.date) -> Assessment:
        """Every scenario's probability using the observations dated on or before as_of."""
        _, totals, counted = self._standing(as_of.toordinal() - EPOCH)
        return self._assess(as_of, totals, counted)

    def path(self, dates: Sequence[dt.date], spread: bool = False) -> list[Assessment]:
        """Assessments at many dates in one sweep through the log (dates ascending); with
        spread, each carries the variance of every scenario's evidence (see variance).

        Each chain's reports are sorted by date once. Walking the dates, a chain merges
        only the reports new since the last date into its top events, and its weight is
        summed again only when they change (see foresight.chains)."""
        if list(dates) != sorted(dates):
            raise ValueError("dates must be in ascending order")
        days = [d.toordinal() - EPOCH for d in dates]
        if days:
            self._check(days[0])
        chains = list(self._chains.items())  # sorted chains: sums are order-free
        states = {key: ChainState(chain.rate) for key, chain in chains}
        seen = {key: (0, 0) for key, _ in chains}  # (unkeyed, keyed) reports merged so far
        out = []
        for as_of, day in zip(dates, days, strict=True):
            totals = dict.fromkeys(self.definitions.scenarios, 0.0)
            variance = dict.fromkeys(self.definitions.scenarios, 0.0) if spread else None
            counted = 0
            for key, chain in chains:
                state = states[key]
                seen_unkeyed, seen_keyed = seen[key]
                upto_unkeyed = bisect.bisect_right(chain.unkeyed_days, day, seen_unkeyed)
                upto_keyed = bisect.bisect_right(chain.keyed_days, day, seen_keyed)
                if upto_unkeyed > seen_unkeyed or upto_keyed > seen_keyed:
                    state.advance(chain, (seen_unkeyed, upto_unkeyed), (seen_keyed, upto_keyed))
                    seen[key] = (upto_unkeyed, upto_keyed)
                if not chain.copy:
                    counted += (
                        upto_unkeyed + upto_keyed
                        if chain.count_days is None
                        else chain.reports_by(day)
                    )
                logs = self._ratios.get(key)
                if not logs or not state.top:
                    continue
                weight = state.weight(day)
                for scenario_id, log_ratio in logs.items():
                    totals[scenario_id] += log_ratio * weight
                if variance is not None:
                    self._variance_terms(variance, key, state, day)
            if self._shared:
                self._dedupe(states, day, totals)
            assessment = self._assess(as_of, totals, counted)
            if variance is not None:
                assessment = dataclasses.replace(assessment, variance=variance)
            out.append(assessment)
        if days:
            self._cache.setdefault(days[-1], (states, totals, out[-1].counted))
        return out

    # -- the evidence behind a date ----------------------------------------------------

    def evidence(self, as_of: dt.date, ranks: int = EVIDENCE_RANKS) -> list[ChainEvidence]:
        """Each chain's strongest events at as_of (at most ranks), with every report of
        each event: what perturbations (a source removed, grades or weights changed) need
        to recompute the chain's weight exactly, up to events that weigh < 0.5**ranks."""
        day = as_of.toordinal() - EPOCH
        states = self._standing(day)[0]
        out = []
        for key, state in states.items():
            if not state.top or not self._ratios.get(key):
                continue
            chain = self._chains[key]
            top = state.top[:ranks]
            wanted = {e[2] for e in top if isinstance(e[2], str)}
            index: dict[str, list[Report]] = defaultdict(list)
            if wanted:
                upto = bisect.bisect_right(chain.keyed_days, day)
                rate = chain.rate
                for e in [e for e in chain.keyed[:upto] if e[2] in wanted]:
                    index[e[2]].append(Report(e[3], e[0], e[1] - e[0] * rate))  # type: ignore[index]
            events = [
                index[entry[2]]  # type: ignore[index]
                if isinstance(entry[2], str)
                else (Report(entry[3], entry[0], entry[1] - entry[0] * chain.rate),)
                for entry in top
            ]
            out.append(
                ChainEvidence(key, chain.rate, dict(self._ratios[key]), events, [e[2] for e in top])
            )
        return out

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
        excluded = self._shared_exclusions(states, day) if self._shared else {}
        share = _group_share(peers, peers.index(scenario))
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
            primary = self._ratios.get((chain[0], chain[1], False), {})
            if not reports.copy or not any(p.id in primary for p in peers):
                moving += reports.reports_by(day)
            # Only the top events move a scenario: every other report repeats an event
            # already counted or ranks too low to matter.
            # A shared event that moves the scenario through another chain is left out here.
            skip = excluded.get((chain, scenario_id), ())
            ranked = [e for e in state.top if e[2] not in skip] if skip else state.top
            for rank, entry in enumerate(ranked, 1):
                term = math.exp(entry[1] - day * state.rate) * RETURNS ** (rank - 1)
                log_ratio = logs.get(scenario_id, 0.0)
                if scenario.group:
                    before = share(
                        [totals[peer.id] - logs.get(peer.id, 0.0) * term for peer in peers]
                    )
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
        states: dict[Chain, ChainState],
        totals: dict[str, float],
        as_of: dt.date,
    ) -> list[Signpost]:
        day = as_of.toordinal() - EPOCH
        out: list[Signpost] = []
        for indicator in self.definitions.indicators_for(scenario.id):
            if self._seen(states, indicator.id, False):
                continue
            for absent in (False, True):
                logs = self._logs(indicator.id, absent)
                if scenario.id not in logs:
                    continue
                new = self._with_fresh_event(states, totals, indicator.id, absent, day)
                probabilities = posterior(self.definitions.scenarios.values(), new)
                out.append(
                    Signpost(
                        indicator, absent, math.exp(logs[scenario.id]), probabilities[scenario.id]
                    )
                )
        out.sort(key=lambda s: (-abs(math.log(s.ratio)), s.indicator.id, s.absent))
        return out

    def _seen(self, states: dict[Chain, ChainState], indicator_id: str, absent: bool) -> bool:
        """Whether a report of (indicator, absent) counts at the states' date."""
        state = states.get((indicator_id, absent, False))
        return state is not None and bool(state.top)

    def _logs(self, indicator_id: str, absent: bool) -> dict[str, float]:
        """Log-ratio per scenario of one (indicator, absent), over its chains."""
        out: dict[str, float] = {}
        for chain in self._chains_of.get((indicator_id, absent), []):
            out.update(self._ratios[chain])
        return out

    def _with_fresh_event(
        self,
        states: dict[Chain, ChainState],
        totals: dict[str, float],
        indicator_id: str,
        absent: bool,
        day: int,
    ) -> dict[str, float]:
        """Totals if a fully trusted report of (indicator, absent) came in that day."""
        new = dict(totals)
        for chain in self._chains_of.get((indicator_id, absent), []):
            state = states.get(chain)
            before = state.weight(day) if state and state.top else 0.0
            after = 1.0 + RETURNS * before
            for scenario_id, log_ratio in self._ratios[chain].items():
                new[scenario_id] += log_ratio * (after - before)
        return new

    def overdue(
        self,
        as_of: dt.date,
        scenario_id: str | None = None,
        states: dict[Chain, ChainState] | None = None,
    ) -> list[Overdue]:
        """Indicators past their expected_by date with no report of them being observed."""
        day = as_of.toordinal() - EPOCH
        states = states if states is not None else self._standing(day)[0]
        out = []
        for indicator in self.definitions.indicators.values():
            if scenario_id is not None and scenario_id not in indicator.weights:
                continue
            if indicator.expected_by is None or indicator.expected_by >= as_of:
                continue
            if not self._seen(states, indicator.id, False):
                out.append(Overdue(indicator, self._seen(states, indicator.id, True)))
        return out

    def what_ifs(self, as_of: dt.date) -> list[WhatIf]:
        """For every signpost not yet observed: the probabilities if it were seen that day
        (observed, or looked for and not found when its absence would move something)."""
        day = as_of.toordinal() - EPOCH
        states, totals, _ = self._standing(day)
        scenarios = self.definitions.scenarios.values()
        out: list[WhatIf] = []
        for indicator in self.definitions.indicators.values():
            if self._seen(states, indicator.id, False):
                continue
            for absent in (False, True):
                logs = self._logs(indicator.id, absent)
                if not logs:
                    continue
                new = self._with_fresh_event(states, totals, indicator.id, absent, day)
                out.append(WhatIf(indicator, absent, posterior(scenarios, new)))
        return out

    def settling(self, as_of: dt.date) -> dict[str, list[Settling]]:
        """Per scenario, the reports dated by as_of that meet its resolution criterion
        (a weight with `settles:`), most trusted first."""
        day = as_of.toordinal() - EPOCH
        self._check(day)
        found: dict[str, list[tuple[float, int, int, str, str]]] = defaultdict(list)
        for indicator in self.definitions.indicators.values():
            settled = {
                sid: w.settles
                for sid, w in indicator.weights.items()
                if w.settles and sid in self.definitions.scenarios
            }
            chain = self._chains.get((indicator.id, False, False))
            if not settled or chain is None:
                continue
            entries = [
                *chain.unkeyed[: bisect.bisect_right(chain.unkeyed_days, day)],
                *chain.keyed[: bisect.bisect_right(chain.keyed_days, day)],
            ]
            for entry in entries:
                trust = math.exp(entry[1] - entry[0] * chain.rate)
                for sid, outcome in settled.items():
                    found[sid].append((trust, entry[0], entry[3], indicator.id, outcome))
        out: dict[str, list[Settling]] = {}
        for sid, entries in found.items():
            entries.sort(key=lambda e: (-e[0], e[1], e[2]))
            out[sid] = [
                Settling(sid, outcome, ind, rid, dt.date.fromordinal(d + EPOCH), trust)
                for trust, d, rid, ind, outcome in entries
            ]
        return out


def _group_share(members: Sequence[Scenario], index: int) -> Callable[[list[float]], float]:
    """posterior(members, totals)[members[index].id] for an exclusive group, as a function
    of the members' totals in order: the same arithmetic, without building dicts (explain
    calls it once per contribution)."""
    log_rest = math.log(1.0 - sum(s.prior for s in members))
    log_priors = [math.log(s.prior) for s in members]

    def share(totals: list[float]) -> float:
        logs = [p + _cap(t) for p, t in zip(log_priors, totals, strict=True)]
        top = max([*logs, log_rest])
        denominator = math.exp(log_rest - top) + sum(math.exp(v - top) for v in logs)
        return math.exp(logs[index] - top) / denominator

    return share


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

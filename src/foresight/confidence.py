"""Uncertainty, robustness and analytic confidence. Pure, like the engine.

ICD 203 asks for two things about a judgement, kept apart: how likely it is (the
estimative phrase) and how confident the analysts are in it, from the quality and
quantity of the evidence behind it. This module derives the second from the log.

- **Interval.** Each weight word stands for a range of likelihood ratios
  (``scales.WEIGHT_RANGES``), each report's trust *w* is uncertain with variance
  w(1-w)/4. The engine propagates both analytically to a variance in log-odds
  (``Engine.variance``), turned here into an 80% interval per scenario: deterministic,
  and always containing the point probability. A group's answer is bounded by moving
  its own evidence to the 10th/90th percentile with the other answers held at their
  central values, so each bound is a coherent distribution over the group.
- **Robustness.** Would the call change if (a) one source's reports were removed,
  (b) every grade were one step worse, (c) every weight were one word weaker or stronger?
  Perturbations recompute the strongest events of each chain exactly (engine.evidence)
  and shift the engine's totals by the difference.
- **Confidence** high / moderate / low, by the rule in ``assess_confidence`` (documented
  in the README with its reasons).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from foresight import scales
from foresight.chains import Report, chain_weight, event_weight
from foresight.definitions import Definitions
from foresight.engine import ChainEvidence, posterior
from foresight.questions import AWAITING, OPEN, Question, Standing, outcome_probabilities, percent
from foresight.records import Resolution


class Graded(Protocol):
    """What the checks read of a report: its source and Admiralty grade."""

    source: str
    reliability: str
    credibility: int


HIGH, MODERATE, LOW = "high", "moderate", "low"
LEVELS = (LOW, MODERATE, HIGH)
FRESH = 0.5  # a report is fresh while it keeps at least half its weight (one half-life)
WELL_GRADED_RELIABILITY = frozenset("ABC")  # usually or fairly reliable, or better
WELL_GRADED_CREDIBILITY = frozenset({1, 2, 3})  # possibly true, or better
ENOUGH = 3  # fresh, well-graded supporting reports for high confidence
OTHERS = 2  # fewer supporting reports than this beside the main source: "rests mainly on it"
CONFLICT_LOW, CONFLICT_MODERATE = 0.5, 0.25  # opposing push as a share of the supporting
MATTERS = 0.005  # a source the call depends on moves its margin by at least half a point
WEIGHED_SOURCES = 12  # sources tried one by one: those carrying most of a question's evidence


@dataclass(frozen=True)
class Robustness:
    """Which perturbations flip a question's call, and the source it depends on most."""

    depends_most_on: str | None  # the source whose removal moves the call most
    flips: tuple[str, ...]  # the tests that flip the call, in the order they are tried
    source_flips: bool  # removing depends_most_on flips the call

    @property
    def sentence(self) -> str:
        """'robust to all three' or the first test that flips the call."""
        if not self.flips:
            return "robust to all three tests (a source removed, grades worse, weights off)"
        return "the call flips if " + self.flips[0]

    def as_json(self) -> dict[str, object]:
        """The robustness as the JSON contracts give it."""
        return {
            "depends_most_on": self.depends_most_on,
            "flips": list(self.flips),
            "first_flip": self.flips[0] if self.flips else None,
            "robust": not self.flips,
        }


@dataclass(frozen=True)
class Confidence:
    """Analytic confidence in one question's call, with its reasons and robustness."""

    level: str  # high, moderate or low
    reasons: tuple[str, ...]
    robustness: Robustness

    @property
    def sentence(self) -> str:
        """'moderate: rests mainly on one B2 source; two reports conflict'."""
        return f"{self.level}: " + "; ".join(self.reasons)

    def as_json(self) -> dict[str, object]:
        """The confidence as the JSON contracts give it."""
        return {
            "level": self.level,
            "reasons": list(self.reasons),
            "robustness": self.robustness.as_json(),
        }


# -- intervals ---------------------------------------------------------------------------


def intervals(
    standings: Mapping[str, Standing],
    totals: Mapping[str, float],
    variance: Mapping[str, float],
    definitions: Definitions,
) -> dict[str, tuple[float, float] | None]:
    """The 80% interval of every scenario's shown probability (None for a void one)."""
    out: dict[str, tuple[float, float] | None] = {}
    groups: dict[str, list[str]] = defaultdict(list)
    for sid, scenario in definitions.scenarios.items():
        if scenario.group:
            groups[scenario.group].append(sid)
    for sid, standing in standings.items():
        if standing.probability is None:
            out[sid] = None
        elif standing.resolution is not None:
            out[sid] = (standing.probability, standing.probability)
    for sid, scenario in definitions.scenarios.items():
        if sid in out or scenario.group:
            continue
        centre = scales.logit(scenario.prior) + _cap(totals[sid])
        half = scales.Z80 * math.sqrt(variance[sid])
        out[sid] = _around(
            standings[sid].probability, _sigmoid(centre - half), _sigmoid(centre + half)
        )
    for members in groups.values():
        scenarios = [definitions.scenarios[m] for m in members]
        for sid in members:
            if sid in out:
                continue
            half = scales.Z80 * math.sqrt(variance[sid])
            bounds = []
            for shift in (-half, half):
                moved = dict(totals)
                moved[sid] = _cap(totals[sid]) + shift
                forecast = posterior(scenarios, moved)[sid]
                bounds.append(forecast * _conditioning(standings, members))
            out[sid] = _around(standings[sid].probability, bounds[0], bounds[1])
    return out


def none_interval(
    members: Sequence[str],
    standings: Mapping[str, Standing],
    totals: Mapping[str, float],
    variance: Mapping[str, float],
    definitions: Definitions,
    point: float,
) -> tuple[float, float]:
    """The 80% interval of a group's "none of these": every member's evidence moved
    together by the spread of their probability-weighted sum."""
    live = [m for m in members if standings[m].resolution is None]
    total = sum(standings[m].forecast for m in live) or 1.0
    spread = math.sqrt(sum((standings[m].forecast / total) ** 2 * variance[m] for m in live))
    half = scales.Z80 * spread
    scenarios = [definitions.scenarios[m] for m in members]
    bounds = []
    for shift in (half, -half):
        moved = {m: _cap(totals[m]) + (shift if m in live else 0.0) for m in members}
        forecasts = posterior(scenarios, moved)
        resolutions = {m: standings[m].resolution for m in members if standings[m].resolution}
        shown = outcome_probabilities(scenarios, forecasts, resolutions)  # type: ignore[arg-type]
        bounds.append(max(0.0, 1.0 - sum(shown[m] or 0.0 for m in members)))
    return _around(point, bounds[0], bounds[1])


def _conditioning(standings: Mapping[str, Standing], members: Sequence[str]) -> float:
    """1 / (1 - the forecasts of members resolved as not happening): see questions."""
    gone = sum(standings[m].forecast for m in members if standings[m].resolution is not None)
    return 1.0 / (1.0 - gone) if gone < 1.0 else 0.0


def _around(point: float | None, low: float, high: float) -> tuple[float, float]:
    value = point if point is not None else (low + high) / 2
    return (min(low, high, value), max(low, high, value))


def _cap(value: float) -> float:
    return max(-20.0, min(20.0, value))


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


# -- robustness --------------------------------------------------------------------------

Reports = tuple[Report, ...]


def _weights(
    evidence: Sequence[ChainEvidence], day: int, change: Callable[[Reports], Reports] | None
) -> dict[tuple[str, bool, bool], float]:
    out = {}
    for chain in evidence:
        events = []
        for reports in chain.events:
            weight = event_weight(change(reports) if change else reports, day, chain.rate)
            if weight is not None:
                events.append(weight)
        out[chain.key] = chain_weight(events)
    return out


@dataclass
class _Setting:
    """What every perturbation of one date shares. Each perturbation is computed once, as a
    change of every scenario's evidence total; a question then reads only its members."""

    definitions: Definitions
    evidence: Sequence[ChainEvidence]
    observations: Mapping[int, Graded]
    totals: Mapping[str, float]  # the engine's evidence per scenario (capped)
    resolutions: Mapping[str, Resolution]  # those applying at the date
    day: int

    def __post_init__(self) -> None:
        self.base = _weights(self.evidence, self.day, None)
        holders: dict[object, set[tuple[str, bool]]] = defaultdict(set)
        for chain in self.evidence:
            for key in chain.keys:
                if isinstance(key, str):
                    # a settling copy stands for its indicator's observed side, which may
                    # move nothing else and so be missing from the evidence
                    holders[key].add(chain.key[:2])
        # event keys under several indicators or sides: perturbations then redo the
        # engine's rule that such an event moves each scenario once
        # (Engine._shared_exclusions)
        self.shared = {key for key, sides in holders.items() if len(sides) > 1}
        self._full_base: dict[str, float] | None = None
        self._base_ranked: dict[int, list[tuple[float, float, object]]] = {}
        self._by_scenario: dict[str, list[int]] | None = None
        self._sharing: dict[object, list[int]] | None = None
        self._subset_base: dict[tuple[int, ...], dict[str, float]] = {}
        self._source_sums: dict[str, list[tuple[int, float]]] = {}
        self._cache: dict[str, dict[str, float]] = {}
        self._by_source: dict[str, dict[int, list[int]]] | None = None
        self._events: dict[int, list[tuple[float, float, float] | None]] = {}
        self._terms: dict[int, list[tuple[float, Graded, bool]]] = {}
        self._order: dict[int, list[int]] = {}
        self._movers: dict[str, set[str]] | None = None

    def shown(self, question: Question, delta: Mapping[str, float] | None = None) -> dict:
        """The shown probabilities of a question's members with the evidence moved by delta."""
        members = [m.scenario for m in question.members]
        delta = delta or {}
        if question.kind == "yes-no" and members[0].id not in self.resolutions:
            only = members[0]  # the common case, without building a group's normalisation
            total = self.totals[only.id] + delta.get(only.id, 0.0)
            return {only.id: _sigmoid(scales.logit(only.prior) + _cap(total))}
        totals = {m.id: self.totals[m.id] + delta.get(m.id, 0.0) for m in members}
        return outcome_probabilities(members, posterior(members, totals), self.resolutions)

    def _ranked(
        self, c: int, change: Callable[[Reports], Reports] | None
    ) -> list[tuple[float, float, object]]:
        """A chain's events (potential, aged weight, key), strongest first, after change;
        unchanged, computed once."""
        if change is None and c in self._base_ranked:
            return self._base_ranked[c]
        chain = self.evidence[c]
        events = []
        for key, reports in zip(chain.keys, chain.events, strict=True):
            weight = event_weight(change(reports) if change else reports, self.day, chain.rate)
            if weight is not None:
                events.append((weight[0], weight[1], key))
        events.sort(key=lambda e: -e[0])
        if change is None:
            self._base_ranked[c] = events
        return events

    def _full(
        self,
        change: Callable[[Reports], Reports] | None = None,
        log_of: Callable[[ChainEvidence, str, float], float] | None = None,
        subset: Sequence[int] | None = None,
        altered: Collection[int] | None = None,
    ) -> dict[str, float]:
        """Every scenario's evidence over the chains (all, or subset: positions in evidence
        closed under sharing an event key), shared events moving each scenario once
        (through the chain where their marginal term is largest), as the engine does.
        change alters reports of the chains in altered only (all when None)."""
        ranked: list[list[tuple[float, float, object]]] = []
        logs: list[dict[str, float]] = []
        positions = subset if subset is not None else range(len(self.evidence))
        chosen = [self.evidence[c] for c in positions]
        for c, chain in zip(positions, chosen, strict=True):
            ranked.append(self._ranked(c, change if altered is None or c in altered else None))
            logs.append(
                {sid: log_of(chain, sid, log) if log_of else log for sid, log in chain.logs.items()}
            )

        def weight_of(events: list[tuple[float, float, object]], without: set[object]) -> float:
            total, factor = 0.0, 1.0
            for _, aged, key in events:
                if key not in without:
                    total += aged * factor
                    factor *= 0.5
            return total

        totals: dict[str, float] = defaultdict(float)
        whole = [weight_of(events, set()) for events in ranked]
        for weight, chain_logs in zip(whole, logs, strict=True):
            for sid, log in chain_logs.items():
                totals[sid] += log * weight
        holders: dict[object, list[int]] = defaultdict(list)
        for c, events in enumerate(ranked):
            for _, _, key in events:
                if key in self.shared:
                    holders[key].append(c)
        excluded: dict[tuple[int, str], set[object]] = defaultdict(set)
        for key, chains in holders.items():
            by_scenario: dict[str, list[int]] = defaultdict(list)
            for c in chains:
                for sid in logs[c]:
                    by_scenario[sid].append(c)
            for sid, moving in by_scenario.items():
                if len(moving) < 2:
                    continue
                marginal = {
                    c: abs(logs[c][sid]) * (whole[c] - weight_of(ranked[c], {key})) for c in moving
                }
                best = max(moving, key=lambda c: (marginal[c], chosen[c].key))
                for c in moving:
                    if c != best:
                        excluded[(c, sid)].add(key)
        for (c, sid), keys in excluded.items():
            totals[sid] += logs[c][sid] * (weight_of(ranked[c], keys) - whole[c])
        return totals

    def _full_delta(
        self,
        change: Callable[[Reports], Reports] | None = None,
        log_of: Callable[[ChainEvidence, str, float], float] | None = None,
        touched: Iterable[int] | None = None,
    ) -> dict[str, float]:
        """The change of the evidence totals, over the chains touched (all when None) and
        those they share event keys with."""
        if touched is None:
            if self._full_base is None:
                self._full_base = self._full()
            after = self._full(change, log_of)
            return {sid: after[sid] - self._full_base.get(sid, 0.0) for sid in after}
        touched = set(touched)
        subset = self._closure(touched)
        before = self._subset_base.get(tuple(subset))
        if before is None:
            before = self._subset_base[tuple(subset)] = self._full(None, None, subset)
        after = self._full(change, log_of, subset, touched)
        return {sid: after.get(sid, 0.0) - before.get(sid, 0.0) for sid in {*before, *after}}

    def _closure(self, touched: Iterable[int]) -> list[int]:
        """The chains touched and, transitively, every chain sharing an event key with one."""
        if self._sharing is None:
            by_key: dict[object, list[int]] = defaultdict(list)
            for c, chain in enumerate(self.evidence):
                for key in chain.keys:
                    if key in self.shared:
                        by_key[key].append(c)
            self._sharing = by_key
        found = set(touched)
        todo = list(found)
        while todo:
            c = todo.pop()
            for key in self.evidence[c].keys:
                for other in self._sharing.get(key, ()):
                    if other not in found:
                        found.add(other)
                        todo.append(other)
        return sorted(found)

    def _delta(
        self,
        chains: Iterable[ChainEvidence],
        weights: Mapping[tuple[str, bool, bool], float] | None,
        log_of: Callable[[ChainEvidence, str, float], float] | None = None,
    ) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for chain in chains:
            old = self.base[chain.key]
            new = old if weights is None else weights[chain.key]
            for sid, log in chain.logs.items():
                out[sid] += new * (log_of(chain, sid, log) if log_of else log) - old * log
        return out

    @property
    def sources(self) -> dict[str, dict[int, list[int]]]:
        """Each source, the chains its reports take part in (by position in evidence) and,
        in each, the events that hold one of its reports."""
        if self._by_source is None:
            found: dict[str, dict[int, list[int]]] = defaultdict(dict)
            for c, chain in enumerate(self.evidence):
                for e, reports in enumerate(chain.events):
                    for name in {self.observations[r.id].source for r in reports}:
                        found[name].setdefault(c, []).append(e)
            self._by_source = dict(found)
        return self._by_source

    def terms(self, c: int) -> list[tuple[float, Graded, bool]]:
        """A chain's events strongest first: (weight x RETURNS**(rank - 1), the event's most
        trusted report, whether it is fresh)."""
        if c not in self._terms:
            chain = self.evidence[c]
            ranked = sorted(
                (
                    (weight, max(reports, key=lambda r: (r.log_trust, -r.id)))
                    for weight, reports in zip(self._event_weights(c), chain.events, strict=True)
                    if weight is not None
                ),
                key=lambda item: -item[0][0],
            )
            out = []
            factor = 1.0
            for (_, aged, log_trust), report in ranked:
                fresh = aged / math.exp(log_trust) >= FRESH
                out.append((aged * factor, self.observations[report.id], fresh))
                factor *= 0.5
            self._terms[c] = out
        return self._terms[c]

    def _reweighed(
        self, c: int, left_out: set[int], changed: list[tuple[float, float, float]]
    ) -> float:
        """A chain's weight with some events left out and changed ones put back, merging
        into the chain's ranked order rather than sorting it again."""
        if c not in self._order:
            weights = self._event_weights(c)
            self._order[c] = sorted(
                (i for i, w in enumerate(weights) if w is not None),
                key=lambda i: -weights[i][0],  # type: ignore[index]
            )
        weights = self._event_weights(c)
        extra = sorted(changed, key=lambda w: -w[0])
        total = 0.0
        factor = 1.0
        j = 0
        for i in self._order[c]:
            if i in left_out:
                continue
            base = weights[i]
            while j < len(extra) and extra[j][0] > base[0]:  # type: ignore[index]
                total += extra[j][1] * factor
                factor *= 0.5
                j += 1
            total += base[1] * factor  # type: ignore[index]
            factor *= 0.5
        for weight in extra[j:]:
            total += weight[1] * factor
            factor *= 0.5
        return total

    def _event_weights(self, c: int) -> list[tuple[float, float, float] | None]:
        if c not in self._events:
            chain = self.evidence[c]
            self._events[c] = [event_weight(e, self.day, chain.rate) for e in chain.events]
        return self._events[c]

    def weight_of(self, source: str, members: set[str]) -> float:
        """How much evidence a source's reports carry for members: the aged weight of every
        event holding one of its reports, times the largest |ln LR| it has for a member."""
        sums = self._source_sums.get(source)
        if sums is None:
            sums = []
            for c, positions in self.sources.get(source, {}).items():
                weights = self._event_weights(c)
                aged = sum(weights[e][1] for e in positions if weights[e] is not None)  # type: ignore[index]
                sums.append((c, aged))
            self._source_sums[source] = sums
        total = 0.0
        for c, aged in sums:
            logs = self.evidence[c].logs
            scale = max((abs(logs[m]) for m in members if m in logs), default=0.0)
            if scale:
                total += scale * aged
        return total

    def moving(self, members: Iterable[str]) -> list[str]:
        """The sources whose reports take part in a chain that moves one of members."""
        if self._movers is None:
            found: dict[str, set[str]] = defaultdict(set)
            for source, chains in self.sources.items():
                for c in chains:
                    for sid in self.evidence[c].logs:
                        found[sid].add(source)
            self._movers = found
        return sorted(set().union(*(self._movers.get(m, set()) for m in members)))

    def without(self, source: str) -> dict[str, float]:
        """The change of every scenario's evidence with every report of one source removed:
        only the events holding its reports are weighed again."""
        key = "source:" + source
        touches_shared = self.shared and any(
            k in self.shared for c in self.sources.get(source, {}) for k in self.evidence[c].keys
        )
        if key not in self._cache and touches_shared:

            def drop(reports: Reports) -> Reports:
                return tuple(r for r in reports if self.observations[r.id].source != source)

            touched = list(self.sources.get(source, {}))
            emptied = {
                c
                for c in touched
                if all(not drop(tuple(reports)) for reports in self.evidence[c].events)
            }
            delta = self._full_delta(drop, None, touched)
            self._cache[key] = self._exactly_none_left(delta, emptied)
        if key not in self._cache:
            out: dict[str, float] = defaultdict(float)
            emptied: set[int] = set()
            for c, positions in self.sources.get(source, {}).items():
                chain = self.evidence[c]
                changed = []
                for e in positions:
                    kept = [r for r in chain.events[e] if self.observations[r.id].source != source]
                    weight = event_weight(kept, self.day, chain.rate)
                    if weight is not None:
                        changed.append(weight)
                after = self._reweighed(c, set(positions), changed)
                if after == 0.0:
                    emptied.add(c)
                for sid, log in chain.logs.items():
                    out[sid] += (after - self.base[chain.key]) * log
            self._cache[key] = self._exactly_none_left(out, emptied)
        return self._cache[key]

    def _exactly_none_left(self, delta: dict[str, float], emptied: set[int]) -> dict[str, float]:
        """A scenario left with no evidence at all has exactly its prior, not a rounding
        residue of it (which could sit on the wrong side of even odds)."""
        if emptied:
            for sid in list(delta):
                if all(c in emptied for c in self._moving(sid)):
                    delta[sid] = -self.totals[sid]
        return delta

    def _moving(self, sid: str) -> list[int]:
        """The chains (by position in evidence) that move a scenario."""
        if self._by_scenario is None:
            found: dict[str, list[int]] = defaultdict(list)
            for c, chain in enumerate(self.evidence):
                if self.base[chain.key] > 0.0:
                    for name in chain.logs:
                        found[name].append(c)
            self._by_scenario = found
        return self._by_scenario.get(sid, [])

    def graded_worse(self) -> dict[str, float]:
        """The change of every scenario's evidence with every grade one step worse."""
        if "worse" not in self._cache:

            def worse(reports: Reports) -> Reports:
                out = []
                for report in reports:
                    obs = self.observations[report.id]
                    factor = (
                        scales.RELIABILITY_TRUST[scales.WORSE_RELIABILITY[obs.reliability]]
                        / scales.RELIABILITY_TRUST[obs.reliability]
                        * scales.CREDIBILITY_TRUST[scales.WORSE_CREDIBILITY[obs.credibility]]
                        / scales.CREDIBILITY_TRUST[obs.credibility]
                    )
                    out.append(Report(report.id, report.day, report.log_trust + math.log(factor)))
                return tuple(out)

            if self.shared:
                self._cache["worse"] = self._full_delta(worse)
            else:
                weights = _weights(self.evidence, self.day, worse)
                self._cache["worse"] = self._delta(self.evidence, weights)
        return self._cache["worse"]

    def reweighted(self, steps: int) -> dict[str, float]:
        """The change of every scenario's evidence with every weight one word stronger (1)
        or weaker (-1)."""
        key = f"words:{steps}"
        if key not in self._cache:

            def log_of(chain: ChainEvidence, sid: str, log: float) -> float:
                weight = self.definitions.indicators[chain.key[0]].weights[sid]
                value = weight.absent if chain.key[1] else weight.observed
                return scales.shifted_log_ratio(value if value is not None else 1.0, steps)

            if self.shared:
                self._cache[key] = self._full_delta(None, log_of)
            else:
                self._cache[key] = self._delta(self.evidence, None, log_of)
        return self._cache[key]


def _margin(question: Question, shown: Mapping[str, float | None]) -> float:
    """How far the question's current call stands from flipping (negative: flipped)."""
    if question.kind == "yes-no":
        p = shown[question.members[0].id] or 0.0
        if question.side == "yes":
            return p - 0.5
        # even odds reads as "yes" (Question.side), so a "no" call at 50% has flipped
        return 0.5 - p if p < 0.5 else -(p - 0.5) - 1e-12
    live = [a.id for a in question.answers if a.id is not None]
    values = {sid: shown[sid] or 0.0 for sid in live}
    values[None] = max(0.0, 1.0 - sum(shown[m.id] or 0.0 for m in question.members))  # type: ignore[index]
    leader = question.leader.id
    others = [v for k, v in values.items() if k != leader]
    return values[leader] - max(others, default=0.0)  # type: ignore[index]


def robustness(question: Question, setting: _Setting) -> Robustness:
    """Try the three tests on a question's call, in order: (a) each source removed,
    (b) every grade one step worse, (c) every weight one word weaker, then stronger."""
    members = {m.id for m in question.members}
    flips: list[str] = []
    worst: tuple[float, str] | None = None
    candidates = setting.moving(members)
    if len(candidates) > WEIGHED_SOURCES:
        # weigh exactly the sources whose reports carry most of the question's evidence
        candidates = sorted(candidates, key=lambda s: (-setting.weight_of(s, members), s))
        candidates = candidates[:WEIGHED_SOURCES]
    if question.kind == "yes-no" and candidates:
        # the margin of a yes/no call only grows with its scenario's evidence (toward the
        # call's side): the source whose removal takes most of it is the one to weigh
        sid = question.members[0].id
        sign = 1.0 if question.side == "yes" else -1.0
        candidates = [min(candidates, key=lambda s: (sign * setting.without(s).get(sid, 0.0), s))]
    for source in candidates:
        margin = _margin(question, setting.shown(question, setting.without(source)))
        if worst is None or margin < worst[0]:
            worst = (margin, source)
    if worst is not None and _margin(question, setting.shown(question)) - worst[0] < MATTERS:
        worst = None  # no source moves the call by as much as half a point
    source_flips = worst is not None and worst[0] < 0
    if worst is not None and source_flips:
        flips.append(f"the reports of “{worst[1]}” are removed")
    if _margin(question, setting.shown(question, setting.graded_worse())) < 0:
        flips.append("every grade is one step worse")
    if _margin(question, setting.shown(question, setting.reweighted(-1))) < 0:
        flips.append("every weight is one word weaker")
    if _margin(question, setting.shown(question, setting.reweighted(1))) < 0:
        flips.append("every weight is one word stronger")
    return Robustness(worst[1] if worst else None, tuple(flips), source_flips)


# -- confidence --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Push:
    """One event's push on a call: positive toward it."""

    push: float
    observation: Graded
    fresh: bool

    @property
    def well_graded(self) -> bool:
        return (
            self.observation.reliability in WELL_GRADED_RELIABILITY
            and self.observation.credibility in WELL_GRADED_CREDIBILITY
        )


def _pushes(question: Question, setting: _Setting) -> list[_Push]:
    """Every counted event's push on the call, through its strongest report."""
    if question.kind == "yes-no":
        sign = 1.0 if question.side == "yes" else -1.0
        towards = {question.members[0].id: sign}
    else:
        towards = {}
        if question.leader.id is not None:
            towards[question.leader.id] = 1.0
        second = question.runner_up
        if second is not None and second.id is not None:
            towards[second.id] = towards.get(second.id, 0.0) - 1.0
    out = []
    for c, chain in enumerate(setting.evidence):
        score = sum(chain.logs.get(sid, 0.0) * k for sid, k in towards.items())
        if score != 0.0:
            out.extend(_Push(term * score, obs, fresh) for term, obs, fresh in setting.terms(c))
    return out


def assess_confidence(
    question: Question,
    setting: _Setting,
    interval: tuple[float, float] | None,
    runner_interval: tuple[float, float] | None,
) -> Confidence:
    """The rule: start from high; each finding caps the level; name every finding.

    - no fresh, well-graded report supports the call: low (it rests on the prior);
    - fewer than ENOUGH such reports: at most moderate;
    - a single source behind them, or fewer than OTHERS of them from sources other than
      the one with most: at most moderate;
    - fresh, well-graded reports against the call pushing CONFLICT_LOW of the support:
      low; CONFLICT_MODERATE: at most moderate;
    - the 80% interval spans the call's boundary (50%, or the runner-up's interval):
      at most moderate;
    - a robustness test flips the call: at most moderate; two or more: low.
    """
    pushes = [p for p in _pushes(question, setting) if p.fresh and p.well_graded]
    support = [p for p in pushes if p.push > 1e-9]
    against = [p for p in pushes if p.push < -1e-9]
    sources: dict[str, float] = defaultdict(float)
    for p in support:
        sources[p.observation.source] += p.push
    pushed = sum(sources.values())
    against_push = -sum(p.push for p in against)
    caps: list[tuple[str, str]] = []
    if not support:
        caps.append((LOW, "no fresh, well-graded report supports the call: it rests on the prior"))
    else:
        if len(support) < ENOUGH:
            caps.append((MODERATE, f"only {len(support)} fresh, well-graded report(s) support it"))
        counts: dict[str, int] = defaultdict(int)
        for p in support:
            counts[p.observation.source] += 1
        main = max(counts, key=lambda name: (counts[name], sources[name], name))
        others = len(support) - counts[main]
        grades = sorted(
            {
                f"{p.observation.reliability}{p.observation.credibility}"
                for p in support
                if p.observation.source == main
            }
        )
        if len(counts) == 1:
            caps.append(
                (MODERATE, f"rests on a single source ({main}, graded {', '.join(grades)})")
            )
        elif others < OTHERS:
            caps.append(
                (
                    MODERATE,
                    f"rests mainly on one source ({main}, graded {', '.join(grades)}): only "
                    f"{others} report(s) from other sources support it",
                )
            )
        if against_push >= CONFLICT_LOW * pushed:
            caps.append(
                (
                    LOW,
                    f"fresh, well-graded reports conflict: {len(support)} support the call, "
                    f"{len(against)} push against it with at least half as much weight",
                )
            )
        elif against_push >= CONFLICT_MODERATE * pushed:
            caps.append(
                (MODERATE, f"{len(against)} fresh, well-graded report(s) push against the call")
            )
    if interval is not None:
        low, high = interval
        if question.kind == "yes-no" and low < 0.5 <= high:
            caps.append(
                (MODERATE, f"the 80% interval ({percent(low)}–{percent(high)}) spans even odds")
            )
        elif runner_interval is not None and low < runner_interval[1]:
            caps.append((MODERATE, "the leader's 80% interval overlaps the runner-up's"))
    robust = robustness(question, setting)
    if len(robust.flips) >= 2:
        caps.append((LOW, f"{robust.sentence} (and {len(robust.flips) - 1} more test(s))"))
    elif robust.flips:
        caps.append((MODERATE, robust.sentence))
    if not caps:
        count = len({p.observation.source for p in support})
        return Confidence(
            HIGH,
            (
                f"{len(support)} fresh, well-graded reports from {count} independent sources "
                "support it",
                robust.sentence,
            ),
            robust,
        )
    level = min((c[0] for c in caps), key=LEVELS.index)
    return Confidence(level, tuple(c[1] for c in caps), robust)


@dataclass(frozen=True)
class Appraisal:
    """Intervals for every scenario and "none of these", confidence for every question."""

    intervals: dict[str, tuple[float, float] | None]  # scenario id -> 80% interval
    none_intervals: dict[str, tuple[float, float]]  # group id -> its "none of these"
    confidence: dict[str, Confidence]  # question id -> confidence (open or awaiting)

    def interval_of(self, question: Question, answer_id: str | None) -> tuple[float, float] | None:
        """The interval of one answer of a question ("none of these": answer_id None)."""
        if answer_id is None:
            return self.none_intervals.get(question.id)
        return self.intervals.get(answer_id)


def appraise(
    definitions: Definitions,
    questions: Sequence[Question],
    standings: Mapping[str, Standing],
    evidence: Sequence[ChainEvidence],
    observations: Mapping[int, Graded],
    totals: Mapping[str, float],
    variance: Mapping[str, float],
    resolutions: Mapping[str, Resolution],
    day: int,
) -> Appraisal:
    """Intervals, robustness and confidence at one date (day counted from EPOCH_DATE).

    totals and variance: the engine's evidence per scenario and its variance in log-odds;
    resolutions: those applying at the date; observations: every report named in evidence."""
    spans = intervals(standings, totals, variance, definitions)
    setting = _Setting(definitions, evidence, observations, totals, resolutions, day)
    nones: dict[str, tuple[float, float]] = {}
    confidence: dict[str, Confidence] = {}
    for question in questions:
        members = [m.id for m in question.members]
        if question.kind == "group":
            rest = next((a for a in question.answers if a.id is None), None)
            if rest is not None:
                nones[question.id] = none_interval(
                    members, standings, totals, variance, definitions, rest.probability
                )
        if question.state not in (OPEN, AWAITING):
            continue
        leader = question.leader
        second = question.runner_up
        lead = nones.get(question.id) if leader.id is None else spans.get(leader.id)
        runner = None
        if second is not None:
            runner = nones.get(question.id) if second.id is None else spans.get(second.id)
        confidence[question.id] = assess_confidence(question, setting, lead, runner)
    return Appraisal(spans, nones, confidence)

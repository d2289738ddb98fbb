"""The engine against a plain reference computation, and the README's worked example."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from factories import START, definitions, indicator, logs, observation, packs, scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight import scales
from foresight.engine import EPOCH_DATE, Engine
from foresight.loader import Definitions


def reference(pack: Definitions, log: list, as_of: dt.date) -> dict[str, float]:
    """The model written out as directly as possible, scenario by scenario: no ranking
    tricks, no sweep. An event is as old as its earliest report and as trusted as its most
    trusted one; absence ages; a settling weight does not age for its scenario."""
    totals = dict.fromkeys(pack.scenarios, 0.0)
    for sid in pack.scenarios:
        chains: dict[tuple, dict[str, list]] = defaultdict(dict)
        for obs in log:
            if obs.retracted or obs.observed_on > as_of or obs.indicator not in pack.indicators:
                continue
            if sid not in pack.indicators[obs.indicator].weights:
                continue
            trust = scales.trust(obs.strength, obs.reliability, obs.credibility)
            event = chains[(obs.indicator, obs.absent)].setdefault(
                obs.event or f"#{obs.id}", [obs.observed_on, trust]
            )
            event[0] = min(event[0], obs.observed_on)
            event[1] = max(event[1], trust)
        terms: dict[tuple, dict[str, float]] = {}  # chain -> event -> aged value
        logs: dict[tuple, float] = {}
        for (indicator_id, absent), events in chains.items():
            item = pack.indicators[indicator_id]
            weight = item.weights[sid]
            if absent:
                half_life = item.absent_half_life
            else:
                half_life = None if weight.settles else item.half_life_days
            lasting = not absent and bool(weight.settles) and bool(item.half_life_days)
            key = (indicator_id, absent, lasting)
            terms[key] = {
                event: trust * (0.5 ** ((as_of - first).days / half_life) if half_life else 1.0)
                for event, (first, trust) in events.items()
            }
            ratio = weight.absent_ratio if absent else weight.observed_ratio
            logs[key] = math.log(ratio)

        def chain_sum(values: dict[str, float], leave_out: set[str]) -> float:
            kept = sorted((v for e, v in values.items() if e not in leave_out), reverse=True)
            return sum(v * 0.5**k for k, v in enumerate(kept))

        # an event key logged under several chains moves the scenario once: through the
        # chain where its marginal term is largest (ties to the later chain)
        left_out: dict[tuple, set[str]] = defaultdict(set)
        keys = defaultdict(list)
        for chain, values in terms.items():
            if logs[chain] == 0.0:
                continue
            for event in values:
                if not event.startswith("#"):
                    keys[event].append(chain)
        for event, holders in keys.items():
            if len(holders) < 2:
                continue
            marginal = {
                c: abs(logs[c]) * (chain_sum(terms[c], set()) - chain_sum(terms[c], {event}))
                for c in holders
            }
            best = max(holders, key=lambda c: (marginal[c], c))
            for chain in holders:
                if chain != best:
                    left_out[chain].add(event)
        for chain, values in terms.items():
            totals[sid] += logs[chain] * chain_sum(values, left_out[chain])
    out = {}
    groups = defaultdict(list)
    for sid, s in pack.scenarios.items():
        if s.group:
            groups[s.group].append(s)
        else:
            odds = s.prior / (1 - s.prior) * math.exp(max(-20, min(20, totals[sid])))
            out[sid] = odds / (1 + odds)
    for members in groups.values():
        weights = {s.id: s.prior * math.exp(max(-20, min(20, totals[s.id]))) for s in members}
        remainder = 1 - sum(s.prior for s in members)
        for sid, value in weights.items():
            out[sid] = value / (remainder + sum(weights.values()))
    return out


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_the_engine_equals_the_reference_computation(data: st.DataObject) -> None:
    pack = data.draw(packs())
    log = data.draw(logs(pack, max_size=40))
    dates = sorted(
        {
            START + dt.timedelta(days=d)
            for d in data.draw(st.lists(st.integers(0, 1700), min_size=1, max_size=5))
        }
    )
    engine = Engine(pack, log)
    for point in engine.path(dates):
        expected = reference(pack, log, point.as_of)
        direct = engine.assess(point.as_of)
        for sid in pack.scenarios:
            assert math.isclose(point.probability(sid), expected[sid], rel_tol=1e-9)
            assert math.isclose(direct.probability(sid), expected[sid], rel_tol=1e-9)


def test_worked_example_from_the_readme() -> None:
    pack = definitions(
        [scenario("war", 0.20)], [indicator("clashes", {"war": "strong-for"}, half_life=90)]
    )
    as_of = START + dt.timedelta(days=45)
    first = observation("clashes", 0, reliability="B", credibility=2)
    second = observation("clashes", 0, reliability="C", credibility=3, strength=1.0)
    engine = Engine(pack, [first])
    # trust 1.0 x 0.8 x 0.8 = 0.64; decay 0.5^(45/90) = 0.7071; exponent 0.4525
    # log-odds -1.3863 + ln(5) x 0.4525 = -0.6579 -> 34.12 %
    assert round(engine.assess(as_of).probability("war"), 4) == 0.3412
    # a second, distinct clash graded C3 counts at rank 2: 0.36 x 0.7071 x 0.5 = 0.1273
    # log-odds -0.6579 + ln(5) x 0.1273 = -0.4530 -> 38.86 %
    both = Engine(pack, [first, second]).assess(as_of).probability("war")
    assert round(both, 4) == 0.3886
    explanation = Engine(pack, [first, second]).explain("war", as_of)
    assert [round(c.log_odds, 4) for c in explanation.contributions] == [0.7283, 0.2048]


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_compact_rows_give_the_same_result_as_observations(data: st.DataObject) -> None:
    pack = data.draw(packs())
    log = data.draw(logs(pack, max_size=30))
    rows = [
        (
            o.id,
            o.indicator,
            o.observed_on.isoformat(),
            int(o.absent),
            o.strength,
            o.reliability,
            o.credibility,
            o.event,
        )
        for o in log
    ]
    scored = [
        (
            o.id,
            o.indicator,
            o.absent,
            (o.observed_on - EPOCH_DATE).days,
            math.log(scales.trust(o.strength, o.reliability, o.credibility)),
            o.event,
        )
        for o in log
    ]
    day = START + dt.timedelta(days=data.draw(st.integers(0, 1700)))
    full = Engine(pack, log).path([day - dt.timedelta(days=30), day])
    fast = Engine.from_rows(pack, rows).path([day - dt.timedelta(days=30), day])
    fastest = Engine.from_scored_rows(pack, scored).path([day - dt.timedelta(days=30), day])
    for a, b, c in zip(full, fast, fastest, strict=True):
        assert a.results == b.results == c.results

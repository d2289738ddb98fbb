"""The engine's laws, as hypothesis properties over random packs and logs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random

from factories import START, definitions, indicator, logs, observation, packs, scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight.engine import Engine, posterior
from foresight.loader import Definitions

END = START + dt.timedelta(days=1600)
settings.register_profile("engine", max_examples=150, deadline=None)
settings.load_profile("engine")


def probabilities(pack: Definitions, log: list, day: dt.date = END) -> dict[str, float]:
    return {sid: r.probability for sid, r in Engine(pack, log).assess(day).results.items()}


def priors(pack: Definitions) -> dict[str, float]:
    return posterior(pack.scenarios.values(), dict.fromkeys(pack.scenarios, 0.0))


@st.composite
def pack_and_log(draw: st.DrawFn) -> tuple[Definitions, list]:
    pack = draw(packs())
    return pack, draw(logs(pack))


@given(pack_and_log())
def test_probabilities_stay_strictly_inside_0_and_1(case: tuple) -> None:
    pack, log = case
    for p in probabilities(pack, log).values():
        assert 0.0 < p < 1.0


@given(pack_and_log(), st.randoms())
def test_the_order_of_the_log_does_not_matter(case: tuple, rnd: random.Random) -> None:
    pack, log = case
    shuffled = list(log)
    rnd.shuffle(shuffled)
    assert probabilities(pack, shuffled) == probabilities(pack, log)


@st.composite
def probe_case(draw: st.DrawFn) -> tuple:
    """A pack, a log, and a probe indicator that weighs one scenario only."""
    pack = draw(packs())
    target = draw(st.sampled_from(sorted(pack.scenarios)))
    ratio = draw(st.floats(min_value=1.01, max_value=20.0))
    half_life = draw(st.none() | st.integers(1, 400))
    probe = indicator("probe", {target: (ratio, 1 / ratio)}, half_life)
    extended = definitions(list(pack.scenarios.values()), [*pack.indicators.values(), probe])
    log = draw(logs(pack))
    report = observation(
        "probe",
        draw(st.integers(0, 1600)),
        absent=draw(st.booleans()),
        reliability=draw(st.sampled_from("ABCDEF")),
        credibility=draw(st.integers(1, 6)),
        strength=draw(st.sampled_from([1.0, 0.6, 0.3])),
        event=draw(st.none() | st.just("e1")),
    )
    earlier = draw(
        st.lists(
            st.builds(
                lambda day, rel: observation("probe", day, reliability=rel),
                st.integers(0, 1600),
                st.sampled_from("ABCDEF"),
            ),
            max_size=3,
        )
    )
    return extended, log + earlier, report, target


@given(probe_case())
def test_supporting_evidence_never_lowers_and_weakening_never_raises(case: tuple) -> None:
    pack, log, report, target = case
    before = probabilities(pack, log)[target]
    after = probabilities(pack, [*log, report])[target]
    # (up to rounding: a shared event's weaker appearance is taken out after the sum)
    if report.absent:  # the probe's absence ratio is below 1: it weakens the scenario
        assert after <= before + 1e-12
    else:
        assert after >= before - 1e-12


@given(pack_and_log(), st.integers(0, 1600), st.booleans())
def test_a_likelihood_ratio_of_one_moves_nothing(case: tuple, day: int, absent: bool) -> None:
    pack, log = case
    sid = sorted(pack.scenarios)[0]
    neutral = indicator("neutral", {sid: ("neutral", 1.0)}, 30)
    extended = definitions(list(pack.scenarios.values()), [*pack.indicators.values(), neutral])
    assert probabilities(extended, [*log, observation("neutral", day, absent=absent)]) == (
        probabilities(pack, log)
    )


@given(pack_and_log(), st.data())
def test_retracting_an_observation_restores_the_earlier_result_exactly(
    case: tuple, data: st.DataObject
) -> None:
    pack, log = case
    extra = data.draw(logs(pack, max_size=3))
    retracted = [
        dataclasses.replace(
            o,
            retracted_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
            retracted_by="x",
            retraction_reason="wrong",
        )
        for o in extra
    ]
    assert probabilities(pack, log + retracted) == probabilities(pack, log)


@given(pack_and_log(), st.integers(0, 1600), st.data())
def test_as_of_ignores_later_observations(case: tuple, cut: int, data: st.DataObject) -> None:
    pack, log = case
    as_of = START + dt.timedelta(days=cut)
    later = [o for o in data.draw(logs(pack)) if o.observed_on > as_of]
    assert probabilities(pack, log + later, as_of) == probabilities(pack, log, as_of)


@given(pack_and_log())
def test_decaying_evidence_converges_to_the_prior(case: tuple) -> None:
    pack, log = case
    lasting = {
        i.id
        for i in pack.indicators.values()
        if i.half_life_days is None or any(w.settles for w in i.weights.values())
    }
    log = [o for o in log if o.indicator not in lasting or o.absent]
    far = END + dt.timedelta(days=400 * 120)  # 120 of the longest half-lives
    for sid, p in probabilities(pack, log, far).items():
        assert math.isclose(p, priors(pack)[sid], rel_tol=1e-9, abs_tol=1e-12)


@given(pack_and_log())
def test_lasting_facts_do_not_decay(case: tuple) -> None:
    pack, log = case
    lasting = {i.id for i in pack.indicators.values() if i.half_life_days is None}
    log = [o for o in log if o.indicator in lasting and not o.absent]
    far = END + dt.timedelta(days=40_000)
    assert probabilities(pack, log, far) == probabilities(pack, log, END)


@given(pack_and_log())
def test_absence_ages_for_every_indicator(case: tuple) -> None:
    pack, log = case
    log = [o for o in log if o.absent]
    far = END + dt.timedelta(days=400 * 120)  # 120 of the longest absence half-lives
    for sid, p in probabilities(pack, log, far).items():
        assert math.isclose(p, priors(pack)[sid], rel_tol=1e-9, abs_tol=1e-12)


@given(pack_and_log())
def test_a_settling_report_never_ages_for_the_scenario_it_settles(case: tuple) -> None:
    pack, log = case
    settling = {
        (i.id, sid) for i in pack.indicators.values() for sid, w in i.weights.items() if w.settles
    }
    scenarios = {sid for _, sid in settling}
    # keep only reports that move nothing but the scenarios they settle
    only = {
        i.id
        for i in pack.indicators.values()
        if all((i.id, sid) in settling or w.observed_ratio == 1.0 for sid, w in i.weights.items())
    }
    log = [o for o in log if o.indicator in only and not o.absent]
    far = END + dt.timedelta(days=40_000)
    now, later = probabilities(pack, log, END), probabilities(pack, log, far)
    for sid in scenarios:
        if pack.scenarios[sid].group is None:
            assert later[sid] == now[sid]


@given(pack_and_log())
def test_an_exclusive_group_never_sums_above_one(case: tuple) -> None:
    pack, log = case
    result = probabilities(pack, log)
    grouped = [sid for sid, s in pack.scenarios.items() if s.group]
    assert sum(result[sid] for sid in grouped) < 1.0


@given(pack_and_log(), st.integers(1, 5), st.data())
def test_duplicate_reports_of_one_event_equal_one_report(
    case: tuple, copies: int, data: st.DataObject
) -> None:
    pack, log = case
    report = observation(
        data.draw(st.sampled_from(sorted(pack.indicators))),
        data.draw(st.integers(0, 1600)),
        event="shared-event",
        reliability=data.draw(st.sampled_from("ABC")),
    )
    weaker = [
        dataclasses.replace(report, id=report.id + 10_000 + k, reliability="E", credibility=5)
        for k in range(copies)
    ]
    same = [dataclasses.replace(report, id=report.id + 20_000 + k) for k in range(copies)]
    once = probabilities(pack, [*log, report])
    assert probabilities(pack, [*log, report, *weaker]) == once
    assert probabilities(pack, [*log, report, *same]) == once


@given(pack_and_log(), st.lists(st.integers(0, 1700), min_size=1, max_size=8))
def test_the_one_sweep_path_equals_assessing_each_date(case: tuple, offsets: list) -> None:
    pack, log = case
    dates = sorted({START + dt.timedelta(days=d) for d in offsets})
    engine = Engine(pack, log)
    for point in engine.path(dates):
        expected = engine.assess(point.as_of)
        for sid in pack.scenarios:
            assert math.isclose(
                point.probability(sid), expected.probability(sid), rel_tol=1e-12, abs_tol=1e-15
            )


def test_many_small_events_cannot_outweigh_one_decisive_event() -> None:
    war = scenario("war", 0.3)
    pack = definitions(
        [war],
        [
            indicator("clash", {"war": "weak-for"}, None),
            indicator("peace-deal", {"war": "decisive-against"}, None),
        ],
    )
    clashes = [observation("clash", day) for day in range(50)]
    deal = [observation("peace-deal", 60)]
    assert probabilities(pack, clashes + deal)["war"] < war.prior


def test_equally_strong_events_rank_alike_however_they_were_gathered() -> None:
    # A2 on 1 January and A4 one half-life later (trust 0.8 and 0.4, half-life 60 days)
    # are exactly as strong: which ranks first must not depend on whether the engine met
    # them date by date or all at once.
    pack = definitions(
        [scenario("war", 0.3)], [indicator("sig", {"war": ("weak-for", "weak-against")}, 60)]
    )
    log = [
        observation("sig", dt.date(2026, 1, 1), reliability="A", credibility=2, event="k"),
        observation("sig", dt.date(2026, 3, 2), reliability="A", credibility=4),
    ]
    end = dt.date(2026, 3, 31)
    stepwise = Engine(pack, log).path([dt.date(2026, 1, 31), end], spread=True)[-1]
    at_once = Engine(pack, log).path([end], spread=True)[0]
    assert stepwise.variance == at_once.variance
    assert Engine(pack, log).variance(end) == at_once.variance

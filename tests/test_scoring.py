"""Scores checked against hand-computed examples, and honest replays."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

from factories import START, definitions, indicator, observation, scenario
from hypothesis import given
from hypothesis import strategies as st

from foresight.scoring import (
    Outcome,
    audit,
    brier,
    crossed_half,
    decompose,
    log_score,
    replay,
    score_path,
)


def test_brier_and_log_scores_by_hand() -> None:
    # ((1 - 0.8)^2 + (1 - 0.6)^2) / 2 = (0.04 + 0.16) / 2
    assert math.isclose(brier([0.8, 0.6], True), 0.10)
    # (-ln 0.8 - ln 0.6) / 2 = (0.22314 + 0.51083) / 2
    assert math.isclose(log_score([0.8, 0.6], True), 0.366985, rel_tol=1e-5)
    # did not happen: (0.8^2 + 0.6^2) / 2 and (-ln 0.2 - ln 0.4) / 2
    assert math.isclose(brier([0.8, 0.6], False), 0.50)
    assert math.isclose(log_score([0.8, 0.6], False), 1.262864, rel_tol=1e-5)
    assert brier([0.5], True) == 0.25 and math.isclose(log_score([0.5], False), math.log(2))


def test_decomposition_by_hand() -> None:
    pairs = [(0.8, True), (0.6, True), (0.3, False), (0.35, True)]
    parts, table = decompose(pairs)
    # brier (0.04 + 0.16 + 0.09 + 0.4225) / 4; base rate 3/4 so uncertainty 0.1875
    assert math.isclose(parts.brier, 0.178125)
    assert math.isclose(parts.uncertainty, 0.1875)
    # reliability (0.04 + 0.16 + 2 x (0.325 - 0.5)^2) / 4; resolution (2 x 0.0625 + 2 x 0.0625) / 4
    assert math.isclose(parts.reliability, 0.0653125)
    assert math.isclose(parts.resolution, 0.0625)
    # within-bin variance 0.0003125 minus within-bin covariance 0.0125
    assert math.isclose(parts.within_bin, -0.0121875)
    assert [(b.low, b.count, b.observed_frequency) for b in table] == [
        (0.3, 2, 0.5),
        (0.6, 1, 1.0),
        (0.8, 1, 1.0),
    ]


@given(st.lists(st.tuples(st.floats(0.001, 0.999), st.booleans()), min_size=1, max_size=60))
def test_the_decomposition_sums_back_to_the_brier_score(pairs: list) -> None:
    parts, table = decompose(pairs)
    total = parts.reliability - parts.resolution + parts.uncertainty + parts.within_bin
    assert math.isclose(total, parts.brier, abs_tol=1e-12)
    assert sum(b.count for b in table) == len(pairs)
    assert math.isclose(parts.brier, sum((p - o) ** 2 for p, o in pairs) / len(pairs))


def test_crossed_half_is_the_first_date_it_stayed_above() -> None:
    days = [START + dt.timedelta(days=d) for d in range(5)]
    assert crossed_half(days, [0.4, 0.6, 0.4, 0.6, 0.7]) == days[3]
    assert crossed_half(days, [0.4, 0.6, 0.4, 0.6, 0.5]) is None


PACK = definitions([scenario("war", 0.2)], [indicator("clashes", {"war": "strong-for"}, 365)])


def test_replay_ignores_an_observation_recorded_late() -> None:
    late = observation("clashes", 30, recorded_at=dt.datetime(2020, 6, 1, tzinfo=dt.UTC))
    dates = [START + dt.timedelta(days=d) for d in (60, 120, 180)]
    with_late = replay(PACK, [late], "war", dates)
    without = replay(PACK, [], "war", dates)
    assert with_late[:2] == without[:2]  # recorded on 1 June: unknown on 1 March and 30 April
    assert with_late[2] > without[2]


def test_replay_counts_an_observation_until_it_was_retracted() -> None:
    report = observation("clashes", 10)
    retracted = dataclasses.replace(report, retracted_at=dt.datetime(2020, 3, 1, tzinfo=dt.UTC))
    dates = [START + dt.timedelta(days=d) for d in (40, 90)]
    assert replay(PACK, [retracted], "war", dates)[0] > 0.2
    assert replay(PACK, [retracted], "war", dates)[1] == replay(PACK, [], "war", dates)[1]


def test_a_scored_path_has_baselines_and_a_crossing_date() -> None:
    reports = [observation("clashes", d, event=f"e{d}") for d in (5, 40, 70, 100)]
    path = score_path(
        PACK, reports, Outcome("war", True, dt.date(2020, 12, 31)), start=START, step="month"
    )
    assert path is not None
    assert path.dates[0] == dt.date(2020, 1, 31) and path.dates[-1] == dt.date(2020, 12, 30)
    assert math.isclose(path.prior_brier, 0.64) and path.even_brier == 0.25
    assert path.brier < path.prior_brier  # the evidence helped
    assert path.crossed_half_on is not None
    assert math.isclose(path.mean_probability, sum(path.forecasts) / len(path.forecasts))


def test_the_audit_names_indicators_that_misled() -> None:
    pack = definitions(
        [scenario("war", 0.3)],
        [
            indicator("clashes", {"war": "strong-for"}, 365),
            indicator("talks", {"war": "moderate-against"}, 365),
            indicator("mobilisation", {"war": "strong-for"}, 365),
        ],
    )
    reports = [observation("clashes", 10), observation("talks", 20)]
    rows = {
        r.indicator: r for r in audit(pack, reports, Outcome("war", False, dt.date(2020, 6, 1)))
    }
    assert rows["clashes"].verdict == "misled" and rows["clashes"].observed == 1
    assert rows["talks"].verdict == "right"
    assert rows["mobilisation"].verdict == "silent"
    happened = {r.indicator: r for r in audit(pack, [], Outcome("war", True, dt.date(2020, 6, 1)))}
    assert happened["mobilisation"].verdict == "missed"

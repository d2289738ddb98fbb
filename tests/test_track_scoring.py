"""The track record's pure parts: resolutions to outcomes, honest replays, the audit's window."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import pytest
from factories import START, definitions, indicator, logs, observation, packs, scenario
from hypothesis import given, settings
from hypothesis import strategies as st

from foresight import scales
from foresight.errors import InputError, UnknownIdError
from foresight.records import Resolution
from foresight.scoring import (
    Outcome,
    audit,
    awaiting_resolution,
    check_resolution,
    replay,
    score_path,
    score_resolutions,
)
from foresight.summary import steps

PACK = definitions(
    [scenario("war", 0.2), scenario("peace", 0.5)],
    [
        indicator("clashes", {"war": "strong-for"}, 365),
        indicator("talks", {"war": "moderate-against", "peace": "moderate-for"}, 30),
    ],
)


def at(day: dt.date) -> dt.datetime:
    """Noon UTC on day."""
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def resolution(scenario_id: str, outcome: str, on: dt.date, **changes: Any) -> Resolution:
    """A resolution recorded at noon on its own date."""
    values: dict[str, Any] = {
        "id": abs(hash((scenario_id, outcome, on))) % 10_000,
        "scenario": scenario_id,
        "outcome": outcome,
        "resolved_on": on,
        "source": "report",
        "note": "",
        "analyst": "a",
        "recorded_at": at(on),
    }
    values.update(changes)
    return Resolution(**values)


def test_a_hand_computed_path_against_its_baselines() -> None:
    # No evidence: the forecast is the prior, 0.2, at each of the 12 month ends of 2020.
    card = score_resolutions(PACK, [], [resolution("war", "happened", dt.date(2020, 12, 31))])
    [path] = card.paths
    assert len(path.dates) == 12 and set(path.forecasts) == {0.2}
    # (1 - 0.2)^2 = 0.64 and -ln 0.2 = 1.609438; a flat 50% scores 0.25 and ln 2.
    assert math.isclose(path.brier, 0.64) and math.isclose(path.prior_brier, 0.64)
    assert math.isclose(path.log_score, 1.609438, rel_tol=1e-6)
    assert path.even_brier == 0.25 and math.isclose(path.even_log_score, math.log(2))
    assert path.crossed_half_on is None and math.isclose(path.mean_probability, 0.2)
    # One scenario, always 0.2, always happened: all reliability, no resolution.
    parts = card.decomposition
    assert parts is not None
    assert math.isclose(parts.reliability, 0.64) and parts.resolution == 0.0
    assert parts.uncertainty == 0.0 and abs(parts.within_bin) < 1e-12
    assert [(b.low, b.count, b.observed_frequency) for b in card.calibration] == [(0.2, 12, 1.0)]


def test_only_current_resolutions_settled_by_as_of_are_scored() -> None:
    retracted = resolution(
        "war", "happened", dt.date(2020, 3, 1), retracted_at=at(dt.date(2020, 3, 5))
    )
    current = resolution("war", "did-not-happen", dt.date(2020, 6, 30))
    void = resolution("peace", "void", dt.date(2020, 5, 1))
    gone = resolution("no-longer-defined", "happened", dt.date(2020, 5, 1))
    card = score_resolutions(PACK, [], [retracted, current, void, gone])
    assert [(o.scenario, o.happened, o.on) for o in card.outcomes] == [
        ("war", False, dt.date(2020, 6, 30))
    ]
    assert card.void == [void] and card.unknown == [gone]
    document = card.as_json()
    assert [(s["id"], s["outcome"], s["steps"]) for s in document["scenarios"]] == [
        ("peace", "void", 0),
        ("war", "did-not-happen", 6),
    ]
    assert document["scenarios"][0]["brier"] is None and document["scenarios"][0]["path"] == []
    earlier = score_resolutions(PACK, [], [current, void], as_of=dt.date(2020, 5, 31))
    assert earlier.outcomes == [] and earlier.void == [void] and earlier.decomposition is None
    nothing = score_resolutions(PACK, [], [])
    assert nothing.empty
    assert nothing.as_json() == {"scenarios": [], "overall": None, "calibration": [], "audit": []}


def test_the_json_decomposition_adds_up_and_has_no_negative_zero() -> None:
    reports = [observation("clashes", d, event=f"e{d}") for d in (10, 50, 200)]
    card = score_resolutions(
        PACK,
        reports,
        [
            resolution("war", "happened", dt.date(2020, 12, 31)),
            resolution("peace", "did-not-happen", dt.date(2020, 9, 30)),
        ],
    )
    overall = card.as_json()["overall"]
    total = overall["reliability"] - overall["resolution"] + overall["uncertainty"]
    assert math.isclose(total + overall["within_bin"], overall["brier"], abs_tol=1e-5)
    assert overall["forecasts"] == 12 + 9
    alone = score_resolutions(PACK, [], [resolution("war", "happened", dt.date(2020, 2, 29))])
    assert math.copysign(1.0, alone.as_json()["overall"]["within_bin"]) == 1.0


def test_a_late_observation_changes_no_earlier_point_and_is_counted() -> None:
    dates = steps(START, dt.date(2020, 6, 30), "month")
    late = observation("clashes", 20, recorded_at=at(dt.date(2020, 4, 15)))
    assert replay(PACK, [late], "war", dates)[:3] == replay(PACK, [], "war", dates)[:3]
    assert replay(PACK, [late], "war", dates)[3] > 0.2
    outcome = Outcome("war", True, dt.date(2020, 3, 31))
    path = score_path(PACK, [late], outcome)
    assert path is not None and path.late == 1 and set(path.forecasts) == {0.2}
    retracted = dataclasses.replace(late, retracted_at=at(dt.date(2020, 5, 1)))
    assert score_path(PACK, [retracted], outcome).late == 0  # type: ignore[union-attr]


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_observations_recorded_after_the_last_date_never_change_a_replay(data: Any) -> None:
    pack = data.draw(packs())
    log = data.draw(logs(pack, max_size=12))
    last = START + dt.timedelta(days=data.draw(st.integers(0, 1500)))
    dates = steps(START, last, "month")
    later = [dataclasses.replace(o, recorded_at=at(last) + dt.timedelta(days=1)) for o in log]
    sid = data.draw(st.sampled_from(sorted(pack.scenarios)))
    known = [o for o in log if o.recorded_at.date() <= last]
    assert replay(pack, known + later, sid, dates) == replay(pack, known, sid, dates)


def test_the_audit_counts_what_was_recorded_by_the_time_the_resolution_was() -> None:
    on = dt.date(2020, 6, 30)
    backfilled = observation("clashes", 30, recorded_at=at(dt.date(2020, 8, 1)))
    hindsight = observation("talks", 40, recorded_at=at(dt.date(2020, 10, 1)))
    logged_late = Outcome("war", False, on, recorded_on=dt.date(2020, 9, 1))
    rows = {r.indicator: r for r in audit(PACK, [backfilled, hindsight], logged_late)}
    assert rows["clashes"].verdict == "misled" and rows["clashes"].observed == 1
    assert rows["talks"].verdict == "silent"  # recorded after the outcome was: hindsight
    on_time = {r.indicator: r for r in audit(PACK, [backfilled], Outcome("war", False, on))}
    assert on_time["clashes"].verdict == "silent"


def test_the_audit_judges_faded_evidence_by_its_push_when_fresh() -> None:
    # Talks have a 30-day half-life: a year later the report has all but faded, yet it
    # pointed away from war when it came in, and that is what the audit judges.
    report = observation("talks", 5, reliability="B", credibility=2)
    [row] = [
        r
        for r in audit(PACK, [report], Outcome("war", True, dt.date(2021, 1, 31)))
        if r.indicator == "talks"
    ]
    trust = scales.trust(1.0, "B", 2)
    assert row.verdict == "misled"
    assert math.isclose(row.log_odds, math.log(scales.weight_ratio("moderate-against")) * trust)
    assert "pointing away from it, but the scenario happened" in row.reason


def test_awaiting_resolution_is_past_the_horizon_with_no_current_resolution() -> None:
    pack = definitions(
        [scenario("war", 0.2), scenario("peace", 0.5)],
        [indicator("clashes", {"war": "strong-for", "peace": "weak-against"})],
    )
    horizon = dt.date(2030, 1, 1)
    after = dt.date(2030, 1, 2)
    assert awaiting_resolution(pack, [], horizon) == []
    assert [s.id for s in awaiting_resolution(pack, [], after)] == ["war", "peace"]
    settled = resolution("war", "did-not-happen", dt.date(2029, 12, 31))
    assert [s.id for s in awaiting_resolution(pack, [settled], after)] == ["peace"]
    retracted = dataclasses.replace(settled, retracted_at=at(after))
    assert [s.id for s in awaiting_resolution(pack, [retracted], after)] == ["war", "peace"]


def test_check_resolution_says_what_is_wrong() -> None:
    today = dt.date(2026, 11, 22)
    assert check_resolution(PACK, "war", START, today).id == "war"
    with pytest.raises(UnknownIdError, match=r"no scenario 'wars'.*did you mean 'war'"):
        check_resolution(PACK, "wars", START, today)
    with pytest.raises(
        InputError,
        match=r"the resolution date 2019-12-31 is before war's prior was set \(2020-01-01\)",
    ):
        check_resolution(PACK, "war", dt.date(2019, 12, 31), today)
    with pytest.raises(InputError, match=r"2026-11-23 is in the future \(today is 2026-11-22\)"):
        check_resolution(PACK, "war", dt.date(2026, 11, 23), today)


def test_the_resolution_day_itself_is_never_scored() -> None:
    # The report that settles the question, dated and logged on the resolution day, must
    # not make the forecast "cross 50%" on that day: only earlier forecasts are scored.
    on = dt.date(2020, 6, 30)
    settling = observation("clashes", on, strength=1.0, event="settled")
    path = score_path(PACK, [settling], Outcome("war", True, on))
    assert path is not None
    assert max(path.dates) == dt.date(2020, 6, 29)
    assert set(path.forecasts) == {0.2} and path.crossed_half_on is None


def test_weekly_steps_count_from_prior_set_on() -> None:
    # PACK's priors were set on 2020-01-01; a resolution on 2020-02-15 (a Saturday).
    card = score_resolutions(
        PACK, [], [resolution("war", "happened", dt.date(2020, 2, 15))], step="week"
    )
    [path] = card.paths
    assert path.dates[0] == dt.date(2020, 1, 1)
    assert path.dates[-1] == dt.date(2020, 2, 12)
    assert all((day - dt.date(2020, 1, 1)).days % 7 == 0 for day in path.dates)
    later = score_resolutions(
        PACK,
        [],
        [resolution("war", "happened", dt.date(2020, 2, 15))],
        step="week",
        start=dt.date(2020, 1, 20),
    )
    assert later.paths[0].dates[0] == dt.date(2020, 1, 22)


def test_a_late_observation_of_an_indicator_moving_two_resolved_scenarios_counts_once() -> None:
    late = observation("talks", 20, recorded_at=at(dt.date(2020, 12, 1)))
    card = score_resolutions(
        PACK,
        [late],
        [
            resolution("war", "did-not-happen", dt.date(2020, 6, 30)),
            resolution("peace", "happened", dt.date(2020, 6, 30)),
        ],
    )
    assert [path.late for path in card.paths] == [1, 1]
    assert card.late == 1

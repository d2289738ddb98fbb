"""Build definitions and observations in memory, and hypothesis strategies for them."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

from hypothesis import strategies as st

from foresight import scales
from foresight.loader import Definitions
from foresight.models import Indicator, Scenario
from foresight.records import Observation

SOURCE = [{"document": "test.txt", "quote": "a quote"}]
START = dt.date(2020, 1, 1)
_ids = itertools.count(1)


def scenario(sid: str, prior: float, group: str | None = None) -> Scenario:
    """A valid scenario with the given prior."""
    return Scenario.model_validate(
        {
            "id": sid,
            "title": f"Scenario {sid}",
            "summary": "A future.",
            "prior": prior,
            "prior_rationale": "Because.",
            "prior_set_on": "2020-01-01",
            "horizon": "2030-01-01",
            "resolution": "It happens.",
            "group": group,
            "sources": SOURCE,
        }
    )


def indicator(
    iid: str,
    weights: dict[str, Any],
    half_life: int | None = None,
    expected_by: str | None = None,
    absent_half_life: int | None = None,
) -> Indicator:
    """A valid indicator; weights map scenario id to a ratio/word, an (observed, absent)
    pair or an (observed, absent, settles) triple."""
    data: dict[str, Any] = {}
    for sid, weight in weights.items():
        if isinstance(weight, tuple):
            data[sid] = {"observed": weight[0], "absent": weight[1]}
            if len(weight) > 2 and weight[2]:
                data[sid]["settles"] = weight[2]
        else:
            data[sid] = {"observed": weight}
    return Indicator.model_validate(
        {
            "id": iid,
            "title": f"Indicator {iid}",
            "description": "Something seen.",
            "weights": data,
            "half_life_days": half_life,
            "absent_half_life_days": absent_half_life,
            "expected_by": expected_by,
            "sources": SOURCE,
        }
    )


def definitions(scenarios: list[Scenario], indicators: list[Indicator]) -> Definitions:
    """Definitions from lists."""
    return Definitions({s.id: s for s in scenarios}, {i.id: i for i in indicators})


def observation(indicator_id: str, day: dt.date | int = 0, **changes: Any) -> Observation:
    """An observation; day may be an offset in days from START."""
    if isinstance(day, int):
        day = START + dt.timedelta(days=day)
    values: dict[str, Any] = {
        "id": next(_ids),
        "indicator": indicator_id,
        "observed_on": day,
        "recorded_at": dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
        "analyst": "tester",
        "absent": False,
        "strength": 1.0,
        "source": "a report",
        "source_url": None,
        "reliability": "A",
        "credibility": 1,
        "event": None,
        "tlp": "GREEN",
        "note": "",
    }
    values.update(changes)
    return Observation(**values)


ratios = st.one_of(
    st.sampled_from(sorted(scales.WEIGHTS)),
    st.floats(min_value=0.05, max_value=20.0, allow_nan=False),
)


@st.composite
def packs(draw: st.DrawFn) -> Definitions:
    """Random valid packs: 1-4 scenarios (some in one exclusive group), 1-5 indicators."""
    count = draw(st.integers(1, 4))
    grouped = draw(st.integers(0, count))
    scenarios = []
    for i in range(count):
        in_group = i < grouped
        high = 0.999 / max(grouped, 1) if in_group else 0.999
        prior = draw(st.floats(min_value=0.001, max_value=min(high, 0.999)))
        prior = max(math.floor(prior * 1e6) / 1e6, 0.001)
        scenarios.append(scenario(f"s{i}", prior, "g" if in_group else None))
    indicators = []
    for j in range(draw(st.integers(1, 5))):
        chosen = draw(st.lists(st.sampled_from([s.id for s in scenarios]), min_size=1, unique=True))
        weights = {}
        for sid in chosen:
            observed = draw(ratios)
            settles = None
            if scales.weight_ratio(observed) != 1.0 and draw(st.integers(0, 3)) == 0:
                settles = "happened" if scales.weight_ratio(observed) > 1 else "did-not-happen"
            weights[sid] = (observed, draw(st.none() | ratios), settles)
        half_life = draw(st.none() | st.integers(1, 400))
        absent_half_life = draw(st.none() | st.integers(1, 400))
        indicators.append(indicator(f"i{j}", weights, half_life, None, absent_half_life))
    return definitions(scenarios, indicators)


@st.composite
def logs(draw: st.DrawFn, pack: Definitions, max_size: int = 25) -> list[Observation]:
    """Random observation logs against a pack's indicators."""
    out = []
    for _ in range(draw(st.integers(0, max_size))):
        out.append(
            observation(
                draw(st.sampled_from(sorted(pack.indicators))),
                draw(st.integers(0, 1500)),
                absent=draw(st.booleans()),
                strength=draw(st.sampled_from([1.0, 0.6, 0.3])),
                reliability=draw(st.sampled_from("ABCDEF")),
                credibility=draw(st.integers(1, 6)),
                event=draw(st.none() | st.sampled_from(["e1", "e2", "e3"])),
                source=draw(st.sampled_from(["r1", "r2", "r3"])),
            )
        )
    return out

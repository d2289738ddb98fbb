"""The store's maintained evidence summary answers exactly as a full scan of the log.

Random definitions and logs on both backends: the summary is built, then kept up to date
by further imports, retractions and amendments, then rebuilt for a changed half-life;
every time an engine over the summary must say what an engine over the whole log says,
to the last digit, at every date from the summary's horizon on.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import Stores
from factories import definitions, indicator, packs, scenario
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from foresight import chains, standing
from foresight.engine import Engine
from foresight.loader import Definitions
from foresight.store import NewObservation, Store, open_store

START = dt.date(2022, 1, 1)  # logs run to about 2027: some reports lie in the future


@st.composite
def rows(draw: st.DrawFn, indicators: list[str], max_size: int) -> list[NewObservation]:
    """Random reports, many on one indicator so that its chains pass the top events."""
    heavy = draw(st.sampled_from(indicators))
    out = []
    for n in range(draw(st.integers(0, max_size))):
        indicator = draw(st.sampled_from([heavy, heavy, heavy, *indicators, "gone"]))
        out.append(
            NewObservation(
                indicator=indicator,
                observed_on=START + dt.timedelta(days=draw(st.integers(0, 1900))),
                source=f"report {n}",
                reliability=draw(st.sampled_from("ABCDEF")),
                credibility=draw(st.integers(1, 6)),
                tlp="GREEN",
                absent=draw(st.integers(0, 4)) == 0,
                strength=draw(st.sampled_from([1.0, 0.6, 0.3])),
                event=draw(st.none() | st.sampled_from([f"e{k}" for k in range(25)])),
            )
        )
    return out


def snapshot(engine: Engine, dates: list[dt.date]) -> Any:
    """Everything the question layer reads from an engine at these dates."""
    out: list[Any] = [dict(engine.unknown)]
    for assessment in engine.path(dates):
        out.append(
            (
                assessment.counted,
                {k: (r.probability, r.log_ratio) for k, r in assessment.results.items()},
            )
        )
    for day in dates:
        out.append([(w.indicator.id, w.absent, w.probabilities) for w in engine.what_ifs(day)])
        out.append(engine.settling(day))
        out.append([(o.indicator.id, o.absence_logged) for o in engine.overdue(day)])
        for sid in engine.definitions.scenarios:
            why = engine.explain(sid, day)
            out.append(
                (
                    why.result.probability,
                    why.repeats,
                    [
                        (c.observation.id, c.ratio, c.trust, c.decay, c.rank, c.log_odds, c.points)
                        for c in why.contributions
                    ],
                    [(s.indicator.id, s.absent, s.probability_if_seen) for s in why.signposts],
                )
            )
    return out


def check(store: Store, pack: Definitions, offsets: list[int]) -> None:
    """An engine over the summary says what one over the whole log says."""
    wanted = Engine(pack).rankings()
    evidence = store.evidence(wanted, dt.date(2100, 1, 1))
    assert evidence is not None
    dates = sorted({evidence.horizon + dt.timedelta(days=k) for k in offsets})
    assert store.evidence(wanted, evidence.horizon - dt.timedelta(days=1)) is None
    summary = Engine.from_summary(pack, evidence, store.observations_by_id)
    full = Engine.from_scored_rows(pack, store.scored_rows(), store.observations_by_id)
    assert snapshot(summary, dates) == snapshot(full, dates)
    with pytest.raises(ValueError, match="answers dates from"):
        summary.assess(evidence.horizon - dt.timedelta(days=1))


@settings(
    max_examples=15,
    deadline=None,
    # Each example writes hundreds of rows; shrinking one would take many minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_summary_answers_as_the_whole_log(stores: Stores, data: st.DataObject) -> None:
    pack = data.draw(packs())
    indicators = sorted(pack.indicators)
    offsets = data.draw(st.lists(st.integers(0, 1000), min_size=1, max_size=3))
    with open_store(stores.new_url()) as store:
        store.add(data.draw(rows(indicators, 400)), "tester")
        check(store, pack, offsets)
        # Later writes keep the summary up to date in their own transactions.
        added = store.add(data.draw(rows(indicators, 60)), "tester")
        current = [o.id for o in store.observations(include_retracted=False)]
        for k in data.draw(st.lists(st.integers(0, 10**6), max_size=5, unique=True)):
            if current:
                store.retract(current.pop(k % len(current)), "withdrawn", "tester")
        if added.ids:
            target = store.get(added.ids[0])
            if target.retracted_at is None:
                fixed = NewObservation(
                    indicator=indicators[0],
                    observed_on=target.observed_on,
                    source=target.source + " (corrected)",
                    reliability="A",
                    credibility=1,
                    tlp="GREEN",
                    event=target.event,
                )
                store.amend(target.id, fixed, "regraded", "tester")
        check(store, pack, offsets)
        store.add(data.draw(rows(indicators, 30)), "tester")  # merged into a merged summary
        check(store, pack, offsets)
        # A changed half-life changes the ranking: the summary is rebuilt for it.
        first = pack.indicators[indicators[0]]
        half_life = data.draw(st.none() | st.integers(1, 400))
        changed = Definitions(
            pack.scenarios,
            {**pack.indicators, first.id: first.model_copy(update={"half_life_days": half_life})},
        )
        check(store, changed, offsets)


def test_still_counting_keeps_every_report_of_a_settling_chain() -> None:
    reports = [(n, n, -0.1 * (n % 7), None) for n in range(500)]
    assert standing.still_counting(reports, standing.KEEP_ALL, 0) == list(range(500))
    # Potentials grow with the day: from day 450 on, the late reports and the top events of
    # day 450 are all that can count.
    kept = standing.still_counting(reports, standing.encode([0.01]), 450)
    assert 64 + 49 <= len(kept) < 200


def test_the_summary_and_the_engine_agree_on_the_top() -> None:
    assert standing.TOP_EVENTS == chains.TOP_EVENTS


def test_summary_keeps_only_what_can_still_count(stores: Stores) -> None:
    defs = definitions(
        [scenario("s0", 0.3), scenario("s1", 0.2, "g"), scenario("s2", 0.3, "g")],
        [
            indicator("fast", {"s0": "strong-for", "s1": ("weak-against", "weak-for")}, 30),
            indicator("lasting", {"s2": "moderate-for"}, None),
        ],
    )
    log = [
        NewObservation(
            indicator="fast" if n % 3 else "lasting",
            observed_on=START + dt.timedelta(days=(n * 7) % 1700),
            source=f"report {n}",
            reliability="ABCDEF"[n % 6],
            credibility=1 + n % 6,
            tlp="GREEN",
            absent=n % 11 == 0,
            event=f"e{n % 40}" if n % 5 == 0 else None,
        )
        for n in range(900)
    ]
    with open_store(stores.new_url()) as store:
        store.add(log, "tester")
        evidence = store.evidence(Engine(defs).rankings(), dt.date(2100, 1, 1))
        assert evidence is not None
        assert len(evidence.rows) < len(log) / 2
        assert sum(row[3] for row in evidence.counts) == len(log)
        check(store, defs, [0, 30, 400, 900])


def test_a_reader_that_cannot_write_reads_the_whole_log(tmp_path: Any) -> None:
    import sqlite3

    path = str(tmp_path / "log" / "foresight.db")
    defs = definitions([scenario("s0", 0.3)], [indicator("fast", {"s0": "strong-for"}, 30)])
    row = NewObservation("fast", dt.date(2026, 1, 5), "a report", "B", 2, "GREEN")
    with open_store(path) as store:
        store.add([row], "tester")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the log
    try:
        with open_store(path, timeout=0.2) as store:
            assert store.evidence(Engine(defs).rankings(), dt.date(2026, 1, 1)) is None
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    with open_store(path) as store:
        assert store.evidence(Engine(defs).rankings(), dt.date(2026, 1, 1)) is not None

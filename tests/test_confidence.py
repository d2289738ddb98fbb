"""Intervals, robustness and analytic confidence: laws, the first pack, the CLI and brief."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from factories import START, definitions, indicator, logs, observation, packs, ratios, scenario
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from foresight import scales
from foresight.cli import cli
from foresight.confidence import HIGH, LEVELS
from foresight.engine import Engine
from foresight.intake import read_file
from foresight.summary import Status, status
from foresight.workspace import Workspace

REPO = Path(__file__).resolve().parent.parent
DAY = START + dt.timedelta(days=1500)


def appraised(pack, log, day: dt.date = DAY) -> Status:
    return status(Engine(pack, log), day, "icd203")


def _call(result: Status, question_id: str) -> str:
    return next(q for q in result.questions if q.id == question_id).side


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_every_interval_contains_its_probability(data: st.DataObject) -> None:
    pack = data.draw(packs())
    result = appraised(pack, data.draw(logs(pack)))
    for sid, standing in result.board.standings.items():
        low, high = result.interval(sid)  # type: ignore[misc]
        assert 0.0 <= low <= standing.probability <= high <= 1.0
    for question in result.questions:
        rest = next((a for a in question.answers if a.id is None), None)
        if rest is not None:
            low, high = result.appraisal.interval_of(question, None)  # type: ignore[union-attr,misc]
            assert low <= rest.probability <= high


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_results_are_identical_across_runs(data: st.DataObject) -> None:
    pack = data.draw(packs())
    log = data.draw(logs(pack))
    assert appraised(pack, log).as_json() == appraised(pack, log).as_json()


@settings(max_examples=120, deadline=None)
@given(st.data())
def test_a_single_source_call_is_never_high(data: st.DataObject) -> None:
    pack = data.draw(packs())
    log = [
        observation(
            o.indicator,
            o.observed_on,
            absent=o.absent,
            reliability="A",
            credibility=1,
            source="only source",
            event=o.event,
        )
        for o in data.draw(logs(pack))
    ]
    result = appraised(pack, log)
    for question in result.questions:
        confidence = result.confidence(question.id)
        assert confidence is not None and confidence.level != HIGH


@st.composite
def one_question(draw: st.DrawFn):
    """A pack of one yes/no question moved by one to four indicators."""
    prior = draw(st.floats(0.02, 0.98))
    indicators = []
    for j in range(draw(st.integers(1, 4))):
        observed = draw(ratios)
        absent = draw(st.none() | ratios)
        settles = None
        if draw(st.booleans()) and scales.weight_ratio(observed) != 1.0:
            settles = "happened" if scales.weight_ratio(observed) > 1 else "did-not-happen"
        half_life = draw(st.none() | st.integers(1, 400))
        indicators.append(indicator(f"i{j}", {"s": (observed, absent, settles)}, half_life))
    return definitions([scenario("s", round(prior, 4))], indicators)


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_more_agreeing_well_graded_evidence_never_lowers_confidence(data: st.DataObject) -> None:
    pack = data.draw(one_question())
    sid = "s"
    log = data.draw(logs(pack, max_size=20))
    before = appraised(pack, log)
    side = _call(before, sid)
    agreeing = [
        (i.id, absent)
        for i in pack.indicators.values()
        for absent in (False, True)
        if sid in i.weights
        and (ratio := (i.weights[sid].absent_ratio if absent else i.weights[sid].observed_ratio))
        != 1.0
        and (ratio > 1.0) == (side == "yes")
    ]
    assume(agreeing)
    iid, absent = data.draw(st.sampled_from(agreeing))
    more = [*log, observation(iid, DAY, absent=absent, source="a new independent source")]
    after = appraised(pack, more)
    assert _call(after, sid) == side
    old = before.confidence(sid)
    new = after.confidence(sid)
    assert LEVELS.index(new.level) >= LEVELS.index(old.level), (old, new)  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_removing_the_named_source_flips_the_call_when_it_says_so(data: st.DataObject) -> None:
    pack = data.draw(packs())
    log = data.draw(logs(pack, max_size=10))  # at most EVIDENCE_RANKS events a chain: exact
    result = appraised(pack, log)
    for question in result.questions:
        confidence = result.confidence(question.id)
        robust = confidence.robustness  # type: ignore[union-attr]
        if robust.depends_most_on is None:
            continue
        without = appraised(pack, [o for o in log if o.source != robust.depends_most_on])
        flipped = _call(without, question.id) != question.side
        if robust.source_flips:
            assert flipped
        elif question.kind == "yes-no":
            assert not flipped


def test_an_event_seen_on_both_sides_counts_once_when_a_source_is_removed_too() -> None:
    # e2 is reported absent (by r2) and observed (by r1); the observed side moves its
    # scenario only through the settling weight. With r2 removed, e2 is no longer shared,
    # and the checks must see the evidence the engine then gives.
    pack = definitions(
        [scenario("s0", 0.4375, "g"), scenario("s1", 0.46875, "g"), scenario("s2", 0.5)],
        [
            indicator("i0", {"s0": ("strong-for", "decisive-against", "happened")}, half_life=180),
            indicator(
                "i1", {s: ("decisive-against", None, "did-not-happen") for s in ("s0", "s1", "s2")}
            ),
        ],
    )
    log = [
        observation("i0", 0, absent=True, source="r2", reliability="A", credibility=1),
        observation("i0", 0, absent=True, source="r2", reliability="A", credibility=1, event="e2"),
        observation("i0", 0, source="r1", reliability="E", credibility=5, event="e2"),
    ]
    result = appraised(pack, log)
    without = appraised(pack, [o for o in log if o.source != "r2"])
    assert _call(without, "g") == _call(result, "g") == "s1"
    robust = result.confidence("g").robustness  # type: ignore[union-attr]
    assert not robust.source_flips
    assert "the reports of “r2” are removed" not in robust.flips


def test_a_source_the_call_rests_on_is_named_and_its_removal_flips_it() -> None:
    pack = definitions(
        [scenario("war", 0.3)],
        [indicator("clashes", {"war": "strong-for"}, half_life=90)],
    )
    log = [observation("clashes", DAY, source="Wire A", reliability="B", credibility=2)]
    result = appraised(pack, log)
    confidence = result.confidence("war")
    assert confidence is not None
    assert confidence.robustness.depends_most_on == "Wire A"
    assert confidence.robustness.flips[0] == "the reports of “Wire A” are removed"
    assert confidence.level == "low"
    assert "rests on a single source (Wire A, graded B2)" in confidence.reasons


@pytest.fixture(scope="module")
def first_pack(tmp_path_factory: pytest.TempPathFactory):
    db = tmp_path_factory.mktemp("confidence") / "foresight.db"
    workspace = Workspace.open(REPO, db_url=str(db))
    batch = read_file(
        REPO / "examples" / "observations.csv",
        workspace.definitions.indicators,
        workspace.config.default_tlp,
    )
    workspace.store.add(batch.rows, "tester")
    yield workspace, str(db)
    workspace.close()


def test_first_pack_names_the_source_the_leading_call_depends_on_most(first_pack) -> None:
    workspace, _ = first_pack
    day = dt.date(2021, 11, 30)
    result = workspace.status(day, limit=0)
    leading = result.board.open_questions[0]
    named = result.confidence(leading.id).robustness.depends_most_on  # type: ignore[union-attr]
    assert named == "koc-2021"  # the source register's id for Koç (November 2021)
    observations = workspace.store.observations()
    sid = leading.members[0].id

    def margin_without(source: str) -> float:
        engine = Engine(workspace.definitions, [o for o in observations if o.source != source])
        p = status(engine, day, "icd203", (), 0, appraise=False).board.standings[sid].probability
        return (p or 0.0) - 0.5 if leading.side == "yes" else 0.5 - (p or 0.0)

    margins = {source: margin_without(source) for source in {o.source for o in observations}}
    assert min(margins, key=margins.__getitem__) == named
    assert math.isclose(
        margins[named],
        min(margins.values()),
    )


def test_status_json_gives_every_scenario_an_interval_and_confidence(first_pack) -> None:
    _, db = first_pack
    result = CliRunner().invoke(
        cli, ["--workspace", str(REPO), "--db", db, "status", "--as-of", "2021-11-30", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    for row in data["scenarios"]:
        low, high = row["interval"]
        assert low <= row["probability"] <= high
        assert row["confidence"] in ("high", "moderate", "low")
        assert row["confidence_reasons"]
    for question in data["questions"]:
        assert question["confidence"]["robustness"]["depends_most_on"]
    table = CliRunner().invoke(
        cli, ["--workspace", str(REPO), "--db", db, "favoured", "--as-of", "2021-11-30"]
    )
    assert "Confidence in the call on renewed-civil-war: " in table.stdout
    assert "80% interval for " in table.stdout


def test_the_brief_gives_each_call_likelihood_time_frame_and_confidence(first_pack) -> None:
    text = (REPO / "reports" / "2021-11.md").read_text(encoding="utf-8")
    bottom = text.split("## Key judgements")[1].split("\n## ")[0]
    calls = [line for line in bottom.splitlines() if line[:1].isdigit()]
    assert len(calls) == 4
    for line in calls:
        assert "%" in line and "by 31 December 202" in line and " confidence: " in line
        # Sources are named by their short citation, never by a register id or file.
        assert "koc-2021" not in line and ".txt" not in line

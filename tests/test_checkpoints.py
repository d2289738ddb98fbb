"""Path checkpoints: a path read back from the store says what weighing the log says.

Random logs on both backends, written to in every way the log can change (imports,
retractions, amendments, backdated reports), each followed by a path that may come from
checkpoints: it must equal a path weighed afresh from the whole log, to the last digit.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path
from typing import Any

from conftest import INDICATORS, Stores
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from foresight.engine import Assessment
from foresight.store import NewObservation, checkpoints, open_store
from foresight.summary import month_end
from foresight.workspace import Workspace

START = dt.date(2026, 1, 1)
DATES = [month_end(dt.date(2026, m, 1)) for m in range(1, 13)]


def report(indicator: str, day: int, n: int, **changes: Any) -> NewObservation:
    values: dict[str, Any] = {
        "indicator": indicator,
        "observed_on": START + dt.timedelta(days=day),
        "source": f"report {n}",
        "reliability": "B",
        "credibility": 2,
        "tlp": "GREEN",
    }
    values.update(changes)
    return NewObservation(**values)


@st.composite
def reports(draw: st.DrawFn, max_size: int) -> list[NewObservation]:
    return [
        report(
            draw(st.sampled_from(INDICATORS)),
            draw(st.integers(0, 400)),
            draw(st.integers(0, 10**9)),
            reliability=draw(st.sampled_from("ABCDEF")),
            credibility=draw(st.integers(1, 6)),
            tlp=draw(st.sampled_from(["CLEAR", "GREEN", "AMBER", "RED"])),
            event=draw(st.none() | st.sampled_from(["e1", "e2", "e3"])),
            absent=draw(st.integers(0, 5)) == 0,  # every indicator here has an absent weight
        )
        for _ in range(draw(st.integers(0, max_size)))
    ]


def shown(assessments: list[Assessment]) -> list[Any]:
    return [
        (
            a.as_of,
            a.counted,
            {sid: (r.probability, r.log_ratio) for sid, r in a.results.items()},
            a.variance,
        )
        for a in assessments
    ]


def weighed(workspace: Workspace, dates: list[dt.date], audience: str | None) -> list[Any]:
    """The path weighed from the whole log, checkpoints not consulted."""
    engine = workspace.engine(audience=audience)
    found = engine.path(dates, spread=True)
    return shown([engine.assessed(a.as_of, _totals(a), a.counted, a.variance) for a in found])


def _totals(a: Assessment) -> dict[str, float]:
    return {sid: r.log_ratio for sid, r in a.results.items()}


def kept_days(workspace: Workspace) -> int:
    return workspace.store.conn.execute("SELECT count(*) FROM path_points").fetchone()[0]


@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_checkpointed_paths_equal_weighing_the_log(
    log_ws: Path, stores: Stores, data: st.DataObject
) -> None:
    workspace = Workspace.open(log_ws, db_url=stores.new_url())
    try:
        for audience in (None, "GREEN"):
            assert shown(workspace.assessments(DATES, audience)) == weighed(
                workspace, DATES, audience
            )
        workspace.store.add(data.draw(reports(60)), "tester")
        for step in range(4):
            for audience in (None, "GREEN"):
                first = shown(workspace.assessments(DATES, audience))
                assert first == weighed(workspace, DATES, audience)
                assert shown(workspace.assessments(DATES, audience)) == first  # from the store
            assert kept_days(workspace) == 2 * len(DATES)
            current = [o for o in workspace.store.observations(include_retracted=False)]
            kind = data.draw(st.sampled_from(["add", "retract", "amend"]))
            if kind == "add" or not current:
                workspace.store.add(data.draw(reports(5)), "tester")
            elif kind == "retract":
                target = current[data.draw(st.integers(0, len(current) - 1))]
                workspace.store.retract(target.id, "withdrawn", "tester")
            else:
                target = current[data.draw(st.integers(0, len(current) - 1))]
                moved = data.draw(st.integers(0, 400))
                fixed = report(target.indicator, moved, step, reliability="A", credibility=1)
                workspace.store.amend(target.id, fixed, "regraded", "tester")
    finally:
        workspace.close()


def test_a_write_forgets_only_the_dates_it_can_change(log_ws: Path, stores: Stores) -> None:
    workspace = Workspace.open(log_ws, db_url=stores.new_url())
    try:
        workspace.store.add([report("example-indicator", 10, 1)], "tester")
        workspace.assessments(DATES)
        assert kept_days(workspace) == 12
        workspace.store.add([report("example-indicator", 200, 2)], "tester")  # 20 July
        assert kept_days(workspace) == 6  # January to June stand
        assert shown(workspace.assessments(DATES)) == weighed(workspace, DATES, None)
        assert kept_days(workspace) == 12
    finally:
        workspace.close()


def test_points_weighed_from_a_log_changed_since_are_not_kept(log_ws: Path, stores: Stores) -> None:
    workspace = Workspace.open(log_ws, db_url=stores.new_url())
    try:
        seen = checkpoints.version(workspace.store)
        workspace.store.add([report("example-indicator", 10, 1)], "tester")  # a writer
        point = checkpoints.Point(DATES[0], {"example-scenario": 9.0}, {}, 0)
        assert not checkpoints.keep(workspace.store, "key", "", seen, [point])
        assert kept_days(workspace) == 0
    finally:
        workspace.close()


def test_changed_definitions_are_weighed_afresh(log_ws: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "log.db")
    workspace = Workspace.open(log_ws, db_url=db)
    workspace.store.add([report("second-indicator", 10, 1)], "tester")
    before = shown(workspace.assessments(DATES))
    workspace.close()
    path = log_ws / "indicators" / "second-indicator.yaml"
    path.write_text(path.read_text().replace("weak-for", "strong-for"), encoding="utf-8")
    workspace = Workspace.open(log_ws, db_url=db)
    try:
        after = shown(workspace.assessments(DATES))
        assert after != before
        assert after == weighed(workspace, DATES, None)
        keys = workspace.store.conn.execute("SELECT DISTINCT definitions FROM path_points")
        assert len(keys.fetchall()) == 1  # the old fingerprint's points are gone
    finally:
        workspace.close()


def test_history_reads_checkpoints_through_the_cli(run: Any, log_ws: Path) -> None:
    observe = ("observe", "example-indicator", "--reliability", "B", "--credibility", "2")
    assert run(*observe, "--date", "2026-02-10", "--source", "Wire").exit_code == 0
    args = ("history", "--all", "--from", "2026-01-01", "--to", "2026-12-31", "--json")
    first = run(*args)
    assert first.exit_code == 0, first.output
    second = run(*args)
    assert second.exit_code == 0, second.output
    assert second.stdout == first.stdout
    assert run(*observe, "--date", "2026-01-05", "--source", "Desk").exit_code == 0
    third = run(*args)
    assert third.exit_code == 0, third.output
    before = json.loads(first.stdout)
    after = json.loads(third.stdout)
    assert after != before  # the backdated report reaches every month


def test_a_reader_that_cannot_write_still_gets_its_path(log_ws: Path, tmp_path: Path) -> None:
    import sqlite3

    db = str(tmp_path / "log.db")
    workspace = Workspace.open(log_ws, db_url=db)
    workspace.store.add([report("example-indicator", 10, 1)], "tester")
    expected = weighed(workspace, DATES, None)
    workspace.close()
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the log
    try:
        workspace = Workspace.open(log_ws, db_url=db)
        workspace.store.conn.execute("PRAGMA busy_timeout = 200")
        assert shown(workspace.assessments(DATES)) == expected
        assert kept_days(workspace) == 0
        workspace.close()
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()


def test_a_reader_waits_for_an_open_write_and_then_keeps_nothing(
    log_ws: Path, stores: Stores
) -> None:
    url = stores.new_url()
    with open_store(url) as store:
        store.add([report("example-indicator", 10, 1)], "tester")
        seen = checkpoints.version(store)
    point = checkpoints.Point(DATES[0], {"example-scenario": 9.0}, {}, 0)
    kept: list[bool] = []

    def reader() -> None:
        with open_store(url) as other:
            kept.append(checkpoints.keep(other, "key", "", seen, [point]))

    with open_store(url) as writer, writer._write():
        checkpoints.forget(writer, DATES[0])  # the version raised, not yet committed
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive()  # the reader waits for the write
    thread.join(10.0)
    assert kept == [False]
    with open_store(url) as store:
        assert store.conn.execute("SELECT count(*) FROM path_points").fetchone()[0] == 0

"""What the dashboard and a scenario page show, computed from what the user may see.

Questions are built here, in one place: an exclusive group is one question whose
answers are its scenarios plus "none of these"; a scenario outside any group is a
yes/no question of its own. Questions are shown side by side, never ranked against
each other. Scenarios past their horizon or resolved leave the questions for their own
panels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import Markup

from foresight.engine import Explanation
from foresight.report import charts
from foresight.report.context import DASHES, PALETTE, Chart, Series, add_months
from foresight.summary import StatusRow, month_end
from foresight.web.auth import User
from foresight.workspace import Workspace

CHART_MONTHS = 12


@dataclass(frozen=True)
class Answer:
    """One answer of a question: a scenario's row, or "none of these" (row None)."""

    title: str
    probability: float
    row: StatusRow | None
    colour: str


@dataclass(frozen=True)
class Question:
    """An exclusive group (answers plus "none of these") or one yes/no scenario."""

    key: str
    title: str
    kind: str  # "group" or "yes/no"
    answers: list[Answer]
    horizon: dt.date  # the latest horizon of its answers
    chart: Markup


@dataclass(frozen=True)
class Dashboard:
    """Every open question, then the scenarios awaiting resolution and the settled ones."""

    as_of: dt.date
    questions: list[Question]
    awaiting: list[StatusRow]
    settled: list[StatusRow]
    counted: int  # observations behind the numbers
    clearance: str


def dashboard_context(workspace: Workspace, as_of: dt.date, user: User) -> Dashboard:
    """The dashboard as user may see it at as_of."""
    definitions = workspace.definitions
    status = workspace.status(as_of, audience=user.clearance)
    ticks = [month_end(add_months(as_of.replace(day=1), -m)) for m in range(CHART_MONTHS, 0, -1)]
    history = workspace.history([*ticks, as_of], audience=user.clearance)
    path = {a.as_of: a for a in history}
    days = [*ticks, as_of]
    awaiting = [r for r in status.rows if r.awaiting_resolution]
    settled = [r for r in status.rows if r.resolution is not None]
    open_rows = [r for r in status.rows if r not in awaiting and r not in settled]
    questions: list[Question] = []
    groups: dict[str, list[StatusRow]] = {}
    order: list[tuple[str, str | None]] = []
    for scenario in definitions.scenarios.values():
        row = next((r for r in open_rows if r.id == scenario.id), None)
        if row is None:
            continue
        if scenario.group:
            if scenario.group not in groups:
                order.append(("group", scenario.group))
            groups.setdefault(scenario.group, []).append(row)
        else:
            order.append(("one", scenario.id))
    for kind, key in order:
        if kind == "group":
            rows = groups[key or ""]
            rows.sort(key=lambda r: -r.probability)
            answers = [
                Answer(r.title, r.probability, r, PALETTE[i % len(PALETTE)])
                for i, r in enumerate(rows)
            ]
            group_ids = [s.id for s in definitions.scenarios.values() if s.group == key]
            none = 1.0 - sum(path[as_of].probability(sid) for sid in group_ids)
            answers.append(Answer("None of these", max(none, 0.0), None, "#6b6b6b"))
            answers.sort(key=lambda a: -a.probability)
            horizon = max(definitions.scenarios[r.id].horizon for r in rows)
            title = f"Which of the {key} scenarios will come about?"
            shown = [(r.id, r.title) for r in rows]
        else:
            row = next(r for r in open_rows if r.id == key)
            answers = [Answer("Yes", row.probability, row, PALETTE[0])]
            horizon = definitions.scenarios[row.id].horizon
            title = row.title
            shown = [(row.id, row.title)]
        series = [
            Series(
                sid,
                label,
                PALETTE[i % len(PALETTE)],
                DASHES[(i // len(PALETTE)) % len(DASHES)],
                [(day, path[day].probability(sid)) for day in days],
            )
            for i, (sid, label) in enumerate(shown)
        ]
        chart = Chart(
            f"{title}: probability over the last {CHART_MONTHS} months",
            f"Line chart of {len(series)} scenario(s) from {ticks[0]:%B %Y} to {as_of}.",
            _labelled(days),
            series,
            [],
            [],
            [],
        )
        questions.append(
            Question(
                str(key),
                title,
                "group" if kind == "group" else "yes/no",
                answers,
                horizon,
                charts.line_chart(chart, f"chart-{key}"),
            )
        )
    return Dashboard(as_of, questions, awaiting, settled, status.assessment.counted, user.clearance)


@dataclass(frozen=True)
class ScenarioPage:
    """What `explain` says about one scenario, its path, and its state."""

    row: StatusRow
    explanation: Explanation
    horizon: dt.date
    state: str  # "open", "awaiting resolution" or "resolved"
    chart: Markup


def scenario_context(
    workspace: Workspace, scenario_id: str, as_of: dt.date, user: User
) -> ScenarioPage:
    """One scenario as user may see it at as_of (raises UnknownIdError for a bad id)."""
    from foresight.errors import UnknownIdError
    from foresight.suggest import did_you_mean
    from foresight.summary import status as status_of

    definitions = workspace.definitions
    scenario = definitions.scenarios.get(scenario_id)
    if scenario is None:
        raise UnknownIdError(
            f"no scenario '{scenario_id}'{did_you_mean(scenario_id, definitions.scenarios)}"
        )
    engine = workspace.engine(audience=user.clearance, explain=True)
    status = status_of(
        engine,
        as_of,
        workspace.config.yardstick,
        workspace.store.resolutions(include_retracted=False),
    )
    row = next(r for r in status.rows if r.id == scenario_id)
    explanation = engine.explain(scenario_id, as_of)
    start = min(scenario.prior_set_on, as_of)
    days: list[dt.date] = []
    day = month_end(start)
    while day < as_of:
        days.append(day)
        day = month_end(day + dt.timedelta(days=1))
    days = [start, *days, as_of] if start < as_of else [as_of]
    path = engine.path(sorted(set(days)))
    points = [(a.as_of, a.probability(scenario_id)) for a in path]
    if len(points) == 1:
        points = [(as_of - dt.timedelta(days=1), points[0][1]), points[0]]
    every = max(1, -(-len(points) // CHART_MONTHS))
    ticks = [p[0] for p in points[::every]]
    if ticks[-1] != points[-1][0]:
        ticks.append(points[-1][0])
    ticks = _labelled(ticks)
    chart = Chart(
        f"Probability of {scenario.title}",
        f"Line chart of the scenario's probability from {ticks[0]} to {as_of}.",
        ticks,
        [Series(scenario_id, scenario.title, PALETTE[0], "", points)],
        [],
        [],
        [],
    )
    state = (
        "resolved"
        if row.resolution is not None
        else "awaiting resolution"
        if row.awaiting_resolution
        else "open"
    )
    return ScenarioPage(
        row, explanation, scenario.horizon, state, charts.line_chart(chart, "history")
    )


def _labelled(ticks: list[dt.date]) -> list[dt.date]:
    """The dates to label on a chart's axis: the last one's neighbour goes when too close."""
    if len(ticks) > 2 and (ticks[-1] - ticks[-2]).days < 20:
        return [*ticks[:-2], ticks[-1]]
    return ticks

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
from foresight.records import Resolution
from foresight.report import charts
from foresight.report.context import DASHES, PALETTE, Chart, Series, add_months
from foresight.summary import Status, month_end
from foresight.web.auth import User
from foresight.workspace import Workspace

CHART_MONTHS = 12


@dataclass(frozen=True)
class Row:
    """One scenario as the pages show it: shown probability, state, time frame, confidence."""

    id: str
    title: str
    group: str | None
    probability: float  # the outcome once resolved (the forecast for a void one)
    estimative: str
    change_30d: float
    prior: float
    state: str  # see foresight.questions.STATES
    resolution: Resolution | None
    interval: tuple[float, float] | None
    confidence: str | None  # the confidence in its question's call, with its reasons

    @property
    def awaiting_resolution(self) -> bool:
        """Past its horizon with no resolution."""
        return self.state == "awaiting-resolution"


def _row(status: Status, scenario_id: str) -> Row:
    standing = status.board.standings[scenario_id]
    scenario = standing.scenario
    confidence = status.confidence(scenario.group or scenario.id)
    probability = standing.probability
    return Row(
        scenario.id,
        scenario.title,
        scenario.group,
        standing.forecast if probability is None else probability,
        standing.estimative,
        status.change_30d.get(scenario.id, 0.0),
        scenario.prior,
        standing.state,
        standing.resolution,
        status.interval(scenario.id),
        confidence.sentence if confidence else None,
    )


@dataclass(frozen=True)
class Answer:
    """One answer of a question: a scenario's row, or "none of these" (row None)."""

    title: str
    probability: float
    row: Row | None
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
    sentence: str  # the call, with its time frame
    confidence: str | None  # kept apart from the likelihood, as ICD 203 asks


@dataclass(frozen=True)
class Dashboard:
    """Every open question, then the scenarios awaiting resolution and the settled ones."""

    as_of: dt.date
    questions: list[Question]
    awaiting: list[Row]
    settled: list[Row]
    counted: int  # observations behind the numbers
    clearance: str
    notes: list[str]  # settling evidence, broken implications


def dashboard_context(workspace: Workspace, as_of: dt.date, user: User) -> Dashboard:
    """The dashboard as user may see it at as_of: the open questions of the question model
    (foresight.questions), most confident call first, never ranked against each other."""
    from foresight.summary import path as path_of
    from foresight.summary import status as status_of

    # one engine over what the user may see serves the calls and the charts
    engine = workspace.engine(audience=user.clearance)
    resolutions = workspace.store.resolutions(include_retracted=False)
    status = status_of(engine, as_of, workspace.config.yardstick, resolutions, 0)
    ticks = [month_end(add_months(as_of.replace(day=1), -m)) for m in range(CHART_MONTHS, 0, -1)]
    days = [*ticks, as_of]
    history = path_of(engine, days, resolutions, intervals_too=False)
    path = {p.as_of: p for p in history}
    questions: list[Question] = []
    for question in status.board.open_questions:
        answers = []
        for i, answer in enumerate(question.answers):
            row = _row(status, answer.id) if answer.id is not None else None
            colour = PALETTE[i % len(PALETTE)] if row is not None else "#6b6b6b"
            title = "None of these" if answer.id is None else answer.title
            answers.append(Answer(title, answer.probability, row, colour))
        shown = [(a.id, a.title) for a in question.answers if a.id is not None]
        title = question.members[0].title if question.kind == "yes-no" else question.text
        series = [
            Series(
                sid,
                label,
                PALETTE[i % len(PALETTE)],
                DASHES[(i // len(PALETTE)) % len(DASHES)],
                [(day, path[day].probabilities[sid] or 0.0) for day in days],
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
        confidence = status.confidence(question.id)
        questions.append(
            Question(
                question.id,
                title,
                "group" if question.kind == "group" else "yes/no",
                answers,
                question.horizon,
                charts.line_chart(chart, f"chart-{question.id}"),
                question.sentence(),
                confidence.sentence if confidence else None,
            )
        )
    return Dashboard(
        as_of,
        questions,
        [_row(status, s.id) for s in status.awaiting],
        [_row(status, s.id) for s in status.resolved],
        status.assessment.counted,
        user.clearance,
        [line for line in status.notes() if not line.startswith(("Awaiting", "Resolved"))],
    )


@dataclass(frozen=True)
class ScenarioPage:
    """What `explain` says about one scenario, its path, and its state."""

    row: Row
    explanation: Explanation
    horizon: dt.date
    state: str  # "open", "awaiting resolution", "resolved" or "not yet open"
    chart: Markup
    notes: list[str]  # settling evidence, broken implications, how to resolve


def scenario_context(
    workspace: Workspace, scenario_id: str, as_of: dt.date, user: User
) -> ScenarioPage:
    """One scenario as user may see it at as_of (raises UnknownIdError for a bad id)."""
    from foresight.errors import UnknownIdError
    from foresight.suggest import did_you_mean
    from foresight.summary import path as path_of
    from foresight.summary import status as status_of

    definitions = workspace.definitions
    scenario = definitions.scenarios.get(scenario_id)
    if scenario is None:
        raise UnknownIdError(
            f"no scenario '{scenario_id}'{did_you_mean(scenario_id, definitions.scenarios)}"
        )
    engine = workspace.engine(audience=user.clearance)
    resolutions = workspace.store.resolutions(include_retracted=False)
    status = status_of(engine, as_of, workspace.config.yardstick, resolutions, 0)
    row = _row(status, scenario_id)
    explanation = engine.explain(scenario_id, as_of)
    start = min(scenario.prior_set_on, as_of)
    days: list[dt.date] = []
    day = month_end(start)
    while day < as_of:
        days.append(day)
        day = month_end(day + dt.timedelta(days=1))
    days = [start, *days, as_of] if start < as_of else [as_of]
    path = path_of(engine, sorted(set(days)), resolutions)
    points = [(p.as_of, p.probabilities[scenario_id] or 0.0) for p in path]
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
    return ScenarioPage(
        row,
        explanation,
        scenario.horizon,
        row.state.replace("-", " "),
        charts.line_chart(chart, "history"),
        status.notes(scenario_id),
    )


def _labelled(ticks: list[dt.date]) -> list[dt.date]:
    """The dates to label on a chart's axis: the last one's neighbour goes when too close."""
    if len(ticks) > 2 and (ticks[-1] - ticks[-2]).days < 20:
        return [*ticks[:-2], ticks[-1]]
    return ticks

"""Answers built on the engine and the questions: status, the calls, probability paths."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from foresight.confidence import Appraisal, Confidence, appraise, intervals
from foresight.definitions import Definitions
from foresight.engine import EPOCH, Assessment, Contribution, Engine, Explanation
from foresight.questions import (
    AWAITING,
    RESOLVED,
    Board,
    Question,
    Standing,
    board,
    long_date,
    outcome_probabilities,
    resolve_command,
    state_at,
)
from foresight.records import Resolution, current_resolutions

CHANGE_DAYS = 30  # status shows each probability's change over this many days


@dataclass(frozen=True)
class Status:
    """Every scenario and question at a date, with warnings and resolution prompts."""

    as_of: dt.date
    board: Board
    assessment: Assessment
    change_30d: dict[str, float]  # change in the shown probability over 30 days
    prompts: dict[str, str]  # scenario id -> the resolve command a settling report suggests
    unknown: dict[str, int]  # observations naming indicators the definitions do not have
    appraisal: Appraisal | None = None  # intervals and confidence (None: not asked for)

    def interval(self, scenario_id: str) -> tuple[float, float] | None:
        """A scenario's 80% interval, if appraised."""
        return self.appraisal.intervals.get(scenario_id) if self.appraisal else None

    def confidence(self, question_id: str) -> Confidence | None:
        """A question's analytic confidence, if appraised (open or awaiting questions)."""
        return self.appraisal.confidence.get(question_id) if self.appraisal else None

    def question_json(self, question: Question) -> dict[str, object]:
        """One question as the JSON contracts give it, with intervals and confidence."""
        data = question.as_json()
        if self.appraisal is not None:
            for answer in data["answers"]:  # type: ignore[attr-defined]
                span = self.appraisal.interval_of(question, answer["id"])
                answer["interval"] = _rounded(span)
            confidence = self.confidence(question.id)
            data["confidence"] = confidence.as_json() if confidence else None
        return data

    @property
    def rows(self) -> list[Standing]:
        """Every scenario, question by question (open questions first)."""
        return [m for q in self.board.questions for m in q.members]

    @property
    def questions(self) -> list[Question]:
        """Every question, open ones first, most confident call first."""
        return self.board.questions

    @property
    def awaiting(self) -> list[Standing]:
        """Scenarios past their horizon with no resolution."""
        return self.board.in_state(AWAITING)

    @property
    def resolved(self) -> list[Standing]:
        """Scenarios resolved by the status date."""
        return self.board.in_state(RESOLVED)

    def notes(self, scenario_id: str | None = None) -> list[str]:
        """Plain sentences for the reader: settling evidence, awaiting scenarios, breaks
        (only those about one scenario, when scenario_id is given)."""
        lines = [line for sid, line in self._notes() if scenario_id in (None, sid)]
        if self.unknown and scenario_id is None:
            listed = ", ".join(f"{k} ({n})" for k, n in sorted(self.unknown.items()))
            lines.append(
                f"{sum(self.unknown.values())} observation(s) name indicators the definitions "
                f"do not have and are not counted: {listed}. Restore the indicator files, or "
                "retract the observations."
            )
        return lines

    def _notes(self) -> list[tuple[str, str]]:
        lines: list[tuple[str, str]] = []
        for standing in self.board.settled_by_evidence:
            report = standing.settling[0]
            lines.append(
                (
                    standing.id,
                    f"The resolution criterion of {standing.id} appears to be met: observation "
                    f"{report.observation} ({report.indicator}, {long_date(report.observed_on)}) "
                    f"settles it as {report.outcome.replace('-', ' ')}. Record it with: "
                    f"{self.prompts[standing.id]}",
                )
            )
        for standing in self.awaiting:
            if standing.settling:
                continue
            lines.append(
                (
                    standing.id,
                    f"Awaiting resolution: {standing.id} is past its horizon "
                    f"({long_date(standing.horizon)}); record how it turned out with "
                    f"'foresight resolve {standing.id} --outcome happened|did-not-happen|void "
                    "--on YYYY-MM-DD --source …'.",
                )
            )
        for standing in self.resolved:
            resolution = standing.resolution
            assert resolution is not None
            lines.append(
                (
                    standing.id,
                    f"Resolved: {standing.id} {resolution.outcome.replace('-', ' ')} on "
                    f"{long_date(resolution.resolved_on)}.",
                )
            )
        for item in self.board.incoherences:
            lines.append((item.scenario.id, f"Incoherent: {item.sentence()}"))
        return lines

    def scenario_json(self, standing: Standing) -> dict[str, object]:
        """One scenario as the `status --json` contract gives it."""
        settled = standing.resolution
        probability = standing.probability
        confidence = self.confidence(standing.scenario.group or standing.id)
        return {
            "id": standing.id,
            "title": standing.title,
            "question": standing.scenario.group or standing.id,
            "group": standing.scenario.group,
            "state": standing.state,
            "horizon": standing.horizon.isoformat(),
            "time_frame": standing.time_frame,
            "probability": None if probability is None else round(probability, 6),
            "forecast": round(standing.forecast, 6),
            "prior": standing.scenario.prior,
            "estimative": standing.estimative,
            "change_30d": round(self.change_30d.get(standing.id, 0.0), 6),
            "awaiting_resolution": standing.state == AWAITING,
            "resolution": None
            if settled is None
            else {
                "id": settled.id,
                "outcome": settled.outcome,
                "resolved_on": settled.resolved_on.isoformat(),
                "source": settled.source,
                "analyst": settled.analyst,
            },
            "settled_by": [
                {
                    "observation": r.observation,
                    "indicator": r.indicator,
                    "outcome": r.outcome,
                    "observed_on": r.observed_on.isoformat(),
                    "trust": round(r.trust, 6),
                }
                for r in standing.settling
            ],
            "resolve_command": self.prompts.get(standing.id),
            "interval": _rounded(self.interval(standing.id)),
            "confidence": confidence.level if confidence else None,
            "confidence_reasons": list(confidence.reasons) if confidence else [],
        }

    def as_json(self) -> dict[str, object]:
        """The `status --json` document."""
        return {
            "as_of": self.as_of.isoformat(),
            "scenarios": [self.scenario_json(s) for s in self.rows],
            "questions": [self.question_json(q) for q in self.questions],
            "incoherent": [i.as_json() for i in self.board.incoherences],
            "unknown_indicators": dict(sorted(self.unknown.items())),
            "notes": self.notes(),
        }


def status(
    engine: Engine,
    as_of: dt.date,
    yardstick: str,
    resolutions: Sequence[Resolution] = (),
    limit: int = 3,
    appraise: bool = True,
) -> Status:
    """Each scenario's state and probability, each question's call, at as_of; with
    appraise, the 80% intervals and each question's confidence."""
    scenarios = list(engine.definitions.scenarios.values())
    before_day = as_of - dt.timedelta(days=CHANGE_DAYS)
    before, now = engine.path([before_day, as_of])
    current = current_resolutions(resolutions, as_of)
    settling = engine.settling(as_of)
    what_ifs = engine.what_ifs(as_of) if limit else []
    result = board(scenarios, _forecasts(now), as_of, yardstick, current, what_ifs, settling, limit)
    earlier = outcome_probabilities(
        scenarios, _forecasts(before), current_resolutions(resolutions, before_day)
    )
    change = {
        sid: (s.probability or 0.0) - (earlier[sid] or 0.0)
        for sid, s in result.standings.items()
        if s.probability is not None and earlier[sid] is not None
    }
    prompts = {}
    for standing in result.settled_by_evidence:
        report = standing.settling[0]
        observation = engine.observation(report.observation)
        prompts[standing.id] = resolve_command(standing, report, observation.source)
    appraisal = _appraise(engine, result, now, current, as_of) if appraise else None
    return Status(as_of, result, now, change, prompts, dict(engine.unknown), appraisal)


def _appraise(
    engine: Engine,
    result: Board,
    now: Assessment,
    current: dict[str, Resolution],
    as_of: dt.date,
) -> Appraisal:
    evidence = engine.evidence(as_of)
    ids = {report.id for chain in evidence for event in chain.events for report in event}
    applying = {sid: r for sid, r in current.items() if r.resolved_on <= as_of}
    return appraise(
        engine.definitions,
        result.questions,
        result.standings,
        evidence,
        engine.gradings(ids),
        {sid: r.log_ratio for sid, r in now.results.items()},
        engine.variance(as_of),
        applying,
        as_of.toordinal() - EPOCH,
    )


def _rounded(span: tuple[float, float] | None) -> list[float] | None:
    return None if span is None else [round(span[0], 6), round(span[1], 6)]


@dataclass(frozen=True)
class Why:
    """A scenario's explanation together with its state and question at the same date."""

    explanation: Explanation
    status: Status

    @property
    def standing(self) -> Standing:
        """The scenario's state and shown probability."""
        return self.status.board.standings[self.explanation.result.id]

    @property
    def moving(self) -> list[Contribution]:
        """Contributions that still move the scenario (at least 0.05 percentage points)."""
        return [c for c in self.explanation.contributions if abs(c.points) >= MOVES]

    @property
    def stale(self) -> int:
        """Contributions that no longer move it visibly (aged, or drowned by the cap)."""
        return len(self.explanation.contributions) - len(self.moving)


MOVES = 0.0005  # below half a tenth of a point a report no longer visibly moves a scenario


def explain(
    engine: Engine,
    scenario_id: str,
    as_of: dt.date,
    yardstick: str,
    resolutions: Sequence[Resolution] = (),
) -> Why:
    """Why a scenario stands where it does at as_of, with its state and time frame."""
    return Why(engine.explain(scenario_id, as_of), status(engine, as_of, yardstick, resolutions, 0))


@dataclass(frozen=True)
class PathPoint:
    """Every scenario's shown probability and state at one date of a path."""

    as_of: dt.date
    probabilities: dict[str, float | None]  # outcomes once resolved (None: void)
    forecasts: dict[str, float]  # the engine's replayed forecast, for scoring
    states: dict[str, str]
    intervals: dict[str, tuple[float, float] | None]  # 80% intervals (None when not asked)

    def probability(self, scenario_id: str) -> float | None:
        """The shown probability of one scenario."""
        return self.probabilities[scenario_id]


def path(
    engine: Engine,
    dates: Sequence[dt.date],
    resolutions: Sequence[Resolution] = (),
    intervals_too: bool = True,
) -> list[PathPoint]:
    """Each scenario's shown probability and state at each date (ascending): the forecast
    while open, the outcome from its resolution date on."""
    return points(engine.definitions, engine.path(dates, spread=intervals_too), resolutions)


def points(
    definitions: Definitions,
    assessments: Sequence[Assessment],
    resolutions: Sequence[Resolution] = (),
) -> list[PathPoint]:
    """The path points of assessments (with intervals where they carry a variance)."""
    scenarios = list(definitions.scenarios.values())
    out = []
    for assessment in assessments:
        day = assessment.as_of
        settled = current_resolutions(resolutions, day)
        forecasts = _forecasts(assessment)
        shown = outcome_probabilities(scenarios, forecasts, settled)
        states = {s.id: state_at(s, settled.get(s.id), day) for s in scenarios}
        standings = {
            s.id: Standing(s, states[s.id], forecasts[s.id], shown[s.id], "", settled.get(s.id))
            for s in scenarios
        }
        totals = {sid: r.log_ratio for sid, r in assessment.results.items()}
        spans = (
            intervals(standings, totals, assessment.variance, definitions)
            if assessment.variance is not None
            else dict.fromkeys(standings)
        )
        out.append(PathPoint(day, shown, forecasts, states, spans))
    return out


def _forecasts(assessment: Assessment) -> dict[str, float]:
    return {sid: r.probability for sid, r in assessment.results.items()}


def month_end(day: dt.date) -> dt.date:
    """The last day of day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def steps(start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    """Dates from start to end: month ends (step 'month') or every 7 days ('week'),
    always ending on end itself."""
    if start > end:
        return []
    dates: list[dt.date] = []
    if step == "week":
        day = end
        while day >= start:
            dates.append(day)
            day -= dt.timedelta(days=7)
        return dates[::-1]
    day = month_end(start)
    while day < end:
        dates.append(day)
        day = month_end(day + dt.timedelta(days=1))
    dates.append(end)
    return dates

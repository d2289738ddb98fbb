"""Questions, a scenario's life and the calls foresight makes. Pure, like the engine.

A judgement is a likelihood for a question over a time frame:

- A scenario outside any exclusive group is a yes/no question: will it happen by its
  horizon? Its call is its estimative phrase and the side of 50% it stands on.
- An exclusive group is one question whose answers are its scenarios plus "none of
  these". Its call is the leading answer, the runner-up and the margin between them.
- At a date D a scenario is *not yet open* (D before ``prior_set_on``), *open*,
  *awaiting resolution* (past its horizon, no resolution) or *resolved* (a resolution
  dated on or before D). Only open scenarios take part in calls.

Invariants (each one a property test):

- A group's answers, "none of these" included, sum to 1, resolved members too.
- A resolved scenario's probability is its outcome (1 or 0; none for void) from its
  resolution date on; the engine's forecast stays available beside it.
- A call compares only answers of one question: never two yes/no questions.
- An implication break is reported exactly when P(A) > P(B) while A implies B.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from foresight import scales
from foresight.engine import Settling, WhatIf
from foresight.records import Resolution

if TYPE_CHECKING:
    from foresight.models import Indicator, Scenario

NOT_YET_OPEN, OPEN, AWAITING, RESOLVED = "not-yet-open", "open", "awaiting-resolution", "resolved"
STATES = (NOT_YET_OPEN, OPEN, AWAITING, RESOLVED)
NONE_OF_THESE = "none of these"


def long_date(day: dt.date) -> str:
    """A date as readers write it: 31 December 2025."""
    return f"{day.day} {day:%B %Y}"


def time_frame(horizon: dt.date) -> str:
    """The time frame of a judgement: 'by 31 December 2025'."""
    return f"by {long_date(horizon)}"


def percent(probability: float) -> str:
    """A probability as a whole percentage, never rounded to a false 0% or 100%."""
    value = 100 * probability
    if 0 < value < 0.5:
        return "<1%"
    if 99.5 <= value < 100:
        return ">99%"
    return f"{value:.0f}%"


@dataclass(frozen=True)
class Standing:
    """One scenario at a date: its state, the engine's forecast and what a reader is shown."""

    scenario: Scenario
    state: str  # one of STATES
    forecast: float  # the engine's probability from priors and evidence
    probability: float | None  # the forecast, or the outcome once resolved (None: void)
    estimative: str
    resolution: Resolution | None = None
    settling: tuple[Settling, ...] = ()  # well-graded reports that meet its criterion

    @property
    def id(self) -> str:
        """The scenario's id."""
        return self.scenario.id

    @property
    def title(self) -> str:
        """The scenario's title."""
        return self.scenario.title

    @property
    def horizon(self) -> dt.date:
        """The date by which the scenario would have happened."""
        return self.scenario.horizon

    @property
    def time_frame(self) -> str:
        """'by 31 December 2025'."""
        return time_frame(self.scenario.horizon)

    @property
    def shown(self) -> str:
        """The probability as a reader sees it: '40%', 'happened', 'void'."""
        if self.resolution is not None:
            return self.resolution.outcome.replace("-", " ")
        return percent(self.probability or 0.0)


@dataclass(frozen=True)
class Answer:
    """One answer to a question: a scenario, or "none of these" (id None)."""

    id: str | None
    title: str
    probability: float
    estimative: str

    def as_json(self) -> dict[str, object]:
        """The answer as the JSON contracts give it."""
        return {
            "id": self.id,
            "title": self.title,
            "probability": round(self.probability, 6),
            "estimative": self.estimative,
        }


@dataclass(frozen=True)
class Change:
    """An unseen signpost and what seeing it would do to a question's call."""

    indicator: Indicator
    absent: bool
    effect: str  # a phrase: "would make … the leading answer", "would take it to …"
    flips: bool  # the call itself changes (a new leader, or the other side of 50%)
    probability: float  # afterwards: the leader's (group) or the scenario's (yes/no)

    def sentence(self) -> str:
        """'Title (id), if observed: effect'."""
        seen = "looked for and not found" if self.absent else "observed"
        return f"{self.indicator.title} ({self.indicator.id}), if {seen}: {self.effect}"

    def as_json(self) -> dict[str, object]:
        """The change as the JSON contracts give it."""
        return {
            "indicator": self.indicator.id,
            "title": self.indicator.title,
            "if": "absent" if self.absent else "observed",
            "effect": self.effect,
            "flips_the_call": self.flips,
            "probability_after": round(self.probability, 6),
        }


@dataclass(frozen=True)
class Question:
    """A group's "which of these, by when?" or a scenario's "will it happen by when?"."""

    id: str  # the group's id, or the scenario's
    kind: str  # "group" or "yes-no"
    horizon: dt.date
    state: str
    members: tuple[Standing, ...]
    answers: tuple[Answer, ...]  # open answers, most likely first ("none of these" included)
    yardstick: str
    changes: tuple[Change, ...] = ()

    @property
    def text(self) -> str:
        """The question as a reader would ask it."""
        if self.kind == "yes-no":
            return f"Will “{self.members[0].title}” happen {time_frame(self.horizon)}?"
        titles = [f"“{m.title}”" for m in self.members]
        return (
            f"Which of {', '.join(titles)} or none of these will happen {time_frame(self.horizon)}?"
        )

    @property
    def leader(self) -> Answer:
        """The leading answer (for a yes/no question, the scenario itself)."""
        return self.answers[0]

    @property
    def runner_up(self) -> Answer | None:
        """The second answer of a group, if any."""
        return self.answers[1] if self.kind == "group" and len(self.answers) > 1 else None

    @property
    def margin(self) -> float:
        """The leader's lead over the runner-up (a group), or the distance from 50% (yes/no)."""
        if self.kind == "yes-no":
            return abs(self.leader.probability - 0.5)
        second = self.runner_up
        return self.leader.probability - (second.probability if second else 0.0)

    @property
    def side(self) -> str:
        """For a yes/no question: 'yes' at 50% or above, else 'no'. For a group: the leader."""
        if self.kind == "yes-no":
            return "yes" if self.leader.probability >= 0.5 else "no"
        return self.leader.id or NONE_OF_THESE

    @property
    def call_probability(self) -> float:
        """How likely the call is: the leader's probability, or the likelier side of 50%."""
        p = self.leader.probability
        return max(p, 1.0 - p) if self.kind == "yes-no" else p

    def sentence(self) -> str:
        """The call in one plain sentence, with its time frame; compares only answers."""
        frame = time_frame(self.horizon)
        top = self.leader
        if self.kind == "yes-no":
            return (
                f"“{top.title}” is {top.estimative} {frame}: {percent(top.probability)}, "
                f"{'at or above' if self.side == 'yes' else 'below'} even odds."
            )
        name = "None of these answers" if top.id is None else f"“{top.title}”"
        text = f"{name} leads {frame} at {percent(top.probability)} ({top.estimative})"
        second = self.runner_up
        if second is None:
            return text + "."
        other = "none of these" if second.id is None else f"“{second.title}”"
        return (
            f"{text}, ahead of {other} at {percent(second.probability)} by "
            f"{100 * self.margin:.0f} percentage points."
        )

    def as_json(self) -> dict[str, object]:
        """The question as the JSON contracts give it."""
        second = self.runner_up
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.text,
            "horizon": self.horizon.isoformat(),
            "time_frame": time_frame(self.horizon),
            "state": self.state,
            "scenarios": [m.id for m in self.members],
            "answers": [a.as_json() for a in self.answers],
            "call": {
                "answer": self.leader.id if self.kind == "group" else self.side,
                "probability": round(self.call_probability, 6),
                "estimative": self.leader.estimative,
                "runner_up": second.id if second else None,
                "margin": round(self.margin, 6),
                "sentence": self.sentence(),
            },
            "would_change_the_call": [c.as_json() for c in self.changes],
        }


@dataclass(frozen=True)
class Incoherence:
    """A scenario more likely than one it implies: P(A) > P(B) while A implies B."""

    scenario: Standing
    implied: Standing

    @property
    def excess(self) -> float:
        """By how much P(A) exceeds P(B)."""
        return (self.scenario.probability or 0.0) - (self.implied.probability or 0.0)

    def sentence(self) -> str:
        """The warning a reader sees."""
        a, b = self.scenario, self.implied
        return (
            f"{a.id} ({percent(a.probability or 0.0)}) implies {b.id} "
            f"({percent(b.probability or 0.0)}) but is {100 * self.excess:.1f} percentage points "
            f"more likely; a scenario cannot be more likely than one it implies: revisit the "
            f"weights or priors of the two."
        )

    def as_json(self) -> dict[str, object]:
        """The warning as the JSON contracts give it."""
        return {
            "scenario": self.scenario.id,
            "implies": self.implied.id,
            "excess": round(self.excess, 6),
            "message": self.sentence(),
        }


@dataclass(frozen=True)
class Board:
    """Everything a reader is told at one date: scenarios, questions, warnings, prompts."""

    as_of: dt.date
    standings: dict[str, Standing]
    questions: list[Question]  # every question, open ones first by how likely their call is
    incoherences: list[Incoherence] = field(default_factory=list)

    @property
    def open_questions(self) -> list[Question]:
        """Questions still open, most confident call first."""
        return [q for q in self.questions if q.state == OPEN]

    def in_state(self, state: str) -> list[Standing]:
        """Scenarios in one state, in definition order."""
        return [s for s in self.standings.values() if s.state == state]

    @property
    def settled_by_evidence(self) -> list[Standing]:
        """Unresolved scenarios whose resolution criterion a well-graded report appears to meet."""
        return [s for s in self.standings.values() if s.settling and s.resolution is None]


def state_at(scenario: Scenario, resolution: Resolution | None, as_of: dt.date) -> str:
    """A scenario's state at as_of (resolution: its current one dated by as_of, if any)."""
    if resolution is not None and resolution.resolved_on <= as_of:
        return RESOLVED
    if as_of < scenario.prior_set_on:
        return NOT_YET_OPEN
    if as_of > scenario.horizon:
        return AWAITING
    return OPEN


def outcome_probabilities(
    scenarios: Iterable[Scenario],
    forecasts: Mapping[str, float],
    resolutions: Mapping[str, Resolution],
) -> dict[str, float | None]:
    """Each scenario's probability once resolutions are applied.

    A resolved scenario takes its outcome (1 happened, 0 did not, None void). In a group,
    a member that happened takes all the mass; members that did not happen (or were voided)
    leave it to the rest, which are conditioned on their not happening."""
    out: dict[str, float | None] = {}
    groups: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        if scenario.group:
            groups.setdefault(scenario.group, []).append(scenario)
            continue
        out[scenario.id] = _outcome(resolutions.get(scenario.id), forecasts[scenario.id])
    for members in groups.values():
        settled = {m.id: resolutions[m.id] for m in members if m.id in resolutions}
        winner = next((sid for sid, r in settled.items() if r.outcome == "happened"), None)
        gone = sum(forecasts[sid] for sid in settled)
        for member in members:
            resolution = settled.get(member.id)
            if resolution is not None:
                out[member.id] = _outcome(resolution, forecasts[member.id])
            elif winner is not None:
                out[member.id] = 0.0
            else:
                out[member.id] = forecasts[member.id] / (1.0 - gone) if gone < 1.0 else 0.0
    return out


def none_of_these(members: Sequence[Scenario], probabilities: Mapping[str, float | None]) -> float:
    """The probability of a group's "none of these" answer."""
    return max(0.0, 1.0 - sum(probabilities[m.id] or 0.0 for m in members))


def _outcome(resolution: Resolution | None, forecast: float) -> float | None:
    if resolution is None:
        return forecast
    return {"happened": 1.0, "did-not-happen": 0.0}.get(resolution.outcome)


def board(
    scenarios: Sequence[Scenario],
    forecasts: Mapping[str, float],
    as_of: dt.date,
    yardstick: str,
    resolutions: Mapping[str, Resolution],
    what_ifs: Sequence[WhatIf] = (),
    settling: Mapping[str, Sequence[Settling]] | None = None,
    limit: int = 3,
) -> Board:
    """Standings, questions, implication warnings and call changers at as_of.

    resolutions: each scenario's current resolution (only those dated by as_of apply)."""
    applying = {sid: r for sid, r in resolutions.items() if r.resolved_on <= as_of}
    shown = outcome_probabilities(scenarios, forecasts, applying)
    standings: dict[str, Standing] = {}
    for scenario in scenarios:
        probability = shown[scenario.id]
        resolution = applying.get(scenario.id)
        reports = tuple(r for r in (settling or {}).get(scenario.id, ()) if r.actionable)
        standings[scenario.id] = Standing(
            scenario,
            state_at(scenario, resolution, as_of),
            forecasts[scenario.id],
            probability,
            scales.estimative(probability, yardstick) if probability is not None else "void",
            resolution,
            reports if resolution is None else (),
        )
    questions = [
        _question(qid, members, standings, applying, yardstick, what_ifs, limit)
        for qid, members in _question_members(scenarios).items()
    ]
    order = {OPEN: 0, AWAITING: 1, NOT_YET_OPEN: 2, RESOLVED: 3}
    questions.sort(key=lambda q: (order[q.state], -q.call_probability))
    incoherences = [
        Incoherence(standings[s.id], standings[target])
        for s in scenarios
        for target in s.implies
        if target in standings
        and standings[s.id].probability is not None
        and standings[target].probability is not None
        and standings[s.id].probability > standings[target].probability  # type: ignore[operator]
    ]
    return Board(as_of, standings, questions, incoherences)


def _question_members(scenarios: Sequence[Scenario]) -> dict[str, list[Scenario]]:
    out: dict[str, list[Scenario]] = {}
    for scenario in scenarios:
        out.setdefault(scenario.group or scenario.id, []).append(scenario)
    return out


def _question(
    qid: str,
    members: list[Scenario],
    standings: dict[str, Standing],
    resolutions: Mapping[str, Resolution],
    yardstick: str,
    what_ifs: Sequence[WhatIf],
    limit: int,
) -> Question:
    rows = tuple(standings[m.id] for m in members)
    grouped = members[0].group is not None
    horizon = max(m.horizon for m in members)
    states = {r.state for r in rows}
    won = grouped and any(r.resolution and r.resolution.outcome == "happened" for r in rows)
    if won or states == {RESOLVED}:
        state = RESOLVED
    elif OPEN in states:
        state = OPEN
    elif AWAITING in states:
        state = AWAITING
    else:
        state = NOT_YET_OPEN if NOT_YET_OPEN in states else RESOLVED

    def answers(probabilities: Mapping[str, float | None]) -> list[Answer]:
        live = [m for m in members if standings[m.id].state in (OPEN, state)]
        out = [
            Answer(
                m.id,
                m.title,
                probabilities[m.id] or 0.0,
                scales.estimative(probabilities[m.id] or 0.0, yardstick),
            )
            for m in live
            if standings[m.id].resolution is None
        ]
        if grouped:
            rest = none_of_these(members, probabilities)
            out.append(Answer(None, NONE_OF_THESE, rest, scales.estimative(rest, yardstick)))
        out.sort(key=lambda a: -a.probability)
        return out

    now = {sid: s.probability for sid, s in standings.items()}
    current = answers(now)
    if not current:  # a resolved yes/no question: its one answer is its outcome
        only = rows[0]
        current = [Answer(only.id, only.title, only.probability or 0.0, only.estimative)]
    question = Question(
        qid, "group" if grouped else "yes-no", horizon, state, rows, tuple(current), yardstick
    )
    if state != OPEN:
        return question
    changes: list[Change] = []
    ids = {m.id for m in members}
    for what_if in what_ifs:
        if not ids & what_if.probabilities.keys():
            continue
        forecasts = {sid: what_if.probabilities[sid] for sid in ids}
        after = outcome_probabilities(members, forecasts, resolutions)
        change = _change(question, what_if, answers(after))
        if change is not None:
            changes.append(change)
    changes.sort(key=lambda c: (not c.flips, _distance(question, c), c.indicator.id, c.absent))
    return Question(
        qid, question.kind, horizon, state, rows, tuple(current), yardstick, tuple(changes[:limit])
    )


def _change(question: Question, what_if: WhatIf, after: list[Answer]) -> Change | None:
    """What the signpost would do to the call, or None if it would not change or narrow it."""
    if question.kind == "yes-no":
        before, now = question.leader, after[0]
        if abs(now.probability - before.probability) < 1e-9:
            return None
        crosses = (now.probability >= 0.5) != (before.probability >= 0.5)
        if now.estimative == before.estimative and not crosses:
            return None
        effect = f"would take it to {percent(now.probability)} ({now.estimative})"
        if crosses:
            effect += ", across even odds"
        return Change(what_if.indicator, what_if.absent, effect, crosses, now.probability)
    leader, second = question.leader, question.runner_up
    by_id = {a.id: a for a in after}
    if leader.id not in by_id:
        return None
    new_leader = after[0]
    if new_leader.id != leader.id:
        name = "none of these" if new_leader.id is None else f"“{new_leader.title}”"
        effect = f"would make {name} the leading answer at {percent(new_leader.probability)}"
        return Change(what_if.indicator, what_if.absent, effect, True, new_leader.probability)
    if second is None:
        return None
    margin = by_id[leader.id].probability - by_id[second.id].probability
    if margin >= question.margin - 1e-9:
        return None
    effect = f"would narrow the lead to {100 * margin:.0f} percentage points"
    return Change(what_if.indicator, what_if.absent, effect, False, by_id[leader.id].probability)


def _distance(question: Question, change: Change) -> float:
    """Sort key: how far the call would be from changing afterwards (smaller first)."""
    if question.kind == "yes-no":
        return -abs(change.probability - question.leader.probability)
    return change.probability


def resolve_command(standing: Standing, report: Settling, source: str) -> str:
    """The exact `foresight resolve …` command that records what a settling report says."""
    return (
        f"foresight resolve {standing.id} --outcome {report.outcome} "
        f"--on {report.observed_on.isoformat()} "
        f"--source {shlex.quote(source)}"
    )

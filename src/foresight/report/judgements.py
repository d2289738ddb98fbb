"""Key judgements: one sentence per open question, what moved it and what would change it.

Every sentence is built from the board of questions (foresight.questions) and the month's
contributions: nothing is written that the numbers do not say.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from foresight.confidence import Confidence
from foresight.definitions import Definitions
from foresight.engine import Contribution
from foresight.questions import Change, Question, time_frame
from foresight.report.citations import Citations, Reference
from foresight.report.common import NOTABLE, clause, long_date, pct
from foresight.report.scenarios import ScenarioRow, movement


@dataclass(frozen=True)
class KeyJudgement:
    """One open question's call, in estimative language, with its time frame."""

    question_id: str
    sentence: str  # 'Likely (76%) that Russia … by 31 December 2025.'
    probability: float
    estimative: str
    time_frame: str
    since: str  # what changed since the previous month's end, without a final full stop
    citation: Reference | None  # the month's report that moved the call most, if any
    would_change: str | None  # what would most change the call, a whole sentence
    # High, moderate or low, when the confidence assessment gives one: shown only when set.
    confidence: str | None = None
    confidence_reasons: tuple[str, ...] = ()


def key_judgements(
    questions: list[Question],
    by_id: dict[str, ScenarioRow],
    monthly: dict[str, list[Contribution]],
    definitions: Definitions,
    citations: Citations,
    previous_end: dt.date,
    confidence: Callable[[str], Confidence | None] = lambda question_id: None,
) -> list[KeyJudgement]:
    """One judgement per open question, most confident call first, with its confidence
    when one is assessed (confidence: a question id to its analytic confidence)."""
    judgements = []
    for question in questions:
        judgement = _judgement(question, by_id, monthly, definitions, citations, previous_end)
        assessed = confidence(question.id)
        if assessed is not None:
            reasons = tuple(_cited(r, definitions) for r in assessed.reasons)
            judgement = replace(judgement, confidence=assessed.level, confidence_reasons=reasons)
        judgements.append(judgement)
    return judgements


def _cited(reason: str, definitions: Definitions) -> str:
    """A reason with every register id it names written as its short citation."""
    for sid, document in definitions.sources.items():
        reason = re.sub(rf"(?<![\w-]){re.escape(sid)}(?![\w-])", document.short, reason)
    return reason


def _judgement(
    question: Question,
    by_id: dict[str, ScenarioRow],
    monthly: dict[str, list[Contribution]],
    definitions: Definitions,
    citations: Citations,
    previous_end: dt.date,
) -> KeyJudgement:
    frame = time_frame(question.horizon)
    leader = question.leader
    phrase = leader.estimative[:1].upper() + leader.estimative[1:]
    if question.kind == "yes-no":
        row = by_id[question.id]
        sentence = f"{phrase} ({pct(leader.probability)}) that {clause(row.title)} {frame}."
    else:
        members = [by_id[m.id] for m in question.members]
        answers = len(members) + 1  # with "none of these"
        if leader.id is None:
            named = " or ".join(f"\u201c{r.label}\u201d" for r in members)
            sentence = f"{phrase} ({pct(leader.probability)}) that neither {named} happens {frame}"
        else:
            sentence = (
                f"{phrase} ({pct(leader.probability)}) that {clause(by_id[leader.id].title)} "
                f"{frame}, the likeliest of {answers} answers"
            )
        second = question.runner_up
        if second is not None:
            other = (
                "none of these" if second.id is None else f"\u201c{by_id[second.id].label}\u201d"
            )
            sentence += f", {100 * question.margin:.0f} points ahead of {other}"
        sentence += "."
    moved = [by_id[m.id] for m in question.members]
    since, citation = _since(question, moved, monthly, definitions, citations, previous_end)
    would = _would_change(question.changes[0]) if question.changes else None
    return KeyJudgement(
        question.id,
        sentence,
        leader.probability,
        leader.estimative,
        frame,
        since,
        citation,
        would,
    )


def _since(
    question: Question,
    rows: list[ScenarioRow],
    monthly: dict[str, list[Contribution]],
    definitions: Definitions,
    citations: Citations,
    previous_end: dt.date,
) -> tuple[str, Reference | None]:
    """How the call moved since the previous month's end, and the report that moved it most."""
    if question.kind == "yes-no" or question.leader.id is not None:
        row = next(r for r in rows if r.id == (question.leader.id or question.id))
        change = row.change
    else:
        change = sum(-r.change for r in rows if r.outcome is None)
    if abs(change) < NOTABLE:
        text = f"Unchanged since {long_date(previous_end)}"
    else:
        text = (
            f"{'Up' if change > 0 else 'Down'} {abs(100 * change):.1f} points since "
            f"{long_date(previous_end)}"
        )
    contributions = [c for r in rows for c in monthly[r.id]]
    if not contributions:
        return text + "; no report of the month moved it", None
    best = max(contributions, key=lambda c: abs(c.points))
    seen = movement(best, definitions, citations)
    what = (
        f"finding no sign of \u201c{seen.indicator_title}\u201d"
        if seen.absent
        else f"\u201c{seen.indicator_title}\u201d"
    )
    return (
        f"{text}; the month's strongest report was {what} ({seen.citation.short}, graded "
        f"{seen.grading}, {long_date(seen.observed_on)})",
        seen.citation,
    )


def _would_change(change: Change) -> str:
    seen = "found absent when looked for" if change.absent else "observed"
    return f"\u201c{change.indicator.title}\u201d, if {seen}, {change.effect}."


def headline(judgements: list[KeyJudgement], when: dt.date) -> str:
    """The index's one line: the most confident open call."""
    if not judgements:
        return f"No question is open as of {long_date(when)}."
    return judgements[0].sentence

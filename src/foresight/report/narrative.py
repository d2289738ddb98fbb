"""This month in brief: the month's reports told in dated lines, question by question.

Generated from the log alone: each line says what was observed (or looked for and not
found), who reported it, how it was graded and which numbered source it comes from. The
analyst's own commentary for the month, when the workspace has one, is kept apart from
it and shown as written (escaped like any analyst text).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from foresight.definitions import Definitions
from foresight.engine import Contribution
from foresight.questions import Question
from foresight.report.citations import Citations, Reference
from foresight.report.common import clause
from foresight.report.scenarios import ScenarioRow, movement

LINES_SHOWN = 6  # lines per question; the rest are counted and left to the annex


@dataclass(frozen=True)
class MonthLine:
    """One report of the month, as a dated sentence."""

    observed_on: dt.date
    indicator_title: str
    absent: bool
    grading: str
    citation: Reference

    @property
    def what(self) -> str:
        """'Looked for and not found: …' or the indicator's title."""
        if self.absent:
            return f"Looked for and not found: {clause(self.indicator_title)}"
        return self.indicator_title


@dataclass(frozen=True)
class MonthGroup:
    """The month's reports that bear most on one question."""

    question_id: str
    heading: str  # the scenario's short title, or the group's answers
    lines: list[MonthLine]
    more: int  # further reports not listed here


@dataclass(frozen=True)
class ThisMonth:
    """The month's narrative and the analyst's commentary."""

    groups: list[MonthGroup]
    reports: int  # reports of the month that moved any scenario
    commentary: list[str]  # paragraphs of the analyst's commentary, as written


def this_month(
    questions: list[Question],
    by_id: dict[str, ScenarioRow],
    monthly: dict[str, list[Contribution]],
    definitions: Definitions,
    citations: Citations,
    commentary: str = "",
) -> ThisMonth:
    """Group the month's moving reports under the question of the scenario they moved most."""
    question_of = {m.id: q.id for q in questions for m in q.members}
    strongest: dict[int, tuple[float, str, Contribution]] = {}
    for sid, contributions in monthly.items():
        for c in contributions:
            oid = c.observation.id
            if oid not in strongest or abs(c.points) > strongest[oid][0]:
                strongest[oid] = (abs(c.points), question_of[sid], c)
    per_question: dict[str, list[Contribution]] = {}
    for _, qid, c in strongest.values():
        per_question.setdefault(qid, []).append(c)
    groups = []
    for question in questions:
        found = sorted(
            per_question.get(question.id, []),
            key=lambda c: (c.observation.observed_on, c.observation.id),
        )
        if not found:
            continue
        lines = []
        for c in found[:LINES_SHOWN]:
            seen = movement(c, definitions, citations)
            lines.append(
                MonthLine(
                    seen.observed_on, seen.indicator_title, seen.absent, seen.grading, seen.citation
                )
            )
        heading = (
            by_id[question.id].label
            if question.kind == "yes-no"
            else " / ".join(by_id[m.id].label for m in question.members)
        )
        groups.append(MonthGroup(question.id, heading, lines, max(0, len(found) - LINES_SHOWN)))
    return ThisMonth(groups, len(strongest), paragraphs(commentary))


def paragraphs(text: str) -> list[str]:
    """Split text into paragraphs at blank lines, each on one line."""
    blocks = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        joined = " ".join(block.split())
        if joined:
            blocks.append(joined)
    return blocks

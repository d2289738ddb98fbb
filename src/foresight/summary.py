"""Answers built on the engine: the status table, the favoured call, probability paths."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from foresight import scales
from foresight.engine import Assessment, CallChanger, Engine
from foresight.records import Resolution, current_resolutions


@dataclass(frozen=True)
class StatusRow:
    """One scenario's line in the status table."""

    id: str
    title: str
    probability: float
    prior: float
    estimative: str
    change_30d: float
    group: str | None
    awaiting_resolution: bool = False  # past its horizon with no resolution
    resolution: Resolution | None = None  # the current one, settled by the status date

    def as_json(self) -> dict[str, object]:
        """The row as the `status --json` contract gives it."""
        settled = self.resolution
        return {
            "id": self.id,
            "title": self.title,
            "probability": round(self.probability, 6),
            "prior": self.prior,
            "estimative": self.estimative,
            "change_30d": round(self.change_30d, 6),
            "group": self.group,
            "awaiting_resolution": self.awaiting_resolution,
            "resolution": None
            if settled is None
            else {
                "id": settled.id,
                "outcome": settled.outcome,
                "resolved_on": settled.resolved_on.isoformat(),
                "source": settled.source,
                "analyst": settled.analyst,
            },
        }


@dataclass(frozen=True)
class Status:
    """Every scenario's standing at a date, most likely first."""

    as_of: dt.date
    rows: list[StatusRow]
    assessment: Assessment

    @property
    def favoured(self) -> StatusRow:
        """The most likely scenario."""
        return self.rows[0]

    def as_json(self) -> dict[str, object]:
        """The `status --json` document."""
        return {
            "as_of": self.as_of.isoformat(),
            "favoured": self.favoured.id,
            "scenarios": [row.as_json() for row in self.rows],
        }


def status(
    engine: Engine, as_of: dt.date, yardstick: str, resolutions: Sequence[Resolution] = ()
) -> Status:
    """Each scenario's probability, phrase and 30-day change at as_of, and its resolution."""
    before, now = engine.path([as_of - dt.timedelta(days=30), as_of])
    settled = current_resolutions(resolutions, as_of)
    rows = [
        StatusRow(
            r.id,
            r.scenario.title,
            r.probability,
            r.prior,
            scales.estimative(r.probability, yardstick),
            r.probability - before.probability(r.id),
            r.scenario.group,
            r.id not in settled and r.scenario.horizon < as_of,
            settled.get(r.id),
        )
        for r in now.ranked()
    ]
    return Status(as_of, rows, now)


@dataclass(frozen=True)
class Call:
    """The favoured scenario, the runner-up, the margin, and what would change the call."""

    status: Status
    changers: list[CallChanger]

    @property
    def runner_up(self) -> StatusRow | None:
        """The second most likely scenario, if there is one."""
        return self.status.rows[1] if len(self.status.rows) > 1 else None

    @property
    def margin(self) -> float:
        """The favoured scenario's lead over the runner-up, in probability."""
        second = self.runner_up
        return self.status.favoured.probability - (second.probability if second else 0.0)

    def sentence(self) -> str:
        """One plain sentence a manager can read."""
        top = self.status.favoured
        text = (
            f"As of {self.status.as_of.day} {self.status.as_of:%B %Y}, the favoured scenario is "
            f'"{top.title}" at {top.probability:.0%} ({top.estimative})'
        )
        second = self.runner_up
        if second is None:
            return text + "."
        return (
            text + f', ahead of "{second.title}" at {second.probability:.0%} '
            f"by {100 * self.margin:.0f} percentage points."
        )

    def what_would_change(self) -> list[str]:
        """One line per unseen indicator that would most narrow or flip the margin."""
        top = self.status.favoured
        lines = []
        for changer in self.changers:
            seen = "looked for and not found" if changer.absent else "observed"
            if changer.favoured != top.id:
                effect = f"would flip the call to {changer.favoured}"
            else:
                effect = f"would narrow the lead to {100 * changer.margin:.0f} pp"
            lines.append(f"{changer.indicator.title} ({changer.indicator.id}), if {seen}: {effect}")
        return lines

    def as_json(self) -> dict[str, object]:
        """The `favoured --json` document."""
        second = self.runner_up
        return {
            "as_of": self.status.as_of.isoformat(),
            "sentence": self.sentence(),
            "favoured": self.status.favoured.as_json(),
            "runner_up": second.as_json() if second else None,
            "margin": round(self.margin, 6),
            "would_change_the_call": [
                {
                    "indicator": c.indicator.id,
                    "title": c.indicator.title,
                    "if": "absent" if c.absent else "observed",
                    "favoured_after": c.favoured,
                    "margin_after": round(c.margin, 6),
                }
                for c in self.changers
            ],
        }


def favoured(engine: Engine, as_of: dt.date, yardstick: str, limit: int = 3) -> Call:
    """The favoured call at as_of and the signposts that would most change it."""
    return Call(status(engine, as_of, yardstick), engine.call_changers(as_of, limit))


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

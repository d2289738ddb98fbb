"""Records read from the store, observations and resolutions: what engine, CLI and reports use.

Plain slotted dataclasses (not pydantic) because a team's log holds millions of them.
Treat them as immutable. Observation is not declared frozen only because frozen
dataclasses are seven times slower to build, which a large brief feels.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


class MonthDate(dt.date):
    """A date known only to its month (written 2022-06), standing for one real day.

    The rule: a month-only date counts from the month's last day, the first day by which
    the event has certainly happened (for the current month: today). So it ages and sorts
    as that day, an as-of date within the month never counts it early, and everything
    that reads a date (the engine, SQL) needs no change. It shows as "June 2022" and is
    written back as 2022-06, so an export imports with the same precision.
    """

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self:%B %Y}"

    def __add__(self, other: dt.timedelta) -> dt.date:  # type: ignore[override]
        return dt.date(self.year, self.month, self.day) + other

    __radd__ = __add__

    def __sub__(self, other: Any) -> Any:
        return dt.date(self.year, self.month, self.day) - other


def month_date(year: int, month: int, today: dt.date | None = None) -> MonthDate:
    """The day a month-only date stands for: its last day, or today within the current month."""
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    if today is not None and last > today >= last.replace(day=1):
        last = today
    return MonthDate(last.year, last.month, last.day)


def date_precision(day: dt.date) -> str:
    """'month' for a month-only date, else 'day'."""
    return "month" if isinstance(day, MonthDate) else "day"


def with_precision(day: dt.date, precision: str) -> dt.date:
    """The date as read back from a store, with its precision restored."""
    if precision == "month":
        return MonthDate(day.year, day.month, day.day)
    return day


def date_text(day: dt.date) -> str:
    """The date as files write it: 2022-06 for a month-only date, else YYYY-MM-DD."""
    return f"{day:%Y-%m}" if isinstance(day, MonthDate) else day.isoformat()


def show_date(day: dt.date) -> str:
    """The date as people read it: 'June 2022' for a month-only date, else YYYY-MM-DD."""
    return str(day) if isinstance(day, MonthDate) else day.isoformat()


@dataclass(slots=True, unsafe_hash=True)
class Observation:
    """One logged report against an indicator, with its audit trail."""

    id: int
    indicator: str
    observed_on: dt.date
    recorded_at: dt.datetime  # UTC, set by the tool
    analyst: str
    absent: bool  # True: looked for and not found
    strength: float  # how clearly the event fits the indicator, in (0, 1]
    source: str
    source_url: str | None
    reliability: str  # Admiralty A-F
    credibility: int  # Admiralty 1-6
    event: str | None  # reports sharing an event key are one event
    tlp: str  # TLP 2.0 level
    note: str
    amends: int | None = None  # id of the observation this one replaces
    retracted_at: dt.datetime | None = None
    retracted_by: str | None = None
    retraction_reason: str | None = None

    @property
    def retracted(self) -> bool:
        """Whether the observation has been retracted (at any time)."""
        return self.retracted_at is not None

    def known_on(self, day: dt.date) -> bool:
        """Whether the observation had been recorded, and not yet retracted, by the end of day."""
        if self.recorded_at.date() > day:
            return False
        return self.retracted_at is None or self.retracted_at.date() > day


OUTCOMES: tuple[str, ...] = ("happened", "did-not-happen", "void")
"""How a scenario can resolve; a void question (its premise fell away) is not scored."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a scenario turned out, logged by an analyst, with its audit trail."""

    id: int
    scenario: str
    outcome: str  # one of OUTCOMES
    resolved_on: dt.date  # the day the outcome was settled
    source: str
    note: str
    analyst: str
    recorded_at: dt.datetime  # UTC, set by the tool
    retracted_at: dt.datetime | None = None
    retracted_by: str | None = None
    retraction_reason: str | None = None

    @property
    def retracted(self) -> bool:
        """Whether the resolution has been retracted (at any time)."""
        return self.retracted_at is not None

    @property
    def happened(self) -> bool | None:
        """True or False for a scored outcome, None for a void one."""
        return None if self.outcome == "void" else self.outcome == "happened"

    def known_on(self, day: dt.date) -> bool:
        """Whether the resolution had been recorded, and not yet retracted, by the end of day."""
        if self.recorded_at.date() > day:
            return False
        return self.retracted_at is None or self.retracted_at.date() > day


def current_resolutions(
    resolutions: Iterable[Resolution], as_of: dt.date | None = None
) -> dict[str, Resolution]:
    """Each scenario's current (not retracted) resolution, settled on or before as_of."""
    return {
        r.scenario: r
        for r in resolutions
        if not r.retracted and (as_of is None or r.resolved_on <= as_of)
    }

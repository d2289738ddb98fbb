"""Records read from the store, observations and resolutions: what engine, CLI and reports use.

Plain slotted dataclasses (not pydantic) because a team's log holds millions of them.
Treat them as immutable. Observation is not declared frozen only because frozen
dataclasses are seven times slower to build, which a large brief feels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


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

"""Likely duplicates: reports that look like second copies of one report, counted twice.

Reports count once per event only when they share an event key. A report logged again
with only its marking, address or note changed is a new observation with no key in
common, so it counts again; these helpers find such reports so the CLI can warn. Pure:
they compare rows with the logged observations they are given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from foresight.records import Observation
from foresight.store import NewObservation


@dataclass(frozen=True)
class Duplicate:
    """A report that looks like a second copy of another: the same indicator, date, side
    and source, with no event key shared (so both count), but not identical."""

    index: int  # of the new row
    logged: Observation | None  # the logged report it repeats, or None
    earlier: int | None = None  # else the index of the earlier new row it repeats


def _same_report(a: NewObservation | Observation, b: NewObservation | Observation) -> bool:
    """Whether two reports look like copies of one report of one event."""
    if a.indicator != b.indicator or a.observed_on != b.observed_on or a.absent != b.absent:
        return False
    if a.source.casefold() != b.source.casefold():
        return False
    if a.event and b.event:
        return False  # the same key counts once; different keys were declared distinct
    # Identical content is not a duplicate to warn about: the store skips it.
    return _content(a) != _content(b)


def _content(row: NewObservation | Observation) -> tuple[Any, ...]:
    return (
        row.strength,
        row.source,
        row.source_url,
        row.reliability,
        row.credibility,
        row.event,
        row.tlp,
        row.note,
    )


def likely_duplicates(
    rows: Sequence[NewObservation], logged: Iterable[Observation]
) -> list[Duplicate]:
    """The new rows that look like further copies of a logged report or of an earlier row.

    logged: the current (not retracted) observations to compare with; only those of the
    rows' indicators and dates matter.
    """

    def key(row: NewObservation | Observation) -> int:
        # A hash, not the tuple: a million-row import keeps one small int per row.
        return hash((row.indicator, row.observed_on, row.absent, row.source.casefold()))

    earlier: dict[int, list[Observation]] = {}
    for obs in logged:
        earlier.setdefault(key(obs), []).append(obs)
    first: dict[int, int] = {}
    found: list[Duplicate] = []
    for index, row in enumerate(rows):
        if row.retracted_at is not None:
            continue
        k = key(row)
        candidates = earlier.get(k, ())
        if any(_content(row) == _content(o) for o in candidates):
            continue  # already logged: the store skips it
        match = next((o for o in candidates if _same_report(row, o)), None)
        if match is not None:
            found.append(Duplicate(index, match))
            continue
        before = first.setdefault(k, index)
        if before != index and _same_report(row, rows[before]):
            found.append(Duplicate(index, None, before))
    return found


def event_advice(new_id: int, old: Observation) -> str:
    """How to make a second report of one event count once: give both one event key."""
    if old.event:
        return (
            f"If both report the same event, give it the same event key: 'foresight amend "
            f'{new_id} --event {old.event} --reason "same event as {old.id}"\''
        )
    return (
        f"If both report the same event, give both one event key: 'foresight amend {old.id} "
        f"--event KEY --reason …' and 'foresight amend {new_id} --event KEY --reason …'"
    )

"""Chains: one indicator's reports on one side, and what they weigh at a date.

Pure: no files, no SQL. The engine keeps one chain per (indicator, absent, settling) and
asks each chain's state at a date for its weight: the aged weights of its strongest
events, strongest first, times ``RETURNS ** (rank - 1)``.

A chain's events are ranked by a potential, log(trust) + day x rate, that does not depend
on the date asked about, so every event ages by the same factor between two dates. A
state therefore sums its events once, relative to its strongest one, and answers any date
with one exponential: weight(day) = exp(potential of the strongest - day x rate) x sum.
The sum is recomputed only when the top events change.
"""

from __future__ import annotations

import bisect
import heapq
import math
import operator
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

RETURNS = 0.5  # each further distinct event of an indicator counts half the one before it
TOP_EVENTS = 64  # events beyond this rank weigh less than RETURNS**64 ~ 5e-20: dropped
_FACTORS = [RETURNS**k for k in range(TOP_EVENTS)]  # RETURNS**(rank - 1), exact
SPREAD_RANKS = 16  # beyond, an event's share of the variance is < RETURNS**32 ~ 2e-10

# One report inside the engine: (day, potential, event, id). The potential is
# log(trust) + day * ln2 / half-life, the report's weight at day 0 in log space, so that
# ranking events never depends on the date asked about. A report without an event key is
# an event of its own: its event is its id.
Entry = tuple[int, float, str | int, int]


def merge(entry: Entry, current: Entry | None, rate: float) -> Entry | None:
    """The event's standing entry once entry (not earlier than current) joins it, or None
    if nothing changes. The event is as old as its earliest report and as trusted as its
    most trusted one (on a tie the earliest logged stands for it)."""
    if current is None:
        return entry
    trust = entry[1] - entry[0] * rate
    held = current[1] - current[0] * rate
    if trust > held or (trust == held and entry[3] < current[3]):
        return (current[0], trust + current[0] * rate, current[2], entry[3])
    return None


_potential = operator.itemgetter(1)
# Of two equally strong events, the one whose standing report was logged later ranks
# first, so that the top never depends on the order the events were gathered in.
_rank = operator.itemgetter(1, 3)


def strongest(candidates: Iterable[Entry], keyed: Iterable[Entry]) -> list[Entry]:
    """The strongest TOP_EVENTS events, strongest first (see _rank)."""
    pool = [*candidates, *keyed]
    found = heapq.nlargest(TOP_EVENTS + 1, pool, key=_potential)
    if len({entry[1] for entry in found}) < len(found):  # some are equally strong
        if len(found) > TOP_EVENTS and found[TOP_EVENTS - 1][1] == found[TOP_EVENTS][1]:
            return heapq.nlargest(TOP_EVENTS, pool, key=_rank)  # a tie across the cut
        found.sort(key=_rank, reverse=True)
    return found[:TOP_EVENTS]


@dataclass
class ChainLog:
    """One chain's reports, split by whether they carry an event key."""

    rate: float  # ln2 / half-life per day, 0 for lasting facts
    copy: bool = False  # a settling chain: the same reports as the observed chain
    unkeyed: list[Entry] = field(default_factory=list)  # sorted by date
    keyed: list[Entry] = field(default_factory=list)  # sorted by date
    unkeyed_days: list[int] = field(default_factory=list)
    keyed_days: list[int] = field(default_factory=list)
    # From an evidence summary, which holds only the reports that can still count: the
    # days reports came in, and how many reports (all, kept or not) count by each.
    count_days: list[int] | None = None
    count_totals: list[int] = field(default_factory=list)

    def reports_by(self, day: int) -> int:
        """How many of the chain's reports are dated on or before day."""
        if self.count_days is None:
            return bisect.bisect_right(self.unkeyed_days, day) + bisect.bisect_right(
                self.keyed_days, day
            )
        index = bisect.bisect_right(self.count_days, day)
        return self.count_totals[index - 1] if index else 0


class ChainState:
    """A chain at one date: the reports standing for keyed events, and the top events.

    The top list is replaced, never changed in place, so the sums kept for it stay true
    until the next replacement."""

    __slots__ = ("_head", "_holding", "_shares", "_spread", "_terms", "_top", "best", "rate")

    def __init__(self, rate: float, top: list[Entry] | None = None) -> None:
        self.rate = rate
        self.best: dict[object, Entry] = {}  # keyed event -> standing report
        self.top = top if top is not None else []

    @property
    def top(self) -> list[Entry]:
        """The strongest events, strongest first, at most TOP_EVENTS."""
        return self._top

    @top.setter
    def top(self, entries: list[Entry]) -> None:
        self._top = entries
        self._head = entries[0][1] if entries else 0.0  # the strongest potential
        self._terms: list[float] | None = None
        self._spread: float | None = None
        self._shares: dict[object, float] | None = None
        self._holding: list[object] | None = None

    def holding(self, shared: Collection[object]) -> list[object]:
        """The events of the top that are in shared (the same shared set on every call)."""
        if self._holding is None:
            self._holding = [entry[2] for entry in self._top if entry[2] in shared]
        return self._holding

    def advance(self, log: ChainLog, unkeyed: tuple[int, int], keyed: tuple[int, int]) -> None:
        """Merge the log's reports in the slices unkeyed and keyed (positions in its
        date-sorted lists, those since the state's date) into its top events."""
        updated: dict[object, Entry] = {}
        for entry in log.keyed[keyed[0] : keyed[1]]:
            merged = merge(entry, self.best.get(entry[2]), log.rate)
            if merged is not None:
                self.best[entry[2]] = updated[entry[2]] = merged
        kept = [e for e in self._top if e[2] not in updated] if updated else self._top
        self.top = strongest([*kept, *log.unkeyed[unkeyed[0] : unkeyed[1]]], updated.values())

    def terms(self) -> list[float]:
        """Each top event's weight times RETURNS**(rank - 1), relative to the strongest
        event's (so the weight at day is exp(strongest potential - day x rate) x their
        sum): computed once for each top."""
        if self._terms is None:
            head, exp = self._head, math.exp
            self._terms = [exp(e[1] - head) * f for e, f in zip(self._top, _FACTORS, strict=False)]
        return self._terms

    def weight(self, day: int, without: Collection[object] = ()) -> float:
        """Sum over the top events of their aged weight times RETURNS**(rank - 1), with
        the events keyed in without left out (the others move up a rank)."""
        if not self._top:
            return 0.0
        terms = self.terms()
        if without:
            kept = []
            lift = 1.0  # RETURNS**-(events left out above): exact, a power of two
            for entry, term in zip(self._top, terms, strict=True):
                if entry[2] in without:
                    lift /= RETURNS
                else:
                    kept.append(term * lift)
            terms = kept
        return math.exp(self._head - day * self.rate) * math.fsum(terms)

    def share(self, day: int, event: object) -> float:
        """What one event of the top adds to the chain's weight at day: its own term, less
        what the events below it would gain by moving up a rank. 0 for other events."""
        if self._shares is None:
            self._shares = {}
            below = 0.0
            for entry, term in zip(reversed(self._top), reversed(self.terms()), strict=True):
                self._shares[entry[2]] = term - below  # those below would count twice
                below += term
        fraction = self._shares.get(event, 0.0)
        return math.exp(self._head - day * self.rate) * fraction if fraction else 0.0

    def trust_variance(self, day: int) -> float:
        """The variance of the chain's weight from its events' uncertain trust: each event's
        trust w is taken as uncertain with variance w(1 - w)/4 (none for a full 1.0)."""
        if not self._top:
            return 0.0
        if self._spread is None:
            parts = []
            for entry, term in zip(self._top[:SPREAD_RANKS], self.terms(), strict=False):
                trust = min(1.0, math.exp(entry[1] - entry[0] * self.rate))
                parts.append(term * term * (1.0 - trust) / (4.0 * trust))
            self._spread = math.fsum(parts)
        return math.exp(2.0 * (self._head - day * self.rate)) * self._spread


@dataclass(frozen=True, slots=True)
class Report:
    """One report as the engine weighs it: its id, day (from EPOCH_DATE) and ln(trust)."""

    id: int
    day: int
    log_trust: float


def event_weight(
    reports: Iterable[Report], day: int, rate: float
) -> tuple[float, float, float] | None:
    """An event's (potential, aged weight at day, ln trust): as trusted as its most trusted
    report, as old as its earliest; None when no report is left."""
    first: int | None = None
    best = -math.inf
    for report in reports:
        first = report.day if first is None else min(first, report.day)
        best = max(best, report.log_trust)
    if first is None:
        return None
    return best + first * rate, math.exp(best - (day - first) * rate), best


def chain_weight(events: Iterable[tuple[float, float, float]]) -> float:
    """Sum of aged event weights, strongest potential first, times RETURNS**(rank - 1)."""
    total = 0.0
    factor = 1.0
    for _, weight, _ in sorted(events, key=lambda e: -e[0]):
        total += weight * factor
        factor *= RETURNS
    return total

"""Which reports can still count: the rule behind the store's maintained evidence summary.

Pure: no files, no SQL. The engine ranks the events of one (indicator, side) by a
potential, log(trust) + day x rate, that does not depend on the date asked about, and
only the strongest ``chains.TOP_EVENTS`` of them weigh anything. So, from a horizon
day on, most events can never count again; the summary keeps the others.

Invariants (checked by a property test against full scans):

- Events are kept whole (every report of a kept event) or not at all, so a kept event's
  standing (earliest day, most trusted report) is the one the whole log gives it.
- Every event that is among the top events of its chain at some date on or after the
  horizon is kept. An engine over the kept reports then answers every date from the
  horizon on exactly as one over the whole log, ties included: the top events are
  taken from the same candidates in the same order.

An event e is dropped only when, at the first date it could count (its first day, or
the horizon), ``TOP_EVENTS`` other events that already exist stand above anything e
ever reaches: each one's potential on its first day beats e's potential with all its
reports. Potentials only grow with time, so those events stay above e for good.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections.abc import Iterable, Sequence

# A chain's ranking, as the store records it: "all" keeps every report (an indicator
# that settles a scenario lists every report meeting the criterion), otherwise the decay
# rates its chains rank by, comma-separated, each a float's repr (exact round trip).
KEEP_ALL = "all"
TOP_EVENTS = 64  # must equal chains.TOP_EVENTS (a test checks)
# Floating-point room: an event is dropped only when its rivals beat it by more than this
# in log space, far below any difference that matters and far above rounding.
SLACK = 1e-9
# How far back the summary answers, in days before the log's latest report (or today):
# status compares with a month before, so `--as-of` up to two months back is served.
# Longer costs size: in a decaying chain nearly every report since the horizon was once
# among the top events when it came in.
HORIZON_DAYS = 90

# One report as the store hands it over: (id, day, log_trust, event or None).
Report = tuple[int, int, float, str | None]


def encode(rates: Iterable[float], keep_all: bool = False) -> str:
    """The ranking text of a chain ranked by these decay rates."""
    if keep_all:
        return KEEP_ALL
    return ",".join(repr(float(rate)) for rate in sorted(set(rates)))


def decode(ranking: str) -> list[float] | None:
    """The decay rates of a ranking text, or None for one that keeps every report."""
    if ranking == KEEP_ALL:
        return None
    return [float(part) for part in ranking.split(",") if part]


def still_counting(reports: Sequence[Report], ranking: str, horizon: int) -> list[int]:
    """The ids of the reports of one chain that can count at some date from horizon on."""
    rates = decode(ranking)
    if rates is None:
        return [report[0] for report in reports]
    events: dict[object, list[Report]] = {}
    for report in reports:
        events.setdefault(report[3] or ("", report[0]), []).append(report)
    kept: set[object] = set()
    for rate in rates:
        kept.update(_counting_events(events, rate, horizon))
    return sorted(report[0] for key in kept for report in events[key])


def _counting_events(events: dict[object, list[Report]], rate: float, horizon: int) -> list[object]:
    """The keys of the events that are not provably out of the top at every date."""
    # Per event: its first day, its potential on that day (a floor for later days) and
    # its potential with every report (a ceiling).
    early: list[tuple[object, float, float]] = []
    later: list[tuple[int, object, float, float]] = []
    for key, reports in events.items():
        first = min(report[1] for report in reports)
        low = max(report[2] for report in reports if report[1] == first) + first * rate
        high = max(report[2] for report in reports) + first * rate
        if first <= horizon:
            early.append((key, low, high))
        else:
            later.append((first, key, low, high))
    out: list[object] = []
    lows = sorted(low for _, low, _ in early)
    for key, _, high in early:
        # An event's own floor never beats its ceiling, so it is not counted as a rival.
        if len(lows) - bisect_right(lows, high + SLACK) < TOP_EVENTS:
            out.append(key)
    heap = lows[-TOP_EVENTS:]  # the strongest floors so far, weakest first (a min-heap)
    later.sort(key=lambda item: item[0])
    start = 0
    while start < len(later):
        day = later[start][0]
        end = start
        while end < len(later) and later[end][0] == day:
            end += 1
        group = later[start:end]
        # Events of the same first day are not counted as each other's rivals: a little
        # more kept, never too little.
        for _, key, _, high in group:
            if len(heap) < TOP_EVENTS or heap[0] <= high + SLACK:
                out.append(key)
        for _, _, low, _ in group:
            if len(heap) < TOP_EVENTS:
                heapq.heappush(heap, low)
            elif low > heap[0]:
                heapq.heapreplace(heap, low)
        start = end
    return out

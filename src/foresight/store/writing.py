"""Adding observations: rows written in chunks inside one transaction, links carried over.

The rows come as a stream of chunks, so a million-row import never holds more than a
chunk of them: what must be known of the whole file beforehand (whether its ids can be
kept, which of its ids later rows amend) is found by the caller's first pass and given
here. Only the ids of rows referred to later (amended, or retracted) are remembered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from foresight import bounds
from foresight.errors import StoreError
from foresight.store.summary import MERGE_LIMIT

if TYPE_CHECKING:
    from foresight.store import AddResult, NewObservation, Progress, Store

# Rows written per round trip: large enough to be fast, small enough for a lively
# progress bar and a bounded amount of work between two progress reports.
CHUNK = 20_000
# New ids remembered for merging them into the evidence summary: a larger write
# rebuilds the indicators it touched instead.
KEPT_IDS = MERGE_LIMIT

Chunk = tuple[Sequence["NewObservation"], Sequence[bytes]]
"""Rows in order, with their content keys."""


class Writer:
    """One add in progress, inside the caller's write transaction."""

    def __init__(
        self,
        store: Store,
        analyst: str,
        now: dt.datetime,
        explicit_ids: bool,
        referenced: Collection[int] | None,
        progress: Progress | None,
    ) -> None:
        """referenced: the ids in the file that later rows amend (None: any id may be)."""
        self.store = store
        self.analyst = analyst
        self.now = store._encode_time(now)
        self.explicit_ids = explicit_ids
        self.referenced = referenced
        self.progress = progress
        self.by_origin: dict[int, int] = {}  # id in the export -> id in this log
        self.retractions: list[tuple[int, dt.datetime, str, str]] = []
        self.pending: list[NewObservation] = []
        self.pending_keys: list[bytes] = []
        self.pending_origins: set[int] = set()
        self.encode = store._encoder(analyst, self.now)
        self.rows = 0
        self.added = 0
        self.new_ids: list[int] = []  # up to KEPT_IDS + 1 of them
        self.indicators: set[str] = set()  # of every row
        self.added_indicators: set[str] = set()  # of the rows added
        self.earliest: dt.date | None = None  # the earliest date of every row

    def write(self, chunks: Iterable[Chunk]) -> None:
        """Write the rows of every chunk, in order."""
        referenced = self.referenced
        pending, pending_keys = self.pending, self.pending_keys
        origins = self.pending_origins
        for rows, keys in chunks:
            if not pending and len(rows) <= CHUNK and all(row.amends is None for row in rows):
                self._insert(rows, keys)  # the common case: a chunk as it comes
                continue
            for row, key in zip(rows, keys, strict=True):
                # An amendment can only be linked once the row it amends has an id here.
                if (row.amends is not None and row.amends in origins) or len(pending) >= CHUNK:
                    self._flush()
                pending.append(row)
                pending_keys.append(key)
                origin = row.origin_id
                if origin is not None and (referenced is None or origin in referenced):
                    origins.add(origin)
        self._flush()

    def _flush(self) -> None:
        if self.pending:
            self._insert(self.pending, self.pending_keys)
            self.pending.clear()
            self.pending_keys.clear()
            self.pending_origins.clear()

    def finish(self) -> AddResult:
        """Write the retractions; return what was done."""
        from foresight.store import AddResult

        store = self.store
        retracted = store._insert_retractions(self.retractions) if self.retractions else 0
        return AddResult(
            added=self.added,
            skipped=self.rows - self.added,
            ids=sorted(self.new_ids) if self.added <= KEPT_IDS else [],
            retracted=retracted,
        )

    def refresh_evidence(self, result: AddResult) -> None:
        """Bring the evidence summary up to date with what this add did."""
        store = self.store
        if result.retracted:
            store._refresh_evidence(self.indicators)
        elif result.added > KEPT_IDS:
            store._refresh_evidence(self.added_indicators)
        elif result.added:
            store._refresh_evidence((), added=result.ids)

    def forget_points(self, result: AddResult) -> None:
        """Drop the path checkpoints this add can change (store/checkpoints.py)."""
        from foresight.store import checkpoints

        if result.added or result.retracted:
            # retractions carried over may touch any date: forget every point
            checkpoints.forget(self.store, None if result.retracted else self.earliest)

    def _insert(self, rows: Sequence[NewObservation], keys: Sequence[bytes]) -> None:
        store, by_origin, analyst = self.store, self.by_origin, self.analyst
        explicit, referenced, encode = self.explicit_ids, self.referenced, self.encode
        records = [
            encode(
                row,
                key,
                None if row.amends is None else by_origin.get(row.amends),
                row.origin_id if explicit else None,
            )
            for row, key in zip(rows, keys, strict=True)
        ]
        inserted = store._insert(records, explicit)
        check_ids(inserted)
        self.rows += len(rows)
        self.added += len(inserted)
        if len(self.new_ids) <= KEPT_IDS:
            self.new_ids.extend(inserted.values())
        self.indicators.update(row.indicator for row in rows)
        if rows:
            first = min(row.observed_on for row in rows)
            self.earliest = first if self.earliest is None else min(self.earliest, first)
        if inserted:
            self.added_indicators.update(record[1] for record in records if record[-1] in inserted)
        # The ids only of rows referred to later: by an amendment or a retraction.
        linked = [
            (row, key)
            for row, key in zip(rows, keys, strict=True)
            if row.retracted_at is not None
            or (row.origin_id is not None and (referenced is None or row.origin_id in referenced))
        ]
        if linked:
            ids = {key: inserted[key] for _, key in linked if key in inserted}
            missing = {key for _, key in linked if key not in ids}
            if missing:  # already in the log, or repeated in this add
                ids.update(store._lookup(missing))
            for row, key in linked:
                if row.origin_id is not None:
                    by_origin[row.origin_id] = ids[key]
                if row.retracted_at is not None:
                    self.retractions.append(
                        (
                            ids[key],
                            row.retracted_at,
                            row.retracted_by or row.analyst or analyst,
                            row.retraction_reason or "",
                        )
                    )
        if self.progress is not None:
            self.progress(len(rows))


def check_ids(inserted: dict[bytes, int]) -> None:
    """Refuse ids past bounds.MAX_ID (the write's transaction is then rolled back)."""
    if inserted and max(inserted.values()) > bounds.MAX_ID:
        raise StoreError(
            f"the log has run out of observation ids (the largest is {bounds.MAX_ID}); "
            "nothing was written"
        )

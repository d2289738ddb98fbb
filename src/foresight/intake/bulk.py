"""Importing a file in bounded memory: every row checked before any is written, all or none.

Two passes. The first reads and checks the whole file, spooling each good row to a
temporary file (pickled, a chunk at a time) and keeping of each only what the checks
across rows need: its content key (32 bytes), whether the log already holds it (1 byte)
and a hash of what makes two reports look alike (8 bytes). A file with any problem stops
there, having written nothing. The second pass reads the spool back and writes it chunk
by chunk inside one transaction of the store, which a failure midway rolls back.

A million-row import thus holds some forty megabytes of rows, not half a gigabyte, and
checks and encodes each row once: the spool is read back far faster than the file could
be parsed and checked again.
"""

from __future__ import annotations

import pickle
import tempfile
from array import array
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, fields
from itertools import pairwise
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

from foresight import duplicates
from foresight.intake.readers import check_file
from foresight.records import Observation
from foresight.store import AddResult, NewObservation, Progress, Store, content_key
from foresight.store.writing import CHUNK

KEY = 32  # bytes of a content key (sha256)
_FIELDS = attrgetter(*(f.name for f in fields(NewObservation)))


@dataclass(frozen=True)
class Imported:
    """What an import did (or, for a dry run, would do)."""

    label: str
    rows: int  # valid rows in the file
    result: AddResult
    copies: int  # rows that look like further copies of a logged report or an earlier row
    warnings: list[str]  # about the file, said whether or not it was written


def import_file(
    path: Path,
    store: Store,
    indicators: Collection[str],
    default_tlp: str,
    analyst: str,
    *,
    fmt: str | None = None,
    dry_run: bool = False,
    checking: Progress | None = None,
    writing: Callable[[int], Progress | None] | None = None,
) -> Imported:
    """Check every row of an import file, then add them all to the store (or, for a dry
    run, count what would be added); raise InputError listing every problem of a bad file.

    writing: given the number of rows, returns what to tell of the rows written.
    """
    with _Spool(store) as spool:
        checked = check_file(path, indicators, default_tlp, spool.add, fmt, checking)
        spool.close_pass()
        alike = spool.alike_groups()
        if dry_run:
            if alike.hashes:
                for _ in spool.gather(alike, spool.chunks()):
                    pass
            result = spool.plan()
        else:
            result = store.add_chunks(
                spool.gather(alike, spool.chunks()),
                analyst,
                writing(checked.rows) if writing is not None else None,
                explicit_ids=checked.all_have_ids and not spool.repeats(unlogged_only=False),
                referenced=checked.referenced,
            )
        copies = spool.copies(alike)
    return Imported(checked.label, checked.rows, result, copies, checked.warnings)


@dataclass(frozen=True)
class _Alike:
    """The reports of the file that may look like copies of others, found before writing."""

    hashes: frozenset[int]  # report hashes shared within the file or with the log
    logged: list[Observation]  # the current logged reports sharing one of them


class _Spool:
    """The checked rows of one file, spooled to a temporary file, and what is kept of each."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Closed (and so deleted) by __exit__.
        self.file: IO[bytes] = tempfile.TemporaryFile(prefix="foresight-import-")  # noqa: SIM115
        self.fresh = store.is_empty()  # nothing in the log to compare with
        self.keys = bytearray()  # the content keys, KEY bytes each, in file order
        self.logged = bytearray()  # per row, 1 if the log holds its content
        self.hashes = array("q")  # per row, its report hash (0: logged or retracted)
        self.pending: list[NewObservation] = []
        self.chunks_written = 0
        self.indicators: set[str] = set()  # of the rows not logged
        self.first: Any = None  # the earliest and latest dates of the rows not logged
        self.last: Any = None
        self.found: list[NewObservation] = []  # rows of alike hashes, gathered in pass two

    def __enter__(self) -> _Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def add(self, row: NewObservation) -> None:
        """Take one checked row."""
        self.pending.append(row)
        if len(self.pending) >= CHUNK:
            self._flush()

    def close_pass(self) -> None:
        """End the first pass."""
        self._flush()

    def _flush(self) -> None:
        rows = self.pending
        if not rows:
            return
        keys = [content_key(row) for row in rows]
        known = set() if self.fresh else self.store.ids_of(keys).keys()
        hashes = self.hashes
        fresh_rows = []
        for row, key in zip(rows, keys, strict=True):
            self.keys += key
            if key in known:
                self.logged.append(1)
                hashes.append(0)
                continue
            self.logged.append(0)
            fresh_rows.append(row)
            hashes.append(0 if row.retracted_at is not None else _report_hash(row))
        if fresh_rows and not self.fresh:
            self.indicators.update(row.indicator for row in fresh_rows)
            days = [row.observed_on for row in fresh_rows]
            low, high = min(days), max(days)
            self.first = low if self.first is None else min(self.first, low)
            self.last = high if self.last is None else max(self.last, high)
        pickle.dump([_FIELDS(row) for row in rows], self.file, pickle.HIGHEST_PROTOCOL)
        self.chunks_written += 1
        self.pending = []

    def chunks(self) -> Iterator[tuple[list[NewObservation], list[bytes]]]:
        """The spooled rows, a chunk at a time, with their content keys."""
        self.file.seek(0)
        keys = memoryview(self.keys)
        start = 0
        for _ in range(self.chunks_written):
            rows = [NewObservation(*values) for values in pickle.load(self.file)]
            end = start + len(rows)
            yield rows, [bytes(keys[i * KEY : (i + 1) * KEY]) for i in range(start, end)]
            start = end

    def repeats(self, *, unlogged_only: bool) -> int:
        """How many rows repeat the content of an earlier row of the file."""
        # The first 8 bytes of each key, sorted, find the candidates; whole keys decide.
        heads = memoryview(self.keys).cast("Q")[::4]
        if unlogged_only:
            prefixes = sorted(h for h, logged in zip(heads, self.logged, strict=True) if not logged)
        else:
            prefixes = sorted(heads)
        twice = {b for a, b in pairwise(prefixes) if a == b}
        del prefixes
        if not twice:
            return 0
        counted = Counter(
            bytes(self.keys[i * KEY : (i + 1) * KEY])
            for i, head in enumerate(heads)
            if head in twice and not (unlogged_only and self.logged[i])
        )
        return sum(n - 1 for n in counted.values())

    def plan(self) -> AddResult:
        """What an add would do, writing nothing."""
        rows = len(self.logged)
        added = rows - sum(self.logged) - self.repeats(unlogged_only=True)
        return AddResult(added=added, skipped=rows - added)

    def alike_groups(self) -> _Alike:
        """Find the report hashes that rows share with each other or with the log."""
        ordered = sorted(h for h in self.hashes if h)
        shared = {b for a, b in pairwise(ordered) if a == b}
        found: list[int] = []
        if ordered and not self.fresh:
            hashes = array("q", ordered)
            del ordered
            top = len(hashes)
            for id_, indicator, day, absent, source in self.store.reports(
                self.indicators, self.first, self.last
            ):
                h = _hash(indicator, day, absent, source)
                i = bisect_left(hashes, h)
                if i < top and hashes[i] == h:
                    shared.add(h)
                    found.append(id_)
        logged = list(self.store.observations_by_id(found).values()) if found else []
        return _Alike(frozenset(shared), logged)

    def gather(
        self, alike: _Alike, chunks: Iterator[tuple[list[NewObservation], list[bytes]]]
    ) -> Iterator[tuple[list[NewObservation], list[bytes]]]:
        """Pass the chunks on, keeping the rows whose report hash is among the alike."""
        if not alike.hashes:
            yield from chunks
            return
        wanted, hashes = alike.hashes, self.hashes
        start = 0
        for rows, keys in chunks:
            self.found.extend(
                row for i, row in enumerate(rows, start) if hashes[i] and hashes[i] in wanted
            )
            start += len(rows)
            yield rows, keys

    def copies(self, alike: _Alike) -> int:
        """How many rows look like further copies of a logged report or an earlier row."""
        return len(duplicates.likely_duplicates(self.found, alike.logged)) if self.found else 0


def _report_hash(row: NewObservation) -> int:
    return _hash(row.indicator, row.observed_on, row.absent, row.source)


def _hash(indicator: str, day: Any, absent: bool, source: str) -> int:
    """What makes two reports look alike (duplicates._same_report), hashed; never 0."""
    return hash((indicator, day, absent, source.casefold())) or 1


__all__ = ["Imported", "import_file"]

"""The observation log: one append-only store behind one interface, SQLite or PostgreSQL.

Invariants every backend keeps:

- Nothing is ever updated or deleted. A correction is a retraction plus a new row that
  `amends` the old one, and the database itself refuses UPDATE and DELETE.
- Every observation carries a content key: a sha256 over its content fields (not who
  logged it, nor when), unique in the log, so importing the same rows twice adds nothing.
- Every write is one transaction: an import lands whole or not at all.
- A scenario has at most one current resolution: resolving it again needs the current
  one retracted first (checked inside the write transaction, under a lock).
- The schema moves forward on open through ordered, named migrations recorded in
  `schema_migrations`; a log written by a newer foresight is refused, never misread.

The backends only speak SQL; the bookkeeping of an import (duplicates, amendment links,
retractions carried over from an export) lives here, once.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from foresight import bounds, scales
from foresight.errors import InputError, StoreError, UnknownIdError
from foresight.records import (
    OUTCOMES,
    MonthDate,
    Observation,
    Resolution,
    date_text,
)
from foresight.store import checkpoints

if TYPE_CHECKING:
    from foresight.store.summary import Evidence

Progress = Callable[[int], None]
"""Told how many more rows have been handled, as a long write goes on."""


@dataclass(slots=True)
class NewObservation:
    """A validated observation on its way into the log; treat it as immutable.

    The optional trailing fields are only set for rows imported from an export: they
    carry the audit trail across (`origin_id` and `amends` are ids in that export).
    Not frozen only because frozen dataclasses are eight times slower to build, and an
    import builds a million of them.
    """

    indicator: str
    observed_on: dt.date
    source: str
    reliability: str
    credibility: int
    tlp: str
    absent: bool = False
    strength: float = 1.0
    source_url: str | None = None
    event: str | None = None
    note: str = ""
    analyst: str | None = None
    recorded_at: dt.datetime | None = None
    origin_id: int | None = None
    amends: int | None = None
    retracted_at: dt.datetime | None = None
    retracted_by: str | None = None
    retraction_reason: str | None = None


@dataclass(frozen=True)
class AddResult:
    """What an add did (or, for a dry run, would do)."""

    added: int
    skipped: int  # rows whose content was already in the log, or repeated in the batch
    # the new ids, ascending (left empty when more than writing.KEPT_IDS were added)
    ids: list[int] = field(default_factory=list)
    retracted: int = 0  # retractions carried over from an export


@dataclass(frozen=True)
class LogSummary:
    """How the observations dated by a day were treated, for a brief's provenance.

    Each observation falls in exactly one of withheld, later, retracted, unknown and
    used, in that order of precedence. Withheld comes first: an audience learns only
    how many observations are kept from it in all, never their dates, retractions or
    indicators (counting them as later or retracted would tell which months hold them).
    """

    withheld: int  # marked with a level not allowed, whatever its date or state
    later: int  # allowed, dated after the day
    retracted: int  # allowed, dated by the day and retracted
    unknown: int  # allowed, dated by the day, not retracted, of an indicator not listed
    used: int  # allowed, dated by the day, not retracted, of a listed indicator
    in_window: int  # used and dated on or after the window's first day
    first: dt.date | None  # the earliest date of a used observation
    last: dt.date | None  # the latest date of a used observation
    tlps: frozenset[str]  # the levels the used observations are marked with
    fingerprint: str  # sha256 (hex) over the used observations' content keys, sorted

    @property
    def total(self) -> int:
        """The allowed observations dated by the day, whatever became of them, and every
        withheld one."""
        return self.retracted + self.withheld + self.unknown + self.used


def summarise(
    observations: Iterable[Observation],
    *,
    since: dt.date,
    until: dt.date,
    tlps: Collection[str] | None,
    indicators: Collection[str],
) -> LogSummary:
    """The summary of observations held in memory, as Store.summary makes it in SQL."""
    counts = dict.fromkeys(("later", "retracted", "withheld", "unknown"), 0)
    allowed = None if tlps is None else set(tlps)
    known = set(indicators)
    used: list[Observation] = []
    for o in observations:
        if allowed is not None and o.tlp not in allowed:
            counts["withheld"] += 1
        elif o.observed_on > until:
            counts["later"] += 1
        elif o.retracted:
            counts["retracted"] += 1
        elif o.indicator not in known:
            counts["unknown"] += 1
        else:
            used.append(o)
    return LogSummary(
        **counts,
        used=len(used),
        in_window=sum(1 for o in used if o.observed_on >= since),
        first=min((o.observed_on for o in used), default=None),
        last=max((o.observed_on for o in used), default=None),
        tlps=frozenset(o.tlp for o in used),
        fingerprint=fingerprint(sorted(content_key(o) for o in used)),
    )


def fingerprint(keys: Iterable[bytes]) -> str:
    """sha256 (hex) over content keys, in the order given (sorted, for a summary)."""
    digest = hashlib.sha256()
    for key in keys:
        digest.update(key)
    return digest.hexdigest()


def _summary(rows: Iterable[Sequence[Any]], digest: str) -> LogSummary:
    """A LogSummary from (class, tlp, count, in window, first, last) groups and the digest."""
    counts = dict.fromkeys(("later", "retracted", "withheld", "unknown", "used", "in_window"), 0)
    firsts: list[dt.date] = []
    lasts: list[dt.date] = []
    levels: set[str] = set()
    for kind, tlp, count, in_window, first, last in rows:
        counts[kind] += int(count)
        if kind == "used":
            counts["in_window"] += int(in_window or 0)
            levels.add(tlp)
            firsts.append(first if isinstance(first, dt.date) else dt.date.fromisoformat(first))
            lasts.append(last if isinstance(last, dt.date) else dt.date.fromisoformat(last))
    return LogSummary(
        **counts,
        first=min(firsts, default=None),
        last=max(lasts, default=None),
        tlps=frozenset(levels),
        fingerprint=digest,
    )


def content_key(row: NewObservation | Observation) -> bytes:
    """Hash the content fields of an observation: equal content, equal key.

    Fields are joined by NUL, which no text field may contain (intake refuses it and
    PostgreSQL cannot store it), so different contents never join to the same text.
    """
    day = row.observed_on
    day_text = _DAY_TEXTS.get(day) if type(day) is dt.date else None
    if day_text is None:
        day_text = date_text(day)  # 2022-06 for a month-only date
        if type(day) is dt.date and len(_DAY_TEXTS) < _CACHED:
            _DAY_TEXTS[day] = day_text
    strength = _STRENGTH_TEXTS.get(row.strength)
    if strength is None:
        strength = repr(float(row.strength))
        if len(_STRENGTH_TEXTS) < _CACHED:
            _STRENGTH_TEXTS[row.strength] = strength
    content = "\0".join(
        (
            row.indicator,
            day_text,
            "absent" if row.absent else "observed",
            strength,
            row.source,
            row.source_url or "",
            row.reliability,
            str(row.credibility),
            row.event or "",
            row.tlp,
            row.note,
        )
    )
    return hashlib.sha256(content.encode()).digest()


# The texts content_key writes for plain dates and for strengths, which imports repeat.
_DAY_TEXTS: dict[dt.date, str] = {}
_STRENGTH_TEXTS: dict[float, str] = {}
_CACHED = 100_000


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cycle collector while a bulk of acyclic objects is made.

    Otherwise every few hundred new objects trigger a collection, and the older
    generations, walked again and again, hold every row made so far: a third of the
    time of a million-row import.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def utc_now() -> dt.datetime:
    """The current time in UTC, to the microsecond."""
    return dt.datetime.now(dt.UTC)


def check_version(found: int, known: int, where: str) -> None:
    """Refuse a log whose schema is newer than this code knows."""
    if found > known:
        raise StoreError(
            f"the log at {where} was created by a newer foresight (schema version {found}, "
            f"this one knows up to {known}); upgrade foresight to use it"
        )


@dataclass(frozen=True, slots=True)
class Grading:
    """An observation's source and Admiralty grade."""

    source: str
    reliability: str
    credibility: int


class Store(ABC):
    """The observation log. Open one with open_store(url); close it when done."""

    #: Ordered migrations of the backend; version n is MIGRATIONS[n - 1].
    MIGRATIONS: Sequence[Callable[[Any], None]] = ()
    #: The backend's open DB-API connection.
    conn: Any
    #: The backend's parameter marker ("?" or "%s").
    _marker: str = "?"

    @abstractmethod
    def _errors(self) -> AbstractContextManager[None]:
        """Turn the backend's errors inside the block into StoreError."""

    @abstractmethod
    def _version(self) -> int:
        """Read the schema version recorded in the database (0 for a new one)."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the public interface -------------------------------------------------------

    @abstractmethod
    def describe(self) -> str:
        """Name the backend and where the log lives, without any password."""

    def close(self) -> None:
        """Close the connection; the store cannot be used afterwards."""
        self.conn.close()

    def schema_version(self) -> int:
        """Return the schema version the log is at."""
        with self._errors():
            return self._version()

    def count(self, include_retracted: bool = True) -> int:
        """Count the observations in the log."""
        sql = "SELECT count(*) FROM observations"
        if not include_retracted:
            sql += " WHERE id NOT IN (SELECT observation_id FROM retractions)"
        with self._errors():
            row = self.conn.execute(sql).fetchone()
        return int(row[0]) if row else 0

    def indicator_counts(self) -> dict[str, int]:
        """Count the current (not retracted) observations of each indicator the log names."""
        sql = (
            "SELECT o.indicator, count(*) FROM observations o "
            "LEFT JOIN retractions r ON r.observation_id = o.id "
            "WHERE r.observation_id IS NULL GROUP BY o.indicator"
        )
        with self._errors():
            return {str(name): int(n) for name, n in self.conn.execute(sql).fetchall()}

    @abstractmethod
    def observations(
        self,
        include_retracted: bool = True,
        *,
        indicators: Collection[str] | None = None,
        since: dt.date | None = None,
        until: dt.date | None = None,
        ids: Collection[int] | None = None,
    ) -> list[Observation]:
        """Return every observation (filtered if asked) with its retraction, ordered by id."""

    def gradings(self, ids: Collection[int]) -> dict[int, Grading]:
        """Each observation's source and Admiralty grade, by id: what the robustness checks
        of a call read, a fraction of the cost of whole observations."""
        found: dict[int, Grading] = {}
        for chunk in chunks(sorted(set(ids)), 500):
            found.update((row[0], Grading(*row[1:])) for row in self._gradings(chunk))
        return found

    @abstractmethod
    def _gradings(self, ids: Sequence[int]) -> Iterable[tuple[int, str, str, int]]:
        """Rows of (id, source, reliability, credibility) for these ids."""

    def observations_by_id(self, ids: Collection[int]) -> dict[int, Observation]:
        """Return the observations with these ids, keyed by id."""
        found: dict[int, Observation] = {}
        for chunk in chunks(sorted(set(ids)), 500):
            found.update((o.id, o) for o in self.observations(ids=chunk))
        return found

    @abstractmethod
    def engine_rows(
        self, *, known_on: dt.date | None = None, tlps: Collection[str] | None = None
    ) -> list[tuple[Any, ...]]:
        """Return compact rows of the observations that count, for Engine.from_rows.

        Columns as engine.ROW_COLUMNS: id, indicator, observed_on (a date, or YYYY-MM-DD
        text), absent, strength, reliability, credibility, event; ordered by id. Counted:
        not retracted, or with known_on, recorded by the end of that day (UTC) and not
        retracted by then. tlps: only observations marked with these TLP levels.
        A fifth of the time of observations() on a large log.
        """

    @abstractmethod
    def summary(
        self,
        *,
        since: dt.date,
        until: dt.date,
        tlps: Collection[str] | None,
        indicators: Collection[str],
    ) -> LogSummary:
        """Count how the observations dated by until were treated, in SQL (see LogSummary).

        tlps: the levels the audience may see (None: every level); indicators: those
        defined. Used observations are those counted by an engine over
        scored_rows(tlps=tlps) that are dated by until; in_window counts those dated
        from since. Equals summarise() over observations().
        """

    @abstractmethod
    def scored_rows(
        self, *, known_on: dt.date | None = None, tlps: Collection[str] | None = None
    ) -> Iterable[tuple[Any, ...]]:
        """Yield the observations that count, scored in SQL, for Engine.from_scored_rows.

        Columns: id, indicator, absent, day (whole days since engine.EPOCH_DATE),
        log_trust (ln of strength x reliability x credibility, scales' trust factors),
        event. The same rows as engine_rows, streamed rather than held in memory, with
        the work that does not depend on the definitions done by the database.
        """

    def get(self, observation_id: int) -> Observation:
        """Return one observation; raise UnknownIdError if the log has no such id."""
        found = self._get(observation_id) if 1 <= observation_id <= bounds.MAX_ID else None
        if found is None:
            raise UnknownIdError(f"the log has no observation {observation_id}")
        return found

    def find(self, row: NewObservation) -> int | None:
        """Return the id of the observation with the same content, if the log holds one."""
        key = content_key(row)
        return self._lookup([key]).get(key)

    def is_empty(self) -> bool:
        """Whether the log has never held an observation."""
        with self._errors():
            return self._is_empty()

    def ids_of(self, keys: Collection[bytes]) -> dict[bytes, int]:
        """Return the ids of the logged observations (retracted or not) with these content keys."""
        return self._lookup(keys)

    def reports(
        self, indicators: Collection[str], since: dt.date, until: dt.date
    ) -> Iterator[tuple[int, str, dt.date, bool, str]]:
        """Yield (id, indicator, observed_on, absent, source) of the current observations
        of these indicators dated from since to until, by id: what tells a report that
        looks like another, read a page at a time (never the whole log in memory)."""
        mark = self._marker
        sql = (
            "SELECT o.id, o.indicator, o.observed_on, o.absent, o.source FROM observations o "
            f"WHERE o.id > {mark} AND o.observed_on BETWEEN {mark} AND {mark} AND NOT EXISTS "
            "(SELECT 1 FROM retractions r WHERE r.observation_id = o.id) "
            f"ORDER BY o.id LIMIT {REPORTS_PAGE}"
        )
        wanted = set(indicators)
        first, last = self._encode_date(since), self._encode_date(until)
        days: dict[Any, dt.date] = {}
        after = 0
        while True:
            with self._errors():
                page = self.conn.execute(sql, (after, first, last)).fetchall()
            for id_, indicator, day, absent, source in page:
                if indicator in wanted:
                    found = days.get(day)
                    if found is None:
                        found = days[day] = _as_day(day)
                    yield id_, indicator, found, bool(absent), source
            if len(page) < REPORTS_PAGE:
                return
            after = page[-1][0]

    def unlogged(self, rows: Sequence[NewObservation]) -> list[NewObservation]:
        """The rows whose content the log does not hold yet (those an add would write)."""
        keys = [content_key(row) for row in rows]
        known = self._lookup(set(keys))
        return [row for row, key in zip(rows, keys, strict=True) if key not in known]

    def add(
        self,
        rows: Sequence[NewObservation],
        analyst: str,
        progress: Progress | None = None,
        *,
        dry_run: bool = False,
    ) -> AddResult:
        """Add rows in one transaction, skipping those whose content is already logged.

        Rows without an analyst or recorded_at get `analyst` and the current time. Rows
        from an export keep theirs, and their amendment links and retractions are
        re-created; into an empty log they also keep their ids, so a log can be copied
        exactly from one store to another.
        """
        with paused_gc():
            keys = [content_key(row) for row in rows]
            if dry_run:
                return self._plan(keys)
            explicit_ids = (
                bool(rows)
                and all(row.origin_id is not None for row in rows)
                and len(set(keys)) == len(keys)
            )
            return self.add_chunks([(rows, keys)], analyst, progress, explicit_ids=explicit_ids)

    def add_chunks(
        self,
        chunks: Iterable[tuple[Sequence[NewObservation], Sequence[bytes]]],
        analyst: str,
        progress: Progress | None = None,
        *,
        explicit_ids: bool = False,
        referenced: Collection[int] | None = None,
    ) -> AddResult:
        """Add rows read chunk by chunk, with their content keys, as add does: in one
        transaction, which a failure midway (in the store or in the chunks) rolls back.

        explicit_ids: every row has an origin_id and no content key repeats, so that into
        an empty log the rows keep their ids. referenced: the origin ids that rows amend
        (None: any may be), the only ones remembered along the way. The result's ids are
        left empty when more than writing.KEPT_IDS rows are added.
        """
        from foresight.store.writing import Writer

        with paused_gc(), self._write(exclusive=explicit_ids):
            if explicit_ids and not self._is_empty():
                explicit_ids = False
            writer = Writer(self, analyst, utc_now(), explicit_ids, referenced, progress)
            writer.write(chunks)
            result = writer.finish()
            writer.refresh_evidence(result)
            writer.forget_points(result)
            return result

    def retract(self, observation_id: int, reason: str, analyst: str) -> None:
        """Retract an observation: it stays in the log, marked, and stops counting."""
        reason = reason.strip()
        if not reason:
            raise InputError("give a reason for the retraction")
        with self._write():
            found = self._check_current(observation_id)
            if not self._insert_retractions([(observation_id, utc_now(), analyst, reason)]):
                raise InputError(f"observation {observation_id} has already been retracted")
            self._refresh_evidence({found.indicator})
            checkpoints.forget(self, found.observed_on)

    def amend(self, observation_id: int, new_row: NewObservation, reason: str, analyst: str) -> int:
        """Replace an observation by a corrected one in one transaction; return the new id."""
        reason = reason.strip()
        if not reason:
            raise InputError("give a reason for the amendment")
        now = utc_now()
        row = replace(
            new_row,
            analyst=analyst,
            recorded_at=now,
            origin_id=None,
            amends=None,
            retracted_at=None,
            retracted_by=None,
            retraction_reason=None,
        )
        key = content_key(row)
        from foresight.store.writing import check_ids

        with self._write():
            old = self._check_current(observation_id)
            record = self._record(row, key, analyst, self._encode_time(now), observation_id)
            inserted = self._insert([record], False)
            check_ids(inserted)
            if not inserted:
                same = self._lookup([key]).get(key)
                if same == observation_id:
                    raise InputError("the amendment changes nothing; give at least one new value")
                raise InputError(f"an identical observation is already in the log (id {same})")
            self._insert_retractions([(observation_id, now, analyst, reason)])
            self._refresh_evidence({old.indicator, row.indicator})
            checkpoints.forget(self, min(old.observed_on, row.observed_on))
        return next(iter(inserted.values()))

    def evidence(self, wanted: Mapping[tuple[str, bool], str], since: dt.date) -> Evidence | None:
        """The maintained evidence summary, ranked as wanted, if it answers dates from since.

        wanted: per (indicator, absent), the ranking the definitions give the chain
        (Engine.rankings). Chains kept for another ranking are rebuilt first. None when
        since is before the summary's horizon: read the whole log instead."""
        from foresight.store import summary

        return summary.evidence(self, wanted, since)

    def _refresh_evidence(self, indicators: Collection[str], *, added: Sequence[int] = ()) -> None:
        """Bring the evidence summary up to date (inside a write) for these indicators, or
        for the observations just added (ids), which can often be merged in."""
        from foresight.store import summary

        if any(m.__name__ == summary.MIGRATION for m in self.MIGRATIONS):
            summary.refresh(self, indicators, added)

    @abstractmethod
    def resolutions(self, include_retracted: bool = True) -> list[Resolution]:
        """Return every resolution (or only the current ones) with its retraction, by id."""

    def resolution(self, resolution_id: int) -> Resolution:
        """Return one resolution; raise UnknownIdError if the log has no such id."""
        for found in self.resolutions():
            if found.id == resolution_id:
                return found
        raise UnknownIdError(f"the log has no resolution {resolution_id}")

    def resolve(
        self,
        scenario: str,
        outcome: str,
        resolved_on: dt.date,
        source: str,
        analyst: str,
        note: str = "",
    ) -> int:
        """Record how a scenario turned out; return the new resolution's id.

        Checks only what the log can know: the outcome word, a source, and that the
        scenario has no current resolution. Whether the scenario exists and the date
        makes sense for it is the definitions' business (scoring.check_resolution).
        """
        if outcome not in OUTCOMES:
            raise InputError(f"unknown outcome '{outcome}'; use one of {', '.join(OUTCOMES)}")
        source = source.strip()
        if not source:
            raise InputError("give a source for the resolution")
        if "\0" in scenario + source + note + analyst:
            raise InputError("a resolution cannot contain NUL characters")
        with self._write():
            self._lock_resolutions()
            current = [r for r in self.resolutions(False) if r.scenario == scenario]
            if current:
                old = current[0]
                raise InputError(
                    f"scenario '{scenario}' is already resolved as {old.outcome} on "
                    f"{old.resolved_on} (resolution {old.id}, by {old.analyst}); retract that "
                    f"first with 'foresight unresolve {scenario} --reason TEXT'"
                )
            record = (
                scenario,
                outcome,
                self._encode_date(resolved_on),
                source,
                note,
                analyst,
                self._encode_time(utc_now()),
            )
            return self._insert_resolution(record)

    def retract_resolution(self, resolution_id: int, reason: str, analyst: str) -> None:
        """Retract a resolution: it stays in the log, marked, and stops counting."""
        reason = reason.strip()
        if not reason:
            raise InputError("give a reason for the retraction")
        with self._write():
            self._lock_resolutions()
            found = self.resolution(resolution_id)
            if found.retracted_at is not None:
                raise InputError(
                    f"resolution {resolution_id} has already been retracted "
                    f"(on {found.retracted_at:%Y-%m-%d} by {found.retracted_by})"
                )
            self._insert_resolution_retraction((resolution_id, utc_now(), analyst, reason))

    # -- what a backend provides ----------------------------------------------------

    @abstractmethod
    def _scored(self, where: str, params: list[Any]) -> Iterable[tuple[Any, ...]]:
        """The scored rows of the observations not retracted, filtered by `where` (SQL that
        starts with AND, over `o`), in any order."""

    @abstractmethod
    def _write(self, *, exclusive: bool = False) -> AbstractContextManager[None]:
        """Run the block as one write transaction; exclusive also holds off other writers."""

    @abstractmethod
    def _get(self, observation_id: int) -> Observation | None:
        """Return one observation, or None."""

    @abstractmethod
    def _is_empty(self) -> bool:
        """Whether the log has never held an observation."""

    @abstractmethod
    def _encode_date(self, value: dt.date) -> Any:
        """Turn a date into what the backend stores."""

    @abstractmethod
    def _encode_time(self, value: dt.datetime) -> Any:
        """Turn a UTC timestamp into what the backend stores."""

    @abstractmethod
    def _insert(self, records: list[tuple[Any, ...]], explicit_ids: bool) -> dict[bytes, int]:
        """Insert records (skipping known content keys); return the new ids by content key."""

    @abstractmethod
    def _lookup(self, keys: Collection[bytes]) -> dict[bytes, int]:
        """Return the ids of the logged observations with these content keys."""

    @abstractmethod
    def _insert_retractions(self, records: list[tuple[int, dt.datetime, str, str]]) -> int:
        """Insert (id, retracted_at, retracted_by, reason) unless retracted; return how many."""

    @abstractmethod
    def _lock_resolutions(self) -> None:
        """Hold off other writers of resolutions until the transaction ends."""

    @abstractmethod
    def _insert_resolution(self, record: tuple[Any, ...]) -> int:
        """Insert (scenario, outcome, resolved_on, source, note, analyst, recorded_at)."""

    @abstractmethod
    def _insert_resolution_retraction(self, record: tuple[int, dt.datetime, str, str]) -> None:
        """Insert (resolution id, retracted_at, retracted_by, reason)."""

    # -- shared helpers ---------------------------------------------------------------

    def _record(
        self,
        row: NewObservation,
        key: bytes,
        analyst: str,
        now: Any,
        amends: int | None,
        explicit_id: int | None = None,
    ) -> tuple[Any, ...]:
        """One row of the observations table, in column order, as the backend stores it.

        now: the encoded current time, for rows that do not bring their own.
        """
        return self._encoder(analyst, now)(row, key, amends, explicit_id)

    def _encoder(
        self, analyst: str, now: Any
    ) -> Callable[[NewObservation, bytes, int | None, int | None], tuple[Any, ...]]:
        """_record as one function for a bulk of rows: (row, key, amends, explicit_id)."""
        encode_date, encode_time = self._encode_date, self._encode_time
        days: dict[dt.date, Any] = {}

        def encode(
            row: NewObservation, key: bytes, amends: int | None, explicit_id: int | None
        ) -> tuple[Any, ...]:
            day = row.observed_on
            stored = days.get(day)
            if stored is None:
                stored = days[day] = encode_date(day)
            at = row.recorded_at
            return (
                explicit_id,
                row.indicator,
                stored,
                now if at is None else encode_time(at),
                row.analyst or analyst,
                row.absent,
                row.strength,
                row.source,
                row.source_url,
                row.reliability,
                row.credibility,
                row.event,
                row.tlp,
                row.note,
                amends,
                "month" if type(day) is MonthDate else "day",
                key,
            )

        return encode

    def _check_current(self, observation_id: int) -> Observation:
        """Return the observation if it exists and has not been retracted."""
        found = self.get(observation_id)
        if found.retracted_at is not None:
            raise InputError(
                f"observation {observation_id} has already been retracted "
                f"(on {found.retracted_at:%Y-%m-%d} by {found.retracted_by})"
            )
        return found

    def _plan(self, keys: list[bytes]) -> AddResult:
        """Count what an add would add, writing nothing."""
        seen = set(self._lookup(set(keys)))
        added = 0
        for key in keys:
            if key not in seen:
                seen.add(key)
                added += 1
        return AddResult(added=added, skipped=len(keys) - added)


# Rows read per query by Store.reports.
REPORTS_PAGE = 50_000


def _as_day(value: Any) -> dt.date:
    """A date as a backend returns it: a date, or YYYY-MM-DD text."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Split a sequence into slices of at most size items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def trust_sql(marker: str) -> tuple[str, list[float]]:
    """SQL for ln(strength x reliability factor x credibility factor), and its parameters."""
    reliability = " ".join(f"WHEN '{k}' THEN {marker}" for k in scales.RELIABILITY_TRUST)
    credibility = " ".join(f"WHEN {k} THEN {marker}" for k in scales.CREDIBILITY_TRUST)
    sql = (
        f"ln(o.strength * (CASE o.reliability {reliability} END)"
        f" * (CASE o.credibility {credibility} END))"
    )
    return sql, [*scales.RELIABILITY_TRUST.values(), *scales.CREDIBILITY_TRUST.values()]


def open_store(url: str, *, timeout: float = 10.0) -> Store:
    """Open (creating and migrating if needed) the log at a SQLite path or PostgreSQL URL.

    timeout: seconds to wait for a lock held by another writer before giving up.
    """
    from foresight.redact import is_postgres, redact

    if is_postgres(url):
        from foresight.store.postgres import PostgresStore

        return PostgresStore(url, timeout=timeout)
    if url.startswith("sqlite:///"):
        url = url.removeprefix("sqlite://")
    elif "://" in url:
        scheme = redact(url.split("://", 1)[0][:40], url)
        raise StoreError(
            f"cannot open a '{scheme}://' database; use a SQLite file path or a postgresql:// URL"
        )
    from foresight.store.sqlite import SQLiteStore

    return SQLiteStore(url, timeout=timeout)


def check_url(url: str) -> str | None:
    """What is wrong with a database string, found without connecting; None if nothing."""
    from pathlib import Path

    from foresight.redact import is_postgres, redact

    if is_postgres(url):
        from foresight.store.postgres import check_url as check_postgres

        return check_postgres(url)
    if url.startswith("sqlite:///"):
        url = url.removeprefix("sqlite://")
    elif "://" in url:
        scheme = redact(url.split("://", 1)[0][:40], url)
        return (
            f"cannot open a '{scheme}://' database; use a SQLite file path or a postgresql:// URL"
        )
    path = Path(url).expanduser()
    if path.exists() and not path.is_file():
        return f"{path} is not a regular file (a SQLite log is a file)"
    return None


def describe_url(url: str) -> str:
    """Name a store for a brief: never a password, nor a machine's folder layout."""
    from foresight.redact import is_postgres

    if is_postgres(url):
        from foresight.store.postgres import describe_url as describe_postgres

        return describe_postgres(url)
    path = url.removeprefix("sqlite:///").removeprefix("sqlite://")
    return f"SQLite file {path.replace(chr(92), '/').rsplit('/', 1)[-1]}"


__all__ = [
    "AddResult",
    "LogSummary",
    "NewObservation",
    "Progress",
    "Store",
    "check_url",
    "content_key",
    "describe_url",
    "open_store",
    "paused_gc",
    "summarise",
]

"""Checking observations field by field: command-line values, CSV cells, JSON/YAML scalars.

Checking is plain Python on purpose: a million-row import must stay fast. Every limit
on dates, timestamps, ids and text lengths comes from foresight.bounds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from foresight import bounds, scales
from foresight.bounds import MAX_TEXT
from foresight.errors import InputError
from foresight.records import month_date
from foresight.store import NewObservation
from foresight.suggest import did_you_mean

FIELDS: tuple[str, ...] = (
    "indicator",
    "observed_on",
    "absent",
    "strength",
    "source",
    "source_url",
    "reliability",
    "credibility",
    "event",
    "tlp",
    "note",
    "analyst",
)
AUDIT_FIELDS: tuple[str, ...] = (
    "id",
    "recorded_at",
    "amends",
    "retracted_at",
    "retracted_by",
    "retraction_reason",
)
EXPORT_FIELDS: tuple[str, ...] = FIELDS + AUDIT_FIELDS
REQUIRED: tuple[str, ...] = ("indicator", "observed_on", "source", "reliability", "credibility")
FORMATS: tuple[str, ...] = ("csv", "jsonl", "yaml")
SUFFIXES: dict[str, str] = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".yaml": "yaml",
    ".yml": "yaml",
}
EARLIEST = dt.date(1900, 1, 1)
_EARLIEST_TIME = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
# Reporting stops here: past a hundred problems the file needs fixing at its origin.
MAX_PROBLEMS = 100
# Rows checked between two reports to a progress bar.
PROGRESS_STEP = 10_000
# How far ahead of this machine's clock an imported timestamp may be (clock skew).
CLOCK_SLACK = dt.timedelta(minutes=5)

_BOOLEANS: dict[str, bool] = {
    **dict.fromkeys(("", "false", "no", "0"), False),
    **dict.fromkeys(("true", "yes", "1"), True),
}
_RELIABILITY: dict[str, str] = {
    **{grade: grade for grade in scales.RELIABILITY},
    **{grade.lower(): grade for grade in scales.RELIABILITY},
}
_CREDIBILITY: dict[str, int] = {str(grade): grade for grade in scales.CREDIBILITY}
# Caches of converted values stop growing here (a file of unique numbers gains nothing).
_CACHE_LIMIT = 10_000
ALLOWED = frozenset(EXPORT_FIELDS)
# The file's keys in the order of NewObservation's fields ("id" becomes origin_id).
ROW_ORDER: tuple[str, ...] = (
    "indicator",
    "observed_on",
    "source",
    "reliability",
    "credibility",
    "tlp",
    "absent",
    "strength",
    "source_url",
    "event",
    "note",
    "analyst",
    "recorded_at",
    "id",
    "amends",
    "retracted_at",
    "retracted_by",
    "retraction_reason",
)
Issue = tuple[str, str, str]
"""A problem with one field of a row: (field, message, hint)."""
Step = tuple[str, Callable[[Any], Any], int]
"""For one field of NewObservation: its key in the file, its check, its column (-1: none)."""


@dataclass(frozen=True)
class Plan:
    """How to check rows whose values come in one order: a step per field of NewObservation,
    and the same steps as one function that builds the observation (or raises _Bad)."""

    steps: list[Step]
    build: Callable[[Sequence[Any]], NewObservation]


def _builder(steps: list[Step]) -> Callable[[Sequence[Any]], NewObservation]:
    """One function that runs every step and builds the observation.

    Spelled out field by field: a million-row import calls it once a row, and this runs
    a quarter faster than a loop over the steps."""
    (
        (c0, i0),
        (c1, i1),
        (c2, i2),
        (c3, i3),
        (c4, i4),
        (c5, i5),
        (c6, i6),
        (c7, i7),
        (c8, i8),
        (c9, i9),
        (c10, i10),
        (c11, i11),
        (c12, i12),
        (c13, i13),
        (c14, i14),
        (c15, i15),
        (c16, i16),
        (c17, i17),
    ) = [(convert, i) for _, convert, i in steps]
    new = NewObservation

    def build(cells: Sequence[Any]) -> NewObservation:
        return new(
            c0(cells[i0]),
            c1(cells[i1]),
            c2(cells[i2]),
            c3(cells[i3]),
            c4(cells[i4]),
            c5(cells[i5]),
            c6(cells[i6]),
            c7(cells[i7]),
            c8(cells[i8]),
            c9(cells[i9]),
            c10(cells[i10]),
            c11(cells[i11]),
            c12(cells[i12]),
            c13(cells[i13]),
            c14(cells[i14]),
            c15(cells[i15]),
            c16(cells[i16]),
            c17(cells[i17]),
        )

    return build


class _Bad(Exception):
    """One field's value is wrong."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class Checker:
    """Check raw values (text from CSV or the command line, JSON/YAML scalars) field by field.

    Each field's method returns the clean value or raises _Bad. The common case (a
    plain, already clean string) takes a fast path, and the results for repeated
    values (dates, grades, indicator ids) are cached: import files repeat them a lot.
    """

    def __init__(
        self,
        indicators: Collection[str],
        default_tlp: str,
        *,
        today: dt.date | None = None,
        now: dt.datetime | None = None,
        no_absence: Collection[str] | None = None,
    ) -> None:
        self.indicators = {i: i for i in indicators}
        # Indicators whose absence moves nothing (no absent: weight): given, or found when
        # the caller gave the definitions rather than bare ids.
        defined = indicators.items() if isinstance(indicators, Mapping) else ()
        self.no_absence = frozenset(
            no_absence
            if no_absence is not None
            else (
                iid
                for iid, item in defined
                if hasattr(item, "weights")
                and all(w.absent_ratio == 1.0 for w in item.weights.values())
            )
        )
        self.default_tlp = scales.normalise_tlp(default_tlp)
        self.now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        # The later of the local and the UTC date: "today" somewhere is not the future.
        self.today = today or max(dt.date.today(), self.now.date())
        self.latest = self.now + CLOCK_SLACK
        self._dates: dict[str, dt.date] = {}
        self._strengths: dict[str, float] = {}
        self._tlps: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self.convert: dict[str, Callable[[Any], Any]] = {
            "indicator": self.indicator,
            "observed_on": self.observed_on,
            "absent": self.absent,
            "strength": self.strength,
            "source": self.source,
            "source_url": self.url,
            "reliability": self.reliability,
            "credibility": self.credibility,
            "event": self.optional_text,
            "tlp": self.tlp,
            "note": self.note,
            "analyst": self.short_text,
            "id": self.positive_int,
            "recorded_at": self.timestamp,
            "amends": self.positive_int,
            "retracted_at": self.timestamp,
            "retracted_by": self.short_text,
            "retraction_reason": self.optional_text,
        }
        self._identity = self.plan(ROW_ORDER)

    def plan(self, columns: Sequence[str]) -> Plan:
        """Prepare to check rows whose values come in the order of columns.

        Fields missing from columns read the cell at -1: check_cells expects each row to
        end with an extra None, which gives them their default (or makes a required one
        fail).
        """
        index = {name: i for i, name in enumerate(columns)}
        steps = [(name, self.convert[name], index.get(name, -1)) for name in ROW_ORDER]
        return Plan(steps, _builder(steps))

    def check(self, values: Mapping[str, Any]) -> tuple[NewObservation | None, list[Issue]]:
        """Check one row given as a mapping of keys to values (JSON, YAML, command line)."""
        return self.check_cells([values.get(name) for name in ROW_ORDER], self._identity)

    def check_cells(
        self, cells: list[Any], plan: Plan
    ) -> tuple[NewObservation | None, list[Issue]]:
        """Check one row of values laid out as the plan says, followed by None.

        Returns the observation, or None and each problem as (field, message, hint).
        """
        try:
            row = plan.build(cells)
        except _Bad:
            # Rare: go again field by field to report every problem of the row.
            issues: list[Issue] = []
            for name, convert, i in plan.steps:
                try:
                    convert(cells[i])
                except _Bad as bad:
                    issues.append((name, bad.message, bad.hint))
            return None, issues
        if (
            row.retracted_at is not None
            or row.amends is not None
            or row.retracted_by is not None
            or row.retraction_reason is not None
        ):
            issues = _check_audit(row)
            if issues:
                return None, issues
        if row.absent and row.indicator in self.no_absence:
            return None, [_no_absence(row.indicator)]
        return row, []

    # -- one method per field: return the clean value or raise _Bad ----------------

    def indicator(self, raw: Any) -> str:
        """An indicator id defined in the workspace."""
        if type(raw) is str:
            known = self.indicators.get(raw)
            if known is not None:
                return known
        text = _required(_text(raw))
        known = self.indicators.get(text)
        if known is None:
            hint = did_you_mean(text, self.indicators).lstrip(", ")
            raise _Bad(f"unknown indicator '{text}'", hint or "see 'foresight indicators'")
        return known

    def observed_on(self, raw: Any) -> dt.date:
        """A date written YYYY-MM-DD (or YYYY-MM for a month), from 1900-01-01 up to today."""
        if type(raw) is str:
            day = self._dates.get(raw)
            if day is not None:
                return day
            text = _required(_text(raw))
            day = _parse_date(text, self.today)
        elif isinstance(raw, dt.date) and not isinstance(raw, dt.datetime):
            day = raw
        else:
            day = _parse_date(_required(_text(raw)), self.today)
        if day < EARLIEST:
            raise _Bad(f"{day} is before {EARLIEST}", "check the year")
        if day > self.today:
            raise _Bad(f"{day} is in the future", "log an observation once it has been made")
        if type(raw) is str:
            self._dates[raw] = day
        return day

    def absent(self, raw: Any) -> bool:
        """true/false, yes/no or 1/0 (default false: the indicator was observed)."""
        if type(raw) is str:
            value = _BOOLEANS.get(raw)
            if value is None:
                value = _BOOLEANS.get(raw.strip().lower())
            if value is not None:
                return value
        elif raw is None or raw is False or raw is True or (type(raw) is int and raw in (0, 1)):
            return bool(raw)
        raise _Bad(f"{_show(raw)} is not true or false", "write true/false, yes/no or 1/0")

    def strength(self, raw: Any) -> float:
        """strong, moderate, weak or a number in (0, 1] (default strong)."""
        if type(raw) is str:
            value = self._strengths.get(raw)
            if value is not None:
                return value
            text = raw.strip().lower()
            value = scales.STRENGTH.get(text or "strong")
            if value is None:
                try:
                    if not text.isascii():  # float() also reads other scripts' digits
                        raise ValueError(text)
                    # A decimal comma (0,6) as spreadsheets in many locales write it.
                    value = float(text.replace(",", ".", 1))
                except ValueError:
                    raise _Bad(
                        f"{_show(raw)} is not a strength",
                        "write strong, moderate, weak or a number in (0, 1]",
                    ) from None
        elif raw is None:
            return scales.STRENGTH["strong"]
        elif isinstance(raw, int | float) and not isinstance(raw, bool):
            value = float(raw)
        else:
            raise _Bad(
                f"{_show(raw)} is not a strength",
                "write strong, moderate, weak or a number in (0, 1]",
            )
        if not 0.0 < value <= 1.0:  # also refuses NaN
            raise _Bad(f"{_show(raw)} is outside (0, 1]", "strong is 1, moderate 0.6, weak 0.3")
        if type(raw) is str and len(self._strengths) < _CACHE_LIMIT:
            self._strengths[raw] = value
        return value

    def source(self, raw: Any) -> str:
        """Who or what reported it: required, not blank."""
        if type(raw) is str:
            known = self._names.get(raw)
            if known is not None:
                return known
            text = raw.strip()
            if text and "\x00" not in text and len(text) <= MAX_TEXT:
                if len(self._names) < _CACHE_LIMIT:
                    self._names[raw] = text  # sources repeat: keep one copy of each
                return text
        return _required(_text(raw), "name the source of the report")

    def reliability(self, raw: Any) -> str:
        """An Admiralty source-reliability grade, A to F."""
        grade = _RELIABILITY.get(raw) if type(raw) is str else None
        if grade is None:
            grade = _RELIABILITY.get(_required(_text(raw)))
            if grade is None:
                raise _Bad(
                    f"{_show(raw)} is not a reliability grade",
                    "grades run from A, completely reliable, to F, reliability cannot be judged",
                )
        return grade

    def credibility(self, raw: Any) -> int:
        """An Admiralty information-credibility grade, 1 to 6."""
        if type(raw) is str:
            grade = _CREDIBILITY.get(raw)
            if grade is None:
                grade = _CREDIBILITY.get(_required(_text(raw)))
        elif type(raw) is int and raw in scales.CREDIBILITY:
            grade = raw
        elif raw is None:
            raise _Bad("is required but missing or empty")
        else:
            grade = None
        if grade is None:
            raise _Bad(
                f"{_show(raw)} is not a credibility grade",
                "grades run from 1, confirmed by other sources, to 6, truth cannot be judged",
            )
        return grade

    def tlp(self, raw: Any) -> str:
        """A TLP 2.0 level in any case, with or without 'TLP:' (default: the workspace's)."""
        if type(raw) is str:
            known = self._tlps.get(raw)
            if known is not None:
                return known
        text = _text(raw)
        if text is None:
            return self.default_tlp
        try:
            known = scales.normalise_tlp(text)
        except ValueError as exc:
            raise _Bad(str(exc)) from None
        if type(raw) is str:
            self._tlps[raw] = known
        return known

    def note(self, raw: Any) -> str:
        """Free text (default empty)."""
        if type(raw) is str:
            text = raw.strip()
            if "\x00" not in text and len(text) <= MAX_TEXT:
                return text
        return _text(raw) or ""

    def optional_text(self, raw: Any) -> str | None:
        """Free text, or None when empty."""
        if type(raw) is str:
            text = raw.strip()
            if "\x00" not in text and len(text) <= MAX_TEXT:
                return text or None
        return _text(raw)

    def url(self, raw: Any) -> str | None:
        """An http:// or https:// address, or None when empty."""
        text = self.optional_text(raw)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in text:
            raise _Bad(
                f"{_show(text)} is not a web address",
                "write a full http:// or https:// URL, e.g. https://example.org/report",
            )
        return text

    def short_text(self, raw: Any) -> str | None:
        """A name on one line, or None when empty."""
        if type(raw) is str:
            known = self._names.get(raw)
            if known is not None:
                return known
        text = self.optional_text(raw)
        if text is not None:
            if "\n" in text or "\r" in text:
                raise _Bad("must be on one line")
            if type(raw) is str and len(self._names) < _CACHE_LIMIT:
                self._names[raw] = text  # a few analysts sign most rows: keep one copy
        return text

    def positive_int(self, raw: Any) -> int | None:
        """A whole number from 1 up, or None when empty."""
        if raw is None or raw == "":
            return None
        try:
            return bounds.parse_id(raw)
        except ValueError:
            raise _Bad(
                f"{_show(raw)} is not an observation id",
                f"a whole number from 1 to {bounds.MAX_ID}",
            ) from None

    def timestamp(self, raw: Any) -> dt.datetime | None:
        """An ISO 8601 date and time (UTC unless it gives its offset), or None when empty."""
        if raw is None or raw == "":
            return None
        text = _text(raw)
        if text is None:
            return None
        try:
            value = bounds.parse_timestamp(text)
        except ValueError as exc:
            hint = "write ISO 8601, e.g. 2021-09-17T08:30:00+00:00"
            if "outside" in str(exc):
                raise _Bad(f"{_show(raw)} is outside the supported dates", hint) from None
            raise _Bad(f"{_show(raw)} is not a date and time", hint) from None
        if value < _EARLIEST_TIME:
            raise _Bad(f"{_show(raw)} is before {EARLIEST}", "check the year")
        if value > self.latest:
            raise _Bad(f"{_show(raw)} is in the future", "check the clock that wrote it")
        return value


def _check_audit(row: NewObservation) -> list[Issue]:
    """Cross-check the audit fields of one row from an export."""
    issues: list[Issue] = []
    if row.retracted_at is None:
        if row.retracted_by or row.retraction_reason:
            issues.append(
                ("retracted_at", "is missing but the row names a retraction", "give all or none")
            )
    elif row.recorded_at is not None and row.retracted_at < row.recorded_at:
        issues.append(
            (
                "retracted_at",
                "is before recorded_at",
                "an observation is retracted after it was recorded",
            )
        )
    if row.amends is not None and row.amends == row.origin_id:
        issues.append(("amends", "an observation cannot amend itself", ""))
    return issues


def _text(raw: Any) -> str | None:
    """Stripped text, or None when empty; whole numbers are accepted as text."""
    if type(raw) is str:
        text = raw.strip()
    elif raw is None:
        return None
    elif isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    else:
        raise _Bad(f"must be text, not {kind_of(raw)}", "put the value in quotes")
    if "\x00" in text:
        raise _Bad("contains a NUL character")
    if len(text) > MAX_TEXT:
        raise _Bad(f"is {len(text):,} characters long", f"at most {MAX_TEXT:,} are kept")
    return text or None


def _required(value: str | None, hint: str = "") -> str:
    if value is None:
        raise _Bad("is required but missing or empty", hint)
    return value


def _no_absence(indicator: str) -> tuple[str, str, str]:
    """The problem with logging the absence of an indicator whose absence moves nothing."""
    return (
        "absent",
        f"indicator '{indicator}' has no absent: weight, so its absence would move nothing",
        f"log it as observed, or add an absent: weight (e.g. 'absent: weak-against') under "
        f"a scenario in indicators/{indicator}.yaml",
    )


def _parse_date(text: str, today: dt.date) -> dt.date:
    # fromisoformat alone would also take 20210917 and 2021-W37-5.
    try:
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            year, month = int(text[:4]), int(text[5:])
            if dt.date(year, month, 1) > today:
                raise _Bad(f"{text} is in the future", "log an observation once it has been made")
            return month_date(year, month, today)
        if len(text) != 10 or text[4] != "-" or text[7] != "-":
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _Bad(
            f"{_show(text)} is not a date", "write it as YYYY-MM-DD, or YYYY-MM for a month"
        ) from None


def _show(raw: Any) -> str:
    text = repr(raw) if isinstance(raw, str) else json.dumps(raw, default=str)
    return text if len(text) <= 40 else text[:37] + "…"


def kind_of(raw: Any) -> str:
    """What kind of value raw is, in words."""
    return bounds.kind_of(raw)


# -- one observation from the command line --------------------------------------------


def new_observation(
    values: Mapping[str, Any],
    indicators: Collection[str],
    default_tlp: str,
    no_absence: Collection[str] | None = None,
) -> NewObservation:
    """Check one observation given as field values; raise InputError naming each bad field.

    no_absence: indicators whose absence moves nothing (found from indicators when they
    are the definitions)."""
    problems: list[str] = []
    for name, value in values.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                problems.append(f"{name}: is not valid text (check the terminal's encoding)")
    if not problems:
        row, found = Checker(indicators, default_tlp, no_absence=no_absence).check(values)
        if row is not None:
            return row
        problems = [
            f"{_OPTIONS.get(name, name)}: {message}" + (f" ({hint})" if hint else "")
            for name, message, hint in found
        ]
    raise InputError("the observation was not logged:", problems)


# Fields whose command-line option has another name than the field.
_OPTIONS = {"source_url": "source_url (--url)"}

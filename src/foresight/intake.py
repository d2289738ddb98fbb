"""Observations coming in (command-line values, CSV, JSONL and YAML files) and going out.

Every row of a file is checked before anything is written: problems are collected with
their file, line and field and reported together, and a file with any problem imports
nothing. Checking is plain Python on purpose: a million-row import must stay fast.

The file format is one flat record per observation, the same keys in every format:
FIELDS for new observations; an export adds AUDIT_FIELDS, which an import uses to
re-create the same log (who recorded what when, retractions and amendment links).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import os
import re
import tempfile
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from foresight import scales
from foresight.errors import InputError, Problem
from foresight.records import Observation, date_text, month_date
from foresight.store import NewObservation, Progress, paused_gc
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
_ALLOWED = frozenset(EXPORT_FIELDS)
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
Plan = list[tuple[str, Callable[[Any], Any], int]]
"""For each field of NewObservation: its key in the file, its check, its column (-1: none)."""


class _Bad(Exception):
    """One field's value is wrong."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class Batch:
    """The checked rows of one import file, with warnings that did not stop it."""

    label: str
    format: str
    rows: list[NewObservation]
    warnings: list[str] = field(default_factory=list)


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
    ) -> None:
        self.indicators = {i: i for i in indicators}
        # Indicators whose absence moves nothing (no absent: weight), when the caller gave
        # the definitions rather than bare ids.
        defined = indicators.items() if isinstance(indicators, Mapping) else ()
        self.no_absence = frozenset(
            iid
            for iid, item in defined
            if hasattr(item, "weights")
            and all(w.absent_ratio == 1.0 for w in item.weights.values())
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
        return [(name, self.convert[name], index.get(name, -1)) for name in ROW_ORDER]

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
            row = NewObservation(*[convert(cells[i]) for _, convert, i in plan])
        except _Bad:
            # Rare: go again field by field to report every problem of the row.
            issues: list[Issue] = []
            for name, convert, i in plan:
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
            if text and "\x00" not in text:
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
            if "\x00" not in text:
                return text
        return _text(raw) or ""

    def optional_text(self, raw: Any) -> str | None:
        """Free text, or None when empty."""
        if type(raw) is str:
            text = raw.strip()
            if "\x00" not in text:
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
        value: Any = raw
        if type(raw) is str:
            text = raw.strip()
            value = int(text) if text.isdigit() and text.isascii() else None
        if type(value) is not int or value < 1:
            raise _Bad(f"{_show(raw)} is not an observation id", "a whole number from 1 up")
        return value

    def timestamp(self, raw: Any) -> dt.datetime | None:
        """An ISO 8601 date and time (UTC unless it gives its offset), or None when empty."""
        if raw is None or raw == "":
            return None
        text = _text(raw)
        if text is None:
            return None
        try:
            if len(text) < 16 or text[10] not in "T ":
                raise ValueError(text)
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise _Bad(
                f"{_show(raw)} is not a date and time",
                "write ISO 8601, e.g. 2021-09-17T08:30:00+00:00",
            ) from None
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
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


def _no_absence(indicator: str) -> Issue:
    """The problem with logging the absence of an indicator whose absence moves nothing."""
    return (
        "absent",
        f"indicator '{indicator}' has no absent: weight, so its absence would move nothing",
        f"log it as observed, or add an absent: weight (e.g. 'absent: weak-against') under "
        f"a scenario in indicators/{indicator}.yaml",
    )


def _text(raw: Any) -> str | None:
    """Stripped text, or None when empty; whole numbers are accepted as text."""
    if type(raw) is str:
        text = raw.strip()
    elif raw is None:
        return None
    elif isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    else:
        raise _Bad(f"must be text, not {_kind(raw)}", "put the value in quotes")
    if "\x00" in text:
        raise _Bad("contains a NUL character")
    return text or None


def _required(value: str | None, hint: str = "") -> str:
    if value is None:
        raise _Bad("is required but missing or empty", hint)
    return value


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


def _kind(raw: Any) -> str:
    kinds = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
        type(None): "nothing",
    }
    return kinds.get(type(raw), type(raw).__name__)


# -- files in ---------------------------------------------------------------------


def format_of(path: Path, given: str | None = None) -> str:
    """The format of a file: as given, else from its extension."""
    if given:
        if given not in FORMATS:
            raise InputError(f"unknown format '{given}'; use one of {', '.join(FORMATS)}")
        return given
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InputError(
            f"cannot tell the format of {path.name} from its name; name it *.csv, *.jsonl or "
            f"*.yaml, or say --format {'|'.join(FORMATS)}"
        )
    return found


def read_file(
    path: Path,
    indicators: Collection[str],
    default_tlp: str,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> Batch:
    """Read and check every row of an import file; raise InputError listing all problems."""
    fmt = format_of(path, fmt)
    label = str(path)
    reader = _FileReader(label, Checker(indicators, default_tlp), progress)
    try:
        _check_bytes(path, label)
        # CSV and JSONL are read as a stream, not as one string: a million-row file is
        # then never in memory whole, only its checked rows are.
        with paused_gc(), path.open(encoding="utf-8-sig", newline="") as stream:
            if fmt == "csv":
                reader.read_csv(stream)
            elif fmt == "jsonl":
                reader.read_jsonl(stream)
            else:
                reader.read_yaml(stream.read())
            return reader.finish(fmt)
    except UnicodeDecodeError:
        raise _not_utf8(path, label) from None
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None


def _check_bytes(path: Path, label: str) -> None:
    """Refuse an empty or binary file before reading it as text."""
    blank = True
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            if b"\x00" in chunk:
                raise InputError(
                    f"{label} is a binary file, not text; export it as UTF-8 CSV, JSONL or YAML"
                )
            if blank and not chunk.isspace():
                blank = False
    if blank:
        raise InputError(f"{label} is empty; there is nothing to import")


def _not_utf8(path: Path, label: str) -> InputError:
    """The error for a file that is not UTF-8, naming the line of the first bad byte."""
    raw = path.read_bytes()
    try:
        raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return InputError(
            f"{label}:{line}: is not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file "
            "with UTF-8 encoding"
        )
    return InputError(f"{label} is not valid UTF-8; save the file with UTF-8 encoding")


class _FileReader:
    """Collects checked rows and located problems while one file is read."""

    def __init__(self, label: str, checker: Checker, progress: Progress | None) -> None:
        self.label = label
        self.checker = checker
        self.progress = progress
        self.rows: list[NewObservation] = []
        # (line, item label) of the rows that carry an id or an amendment link, by index
        self.places: dict[int, tuple[int | None, str]] = {}
        self.problems: list[str] = []
        self.notes: list[str] = []  # said to the user, whether or not the file imports
        self.total = 0

    @property
    def full(self) -> bool:
        """Whether enough problems have been found to stop reading."""
        return len(self.problems) >= MAX_PROBLEMS

    def problem(self, line: int | None, name: str, message: str, hint: str = "") -> None:
        """Record one problem at a place in the file."""
        self.problems.append(str(Problem(self.label, line, name, message, hint)))

    def error(self) -> InputError:
        """The error that reports every problem found."""
        more = " (reading stopped there)" if self.full else ""
        return InputError(
            f"cannot import {self.label}: {len(self.problems)} problem(s){more}; nothing was "
            "written. Fix them and import again:",
            self.problems,
        )

    def fail(self, line: int | None, name: str, message: str, hint: str = "") -> InputError:
        """Record a problem that stops the reading of the whole file; return the error."""
        self.problem(line, name, message, hint)
        return self.error()

    def keep(
        self,
        row: NewObservation | None,
        issues: list[Issue],
        line: int | None,
        line_of: Callable[[str], int | None] | None = None,
        item: str = "",
    ) -> None:
        """Keep a checked row, or record its problems (at line, or line_of(field))."""
        self.total += 1
        if row is not None:
            if not self.problems:
                if row.origin_id is not None or row.amends is not None:
                    self.places[len(self.rows)] = (line, item)
                self.rows.append(row)
        else:
            for name, message, hint in issues:
                where = line if line_of is None else line_of(name)
                self.problem(where, f"{item}{name}", message, hint)
        if self.progress is not None and self.total % PROGRESS_STEP == 0:
            self.progress(PROGRESS_STEP)

    def unknown_keys(
        self,
        keys: Iterable[Any],
        line_of: Callable[[str], int | None],
        item: str = "",
        noun: str = "key",
    ) -> None:
        """Record each key (or column) that is not a field of the format."""
        for key in keys:
            if key not in _ALLOWED:
                hint = did_you_mean(str(key), EXPORT_FIELDS).lstrip(", ") or (
                    f"the {noun}s are " + ", ".join(EXPORT_FIELDS)
                )
                self.problem(line_of(str(key)), f"{item}{key}", f"unknown {noun}", hint)

    def read_csv(self, stream: TextIO) -> None:
        """Read CSV with a header row naming the columns, in any order.

        The delimiter is told from the header: a comma, or the semicolon or tab that
        spreadsheets in many locales (French, German, …) write instead.
        """
        ahead: list[str] = []
        for text in stream:
            ahead.append(text)
            if text.strip():
                break
        delimiter = _delimiter(ahead[-1] if ahead else "")
        if delimiter != ",":
            self.notes.append(
                f"{self.label} is {DELIMITERS[delimiter]}-separated (as spreadsheets in many "
                "locales save CSV): read with that delimiter"
            )
        reader = csv.reader(itertools.chain(ahead, stream), strict=True, delimiter=delimiter)
        check, keep = self.checker.check_cells, self.keep
        try:
            header = next(reader, None)
            while header == []:
                header = next(reader, None)
            if header is None:
                raise self.fail(None, "", "is empty; there is nothing to import")
            columns = [name.strip() for name in header]
            other = next((d for d in (";", "\t") if len(columns) == 1 and d in columns[0]), None)
            if other is not None:
                raise self.fail(
                    reader.line_num,
                    "",
                    f"this looks like a {DELIMITERS[other]}-separated file, but its header "
                    "names none of the columns",
                    "the header must name " + ", ".join(REQUIRED),
                )
            self._check_header(columns, reader.line_num)
            plan = self.checker.plan(columns)
            width = len(columns)
            start = reader.line_num + 1
            for cells in reader:
                line = start
                start = reader.line_num + 1
                if len(cells) == width:
                    cells.append(None)  # what the plan's missing fields read
                    row, issues = check(cells, plan)
                    keep(row, issues, line)
                elif cells:
                    self.total += 1
                    self.problem(
                        line,
                        "",
                        f"has {len(cells)} fields but the header has {width}",
                        "the row may be cut short, or a quote is not closed",
                    )
                if self.problems and self.full:
                    return
        except csv.Error as exc:
            raise self.fail(
                reader.line_num,
                "",
                f"is not valid CSV: {exc}",
                "the file may be cut short, or a quote is not closed",
            ) from None

    def _check_header(self, columns: list[str], line: int) -> None:
        seen: set[str] = set()
        for number, name in enumerate(columns, start=1):
            if not name:
                self.problem(
                    line, "", f"column {number} has no name", "name it, or remove the empty column"
                )
            elif name in seen:
                raise self.fail(line, name, "the column appears twice", "keep only one")
            seen.add(name)
        self.unknown_keys([name for name in columns if name], lambda name: line, noun="column")
        for name in REQUIRED:
            if name not in seen:
                self.problem(
                    line,
                    name,
                    "required column is missing",
                    "the header must name " + ", ".join(REQUIRED),
                )
        if self.problems:
            raise self.error()

    def read_jsonl(self, stream: TextIO) -> None:
        """Read one JSON object per line."""
        # The stream splits lines at \n, \r and \r\n only (not at U+2028 and the like,
        # which JSON strings may hold); raw line breaks cannot occur inside JSON text.
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            try:
                values = json.loads(line, object_pairs_hook=_unique_pairs)
            except _DuplicateKey as exc:
                self.total += 1
                self.problem(number, exc.key, "the key appears twice", "keep only one")
            except json.JSONDecodeError as exc:
                self.total += 1
                self.problem(
                    number,
                    "",
                    f"is not valid JSON: {exc.msg} (column {exc.colno})",
                    "each line must hold one complete JSON object",
                )
            else:
                if not isinstance(values, dict):
                    self.total += 1
                    self.problem(number, "", f"must be a JSON object {{...}}, not {_kind(values)}")
                elif _ALLOWED.issuperset(values):
                    row, issues = self.checker.check(values)
                    self.keep(row, issues, number)
                else:
                    self.total += 1
                    self.unknown_keys(values, lambda name, number=number: number)
            if self.problems and self.full:
                return

    def read_yaml(self, text: str) -> None:
        """Read a YAML list of mappings."""
        from foresight import yamlio

        if all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()):
            raise InputError(f"{self.label} is empty; there is nothing to import")
        doc = yamlio.parse(text, self.label)
        if doc.problems:
            self.problems.extend(str(p) for p in doc.problems)
            raise self.error()
        if not isinstance(doc.data, list):
            raise self.fail(
                doc.line_for(()),
                "",
                f"must be a list of observations ('- indicator: …'), not {_kind(doc.data)}",
            )
        for index, values in enumerate(doc.data):
            item = f"item {index + 1}: "

            def line_of(name: str, index: int = index) -> int | None:
                return doc.line_for((index, name) if name else (index,))

            if not isinstance(values, dict):
                self.total += 1
                self.problem(
                    line_of(""),
                    item.rstrip(": "),
                    f"must be a mapping of keys to values, not {_kind(values)}",
                )
            elif _ALLOWED.issuperset(values):
                row, issues = self.checker.check(values)
                self.keep(row, issues, line_of(""), line_of, item)
            else:
                self.total += 1
                self.unknown_keys(values, line_of, item)
            if self.problems and self.full:
                return

    def finish(self, fmt: str) -> Batch:
        """Check links between rows; return the batch or raise InputError with every problem."""
        warnings: list[str] = []
        if not self.problems:
            warnings = self._link()
        if self.problems:
            raise self.error()
        if not self.rows:
            raise InputError(f"{self.label} holds no observations; there is nothing to import")
        if self.progress is not None:
            self.progress(self.total % PROGRESS_STEP)
        return Batch(self.label, fmt, self.rows, self.notes + warnings)

    def _link(self) -> list[str]:
        """Check ids and amendment links; drop links to observations not in the file."""
        first_line: dict[int, int | None] = {}
        for index, (line, item) in self.places.items():
            row = self.rows[index]
            if row.origin_id is not None:
                if row.origin_id in first_line:
                    self.problem(
                        line,
                        f"{item}id",
                        f"{row.origin_id} appears twice (first on line "
                        f"{first_line[row.origin_id]})",
                        "ids must be unique",
                    )
                first_line.setdefault(row.origin_id, line)
        dropped: list[int] = []
        seen: set[int] = set()
        for index, (line, item) in self.places.items():
            row = self.rows[index]
            if row.amends is not None and row.amends not in seen:
                if row.amends in first_line:
                    self.problem(
                        line,
                        f"{item}amends",
                        f"observation {row.amends} comes later in the file",
                        "list each observation before its amendments",
                    )
                else:
                    dropped.append(row.amends)
                    self.rows[index] = replace(row, amends=None)
            if row.origin_id is not None:
                seen.add(row.origin_id)
        if not dropped:
            return []
        shown = ", ".join(str(i) for i in dropped[:10]) + (", …" if len(dropped) > 10 else "")
        return [
            f"{len(dropped)} row(s) amend observations that are not in the file "
            f"(ids {shown}); they are imported without that link"
        ]


DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}


def _delimiter(header: str) -> str:
    """The delimiter that splits a header line into the most known column names."""
    best, found = ",", 0
    for delimiter in DELIMITERS:
        names = [name.strip().strip('"') for name in header.strip().split(delimiter)]
        known = sum(1 for name in names if name in _ALLOWED)
        if known > found:
            best, found = delimiter, known
    return best


class _DuplicateKey(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


# -- one observation from the command line --------------------------------------------


# Fields whose command-line option has another name than the field.
_OPTIONS = {"source_url": "source_url (--url)"}


def new_observation(
    values: Mapping[str, Any], indicators: Collection[str], default_tlp: str
) -> NewObservation:
    """Check one observation given as field values; raise InputError naming each bad field."""
    problems: list[str] = []
    for name, value in values.items():
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                problems.append(f"{name}: is not valid text (check the terminal's encoding)")
    if not problems:
        row, found = Checker(indicators, default_tlp).check(values)
        if row is not None:
            return row
        problems = [
            f"{_OPTIONS.get(name, name)}: {message}" + (f" ({hint})" if hint else "")
            for name, message, hint in found
        ]
    raise InputError("the observation was not logged:", problems)


# -- files out --------------------------------------------------------------------------


def export_record(obs: Observation) -> dict[str, Any]:
    """The observation as one flat record with the export's keys, in order."""
    return {
        "indicator": obs.indicator,
        "observed_on": date_text(obs.observed_on),
        "absent": obs.absent,
        "strength": obs.strength,
        "source": obs.source,
        "source_url": obs.source_url,
        "reliability": obs.reliability,
        "credibility": obs.credibility,
        "event": obs.event,
        "tlp": obs.tlp,
        "note": obs.note,
        "analyst": obs.analyst,
        "id": obs.id,
        "recorded_at": _iso(obs.recorded_at),
        "amends": obs.amends,
        "retracted_at": None if obs.retracted_at is None else _iso(obs.retracted_at),
        "retracted_by": obs.retracted_by,
        "retraction_reason": obs.retraction_reason,
    }


def write_export(observations: Iterable[Observation], fmt: str, stream: TextIO) -> int:
    """Write observations to a text stream in a format; return how many were written."""
    count = 0
    if fmt == "csv":
        # RFC 4180 line ends: Python's writer quotes a field holding a lone \r only when
        # \r is part of the line terminator, and such a field must be quoted to survive.
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow(EXPORT_FIELDS)
        for obs in observations:
            writer.writerow([_csv_cell(v) for v in export_record(obs).values()])
            count += 1
    elif fmt == "jsonl":
        for obs in observations:
            stream.write(json.dumps(export_record(obs), ensure_ascii=False) + "\n")
            count += 1
    elif fmt == "yaml":
        for obs in observations:
            items = (f"{k}: {_yaml_scalar(v)}" for k, v in export_record(obs).items())
            stream.write("- " + "\n  ".join(items) + "\n")
            count += 1
        if not count:
            stream.write("[]\n")
    else:
        raise InputError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    return count


def export_file(observations: Iterable[Observation], fmt: str, path: Path) -> int:
    """Write an export to a file atomically: a temporary file beside it, then a rename."""
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            count = write_export(observations, fmt, stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, _file_mode())  # mkstemp makes it private; give it the usual mode
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return count


def _file_mode() -> int:
    """The mode a new file gets under the current umask."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return value


# Characters a YAML double-quoted scalar must escape: quote, backslash, C0/C1 controls,
# YAML's own line breaks (NEL, LS, PS), the BOM, and what PyYAML refuses as unprintable.
_YAML_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]')
_YAML_NAMED = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def _yaml_escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _YAML_NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _yaml_scalar(value: Any) -> str:
    """Write a value as YAML that yamlio reads back as the same value and type."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        # yamlio's floats need a decimal point: 1e-05 must be written 1.0e-05.
        return text if "." in text else text.replace("e", ".0e", 1)
    return '"' + _YAML_ESCAPE.sub(_yaml_escape, str(value)) + '"'

"""Reading import files (CSV, JSON Lines, YAML): every row checked, every problem located.

Every row of a file is checked before anything is written: problems are collected with
their file, line and field and reported together, and a file with any problem imports
nothing.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from foresight.errors import InputError, Problem
from foresight.intake.checker import (
    ALLOWED,
    EXPORT_FIELDS,
    FORMATS,
    MAX_PROBLEMS,
    PROGRESS_STEP,
    REQUIRED,
    SUFFIXES,
    Checker,
    Issue,
    kind_of,
)
from foresight.intake.export import unguard_formula
from foresight.intake.links import Linked, Links
from foresight.store import NewObservation, Progress, paused_gc
from foresight.suggest import did_you_mean


@dataclass
class Batch:
    """The checked rows of one import file, with warnings that did not stop it."""

    label: str
    format: str
    rows: list[NewObservation]
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Checked:
    """What checking a whole import file found, its rows handed on one by one."""

    label: str
    format: str
    rows: int
    warnings: list[str]
    all_have_ids: bool  # every row carries an id (the file is an export)
    referenced: frozenset[int]  # ids in the file that later rows amend
    dropped: list[tuple[int, int]]  # (row index, id) of amendments of ids not in the file


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
    rows: list[NewObservation] = []
    checked = check_file(path, indicators, default_tlp, rows.append, fmt, progress)
    for index, _ in checked.dropped:
        rows[index] = replace(rows[index], amends=None)
    return Batch(checked.label, checked.format, rows, checked.warnings)


def check_file(
    path: Path,
    indicators: Collection[str],
    default_tlp: str,
    sink: Callable[[NewObservation], None],
    fmt: str | None = None,
    progress: Progress | None = None,
) -> Checked:
    """Check every row of an import file, handing each good row to sink as it is read.

    Raises InputError listing every problem; sink may then have been given rows, which
    the caller throws away. Amendments of ids not in the file are reported (in the
    warnings and as dropped), not changed.
    """
    fmt = format_of(path, fmt)
    label = str(path)
    reader = _FileReader(label, Checker(indicators, default_tlp), progress, sink)
    try:
        _check_bytes(path, label)
        # CSV and JSONL are read as a stream, not as one string: a million-row file is
        # never in memory whole, and its rows go on to sink one by one.
        with paused_gc(), path.open(encoding="utf-8-sig", newline="") as stream:
            if fmt == "csv":
                reader.read_csv(stream)
            elif fmt == "jsonl":
                reader.read_jsonl(stream)
            else:
                text = stream.read(MAX_YAML_CHARS + 1)
                if len(text) > MAX_YAML_CHARS:
                    raise InputError(
                        f"{label} is larger than {MAX_YAML_CHARS // 2**20} MiB of YAML; "
                        "import a large log as CSV or JSON Lines, which are read as a stream"
                    )
                reader.read_yaml(text)
            return reader.finish(fmt)
    except UnicodeDecodeError:
        raise _not_utf8(path, label) from None
    except OSError as exc:
        raise InputError(f"cannot read {label}: {exc.strerror or exc}") from None


def _check_bytes(path: Path, label: str) -> None:
    """Refuse an empty or binary file, or one that is not a regular file, before reading."""
    if not path.is_file():
        raise InputError(f"{label} is not a regular file; import reads files only")
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


# A YAML import is read whole and built in memory; larger logs travel as CSV or JSONL.
MAX_YAML_CHARS = 64 * 2**20
# The longest line of a JSON Lines file: one observation with every text at its longest.
MAX_LINE = 2 * 2**20


class _FileReader:
    """Collects checked rows and located problems while one file is read."""

    def __init__(
        self,
        label: str,
        checker: Checker,
        progress: Progress | None,
        sink: Callable[[NewObservation], None],
    ) -> None:
        self.label = label
        self.checker = checker
        self.progress = progress
        self.sink = sink
        self.rows = 0  # handed to sink
        self.links = Links()  # the rows that carry an id or an amendment link
        self.yaml = False  # whether rows are YAML items, named "item N: " in problems
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
            if not self.problems:  # once the file is known bad, its rows go nowhere
                if row.origin_id is not None or row.amends is not None:
                    self.links.add(self.rows, row.origin_id, row.amends, line)
                self.sink(row)
                self.rows += 1
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
            if key not in ALLOWED:
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
                    # One search for a cell starting with ' (a guarded formula) instead of
                    # a look at each cell: a fifth of the time spent on a row.
                    joined = "\0".join(cells)
                    if joined[:1] == "'" or "\0'" in joined:
                        for i, cell in enumerate(cells):
                            if cell[:1] == "'":
                                cells[i] = unguard_formula(cell)
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
                if len(line) > MAX_LINE:
                    raise _Unreadable(f"is longer than {MAX_LINE:,} characters")
                values = json.loads(line, object_pairs_hook=_unique_pairs)
                if "\\u" in line or "\\U" in line:
                    _check_surrogates(values)
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
            except _Unreadable as exc:
                self.total += 1
                self.problem(number, exc.key, exc.message, exc.hint)
            except RecursionError:
                self.total += 1
                self.problem(number, "", "is nested too deeply", "each line is one flat object")
            except ValueError as exc:  # e.g. a number of more than 4,300 digits
                self.total += 1
                self.problem(number, "", f"is not usable JSON: {str(exc)[:80]}", "check the line")
            else:
                if not isinstance(values, dict):
                    self.total += 1
                    self.problem(
                        number, "", f"must be a JSON object {{...}}, not {kind_of(values)}"
                    )
                elif ALLOWED.issuperset(values):
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

        self.yaml = True
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
                f"must be a list of observations ('- indicator: …'), not {kind_of(doc.data)}",
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
                    f"must be a mapping of keys to values, not {kind_of(values)}",
                )
            elif ALLOWED.issuperset(values):
                row, issues = self.checker.check(values)
                self.keep(row, issues, line_of(""), line_of, item)
            else:
                self.total += 1
                self.unknown_keys(values, line_of, item)
            if self.problems and self.full:
                return

    def finish(self, fmt: str) -> Checked:
        """Check links between rows; return what was found or raise InputError."""
        linked = Linked(frozenset(), [])
        if not self.problems:
            linked = self.links.check(self.problem, self._item)
        if self.problems:
            raise self.error()
        if not self.rows:
            raise InputError(f"{self.label} holds no observations; there is nothing to import")
        if self.progress is not None:
            self.progress(self.total % PROGRESS_STEP)
        warnings = list(self.notes)
        if linked.dropped:
            ids = [amends for _, amends in linked.dropped]
            shown = ", ".join(str(i) for i in ids[:10]) + (", …" if len(ids) > 10 else "")
            warnings.append(
                f"{len(ids)} row(s) amend observations that are not in the file "
                f"(ids {shown}); they are imported without that link"
            )
        return Checked(
            self.label,
            fmt,
            self.rows,
            warnings,
            all_have_ids=self.links.with_ids == self.rows,
            referenced=linked.referenced,
            dropped=linked.dropped,
        )

    def _item(self, index: int) -> str:
        """The label of a row's fields in a problem: "item N: " in YAML, else none."""
        return f"item {index + 1}: " if self.yaml else ""


class _Unreadable(Exception):
    """A line that parses but cannot be used."""

    def __init__(self, message: str, key: str = "", hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.key = key
        self.hint = hint


def _check_surrogates(values: Any) -> None:
    """Refuse text holding a lone surrogate (JSON's \\ud800): it is not Unicode text."""
    items = values.items() if isinstance(values, dict) else [("", values)]
    for key, value in items:
        for text in (key, value):
            if not isinstance(text, str) or text.isascii():
                continue
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise _Unreadable(
                    "holds a lone surrogate (a \\ud800-style escape), not text",
                    "",
                    "write the character itself, or a valid surrogate pair",
                ) from None


DELIMITERS: dict[str, str] = {",": "comma", ";": "semicolon", "\t": "tab"}


def _delimiter(header: str) -> str:
    """The delimiter that splits a header line into the most known column names."""
    best, found = ",", 0
    for delimiter in DELIMITERS:
        names = [name.strip().strip('"') for name in header.strip().split(delimiter)]
        known = sum(1 for name in names if name in ALLOWED)
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

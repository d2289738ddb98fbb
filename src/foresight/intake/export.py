"""Writing the log out as CSV, JSON Lines or YAML that import reads back to the same log."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from foresight.errors import InputError
from foresight.intake.checker import EXPORT_FIELDS, FORMATS
from foresight.records import Observation, date_text

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
    """Write an export to a file atomically: a temporary file beside it, then a rename.

    Only a regular file is replaced: a device, a folder or a symbolic link at path is
    refused rather than renamed over."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        kind = "a symbolic link" if path.is_symlink() else "not a regular file"
        raise InputError(
            f"{path} is {kind}; export writes only to a regular file or a new path "
            "(nothing was written)"
        )
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


# CSV formula injection (OWASP): a spreadsheet runs a cell that starts with one of these
# as a formula. Export puts a ' before such a cell, and before one that already starts
# with quotes followed by one of them; import takes exactly one ' off again, so every
# value round-trips.
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")
_GUARDED = re.compile(r"^'+[=+\-@\t\r]")


def guard_formula(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: ' before a leading =, +, -, @, tab or CR."""
    return "'" + text if _FORMULA.match(text) else text


def unguard_formula(text: str) -> str:
    """Undo guard_formula: one ' off a cell that starts with quotes and a formula sign."""
    return text[1:] if _GUARDED.match(text) else text


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str) and value[:1] in _FIRST:
        return guard_formula(value)
    return value


_FIRST = frozenset("'=+-@\t\r")


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

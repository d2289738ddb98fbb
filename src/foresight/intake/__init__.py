"""Observations coming in (command-line values, CSV, JSONL and YAML files) and going out.

The file format is one flat record per observation, the same keys in every format:
FIELDS for new observations; an export adds AUDIT_FIELDS, which an import uses to
re-create the same log (who recorded what when, retractions and amendment links).

checker: one field at a time; readers: whole files, all or nothing; links: the checks
across rows; bulk: a whole import in bounded memory (imported on its own, by `import`
alone); export: files out.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from foresight.intake.checker import (
        AUDIT_FIELDS,
        EXPORT_FIELDS,
        FIELDS,
        FORMATS,
        REQUIRED,
        ROW_ORDER,
        Checker,
        new_observation,
    )
    from foresight.intake.export import export_file, export_record, write_export
    from foresight.intake.readers import Batch, Checked, check_file, format_of, read_file

# Each name from the module that holds it, imported when first asked for: `observe`
# needs only the checker, not the file readers or the exporter.
_HOMES = {
    **dict.fromkeys(
        [
            "AUDIT_FIELDS",
            "EXPORT_FIELDS",
            "FIELDS",
            "FORMATS",
            "REQUIRED",
            "ROW_ORDER",
            "Checker",
            "new_observation",
        ],
        "checker",
    ),
    **dict.fromkeys(["export_file", "export_record", "write_export"], "export"),
    **dict.fromkeys(["Batch", "Checked", "check_file", "format_of", "read_file"], "readers"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AUDIT_FIELDS",
    "EXPORT_FIELDS",
    "FIELDS",
    "FORMATS",
    "REQUIRED",
    "ROW_ORDER",
    "Batch",
    "Checked",
    "Checker",
    "check_file",
    "export_file",
    "export_record",
    "format_of",
    "new_observation",
    "read_file",
    "write_export",
]

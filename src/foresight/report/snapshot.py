"""Snapshots of the definitions kept next to each brief, and what changed between two.

A snapshot is a small JSON document (``.snapshots/YYYY-MM.json`` in the reports folder)
holding the scenarios and indicators as they stood when the brief was rendered, plus
the brief's headline and marking for the index page. It never holds a time or a path,
so re-rendering a month rewrites the same bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foresight.definitions import Definitions

SNAPSHOT_DIR = ".snapshots"
FORMAT = 1
MONTH_FILE = re.compile(r"^(\d{4}-\d{2})\.json$")

Snapshot = dict[str, Any]


@dataclass(frozen=True)
class Change:
    """One difference in the definitions since the previous brief."""

    kind: str  # "scenario" or "indicator"
    id: str
    title: str
    text: str


def definitions_snapshot(definitions: Definitions) -> Snapshot:
    """The parts of the definitions a reader of two briefs cares about, as plain data."""
    scenarios = {
        s.id: {"title": s.title, "prior": s.prior, "group": s.group}
        for s in definitions.scenarios.values()
    }
    indicators = {
        i.id: {
            "title": i.title,
            "half_life_days": i.half_life_days,
            "expected_by": i.expected_by.isoformat() if i.expected_by else None,
            "weights": {
                sid: {"observed": w.observed_ratio, "absent": w.absent_ratio}
                for sid, w in sorted(i.weights.items())
            },
        }
        for i in definitions.indicators.values()
    }
    return {"scenarios": scenarios, "indicators": indicators}


def dumps(snapshot: Snapshot) -> str:
    """The snapshot as stable JSON text (sorted keys, one trailing newline)."""
    return json.dumps(snapshot, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def snapshot_path(out: Path, key: str) -> Path:
    """Where the snapshot of the brief for month key (YYYY-MM) lives."""
    return out / SNAPSHOT_DIR / f"{key}.json"


def read_all(out: Path) -> dict[str, Snapshot]:
    """Every readable snapshot in a reports folder, keyed by month; unreadable ones are skipped."""
    folder = out / SNAPSHOT_DIR
    found: dict[str, Snapshot] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.iterdir()):
        match = MONTH_FILE.match(path.name)
        if not match or not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            continue
        if _well_formed(data):
            found[match.group(1)] = data
    return found


def _well_formed(data: Any) -> bool:
    """Whether a snapshot read from a file has the shape diff() relies on."""
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        return False
    for kind in ("scenarios", "indicators"):
        items = data.get(kind, {})
        if not isinstance(items, dict):
            return False
        for item in items.values():
            if not isinstance(item, dict) or not isinstance(item.get("title", ""), str):
                return False
            if kind == "indicators" and not isinstance(item.get("weights", {}), dict):
                return False
            weights = item.get("weights", {}) if kind == "indicators" else {}
            if not all(isinstance(w, dict) for w in weights.values()):
                return False
    return True


def previous(out: Path, key: str) -> tuple[str, Snapshot] | None:
    """The latest snapshot for a month before key, if there is one."""
    earlier = {k: v for k, v in read_all(out).items() if k < key}
    if not earlier:
        return None
    latest = max(earlier)
    return latest, earlier[latest]


def diff(old: Snapshot, new: Snapshot) -> list[Change]:
    """Scenarios and indicators added, removed, re-weighted or re-priored, in a stable order."""
    changes: list[Change] = []
    old_s: dict[str, Any] = old.get("scenarios", {})
    new_s: dict[str, Any] = new["scenarios"]
    for sid in _ordered(old_s, new_s):
        before, after = old_s.get(sid), new_s.get(sid)
        if before is None:
            changes.append(Change("scenario", sid, after["title"], f"added, prior {_pct(after)}"))
        elif after is None:
            changes.append(Change("scenario", sid, before["title"], "removed"))
        else:
            texts = []
            if before.get("prior") != after["prior"]:
                texts.append(f"prior changed from {_pct(before)} to {_pct(after)}")
            if before.get("group") != after["group"]:
                texts.append(
                    f"exclusive group changed from {before.get('group') or 'none'} "
                    f"to {after['group'] or 'none'}"
                )
            if before.get("title") != after["title"]:
                texts.append(f"renamed from \u201c{before.get('title')}\u201d")
            if texts:
                changes.append(Change("scenario", sid, after["title"], "; ".join(texts)))
    old_i: dict[str, Any] = old.get("indicators", {})
    new_i: dict[str, Any] = new["indicators"]
    for iid in _ordered(old_i, new_i):
        before, after = old_i.get(iid), new_i.get(iid)
        if before is None:
            changes.append(Change("indicator", iid, after["title"], "added"))
        elif after is None:
            changes.append(Change("indicator", iid, before["title"], "removed"))
        else:
            texts = _weight_changes(before.get("weights", {}), after["weights"])
            if before.get("half_life_days") != after["half_life_days"]:
                texts.append(
                    f"half-life changed from {_days(before.get('half_life_days'))} "
                    f"to {_days(after['half_life_days'])}"
                )
            if before.get("expected_by") != after["expected_by"]:
                texts.append(
                    f"expected by changed from {before.get('expected_by') or 'no date'} "
                    f"to {after['expected_by'] or 'no date'}"
                )
            if before.get("title") != after["title"]:
                texts.append(f"renamed from \u201c{before.get('title')}\u201d")
            if texts:
                changes.append(Change("indicator", iid, after["title"], "; ".join(texts)))
    return changes


def _weight_changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    texts = []
    for sid in sorted(set(before) | set(after)):
        old, new = before.get(sid), after.get(sid)
        if old == new:
            continue
        if old is None:
            texts.append(f"now weighs on {sid} (×{_ratio(new['observed'])} if observed)")
        elif new is None:
            texts.append(f"no longer weighs on {sid}")
        else:
            parts = []
            for side, label in (("observed", "if observed"), ("absent", "if absent")):
                if old.get(side) != new[side]:
                    parts.append(f"{label} ×{_ratio(old.get(side))} → ×{_ratio(new[side])}")
            texts.append(f"re-weighted on {sid}: {', '.join(parts)}")
    return texts


def _ordered(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Ids in the new definitions' order, then the removed ones in the old order."""
    return [*new, *(k for k in old if k not in new)]


def _pct(scenario: dict[str, Any]) -> str:
    prior = scenario.get("prior")
    return f"{100 * prior:g}%" if isinstance(prior, int | float) else "unknown"


def _ratio(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, int | float) else "?"


def _days(value: Any) -> str:
    return f"{value} days" if value else "none (a lasting fact)"

"""What every part of the brief shares: the marking, colours, dates and number words."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import urlsplit

from foresight import scales
from foresight.errors import ReportError
from foresight.records import MonthDate

# Okabe & Ito (2008) colour-blind-safe palette, blue first; yellow last because it is
# the hardest to see on white. Beyond eight scenarios the colours repeat with dashes.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#000000",
    "#F0E442",
)
DASHES: tuple[str, ...] = ("", "7 4", "2 3", "9 3 2 3")
# TLP 2.0 prescribes these text colours on a black background.
TLP_COLOURS: dict[str, str] = {
    "CLEAR": "#FFFFFF",
    "GREEN": "#33FF00",
    "AMBER": "#FFC000",
    "AMBER+STRICT": "#FFC000",
    "RED": "#FF2B2B",
}
NOTABLE = 0.0005  # changes smaller than 0.05 pp are shown as no change


@dataclass(frozen=True)
class Marking:
    """A TLP 2.0 level and how to show it."""

    level: str

    @property
    def label(self) -> str:
        """The marking as printed, e.g. 'TLP:AMBER'."""
        return f"TLP:{self.level}"

    @property
    def colour(self) -> str:
        """The prescribed text colour (on black)."""
        return TLP_COLOURS[self.level]

    @property
    def meaning(self) -> str:
        """What recipients may do with it, in the standard's words."""
        return scales.TLP_MEANING[self.level]

    @property
    def css_class(self) -> str:
        """A CSS class name for the level."""
        return "tlp-" + self.level.lower().replace("+", "-")

    @property
    def rank(self) -> int:
        """Position from 0 (CLEAR) to 4 (RED)."""
        return scales.tlp_rank(self.level)


def add_months(first: dt.date, months: int) -> dt.date:
    """The first day of the month months after (or before) first's month."""
    index = first.year * 12 + first.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ReportError(f"{first:%Y-%m} is too close to the calendar's limits for a brief")
    return dt.date(year, month + 1, 1)


def long_date(day: dt.date) -> str:
    """'30 November 2021', or 'November 2021' for a date known only to its month."""
    if isinstance(day, MonthDate):
        return str(day)
    return f"{day.day} {day:%B %Y}"


def generated_now() -> dt.datetime:
    """The generation time: SOURCE_DATE_EPOCH when set (reproducible builds), else now."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def describe_store(db_url: str) -> str:
    """Name the store without a password or a machine's folder layout."""
    if db_url.startswith(("postgresql:", "postgres:")):
        parts = urlsplit(db_url)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        database = parts.path.lstrip("/") or "(default database)"
        return f"PostgreSQL database {database} on {host}{port}"
    path = db_url.removeprefix("sqlite:///").removeprefix("sqlite://")
    name = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
    return f"SQLite file {name}"


def visible_levels(audience: str) -> list[str]:
    """The TLP levels an audience may see: its own and every lower one."""
    limit = scales.tlp_rank(scales.normalise_tlp(audience))
    return [level for level in scales.TLP_LEVELS if scales.tlp_rank(level) <= limit]


def pct(value: float) -> str:
    """0.456 -> '46%'."""
    return f"{100 * value:.0f}%"


def points(change: float) -> str:
    """A change with an arrow: '▲ 4.2 pp'."""
    arrow = "▲" if change >= NOTABLE else "▼" if change <= -NOTABLE else "="
    return f"{arrow} {abs(100 * change):.1f} pp"


def clause(title: str) -> str:
    """A title as a clause inside a sentence: 'The Taliban …' becomes 'the Taliban …'."""
    first, _, rest = title.partition(" ")
    if first in ("The", "A", "An") and rest:
        return f"{first.lower()} {rest}"
    return title

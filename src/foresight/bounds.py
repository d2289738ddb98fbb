"""The one validation boundary for numbers, dates and ids, whatever they come from.

Definitions, import files, the command line and the store all check values here, so a
value foresight accepts is one every part of it can hold: a date in the supported
range, written YYYY-MM-DD; a timestamp that converts to UTC without overflowing; an id
that fits the databases' 64-bit integers (and JSON's exact integers); a finite number.
Each check raises ValueError with a message that can be shown as it is.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

#: The supported date range: observations, definitions, --as-of and every other date.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)
EARLIEST_TIME = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
#: The largest id: within both databases' BIGINT and exact in JSON (2^53 - 1).
MAX_ID = 2**53 - 1
#: The longest half-life: a century.
MAX_HALF_LIFE_DAYS = 36_525
#: The longest text of one field of an observation or resolution, in characters.
MAX_TEXT = 100_000

_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_ID = re.compile(r"^[0-9]{1,20}$")


def parse_day(text: str) -> dt.date:
    """A date written exactly YYYY-MM-DD, within the supported range."""
    if not _DAY.match(text):
        raise ValueError(f"{_show(text)} is not a date; write it as YYYY-MM-DD")
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{_show(text)} is not a date in the calendar") from None
    return check_day(day)


def check_day(day: dt.date) -> dt.date:
    """The date itself, if it lies in the supported range."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValueError(f"{day.isoformat()} is outside the supported dates, {date_range()}")
    return day


def date_range() -> str:
    """The supported date range, in words."""
    return f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"


def parse_timestamp(text: str) -> dt.datetime:
    """An ISO 8601 date and time (UTC unless it gives its offset), in UTC."""
    if len(text) < 16 or not _DAY.match(text[:10]) or text[10] not in "Tt ":
        raise ValueError(f"{_show(text)} is not a date and time")
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{_show(text)} is not a date and time") from None
    # Checked before the conversion to UTC, which overflows at the calendar's ends.
    if not EARLIEST_DATE.year <= value.year <= LATEST_DATE.year:
        raise ValueError(f"{_show(text)} is outside the supported dates, {date_range()}")
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def parse_id(value: Any) -> int:
    """A whole number from 1 to MAX_ID (text of digits, or an int that is not a bool)."""
    if type(value) is str:
        text = value.strip()
        number = int(text) if _ID.match(text) else None
    else:
        number = value if type(value) is int else None
    if number is None or not 1 <= number <= MAX_ID:
        raise ValueError(f"{_show(value)} is not an id (a whole number from 1 to {MAX_ID})")
    return number


def finite(value: float) -> float:
    """The number itself, if it is finite."""
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


def day_field(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return check_day(value)
    if isinstance(value, str):
        return parse_day(value.strip())
    raise ValueError(f"must be a date written YYYY-MM-DD, not {kind_of(value)}")


def half_life_field(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a whole number of days or null, not {kind_of(value)}")
    if isinstance(value, float) and not (math.isfinite(value) and value.is_integer()):
        raise ValueError(f"{value!r} is not a whole number of days")
    days = int(value)
    if not 1 <= days <= MAX_HALF_LIFE_DAYS:
        raise ValueError(f"{days} is outside 1 to {MAX_HALF_LIFE_DAYS} days")
    return days


def number_field(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"must be a number, not {kind_of(value)}")
    return finite(float(value))


def kind_of(value: Any) -> str:
    """What kind of value a raw input is, in words."""
    kinds = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a mapping",
    }
    return kinds.get(type(value), "nothing" if value is None else type(value).__name__)


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"

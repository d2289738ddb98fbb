"""Property: any valid log survives export and import unchanged, in every format."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from foresight import intake, scales
from foresight.records import month_date
from foresight.store import NewObservation, content_key, open_store

if TYPE_CHECKING:
    from conftest import Stores

INDICATORS = ("example-indicator", "second-indicator", "other-indicator")
NOW = dt.datetime.now(dt.UTC)

# Text as analysts might type or paste it: any character but NUL and lone surrogates,
# without surrounding whitespace (intake strips it).
text = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=30
).map(str.strip)
words = text.filter(bool)
one_line = words.filter(lambda s: "\n" not in s and "\r" not in s)
urls = st.builds(
    "https://{}.example.org/{}".format,
    st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12),
    st.text(
        st.characters(exclude_categories=("Cs", "Z", "Cc"), exclude_characters="\x00"), max_size=20
    ),
)
times = st.datetimes(
    min_value=dt.datetime(1900, 1, 2), max_value=NOW.replace(tzinfo=None), timezones=st.just(dt.UTC)
)
strengths = st.sampled_from(sorted(scales.STRENGTH.values())) | st.floats(
    min_value=0, max_value=1, exclude_min=True
)


@st.composite
def logs(draw: st.DrawFn) -> list[NewObservation]:
    """A log as an export carries it: ids, who and when, amendments and retractions."""
    rows: list[NewObservation] = []
    keys: set[bytes] = set()
    for _ in range(draw(st.integers(1, 6))):
        origin = len(rows) + 1
        recorded = draw(times)
        retracted = draw(st.none() | times.filter(lambda t, r=recorded: t >= r))
        row = NewObservation(
            indicator=draw(st.sampled_from(INDICATORS)),
            observed_on=draw(
                st.dates(dt.date(1900, 1, 1), NOW.date() - dt.timedelta(1))
                | st.dates(dt.date(1900, 1, 1), NOW.date() - dt.timedelta(40)).map(
                    lambda day: month_date(day.year, day.month)  # known only to the month
                )
            ),
            source=draw(words),
            reliability=draw(st.sampled_from(sorted(scales.RELIABILITY))),
            credibility=draw(st.sampled_from(sorted(scales.CREDIBILITY))),
            tlp=draw(st.sampled_from(scales.TLP_LEVELS)),
            absent=draw(st.booleans()),
            strength=draw(strengths),
            source_url=draw(st.none() | urls),
            event=draw(st.none() | words),
            note=draw(text),
            analyst=draw(one_line),
            recorded_at=recorded,
            origin_id=origin,
            amends=draw(st.none() | st.integers(1, origin - 1)) if origin > 1 else None,
            retracted_at=retracted,
            retracted_by=draw(one_line) if retracted else None,
            retraction_reason=draw(words) if retracted else None,
        )
        if content_key(row) not in keys:  # a log never holds the same content twice
            keys.add(content_key(row))
            rows.append(row)
    return rows


@pytest.mark.parametrize("fmt", intake.FORMATS)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=logs())
def test_any_log_survives_export_and_import(stores: Stores, fmt: str, rows: list) -> None:
    with open_store(stores.new_url()) as source:
        source.add(rows, "nobody")
        logged = source.observations()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"log.{fmt}"
        assert intake.export_file(logged, fmt, path) == len(rows)
        batch = intake.read_file(path, INDICATORS, "GREEN")
        assert batch.warnings == []
        with open_store(stores.new_url()) as target:
            target.add(batch.rows, "importer")
            copied = target.observations()
        assert copied == logged
        again = io.StringIO()
        intake.write_export(copied, fmt, again)
        assert again.getvalue() == path.read_bytes().decode("utf-8")

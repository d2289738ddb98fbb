"""Inline SVG charts for the HTML brief: no script, no external file, stable bytes.

Coordinates are rounded to one decimal and elements are written in the context's
order, so the same data always gives the same SVG text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from markupsafe import Markup, escape

from foresight.report.common import pct
from foresight.report.track import CalibrationChart
from foresight.report.trend import Chart, Series

WIDTH, HEIGHT = 800, 300
LEFT, RIGHT, TOP, BOTTOM = 46, 236, 14, 44
GRID = (0.0, 0.25, 0.5, 0.75, 1.0)
LABEL_GAP = 26  # a two-line label's height: labels closer than this are pushed apart
LABEL_CHARS = 30  # a longer title is cut at the line's end (a short_title avoids that)
# Sizes are SVG attributes, not CSS, so every renderer (browsers, WeasyPrint) agrees.
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def line_chart(chart: Chart, chart_id: str = "chart") -> Markup:
    """Draw every scenario's probability over time as one SVG line chart, labelled at the
    lines' ends, with month names between the month-end ticks."""
    start, end = chart.ticks[0], chart.ticks[-1]
    span = max((end - start).days, 1)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM

    def x(day: dt.date) -> float:
        return LEFT + plot_w * (day - start).days / span

    def y(value: float) -> float:
        return TOP + plot_h * (1.0 - value)

    ident = escape(chart_id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{ident}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
        f'font-family="{FONT}" font-size="11" fill="#5a5a5a" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
        '<g class="grid">',
    ]
    for level in GRID:
        at = _n(y(level))
        out.append(
            f'<line x1="{LEFT}" y1="{at}" x2="{_n(LEFT + plot_w)}" y2="{at}" '
            f'stroke="{"#6b6b6b" if level == 0.0 else "#d9d9d9"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{_n(y(level) + 4)}" text-anchor="end">{level:.0%}</text>'
        )
    out.append("</g>")
    out.append('<g class="months">')
    previous_year = None
    for i, tick in enumerate(chart.ticks):
        at = _n(x(tick))
        out.append(
            f'<line x1="{at}" y1="{_n(y(0.0))}" x2="{at}" y2="{_n(y(0.0) + 5)}" '
            'stroke="#6b6b6b" stroke-width="1"/>'
        )
        if i == 0:
            continue
        # The month's name sits between its first and last day: points are month ends.
        middle = _n((x(chart.ticks[i - 1]) + x(tick)) / 2)
        out.append(
            f'<text x="{middle}" y="{_n(y(0.0) + 18)}" text-anchor="middle">{tick:%b}</text>'
        )
        if tick.year != previous_year:
            out.append(
                f'<text x="{middle}" y="{_n(y(0.0) + 32)}" text-anchor="middle" '
                f'class="year">{tick.year}</text>'
            )
            previous_year = tick.year
    out.append("</g>")
    bands = [s for s in chart.series if s.band]
    if bands:
        out.append('<g class="bands" stroke="none" fill-opacity="0.15">')
        for series in bands:
            band = series.band or []
            upper = [f"{_n(x(day))},{_n(y(high))}" for day, _, high in band]
            lower = [f"{_n(x(day))},{_n(y(low))}" for day, low, _ in reversed(band)]
            out.append(
                f'<polygon points="{" ".join(upper + lower)}" fill="{series.colour}" '
                f'data-scenario="{escape(series.id)}"/>'
            )
        out.append("</g>")
    out.append('<g class="events" stroke-width="1.5" stroke-dasharray="3 3">')
    for series in chart.series:
        for day, what in _events(series, start, end):
            at = _n(x(day))
            out.append(
                f'<line x1="{at}" y1="{TOP}" x2="{at}" y2="{_n(y(0.0))}" '
                f'stroke="{series.colour}" data-scenario="{escape(series.id)}">'
                f"<title>{escape(series.label)}: {escape(what)}</title></line>"
            )
    out.append("</g>")
    out.append('<g class="lines" fill="none" stroke-width="2.5" stroke-linejoin="round">')
    for series in chart.series:
        d = " ".join(
            f"{'M' if i == 0 else 'L'}{_n(x(day))},{_n(y(value))}"
            for i, (day, value) in enumerate(series.points)
        )
        dash = f' stroke-dasharray="{series.dash}"' if series.dash else ""
        out.append(
            f'<path d="{d}" stroke="{series.colour}"{dash} data-scenario="{escape(series.id)}">'
            f"<title>{escape(series.label)}</title></path>"
        )
    out.append("</g>")
    if chart.markers:
        out.append('<g class="markers" stroke="#ffffff" stroke-width="1.5">')
        for marker in chart.markers:
            out.append(
                f'<circle cx="{_n(x(marker.day))}" cy="{_n(y(marker.value))}" r="4.5" '
                f'fill="{marker.colour}" data-scenario="{escape(marker.scenario_id)}">'
                f"<title>{escape(marker.label)}</title></circle>"
            )
        out.append("</g>")
    out.extend(_end_labels(chart, x(end), y, TOP, y(0.0)))
    out.append("</svg>")
    return Markup("\n".join(out))


def _events(series: Series, start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """The scenario's horizon and resolution, when they fall inside the window."""
    found = []
    if series.horizon and start < series.horizon <= end:
        found.append((series.horizon, f"horizon, {series.horizon.isoformat()}"))
    if series.resolved and start < series.resolved[0] <= end:
        day, outcome = series.resolved
        found.append((day, f"resolved ({outcome.replace('-', ' ')}), {day.isoformat()}"))
    return found


def _end_labels(
    chart: Chart, right: float, y: Callable[[float], float], top: float, bottom: float
) -> list[str]:
    """Each line's name, probability and time frame at its end, kept apart vertically."""
    series = sorted(chart.series, key=lambda s: (y(s.points[-1][1]), chart.series.index(s)))
    count = len(series)
    two_lines = count * LABEL_GAP <= bottom - top + LABEL_GAP
    gap = LABEL_GAP if two_lines else LABEL_GAP / 2
    wanted = [y(s.points[-1][1]) - (gap / 2 - 4 if two_lines else -4) for s in series]
    placed: list[float] = []
    for want in wanted:  # push down past the label above...
        placed.append(max(want, placed[-1] + gap) if placed else max(want, top + 8))
    limit = bottom - gap + 10
    for i in range(count - 1, -1, -1):  # ...then up from the bottom if that overflows
        ceiling = limit if i == count - 1 else placed[i + 1] - gap
        placed[i] = min(placed[i], ceiling)
    out = ['<g class="labels">']
    for s, at in zip(series, placed, strict=True):
        value_y = y(s.points[-1][1])
        label = s.label if len(s.label) <= LABEL_CHARS else s.label[: LABEL_CHARS - 1] + "…"
        out.append(
            f'<line x1="{_n(right + 2)}" y1="{_n(value_y)}" x2="{_n(right + 9)}" '
            f'y2="{_n(at - 4)}" stroke="{s.colour}" stroke-width="1"/>'
        )
        time_frame = escape(s.horizon_words)
        if s.resolved:
            time_frame = escape(f"resolved: {s.resolved[1].replace('-', ' ')}")
        small = f'class="horizon" font-size="10" font-weight="400">{time_frame}</tspan>'
        if not time_frame:
            second = ""
        elif two_lines:
            second = f'<tspan x="{_n(right + 12)}" dy="12" {small}'
        else:
            second = f" <tspan {small}"
        out.append(
            f'<text class="line-label" x="{_n(right + 12)}" y="{_n(at)}" fill="{s.colour}" '
            'font-size="11.5" font-weight="700" '
            f'data-scenario="{escape(s.id)}"><title>{escape(s.label)}</title>'
            f"{escape(label)} {pct(s.points[-1][1])}{second}</text>"
        )
    out.append("</g>")
    return out


CAL_SIZE = 300  # the calibration chart's plot is a square of this side
CAL_LEFT, CAL_RIGHT, CAL_TOP, CAL_BOTTOM = 52, 18, 14, 48
CAL_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)


def calibration_chart(chart: CalibrationChart, chart_id: str = "calibration") -> Markup:
    """Draw binned forecasts against observed frequencies as one SVG reliability diagram."""
    width = CAL_LEFT + CAL_SIZE + CAL_RIGHT
    height = CAL_TOP + CAL_SIZE + CAL_BOTTOM

    def x(value: float) -> float:
        return CAL_LEFT + CAL_SIZE * value

    def y(value: float) -> float:
        return CAL_TOP + CAL_SIZE * (1.0 - value)

    ident = escape(chart_id)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart calibration" id="{ident}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'style="max-width: {width}px" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
        '<g class="grid">',
    ]
    for level in CAL_TICKS:
        colour = "#6b6b6b" if level == 0.0 else "#d9d9d9"
        out.append(
            f'<line x1="{_n(x(0))}" y1="{_n(y(level))}" x2="{_n(x(1))}" y2="{_n(y(level))}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        out.append(
            f'<line x1="{_n(x(level))}" y1="{_n(y(0))}" x2="{_n(x(level))}" y2="{_n(y(1))}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{CAL_LEFT - 6}" y="{_n(y(level) + 4)}" text-anchor="end">{level:.0%}</text>'
        )
        out.append(
            f'<text x="{_n(x(level))}" y="{_n(y(0) + 18)}" text-anchor="middle">{level:.0%}</text>'
        )
    out.append("</g>")
    out.append(
        f'<text x="{_n(x(0.5))}" y="{_n(y(0) + 38)}" text-anchor="middle" class="axis">'
        "Forecast probability</text>"
    )
    out.append(
        f'<text x="14" y="{_n(y(0.5))}" text-anchor="middle" class="axis" '
        f'transform="rotate(-90 14 {_n(y(0.5))})">How often it happened</text>'
    )
    out.append(
        f'<line x1="{_n(x(0))}" y1="{_n(y(0))}" x2="{_n(x(1))}" y2="{_n(y(1))}" '
        'stroke="#6b6b6b" stroke-width="1.5" stroke-dasharray="6 4">'
        "<title>Perfect calibration</title></line>"
    )
    bins = chart.bins
    if len(bins) > 1:
        d = " ".join(
            f"{'M' if i == 0 else 'L'}{_n(x(b.mean_forecast))},{_n(y(b.observed_frequency))}"
            for i, b in enumerate(bins)
        )
        out.append(f'<path d="{d}" fill="none" stroke="#0072B2" stroke-width="2"/>')
    largest = max((b.count for b in bins), default=1)
    out.append('<g class="bins" fill="#0072B2" stroke="#ffffff" stroke-width="1.5">')
    for b in bins:
        radius = 4 + 8 * (b.count / largest) ** 0.5
        label = (
            f"Forecasts of {100 * b.low:.0f}–{100 * b.high:.0f}%: {b.count}, mean "
            f"{100 * b.mean_forecast:.1f}%, happened {100 * b.observed_frequency:.1f}%"
        )
        out.append(
            f'<circle cx="{_n(x(b.mean_forecast))}" cy="{_n(y(b.observed_frequency))}" '
            f'r="{_n(radius)}"><title>{escape(label)}</title></circle>'
        )
    out.append("</g>")
    out.append("</svg>")
    return Markup("\n".join(out))


def _n(value: float) -> str:
    """A coordinate with at most one decimal and no '-0'."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text

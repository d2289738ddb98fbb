"""Inline SVG charts for the HTML brief: no script, no external file, stable bytes.

Coordinates are rounded to one decimal and elements are written in the context's
order, so the same data always gives the same SVG text.
"""

from __future__ import annotations

import datetime as dt

from markupsafe import Markup, escape

from foresight.report.context import CalibrationChart, Chart

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 46, 18, 14, 44
GRID = (0.0, 0.25, 0.5, 0.75, 1.0)


def line_chart(chart: Chart, chart_id: str = "chart") -> Markup:
    """Draw every scenario's probability over time as one SVG line chart."""
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
        f'aria-labelledby="{ident}-title {ident}-desc">',
        f'<title id="{ident}-title">{escape(chart.title)}</title>',
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>',
        '<g class="grid">',
    ]
    for level in GRID:
        at = _n(y(level))
        out.append(
            f'<line x1="{LEFT}" y1="{at}" x2="{WIDTH - RIGHT}" y2="{at}" '
            f'stroke="{"#6b6b6b" if level == 0.0 else "#d9d9d9"}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{_n(y(level) + 4)}" text-anchor="end">{level:.0%}</text>'
        )
    out.append("</g>")
    out.append('<g class="months">')
    previous_year = None
    for tick in chart.ticks:
        at = _n(x(tick))
        out.append(
            f'<line x1="{at}" y1="{_n(y(0.0))}" x2="{at}" y2="{_n(y(0.0) + 5)}" '
            'stroke="#6b6b6b" stroke-width="1"/>'
        )
        out.append(f'<text x="{at}" y="{_n(y(0.0) + 18)}" text-anchor="middle">{tick:%b}</text>')
        if tick.year != previous_year:
            out.append(
                f'<text x="{at}" y="{_n(y(0.0) + 32)}" text-anchor="middle" '
                f'class="year">{tick.year}</text>'
            )
            previous_year = tick.year
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
                f'<circle cx="{_n(x(marker.day))}" cy="{_n(y(marker.value))}" r="5" '
                f'fill="{marker.colour}" data-scenario="{escape(marker.scenario_id)}">'
                f"<title>{escape(marker.label)}</title></circle>"
            )
        out.append("</g>")
    out.append("</svg>")
    return Markup("\n".join(out))


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

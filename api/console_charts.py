"""The console's charts: inline SVG drawn on the server, no script and no chart library.

Each function returns one ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says
in words what the chart shows (screen readers read those; the page also lists the figures in
a table). Colours and fonts come from classes styled by the console's stylesheet, never from
``style`` attributes, so the page's Content-Security-Policy needs no inline style. Every label
is escaped here: callers may pass store data (product titles, search terms).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 12, 12, 34


@dataclass(frozen=True)
class Series:
    """One line of a line chart: a name (shown in the legend) and a value per x position."""

    name: str
    values: Sequence[float]


@dataclass(frozen=True)
class Band:
    """A forecast day: expected units and its prediction interval."""

    day: date
    units: float
    low: float
    high: float


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten at or above ``value`` (1 for nothing)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)


def figure(value: float) -> str:
    """A compact axis number: 1.2k, 35, 0.5."""
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


class _Frame:
    """The plot area of one chart and its y scale (0 at the bottom, ``top`` at the top)."""

    def __init__(self, top: float, count: int, width: int, height: int) -> None:
        self.top = nice_ceiling(top)
        self.count = max(count, 1)
        self.width, self.height = width, height
        self.x0, self.x1 = _LEFT, width - _RIGHT
        self.y0, self.y1 = height - _BOTTOM, _TOP

    def x(self, i: float) -> float:
        """The centre of slot ``i`` of ``count`` equal slots."""
        return self.x0 + (i + 0.5) * (self.x1 - self.x0) / self.count

    @property
    def slot(self) -> float:
        return (self.x1 - self.x0) / self.count

    def y(self, value: float) -> float:
        return self.y0 - (max(value, 0.0) / self.top) * (self.y0 - self.y1)

    def axes(self, x_labels: Sequence[str]) -> list[str]:
        parts = []
        for k in range(5):
            value = self.top * k / 4
            y = self.y(value)
            parts.append(
                f'<line class="gridline" x1="{self.x0}" x2="{self.x1}" y1="{y:.1f}" y2="{y:.1f}"/>'
                f'<text class="tick" x="{self.x0 - 6}" y="{y + 4:.1f}" text-anchor="end">'
                f"{figure(value)}</text>"
            )
        step = max(1, math.ceil(len(x_labels) / 6))
        for i in range(0, len(x_labels), step):
            parts.append(
                f'<text class="tick" x="{self.x(i):.1f}" y="{self.y0 + 16}" '
                f'text-anchor="middle">{escape(x_labels[i])}</text>'
            )
        return parts


def _svg(chart_id: str, title: str, desc: str, body: Sequence[str], w: int, h: int) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{escape(title)}</title>'
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def bars_over_time(
    chart_id: str, title: str, labels: Sequence[str], values: Sequence[float], unit: str
) -> Markup:
    """Vertical bars, one per period (sales per day or week)."""
    frame = _Frame(max(values, default=0.0), len(values), WIDTH, HEIGHT)
    body = frame.axes(labels)
    width = max(frame.slot * 0.8, 1.0)
    for i, value in enumerate(values):
        y = frame.y(value)
        body.append(
            f'<rect class="bar" x="{frame.x(i) - width / 2:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{frame.y0 - y:.1f}"/>'
        )
    peak = max(range(len(values)), key=lambda i: values[i]) if values else None
    desc = (
        f"{len(values)} periods from {labels[0]} to {labels[-1]}; the highest is "
        f"{values[peak]:,.0f} {unit} ({labels[peak]})."
        if peak is not None
        else "No data."
    )
    return _svg(chart_id, title, desc, body, WIDTH, HEIGHT)


def lines_over_time(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series]
) -> Markup:
    """One line per series over shared periods (events of each type per day or week)."""
    top = max((max(s.values, default=0.0) for s in series), default=0.0)
    legend = 16 * math.ceil(len(series) / 4) + 8  # room for the legend, four keys a row
    frame = _Frame(top, len(labels), WIDTH, HEIGHT + legend)
    frame.y0 -= legend
    body = frame.axes(labels)
    for n, one in enumerate(series):
        points = " ".join(f"{frame.x(i):.1f},{frame.y(v):.1f}" for i, v in enumerate(one.values))
        body.append(f'<polyline class="line s{n % 6}" points="{points}"/>')
        x, y = _LEFT + (n % 4) * 140, frame.y0 + 28 + (n // 4) * 16
        body.append(
            f'<rect class="key s{n % 6}" x="{x}" y="{y}" width="12" height="12"/>'
            f'<text class="tick" x="{x + 16}" y="{y + 10}">{escape(one.name)}</text>'
        )
    totals = ", ".join(f"{s.name} {sum(s.values):,.0f}" for s in series)
    desc = f"{len(labels)} periods; totals: {totals}." if labels else "No data."
    return _svg(chart_id, title, desc, body, WIDTH, HEIGHT + legend)


def ranked_bars(chart_id: str, title: str, items: Sequence[tuple[str, float]], unit: str) -> Markup:
    """Horizontal bars, largest first, each labelled with its name and value."""
    row = 26
    height = max(row * len(items), row) + 8
    label_w, value_w = 230, 70
    span = WIDTH - label_w - value_w
    top = max((v for _, v in items), default=0.0) or 1.0
    body = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        shown = label if len(label) <= 32 else label[:31] + "…"
        body.append(
            f'<text class="tick" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(shown)}</text>"
            f'<rect class="bar" x="{label_w}" y="{y + 4}" width="{max(span * value / top, 1):.1f}" '
            f'height="{row - 8}"/>'
            f'<text class="tick" x="{label_w + span * value / top + 6:.1f}" y="{y + 16}">'
            f"{value:,.0f}</text>"
        )
    desc = "; ".join(f"{label}: {value:,.0f} {unit}" for label, value in items) or "No data."
    return _svg(chart_id, title, desc, body, WIDTH, height)


def forecast_chart(
    chart_id: str,
    title: str,
    history: Sequence[tuple[date, float]],
    forecast: Sequence[Band],
    level: float,
) -> Markup:
    """Recent daily sales as bars, then the forecast as a line inside its interval band."""
    count = len(history) + len(forecast)
    top = max([u for _, u in history] + [b.high for b in forecast] + [0.0])
    frame = _Frame(top, count, WIDTH, 180)
    labels = [d.strftime("%d %b") for d, _ in history] + [b.day.strftime("%d %b") for b in forecast]
    body = frame.axes(labels)
    width = max(frame.slot * 0.7, 1.0)
    for i, (_, units) in enumerate(history):
        y = frame.y(units)
        body.append(
            f'<rect class="bar" x="{frame.x(i) - width / 2:.1f}" y="{y:.1f}" '
            f'width="{width:.1f}" height="{frame.y0 - y:.1f}"/>'
        )
    if forecast:
        start = len(history)
        upper = [f"{frame.x(start + i):.1f},{frame.y(b.high):.1f}" for i, b in enumerate(forecast)]
        lower = [f"{frame.x(start + i):.1f},{frame.y(b.low):.1f}" for i, b in enumerate(forecast)]
        body.append(f'<polygon class="band" points="{" ".join(upper + lower[::-1])}"/>')
        line = " ".join(
            f"{frame.x(start + i):.1f},{frame.y(b.units):.1f}" for i, b in enumerate(forecast)
        )
        body.append(f'<polyline class="line s0" points="{line}"/>')
        edge = frame.x(start) - frame.slot / 2
        body.append(
            f'<line class="now" x1="{edge:.1f}" x2="{edge:.1f}" y1="{frame.y1}" y2="{frame.y0}"/>'
        )
    sold = sum(u for _, u in history)
    expected = sum(b.units for b in forecast)
    desc = (
        f"Sold {sold:,.0f} units over the last {len(history)} trading days; forecast "
        f"{expected:,.1f} units over the next {len(forecast)}, each day within its "
        f"{level:.0%} interval."
    )
    return _svg(chart_id, title, desc, body, WIDTH, 180)

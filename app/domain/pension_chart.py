"""Geometry of the pension-by-retirement-month chart: values scaled to SVG coordinates.

Pure arithmetic, so the numbers drawn can be tested against the numbers in the table. The
x axis is time (a month index), so a point between two grid months sits where it belongs;
the y axis starts at zero, so heights compare honestly.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal

import msgspec

# Round tick steps: 1, 2, 2.5 or 5 times a power of ten.
_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


class Datum(msgspec.Struct, frozen=True):
    """One value to plot: ``key`` orders and places it on the x axis (a month index)."""

    key: int
    label: str
    value: Decimal
    chosen: bool = False


class Point(msgspec.Struct, frozen=True):
    x: float
    y: float
    label: str
    value: Decimal
    chosen: bool


class Tick(msgspec.Struct, frozen=True):
    y: float
    value: Decimal


class Frame(msgspec.Struct, frozen=True):
    """The drawing size and the space kept for axis labels, in SVG user units."""

    # Small enough that the labels stay legible on a phone: 360 units drawn 288 px wide at
    # 320 px show the 16-unit labels at about 13 px (the style sheet caps the width on big screens).
    width: int = 360
    height: int = 240
    left: int = 60
    right: int = 16
    top: int = 28
    bottom: int = 36

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def baseline(self) -> int:
        return self.height - self.bottom


class Chart(msgspec.Struct, frozen=True):
    frame: Frame
    points: list[Point]
    ticks: list[Tick]

    @property
    def polyline(self) -> str:
        """The ``points`` attribute of the line through every point, left to right."""
        return " ".join(f"{p.x:g},{p.y:g}" for p in self.points)

    @property
    def chosen(self) -> Point | None:
        return next((p for p in self.points if p.chosen), None)


def tick_step(top: Decimal, intervals: int = 4) -> Decimal:
    """The smallest round step such that ``intervals`` steps reach ``top``."""
    if top <= 0:
        return Decimal(1)
    raw = top / intervals
    power = Decimal(10) ** raw.adjusted()  # the power of ten at or below raw
    for multiple in _STEPS:
        if power * multiple >= raw:
            return (power * multiple).normalize()
    raise AssertionError("unreachable: 10 × power exceeds raw")


def _coordinate(value: float) -> float:
    return round(value, 1)


def build(data: Sequence[Datum], frame: Frame | None = None, intervals: int = 4) -> Chart:
    """Place each datum: x in proportion to its key, y in proportion to its value."""
    frame = frame or Frame()
    if not data:
        return Chart(frame=frame, points=[], ticks=[])
    if any(d.value < 0 for d in data):
        raise ValueError("the chart starts at zero: values must not be negative")
    ordered = sorted(data, key=lambda d: d.key)
    step = tick_step(max(d.value for d in ordered).to_integral_value(ROUND_CEILING), intervals)
    top = step * intervals
    first, last = ordered[0].key, ordered[-1].key
    span = last - first

    def x_of(key: int) -> float:
        share = 0.5 if span == 0 else (key - first) / span
        return _coordinate(frame.left + share * frame.plot_width)

    def y_of(value: Decimal) -> float:
        return _coordinate(frame.baseline - float(value / top) * frame.plot_height)

    points = [Point(x_of(d.key), y_of(d.value), d.label, d.value, d.chosen) for d in ordered]
    ticks = [Tick(y_of(step * k), step * k) for k in range(intervals + 1)]
    return Chart(frame=frame, points=points, ticks=ticks)

"""Geometry of the pension chart: the drawn positions follow the values exactly."""

from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.pension_chart import Datum, Frame, build, tick_step

FRAME = Frame(width=400, height=200, left=50, right=10, top=20, bottom=30)  # plot 340 x 150


@pytest.mark.parametrize(
    ("top", "step"),
    [
        (D(12997), D(5000)),
        (D(4938), D(2000)),
        (D(4000), D(1000)),
        (D(100), D(25)),
        (D(9), D("2.5")),
        (D("0.4"), D("0.1")),
        (D(0), D(1)),
    ],
)
def test_tick_steps_are_round(top: D, step: D) -> None:
    assert tick_step(top) == step


def test_points_are_placed_by_month_and_value() -> None:
    data = [
        Datum(key=24240, label="2020-01", value=D("1000")),
        Datum(key=24246, label="2020-07", value=D("3000"), chosen=True),
        Datum(key=24252, label="2021-01", value=D("4000")),
    ]
    chart = build(list(reversed(data)), FRAME)  # given in any order, drawn left to right
    assert [p.label for p in chart.points] == ["2020-01", "2020-07", "2021-01"]
    assert [p.x for p in chart.points] == [50, 220, 390]  # time is proportional
    # The axis runs from 0 to 4 steps of 1000: y = 170 - value / 4000 * 150.
    assert [p.y for p in chart.points] == [132.5, 57.5, 20]
    assert [t.value for t in chart.ticks] == [D(0), D(1000), D(2000), D(3000), D(4000)]
    assert [t.y for t in chart.ticks] == [170, 132.5, 95, 57.5, 20]
    assert [p.value for p in chart.points] == [D(1000), D(3000), D(4000)]
    assert chart.chosen is not None and chart.chosen.label == "2020-07"
    assert chart.polyline == "50,132.5 220,57.5 390,20"


def test_a_month_between_grid_months_sits_between_them() -> None:
    chart = build(
        [Datum(0, "a", D(10)), Datum(3, "b", D(10), chosen=True), Datum(12, "c", D(10))], FRAME
    )
    assert chart.points[1].x == 50 + 340 * 3 / 12


def test_one_point_is_centred_and_none_draws_nothing() -> None:
    assert build([Datum(5, "x", D(7))], FRAME).points[0].x == 220
    empty = build([], FRAME)
    assert empty.points == [] and empty.ticks == [] and empty.chosen is None


def test_negative_values_are_refused() -> None:
    with pytest.raises(ValueError, match="zero"):
        build([Datum(0, "x", D(-1))], FRAME)


@given(
    st.lists(
        st.tuples(st.integers(0, 2000), st.decimals(D(0), D(1_000_000), places=2)),
        min_size=1,
        max_size=30,
        unique_by=lambda pair: pair[0],
    )
)
def test_every_point_lies_in_the_plot_and_higher_is_higher(pairs: list[tuple[int, D]]) -> None:
    chart = build([Datum(key, str(key), value) for key, value in pairs], FRAME)
    top = chart.ticks[-1].value
    assert top >= max(value for _, value in pairs)
    for point in chart.points:
        assert FRAME.left <= point.x <= FRAME.width - FRAME.right
        assert FRAME.top <= point.y <= FRAME.baseline
        expected = FRAME.baseline - float(point.value / top) * FRAME.plot_height
        assert abs(point.y - expected) <= 0.05 + 1e-9  # rounded to 0.1 of a unit
    ordered = sorted(chart.points, key=lambda p: p.value)
    assert all(a.y >= b.y for a, b in itertools.pairwise(ordered))

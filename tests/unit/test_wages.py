"""The default local average wage series and the contribution index averaged over it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.contributions import clamp_base
from app.domain.wages import (
    DEFAULT_WAGE_GROWTH_PERCENT,
    GROWTH_AFTER_REFERENCE,
    PaidMonth,
    average_index,
    average_wage,
    month_index,
)


@pytest.mark.parametrize(
    ("year", "region", "wage"),
    [
        (2024, "110105", D("11937.00")),  # the reference point: Beijing 2024
        (2023, "110105", D("11052.78")),  # 8% less a year before it
        (2020, "110101", D("8774.05")),
        (2025, "110105", D("12414.48")),  # 4% more a year after it
        (2026, "110105", D("12911.06")),
        (2024, "440106", D("8952.75")),  # Guangdong at 75%
        (2024, "320102", D("9549.60")),  # any other province at 80%
    ],
)
def test_the_series(year: int, region: str, wage: D) -> None:
    assert average_wage(year, region) == wage


def test_the_default_growth_is_the_series_growth() -> None:
    assert D(1) + DEFAULT_WAGE_GROWTH_PERCENT / 100 == GROWTH_AFTER_REFERENCE


@given(st.integers(1995, 2060))
def test_the_series_rises_every_year_and_keeps_the_regional_shares(year: int) -> None:
    beijing = average_wage(year, "110105")
    assert average_wage(year + 1, "110105") > beijing
    assert abs(average_wage(year, "440106") - beijing * D("0.75")) <= D("0.01")
    assert abs(average_wage(year, "510104") - beijing * D("0.8")) <= D("0.01")


def test_the_index_of_a_month_is_its_base_over_that_years_wage() -> None:
    wage = average_wage(2019, "110105")
    assert month_index(PaidMonth(2019, 6, wage * 2, "110105")) == 2
    assert month_index(PaidMonth(2019, 6, wage, "440106")) == D(1) / D("0.75")


def test_the_average_index_counts_each_month_once() -> None:
    months = [
        PaidMonth(2020, 1, average_wage(2020, "110105"), "110105"),  # index 1
        PaidMonth(2021, 1, average_wage(2021, "110105") * 2, "110105"),  # index 2
        PaidMonth(2021, 1, average_wage(2021, "110105") * 3, "110105"),  # the same month again
    ]
    assert average_index(months) == D("1.5")
    with pytest.raises(ValueError, match="no paid months"):
        average_index([])


@given(
    st.decimals(D("0.6"), D("3.0"), places=2),
    st.lists(st.tuples(st.integers(2000, 2030), st.integers(1, 12)), min_size=1, max_size=40),
    st.sampled_from(["110105", "440106", "320102"]),
)
def test_a_steady_index_averages_to_itself(
    index: D, periods: list[tuple[int, int]], region: str
) -> None:
    """Bases recorded at a steady multiple of the average wage give that multiple back (to
    within the rounding of the base to the fen)."""
    months = [
        PaidMonth(
            y, m, clamp_base(average_wage(y, region) * index, average_wage(y, region)), region
        )
        for y, m in periods
    ]
    assert abs(average_index(months) - index) < D("0.0001")

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.pension import (
    DivisorMode,
    Estimate,
    account_pension,
    annual_accrual,
    basic_pension,
    divisor,
    estimate,
    in_todays_money,
    project_balance,
    project_index,
    residents_pension,
)
from app.domain.policy import Policy

# 国发〔2005〕38号 附表, copied from domain-rules §3 (not from the module under test).
DIVISOR_ROWS = {
    40: 233, 41: 230, 42: 226, 43: 223, 44: 220, 45: 216, 46: 212, 47: 208,
    48: 204, 49: 199, 50: 195, 51: 190, 52: 185, 53: 180, 54: 175, 55: 170,
    56: 164, 57: 158, 58: 152, 59: 145, 60: 139, 61: 132, 62: 125, 63: 117,
    64: 109, 65: 101, 66: 93, 67: 84, 68: 75, 69: 65, 70: 56,
}  # fmt: skip


@pytest.mark.parametrize(("age", "months"), sorted(DIVISOR_ROWS.items()))
def test_divisor_table(age, months):
    assert divisor(age) == months
    assert divisor(age, mode="interpolate") == months
    assert isinstance(divisor(age), D)


def test_divisor_brief_values():
    assert divisor(60) == 139
    assert divisor(63) == 117


def test_divisor_floor_is_the_default():
    assert divisor(60, 3) == 139
    assert divisor(60, 11) == 139
    assert divisor(70, 6) == 56
    assert divisor(60, 3, Policy().fractional_age_divisor) == 139


def test_divisor_interpolation():
    assert divisor(60, 3, "interpolate") == D("137.25")  # 139 + (132 - 139) × 3/12
    assert divisor(60, 6, DivisorMode.INTERPOLATE) == D("135.50")
    assert divisor(65, 1, "interpolate") == D("100.33")  # 101 - 8/12 = 100.333…
    assert divisor(59, 8, "interpolate") == D("141.00")  # 145 - 6 × 8/12
    assert divisor(69, 11, "interpolate") == D("56.75")  # 65 - 9 × 11/12


@pytest.mark.parametrize("age", [-1, 0, 16, 39, 71, 80])
def test_divisor_outside_table(age):
    with pytest.raises(ValueError):
        divisor(age)
    with pytest.raises(ValueError):
        account_pension(balance=D("120000"), age_years=age)


@pytest.mark.parametrize(("age", "months"), [(60, -1), (60, 12)])
def test_divisor_rejects_bad_months(age, months):
    with pytest.raises(ValueError):
        divisor(age, months)


def test_divisor_cannot_interpolate_past_70():
    with pytest.raises(ValueError):
        divisor(70, 1, "interpolate")


def test_divisor_rejects_unknown_mode():
    with pytest.raises(ValueError):
        divisor(60, 3, "round")


def test_basic_pension_worked_examples():
    assert basic_pension(avg_wage=D("8000"), index=D("1.0"), months=360) == D("2400.00")
    assert basic_pension(avg_wage=D("8000"), index=D("0.6"), months=360) == D("1920.00")


def test_basic_pension_counts_to_the_month():
    # 8000 × 361/12 × 1% = 2406.666…
    assert basic_pension(avg_wage=D("8000"), index=D("1"), months=361) == D("2406.67")
    assert basic_pension(avg_wage=D("8000"), index=D("1"), months=0) == D("0.00")


def test_basic_pension_rounds_half_up():
    # 1001 / 2 × 1 × 1% = 5.005 exactly: half-up gives 5.01 where banker's rounding gives 5.00.
    assert basic_pension(avg_wage=D("1001"), index=D("0"), months=12) == D("5.01")


def test_account_pension_worked_examples():
    assert account_pension(balance=D("139000"), age_years=60) == D("1000.00")
    assert account_pension(balance=D("120000"), age_years=63) == D("1025.64")
    assert account_pension(balance=D("120000"), age_years=60) == D("863.31")


def test_account_pension_fractional_age():
    assert account_pension(balance=D("120000"), age_years=60, age_months=3) == D("863.31")
    interpolated = account_pension(
        balance=D("120000"), age_years=60, age_months=3, mode="interpolate"
    )
    assert interpolated == D("874.32")  # 120000 / 137.25 = 874.316…


def test_account_pension_rounds_half_up():
    assert account_pension(balance=D("139.695"), age_years=60) == D("1.01")  # 1.005


def test_residents_pension():
    assert residents_pension(D("143"), D("13900")) == D("243.00")
    assert residents_pension(D("143"), D("10000")) == D("214.94")  # 143 + 71.942…
    assert residents_pension(D("143"), D("0")) == D("143.00")


@pytest.mark.parametrize(
    "call",
    [
        lambda: basic_pension(avg_wage=D("-1"), index=D("1"), months=12),
        lambda: basic_pension(avg_wage=D("8000"), index=D("-0.1"), months=12),
        lambda: basic_pension(avg_wage=D("8000"), index=D("1"), months=-1),
        lambda: account_pension(balance=D("-1"), age_years=60),
        lambda: residents_pension(D("143"), D("-1")),
    ],
)
def test_negative_amounts_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_estimate_shows_every_step():
    e = estimate(avg_wage=D("8000"), index=D("1.0"), months=360, balance=D("139000"), age_years=60)
    assert e == Estimate(
        avg_wage=D("8000"),
        index=D("1.0"),
        indexed_wage=D("8000.00"),
        months=360,
        years=D("30.00"),
        balance=D("139000"),
        age_years=60,
        age_months=0,
        mode=DivisorMode.FLOOR,
        divisor=D("139"),
        basic=D("2400.00"),
        account=D("1000.00"),
        total=D("3400.00"),
    )


def test_estimate_fractional():
    e = estimate(
        avg_wage=D("8000"),
        index=D("0.6"),
        months=375,
        balance=D("120000"),
        age_years=60,
        age_months=3,
        mode="interpolate",
    )
    assert e.indexed_wage == D("4800.00")
    assert e.years == D("31.25")
    assert e.divisor == D("137.25")
    assert e.basic == D("2000.00")  # 6400 × 31.25 × 1%
    assert e.account == D("874.32")
    assert e.total == D("2874.32")
    assert e.mode is DivisorMode.INTERPOLATE


def test_annual_accrual_worked_example():
    contributions = D("6000") * D("0.08") * 12
    assert contributions == D("5760")
    assert annual_accrual(D("50000"), contributions, D("0.0262")) == D("57151.72")


def test_project_balance_one_year_is_the_annual_rule():
    projected = project_balance(
        balance=D("50000"),
        monthly_base=D("6000"),
        months_until_retirement=12,
        wage_growth=D("0.05"),
        interest=D("0.0262"),
    )
    assert projected == D("57151.72")


def test_project_balance_partial_final_year():
    # Year 1: 57151.72. Then 6 months at base 6300: C = 3024, rate pro rata 0.0131:
    # 57151.72 × 1.0131 + 3024 × (1 + 0.0131 × 0.5415) = 57900.4075… + 3045.4512… = 60945.86
    projected = project_balance(D("50000"), D("6000"), 18, D("0.05"), D("0.0262"))
    assert projected == D("60945.86")


def test_project_balance_two_years_with_growth():
    # Year 1: 50000 × 1.02 + 5760 × 1.01083 = 56822.3808 -> 56822.38.
    # Year 2 at base 6600: C = 6336; 56822.38 × 1.02 + 6336 × 1.01083 = 57958.8276 + 6404.6189
    projected = project_balance(D("50000"), D("6000"), 24, D("0.10"), D("0.02"))
    assert projected == D("64363.45")


def test_project_balance_no_time_and_no_interest():
    assert project_balance(D("1234.5"), D("6000"), 0, D("0.05"), D("0.02")) == D("1234.50")
    # No interest and no growth: 8% of 5000 for 30 months.
    assert project_balance(D("0"), D("5000"), 30, D("0"), D("0")) == D("12000.00")


def test_project_index():
    assert project_index(D("1.0"), 120, 240, D("0.7")) == D("0.8")
    assert project_index(D("1.2"), 300, 0, D("0.6")) == D("1.2")
    assert project_index(D("1.2"), 0, 60, D("0.6")) == D("0.6")
    with pytest.raises(ValueError):
        project_index(D("1"), 0, 0, D("1"))
    with pytest.raises(ValueError):
        project_index(D("1"), -1, 12, D("1"))


indices = st.decimals(min_value=0, max_value=3, places=4)
wages = st.decimals(min_value=1, max_value=100_000, places=2)


@given(wages, indices, st.integers(0, 600))
def test_basic_pension_is_money_and_monotone_in_months(wage, index, months):
    now = basic_pension(avg_wage=wage, index=index, months=months)
    later = basic_pension(avg_wage=wage, index=index, months=months + 1)
    assert now.as_tuple().exponent == -2
    assert D(0) <= now <= later


@given(st.integers(40, 69), st.integers(0, 11))
def test_interpolated_divisor_lies_between_neighbours(age, months):
    value = divisor(age, months, "interpolate")
    assert divisor(age + 1) <= value <= divisor(age)
    assert divisor(age, months) == divisor(age)


@given(indices, st.integers(0, 600), st.integers(0, 600), indices)
def test_project_index_lies_between_the_two(current, so_far, future, future_index):
    if so_far + future == 0:
        return
    average = project_index(current, so_far, future, future_index)
    assert min(current, future_index) <= average <= max(current, future_index)


def test_todays_money_discounts_by_the_growth_assumed() -> None:
    assert in_todays_money(D("15494.00"), D("4"), 17) == (D("15494") / D("1.04") ** 17).quantize(
        D("0.01")
    )
    assert in_todays_money(D("100"), D("4"), 0) == D("100.00")
    assert in_todays_money(D("100"), D("0"), 30) == D("100.00")
    assert in_todays_money(D("104"), D("4"), 1) == D("100.00")

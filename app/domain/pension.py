"""Enterprise employees' and residents' basic pension arithmetic (domain-rules §3, §5).

All money is Decimal and is rounded once, at the end of each published step, to 0.01
ROUND_HALF_UP, so every figure shown to the user can be recomputed by hand from the
figures shown before it.
"""

from __future__ import annotations

import enum
from decimal import ROUND_HALF_UP, Decimal

import msgspec

from app.domain.contributions import HALF, MONTHLY_PAYMENT_FACTOR

CENT = Decimal("0.01")
ACCOUNT_SHARE = Decimal("0.08")  # the individual's 8% of the base, all of it into the account
# 劳办发〔1997〕116号: a year's contributions earn interest for about half a year (one rule, kept
# with the account's yearly steps).
ACCRUAL_WEIGHT = MONTHLY_PAYMENT_FACTOR * HALF
RESIDENTS_DIVISOR = 139  # Guofa [2014] No. 8: residents divide by 139 at any age

# 国发〔2005〕38号 附表: months the account balance is spread over, by whole age at retirement.
DIVISORS: dict[int, int] = dict(
    zip(
        range(40, 71),
        (
            *(233, 230, 226, 223, 220, 216, 212, 208, 204, 199, 195, 190, 185, 180, 175, 170),
            *(164, 158, 152, 145, 139, 132, 125, 117, 109, 101, 93, 84, 75, 65, 56),
        ),
        strict=True,
    )
)


class DivisorMode(enum.StrEnum):
    """How to read the table at a non-whole age; the project default is FLOOR (Policy)."""

    FLOOR = "floor"  # 60y3m uses the row for 60
    INTERPOLATE = "interpolate"  # 60y3m lies a quarter of the way from 60 to 61


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def in_todays_money(amount: Decimal, growth_percent: Decimal, years: int) -> Decimal:
    """An amount `years` from now in today's money: discounted by the wage growth the estimate
    assumes, the same rate that grew it (a reader takes a figure without a year as today's)."""
    return money(amount / (1 + growth_percent / 100) ** max(0, years))


def _whole_divisor(age_years: int) -> int:
    try:
        return DIVISORS[age_years]
    except KeyError:
        raise ValueError(f"no divisor for age {age_years}: the table covers 40..70") from None


def divisor(age_years: int, age_months: int = 0, mode: DivisorMode | str = "floor") -> Decimal:
    """The 计发月数 for a retirement age; interpolated values are rounded to 0.01."""
    if not 0 <= age_months <= 11:
        raise ValueError(f"age_months must be 0..11, not {age_months}")
    here = _whole_divisor(age_years)
    if DivisorMode(mode) is DivisorMode.FLOOR or age_months == 0:
        return Decimal(here)
    following = _whole_divisor(age_years + 1)  # 70y1m has no row to interpolate towards
    return money(here + Decimal(following - here) * age_months / 12)


def _check_not_negative(**amounts: Decimal | int) -> None:
    for name, amount in amounts.items():
        if amount < 0:
            raise ValueError(f"{name} must not be negative")


def basic_pension(avg_wage: Decimal, index: Decimal, months: int) -> Decimal:
    """(C + C×I)/2 × N × 1%, N = months/12, divided once so whole months stay exact."""
    _check_not_negative(avg_wage=avg_wage, index=index, months=months)
    return money((avg_wage + avg_wage * index) * months / 2400)


def account_pension(
    balance: Decimal, age_years: int, age_months: int = 0, mode: DivisorMode | str = "floor"
) -> Decimal:
    """The personal account balance spread over the divisor's months."""
    _check_not_negative(balance=balance)
    return money(balance / divisor(age_years, age_months, mode))


def residents_pension(basic: Decimal, balance: Decimal) -> Decimal:
    """§5: the residents' scheme adds balance/139 to the basic pension whatever the age."""
    _check_not_negative(basic=basic, balance=balance)
    return money(basic + balance / RESIDENTS_DIVISOR)


class Estimate(msgspec.Struct, frozen=True, kw_only=True):
    """Every step of an employee pension estimate, so a page can show its working."""

    avg_wage: Decimal  # C
    index: Decimal  # I
    indexed_wage: Decimal  # C × I
    months: int  # N, counted to the month
    years: Decimal  # N in years, 0.01 (display only; the sums use months)
    balance: Decimal
    age_years: int
    age_months: int
    mode: DivisorMode
    divisor: Decimal
    basic: Decimal
    account: Decimal
    total: Decimal  # basic + account; any provincial transitional pension is extra


def estimate(
    *,
    avg_wage: Decimal,
    index: Decimal,
    months: int,
    balance: Decimal,
    age_years: int,
    age_months: int = 0,
    mode: DivisorMode | str = "floor",
) -> Estimate:
    basic = basic_pension(avg_wage=avg_wage, index=index, months=months)
    account = account_pension(
        balance=balance, age_years=age_years, age_months=age_months, mode=mode
    )
    return Estimate(
        avg_wage=avg_wage,
        index=index,
        indexed_wage=money(avg_wage * index),
        months=months,
        years=money(Decimal(months) / 12),
        balance=balance,
        age_years=age_years,
        age_months=age_months,
        mode=DivisorMode(mode),
        divisor=divisor(age_years, age_months, mode),
        basic=basic,
        account=account,
        total=basic + account,
    )


def annual_accrual(balance: Decimal, contributions: Decimal, rate: Decimal) -> Decimal:
    """年度计算法: Bal×(1+r) + C_year×(1 + r×1.083×½); ``rate`` is a fraction (2.62% = 0.0262)."""
    return money(balance * (1 + rate) + contributions * (1 + rate * ACCRUAL_WEIGHT))


def _partial_accrual(
    balance: Decimal, contributions: Decimal, rate: Decimal, months: int
) -> Decimal:
    """A final part-year: the year's rate pro rata, so 12 months give exactly the annual rule."""
    return annual_accrual(balance, contributions, rate * months / 12)


def project_balance(
    balance: Decimal,
    monthly_base: Decimal,
    months_until_retirement: int,
    wage_growth: Decimal,
    interest: Decimal,
) -> Decimal:
    """The personal account at retirement, assuming today's base keeps growing and accruing.

    Years are 12-month blocks counted from now, not calendar years. In each block the
    account receives 8% of the base for every month, and the base grows by
    ``wage_growth`` (a fraction) between blocks. Each block accrues by the annual rule at
    ``interest`` (a fraction); a final block shorter than 12 months gets its months'
    contributions and the rate scaled by months/12, which keeps the statutory formula
    for full years. The balance is rounded to the cent after every block, like the
    yearly account statement. The base is used as given: hold it within 60%–300% first
    (contributions.clamp_base).
    """
    _check_not_negative(
        balance=balance, monthly_base=monthly_base, months_until_retirement=months_until_retirement
    )
    base = monthly_base
    remaining = months_until_retirement
    while remaining > 0:
        block = min(12, remaining)
        balance = _partial_accrual(balance, base * ACCOUNT_SHARE * block, interest, block)
        base *= 1 + wage_growth
        remaining -= block
    return money(balance)


def project_index(
    current_index: Decimal, months_so_far: int, future_months: int, future_index: Decimal
) -> Decimal:
    """The average contribution index at retirement: each period weighted by its months.

    Not rounded: the index feeds basic_pension, which rounds the money once.
    """
    _check_not_negative(months_so_far=months_so_far, future_months=future_months)
    total = months_so_far + future_months
    if total == 0:
        raise ValueError("no contribution months to average")
    return (current_index * months_so_far + future_index * future_months) / total

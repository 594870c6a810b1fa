"""Urban–rural conversion (人社部发〔2014〕17号): which way, what moves, what counts, what is
refunded, and who is refused with which reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.contributions import Period
from app.domain.identity import Sex
from app.domain.policy import Policy
from app.domain.retirement import Job
from app.domain.scheme_conversion import (
    ConversionRules,
    Direction,
    EmployeeMonth,
    Facts,
    Refusal,
    ResidentPayment,
    convert,
    overlap,
    refund,
    refusal,
    rules_for,
)

GUANGZHOU, BEIJING = "440106", "110105"


def employee(first: Period, months: int, individual: str = "100.00") -> list[EmployeeMonth]:
    return [
        EmployeeMonth(Period.from_index(first.index + k), Decimal(individual), GUANGZHOU)
        for k in range(months)
    ]


def yearly(
    first: int, last: int, individual: str = "500", subsidy: str = "60"
) -> list[ResidentPayment]:
    return [
        ResidentPayment(Period(y, 1), 12, Decimal(individual), Decimal(subsidy), BEIJING)
        for y in range(first, last + 1)
    ]


# --- Which way ----------------------------------------------------------------------------


def test_fifteen_employee_years_take_the_residents_account_in() -> None:
    rules = ConversionRules()
    assert rules.direction(180) is Direction.TO_EMPLOYEE
    assert rules.direction(179) is Direction.TO_RESIDENT
    assert ConversionRules(employee_months=240).direction(239) is Direction.TO_RESIDENT


def test_the_policy_sets_the_threshold_and_the_womens_post() -> None:
    rules = rules_for(Policy(conversion_employee_months=200, conversion_women_job="worker"))
    assert rules == ConversionRules(employee_months=200, women_job=Job.WORKER)


# --- What moves, counts and is refunded ------------------------------------------------------


def test_to_the_employee_scheme_the_residents_years_do_not_count() -> None:
    # 2016-01 .. 2030-12 employed (180 months); residents' 2016 (overlapping all year) and 2031.
    found = convert(employee(Period(2016, 1), 180), yearly(2016, 2016) + yearly(2031, 2031))
    assert found.direction is Direction.TO_EMPLOYEE
    assert (found.employee_months, found.resident_months, found.overlap_months) == (180, 24, 12)
    assert found.counted_months == 180  # employee time only
    assert found.resident_months_dropped == 24
    # The residents' account that moves is 2031's alone: 2016 overlaps, its own part is
    # refunded (500) and its subsidy stays with the fund.
    assert found.refund == Decimal("500.00")
    # 560 paid in 2031 at the last official rate (1.50 %): 560 × (1 + 0.015 × 1.083 × ½)
    assert found.account == Decimal("564.55")
    assert (found.from_region, found.to_region) == (BEIJING, GUANGZHOU)


def test_to_the_residents_scheme_the_employee_years_count() -> None:
    # 2015-07 .. 2016-06 employed (12 months, 100 a month); residents' 2016 and 2017.
    found = convert(employee(Period(2015, 7), 12), yearly(2016, 2017))
    assert found.direction is Direction.TO_RESIDENT
    assert (found.employee_months, found.resident_months, found.overlap_months) == (12, 24, 6)
    assert found.counted_months == 30  # 12 employee + 24 residents' - 6 counted once
    assert found.resident_months_dropped == 6
    assert found.refund == Decimal("250.00")  # half of 2016's 500
    # The whole employee account moves: 600 in 2015 (1.50 %), then 600 in 2016 (8.31 %).
    first = Decimal("600") * (1 + Decimal("0.015") * Decimal("1.083") / 2)
    assert first.quantize(Decimal("0.01")) == Decimal("604.87")
    second = Decimal("604.87") * Decimal("1.0831") + Decimal("600") * (
        1 + Decimal("0.0831") * Decimal("1.083") / 2
    )
    assert found.account == second.quantize(Decimal("0.01"))
    assert (found.from_region, found.to_region) == (GUANGZHOU, BEIJING)


def test_the_refund_is_rounded_once_half_up_to_the_fen() -> None:
    # 0.30 over 12 months, 5 of them overlapping: 0.125, which half-up gives 0.13 (half-even
    # would give 0.12).
    payment = ResidentPayment(Period(2020, 1), 12, Decimal("0.30"), Decimal(0), BEIJING)
    both = overlap([Period(2020, m) for m in range(1, 6)], [payment])
    assert len(both) == 5
    assert refund([payment], both) == Decimal("0.13")
    # 100 a year, one month: 8.333… → 8.33; two payments' shares add up before rounding.
    one = ResidentPayment(Period(2020, 1), 12, Decimal("100"), Decimal(0), BEIJING)
    two = ResidentPayment(Period(2021, 1), 12, Decimal("100"), Decimal(0), BEIJING)
    assert refund([one], {Period(2020, 1)}) == Decimal("8.33")
    assert refund([one, two], {Period(2020, 1), Period(2021, 1)}) == Decimal("16.67")


def test_no_overlap_no_refund() -> None:
    found = convert(employee(Period(2000, 1), 60), yearly(2010, 2012))
    assert found.overlap_months == 0 and found.refund == Decimal("0.00")
    assert found.counted_months == 60 + 36


def test_a_conversion_needs_both_schemes() -> None:
    with pytest.raises(ValueError):
        convert([], yearly(2010, 2012))
    with pytest.raises(ValueError):
        convert(employee(Period(2000, 1), 12), [])


@given(
    start=st.integers(min_value=2000 * 12, max_value=2020 * 12),
    months=st.integers(min_value=1, max_value=300),
    first_year=st.integers(min_value=2000, max_value=2025),
    years=st.integers(min_value=1, max_value=15),
    premium=st.integers(min_value=100, max_value=2000),
)
def test_months_add_up_and_the_refund_never_exceeds_what_was_paid(
    start: int, months: int, first_year: int, years: int, premium: int
) -> None:
    paid = yearly(first_year, first_year + years - 1, str(premium))
    found = convert(employee(Period.from_index(start), months), paid)
    union = found.employee_months + found.resident_months - found.overlap_months
    assert found.overlap_months <= min(found.employee_months, found.resident_months)
    if found.direction is Direction.TO_RESIDENT:
        assert found.counted_months == union
    else:
        assert found.counted_months == found.employee_months
    assert Decimal(0) <= found.refund <= premium * years
    assert (found.refund == 0) == (found.overlap_months == 0)


# --- Who is refused, and why ---------------------------------------------------------------


def facts(**changed: object) -> Facts:
    base: dict[str, object] = {
        "born": date(1963, 8, 15),
        "sex": Sex.MALE,
        "draws_pension": False,
        "employee_months": 96,
        "resident_months": 156,
        "open_conversion": False,
        "open_pension_transfer": False,
    }
    return Facts(**(base | changed))  # type: ignore[arg-type]


def test_each_refusal_in_order() -> None:
    today = date(2026, 12, 6)
    assert refusal(facts(), today) is None
    assert refusal(facts(draws_pension=True, open_conversion=True), today) is Refusal.DRAWS_PENSION
    assert refusal(facts(open_conversion=True), today) is Refusal.OPEN_CONVERSION
    assert refusal(facts(open_pension_transfer=True), today) is Refusal.OPEN_TRANSFER
    assert refusal(facts(resident_months=0), today) is Refusal.NOT_BOTH
    assert refusal(facts(employee_months=0), today) is Refusal.NOT_BOTH
    young = facts(born=date(1985, 3, 14), sex=Sex.FEMALE)
    assert refusal(young, today) is Refusal.NOT_AT_AGE


def test_the_age_is_the_reformed_employee_retirement_age() -> None:
    rules = ConversionRules()
    # A man born 1965-05 retires at 60y2m, in 2025-07 (domain-rules §4).
    assert rules.retirement_month(date(1965, 5, 20), Sex.MALE) == (2025, 7)
    assert not rules.at_age(date(1965, 5, 20), Sex.MALE, date(2025, 6, 30))
    assert rules.at_age(date(1965, 5, 20), Sex.MALE, date(2025, 7, 1))
    # A woman: 55 as the default post (born 1971-04: 55y4m, 2026-08); 50 for a worker post.
    assert rules.retirement_month(date(1971, 4, 2), Sex.FEMALE) == (2026, 8)
    worker = ConversionRules(women_job=Job.WORKER)
    assert worker.retirement_month(date(1975, 3, 9), Sex.FEMALE) == (2025, 5)

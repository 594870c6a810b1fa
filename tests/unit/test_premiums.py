"""Residents' premiums (§8) and pension grades (§5): amounts by coverage year from the policy,
never below the national minimum, none where unpublished; the waiting period; the subsidy."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.policy import Policy
from app.domain.premiums import (
    RESIDENT_PENSION_GRADES,
    back_payable_years,
    flexible_pension,
    lapsed_years,
    premium_amount,
    resident_medical_premium,
    resident_pension_at_60,
    resident_pension_subsidy,
    waiting_months,
)

CHILD = date(2015, 4, 2)


def _policy(**table: int) -> Policy:
    rows = tuple((int(year.removeprefix("y")), amount) for year, amount in table.items())
    return msgspec.structs.replace(Policy(), residents_medical_premiums=rows)


@pytest.mark.parametrize(("year", "amount"), [(2024, 380), (2025, 400), (2026, 400)])
def test_the_default_table(year: int, amount: int) -> None:
    assert resident_medical_premium(year) == Decimal(amount)


@pytest.mark.parametrize("year", [2027, 2030, 1999])
def test_an_unpublished_year_has_no_amount(year: int) -> None:
    assert resident_medical_premium(year) is None
    assert premium_amount(year, Policy()) is None


def test_a_region_may_raise_the_premium() -> None:
    assert resident_medical_premium(2026, _policy(y2026=460)) == Decimal(460)


def test_a_region_may_not_lower_it_below_the_national_minimum() -> None:
    assert resident_medical_premium(2025, _policy(y2025=300)) == Decimal(400)


def test_a_year_published_in_the_policy_is_offered() -> None:
    assert resident_medical_premium(2027, _policy(y2027=424)) == Decimal(424)
    assert premium_amount(2027, _policy(y2027=424)) == 424


def test_lapsed_years() -> None:
    assert lapsed_years(2027, {2024, 2025, 2026}) == 0
    assert lapsed_years(2027, {2024}) == 2
    assert lapsed_years(2027, set()) == 0  # a first enrolment breaks nothing off
    assert lapsed_years(2027, {2028}) == 0


def test_paid_in_the_window_without_a_lapse_no_wait() -> None:
    assert waiting_months(2027, date(2026, 12, 6), {2026}, CHILD) == 0
    assert waiting_months(2027, date(2026, 9, 1), {2026}, CHILD) == 0


def test_paid_outside_the_window_three_months() -> None:
    assert waiting_months(2027, date(2027, 1, 1), {2026}, CHILD) == 3
    assert waiting_months(2026, date(2026, 12, 6), {2025}, CHILD) == 3
    assert waiting_months(2027, date(2026, 8, 31), set(), CHILD) == 3


def test_a_month_more_per_further_year_of_lapse() -> None:
    assert waiting_months(2027, date(2026, 12, 6), {2025}, CHILD) == 3  # one year lapsed
    assert waiting_months(2027, date(2026, 12, 6), {2023}, CHILD) == 5  # three
    assert waiting_months(2027, date(2026, 12, 6), {2023}, CHILD, repaired_years=1) == 4
    assert waiting_months(2027, date(2026, 12, 6), {2023}, CHILD, repaired_years=9) == 3


def test_newborns_within_90_days_are_covered_from_birth() -> None:
    born = date(2026, 10, 1)
    assert waiting_months(2026, date(2026, 12, 30), set(), born) == 0  # 90 days
    assert waiting_months(2026, date(2026, 12, 31), set(), born) == 3  # 91


def test_the_waiting_period_comes_from_the_policy() -> None:
    policy = msgspec.structs.replace(
        Policy(), waiting_fixed_months=2, waiting_months_per_lapsed_year=2, newborn_cover_days=30
    )
    assert waiting_months(2027, date(2026, 12, 6), {2023}, CHILD, policy) == 6


def test_the_twelve_grades() -> None:
    assert RESIDENT_PENSION_GRADES == (
        100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1500, 2000,
    )  # fmt: skip


@pytest.mark.parametrize("grade", RESIDENT_PENSION_GRADES)
def test_the_subsidy_of_each_grade(grade: int) -> None:
    expected = Decimal(60) if grade >= 500 else Decimal(30)
    assert resident_pension_subsidy(grade) == expected
    assert resident_pension_subsidy(grade, back_payment=True) == Decimal(0)


@pytest.mark.parametrize("grade", [0, 50, 150, 1100, 3000, -100])
def test_a_grade_not_offered(grade: int) -> None:
    with pytest.raises(ValueError):
        resident_pension_subsidy(grade)


def test_the_pension_a_grade_buys() -> None:
    # 15 years at 500: (500 + 60) x 15 = 8400; 163 + 8400 / 139 = 223.43
    assert resident_pension_at_60(500, 15, Decimal(0), Decimal(163)) == Decimal("223.43")
    assert resident_pension_at_60(100, 0, Decimal(139), Decimal(163)) == Decimal("164.00")


@given(base=st.decimals(min_value=1000, max_value=100000, places=2))
def test_flexible_pension_is_twenty_per_cent_of_which_eight_to_the_account(base: Decimal) -> None:
    total, account = flexible_pension(base)
    assert abs(total - base * Decimal("0.20")) <= Decimal("0.005")
    assert abs(account - base * Decimal("0.08")) <= Decimal("0.005")
    assert account < total


def test_who_may_pay_into_the_residents_pension() -> None:
    from app.domain.premiums import PensionRefusal, resident_pension_refusal

    ok = {"employee_insured": False, "pensioner": False}
    assert resident_pension_refusal(16, **ok) is None
    assert resident_pension_refusal(59, **ok) is None
    assert resident_pension_refusal(15, **ok) is PensionRefusal.UNDER_AGE
    assert resident_pension_refusal(60, **ok) is PensionRefusal.PENSION_AGE
    assert (
        resident_pension_refusal(30, employee_insured=True, pensioner=False)
        is PensionRefusal.EMPLOYEE_SCHEME
    )
    assert resident_pension_refusal(70, employee_insured=False, pensioner=True) is (
        PensionRefusal.PENSIONER
    )


def test_who_may_pay_as_a_flexible_worker() -> None:
    from app.domain.premiums import PensionRefusal, flexible_refusal

    assert flexible_refusal(30, employed=False, pensioner=False) is None
    assert flexible_refusal(15, employed=False, pensioner=False) is PensionRefusal.UNDER_AGE
    assert flexible_refusal(30, employed=True, pensioner=False) is PensionRefusal.EMPLOYED


def test_the_flexible_base_range_is_60_to_300_per_cent() -> None:
    from app.domain.premiums import flexible_base_range

    assert flexible_base_range(Decimal("10000")) == (Decimal("6000.00"), Decimal("30000.00"))
    floor, cap = flexible_base_range(Decimal("11937.33"))
    assert floor == Decimal("7162.40") and cap == Decimal("35811.99")
    assert floor >= Decimal("11937.33") * Decimal("0.6") and cap <= Decimal("11937.33") * 3


def test_back_payment_reaches_back_as_far_as_the_policy_allows() -> None:
    # Born 1990: within five years of 2026, none on record yet.
    assert back_payable_years(2026, 1990, set()) == [2025, 2024, 2023, 2022, 2021]
    # A year paid (into either scheme) is not paid again.
    assert back_payable_years(2026, 1990, {2024, 2022}) == [2025, 2023, 2021]
    # Not before the year one turned 16.
    assert back_payable_years(2026, 2008, set()) == [2025, 2024]
    assert back_payable_years(2026, 2010, set()) == []
    # The region's limit.
    two = msgspec.structs.replace(Policy(), residents_pension_back_years=2)
    assert back_payable_years(2026, 1990, set(), two) == [2025, 2024]
    none = msgspec.structs.replace(Policy(), residents_pension_back_years=0)
    assert back_payable_years(2026, 1990, set(), none) == []


@given(
    this_year=st.integers(2014, 2100),
    birth_year=st.integers(1930, 2100),
    limit=st.integers(0, 30),
    settled=st.sets(st.integers(1940, 2100), max_size=20),
)
def test_back_payable_years_are_past_unsettled_and_within_reach(
    this_year: int, birth_year: int, limit: int, settled: set[int]
) -> None:
    policy = msgspec.structs.replace(Policy(), residents_pension_back_years=limit)
    years = back_payable_years(this_year, birth_year, settled, policy)
    assert years == sorted(years, reverse=True)
    for year in years:
        assert this_year - limit <= year < this_year
        assert year >= birth_year + policy.pension_min_age
        assert year not in settled

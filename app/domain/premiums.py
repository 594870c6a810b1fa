"""What residents pay (domain-rules §5 and §8): the residents' medical premium of a coverage year,
collected in a window at the end of the year before, with the waiting period of a payment made
outside it; the residents' pension grades and their subsidy; the flexible workers' pension.

Amounts are Decimal CNY; a payment carries them in fen (app/domain/payments.py).
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.domain.contributions import (
    ACCOUNT_SHARE_RATE,
    BASE_CAP_SHARE,
    BASE_FLOOR_SHARE,
    FLEXIBLE_PENSION_RATE,
)
from app.domain.pension import residents_pension
from app.domain.policy import Policy

DEFAULT_POLICY = Policy()
CENT = Decimal("0.01")

# The national minimum individual premium by coverage year (the notice of year N is collected in
# late N for N+1; M: the NHSA/MOF/STA notices). A region may set more, never less.
NATIONAL_MINIMUM_PREMIUMS: dict[int, int] = {2022: 320, 2023: 350, 2024: 380, 2025: 400, 2026: 400}

# Guofa [2014] No. 8: twelve yearly grades (CNY); provinces may add more.
RESIDENT_PENSION_GRADES: tuple[int, ...] = (*range(100, 1001, 100), 1500, 2000)


def collection_window(year: int, window: str) -> tuple[date, date]:
    """The window for the premium of `year`, e.g. "09-01/12-31" of the year before."""
    start, end = (part.split("-") for part in window.split("/"))
    return (
        date(year - 1, int(start[0]), int(start[1])),
        date(year - 1, int(end[0]), int(end[1])),
    )


def premium_year_open(today: date, window: str) -> int | None:
    """The premium year being collected today, if a collection window is open."""
    first, last = collection_window(today.year + 1, window)
    return today.year + 1 if first <= today <= last else None


def in_window(coverage_year: int, day: date, window: str) -> bool:
    first, last = collection_window(coverage_year, window)
    return first <= day <= last


def resident_medical_premium(coverage_year: int, policy: Policy = DEFAULT_POLICY) -> Decimal | None:
    """The individual premium of a coverage year as the region set it (never below the national
    minimum); None while the year's standard is not published."""
    regional = dict(policy.residents_medical_premiums).get(coverage_year)
    if regional is None:
        return None
    return Decimal(max(regional, NATIONAL_MINIMUM_PREMIUMS.get(coverage_year, 0)))


def premium_amount(year: int, policy: Policy) -> int | None:
    """The premium of a coverage year in whole CNY (the family to-do shows it)."""
    amount = resident_medical_premium(year, policy)
    return None if amount is None else int(amount)


def lapsed_years(coverage_year: int, covered_years: set[int]) -> int:
    """Years without cover right before `coverage_year`, since the last covered one (0 for a
    first enrolment: nothing was broken off)."""
    earlier = [y for y in covered_years if y < coverage_year]
    return coverage_year - 1 - max(earlier) if earlier else 0


def waiting_months(
    coverage_year: int,
    paid_on: date,
    covered_years: set[int],
    birth_date: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    repaired_years: int = 0,
) -> int:
    """国办发〔2024〕38号 (from coverage year 2025): paid outside the collection window, or after a
    lapse, benefits start after a fixed waiting period, plus a month per further year of lapse
    (each year paid back takes one off). Newborns insured within 90 days are covered from birth."""
    if paid_on - birth_date <= timedelta(days=policy.newborn_cover_days):
        return 0
    lapse = lapsed_years(coverage_year, covered_years)
    if lapse == 0 and in_window(coverage_year, paid_on, policy.medical_collection_window):
        return 0
    variable = max(0, lapse - 1 - repaired_years) * policy.waiting_months_per_lapsed_year
    return policy.waiting_fixed_months + variable


def resident_pension_subsidy(
    grade: int, back_payment: bool = False, policy: Policy = DEFAULT_POLICY
) -> Decimal:
    """§5: the government subsidy of a year paid at `grade`: at least 30, at least 60 from the
    500 grade; none for a year paid back."""
    if grade not in RESIDENT_PENSION_GRADES:
        raise ValueError(f"{grade} is not a contribution grade")
    if back_payment:
        return Decimal(0)
    high = grade >= policy.residents_pension_higher_subsidy_from
    return Decimal(
        policy.residents_pension_subsidy_high if high else policy.residents_pension_subsidy_low
    )


def back_payable_years(
    this_year: int, birth_year: int, settled: Collection[int], policy: Policy = DEFAULT_POLICY
) -> list[int]:
    """§5 back payment (补缴): the past years that may still be paid, newest first: within the
    region's limit, from the year they turned 16, and none already on record (paid into the
    residents' scheme, or spent in the employee scheme). Back-paid years get no subsidy."""
    first = max(
        this_year - policy.residents_pension_back_years, birth_year + policy.pension_min_age
    )
    return [year for year in range(this_year - 1, first - 1, -1) if year not in settled]


def resident_pension_at_60(
    grade: int, years: int, balance: Decimal, basic: Decimal, policy: Policy = DEFAULT_POLICY
) -> Decimal:
    """The monthly pension at 60 after `years` more years at `grade`: the basic pension plus the
    account (what is in it, and each year's contribution and subsidy, without interest) / 139."""
    added = (Decimal(grade) + resident_pension_subsidy(grade, policy=policy)) * max(years, 0)
    return residents_pension(basic, balance + added)


def flexible_pension(base: Decimal) -> tuple[Decimal, Decimal]:
    """§5: a flexible worker pays 20 % of the chosen base; (total, of which to the account 8 %)."""
    total = (base * FLEXIBLE_PENSION_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    account = (base * ACCOUNT_SHARE_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    return total, account


class PensionRefusal(enum.StrEnum):
    """Why someone cannot pay into a pension scheme here (§5)."""

    UNDER_AGE = "under_age"  # residents' and flexible: 16 or over
    EMPLOYEE_SCHEME = "employee_scheme"  # residents': not while in the employee scheme
    EMPLOYED = "employed"  # flexible: an employer pays already
    PENSION_AGE = "pension_age"  # at 60 the residents' pension is drawn, not paid into
    PENSIONER = "pensioner"


def resident_pension_refusal(
    age: int, *, employee_insured: bool, pensioner: bool, policy: Policy = DEFAULT_POLICY
) -> PensionRefusal | None:
    """Guofa [2014] No. 8: 16 or over, not in the employee scheme (a full-time student may not
    enrol either: the form asks, as no record says so), paid at the hukou place."""
    if pensioner:
        return PensionRefusal.PENSIONER
    if age < policy.pension_min_age:
        return PensionRefusal.UNDER_AGE
    if age >= policy.residents_pension_age:
        return PensionRefusal.PENSION_AGE
    if employee_insured:
        return PensionRefusal.EMPLOYEE_SCHEME
    return None


def flexible_refusal(
    age: int, *, employed: bool, pensioner: bool, policy: Policy = DEFAULT_POLICY
) -> PensionRefusal | None:
    if pensioner:
        return PensionRefusal.PENSIONER
    if age < policy.pension_min_age:
        return PensionRefusal.UNDER_AGE
    if employed:
        return PensionRefusal.EMPLOYED
    return None


def flexible_base_range(average_wage: Decimal) -> tuple[Decimal, Decimal]:
    """§5: the base a flexible worker chooses, 60 % to 300 % of the average wage (to the fen,
    the floor rounded up and the cap down, so both ends are inside)."""
    floor = (average_wage * BASE_FLOOR_SHARE).quantize(CENT, rounding="ROUND_CEILING")
    cap = (average_wage * BASE_CAP_SHARE).quantize(CENT, rounding="ROUND_FLOOR")
    return floor, cap

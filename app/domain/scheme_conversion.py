"""Urban–rural conversion of the pension (城乡养老保险制度衔接; domain-rules §5 and §6).

Source: 人社部 财政部《城乡养老保险制度衔接暂行办法》(人社部发〔2014〕17号), in force 2014-07-01:
- art. 2-3: someone insured in both the employee and the residents' scheme converts once, on
  reaching the employee retirement age and before drawing either pension;
- art. 3: with 15 employee years or more (including years paid on after the age to reach 15),
  the residents' personal account joins the employee one; the residents' years do not count;
- art. 4: with fewer, the employee personal account joins the residents' one and the employee
  years count as residents' years;
- art. 5: a month paid in both schemes counts only as employee time, and the residents' own
  contributions for it (with the collective aid, which the portal does not record) are refunded;
- art. 7: the new place reviews and sends the contact letter, the old place transfers, the new
  place records: 15 working days each (the agencies' steps are those of a pension transfer).

Everything here is arithmetic on records handed in: months as app.domain.contributions.Period,
money as Decimal rounded half-up to the fen.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain.contributions import DEFAULT_RATES, Period, RateTable, account_balance, money
from app.domain.identity import Sex
from app.domain.policy import Policy
from app.domain.retirement import Category, Job, YearMonth, statutory_retirement


class Direction(enum.StrEnum):
    TO_EMPLOYEE = "to_employee"  # residents' scheme into the employee scheme (art. 3)
    TO_RESIDENT = "to_resident"  # employee scheme into the residents' scheme (art. 4)


class Refusal(enum.StrEnum):
    """Why a conversion cannot be applied for; the page says the rule behind each."""

    DRAWS_PENSION = "draws_pension"  # converted before drawing anything, never after
    OPEN_CONVERSION = "open_conversion"  # one conversion at a time
    OPEN_TRANSFER = "open_transfer"  # a pension transfer is under way: it finishes first
    NOT_BOTH = "not_both"  # paid into one scheme only: there is nothing to join
    NOT_AT_AGE = "not_at_age"  # before the employee retirement age


@dataclass(frozen=True, slots=True)
class EmployeeMonth:
    """One paid month of the employee pension: the individual part goes to the account."""

    period: Period
    individual: Decimal
    region: str  # address code


@dataclass(frozen=True, slots=True)
class ResidentPayment:
    """A residents' contribution as recorded: a yearly one covers 12 months from its period.
    The individual part is the person's own money; the subsidy is the government's."""

    period: Period
    months: int
    individual: Decimal
    subsidy: Decimal
    region: str

    @property
    def periods(self) -> list[Period]:
        return [Period.from_index(self.period.index + k) for k in range(max(self.months, 1))]


@dataclass(frozen=True, slots=True)
class ConversionRules:
    """The threshold of art. 3 and, for women, which original retirement age applies (the post
    is not on record; flexible workers and residents are mostly held at 55): settings."""

    employee_months: int = 180
    women_job: Job = Job.CADRE

    def category(self, sex: Sex) -> Category:
        return Category.from_sex_and_job(sex, self.women_job)

    def retirement_month(self, born: date, sex: Sex) -> YearMonth:
        """The month the employee retirement age (the 2025 reform's) is reached."""
        return statutory_retirement(born, self.category(sex)).year_month

    def at_age(self, born: date, sex: Sex, today: date) -> bool:
        return (today.year, today.month) >= self.retirement_month(born, sex)

    def direction(self, employee_months: int) -> Direction:
        if employee_months >= self.employee_months:
            return Direction.TO_EMPLOYEE
        return Direction.TO_RESIDENT


DEFAULT_RULES = ConversionRules()


def rules_for(policy: Policy) -> ConversionRules:
    return ConversionRules(
        employee_months=policy.conversion_employee_months,
        women_job=Job(policy.conversion_women_job),
    )


@dataclass(frozen=True, slots=True)
class Facts:
    """What the records say about the person (the services gather it)."""

    born: date
    sex: Sex
    draws_pension: bool
    employee_months: int
    resident_months: int
    open_conversion: bool
    open_pension_transfer: bool


def refusal(facts: Facts, today: date, rules: ConversionRules = DEFAULT_RULES) -> Refusal | None:
    """The first rule the application breaks, or None when it may be made."""
    checks = (
        (facts.draws_pension, Refusal.DRAWS_PENSION),
        (facts.open_conversion, Refusal.OPEN_CONVERSION),
        (facts.open_pension_transfer, Refusal.OPEN_TRANSFER),
        (facts.employee_months <= 0 or facts.resident_months <= 0, Refusal.NOT_BOTH),
        (not rules.at_age(facts.born, facts.sex, today), Refusal.NOT_AT_AGE),
    )
    return next((reason for broken, reason in checks if broken), None)


@dataclass(frozen=True, slots=True)
class Conversion:
    """Which way the schemes join, what moves, what counts and what is refunded."""

    direction: Direction
    employee_months: int  # distinct paid months of each scheme
    resident_months: int
    overlap_months: int  # paid in both: employee time only
    counted_months: int  # the contribution time in the scheme kept
    account: Decimal  # the personal account that moves, with interest
    refund: Decimal  # the residents' own contributions of the overlapping months
    from_region: str  # the scheme left ...
    to_region: str  # ... and the one joined (address codes)

    @property
    def resident_months_dropped(self) -> int:
        """To the employee scheme: the residents' months that do not count."""
        if self.direction is Direction.TO_EMPLOYEE:
            return self.resident_months
        return self.overlap_months


def overlap(employee: Iterable[Period], resident: Iterable[ResidentPayment]) -> Set[Period]:
    """The months paid in both schemes."""
    paid = set(employee)
    return {p for payment in resident for p in payment.periods if p in paid}


def refund(resident: Iterable[ResidentPayment], both: Set[Period]) -> Decimal:
    """Art. 5: the individual contributions of the overlapping months (a yearly payment shared
    evenly over the months it covers), without interest; the sum rounded once, half-up."""
    total = Decimal(0)
    for payment in resident:
        shared = sum(1 for p in payment.periods if p in both)
        if shared:
            total += payment.individual * shared / len(payment.periods)
    return money(total)


def _resident_account(
    resident: Iterable[ResidentPayment], both: Set[Period], rates: RateTable
) -> Decimal:
    """The residents' account without the overlapping months: their own part is refunded and
    the subsidy for them stays with the fund."""
    yearly: dict[int, Decimal] = defaultdict(Decimal)
    for payment in resident:
        periods = payment.periods
        kept = sum(1 for p in periods if p not in both)
        yearly[payment.period.year] += (payment.individual + payment.subsidy) * kept / len(periods)
    return account_balance(sorted(yearly.items()), Decimal(0), rates)


def _employee_account(employee: Iterable[EmployeeMonth], rates: RateTable) -> Decimal:
    yearly: dict[int, Decimal] = defaultdict(Decimal)
    for month in employee:
        yearly[month.period.year] += month.individual
    return account_balance(sorted(yearly.items()), Decimal(0), rates)


def _latest_region(regions: Iterable[tuple[Period, str]]) -> str:
    return max(regions)[1]


def convert(
    employee: Iterable[EmployeeMonth],
    resident: Iterable[ResidentPayment],
    rules: ConversionRules = DEFAULT_RULES,
    rates: RateTable = DEFAULT_RATES,
) -> Conversion:
    """The conversion of someone with records in both schemes (ValueError otherwise)."""
    employee, resident = list(employee), list(resident)
    if not employee or not resident:
        raise ValueError("a conversion needs records in both schemes")
    employee_periods = {m.period for m in employee}
    resident_periods = {p for payment in resident for p in payment.periods}
    both = overlap(employee_periods, resident)
    direction = rules.direction(len(employee_periods))
    employee_region = _latest_region((m.period, m.region) for m in employee)
    resident_region = _latest_region((p.period, p.region) for p in resident)
    if direction is Direction.TO_EMPLOYEE:
        counted = len(employee_periods)
        account = _resident_account(resident, both, rates)
        regions = (resident_region, employee_region)
    else:
        counted = len(employee_periods | resident_periods)
        account = _employee_account(employee, rates)
        regions = (employee_region, resident_region)
    return Conversion(
        direction=direction,
        employee_months=len(employee_periods),
        resident_months=len(resident_periods),
        overlap_months=len(both),
        counted_months=counted,
        account=account,
        refund=refund(resident, both),
        from_region=regions[0],
        to_region=regions[1],
    )

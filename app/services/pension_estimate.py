"""The pension estimate of a subject (domain-rules §3, §4, §5).

`load` reads what the records say (months paid, average index, account balance) or the
reason no estimate can be given; the functions after it are plain arithmetic on that basis
and the reader's what-if inputs, so a page of options costs no further query.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.db.models import InsuranceTransfer
from app.domain.contributions import DEFAULT_RATES, Period, RateTable, balance_steps
from app.domain.pension import (
    RESIDENTS_DIVISOR,
    Estimate,
    estimate,
    in_todays_money,
    money,
    project_balance,
    residents_pension,
)
from app.domain.pension import project_index as weighted_index
from app.domain.policy import Policy
from app.domain.regions import province_of
from app.domain.retirement import (
    Age,
    Category,
    Job,
    Retirement,
    YearMonth,
    age_at_month,
    flexible_window,
    minimum_contribution_months,
    retirement_month_at,
    statutory_retirement,
    window_months,
)
from app.domain.transfer import provincial_history, rules_for
from app.domain.wages import (
    DEFAULT_WAGE_GROWTH_PERCENT,
    PaidMonth,
    average_index,
    average_wage,
    month_index,
)
from app.services.context import UnitOfWork
from app.services.subject import Subject, record
from app.services.transfer_check import hukou_of

ADULT_AGE = 18  # no estimate for a minor: too far from retirement to mean anything
MIN_RECORD_MONTHS = 12  # fewer months say too little about a working life
RESIDENTS_AGE_MONTHS = 60 * 12  # §5: residents' pension from age 60 ...
RESIDENTS_MIN_MONTHS = 15 * 12  # ... after 15 years of contributions
INDEX_LOW, INDEX_HIGH = Decimal("0.6"), Decimal("3.0")  # the base is held to 60%–300%
HUNDRED = Decimal(100)


class Reason(enum.StrEnum):
    """Why no estimate is given; each has a page of its own."""

    RETIRED = "retired"
    TOO_YOUNG = "too_young"
    TRANSFER = "transfer"
    FEW_RECORDS = "few_records"
    PAST_WINDOW = "past_window"  # every month of the flexible window has gone by
    SHORT = "short"  # the minimum contribution cannot be met inside the window


@dataclass(frozen=True, slots=True)
class NoEstimate:
    reason: Reason
    months: int = 0
    adult_on: date | None = None
    transfer: InsuranceTransfer | None = None
    window: Window | None = None


@dataclass(frozen=True, slots=True)
class EmployeeBasis:
    """What the employee records say, as of ``start`` (the first month not yet on record)."""

    birth: date
    sex: str
    months: int  # paid pension months
    index: Decimal  # average contribution index over them
    balance: Decimal  # personal account at the end of ``balance_year``
    balance_year: int
    last: PaidMonth
    start: Period
    # Where the pension is paid (art. 6, 10-year rule): its average wage is the estimate's C.
    place: str = ""

    @property
    def last_index(self) -> Decimal:
        return month_index(self.last)

    @property
    def region(self) -> str:
        return self.place or self.last.region_code


@dataclass(frozen=True, slots=True)
class ResidentBasis:
    birth: date
    months: int
    balance: Decimal
    balance_year: int


Basis = EmployeeBasis | ResidentBasis


@dataclass(frozen=True, slots=True)
class Inputs:
    """The what-if answers; percentages as the reader types them (4 means 4%)."""

    job: Job
    retire_at: YearMonth | None
    wage_growth: Decimal
    index: Decimal
    avg_wage: Decimal
    interest: Decimal


@dataclass(frozen=True, slots=True)
class Window:
    category: Category
    statutory: Retirement
    earliest: Age
    latest: Age
    months: list[YearMonth]  # the whole flexible window
    choices: list[YearMonth]  # the months that can still be chosen

    @property
    def first(self) -> YearMonth:
        return self.months[0]

    @property
    def last(self) -> YearMonth:
        return self.months[-1]


@dataclass(frozen=True, slots=True)
class Projection:
    month: YearMonth
    age: Age
    future_months: int
    index_now: Decimal
    future_index: Decimal
    balance_now: Decimal
    minimum_months: int
    estimate: Estimate
    todays_total: Decimal  # the estimate in today's money, deflated by the wage growth
    deflator_years: int  # from this year to the retirement year
    wage_growth: Decimal  # the deflator, in percent a year


@dataclass(frozen=True, slots=True)
class ResidentEstimate:
    eligible_month: YearMonth
    months: int
    minimum_months: int
    basic: Decimal
    balance: Decimal
    balance_year: int
    divisor: int
    account: Decimal
    total: Decimal

    @property
    def missing_months(self) -> int:
        return max(0, self.minimum_months - self.months)


def rates(policy: Policy) -> RateTable:
    return DEFAULT_RATES.with_overrides(rate_2025=policy.account_interest_rate_2025)


def age_years(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def adult_on(birth: date) -> date:
    """The 18th birthday; someone born on 29 February comes of age on 1 March."""
    try:
        return birth.replace(year=birth.year + ADULT_AGE)
    except ValueError:
        return date(birth.year + ADULT_AGE, 3, 1)


def _paid_months(rows: list[tuple[str, str, int, int, int, str]], scheme: str) -> set[Period]:
    """Pension months paid in one scheme; a yearly premium covers ``months_covered`` months."""
    months: set[Period] = set()
    for line, row_scheme, year, month, covered, status in rows:
        if line == "pension" and row_scheme == scheme and status == "paid":
            start = Period(year, month).index
            months.update(Period.from_index(start + k) for k in range(min(max(covered, 1), 12)))
    return months


async def _account(uow: UnitOfWork, subject: Subject, scheme: str) -> tuple[Decimal, int]:
    yearly = await uow.contributions.yearly_individual(subject.person.id, "pension", scheme)
    steps = balance_steps(yearly, Decimal(0), rates(uow.policy))
    return (steps[-1].closing, steps[-1].year) if steps else (Decimal("0.00"), 0)


async def load(uow: UnitOfWork, subject: Subject, today: date) -> Basis | NoEstimate:
    """The subject's records as an estimate needs them, or why no estimate can be given."""
    person = subject.person
    if person.is_pensioner or person.retired_on is not None:
        return NoEstimate(Reason.RETIRED)
    if age_years(person.birth_date, today) < ADULT_AGE:
        return NoEstimate(Reason.TOO_YOUNG, adult_on=adult_on(person.birth_date))
    transfers = [t for t in await uow.transfers.open_for(person.id) if t.line == "pension"]
    if transfers:
        return NoEstimate(Reason.TRANSFER, transfer=min(transfers, key=lambda t: t.applied_on))
    paid = [PaidMonth(*row) for row in await uow.contributions.paid_bases(person.id)]
    months = len({(p.year, p.month) for p in paid})
    if months >= MIN_RECORD_MONTHS:
        balance, year = await _account(uow, subject, "employee")
        last = paid[-1]
        start = max(Period(today.year, today.month), Period(last.year, last.month).next())
        return EmployeeBasis(
            birth=person.birth_date,
            sex=person.sex,
            months=months,
            index=average_index(paid),
            balance=balance,
            balance_year=year,
            last=last,
            start=start,
            place=_place(uow, subject, paid),
        )
    resident = len(_paid_months(await uow.contributions.months(person.id), "resident"))
    if resident >= MIN_RECORD_MONTHS:
        balance, year = await _account(uow, subject, "resident")
        return ResidentBasis(
            birth=person.birth_date, months=resident, balance=balance, balance_year=year
        )
    return NoEstimate(Reason.FEW_RECORDS, months=months + resident)


def _place(uow: UnitOfWork, subject: Subject, paid: list[PaidMonth]) -> str:
    """The province the pension would be paid in, over the whole history by place (a
    completed transfer keeps each segment where it was paid)."""
    history = provincial_history((p.year, p.month, p.region_code) for p in paid)
    current = province_of(paid[-1].region_code)
    return rules_for(uow.policy).place(hukou_of(uow, subject), current, history)


def _index(month: YearMonth) -> int:
    return month.year * 12 + month.month - 1


def future_months(basis: EmployeeBasis, month: YearMonth) -> int:
    """Months still to contribute: from the first month not on record to the month before
    retirement (the pension starts in the retirement month)."""
    return max(0, _index(month) - basis.start.index)


def months_at(basis: EmployeeBasis, month: YearMonth) -> int:
    return basis.months + future_months(basis, month)


def window(basis: EmployeeBasis, job: Job) -> Window:
    """Art. 3: the months one may retire in; those gone by, or before the minimum
    contribution (Art. 2) is reached, cannot be chosen."""
    category = Category.from_sex_and_job(basis.sex, job)
    earliest, latest = flexible_window(basis.birth, category)
    months = window_months(basis.birth, category)
    now = YearMonth(basis.start.year, basis.start.month)
    choices = [
        m for m in months if m >= now and months_at(basis, m) >= minimum_contribution_months(m.year)
    ]
    return Window(
        category=category,
        statutory=statutory_retirement(basis.birth, category),
        earliest=earliest,
        latest=latest,
        months=months,
        choices=choices,
    )


def unavailable(basis: EmployeeBasis, found: Window) -> NoEstimate | None:
    if found.choices:
        return None
    if found.last < YearMonth(basis.start.year, basis.start.month):
        return NoEstimate(Reason.PAST_WINDOW, months=basis.months, window=found)
    return NoEstimate(Reason.SHORT, months=basis.months, window=found)


def default_month(found: Window) -> YearMonth:
    """The statutory month, or the nearest month after it that can be chosen."""
    statutory = found.statutory.year_month
    later = [m for m in found.choices if m >= statutory]
    return later[0] if later else found.choices[-1]


def defaults(basis: EmployeeBasis, policy: Policy, today: date) -> Inputs:
    """Prefilled answers: today's base and wage series, the latest official interest rate."""
    index = min(max(basis.last_index.quantize(Decimal("0.01")), INDEX_LOW), INDEX_HIGH)
    return Inputs(
        job=Job.CADRE,
        retire_at=None,
        wage_growth=DEFAULT_WAGE_GROWTH_PERCENT,
        index=index,
        avg_wage=average_wage(today.year, basis.region),
        interest=policy.account_interest_rate_2025,
    )


def wage_before(retirement_year: int, this_year: int, inputs: Inputs) -> Decimal:
    """C is the average wage of the year before retirement: today's grown by the wage
    growth, so the basic part is in the same year's money as the projected account."""
    years = max(0, retirement_year - 1 - this_year)
    return money(inputs.avg_wage * (1 + inputs.wage_growth / HUNDRED) ** years)


def project(
    basis: EmployeeBasis, inputs: Inputs, month: YearMonth, mode: str = "floor"
) -> Projection:
    """The estimate for retiring in ``month``: contributions continue until then on today's
    base grown by the wage growth, at the what-if index, and the account keeps accruing."""
    future = future_months(basis, month)
    age = age_at_month(basis.birth, month.year, month.month)
    balance = project_balance(
        basis.balance,
        basis.last.base,
        future,
        inputs.wage_growth / HUNDRED,
        inputs.interest / HUNDRED,
    )
    index = weighted_index(basis.index, basis.months, future, inputs.index)
    years = month.year - basis.start.year
    result = estimate(
        avg_wage=wage_before(month.year, basis.start.year, inputs),
        index=index,
        months=basis.months + future,
        balance=balance,
        age_years=age.years,
        age_months=age.months,
        mode=mode,
    )
    return Projection(
        month=month,
        age=age,
        future_months=future,
        index_now=basis.index,
        future_index=inputs.index,
        balance_now=basis.balance,
        minimum_months=minimum_contribution_months(month.year),
        estimate=result,
        todays_total=in_todays_money(result.total, inputs.wage_growth, years),
        deflator_years=years,
        wage_growth=inputs.wage_growth,
    )


def chart_months(found: Window, chosen: YearMonth) -> list[YearMonth]:
    """Every 3rd month of the choices (every 6th when there are more than 36), the last one,
    the statutory month and the chosen one."""
    step = 3 if len(found.choices) <= 36 else 6
    picked = set(found.choices[::step]) | {found.choices[-1], chosen}
    if found.statutory.year_month in found.choices:
        picked.add(found.statutory.year_month)
    return sorted(picked)


def residents(basis: ResidentBasis, policy: Policy) -> ResidentEstimate:
    """§5: the basic pension plus today's balance / 139, payable from the month of 60."""
    account = money(basis.balance / RESIDENTS_DIVISOR)
    return ResidentEstimate(
        eligible_month=retirement_month_at(basis.birth, RESIDENTS_AGE_MONTHS),
        months=basis.months,
        minimum_months=RESIDENTS_MIN_MONTHS,
        basic=policy.residents_basic_pension,
        balance=basis.balance,
        balance_year=basis.balance_year,
        divisor=RESIDENTS_DIVISOR,
        account=account,
        total=residents_pension(policy.residents_basic_pension, basis.balance),
    )


async def viewed(uow: UnitOfWork, subject: Subject, now: datetime, detail: str) -> None:
    """Audit a view for a member (the holder's own views are not recorded)."""
    record(uow, subject, "pension.viewed", now, detail=detail)

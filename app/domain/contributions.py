"""Contribution records, coverage and the personal pension account (domain-rules §3, §9).

Money is Decimal, rounded to the fen (0.01) half-up. Interest rates are settings held in a
RateTable, so a new official notice or a provincial choice changes one value, not the code.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import msgspec

FEN = Decimal("0.01")
HUNDRED = Decimal(100)

# 年度计算法 (劳办发〔1997〕116号): a year's contributions, paid month by month, earn interest
# for on average about half a year; 1.083 is the factor the formula uses for that.
MONTHLY_PAYMENT_FACTOR = Decimal("1.083")
HALF = Decimal("0.5")

# The contribution base is held between 60% and 300% of the provincial average wage (§3).
BASE_FLOOR_SHARE = Decimal("0.60")
BASE_CAP_SHARE = Decimal("3.00")
# Pension split (§3): employees pay 8% (all of it to the account), the employer 16% to the
# pooled fund; flexible workers pay 20% themselves, of which 8% goes to the account.
EMPLOYEE_PENSION_RATE = Decimal("0.08")
EMPLOYER_PENSION_RATE = Decimal("0.16")
FLEXIBLE_PENSION_RATE = Decimal("0.20")
ACCOUNT_SHARE_RATE = Decimal("0.08")

FIRST_OFFICIAL_YEAR = 2016  # MOHRSS and MOF set one national 记账利率 from this year on

# National personal account interest rates (记账利率), percent a year (§3). 2025 is the project
# decision (Policy.account_interest_rate_2025) until the official notice is known.
OFFICIAL_RATES: dict[int, Decimal] = {
    2016: Decimal("8.31"),
    2017: Decimal("7.12"),
    2018: Decimal("8.29"),
    2019: Decimal("7.61"),
    2020: Decimal("6.04"),
    2021: Decimal("6.69"),
    2022: Decimal("6.12"),
    2023: Decimal("3.97"),
    2024: Decimal("2.62"),
    2025: Decimal("1.50"),
}

# Before 2016 each province credited the account at about the bank deposit rate, so the default
# is a setting, not a national fact: the People's Bank of China one-year deposit benchmark rate
# in force on 31 December of each year (year-end value; mid-year changes are not averaged),
# percent. Override it with RateTable.with_overrides or a table of your own.
DEPOSIT_RATES_BEFORE_2016: dict[int, Decimal] = {
    1995: Decimal("10.98"),
    1996: Decimal("7.47"),
    1997: Decimal("5.67"),
    1998: Decimal("3.78"),
    1999: Decimal("2.25"),
    2000: Decimal("2.25"),
    2001: Decimal("2.25"),
    2002: Decimal("1.98"),
    2003: Decimal("1.98"),
    2004: Decimal("2.25"),
    2005: Decimal("2.25"),
    2006: Decimal("2.52"),
    2007: Decimal("4.14"),
    2008: Decimal("2.25"),
    2009: Decimal("2.25"),
    2010: Decimal("2.75"),
    2011: Decimal("3.50"),
    2012: Decimal("3.00"),
    2013: Decimal("3.00"),
    2014: Decimal("2.75"),
    2015: Decimal("1.50"),
}


def money(amount: Decimal) -> Decimal:
    """Round to the fen, half-up, the way the account and the bank statements keep it."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


class Line(enum.StrEnum):
    """The four fund ledgers of Social Insurance Law art. 64; money never moves between them."""

    PENSION = "pension"
    MEDICAL = "medical"  # medical and maternity: one combined ledger since the 2018 amendment
    WORK_INJURY = "work_injury"
    UNEMPLOYMENT = "unemployment"


class Status(enum.StrEnum):
    PAID = "paid"
    ARREARS = "arrears"  # owed and not yet paid: can still be back-paid
    INTERRUPTED = "interrupted"  # no insured relationship that month (断缴)


_PERIOD_TEXT = re.compile(r"([0-9]{4})-([0-9]{2})")


class Period(msgspec.Struct, frozen=True, order=True):
    """A contribution month; contributions are assessed and recorded per calendar month."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month must be 1..12, not {self.month}")
        if not 1 <= self.year <= 9999:
            raise ValueError(f"year must be 1..9999, not {self.year}")

    @property
    def index(self) -> int:
        """Months since year 0, so that consecutive months differ by one."""
        return self.year * 12 + self.month - 1

    @classmethod
    def from_index(cls, index: int) -> Period:
        year, month0 = divmod(index, 12)
        return cls(year, month0 + 1)

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse "YYYY-MM" (the form __str__ writes), or raise ValueError."""
        match = _PERIOD_TEXT.fullmatch(text.strip())
        if match is None:
            raise ValueError(f"not a YYYY-MM period: {text!r}")
        return cls(int(match[1]), int(match[2]))

    def next(self) -> Period:
        return Period.from_index(self.index + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


class RateTable(msgspec.Struct, frozen=True, kw_only=True):
    """Personal account interest rates in percent; rate() answers as a fraction.

    Years from 2016 use the official table, later years ``later_default`` (None: the last
    official rate, so an unannounced year repeats the latest notice), earlier years
    ``before_2016`` (a year before its first entry uses the earliest entry).
    """

    official: dict[int, Decimal]
    before_2016: dict[int, Decimal]
    later_default: Decimal | None = None

    def __post_init__(self) -> None:
        if not self.official or not self.before_2016:
            raise ValueError("both rate tables need at least one year")
        if min(self.official) < FIRST_OFFICIAL_YEAR:
            raise ValueError("official rates start in 2016")

    def rate_percent(self, year: int) -> Decimal:
        if year > max(self.official) and self.later_default is not None:
            return self.later_default
        if year >= min(self.official):
            return _at_or_before(self.official, year)
        return _at_or_before(self.before_2016, year)

    def rate(self, year: int) -> Decimal:
        """The year's rate as a fraction (2.62% → 0.0262)."""
        return self.rate_percent(year) / HUNDRED

    def with_overrides(
        self,
        rate_2025: Decimal | None = None,
        flat_before_2016: Decimal | None = None,
    ) -> RateTable:
        """Replace the settings the sources leave open; both values in percent."""
        official = dict(self.official)
        if rate_2025 is not None:
            official[2025] = rate_2025
        before = self.before_2016
        if flat_before_2016 is not None:
            before = dict.fromkeys(self.before_2016, flat_before_2016)
        return RateTable(official=official, before_2016=before, later_default=self.later_default)


def _at_or_before(table: Mapping[int, Decimal], year: int) -> Decimal:
    """The entry for ``year``, else the latest earlier one, else the earliest one."""
    known = [y for y in table if y <= year]
    return table[max(known)] if known else table[min(table)]


DEFAULT_RATES = RateTable(
    official=dict(OFFICIAL_RATES),
    before_2016=dict(DEPOSIT_RATES_BEFORE_2016),
    later_default=None,
)


class BalanceStep(msgspec.Struct, frozen=True):
    """One year of the account: opening + contributions + both interests, rounded, = closing.

    The interest parts are exact (unrounded) so that the rounding happens once, on the closing.
    """

    year: int
    opening: Decimal
    contributions: Decimal
    rate: Decimal  # percent, as published
    interest_on_opening: Decimal
    interest_on_contributions: Decimal
    closing: Decimal


def balance_steps(
    yearly: Iterable[tuple[int, Decimal]],
    opening: Decimal = Decimal(0),
    rates: RateTable = DEFAULT_RATES,
) -> list[BalanceStep]:
    """Accrue the account year by year: Bal_end = Bal_prev×(1+r) + C×(1 + r×1.083×½).

    ``yearly`` holds (year, that year's individual contributions); a year given twice is summed
    and years missing between the first and last still earn interest on the balance. The
    closing is rounded to the fen each year because the account is kept in fen, so the next
    year's interest is earned on the recorded balance, not on fractions of a fen.
    """
    totals: dict[int, Decimal] = {}
    for year, amount in yearly:
        if amount < 0:
            raise ValueError(f"contributions cannot be negative: {year} {amount}")
        totals[year] = totals.get(year, Decimal(0)) + amount
    if not totals:
        return []
    steps: list[BalanceStep] = []
    balance = opening
    for year in range(min(totals), max(totals) + 1):
        contributions = totals.get(year, Decimal(0))
        percent = rates.rate_percent(year)
        r = percent / HUNDRED
        on_opening = balance * r
        on_contributions = contributions * r * MONTHLY_PAYMENT_FACTOR * HALF
        closing = money(balance + on_opening + contributions + on_contributions)
        steps.append(
            BalanceStep(
                year=year,
                opening=balance,
                contributions=contributions,
                rate=percent,
                interest_on_opening=on_opening,
                interest_on_contributions=on_contributions,
                closing=closing,
            )
        )
        balance = closing
    return steps


def account_balance(
    yearly: Iterable[tuple[int, Decimal]],
    opening: Decimal = Decimal(0),
    rates: RateTable = DEFAULT_RATES,
) -> Decimal:
    """The personal pension account at the end of the last year given (the opening if none)."""
    steps = balance_steps(yearly, opening, rates)
    return steps[-1].closing if steps else money(opening)


class Coverage(msgspec.Struct, frozen=True):
    """One ledger's contribution history: paid months, their span and the holes in it.

    ``first`` and ``last`` are the first and last paid months; ``gaps`` are the runs between
    them that are not paid (arrears, interrupted or simply missing). Arrears after the last paid
    month are not a gap but still count in ``arrears_months``.
    """

    line: Line
    months: int
    first: Period | None
    last: Period | None
    gaps: list[tuple[Period, Period]]
    arrears_months: int


# When one month is recorded twice, the stronger status wins: a payment settles arrears.
_PRECEDENCE = {Status.PAID: 2, Status.ARREARS: 1, Status.INTERRUPTED: 0}


def coverage(line: Line, months: Iterable[tuple[Period, Status]]) -> Coverage:
    by_month: dict[Period, Status] = {}
    for period, status in months:
        held = by_month.get(period)
        if held is None or _PRECEDENCE[status] > _PRECEDENCE[held]:
            by_month[period] = status
    paid = sorted(p.index for p, s in by_month.items() if s is Status.PAID)
    arrears = sum(1 for s in by_month.values() if s is Status.ARREARS)
    gaps = [
        (Period.from_index(before + 1), Period.from_index(after - 1))
        for before, after in itertools.pairwise(paid)
        if after - before > 1
    ]
    return Coverage(
        line=line,
        months=len(paid),
        first=Period.from_index(paid[0]) if paid else None,
        last=Period.from_index(paid[-1]) if paid else None,
        gaps=gaps,
        arrears_months=arrears,
    )


def clamp_base(base: Decimal, avg_wage: Decimal) -> Decimal:
    """Hold a monthly contribution base within 60%–300% of the provincial average wage."""
    if avg_wage <= 0:
        raise ValueError("the average wage must be positive")
    floor = avg_wage * BASE_FLOOR_SHARE
    cap = avg_wage * BASE_CAP_SHARE
    return money(min(max(base, floor), cap))


class PensionSplit(msgspec.Struct, frozen=True):
    """One month's pension contribution on a base (for seed and demo data)."""

    base: Decimal  # after clamping
    individual: Decimal
    employer: Decimal
    to_account: Decimal  # the part credited to the personal account


def pension_split(base: Decimal, avg_wage: Decimal, *, flexible: bool = False) -> PensionSplit:
    clamped = clamp_base(base, avg_wage)
    if flexible:
        individual, employer = money(clamped * FLEXIBLE_PENSION_RATE), Decimal("0.00")
    else:
        individual = money(clamped * EMPLOYEE_PENSION_RATE)
        employer = money(clamped * EMPLOYER_PENSION_RATE)
    return PensionSplit(
        base=clamped,
        individual=individual,
        employer=employer,
        to_account=money(clamped * ACCOUNT_SHARE_RATE),
    )

"""Relationship transfer (关系转移接续) of the employee pension between provinces (domain-rules §6).

Sources: 国办发〔2009〕66号 (in force 2010-01-01) with 人社部规〔2016〕5号: who keeps a temporary
account (art. 5), where the pension is paid (art. 6, 12), what money moves (art. 4), and the
agencies' clocks in working days (art. 8); working days on the State Council's holiday notices
(app.domain.holiday_calendar).

The module functions are the API the rest of the portal (and QA) call; they use the project's
defaults. TransferRules and WorkCalendar hold the same rules with other thresholds or another
calendar, for settings and tests.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import msgspec

from app.domain.contributions import DEFAULT_RATES, RateTable, account_balance
from app.domain.holiday_calendar import OFFICIAL_YEARS, OfficialYear
from app.domain.identity import Sex
from app.domain.policy import Policy
from app.domain.regions import province_of

FEN = Decimal("0.01")
MAX_WORKING_DAYS = 1000  # a statutory clock is at most 45 working days; this is a safety cap


# --- Working days -------------------------------------------------------------------------


class CalendarUnknown(LookupError):
    """A day in a year whose holiday notice the portal does not have.

    ``provisional`` (from add_working_days) is the date counted as if the unknown years had no
    holidays and no make-up days: shown as "expected by …, subject to the holiday notice",
    never as a deadline.
    """

    def __init__(self, year: int, provisional: date | None = None) -> None:
        super().__init__(f"no official working-day calendar for {year}")
        self.year = year
        self.provisional = provisional


class WorkCalendar:
    """Working days: weekdays that are not public holidays, plus the weekend make-up days."""

    def __init__(self, years: Mapping[int, OfficialYear]) -> None:
        self._known = frozenset(years)
        self._holidays: frozenset[date] = frozenset(
            first + timedelta(days=k)
            for entry in years.values()
            for first, last in entry.holidays
            for k in range((last - first).days + 1)
        )
        self._make_up: frozenset[date] = frozenset(
            day for entry in years.values() for day in entry.make_up_days
        )

    @property
    def years(self) -> frozenset[int]:
        return self._known

    def knows(self, day: date) -> bool:
        return day.year in self._known

    def is_working_day(self, day: date) -> bool:
        if not self.knows(day):
            raise CalendarUnknown(day.year)
        return self._by_notice(day)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (which is not counted; n = 0 gives start)."""
        if not 0 <= n <= MAX_WORKING_DAYS:
            raise ValueError(f"working days must be 0..{MAX_WORKING_DAYS}, not {n}")
        day, unknown = start, None
        while n:
            day += timedelta(days=1)
            if not self.knows(day):
                unknown = unknown or day.year
                n -= day.weekday() < 5
            else:
                n -= self._by_notice(day)
        if unknown is not None:
            raise CalendarUnknown(unknown, provisional=day)
        return day

    def _by_notice(self, day: date) -> bool:
        if day in self._make_up:
            return True
        return day.weekday() < 5 and day not in self._holidays


OFFICIAL_CALENDAR = WorkCalendar(OFFICIAL_YEARS)


def is_working_day(day: date) -> bool:
    """Official holidays and make-up days; CalendarUnknown for a year without a notice."""
    return OFFICIAL_CALENDAR.is_working_day(day)


def add_working_days(start: date, n: int) -> date:
    """The start day not counted; CalendarUnknown past the shipped years."""
    return OFFICIAL_CALENDAR.add_working_days(start, n)


# --- Transfer or temporary account, place of payment, money ----------------------------------


class TransferKind(enum.StrEnum):
    TRANSFER = "transfer"
    TEMPORARY_ACCOUNT = "temporary_account"  # 临时基本养老保险缴费账户 (art. 5)
    # Urban–rural conversion (人社部发〔2014〕17号, app.domain.scheme_conversion): the
    # residents' scheme into the employee scheme, or the other way.
    TO_EMPLOYEE = "to_employee"
    TO_RESIDENT = "to_resident"

    @property
    def conversion(self) -> bool:
        return self in CONVERSIONS


CONVERSIONS = frozenset({TransferKind.TO_EMPLOYEE, TransferKind.TO_RESIDENT})


def full_years(born: date, on: date) -> int:
    """Age in full years (周岁) on ``on``; one born on 29 February is a year older on 1 March
    in other years."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class LumpSum(msgspec.Struct, frozen=True):
    """Months back-paid in one go, and whether the documents of 人社厅发〔2019〕94号 exist."""

    months: int
    documented: bool


class TransferRules(msgspec.Struct, frozen=True, kw_only=True):
    """The thresholds of §6. The 2025 retirement reform kept 50/40 (a 2026 notice may change
    them: settings, see app.domain.policy)."""

    temporary_from_age_men: int = 50
    temporary_from_age_women: int = 40
    place_of_payment_months: int = 120  # 10 years cumulative, deemed years included
    lump_sum_months: int = 36  # back-paid at once: 3 years or more need the documents
    pooled_rate: Decimal = Decimal("0.12")  # of each recorded monthly base ...
    pooled_from: date = date(1998, 1, 1)  # ... from 1998-01 on

    def kind(
        self, sex: Sex, born: date, starts: date, hukou: str, to: str, approved: bool = False
    ) -> TransferKind:
        """Art. 5: a temporary account for men from 50 and women from 40 (full years on the day
        insurance starts at the new place) moving to a province not their hukou's, unless the
        transfer is an approved official one."""
        returning = province_of(hukou) == province_of(to)
        if returning or approved:
            return TransferKind.TRANSFER
        line = self.temporary_from_age_men if sex is Sex.MALE else self.temporary_from_age_women
        late = full_years(born, starts) >= line
        return TransferKind.TEMPORARY_ACCOUNT if late else TransferKind.TRANSFER

    def place(self, hukou: str, current: str, history: Sequence[tuple[str, int]]) -> str:
        """Art. 6: the hukou place if the relationship is there; else the current place with
        10 years cumulative; else the most recent earlier place with 10 years; else hukou."""
        hukou, current = province_of(hukou), province_of(current)
        if current == hukou:
            return hukou
        totals: dict[str, int] = {}
        for code, months in history:
            if months < 0:
                raise ValueError(f"months cannot be negative: {months}")
            key = province_of(code)
            totals[key] = totals.get(key, 0) + months
        if totals.get(current, 0) >= self.place_of_payment_months:
            return current
        latest_first = dict.fromkeys(province_of(code) for code, _ in reversed(history))
        for code in latest_first:
            if code != current and totals[code] >= self.place_of_payment_months:
                return code
        return hukou

    def pooled(self, bases: Iterable[tuple[date, Decimal]]) -> Decimal:
        """Art. 4: 12 % of the recorded monthly bases from 1998-01 on; no interest; the sum
        is rounded once, half-up to the fen."""
        total = Decimal(0)
        for day, base in bases:
            if base < 0:
                raise ValueError(f"a contribution base cannot be negative: {day} {base}")
            if day >= self.pooled_from:
                total += base
        return (total * self.pooled_rate).quantize(FEN, rounding=ROUND_HALF_UP)

    def months_not_moving(self, lump_sums: Iterable[LumpSum]) -> int:
        """Months of lump sums of 3 years or more without the documents: they do not move."""
        return sum(
            s.months for s in lump_sums if s.months >= self.lump_sum_months and not s.documented
        )


DEFAULT_RULES = TransferRules()


def rules_for(policy: Policy) -> TransferRules:
    """The rules with the thresholds the policy sets."""
    return TransferRules(
        temporary_from_age_men=policy.transfer_temporary_age_men,
        temporary_from_age_women=policy.transfer_temporary_age_women,
        place_of_payment_months=policy.transfer_place_of_payment_months,
    )


def transfer_or_temporary(
    sex: Sex, born: date, starts: date, hukou: str, to: str, approved: bool = False
) -> TransferKind:
    """Transfer, or a temporary account at ``to`` (hukou and to: GB/T 2260 province codes)."""
    return DEFAULT_RULES.kind(sex, born, starts, hukou, to, approved)


def benefit_place(hukou: str, current: str, history: Sequence[tuple[str, int]]) -> str:
    """Where the pension is paid; history oldest first: (province code, months incl. deemed)."""
    return DEFAULT_RULES.place(hukou, current, history)


def pooled_fund_amount(bases: Iterable[tuple[date, Decimal]]) -> Decimal:
    """12 % of the monthly bases dated 1998-01-01 or later, half-up to 0.01."""
    return DEFAULT_RULES.pooled(bases)


def temporary_account_amount(
    yearly: Iterable[tuple[int, Decimal]], rates: RateTable = DEFAULT_RATES
) -> Decimal:
    """Art. 5: a temporary account moves all contributions, employer's and individual's, with
    the account's interest; ``yearly`` holds (year, both parts of that year)."""
    return account_balance(yearly, Decimal(0), rates)


def provincial_history(months: Iterable[tuple[int, int, str]]) -> list[tuple[str, int]]:
    """Paid months (year, month, address code) as the runs benefit_place reads: (province,
    months) oldest first; a gap does not split a run, a month elsewhere does."""
    ordered = sorted({(year, month, province_of(code)) for year, month, code in months})
    return [
        (province, len(list(run)))
        for province, run in itertools.groupby(ordered, key=lambda m: m[2])
    ]


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of paid months in one place: the history kept by segment and region."""

    region: str  # the address code as recorded
    first: tuple[int, int]  # (year, month)
    last: tuple[int, int]
    months: int


def segments(months: Iterable[tuple[int, int, str]]) -> list[Segment]:
    """Paid months (year, month, address code) as runs by place, oldest first; a gap does not
    split a run, a month elsewhere does. The runs' months add up to the months paid."""
    ordered = sorted(set(months))
    found: list[Segment] = []
    for region, run in itertools.groupby(ordered, key=lambda m: m[2]):
        periods = [(year, month) for year, month, _ in run]
        found.append(Segment(region, periods[0], periods[-1], len(periods)))
    return found

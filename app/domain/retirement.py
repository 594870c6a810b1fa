"""Statutory retirement age under the 2025 gradual reform (domain-rules §4).

Everything here counts in whole calendar months: the reform keys the delay to the birth
month, and the retirement month is the birth month plus the statutory age, so the day of
birth never matters.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import NamedTuple

import msgspec

from app.domain.identity import Sex

FLEX_MONTHS = 36  # Art. 3: at most 3 years either side of the statutory age
MIN_CONTRIBUTION_MONTHS = 180  # 15 years, unchanged through 2029
MAX_CONTRIBUTION_MONTHS = 240  # 20 years, the end point of Art. 2
CONTRIBUTION_RISE_FROM = 2030  # Art. 2: the minimum starts rising on 2030-01-01
CONTRIBUTION_RISE_PER_YEAR = 6  # months added each calendar year


class YearMonth(NamedTuple):
    """A calendar month; a plain tuple so callers may unpack or compare it with one."""

    year: int
    month: int


class Age(NamedTuple):
    """An age in whole years and months (0..11)."""

    years: int
    months: int


class Reform(msgspec.Struct, frozen=True):
    """One row of the Art. 1 schedule: who is delayed, from when, how fast, how far."""

    original_age_years: int
    start: YearMonth  # the first birth month that is delayed
    step_months: int  # one month of delay per this many months of birth
    cap_months: int


class Job(enum.StrEnum):
    """A woman's original retirement age depends on her post, not on her sex alone."""

    CADRE = "cadre"  # 管理技术岗位, original age 55
    WORKER = "worker"  # 工人岗位, original age 50


class Category(enum.Enum):
    MALE = "male"
    FEMALE_55 = "female_55"
    FEMALE_50 = "female_50"

    @classmethod
    def from_sex_and_job(cls, sex: Sex | str, job: Job | str) -> Category:
        """Men are one category whatever the post; women split by post (cadre 55, worker 50)."""
        if Sex(sex) is Sex.MALE:
            return cls.MALE
        return cls.FEMALE_55 if Job(job) is Job.CADRE else cls.FEMALE_50

    @property
    def reform(self) -> Reform:
        return REFORMS[self]

    @property
    def original_age_years(self) -> int:
        return self.reform.original_age_years

    @property
    def reform_start(self) -> YearMonth:
        return self.reform.start

    @property
    def step_months(self) -> int:
        return self.reform.step_months

    @property
    def cap_months(self) -> int:
        return self.reform.cap_months


REFORMS: dict[Category, Reform] = {
    Category.MALE: Reform(60, YearMonth(1965, 1), 4, 36),
    Category.FEMALE_55: Reform(55, YearMonth(1970, 1), 4, 36),
    Category.FEMALE_50: Reform(50, YearMonth(1975, 1), 2, 60),
}


class Retirement(msgspec.Struct, frozen=True, kw_only=True):
    """A person's statutory retirement age and the calendar month it is reached."""

    age_years: int
    age_months: int
    year: int
    month: int
    delay_months: int
    original_age_years: int

    @property
    def age(self) -> Age:
        return Age(self.age_years, self.age_months)

    @property
    def age_total_months(self) -> int:
        return self.age_years * 12 + self.age_months

    @property
    def year_month(self) -> YearMonth:
        return YearMonth(self.year, self.month)


def _month_index(year: int, month: int) -> int:
    """Months since year 0, so that month arithmetic is plain integer arithmetic."""
    if not 1 <= month <= 12:
        raise ValueError(f"month must be 1..12, not {month}")
    return year * 12 + month - 1


def _from_index(index: int) -> YearMonth:
    year, month0 = divmod(index, 12)
    return YearMonth(year, month0 + 1)


def _age(total_months: int) -> Age:
    years, months = divmod(total_months, 12)
    return Age(years, months)


def delay_months(birth: date, category: Category) -> int:
    """Art. 1: one month per ``step`` months born after the start, the first month included."""
    reform = category.reform
    born_after = _month_index(birth.year, birth.month) - _month_index(*reform.start)
    if born_after < 0:
        return 0
    return min(reform.cap_months, born_after // reform.step_months + 1)


def statutory_age_months(birth: date, category: Category) -> int:
    """The statutory age in months: the original age plus the delay."""
    return category.original_age_years * 12 + delay_months(birth, category)


def statutory_retirement(birth: date, category: Category) -> Retirement:
    delay = delay_months(birth, category)
    age = _age(category.original_age_years * 12 + delay)
    when = retirement_month_at(birth, age.years * 12 + age.months)
    return Retirement(
        age_years=age.years,
        age_months=age.months,
        year=when.year,
        month=when.month,
        delay_months=delay,
        original_age_years=category.original_age_years,
    )


def minimum_contribution_months(year: int) -> int:
    """Art. 2: 180 months through 2029, then 6 more for each year, stopping at 240.

    ``year`` is the calendar year of retirement, which is what decides the minimum.
    """
    rises = max(0, year - CONTRIBUTION_RISE_FROM + 1)
    return min(
        MAX_CONTRIBUTION_MONTHS, MIN_CONTRIBUTION_MONTHS + CONTRIBUTION_RISE_PER_YEAR * rises
    )


def _window_bounds(birth: date, category: Category) -> tuple[int, int]:
    """Art. 3 in months of age: up to 3 years early (never below the original age) or late."""
    statutory = statutory_age_months(birth, category)
    earliest = max(statutory - FLEX_MONTHS, category.original_age_years * 12)
    return earliest, statutory + FLEX_MONTHS


def flexible_window(birth: date, category: Category) -> tuple[Age, Age]:
    """The earliest and latest ages a person may choose to retire at.

    Only the ages: early retirement also needs the minimum contribution met and late
    retirement the employer's written agreement, which callers check themselves.
    """
    earliest, latest = _window_bounds(birth, category)
    return _age(earliest), _age(latest)


def window_months(birth: date, category: Category) -> list[YearMonth]:
    """Every calendar month inside the flexible window, earliest first (for a picker)."""
    earliest, latest = _window_bounds(birth, category)
    return [retirement_month_at(birth, age) for age in range(earliest, latest + 1)]


def retirement_month_at(birth: date, age_months_total: int) -> YearMonth:
    """The calendar month in which someone born in ``birth``'s month reaches this age."""
    if age_months_total < 0:
        raise ValueError("age must not be negative")
    return _from_index(_month_index(birth.year, birth.month) + age_months_total)


def age_at_month(birth: date, year: int, month: int) -> Age:
    """The age reached in a calendar month, counted in whole months from the birth month."""
    total = _month_index(year, month) - _month_index(birth.year, birth.month)
    if total < 0:
        raise ValueError("the month is before the birth month")
    return _age(total)

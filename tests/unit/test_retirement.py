from datetime import date

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.identity import Sex
from app.domain.retirement import (
    Age,
    Category,
    Job,
    YearMonth,
    age_at_month,
    delay_months,
    flexible_window,
    minimum_contribution_months,
    retirement_month_at,
    statutory_retirement,
    window_months,
)

MALE, F55, F50 = Category.MALE, Category.FEMALE_55, Category.FEMALE_50

# domain-rules §4 table: birth month, category -> (age years, months), retirement month, min years.
TABLE = [
    ((1964, 12), MALE, (60, 0), (2024, 12), 15),
    ((1965, 1), MALE, (60, 1), (2025, 2), 15),
    ((1965, 5), MALE, (60, 2), (2025, 7), 15),
    ((1965, 12), MALE, (60, 3), (2026, 3), 15),
    ((1970, 1), MALE, (61, 4), (2031, 5), 16),
    ((1976, 8), MALE, (62, 11), (2039, 7), 20),
    ((1976, 9), MALE, (63, 0), (2039, 9), 20),
    ((1971, 4), F55, (55, 4), (2026, 8), 15),
    ((1981, 9), F55, (58, 0), (2039, 9), 20),
    ((1975, 3), F50, (50, 2), (2025, 5), 15),
    ((1984, 11), F50, (55, 0), (2039, 11), 20),
]

# §4 test vectors from repos: birth month, category -> retirement month, age in months, delay.
VECTORS = [
    ((1965, 12), MALE, (2026, 3), 60 * 12 + 3, 3),
    ((1995, 12), F50, (2050, 12), 55 * 12, 60),
    ((1963, 4), F55, (2018, 4), 55 * 12, 0),
]

births = st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31))
categories = st.sampled_from(list(Category))


@pytest.mark.parametrize(("born", "category", "age", "retires", "min_years"), TABLE)
def test_statutory_table(born, category, age, retires, min_years):
    r = statutory_retirement(birth=date(*born, 15), category=category)
    assert (r.age_years, r.age_months) == age
    assert (r.year, r.month) == retires
    assert minimum_contribution_months(r.year) == min_years * 12


@pytest.mark.parametrize(("born", "category", "retires", "age_months", "delay"), VECTORS)
def test_repo_vectors(born, category, retires, age_months, delay):
    r = statutory_retirement(birth=date(*born, 1), category=category)
    assert (r.year, r.month) == retires
    assert r.age_total_months == age_months
    assert r.delay_months == delay


def test_brief_example_and_struct():
    r = statutory_retirement(birth=date(1965, 5, 10), category=Category.MALE)
    assert (r.age_years, r.age_months, r.year, r.month, r.delay_months) == (60, 2, 2025, 7, 2)
    assert r.original_age_years == 60
    assert r.age == Age(60, 2)
    assert r.year_month == YearMonth(2025, 7)
    with pytest.raises(AttributeError):
        r.year = 2030  # frozen value object
    assert msgspec.json.decode(msgspec.json.encode(r), type=type(r)) == r


def test_day_of_birth_does_not_matter():
    first = statutory_retirement(birth=date(1970, 1, 1), category=MALE)
    last = statutory_retirement(birth=date(1970, 1, 31), category=MALE)
    assert first == last


def test_category_parameters():
    assert [c.original_age_years for c in Category] == [60, 55, 50]
    assert [c.reform_start for c in Category] == [(1965, 1), (1970, 1), (1975, 1)]
    assert [c.step_months for c in Category] == [4, 4, 2]
    assert [c.cap_months for c in Category] == [36, 36, 60]


def test_delay_boundaries():
    # The first delayed birth month gets one month; the month before gets none.
    assert delay_months(date(1964, 12, 31), MALE) == 0
    assert delay_months(date(1965, 1, 1), MALE) == 1
    assert delay_months(date(1965, 4, 1), MALE) == 1
    assert delay_months(date(1965, 5, 1), MALE) == 2
    assert delay_months(date(1975, 2, 1), F50) == 1
    assert delay_months(date(1975, 3, 1), F50) == 2
    # The cap is reached exactly at the last table rows and then holds.
    assert delay_months(date(1976, 8, 1), MALE) == 35
    assert delay_months(date(1976, 9, 1), MALE) == 36
    assert delay_months(date(2000, 1, 1), MALE) == 36
    assert delay_months(date(1984, 10, 1), F50) == 59
    assert delay_months(date(1984, 11, 1), F50) == 60


@pytest.mark.parametrize(
    ("sex", "job", "category"),
    [
        ("male", "cadre", MALE),
        ("male", "worker", MALE),
        (Sex.MALE, Job.WORKER, MALE),
        ("female", "cadre", F55),
        (Sex.FEMALE, Job.CADRE, F55),
        ("female", "worker", F50),
        (Sex.FEMALE, "worker", F50),
    ],
)
def test_category_from_sex_and_job(sex, job, category):
    assert Category.from_sex_and_job(sex, job) is category


@pytest.mark.parametrize(("sex", "job"), [("m", "cadre"), ("female", "manager"), ("", "")])
def test_category_from_unknown_values(sex, job):
    with pytest.raises(ValueError):
        Category.from_sex_and_job(sex, job)


@pytest.mark.parametrize(
    ("year", "months"),
    [
        (2020, 180),
        (2029, 180),
        (2030, 186),
        (2031, 192),
        (2035, 216),
        (2038, 234),
        (2039, 240),
        (2040, 240),
        (2100, 240),
    ],
)
def test_minimum_contribution_months(year, months):
    assert minimum_contribution_months(year) == months


def test_flexible_example_woman_worker_born_1980_06():
    birth = date(1980, 6, 1)
    r = statutory_retirement(birth=birth, category=F50)
    assert r.age == (52, 9)
    earliest, latest = flexible_window(birth=birth, category=F50)
    assert (earliest, latest) == ((50, 0), (55, 9))  # 49y9m is clamped to the original 50
    months = window_months(birth, F50)
    assert months[0] == (2030, 6)
    assert months[-1] == (2036, 3)
    assert len(months) == 5 * 12 + 9 + 1
    assert (r.year, r.month) in months


def test_flexible_window_without_clamp():
    # A man born 1976-09 (statutory 63y0m) may go from 60y0m to 66y0m.
    assert flexible_window(birth=date(1976, 9, 1), category=MALE) == ((60, 0), (66, 0))
    # A man born 1970-01 (61y4m): 3 years early would be 58y4m, clamped to 60y0m.
    assert flexible_window(birth=date(1970, 1, 1), category=MALE) == ((60, 0), (64, 4))
    # Before the reform there is no early window at all.
    assert flexible_window(birth=date(1960, 3, 1), category=F55) == ((55, 0), (58, 0))


def test_month_helpers():
    birth = date(1965, 5, 10)
    assert retirement_month_at(birth, 0) == (1965, 5)
    assert retirement_month_at(birth, 7) == (1965, 12)
    assert retirement_month_at(birth, 8) == (1966, 1)
    assert retirement_month_at(birth, 60 * 12 + 2) == YearMonth(2025, 7)
    assert age_at_month(birth, 2025, 7) == Age(60, 2)
    assert age_at_month(birth, 2026, 4) == (60, 11)
    assert age_at_month(birth, 1965, 5) == (0, 0)


def test_month_helpers_reject_bad_input():
    birth = date(1965, 5, 10)
    with pytest.raises(ValueError):
        retirement_month_at(birth, -1)
    with pytest.raises(ValueError):
        age_at_month(birth, 1965, 4)
    with pytest.raises(ValueError):
        age_at_month(birth, 2025, 13)
    with pytest.raises(ValueError):
        age_at_month(birth, 2025, 0)


@given(births, births, categories)
def test_delay_never_decreases_and_never_exceeds_cap(a, b, category):
    earlier, later = sorted((a, b))
    first = statutory_retirement(birth=earlier, category=category)
    second = statutory_retirement(birth=later, category=category)
    assert 0 <= first.delay_months <= second.delay_months <= category.cap_months
    assert first.year_month <= second.year_month


@given(births, categories)
def test_statutory_age_is_original_plus_delay(birth, category):
    r = statutory_retirement(birth=birth, category=category)
    assert r.age_total_months == category.original_age_years * 12 + r.delay_months
    assert r.year_month == retirement_month_at(birth, r.age_total_months)
    assert age_at_month(birth, r.year, r.month) == r.age


@given(births, categories)
def test_window_bounds(birth, category):
    r = statutory_retirement(birth=birth, category=category)
    earliest, latest = flexible_window(birth=birth, category=category)
    early = earliest.years * 12 + earliest.months
    late = latest.years * 12 + latest.months
    assert category.original_age_years * 12 <= early <= r.age_total_months
    assert r.age_total_months - early <= 36
    assert late == r.age_total_months + 36


@given(births, categories)
def test_window_months_are_consecutive_and_match_the_window(birth, category):
    months = window_months(birth, category)
    earliest, latest = flexible_window(birth=birth, category=category)
    assert age_at_month(birth, *months[0]) == earliest
    assert age_at_month(birth, *months[-1]) == latest
    indexes = [y * 12 + m for y, m in months]
    assert indexes == list(range(indexes[0], indexes[0] + len(months)))


@given(st.integers(1900, 2200), st.integers(1900, 2200))
def test_minimum_months_monotone_and_bounded(a, b):
    lo, hi = sorted((a, b))
    assert 180 <= minimum_contribution_months(lo) <= minimum_contribution_months(hi) <= 240


@given(births, st.integers(0, 1200))
def test_month_helpers_round_trip(birth, months):
    year, month = retirement_month_at(birth, months)
    assert 1 <= month <= 12
    years, rest = age_at_month(birth, year, month)
    assert years * 12 + rest == months

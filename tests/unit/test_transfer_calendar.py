"""Working days on the official calendar (domain-rules §6, the State Council's holiday notices)."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.holiday_calendar import OFFICIAL_YEARS, OfficialYear
from app.domain.transfer import (
    MAX_WORKING_DAYS,
    CalendarUnknown,
    WorkCalendar,
    add_working_days,
    is_working_day,
)

SHIPPED = st.dates(min_value=date(2025, 1, 1), max_value=date(2026, 12, 31))


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


# --- the data file itself -------------------------------------------------------------------


def test_2025_and_2026_are_shipped_with_their_notices():
    assert {2025, 2026} <= set(OFFICIAL_YEARS)
    assert "国办发明电〔2024〕12号" in OFFICIAL_YEARS[2025].notice
    assert "2026年部分节假日安排" in OFFICIAL_YEARS[2026].notice


@pytest.mark.parametrize("year", sorted(OFFICIAL_YEARS))
def test_each_entry_is_consistent(year):
    entry = OFFICIAL_YEARS[year]
    off = {d for first, last in entry.holidays for d in days(first, last)}
    for first, last in entry.holidays:
        assert first <= last and first.year == last.year == year
    for day in entry.make_up_days:
        assert day.year == year and day.weekday() >= 5, day  # make-up days are weekend days
        assert day not in off


@pytest.mark.parametrize(
    ("year", "holidays", "make_up"),
    [
        # 国办发明电〔2024〕12号: 8-day Spring Festival and National Day, 5-day May Day.
        (2025, 28, 5),
        # 2025-11-04 notice: 3 + 9 + 3 + 5 + 3 + 3 + 7.
        (2026, 33, 6),
    ],
)
def test_days_off_and_make_up_days_add_up_as_the_notices_say(year, holidays, make_up):
    entry = OFFICIAL_YEARS[year]
    assert sum((last - first).days + 1 for first, last in entry.holidays) == holidays
    assert len(entry.make_up_days) == make_up


# --- is_working_day -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28),
        date(2025, 10, 11), date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28),
        date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10),
    ],
)  # fmt: skip
def test_make_up_weekend_days_are_working_days(day):
    assert day.weekday() >= 5
    assert is_working_day(day)


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 1, 1), date(2025, 1, 28), date(2025, 2, 4), date(2025, 4, 4),
        date(2025, 5, 5), date(2025, 6, 2), date(2025, 10, 8), date(2026, 1, 2),
        date(2026, 2, 23), date(2026, 4, 6), date(2026, 5, 5), date(2026, 6, 19),
        date(2026, 9, 25), date(2026, 10, 7),
    ],
)  # fmt: skip
def test_holidays_on_weekdays_are_not_working_days(day):
    assert day.weekday() < 5
    assert not is_working_day(day)


def test_ordinary_days():
    assert is_working_day(date(2026, 3, 2))  # a Monday
    assert not is_working_day(date(2026, 3, 7))  # a Saturday
    assert not is_working_day(date(2026, 3, 8))  # a Sunday


@pytest.mark.parametrize("day", [date(2027, 1, 1), date(2027, 6, 7), date(2024, 12, 31)])
def test_a_year_without_a_notice_is_unknown(day):
    with pytest.raises(CalendarUnknown) as raised:
        is_working_day(day)
    assert raised.value.year == day.year
    assert raised.value.provisional is None


@given(SHIPPED)
def test_a_working_day_is_a_weekday_off_no_holiday_or_a_make_up_day(day):
    entry = OFFICIAL_YEARS[day.year]
    off = any(first <= day <= last for first, last in entry.holidays)
    expected = day in entry.make_up_days or (day.weekday() < 5 and not off)
    assert is_working_day(day) is expected


# --- add_working_days -----------------------------------------------------------------------


def test_the_rules_examples():
    assert add_working_days(date(2026, 9, 25), 15) == date(2026, 10, 22)
    assert add_working_days(date(2026, 4, 30), 5) == date(2026, 5, 11)


def test_the_start_day_is_not_counted():
    assert add_working_days(date(2026, 3, 2), 1) == date(2026, 3, 3)  # Monday -> Tuesday
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday -> Monday
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)  # from a Saturday
    assert add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)


def test_make_up_saturdays_count():
    # Friday 2026-02-13: the next working day is the make-up Saturday 2026-02-14; then the
    # Spring Festival runs to 2026-02-23, so the second is Tuesday 2026-02-24.
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    # The make-up Saturday 2026-02-28 counts: Friday 27th + 1.
    assert add_working_days(date(2026, 2, 27), 1) == date(2026, 2, 28)


def test_across_the_new_year_of_two_known_years():
    # 2025-12-31 (Wed) + 1: 2026-01-01..03 off, Sunday 2026-01-04 is a make-up day.
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 4)
    assert add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)


def test_past_2026_the_deadline_is_only_provisional():
    with pytest.raises(CalendarUnknown) as raised:
        add_working_days(date(2026, 12, 24), 15)
    assert raised.value.year == 2027
    # 2026-12-25 (Fri), 28-31 (4) = 5 in 2026; then 10 weekdays of 2027: Jan 1 ... Jan 14.
    assert raised.value.provisional == date(2027, 1, 14)


def test_ending_on_the_last_known_day_is_not_provisional():
    assert add_working_days(date(2026, 12, 30), 1) == date(2026, 12, 31)
    with pytest.raises(CalendarUnknown):
        add_working_days(date(2026, 12, 31), 1)


def test_before_the_shipped_years_is_unknown_too():
    with pytest.raises(CalendarUnknown) as raised:
        add_working_days(date(2024, 12, 20), 3)
    assert raised.value.year == 2024


@pytest.mark.parametrize("n", [-1, MAX_WORKING_DAYS + 1])
def test_a_count_out_of_range_is_refused(n):
    with pytest.raises(ValueError, match="working days"):
        add_working_days(date(2026, 3, 2), n)


@given(SHIPPED, st.integers(min_value=0, max_value=45))
def test_add_working_days_counts_exactly_n_working_days(start, n):
    try:
        end = add_working_days(start, n)
    except CalendarUnknown:
        return
    between = days(start + timedelta(days=1), end) if n else []
    assert sum(is_working_day(d) for d in between) == n
    assert n == 0 or is_working_day(end)


def test_an_operator_adds_a_year():
    extra = {
        **OFFICIAL_YEARS,
        2027: OfficialYear(
            notice="test", holidays=((date(2027, 1, 1), date(2027, 1, 1)),), make_up_days=()
        ),
    }
    calendar = WorkCalendar(extra)
    assert calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert not calendar.is_working_day(date(2027, 1, 1))

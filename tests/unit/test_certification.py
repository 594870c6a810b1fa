from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.certification import (
    CertificationState,
    add_months,
    certification_state,
    days_left,
    due_date,
    next_valid_until,
)

LAST = date(2024, 3, 15)  # due 2025-03-15


def test_due_date_is_twelve_calendar_months_later() -> None:
    assert due_date(LAST) == date(2025, 3, 15)
    assert next_valid_until(date(2025, 3, 16)) == date(2026, 3, 16)


@pytest.mark.parametrize(
    ("today", "state", "left"),
    [
        (date(2024, 3, 15), "valid", 365),
        (date(2025, 2, 12), "valid", 31),  # 31 days before
        (date(2025, 2, 13), "due", 30),  # exactly 30 days before
        (date(2025, 3, 14), "due", 1),
        (date(2025, 3, 15), "due", 0),  # the due date itself is still in the cycle
        (date(2025, 3, 16), "overdue", -1),  # the day after
        (date(2026, 1, 1), "overdue", -292),
    ],
)
def test_states_at_the_boundaries(today: date, state: str, left: int) -> None:
    assert certification_state(LAST, today) == state
    assert days_left(LAST, today) == left


def test_never_certified_is_overdue_and_suspends_payments() -> None:
    state = certification_state(None, date(2025, 1, 1))
    assert state is CertificationState.OVERDUE
    assert certification_state(None, date(1990, 1, 1)) == "overdue"
    assert state.suspends_payments
    assert not CertificationState.DUE.suspends_payments
    assert not CertificationState.VALID.suspends_payments


def test_a_leap_day_certification_is_due_on_28_february() -> None:
    leap = date(2024, 2, 29)
    assert due_date(leap) == date(2025, 2, 28)
    assert certification_state(leap, date(2025, 1, 28)) == "valid"
    assert certification_state(leap, date(2025, 1, 29)) == "due"
    assert certification_state(leap, date(2025, 2, 28)) == "due"
    assert certification_state(leap, date(2025, 3, 1)) == "overdue"
    assert due_date(leap, cycle_months=48) == date(2028, 2, 29)


def test_the_due_window_counts_a_leap_february() -> None:
    last = date(2023, 3, 31)  # due 2024-03-31; 30 days earlier is 2024-03-01
    assert certification_state(last, date(2024, 2, 29)) == "valid"
    assert certification_state(last, date(2024, 3, 1)) == "due"


def test_certifying_again_makes_it_valid() -> None:
    today = date(2025, 4, 2)
    assert certification_state(LAST, today) == "overdue"
    assert certification_state(today, today) == "valid"
    assert next_valid_until(today) == date(2026, 4, 2)


def test_cycle_and_window_are_settings() -> None:
    assert certification_state(LAST, date(2025, 3, 7), due_days=7) == "valid"
    assert certification_state(LAST, date(2025, 3, 8), due_days=7) == "due"
    assert certification_state(LAST, date(2024, 9, 15), cycle_months=6) == "due"
    assert certification_state(LAST, date(2024, 9, 16), cycle_months=6) == "overdue"
    with pytest.raises(ValueError):
        due_date(LAST, cycle_months=0)
    with pytest.raises(ValueError):
        certification_state(LAST, LAST, due_days=-1)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 8, 31), 1, date(2024, 9, 30)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(
    last=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    offset=st.integers(min_value=-30, max_value=800),
)
def test_state_agrees_with_days_left(last: date, offset: int) -> None:
    today = last + timedelta(days=offset)
    left = days_left(last, today)
    expected = "overdue" if left < 0 else "due" if left <= 30 else "valid"
    assert certification_state(last, today) == expected
    due = due_date(last)
    assert (due.year - last.year, due.month) == (1, last.month)
    assert due.day <= last.day

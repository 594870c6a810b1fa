"""Treatment eligibility certification (待遇资格认证, domain-rules §7).

A pensioner certifies at least once per cycle (12 months); once the due date passes, payments
are suspended until they certify again, and the missed months are then back-paid.
"""

from __future__ import annotations

import calendar
import enum
from datetime import date, timedelta

CYCLE_MONTHS = 12  # ≤ 12 months since the last certification (§7)
DUE_DAYS = 30  # the "due" window opens this many days before the due date
REMINDER_DAYS = (30, 7)  # reminders before the due date (§7 DEFAULT)


class CertificationState(enum.StrEnum):
    VALID = "valid"
    DUE = "due"  # within the window before the due date: remind, still paid
    OVERDUE = "overdue"  # past the due date (or never certified): payments suspended

    @property
    def suspends_payments(self) -> bool:
        return self is CertificationState.OVERDUE


def add_months(day: date, months: int) -> date:
    """Calendar months later; a day the target month lacks becomes its last day (Feb 29 → 28)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(last_certified: date, cycle_months: int = CYCLE_MONTHS) -> date:
    """The last day the certification still counts: last certification + the cycle."""
    if cycle_months < 1:
        raise ValueError("the cycle must be at least one month")
    return add_months(last_certified, cycle_months)


def next_valid_until(certified_on: date, cycle_months: int = CYCLE_MONTHS) -> date:
    """How long a certification made on ``certified_on`` keeps payments going."""
    return due_date(certified_on, cycle_months)


def days_left(last_certified: date, today: date, cycle_months: int = CYCLE_MONTHS) -> int:
    """Days from today to the due date: 0 on the due date, negative once overdue."""
    return (due_date(last_certified, cycle_months) - today).days


def certification_state(
    last_certified: date | None,
    today: date,
    *,
    cycle_months: int = CYCLE_MONTHS,
    due_days: int = DUE_DAYS,
) -> CertificationState:
    """VALID, DUE in the ``due_days`` before the due date, OVERDUE after it.

    The due date itself is DUE, not OVERDUE: it is the last day of the cycle, so a pensioner who
    certifies that day is on time. Never certified counts as OVERDUE: nothing backs a payment.
    """
    if due_days < 0:
        raise ValueError("due_days cannot be negative")
    if last_certified is None:
        return CertificationState.OVERDUE
    due = due_date(last_certified, cycle_months)
    if today > due:
        return CertificationState.OVERDUE
    if today >= due - timedelta(days=due_days):
        return CertificationState.DUE
    return CertificationState.VALID

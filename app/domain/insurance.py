"""A person's social insurance at a glance (issue 15 points 7-9; domain-rules §5, §7, §8, §9).

For each of the four lines of art. 64 (pension; medical with maternity; unemployment; work
injury) it says which scheme the person is in (employee or residents'), the state of it
(contributing, suspended, ended, drawing; or enrolled and waiting for the first payment, or
not insured), the months paid and unpaid, the next deadline and which agency keeps the record.

It also decides who may enrol in the residents' schemes: medical (a child or an uninsured adult,
never while in the employee scheme for the same period: a person is in one scheme only, §8) and
pension (16 or over, under the pension age, not a full-time student, not in the employee
scheme, at the hukou place, §5).

Pure functions over what the records say; the services read the records.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Set
from dataclasses import dataclass, replace
from datetime import date, timedelta

from app.domain.certification import DUE_DAYS as CERTIFICATION_DUE_DAYS
from app.domain.certification import CertificationState, certification_state, due_date
from app.domain.contributions import Line, Period, Status
from app.domain.policy import Policy
from app.domain.premiums import (
    PensionRefusal,
    collection_window,
    premium_year_open,
    resident_pension_refusal,
    waiting_months,
)
from app.domain.transfer import full_years

# A paid month among the last three (before this one) means the employer pays still: a month's
# contributions are recorded after it ends, and a late record is common.
RECENT_MONTHS = 3


class Scheme(enum.StrEnum):
    EMPLOYEE = "employee"
    RESIDENT = "resident"


class State(enum.StrEnum):
    CONTRIBUTING = "contributing"
    SUSPENDED = "suspended"  # 暂停: no contributions lately, or a pension held back
    ENDED = "ended"  # 终止: at retirement, or a residents' year left unpaid
    DRAWING = "drawing"  # 享受待遇: a pension paid, or a retiree's medical cover
    ENROLLED = "enrolled"  # registered here, its first premium or contribution not yet paid
    NOT_INSURED = "not_insured"


class Reason(enum.StrEnum):
    """Why a line is in its state, where more than the state needs saying."""

    CERTIFICATION_OVERDUE = "certification_overdue"  # §7: payments suspended
    INTERRUPTED = "interrupted"  # the last month on record is a break (断缴)
    STOPPED = "stopped"  # no contribution in the recent months
    RETIRED = "retired"  # unemployment and work injury end at retirement; medical goes on
    LAPSED = "lapsed"  # residents' medical: this year's premium was not paid
    PENSION_AGE = "pension_age"  # residents' pension: at the age it is drawn, not paid into


class Agency(enum.StrEnum):
    """Who keeps the record. Contributions are collected by the tax authority for all four
    lines (since 2019), and pensions and benefits are paid by the agency that keeps it."""

    SOCIAL_INSURANCE = "social_insurance"  # 社会保险经办机构: pension, unemployment, work injury
    MEDICAL_INSURANCE = "medical_insurance"  # 医疗保障经办机构: medical with maternity


AGENCY = {
    Line.PENSION: Agency.SOCIAL_INSURANCE,
    Line.MEDICAL: Agency.MEDICAL_INSURANCE,
    Line.UNEMPLOYMENT: Agency.SOCIAL_INSURANCE,
    Line.WORK_INJURY: Agency.SOCIAL_INSURANCE,
}
COLLECTOR = "tax"  # 税务部门 collects every contribution and premium, and refunds them


class DeadlineKind(enum.StrEnum):
    PREMIUM = "premium"  # residents' medical: the collection window of a coverage year
    CERTIFICATION = "certification"  # §7: the yearly eligibility certification
    CONTRIBUTION = "contribution"  # residents' pension: this year's contribution


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: DeadlineKind
    on: date
    year: int | None = None  # the coverage or contribution year
    opens: date | None = None  # a window not open yet: from when


@dataclass(frozen=True, slots=True)
class YearRecords:
    """One year of one line and scheme in one status and region, as the records sum it up."""

    line: str
    scheme: str
    status: str
    region_code: str
    year: int
    months: int  # months covered (a residents' yearly payment covers 12)
    last_month: int  # the latest month of that year on record


@dataclass(frozen=True, slots=True)
class Facts:
    """What the registry says of the person."""

    birth_date: date
    hukou: str  # the address code of the household registration
    pensioner: bool  # draws a pension (or retired from employment)
    last_certified_on: date | None = None


@dataclass(frozen=True, slots=True)
class Enrolled:
    """An enrolment in a residents' scheme made here: from its first year."""

    scheme_line: str  # "medical" or "pension"
    first_year: int
    on: date


@dataclass(frozen=True, slots=True)
class LineStatus:
    line: Line
    scheme: Scheme | None  # None: not insured in this line
    state: State
    agency: Agency
    paid_months: int = 0
    unpaid_months: int = 0  # arrears and breaks (employee); years left unpaid (residents')
    region_code: str | None = None  # where the record is kept
    reason: Reason | None = None
    deadline: Deadline | None = None
    enrolled: Enrolled | None = None

    @property
    def maternity(self) -> bool:
        """Maternity insurance is part of the employee medical insurance (国办发〔2019〕10号)."""
        return self.line is Line.MEDICAL and self.scheme is Scheme.EMPLOYEE


def _previous_month(today: date) -> Period:
    day = today.replace(day=1) - timedelta(days=1)
    return Period(day.year, day.month)


def _last_period(rows: Iterable[YearRecords]) -> Period | None:
    return max((Period(r.year, r.last_month) for r in rows), default=None)


def _recent(rows: list[YearRecords], today: date) -> bool:
    """A paid month among the last RECENT_MONTHS before this one."""
    last = _last_period(r for r in rows if r.status == Status.PAID)
    return last is not None and _previous_month(today).index - last.index < RECENT_MONTHS


def _months(rows: Iterable[YearRecords], *statuses: str) -> int:
    return sum(r.months for r in rows if r.status in statuses)


def _region(rows: list[YearRecords]) -> str | None:
    latest = max(rows, key=lambda r: (r.year, r.last_month), default=None)
    return latest.region_code if latest else None


def _of(records: Iterable[YearRecords], line: Line, scheme: Scheme) -> list[YearRecords]:
    return [r for r in records if r.line == line and r.scheme == scheme]


def paid_years(rows: Iterable[YearRecords]) -> set[int]:
    return {r.year for r in rows if r.status == Status.PAID}


def _employee_status(line: Line, rows: list[YearRecords], facts: Facts, today: date) -> LineStatus:
    """An employee line: contributing while an employer pays, suspended when they stopped (or
    the last month is a break), ended at retirement (medical goes on without contributions)."""
    base = LineStatus(
        line=line,
        scheme=Scheme.EMPLOYEE,
        state=State.CONTRIBUTING,
        agency=AGENCY[line],
        paid_months=_months(rows, Status.PAID),
        unpaid_months=_months(rows, Status.ARREARS, Status.INTERRUPTED),
        region_code=_region(rows),
    )
    if facts.pensioner:
        state = State.DRAWING if line is Line.MEDICAL else State.ENDED
        return replace(base, state=state, reason=Reason.RETIRED)
    if _recent(rows, today):
        return base
    latest = max(rows, key=lambda r: (r.year, r.last_month))
    reason = Reason.INTERRUPTED if latest.status == Status.INTERRUPTED else Reason.STOPPED
    return replace(base, state=State.SUSPENDED, reason=reason)


def _not_insured(line: Line, enrolled: Enrolled | None = None) -> LineStatus:
    if enrolled is not None:
        return LineStatus(
            line=line,
            scheme=Scheme.RESIDENT,
            state=State.ENROLLED,
            agency=AGENCY[line],
            enrolled=enrolled,
        )
    return LineStatus(line=line, scheme=None, state=State.NOT_INSURED, agency=AGENCY[line])


def premium_deadline(covered: Set[int], today: date, policy: Policy) -> Deadline | None:
    """The residents' medical premium still to pay: next year's while its window is open,
    this year's if it is not covered; otherwise next year's window, once it opens."""
    window = policy.medical_collection_window
    collecting = premium_year_open(today, window)
    if collecting is not None and collecting not in covered:
        first, last = collection_window(collecting, window)
        return Deadline(DeadlineKind.PREMIUM, last, collecting)
    if today.year not in covered:
        return Deadline(DeadlineKind.PREMIUM, date(today.year, 12, 31), today.year)
    if today.year + 1 not in covered:
        first, last = collection_window(today.year + 1, window)
        return Deadline(DeadlineKind.PREMIUM, last, today.year + 1, opens=first)
    return None


def _resident_medical(
    rows: list[YearRecords], enrolled: Enrolled | None, today: date, policy: Policy
) -> LineStatus:
    covered = paid_years(rows)
    if not covered:
        status = _not_insured(Line.MEDICAL, enrolled)
        if enrolled is None:
            return status
        _, last = collection_window(enrolled.first_year, policy.medical_collection_window)
        on = last if today <= last else date(enrolled.first_year, 12, 31)
        deadline = Deadline(DeadlineKind.PREMIUM, on, enrolled.first_year)
        return replace(status, deadline=deadline)
    first_year = min(covered)
    gaps = [y for y in range(first_year, today.year + 1) if y not in covered]
    current = any(y >= today.year for y in covered)
    waiting = enrolled if enrolled is not None and enrolled.first_year not in covered else None
    state = State.CONTRIBUTING if current else State.ENROLLED if waiting else State.ENDED
    return LineStatus(
        line=Line.MEDICAL,
        scheme=Scheme.RESIDENT,
        state=state,
        agency=AGENCY[Line.MEDICAL],
        paid_months=_months(rows, Status.PAID),
        unpaid_months=12 * len(gaps),
        region_code=_region(rows),
        reason=None if current or waiting else Reason.LAPSED,
        deadline=premium_deadline(covered, today, policy),
        enrolled=waiting,
    )


def _resident_pension(
    rows: list[YearRecords], facts: Facts, enrolled: Enrolled | None, today: date, policy: Policy
) -> LineStatus:
    paid = paid_years(rows)
    if not paid and enrolled is None:
        return _not_insured(Line.PENSION)
    this_year = Deadline(DeadlineKind.CONTRIBUTION, date(today.year, 12, 31), today.year)
    gaps = (
        [y for y in range(min(paid), min(today.year, max(paid) + 1)) if y not in paid]
        if paid
        else []
    )
    base = LineStatus(
        line=Line.PENSION,
        scheme=Scheme.RESIDENT,
        state=State.CONTRIBUTING,
        agency=AGENCY[Line.PENSION],
        paid_months=_months(rows, Status.PAID),
        unpaid_months=12 * len(gaps),
        region_code=_region(rows) or facts.hukou,
    )
    if full_years(facts.birth_date, today) >= policy.residents_pension_age:
        return replace(base, state=State.SUSPENDED, reason=Reason.PENSION_AGE)
    if today.year in paid:
        return base
    if enrolled is not None and enrolled.first_year == today.year:
        return replace(base, state=State.ENROLLED, deadline=this_year, enrolled=enrolled)
    if today.year - 1 in paid:
        return replace(base, deadline=this_year)
    return replace(base, state=State.SUSPENDED, reason=Reason.STOPPED, deadline=this_year)


def _drawing_pension(status: LineStatus, facts: Facts, today: date) -> LineStatus:
    """A pension in payment: drawing while certified, suspended once certification is
    overdue (§7); its deadline is the next certification."""
    cert = certification_state(facts.last_certified_on, today)
    deadline = (
        Deadline(DeadlineKind.CERTIFICATION, due_date(facts.last_certified_on))
        if facts.last_certified_on
        else None
    )
    overdue = cert is CertificationState.OVERDUE
    return replace(
        status,
        state=State.SUSPENDED if overdue else State.DRAWING,
        reason=Reason.CERTIFICATION_OVERDUE if overdue else None,
        deadline=deadline,
    )


def _pension(
    records: list[YearRecords],
    facts: Facts,
    enrolled: Enrolled | None,
    today: date,
    policy: Policy,
) -> LineStatus:
    employee = _of(records, Line.PENSION, Scheme.EMPLOYEE)
    resident = _of(records, Line.PENSION, Scheme.RESIDENT)
    employee_last = _last_period(employee)
    resident_last = _last_period(resident)
    use_employee = employee_last is not None and (
        resident_last is None or employee_last >= resident_last or facts.pensioner
    )
    if use_employee:
        status = _employee_status(Line.PENSION, employee, facts, today)
        if facts.pensioner:
            return _drawing_pension(status, facts, today)
        if status.state is State.CONTRIBUTING or enrolled is None:
            return status
    found = _resident_pension(resident, facts, enrolled, today, policy)
    if facts.pensioner and found.scheme is not None:
        return _drawing_pension(found, facts, today)
    return found


def _medical(
    records: list[YearRecords],
    facts: Facts,
    enrolled: Enrolled | None,
    today: date,
    policy: Policy,
) -> LineStatus:
    employee = _of(records, Line.MEDICAL, Scheme.EMPLOYEE)
    resident = _of(records, Line.MEDICAL, Scheme.RESIDENT)
    if employee:
        status = _employee_status(Line.MEDICAL, employee, facts, today)
        later_resident = resident and max(paid_years(resident), default=0) >= today.year
        if status.state is not State.SUSPENDED or not (later_resident or enrolled):
            return status
    return _resident_medical(resident, enrolled, today, policy)


def statuses(
    records: Iterable[YearRecords],
    facts: Facts,
    today: date,
    policy: Policy,
    enrolments: Iterable[Enrolled] = (),
) -> list[LineStatus]:
    """The four lines, in the order of art. 64: pension, medical, unemployment, work injury."""
    rows = list(records)
    latest = {e.scheme_line: e for e in sorted(enrolments, key=lambda e: e.first_year)}
    found = [
        _pension(rows, facts, latest.get(Line.PENSION.value), today, policy),
        _medical(rows, facts, latest.get(Line.MEDICAL.value), today, policy),
    ]
    for line in (Line.UNEMPLOYMENT, Line.WORK_INJURY):
        employee = _of(rows, line, Scheme.EMPLOYEE)
        found.append(
            _employee_status(line, employee, facts, today) if employee else _not_insured(line)
        )
    return found


class Action(enum.StrEnum):
    """What a line needs done next (a cell of the family matrix links to it)."""

    CERTIFY = "certify"  # the pension's eligibility certification is due or overdue
    PAY = "pay"  # a premium or a contribution to pay now
    ENROL = "enrol"  # not (or no longer) insured, and may enrol
    VIEW = "view"  # nothing to do: the insurance page


def next_action(status: LineStatus, today: date, *, can_enrol: bool) -> Action:
    deadline = status.deadline
    if deadline is not None and deadline.kind is DeadlineKind.CERTIFICATION:
        due = (deadline.on - today).days <= CERTIFICATION_DUE_DAYS
        return Action.CERTIFY if due else Action.VIEW
    if status.state is State.ENROLLED:
        return Action.PAY
    if can_enrol and status.state in {State.NOT_INSURED, State.ENDED, State.SUSPENDED}:
        return Action.ENROL
    if (
        deadline is not None
        and deadline.opens is None
        and status.scheme is Scheme.RESIDENT
        and status.state is State.CONTRIBUTING
    ):
        return Action.PAY
    return Action.VIEW


# --- enrolment ---------------------------------------------------------------------------------


class EnrolScheme(enum.StrEnum):
    RESIDENT_MEDICAL = "resident_medical"
    RESIDENT_PENSION = "resident_pension"

    @property
    def line(self) -> Line:
        return Line.MEDICAL if self is EnrolScheme.RESIDENT_MEDICAL else Line.PENSION


class EnrolRefusal(enum.StrEnum):
    """Why someone cannot be enrolled (each has its own message)."""

    EMPLOYEE_SCHEME = "employee_scheme"  # double enrolment: one scheme for a period (§8, §5)
    ALREADY_INSURED = "already_insured"  # residents' cover for the period is paid already
    UNDER_AGE = "under_age"  # residents' pension: 16 or over
    STUDENT = "student"  # residents' pension: not a full-time student
    PENSION_AGE = "pension_age"  # residents' pension: drawn at 60, not joined
    PENSIONER = "pensioner"


@dataclass(frozen=True, slots=True)
class Enrolment:
    """What an enrolment would be: its first year, where, and the wait before benefits."""

    scheme: EnrolScheme
    first_year: int
    region_code: str
    waiting_months: int = 0
    newborn: bool = False  # insured within the newborn days: covered from birth


def first_medical_year(today: date, policy: Policy) -> int:
    """The coverage year an enrolment starts with: next year's while its collection window is
    open, else this year's (joined outside the window, with the waiting period)."""
    return premium_year_open(today, policy.medical_collection_window) or today.year


def medical_enrolment(
    facts: Facts,
    covered: Set[int],
    today: date,
    policy: Policy,
    *,
    employee_insured: bool,
) -> Enrolment | EnrolRefusal:
    """§8: a person not in the employee medical insurance, whose residents' cover for this
    period is not paid, may enrol; a newborn within `newborn_cover_days` has no waiting period,
    others wait as a payment outside the window or after a lapse does."""
    if employee_insured or facts.pensioner:
        return EnrolRefusal.EMPLOYEE_SCHEME
    if any(year >= today.year for year in covered):
        return EnrolRefusal.ALREADY_INSURED
    year = first_medical_year(today, policy)
    newborn = today - facts.birth_date <= timedelta(days=policy.newborn_cover_days)
    wait = waiting_months(year, today, set(covered), facts.birth_date, policy)
    return Enrolment(EnrolScheme.RESIDENT_MEDICAL, year, facts.hukou, wait, newborn)


_PENSION_REFUSALS = {
    PensionRefusal.UNDER_AGE: EnrolRefusal.UNDER_AGE,
    PensionRefusal.EMPLOYEE_SCHEME: EnrolRefusal.EMPLOYEE_SCHEME,
    PensionRefusal.PENSION_AGE: EnrolRefusal.PENSION_AGE,
    PensionRefusal.PENSIONER: EnrolRefusal.PENSIONER,
}


def pension_enrolment(
    facts: Facts,
    paid: Set[int],
    today: date,
    policy: Policy,
    *,
    employee_insured: bool,
    student: bool,
) -> Enrolment | EnrolRefusal:
    """§5 (Guofa [2014] No. 8): 16 or over and under the pension age, not a full-time student,
    not in the employee scheme; at the hukou place, from this year."""
    refusal = resident_pension_refusal(
        full_years(facts.birth_date, today),
        employee_insured=employee_insured,
        pensioner=facts.pensioner,
        policy=policy,
    )
    if refusal is not None:
        return _PENSION_REFUSALS[refusal]
    if student:
        return EnrolRefusal.STUDENT
    if today.year in paid or today.year - 1 in paid:
        return EnrolRefusal.ALREADY_INSURED
    return Enrolment(EnrolScheme.RESIDENT_PENSION, today.year, facts.hukou)

"""Applying for a transfer and its statutory steps (domain-rules §6; issue 13 points 2 and 4).

Which application is refused, and with which rule's own reason, in the order an agency checks
them; then the two agencies' steps, each with its clock in working days on the official
calendar (a deadline in a year without a holiday notice is only provisional).

Pension: 国办发〔2009〕66号 art. 8 with 人社部规〔2016〕5号: the new place sends the contact
letter (同意接收函) within 15 working days of the application, the old place transfers within
15 of the letter, the new place records within 15 of receiving relationship and funds.
Medical: 医保办发〔2021〕43号: transfer-out within 10 working days, transfer-in within 5.
Where art. 5 keeps the relationship at the old place, the new place opens a temporary account
instead: one step of its own, with no clock set by the rules.

The stages are the transition table every agency action goes through (advance, reject); the
timeline reads each step's dates and due date from the recorded steps.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from app.domain.flow import FlowGraph, StepInfo
from app.domain.regions import province_of
from app.domain.transfer import OFFICIAL_CALENDAR, CalendarUnknown, TransferKind, WorkCalendar


class TransferLine(enum.StrEnum):
    PENSION = "pension"
    MEDICAL = "medical"


class Scheme(enum.StrEnum):
    EMPLOYEE = "employee"
    RESIDENT = "resident"


class Refusal(enum.StrEnum):
    """Why an application is refused; the page says the rule behind each."""

    DRAWS_PENSION = "draws_pension"  # pensioners do not transfer the pension
    OPEN_TRANSFER = "open_transfer"  # a transfer of that line is open
    SAME_POOLING_AREA = "same_pooling_area"
    NO_RECORDS = "no_records"  # nothing on record in the from-region
    ARREARS = "arrears"  # the old account owes contributions (checked before suspension)
    NOT_SUSPENDED = "not_suspended"  # still contributing at the old place
    NOT_INSURED_AT_TO = "not_insured_at_to"  # apply after insuring and contributing there
    TEMPORARY_ACCOUNT = "temporary_account"  # offer to open the temporary account instead
    RESIDENT_SAME_YEAR = "resident_same_year"  # residents' medical: enrol for next year first
    RETIRED_MEDICAL = "retired_medical"  # employee medical of someone already retired


@dataclass(frozen=True, slots=True)
class Application:
    """What the records say about one application (the services gather it)."""

    line: TransferLine
    from_region: str  # address codes: a province for the pension, a city for medical
    to_region: str
    draws_pension: bool
    retired: bool
    open_lines: frozenset[TransferLine]
    months_at_from: int
    arrears_at_from: int
    suspended_at_from: bool
    contributing_at_to: bool
    kind: TransferKind = TransferKind.TRANSFER  # pension: transfer_or_temporary's answer
    from_scheme: Scheme = Scheme.EMPLOYEE  # medical only
    to_scheme: Scheme = Scheme.EMPLOYEE
    from_last_year: int | None = None  # medical: last coverage year at the old place
    to_first_year: int | None = None  # ... and first at the new place


def pooling_area(line: TransferLine, region: str) -> str:
    """The pension is pooled by province; medical insurance (at least) by city."""
    province_of(region)  # refuses anything that is not a GB/T 2260 code
    return region[:2] if line is TransferLine.PENSION else region[:4]


def refusal(app: Application) -> Refusal | None:
    """The first rule the application breaks (in the order of the issue's list), or None when
    it may be submitted."""
    checks = (
        (app.line is TransferLine.PENSION and app.draws_pension, Refusal.DRAWS_PENSION),
        (app.line in app.open_lines, Refusal.OPEN_TRANSFER),
        (
            pooling_area(app.line, app.from_region) == pooling_area(app.line, app.to_region),
            Refusal.SAME_POOLING_AREA,
        ),
        (app.months_at_from <= 0, Refusal.NO_RECORDS),
        (app.arrears_at_from > 0, Refusal.ARREARS),
        (not app.suspended_at_from, Refusal.NOT_SUSPENDED),
        (not app.contributing_at_to, Refusal.NOT_INSURED_AT_TO),
        (
            app.line is TransferLine.PENSION and app.kind is TransferKind.TEMPORARY_ACCOUNT,
            Refusal.TEMPORARY_ACCOUNT,
        ),
        (_resident_same_year(app), Refusal.RESIDENT_SAME_YEAR),
        (
            app.line is TransferLine.MEDICAL and app.retired and app.from_scheme is Scheme.EMPLOYEE,
            Refusal.RETIRED_MEDICAL,
        ),
    )
    return next((reason for broken, reason in checks if broken), None)


def _resident_same_year(app: Application) -> bool:
    both = app.from_scheme is Scheme.RESIDENT and app.to_scheme is Scheme.RESIDENT
    if app.line is not TransferLine.MEDICAL or not both:
        return False
    if app.from_last_year is None or app.to_first_year is None:
        return True  # not yet enrolled for a later year at the new place
    return app.to_first_year <= app.from_last_year


# The application's pages: a change to the line voids the regions, one to the regions the check;
# the PIN step-up submits.
APPLY = FlowGraph(
    "transfer",
    (
        StepInfo("line", undoes=("regions",)),
        StepInfo("regions", undoes=("check",)),
        StepInfo("check"),
        StepInfo("pin", final=True),  # the PIN step-up submits the application
    ),
)


# --- The steps after an application ------------------------------------------------------------


class TransferState(enum.StrEnum):
    # A conversion a holder applied for waits for the person's own face check before the
    # agencies see it (irreversible: the helper alone cannot make it).
    AWAITING_MEMBER = "awaiting_member"
    APPLIED = "applied"
    LETTER_SENT = "letter_sent"  # pension: the new place accepted (同意接收函)
    TRANSFERRED_OUT = "transferred_out"  # the old place sent relationship and funds
    COMPLETED = "completed"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # a conversion withdrawn before the person confirmed it


class Agency(enum.StrEnum):
    FROM = "from"  # the old place
    TO = "to"  # the new place


@dataclass(frozen=True, slots=True)
class Stage:
    """One agency's step: from which state to which, and its clock in working days (None: the
    rules set none)."""

    before: TransferState
    after: TransferState
    agency: Agency
    working_days: int | None


STAGES: dict[TransferLine, tuple[Stage, ...]] = {
    TransferLine.PENSION: (
        Stage(TransferState.APPLIED, TransferState.LETTER_SENT, Agency.TO, 15),
        Stage(TransferState.LETTER_SENT, TransferState.TRANSFERRED_OUT, Agency.FROM, 15),
        Stage(TransferState.TRANSFERRED_OUT, TransferState.COMPLETED, Agency.TO, 15),
    ),
    TransferLine.MEDICAL: (
        Stage(TransferState.APPLIED, TransferState.TRANSFERRED_OUT, Agency.FROM, 10),
        Stage(TransferState.TRANSFERRED_OUT, TransferState.COMPLETED, Agency.TO, 5),
    ),
}
# Art. 5: instead of a transfer, the new place opens a temporary contribution account; the
# relationship stays at the old place, so nothing moves and §6 sets no clock for it.
TEMPORARY_STAGES: tuple[Stage, ...] = (
    Stage(TransferState.APPLIED, TransferState.COMPLETED, Agency.TO, None),
)

# 人社部发〔2014〕17号 art. 7: the scheme joined reviews and sends the contact letter, the scheme
# left transfers the account out, the scheme joined records it: 15 working days each.
CONVERSION_STAGES: tuple[Stage, ...] = (
    Stage(TransferState.APPLIED, TransferState.LETTER_SENT, Agency.TO, 15),
    Stage(TransferState.LETTER_SENT, TransferState.TRANSFERRED_OUT, Agency.FROM, 15),
    Stage(TransferState.TRANSFERRED_OUT, TransferState.COMPLETED, Agency.TO, 15),
)

TRANSFER = TransferKind.TRANSFER


class IllegalTransition(ValueError):
    """Not this agency's step, or a transfer already closed."""


def stages(line: TransferLine, kind: TransferKind = TRANSFER) -> tuple[Stage, ...]:
    """The steps of a transfer in order (the transition table staff actions go through)."""
    if kind is not TRANSFER and line is not TransferLine.PENSION:
        raise ValueError(f"a {kind.value} is of the pension")
    if kind is TransferKind.TEMPORARY_ACCOUNT:
        return TEMPORARY_STAGES
    if kind.conversion:
        return CONVERSION_STAGES
    return STAGES[line]


def stage(line: TransferLine, state: TransferState, kind: TransferKind = TRANSFER) -> Stage | None:
    """The step under way in ``state``; None once completed or rejected."""
    return next((s for s in stages(line, kind) if s.before is state), None)


def waiting_on(
    line: TransferLine, state: TransferState, kind: TransferKind = TRANSFER
) -> Agency | None:
    current = stage(line, state, kind)
    return current.agency if current else None


def _own_stage(
    line: TransferLine, state: TransferState, agency: Agency, kind: TransferKind
) -> Stage:
    current = stage(line, state, kind)
    if current is None:
        raise IllegalTransition(f"a {state.value} transfer is closed")
    if current.agency is not agency:
        raise IllegalTransition(f"{state.value}: the {current.agency.value} agency's step")
    return current


def advance(
    line: TransferLine, state: TransferState, agency: Agency, kind: TransferKind = TRANSFER
) -> TransferState:
    return _own_stage(line, state, agency, kind).after


def reject(
    line: TransferLine, state: TransferState, agency: Agency, kind: TransferKind = TRANSFER
) -> TransferState:
    """Each step may be a refusal (with a reason, which the service records)."""
    _own_stage(line, state, agency, kind)
    return TransferState.REJECTED


@dataclass(frozen=True, slots=True)
class Due:
    day: date
    provisional: bool  # counted on weekdays alone: the year's holiday notice is not out yet

    def overdue(self, today: date) -> bool:
        return today > self.day


def clock(step: Stage, since: date, calendar: WorkCalendar = OFFICIAL_CALENDAR) -> Due | None:
    """When ``step``, begun on ``since``, must be done; None when the rules set no clock."""
    if step.working_days is None:
        return None
    try:
        return Due(calendar.add_working_days(since, step.working_days), provisional=False)
    except CalendarUnknown as unknown:
        assert unknown.provisional is not None
        return Due(unknown.provisional, provisional=True)


def due(
    line: TransferLine,
    state: TransferState,
    since: date,
    calendar: WorkCalendar = OFFICIAL_CALENDAR,
    kind: TransferKind = TRANSFER,
) -> Due | None:
    """When the step under way must be done, counted from the day it began."""
    current = stage(line, state, kind)
    return None if current is None else clock(current, since, calendar)


# --- The timeline both the person and the holder see --------------------------------------------


class StepStatus(enum.StrEnum):
    DONE = "done"
    REJECTED = "rejected"
    CURRENT = "current"  # under way: waiting on its agency
    PENDING = "pending"  # not begun
    SKIPPED = "skipped"  # never reached: an earlier step was a refusal


@dataclass(frozen=True, slots=True)
class Event:
    """What an agency did, as recorded: the state it led to, and the day."""

    state: TransferState
    on: date
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TimelineStep:
    stage: Stage
    status: StepStatus
    began: date | None  # the day its clock started
    ended: date | None  # done or refused on
    due: Due | None  # None: not begun, or no clock
    overdue: bool
    reason: str = ""  # a refusal's


def timeline(
    line: TransferLine,
    kind: TransferKind,
    applied_on: date,
    events: list[Event],
    today: date,
    calendar: WorkCalendar = OFFICIAL_CALENDAR,
    *,
    unstarted: StepStatus | None = None,
) -> list[TimelineStep]:
    """Each step with its dates: a step's clock starts the day the one before it ended. With
    ``unstarted`` the agencies never began (a conversion awaiting the person's confirmation,
    or withdrawn before it): every step has that status and no dates."""
    if unstarted is not None:
        return [
            TimelineStep(step, unstarted, None, None, None, False) for step in stages(line, kind)
        ]
    by_state = {e.state: e for e in events}
    refusal_event = by_state.get(TransferState.REJECTED)
    steps: list[TimelineStep] = []
    began: date | None = applied_on
    for step in stages(line, kind):
        if began is None:
            steps.append(
                TimelineStep(
                    step,
                    StepStatus.SKIPPED if refusal_event else StepStatus.PENDING,
                    None,
                    None,
                    None,
                    False,
                )
            )
            continue
        limit = clock(step, began, calendar)
        done = by_state.get(step.after)
        if done is not None:
            late = limit is not None and done.on > limit.day
            steps.append(TimelineStep(step, StepStatus.DONE, began, done.on, limit, late))
            began = done.on
        elif refusal_event is not None:
            late = limit is not None and refusal_event.on > limit.day
            steps.append(
                TimelineStep(
                    step,
                    StepStatus.REJECTED,
                    began,
                    refusal_event.on,
                    limit,
                    late,
                    refusal_event.reason,
                )
            )
            began = None
        else:
            late = limit is not None and limit.overdue(today)
            steps.append(TimelineStep(step, StepStatus.CURRENT, began, None, limit, late))
            began = None
    return steps

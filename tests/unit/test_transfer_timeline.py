"""A transfer's timeline and its temporary-account track (issue 13 points 4–6): each step's
dates and due date, overdue when late, provisional past the shipped calendar, the refusal's
reason, and every transition of the temporary account's track, legal or not."""

from datetime import date

import pytest

from app.domain.transfer import TransferKind
from app.domain.transfer_steps import (
    APPLY,
    Agency,
    Due,
    Event,
    IllegalTransition,
    StepStatus,
    TransferLine,
    TransferState,
    advance,
    due,
    reject,
    stages,
    timeline,
    waiting_on,
)

PENSION, MEDICAL = TransferLine.PENSION, TransferLine.MEDICAL
TEMPORARY, TRANSFER = TransferKind.TEMPORARY_ACCOUNT, TransferKind.TRANSFER
S = TransferState


def _statuses(steps):
    return [s.status for s in steps]


def test_just_applied_the_new_place_is_on_the_clock():
    steps = timeline(PENSION, TRANSFER, date(2026, 9, 25), [], date(2026, 10, 1))
    assert _statuses(steps) == [StepStatus.CURRENT, StepStatus.PENDING, StepStatus.PENDING]
    assert steps[0].due == Due(date(2026, 10, 22), False) and not steps[0].overdue
    assert steps[0].stage.agency is Agency.TO
    assert steps[1].due is None and steps[1].began is None


def test_each_clock_starts_when_the_step_before_ended():
    events = [Event(S.LETTER_SENT, date(2026, 10, 9))]
    steps = timeline(PENSION, TRANSFER, date(2026, 9, 25), events, date(2026, 10, 12))
    assert _statuses(steps)[:2] == [StepStatus.DONE, StepStatus.CURRENT]
    assert steps[0].ended == date(2026, 10, 9) and not steps[0].overdue
    assert steps[1].began == date(2026, 10, 9)
    # 15 working days from Friday 9 October 2026 (10 October is a make-up Saturday).
    assert steps[1].due == Due(date(2026, 10, 29), False)


def test_overdue_the_day_after_the_due_date():
    # 10 working days from 30 April 2026: the May holiday to the 5th, Saturday 9 May worked.
    on_time = timeline(MEDICAL, TRANSFER, date(2026, 4, 30), [], date(2026, 5, 18))
    assert on_time[0].due == Due(date(2026, 5, 18), False) and not on_time[0].overdue
    late = timeline(MEDICAL, TRANSFER, date(2026, 4, 30), [], date(2026, 5, 19))
    assert late[0].overdue
    # A step done late stays marked late.
    events = [Event(S.TRANSFERRED_OUT, date(2026, 5, 20))]
    done = timeline(MEDICAL, TRANSFER, date(2026, 4, 30), events, date(2026, 5, 21))
    assert done[0].status is StepStatus.DONE and done[0].overdue
    assert done[1].status is StepStatus.CURRENT and done[1].due == Due(date(2026, 5, 27), False)


def test_past_the_shipped_calendar_the_due_date_is_provisional():
    steps = timeline(PENSION, TRANSFER, date(2026, 12, 24), [], date(2026, 12, 24))
    assert steps[0].due == Due(date(2027, 1, 14), provisional=True)


def test_a_refusal_ends_the_timeline_with_its_reason():
    events = [Event(S.REJECTED, date(2026, 10, 1), "no contributions here")]
    steps = timeline(PENSION, TRANSFER, date(2026, 9, 25), events, date(2026, 10, 2))
    assert _statuses(steps) == [StepStatus.REJECTED, StepStatus.SKIPPED, StepStatus.SKIPPED]
    assert steps[0].reason == "no contributions here" and steps[0].ended == date(2026, 10, 1)


def test_completed():
    events = [Event(S.TRANSFERRED_OUT, date(2026, 5, 8)), Event(S.COMPLETED, date(2026, 5, 12))]
    steps = timeline(MEDICAL, TRANSFER, date(2026, 4, 30), events, date(2026, 6, 1))
    assert _statuses(steps) == [StepStatus.DONE, StepStatus.DONE]
    assert not any(s.overdue for s in steps)


# --- the temporary account's track ---------------------------------------------------------------


def test_the_temporary_account_is_one_step_of_the_new_place_without_a_clock():
    (only,) = stages(PENSION, TEMPORARY)
    assert (only.before, only.after, only.agency, only.working_days) == (
        S.APPLIED,
        S.COMPLETED,
        Agency.TO,
        None,
    )
    assert waiting_on(PENSION, S.APPLIED, TEMPORARY) is Agency.TO
    assert due(PENSION, S.APPLIED, date(2026, 3, 2), kind=TEMPORARY) is None
    steps = timeline(PENSION, TEMPORARY, date(2026, 3, 2), [], date(2027, 3, 2))
    assert steps[0].status is StepStatus.CURRENT and not steps[0].overdue


def test_medical_has_no_temporary_account():
    with pytest.raises(ValueError):
        stages(MEDICAL, TEMPORARY)


@pytest.mark.parametrize("state", list(TransferState))
@pytest.mark.parametrize("agency", list(Agency))
def test_every_temporary_transition_legal_or_refused(state, agency):
    legal = (state, agency) == (S.APPLIED, Agency.TO)
    for act in (advance, reject):
        if legal:
            assert act(PENSION, state, agency, TEMPORARY) in {S.COMPLETED, S.REJECTED}
        else:
            with pytest.raises(IllegalTransition):
                act(PENSION, state, agency, TEMPORARY)


# --- the application's pages ----------------------------------------------------------------------


def test_the_application_pages():
    assert [s.name for s in APPLY.steps] == ["line", "regions", "check", "pin"]
    assert APPLY.undone_by("line") == {"regions", "check"}
    assert not APPLY.may_open("pin", {"line", "regions"})  # no PIN before the answers are checked
    assert APPLY.may_open("pin", {"line", "regions", "check"})

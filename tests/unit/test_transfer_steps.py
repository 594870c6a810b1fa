"""Applying for a transfer and the agencies' steps (domain-rules §6; issue 13 points 2, 4)."""

from dataclasses import replace
from datetime import date

import pytest

from app.domain.holiday_calendar import OFFICIAL_YEARS
from app.domain.transfer import TransferKind, WorkCalendar
from app.domain.transfer_steps import (
    STAGES,
    Agency,
    Application,
    Due,
    IllegalTransition,
    Refusal,
    Scheme,
    TransferLine,
    TransferState,
    advance,
    due,
    pooling_area,
    refusal,
    reject,
    waiting_on,
)

PENSION, MEDICAL = TransferLine.PENSION, TransferLine.MEDICAL
S = TransferState

GOOD = Application(
    line=PENSION,
    from_region="440106",
    to_region="110105",
    draws_pension=False,
    retired=False,
    open_lines=frozenset(),
    months_at_from=114,
    arrears_at_from=0,
    suspended_at_from=True,
    contributing_at_to=True,
)


def test_a_good_application_is_not_refused():
    assert refusal(GOOD) is None
    medical = replace(GOOD, line=MEDICAL)
    assert refusal(medical) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"draws_pension": True}, Refusal.DRAWS_PENSION),
        ({"open_lines": frozenset({PENSION})}, Refusal.OPEN_TRANSFER),
        ({"to_region": "440305"}, Refusal.SAME_POOLING_AREA),  # Shenzhen: Guangdong again
        ({"months_at_from": 0}, Refusal.NO_RECORDS),
        ({"arrears_at_from": 2}, Refusal.ARREARS),
        ({"suspended_at_from": False}, Refusal.NOT_SUSPENDED),
        ({"contributing_at_to": False}, Refusal.NOT_INSURED_AT_TO),
        ({"kind": TransferKind.TEMPORARY_ACCOUNT}, Refusal.TEMPORARY_ACCOUNT),
    ],
)
def test_each_pension_refusal_with_its_own_reason(change, reason):
    assert refusal(replace(GOOD, **change)) is reason


def test_arrears_are_named_before_a_running_account():
    app = replace(GOOD, arrears_at_from=3, suspended_at_from=False)
    assert refusal(app) is Refusal.ARREARS


def test_the_first_broken_rule_is_named():
    app = replace(GOOD, draws_pension=True, open_lines=frozenset({PENSION}), months_at_from=0)
    assert refusal(app) is Refusal.DRAWS_PENSION
    app = replace(GOOD, open_lines=frozenset({PENSION}), months_at_from=0)
    assert refusal(app) is Refusal.OPEN_TRANSFER


def test_an_open_transfer_of_the_other_line_does_not_block():
    assert refusal(replace(GOOD, open_lines=frozenset({MEDICAL}))) is None


def test_medical_pools_by_city():
    # Guangzhou to Shenzhen is the same province but another medical pooling area.
    assert refusal(replace(GOOD, line=MEDICAL, to_region="440305")) is None
    assert refusal(replace(GOOD, line=MEDICAL, to_region="440103")) is Refusal.SAME_POOLING_AREA
    assert pooling_area(PENSION, "440305") == "44"
    assert pooling_area(MEDICAL, "440305") == "4403"
    with pytest.raises(ValueError):
        pooling_area(PENSION, "990000")


def test_a_pensioner_may_still_move_residents_medical_but_not_employee_medical():
    medical = replace(GOOD, line=MEDICAL, draws_pension=True, retired=True)
    assert refusal(medical) is Refusal.RETIRED_MEDICAL
    resident = replace(
        medical,
        from_scheme=Scheme.RESIDENT,
        to_scheme=Scheme.EMPLOYEE,
    )
    assert refusal(resident) is None


def test_the_temporary_account_rule_is_the_pensions_only():
    assert refusal(replace(GOOD, line=MEDICAL, kind=TransferKind.TEMPORARY_ACCOUNT)) is None


@pytest.mark.parametrize(
    ("last", "first", "refused"),
    [(2026, 2026, True), (2026, 2027, False), (2026, None, True), (None, 2027, True)],
)
def test_residents_medical_not_within_the_same_year(last, first, refused):
    app = replace(
        GOOD,
        line=MEDICAL,
        from_scheme=Scheme.RESIDENT,
        to_scheme=Scheme.RESIDENT,
        from_last_year=last,
        to_first_year=first,
    )
    assert (refusal(app) is Refusal.RESIDENT_SAME_YEAR) is refused


# --- steps --------------------------------------------------------------------------------------


def test_the_pension_steps_in_order():
    state = S.APPLIED
    for agency, after in ((Agency.TO, S.LETTER_SENT), (Agency.FROM, S.TRANSFERRED_OUT),
                          (Agency.TO, S.COMPLETED)):  # fmt: skip
        assert waiting_on(PENSION, state) is agency
        state = advance(PENSION, state, agency)
        assert state is after
    assert waiting_on(PENSION, state) is None


def test_the_medical_steps_in_order():
    assert waiting_on(MEDICAL, S.APPLIED) is Agency.FROM
    assert advance(MEDICAL, S.APPLIED, Agency.FROM) is S.TRANSFERRED_OUT
    assert advance(MEDICAL, S.TRANSFERRED_OUT, Agency.TO) is S.COMPLETED
    with pytest.raises(IllegalTransition):
        advance(MEDICAL, S.LETTER_SENT, Agency.TO)  # medical has no contact letter


def _legal(line):
    return {(s.before, s.agency) for s in STAGES[line]}


@pytest.mark.parametrize("line", list(TransferLine))
@pytest.mark.parametrize("state", list(TransferState))
@pytest.mark.parametrize("agency", list(Agency))
def test_every_transition_legal_or_refused(line, state, agency):
    legal = (state, agency) in _legal(line)
    for act in (advance, reject):
        if legal:
            result = act(line, state, agency)
            assert result is (S.REJECTED if act is reject else result)
        else:
            with pytest.raises(IllegalTransition):
                act(line, state, agency)


def test_closed_transfers_wait_on_nobody():
    for line in TransferLine:
        assert waiting_on(line, S.COMPLETED) is None
        assert waiting_on(line, S.REJECTED) is None
        assert due(line, S.COMPLETED, date(2026, 3, 2)) is None


def test_clocks_on_the_official_calendar():
    # The rules' examples: 15 working days from 2026-09-25, 5 from 2026-04-30.
    assert due(PENSION, S.APPLIED, date(2026, 9, 25)) == Due(date(2026, 10, 22), False)
    assert due(MEDICAL, S.TRANSFERRED_OUT, date(2026, 4, 30)) == Due(date(2026, 5, 11), False)
    # Medical transfer-out over the Spring Festival: Feb 11-13, Saturday 14 (make-up), the
    # holiday to the 23rd, Feb 24-27, Saturday 28 (make-up): 9; Monday March 2 is the 10th.
    assert due(MEDICAL, S.APPLIED, date(2026, 2, 10)) == Due(date(2026, 3, 2), False)


def test_a_clock_into_an_unknown_year_is_provisional():
    found = due(PENSION, S.LETTER_SENT, date(2026, 12, 24))
    assert found == Due(date(2027, 1, 14), provisional=True)


def test_overdue_from_the_day_after():
    found = due(PENSION, S.APPLIED, date(2026, 9, 25))
    assert found is not None
    assert not found.overdue(date(2026, 10, 22))
    assert found.overdue(date(2026, 10, 23))


def test_a_calendar_with_next_year_makes_it_firm():
    calendar = WorkCalendar({**OFFICIAL_YEARS, 2027: OFFICIAL_YEARS[2026]._replace(
        holidays=(), make_up_days=())})  # fmt: skip
    assert due(PENSION, S.LETTER_SENT, date(2026, 12, 24), calendar) == Due(
        date(2027, 1, 14), provisional=False
    )

"""A person's insurance by scheme, and who may enrol in the residents' schemes (issue 15 points
7-9; domain-rules §5, §7, §8)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from app.domain.contributions import Line
from app.domain.insurance import (
    Action,
    Agency,
    Deadline,
    DeadlineKind,
    Enrolled,
    Enrolment,
    EnrolRefusal,
    EnrolScheme,
    Facts,
    LineStatus,
    Reason,
    Scheme,
    State,
    YearRecords,
    first_medical_year,
    medical_enrolment,
    next_action,
    pension_enrolment,
    statuses,
)
from app.domain.policy import Policy

POLICY = Policy()
TODAY = date(2026, 12, 6)  # the window for 2027 is open (Sep 1 - Dec 31, 2026)
SPRING = date(2026, 4, 10)  # no window open
BEIJING = "110105"


def adult(**changes: object) -> Facts:
    values: dict[str, object] = {
        "birth_date": date(1985, 3, 14),
        "hukou": BEIJING,
        "pensioner": False,
    }
    values.update(changes)
    return Facts(**values)  # type: ignore[arg-type]


def employee_years(
    first: int, last: int, last_month: int = 12, status: str = "paid", region: str = BEIJING
) -> list[YearRecords]:
    """Every line of the employee scheme, whole years first..last (the last to last_month)."""
    rows = []
    for line in Line:
        for year in range(first, last + 1):
            months = last_month if year == last else 12
            rows.append(YearRecords(line.value, "employee", status, region, year, months, months))
    return rows


def resident(line: Line, *years: int) -> list[YearRecords]:
    return [YearRecords(line.value, "resident", "paid", BEIJING, y, 12, 12) for y in years]


def by_line(found: list[LineStatus]) -> dict[Line, LineStatus]:
    return {s.line: s for s in found}


def test_an_employee_contributes_to_all_four_lines() -> None:
    found = statuses(employee_years(2007, 2026, 11), adult(), TODAY, POLICY)
    assert [s.line for s in found] == [
        Line.PENSION,
        Line.MEDICAL,
        Line.UNEMPLOYMENT,
        Line.WORK_INJURY,
    ]
    for status in found:
        assert (status.scheme, status.state) == (Scheme.EMPLOYEE, State.CONTRIBUTING)
        assert status.paid_months == 19 * 12 + 11 and status.unpaid_months == 0
        assert status.region_code == BEIJING
    lines = by_line(found)
    assert lines[Line.MEDICAL].maternity and not lines[Line.PENSION].maternity
    assert lines[Line.MEDICAL].agency is Agency.MEDICAL_INSURANCE
    assert lines[Line.PENSION].agency is Agency.SOCIAL_INSURANCE
    assert lines[Line.UNEMPLOYMENT].agency is Agency.SOCIAL_INSURANCE


def test_contributions_that_stopped_are_suspended_and_a_break_says_so() -> None:
    stopped = by_line(statuses(employee_years(2007, 2026, 6), adult(), TODAY, POLICY))
    assert stopped[Line.PENSION].state is State.SUSPENDED
    assert stopped[Line.PENSION].reason is Reason.STOPPED
    # Three months back still counts (records arrive late); four does not.
    assert (
        by_line(statuses(employee_years(2007, 2026, 9), adult(), TODAY, POLICY))[Line.PENSION].state
        is State.CONTRIBUTING
    )
    assert (
        by_line(statuses(employee_years(2007, 2026, 8), adult(), TODAY, POLICY))[Line.PENSION].state
        is State.SUSPENDED
    )
    gap = employee_years(2007, 2025) + employee_years(2026, 2026, 6, status="interrupted")
    found = by_line(statuses(gap, adult(), TODAY, POLICY))[Line.PENSION]
    assert (found.state, found.reason) == (State.SUSPENDED, Reason.INTERRUPTED)
    assert found.unpaid_months == 6 and found.paid_months == 19 * 12


def test_a_pensioner_draws_until_certification_is_overdue() -> None:
    records = employee_years(1993, 2008, 6)
    certified = TODAY - timedelta(days=340)
    found = by_line(
        statuses(records, adult(pensioner=True, last_certified_on=certified), TODAY, POLICY)
    )
    pension = found[Line.PENSION]
    assert pension.state is State.DRAWING
    assert pension.deadline == Deadline(
        DeadlineKind.CERTIFICATION, date(certified.year + 1, certified.month, certified.day)
    )
    assert (found[Line.MEDICAL].state, found[Line.MEDICAL].reason) == (
        State.DRAWING,
        Reason.RETIRED,
    )
    assert found[Line.UNEMPLOYMENT].state is State.ENDED
    assert found[Line.WORK_INJURY].reason is Reason.RETIRED
    late = adult(pensioner=True, last_certified_on=TODAY - timedelta(days=400))
    overdue = by_line(statuses(records, late, TODAY, POLICY))[Line.PENSION]
    assert (overdue.state, overdue.reason) == (State.SUSPENDED, Reason.CERTIFICATION_OVERDUE)


def test_a_child_s_residents_medical_cover_year_by_year() -> None:
    child = adult(birth_date=date(2015, 4, 2))
    covered = by_line(statuses(resident(Line.MEDICAL, *range(2016, 2027)), child, TODAY, POLICY))
    medical = covered[Line.MEDICAL]
    assert (medical.scheme, medical.state) == (Scheme.RESIDENT, State.CONTRIBUTING)
    assert medical.paid_months == 11 * 12 and not medical.maternity
    # In the window, next year's premium is due by its end.
    assert medical.deadline == Deadline(DeadlineKind.PREMIUM, date(2026, 12, 31), 2027)
    # Before the window opens: when it will be collected.
    spring = by_line(statuses(resident(Line.MEDICAL, *range(2016, 2027)), child, SPRING, POLICY))
    assert spring[Line.MEDICAL].deadline == Deadline(
        DeadlineKind.PREMIUM, date(2026, 12, 31), 2027, opens=date(2026, 9, 1)
    )
    assert covered[Line.PENSION].state is State.NOT_INSURED
    assert covered[Line.UNEMPLOYMENT].scheme is None


def test_a_lapsed_cover_has_ended_and_counts_the_years_left_unpaid() -> None:
    child = adult(birth_date=date(2015, 4, 2))
    records = resident(Line.MEDICAL, *range(2016, 2024))  # 2024, 2025, 2026 unpaid
    medical = by_line(statuses(records, child, TODAY, POLICY))[Line.MEDICAL]
    assert (medical.state, medical.reason) == (State.ENDED, Reason.LAPSED)
    assert medical.unpaid_months == 36
    enrolled = Enrolled("medical", 2027, TODAY)
    again = by_line(statuses(records, child, TODAY, POLICY, [enrolled]))[Line.MEDICAL]
    assert (again.state, again.enrolled) == (State.ENROLLED, enrolled)
    # Paid: the enrolment is met, the cover is current (from next year).
    paid = resident(Line.MEDICAL, *range(2016, 2024), 2027)
    met = by_line(statuses(paid, child, TODAY, POLICY, [enrolled]))[Line.MEDICAL]
    assert (met.state, met.enrolled) == (State.CONTRIBUTING, None)


def test_someone_never_insured_then_enrolled() -> None:
    nobody = statuses([], adult(), TODAY, POLICY)
    assert {s.state for s in nobody} == {State.NOT_INSURED}
    enrolled = Enrolled("pension", 2026, TODAY)
    pension = by_line(statuses([], adult(), TODAY, POLICY, [enrolled]))[Line.PENSION]
    assert (pension.scheme, pension.state) == (Scheme.RESIDENT, State.ENROLLED)
    assert pension.deadline == Deadline(DeadlineKind.CONTRIBUTION, date(2026, 12, 31), 2026)
    assert pension.region_code == BEIJING


def test_the_residents_pension() -> None:
    paid_last_year = resident(Line.PENSION, 2020, 2021, 2023, 2024, 2025)
    found = by_line(statuses(paid_last_year, adult(), TODAY, POLICY))[Line.PENSION]
    assert (found.state, found.unpaid_months) == (State.CONTRIBUTING, 12)  # 2022
    assert found.deadline == Deadline(DeadlineKind.CONTRIBUTION, date(2026, 12, 31), 2026)
    long_ago = by_line(statuses(resident(Line.PENSION, 2018), adult(), TODAY, POLICY))
    assert long_ago[Line.PENSION].reason is Reason.STOPPED
    sixty = adult(birth_date=date(1963, 8, 15))
    at_age = by_line(statuses(resident(Line.PENSION, *range(2010, 2024)), sixty, TODAY, POLICY))
    assert (at_age[Line.PENSION].state, at_age[Line.PENSION].reason) == (
        State.SUSPENDED,
        Reason.PENSION_AGE,
    )


def test_both_pension_schemes_show_the_latest() -> None:
    both = employee_years(2003, 2010, 6, region="440106") + resident(Line.PENSION, 2024, 2025)
    found = by_line(statuses(both, adult(), TODAY, POLICY))
    assert found[Line.PENSION].scheme is Scheme.RESIDENT
    assert found[Line.MEDICAL].scheme is Scheme.EMPLOYEE  # no residents' medical on record
    assert found[Line.MEDICAL].region_code == "440106"


def test_what_each_cell_links_to() -> None:
    due = LineStatus(
        Line.PENSION,
        Scheme.EMPLOYEE,
        State.DRAWING,
        Agency.SOCIAL_INSURANCE,
        deadline=Deadline(DeadlineKind.CERTIFICATION, TODAY + timedelta(days=20)),
    )
    assert next_action(due, TODAY, can_enrol=False) is Action.CERTIFY
    later = LineStatus(
        **{
            **_fields(due),
            "deadline": Deadline(DeadlineKind.CERTIFICATION, TODAY + timedelta(days=200)),
        }
    )
    assert next_action(later, TODAY, can_enrol=False) is Action.VIEW
    lapsed = LineStatus(Line.MEDICAL, Scheme.RESIDENT, State.ENDED, Agency.MEDICAL_INSURANCE)
    assert next_action(lapsed, TODAY, can_enrol=True) is Action.ENROL
    assert next_action(lapsed, TODAY, can_enrol=False) is Action.VIEW
    # Employee medical that stopped (a job left): the residents' scheme is open to them.
    left = LineStatus(Line.MEDICAL, Scheme.EMPLOYEE, State.SUSPENDED, Agency.MEDICAL_INSURANCE)
    assert next_action(left, TODAY, can_enrol=True) is Action.ENROL
    contributing = LineStatus(
        Line.MEDICAL, Scheme.EMPLOYEE, State.CONTRIBUTING, Agency.MEDICAL_INSURANCE
    )
    assert next_action(contributing, TODAY, can_enrol=True) is Action.VIEW
    enrolled = LineStatus(Line.MEDICAL, Scheme.RESIDENT, State.ENROLLED, Agency.MEDICAL_INSURANCE)
    assert next_action(enrolled, TODAY, can_enrol=False) is Action.PAY
    premium = Deadline(DeadlineKind.PREMIUM, date(2026, 12, 31), 2027)
    renew = LineStatus(
        Line.MEDICAL,
        Scheme.RESIDENT,
        State.CONTRIBUTING,
        Agency.MEDICAL_INSURANCE,
        deadline=premium,
    )
    assert next_action(renew, TODAY, can_enrol=False) is Action.PAY
    not_yet = LineStatus(
        **{
            **_fields(renew),
            "deadline": Deadline(DeadlineKind.PREMIUM, premium.on, 2027, opens=date(2026, 9, 1)),
        }
    )
    assert next_action(not_yet, SPRING, can_enrol=False) is Action.VIEW


def _fields(status: LineStatus) -> dict[str, object]:
    return {name: getattr(status, name) for name in LineStatus.__slots__}


# --- enrolment ---------------------------------------------------------------------------------


def test_the_first_coverage_year() -> None:
    assert first_medical_year(TODAY, POLICY) == 2027  # the window for 2027 is open
    assert first_medical_year(SPRING, POLICY) == 2026  # none open: this year, with a wait
    assert first_medical_year(date(2026, 9, 1), POLICY) == 2027


def test_a_newborn_within_ninety_days_has_no_waiting_period() -> None:
    for days, newborn in ((0, True), (90, True), (91, False)):
        baby = adult(birth_date=SPRING - timedelta(days=days))
        found = medical_enrolment(baby, set(), SPRING, POLICY, employee_insured=False)
        assert isinstance(found, Enrolment)
        assert (found.newborn, found.waiting_months) == (newborn, 0 if newborn else 3)
        assert (found.scheme, found.first_year, found.region_code) == (
            EnrolScheme.RESIDENT_MEDICAL,
            2026,
            BEIJING,
        )


def test_the_waiting_period_of_an_enrolment() -> None:
    child = adult(birth_date=date(2015, 4, 2))
    first = medical_enrolment(child, set(), TODAY, POLICY, employee_insured=False)
    assert isinstance(first, Enrolment) and (first.first_year, first.waiting_months) == (2027, 0)
    # Lapsed since 2024 (2024, 2025, 2026 unpaid): 3 months, plus 1 for each further year.
    lapsed = medical_enrolment(child, set(range(2016, 2024)), TODAY, POLICY, employee_insured=False)
    assert isinstance(lapsed, Enrolment) and lapsed.waiting_months == 3 + 2


def test_double_enrolment_and_cover_already_paid_are_refused() -> None:
    assert (
        medical_enrolment(adult(), set(), TODAY, POLICY, employee_insured=True)
        is EnrolRefusal.EMPLOYEE_SCHEME
    )
    assert (
        medical_enrolment(adult(pensioner=True), set(), TODAY, POLICY, employee_insured=False)
        is EnrolRefusal.EMPLOYEE_SCHEME
    )
    for covered in ({2026}, {2027}):
        assert (
            medical_enrolment(adult(), covered, TODAY, POLICY, employee_insured=False)
            is EnrolRefusal.ALREADY_INSURED
        )


def _pension(age: int, **kw: bool) -> Enrolment | EnrolRefusal:
    born = date(TODAY.year - age, 1, 1)
    return pension_enrolment(
        adult(birth_date=born, pensioner=kw.get("pensioner", False)),
        {2020} if not kw.get("recent") else {2025},
        TODAY,
        POLICY,
        employee_insured=kw.get("employee", False),
        student=kw.get("student", False),
    )


def test_who_may_join_the_residents_pension() -> None:
    assert _pension(15) is EnrolRefusal.UNDER_AGE
    found = _pension(16)
    assert isinstance(found, Enrolment)
    assert (found.scheme, found.first_year, found.region_code) == (
        EnrolScheme.RESIDENT_PENSION,
        2026,
        BEIJING,
    )
    assert _pension(30, student=True) is EnrolRefusal.STUDENT
    assert _pension(30, employee=True) is EnrolRefusal.EMPLOYEE_SCHEME
    assert _pension(60) is EnrolRefusal.PENSION_AGE
    assert _pension(45, pensioner=True) is EnrolRefusal.PENSIONER
    assert _pension(45, recent=True) is EnrolRefusal.ALREADY_INSURED


@given(
    age=st.integers(min_value=0, max_value=100),
    student=st.booleans(),
    employee=st.booleans(),
)
def test_the_residents_pension_is_open_exactly_to_those_the_rule_names(
    age: int, student: bool, employee: bool
) -> None:
    found = _pension(age, student=student, employee=employee)
    eligible = 16 <= age < 60 and not student and not employee
    assert isinstance(found, Enrolment) is eligible

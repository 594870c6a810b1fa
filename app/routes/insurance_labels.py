"""The words of a person's insurance: each scheme, state and reason, the agencies, and why an
enrolment is refused (each refusal with its rule)."""

from __future__ import annotations

from markupsafe import Markup

from app.domain.contributions import Line
from app.domain.insurance import (
    Action,
    Agency,
    EnrolRefusal,
    EnrolScheme,
    LineStatus,
    Reason,
    Scheme,
    State,
)
from app.domain.policy import Policy
from app.routes.i18n import _, with_names
from app.services.insurance import Cell
from app.services.subject import Subject


def scheme_label(status: LineStatus) -> str:
    """The line, with its scheme where there are two (pension and medical)."""
    line, scheme = status.line, status.scheme
    if line is Line.PENSION:
        if scheme is Scheme.EMPLOYEE:
            return _("Employee basic pension insurance")
        if scheme is Scheme.RESIDENT:
            return _("Urban and rural residents' basic pension insurance")
        return _("Pension insurance")
    if line is Line.MEDICAL:
        if scheme is Scheme.EMPLOYEE:
            return _("Employee basic medical insurance, with maternity insurance")
        if scheme is Scheme.RESIDENT:
            return _("Urban and rural residents' basic medical insurance")
        return _("Medical insurance")
    if line is Line.UNEMPLOYMENT:
        return _("Unemployment insurance")
    return _("Work injury insurance")


def column_label(line: str) -> str:
    """A column of the family matrix: the line, whichever scheme."""
    return {
        Line.PENSION.value: _("Pension"),
        Line.MEDICAL.value: _("Medical and maternity"),
        Line.UNEMPLOYMENT.value: _("Unemployment"),
        Line.WORK_INJURY.value: _("Work injury"),
    }[line]


def insurance_state_label(state: State | str) -> str:
    return {
        State.CONTRIBUTING: _("Contributing"),
        State.SUSPENDED: _("Suspended"),
        State.ENDED: _("Ended"),
        State.DRAWING: _("Drawing benefits"),
        State.ENROLLED: _("Enrolled: first payment due"),
        State.NOT_INSURED: _("Not insured"),
    }[State(state)]


def reason_label(status: LineStatus) -> str:
    reason = status.reason
    if reason is None:
        return ""
    if reason is Reason.RETIRED:
        if status.line is Line.MEDICAL:
            return _("Covered as a retiree, without contributions.")
        return _("Ended at retirement.")
    return {
        Reason.CERTIFICATION_OVERDUE: _(
            "The eligibility certification is overdue: payments are suspended until it is done."
        ),
        Reason.INTERRUPTED: _("The last month on record is a break in contributions."),
        Reason.STOPPED: _("No contributions in the last three months."),
        Reason.LAPSED: _("This year's premium was not paid: there is no cover this year."),
        Reason.PENSION_AGE: _(
            "At the pension age the residents' pension is drawn, not paid into: apply to draw it."
        ),
    }[reason]


def keeper_label(agency: Agency | str) -> str:
    """Who keeps the record of a line."""
    return {
        Agency.SOCIAL_INSURANCE: _("The social insurance agency"),
        Agency.MEDICAL_INSURANCE: _("The medical insurance agency"),
    }[Agency(agency)]


def action_text(action: Action | str, line: str) -> str:
    """The link of a cell of the family matrix."""
    action = Action(action)
    if action is Action.PAY:
        return _("Pay the premium") if line == Line.MEDICAL.value else _("Pay the contribution")
    return {
        Action.CERTIFY: _("Certify"),
        Action.ENROL: _("Enrol"),
        Action.VIEW: _("Details"),
    }[action]


def enrol_scheme_label(scheme: EnrolScheme | str) -> str:
    return {
        EnrolScheme.RESIDENT_MEDICAL: _("Urban and rural residents' basic medical insurance"),
        EnrolScheme.RESIDENT_PENSION: _("Urban and rural residents' basic pension insurance"),
    }[EnrolScheme(scheme)]


def enrol_refusal_message(refusal: EnrolRefusal, name: str, policy: Policy) -> Markup:
    """Why they cannot be enrolled, with the rule (§5, §8)."""
    texts = {
        EnrolRefusal.EMPLOYEE_SCHEME: _(
            "{name} is in the employee insurance for this period. A person is insured in one scheme only: enrolling in the residents' scheme as well would be a double enrolment."
        ),
        EnrolRefusal.ALREADY_INSURED: _(
            "{name} is already insured in this scheme for this period: pay the next premium or contribution from Payments instead."
        ),
        EnrolRefusal.UNDER_AGE: _(
            "Only people aged {age} or over can join the residents' pension insurance."
        ),
        EnrolRefusal.STUDENT: _(
            "A full-time student cannot join the residents' pension insurance. Confirm that {name} is not a full-time student."
        ),
        EnrolRefusal.PENSION_AGE: _(
            "At {pension_age} the residents' pension is drawn, not joined."
        ),
        EnrolRefusal.PENSIONER: _("{name} draws a pension already and is insured as a retiree."),
    }
    return with_names(
        texts[refusal],
        name=name,
        age=policy.pension_min_age,
        pension_age=policy.residents_pension_age,
    )


def cell_href(cell: Cell, subject: Subject, limited: object = None) -> str:
    """Where a line's cell links: what needs doing next, else the line on the insurance page.
    A session signed in by scanning only views, so it is never sent to pay or enrol."""
    status, base = cell.status, subject.base
    line = status.line.value
    details = f"{base}/insurance#line-{line}"
    action = cell.action
    if limited and action in {Action.PAY, Action.ENROL}:
        return details
    if action is Action.CERTIFY:
        return f"{base}/certification"
    if action is Action.PAY and status.line is Line.MEDICAL:
        year = (
            status.enrolled.first_year
            if status.enrolled
            else status.deadline.year
            if status.deadline
            else None
        )
        return f"{base}/payments/premium/{year}" if year else f"{base}/payments"
    if action is Action.PAY:
        return f"{base}/payments/pension"
    if action is Action.ENROL:
        return f"{base}/insurance/enrol?scheme=resident_{line}"
    return details


JINJA_GLOBALS = {
    "cell_href": cell_href,
    "scheme_label": scheme_label,
    "column_label": column_label,
    "insurance_state_label": insurance_state_label,
    "reason_label": reason_label,
    "keeper_label": keeper_label,
    "action_text": action_text,
    "enrol_scheme_label": enrol_scheme_label,
}

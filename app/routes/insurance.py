"""A subject's insurance, under /my and /family/{binding_id} (issue 15 points 7 and 9):

- {base}/insurance             each scheme: its state, months paid and unpaid, the next
                               deadline, transfers and mutual aid, who keeps the record
- {base}/insurance/enrol       enrol in a residents' scheme: which one (and, for the pension,
                               not a full-time student); a refusal is shown with its rule
- {base}/insurance/enrol/pin   what the enrolment will be, and the PIN step-up; the enrolment
                               is recorded once and leads straight to its first payment

The answers travel in the query, the PIN form's address included, as the payments' do. A
session signed in by scanning may view the page, never enrol (app/routes/scan_scope.py: the
enrolment routes declare nothing, so they are refused).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency

from app.adapters.clock import utcnow
from app.domain.insurance import Enrolment, EnrolRefusal, EnrolScheme, first_medical_year
from app.domain.premiums import collection_window
from app.domain.views import Holder
from app.routes import formspec as fs
from app.routes import step_up
from app.routes.formspec import N_, parse_form
from app.routes.insurance_labels import enrol_refusal_message
from app.routes.scan_scope import VIEW
from app.routes.web import FormErrors, page, policy_of, see_other
from app.services import insurance as service
from app.services.context import UnitOfWork
from app.services.subject import Subject

ACTION = "insurance.enrol"
SCHEMES = tuple(s.value for s in EnrolScheme)


class EnrolForm(msgspec.Struct):
    scheme: Annotated[str, fs.choice(SCHEMES, missing=N_("Choose the insurance to enrol in"))] = ""
    not_student: Annotated[str, fs.hidden(3)] = ""  # a checkbox: asked for the pension only


def _answers(form: EnrolForm) -> dict[str, str]:
    answers = {"scheme": form.scheme}
    if form.scheme == EnrolScheme.RESIDENT_PENSION and form.not_student == "yes":
        answers["not_student"] = "yes"
    return answers


def _pin_url(subject: Subject, answers: dict[str, str]) -> str:
    return f"{subject.base}/insurance/enrol/pin?{urlencode(answers)}"


def _refusal_field(refusal: EnrolRefusal) -> str:
    return "not_student" if refusal is EnrolRefusal.STUDENT else "scheme"


def _student(form: EnrolForm) -> bool:
    """Only the pension asks; not ticking "not a full-time student" counts as being one."""
    return form.scheme == EnrolScheme.RESIDENT_PENSION and form.not_student != "yes"


async def _decide(uow: UnitOfWork, subject: Subject, form: EnrolForm) -> Enrolment | EnrolRefusal:
    scheme = EnrolScheme(form.scheme)
    return await service.decide(uow, subject, scheme, utcnow().date(), student=_student(form))


def _payment_url(subject: Subject, enrolment: Enrolment) -> str:
    """The first premium or contribution of the enrolment: the existing payment pages."""
    if enrolment.scheme is EnrolScheme.RESIDENT_MEDICAL:
        return f"{subject.base}/payments/premium/{enrolment.first_year}"
    return f"{subject.base}/payments/pension"


class InsuranceController(Controller):
    path = "/insurance"

    @get("/", opt=VIEW)
    async def overview(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        found = await service.of_subject(uow, subject, utcnow())
        context = {"subject": subject, "insurance": found, "today": utcnow().date()}
        return page(request, "pages/subject/insurance.html", context)

    @get("/enrol")
    async def enrol_form(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        chosen = request.query_params.get("scheme", "")
        shown = {"scheme": chosen if chosen in SCHEMES else ""}
        return await _enrol_page(request, uow, subject, FormErrors(), shown)

    @post("/enrol")
    async def enrol_choose(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        parsed = parse_form(EnrolForm, dict(await request.form()))
        if parsed.form is None:
            return await _enrol_page(request, uow, subject, parsed.errors, parsed.shown, 422)
        found = await _decide(uow, subject, parsed.form)
        if isinstance(found, EnrolRefusal):
            errors = _refused(request, subject, found)
            return await _enrol_page(request, uow, subject, errors, parsed.shown, 422)
        return see_other(_pin_url(subject, _answers(parsed.form)))

    @get("/enrol/pin")
    async def enrol_pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        parsed = parse_form(EnrolForm, dict(request.query_params))
        if parsed.form is None:
            return see_other(f"{subject.base}/insurance/enrol")
        found = await _decide(uow, subject, parsed.form)
        if isinstance(found, EnrolRefusal):  # changed meanwhile: the form says why
            return see_other(f"{subject.base}/insurance/enrol?scheme={parsed.form.scheme}")
        return _pin_page(request, account, subject, parsed.form, found)

    @post("/enrol/pin")
    async def enrol(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        parsed = parse_form(EnrolForm, dict(request.query_params))
        if parsed.form is None:
            return see_other(f"{subject.base}/insurance/enrol")
        form = parsed.form
        found = await _decide(uow, subject, form)
        if isinstance(found, EnrolRefusal):
            errors = _refused(request, subject, found)
            return await _enrol_page(request, uow, subject, errors, _answers(form), 422)
        scope = _pin_url(subject, _answers(form))
        checked = await step_up.verify(request, uow, account, ACTION, scope)
        if not checked.passed:
            return _pin_page(request, account, subject, form, found, checked.errors, 422)
        step_up.spend(request, ACTION, scope)  # one enrolment per PIN entry
        done = await service.enrol(
            uow, subject, EnrolScheme(form.scheme), utcnow(), student=_student(form)
        )
        if isinstance(done, EnrolRefusal):
            errors = _refused(request, subject, done)
            return await _enrol_page(request, uow, subject, errors, _answers(form), 422)
        return see_other(_payment_url(subject, done.enrolment))


def _refused(
    request: Request[Any, Any, Any], subject: Subject, refusal: EnrolRefusal
) -> FormErrors:
    errors = FormErrors()
    message = enrol_refusal_message(refusal, subject.person.name, policy_of(request))
    errors.add(_refusal_field(refusal), message)
    return errors


async def _enrol_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    subject: Subject,
    errors: FormErrors,
    shown: dict[str, str],
    status: int = 200,
) -> Response[str]:
    found = await service.of_subject(uow, subject, utcnow(), audit=False)
    policy = policy_of(request)
    year = first_medical_year(utcnow().date(), policy)
    context = {
        "window_year": year,
        "window": collection_window(year, policy.medical_collection_window),
        "subject": subject,
        "insurance": found,
        "errors": errors,
        "values": shown,
        "schemes": SCHEMES,
    }
    return page(request, "pages/subject/enrol.html", context, status=status)


def _pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    subject: Subject,
    form: EnrolForm,
    enrolment: Enrolment,
    errors: FormErrors | None = None,
    status: int = 200,
) -> Response[str]:
    answers = _answers(form)
    context = {
        "subject": subject,
        "enrolment": enrolment,
        "pin_action": _pin_url(subject, answers),
        "back": f"{subject.base}/insurance/enrol?scheme={form.scheme}",
    }
    return step_up.pin_page(
        request, account, "pages/subject/enrol_pin.html", context, errors, status=status
    )

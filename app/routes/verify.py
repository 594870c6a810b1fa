"""The member's own phone: /verify and /verify/{code}, with no account and no sign-in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.portraits import PortraitSource
from app.domain.handoff import display_code, mask_name, normalise_code
from app.domain.typed import compact
from app.routes.deps import provide_limits, provide_portraits, provide_store
from app.routes.face_check import OwnSelfieForm, start_face_check
from app.routes.flow import MAX_UPLOAD_FIELD
from app.routes.forms import read_form
from app.routes.i18n import _, format_moment
from app.routes.labels import relationship_label
from app.routes.messages import (
    invalid_code_message,
    no_reference_message,
    photo_problem_message,
)
from app.routes.web import FormErrors, client_ip, page, policy_of, see_other
from app.services import certification
from app.services import face as face_service
from app.services.context import UnitOfWork
from app.services.limits import HANDOFF_CODE, Counted, Limits, TooManyAttempts

CODE_INPUT_MAX = 20  # the field's maxlength


def _invalid_code_page(request: Request[Any, Any, Any], values: dict[str, str]) -> Response[str]:
    errors = FormErrors()
    errors.add("code", invalid_code_message(policy_of(request)))
    return page(
        request, "pages/verify/enter_code.html", {"errors": errors, "values": values}, status=422
    )


async def _count_code(request: Request[Any, Any, Any], limits: Limits) -> Counted | Response[str]:
    """Codes cannot be guessed: every code tried from an address is counted before it is
    checked (a right one gives its count back), and after repeated wrong ones, waits grow."""
    try:
        return await limits.count(utcnow(), (HANDOFF_CODE, client_ip(request)))
    except TooManyAttempts as wait:
        errors = FormErrors()
        errors.add(
            "code",
            _("Too many wrong codes. You can try again after {time} (China Standard Time).").format(
                time=format_moment(wait.until)
            ),
        )
        return page(request, "pages/verify/enter_code.html", {"errors": errors}, status=429)


class VerifyController(Controller):
    path = "/verify"
    dependencies = {
        "store": Provide(provide_store),
        "portraits": Provide(provide_portraits),
        "limits": Provide(provide_limits),
    }

    @get("/")
    async def enter_code(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(request, "pages/verify/enter_code.html")

    @post("/")
    async def submit_code(
        self, request: Request[Any, Any, Any], limits: NamedDependency[Limits]
    ) -> Response[Any]:
        values = await read_form(request)
        typed = values.get("code", "")
        if not compact(typed[:CODE_INPUT_MAX]):  # nothing typed: not a guess, so not counted
            errors = FormErrors()
            errors.add("code", _("Enter the code"))
            return page(
                request,
                "pages/verify/enter_code.html",
                {"errors": errors, "values": {"code": ""}},
                status=422,
            )
        code = normalise_code(typed)
        if code is None:  # a wrong code too, counted as one
            counted = await _count_code(request, limits)
            if isinstance(counted, Response):
                return counted
            return _invalid_code_page(request, {"code": values.get("code", "")[:20]})
        return see_other(f"/verify/{code}")

    @get("/{code:str}")
    async def start(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        limits: NamedDependency[Limits],
        code: FromPath[str],
    ) -> Response[str]:
        counted = await _count_code(request, limits)
        if isinstance(counted, Response):
            return counted
        return await _capture_page(request, uow, counted, code, FormErrors())

    @post("/{code:str}", request_max_body_size=MAX_UPLOAD_FIELD + 100_000)
    async def submit_selfie(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        store: NamedDependency[DocumentStore],
        portraits: NamedDependency[PortraitSource],
        limits: NamedDependency[Limits],
        code: FromPath[str],
    ) -> Response[Any]:
        counted = await _count_code(request, limits)
        if isinstance(counted, Response):
            return counted
        clean = normalise_code(code)
        if clean is None:
            return _invalid_code_page(request, {"code": code[:20]})
        errors = FormErrors()
        try:
            started = await start_face_check(
                request,
                uow,
                OwnSelfieForm,
                lambda selfie: face_service.start_check_by_handoff(
                    uow, store, portraits, clean, selfie, utcnow()
                ),
            )
        except face_service.HandoffInvalid:
            return _invalid_code_page(request, {"code": code[:20]})
        except face_service.CheckPending as running:  # the code stays unspent
            if running.check_id:
                return see_other(f"/verify/status/{running.check_id}")
            errors.add("selfie", _("A photo is still being checked. Wait for its result."))
        except face_service.FaceWait as wait:
            errors.add(
                "selfie",
                _(
                    "The photos did not match several times. Try again after {time} (China Standard Time)."
                ).format(time=format_moment(wait.until)),
            )
        except face_service.CertifyInPerson:
            errors.add("selfie", _in_person_message())
        except face_service.NoReference:
            errors.add("selfie", no_reference_message())
        else:
            if not isinstance(started, FormErrors):
                await counted.succeeded()
                return see_other(f"/verify/status/{started.id}")
            errors = started
        return await _capture_page(request, uow, counted, clean, errors, status=422)

    @get("/status/{check_id:uuid}")
    async def status(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        check_id: FromPath[UUID],
    ) -> Response[str]:
        """Reached only through the unguessable id the member was sent to."""
        check = await face_service.check_view(uow, check_id)
        if check is None or check.purpose in face_service.RESETS:  # shown to their owner only
            raise NotFoundException
        context: dict[str, Any] = {
            "check": check,
            "problem": photo_problem_message(check.reason)
            if check.state == face_service.UNUSABLE and check.reason
            else None,
            "certification": check.purpose == face_service.CERTIFICATION,
        }
        if context["certification"]:
            outcome = await certification.outcome(uow, check)
            context.update(
                valid_until=outcome.valid_until,
                resumed=outcome.resumed,
                in_person=outcome.in_person,
            )
        return page(request, "pages/verify/status.html", context)


def _in_person_message() -> str:
    return _(
        "Face recognition for the certification failed too many times. Certify in person at a social insurance service centre, with your ID card"
    )


async def _capture_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    counted: Counted,
    code: str,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    """The selfie page, once the code proves valid (its count is then given back)."""
    clean = normalise_code(code)
    try:
        if clean is None:
            raise face_service.HandoffInvalid
        handoff, binding = await face_service.open_handoff(uow, clean, utcnow())
    except face_service.HandoffInvalid:
        return _invalid_code_page(request, {"code": code[:20]})  # keep what they typed
    await counted.succeeded()
    context = {
        "code": clean,
        "shown_code": display_code(clean),
        "holder": mask_name(binding.holder.name),
        "relationship": relationship_label(binding.relation),
        "certification": handoff.purpose == face_service.CERTIFICATION,
        "errors": errors,
    }
    return page(request, "pages/verify/capture.html", context, status=status)

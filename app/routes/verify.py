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
from app.adapters.throttle_store import ThrottleStore
from app.db.models import FaceCheck
from app.domain.handoff import display_code, mask_name, normalise_code
from app.routes.deps import provide_store, provide_throttles
from app.routes.face_check import OwnSelfieForm, start_face_check
from app.routes.flow import MAX_UPLOAD_FIELD
from app.routes.forms import read_form
from app.routes.i18n import _, format_moment
from app.routes.labels import relationship_label
from app.routes.messages import invalid_code_message, photo_problem_message
from app.routes.web import FormErrors, client_ip, page, policy_of, see_other
from app.services import certification, throttling
from app.services import face as face_service
from app.services.context import UnitOfWork


def _invalid_code_page(request: Request[Any, Any, Any], values: dict[str, str]) -> Response[str]:
    errors = FormErrors()
    errors.add("code", invalid_code_message(policy_of(request)))
    return page(
        request, "pages/verify/enter_code.html", {"errors": errors, "values": values}, status=422
    )


def _throttle_key(request: Request[Any, Any, Any]) -> str:
    return f"handoff:ip:{client_ip(request)}"


async def _too_many(
    request: Request[Any, Any, Any], throttles: ThrottleStore, uow: UnitOfWork
) -> Response[str] | None:
    """Codes cannot be guessed: after repeated wrong codes from one address, waits grow."""
    until = await throttling.wait_for(throttles, _throttle_key(request), uow.policy, utcnow())
    if until is None:
        return None
    errors = FormErrors()
    errors.add(
        "code",
        _("Too many wrong codes. You can try again after {time} (China Standard Time).").format(
            time=format_moment(until)
        ),
    )
    return page(request, "pages/verify/enter_code.html", {"errors": errors}, status=429)


async def _wrong_code(
    request: Request[Any, Any, Any], throttles: ThrottleStore, values: dict[str, str]
) -> Response[str]:
    await throttling.record_failure(throttles, _throttle_key(request), utcnow())
    return _invalid_code_page(request, values)


class VerifyController(Controller):
    path = "/verify"
    dependencies = {"store": Provide(provide_store), "throttles": Provide(provide_throttles)}

    @get("/")
    async def enter_code(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(request, "pages/verify/enter_code.html")

    @post("/")
    async def submit_code(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        throttles: NamedDependency[ThrottleStore],
    ) -> Response[Any]:
        if held := await _too_many(request, throttles, uow):
            return held
        values = await read_form(request)
        code = normalise_code(values.get("code", ""))
        if code is None:
            return await _wrong_code(request, throttles, {"code": values.get("code", "")[:20]})
        return see_other(f"/verify/{code}")

    @get("/{code:str}")
    async def start(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        throttles: NamedDependency[ThrottleStore],
        code: FromPath[str],
    ) -> Response[str]:
        if held := await _too_many(request, throttles, uow):
            return held
        return await _capture_page(request, uow, throttles, code, FormErrors())

    @post("/{code:str}", request_max_body_size=MAX_UPLOAD_FIELD + 100_000)
    async def submit_selfie(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        store: NamedDependency[DocumentStore],
        throttles: NamedDependency[ThrottleStore],
        code: FromPath[str],
    ) -> Response[Any]:
        if held := await _too_many(request, throttles, uow):
            return held
        clean = normalise_code(code)
        if clean is None:
            return await _wrong_code(request, throttles, {"code": code[:20]})
        errors = FormErrors()
        try:
            started = await start_face_check(
                request,
                OwnSelfieForm,
                lambda selfie: face_service.start_check_by_handoff(
                    uow, store, clean, selfie, utcnow()
                ),
                uow.policy,
            )
        except face_service.HandoffInvalid:
            return await _wrong_code(request, throttles, {"code": code[:20]})
        except face_service.FaceWait as wait:
            errors.add(
                "selfie",
                _(
                    "The photos did not match several times. Try again after {time} (China Standard Time)."
                ).format(time=format_moment(wait.until)),
            )
        except face_service.CertifyInPerson:
            errors.add("selfie", _in_person_message())
        else:
            if not isinstance(started, FormErrors):
                return see_other(f"/verify/status/{started.id}")
            errors = started
        return await _capture_page(request, uow, throttles, clean, errors, status=422)

    @get("/status/{check_id:uuid}")
    async def status(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        check_id: FromPath[UUID],
    ) -> Response[str]:
        """Reached only through the unguessable id the member was sent to."""
        check = await uow.face_checks.get(check_id)
        if check is None:
            raise NotFoundException
        context: dict[str, Any] = {
            "check": check,
            "problem": photo_problem_message(check.reason)
            if check.state == face_service.UNUSABLE and check.reason
            else None,
            "certification": check.purpose == face_service.CERTIFICATION,
        }
        if context["certification"]:
            context.update(await _certification_outcome(uow, check))
        return page(request, "pages/verify/status.html", context)


def _in_person_message() -> str:
    return _(
        "Face recognition for the certification failed too many times. Certify in person at a social insurance service centre, with your ID card"
    )


async def _certification_outcome(uow: UnitOfWork, check: FaceCheck) -> dict[str, Any]:
    """What a decided certification means for the member: until when, and whether suspended
    payments resume; or, after too many failures, that it must be done in person."""
    binding = await uow.bindings.get(check.binding_id)
    return {
        "valid_until": certification.valid_until_after(check),
        "resumed": check.reason == face_service.RESUMED,
        "in_person": binding is not None
        and face_service.certification_in_person(binding, uow.policy),
    }


async def _capture_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    throttles: ThrottleStore,
    code: str,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    clean = normalise_code(code)
    try:
        if clean is None:
            raise face_service.HandoffInvalid
        handoff, binding = await face_service.open_handoff(uow, clean, utcnow())
    except face_service.HandoffInvalid:
        return await _wrong_code(request, throttles, {"code": code[:20]})  # keep what they typed
    context = {
        "code": clean,
        "shown_code": display_code(clean),
        "holder": mask_name(binding.holder.name),
        "relationship": relationship_label(binding.relation),
        "certification": handoff.purpose == face_service.CERTIFICATION,
        "errors": errors,
    }
    return page(request, "pages/verify/capture.html", context, status=status)

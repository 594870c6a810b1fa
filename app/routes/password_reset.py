"""A forgotten password (刷脸找回), signed out, from /login: the ID number, then face recognition
against the registry portrait of that person, then a new password (/password/forgotten/...).

Nothing here tells whether an ID number is registered: every valid number goes on to the face
step, its attempts are counted whether it is known or not, and a number that starts no check
(services/resets.py) is shown as being checked for about as long as a real check takes, then
answered as a photo that did not match; an unusable photo gets that answer too. The flow's
state is in the server-side session: the number's lookup hash and masked form (never the
number) and the check begun, whose id never reaches the browser.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.images import ImageRejected
from app.adapters.portraits import PortraitSource
from app.domain.identity import parse_id_number
from app.domain.password import MIN_LENGTH, problem_with
from app.routes import formspec as fs
from app.routes.deps import provide_limits, provide_portraits, provide_store
from app.routes.face_check import OwnSelfieForm, schedule_check
from app.routes.flow import MAX_UPLOAD_FIELD, read_values
from app.routes.forms import read_form
from app.routes.formspec import N_, parse_form
from app.routes.i18n import _
from app.routes.messages import image_message, new_password_message, too_many_attempts_message
from app.routes.web import FormErrors, client_ip, page, see_other
from app.services import face as face_service
from app.services import resets as service
from app.services.context import UnitOfWork
from app.services.limits import PASSWORD_RESET_ID, RESET_IP, Limits, TooManyAttempts

BASE = "/password/forgotten"
FLOW = "password_reset"  # the session's key of the flow's state
# A number that starts no check looks checked for about as long as a real check takes (a run
# of the matcher and a poll or two), so the wait does not tell the two apart.
PRETEND_SECONDS = (1.0, 2.5)
_random = secrets.SystemRandom()


class IdNumberForm(msgspec.Struct):
    id_number: Annotated[str, fs.id_number(missing=N_("Enter your ID number"))] = ""


def _flow(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    flow = request.session.get(FLOW)
    return flow if isinstance(flow, dict) and flow.get("id") else None


def _check_id(flow: dict[str, Any]) -> UUID | None:
    return UUID(str(flow["check"])) if flow.get("check") else None


def _face_page(
    request: Request[Any, Any, Any],
    flow: dict[str, Any],
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    context = {"masked": flow["masked"], "errors": errors}
    return page(request, "pages/auth/reset_face.html", context, status=status)


def _new_password_page(
    request: Request[Any, Any, Any], errors: FormErrors, *, usable: bool = True, status: int = 200
) -> Response[str]:
    context = {"errors": errors, "usable": usable, "min_length": MIN_LENGTH}
    return page(request, "pages/auth/reset_password.html", context, status=status)


def _read_new_password(values: dict[str, str], errors: FormErrors) -> str:
    new = values.get("new_password", "")
    if not new:
        errors.add("new_password", _("Enter a new password"))
    elif problem := problem_with(new, current=""):
        errors.add("new_password", new_password_message(problem))
    if "new_password" not in errors.fields and values.get("confirm_password", "") != new:
        errors.add("confirm_password", _("The two new passwords do not match"))
    return new


class PasswordResetController(Controller):
    path = BASE
    dependencies = {
        "limits": Provide(provide_limits),
        "store": Provide(provide_store),
        "portraits": Provide(provide_portraits),
    }

    @get("/")
    async def start(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(request, "pages/auth/reset_id.html")

    @post("/")
    async def id_number(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[Any]:
        """Any valid number goes on: whether it is registered is not checked here."""
        parsed = parse_form(IdNumberForm, await read_form(request))
        if parsed.form is None:
            context = {"errors": parsed.errors, "values": parsed.shown}
            return page(request, "pages/auth/reset_id.html", context, status=422)
        number = parse_id_number(parsed.form.id_number)
        request.session[FLOW] = {"id": service.lookup_key(uow, number), "masked": number.masked}
        return see_other(f"{BASE}/face")

    @get("/face")
    async def face_form(self, request: Request[Any, Any, Any]) -> Response[Any]:
        flow = _flow(request)
        if flow is None:
            return see_other(BASE)
        return _face_page(request, flow, FormErrors())

    @post("/face", request_max_body_size=MAX_UPLOAD_FIELD + 100_000)
    async def face_send(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        store: NamedDependency[DocumentStore],
        portraits: NamedDependency[PortraitSource],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """The attempt is counted (per ID number and per address) before the photo is looked
        at; then a check starts, or, for a number that starts none, a pretend one."""
        flow = _flow(request)
        if flow is None:
            return see_other(BASE)
        parsed = parse_form(OwnSelfieForm, await read_values(request))
        if parsed.form is None or parsed.form.selfie is None:
            return _face_page(request, flow, parsed.errors, status=422)
        now = utcnow()
        errors = FormErrors()
        try:
            await limits.count(now, (PASSWORD_RESET_ID, flow["id"]), (RESET_IP, client_ip(request)))
        except TooManyAttempts as wait:
            errors.add("selfie", too_many_attempts_message(wait.until))
            return _face_page(request, flow, errors, status=429)
        try:
            check = await service.start_password_check(
                uow, store, portraits, flow["id"], parsed.form.selfie, now
            )
        except ImageRejected as rejected:
            errors.add("selfie", image_message("selfie", rejected, uow.policy))
            return _face_page(request, flow, errors, status=422)
        if check is None:
            pretend = now + timedelta(seconds=_random.uniform(*PRETEND_SECONDS))
            request.session[FLOW] = {**flow, "check": None, "pretend_until": pretend.timestamp()}
        else:
            schedule_check(request, uow, check.id)
            request.session[FLOW] = {**flow, "check": str(check.id), "pretend_until": None}
        return see_other(f"{BASE}/check")

    @get("/check")
    async def status(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[Any]:
        """The check's state (polled while pending); every way it can fail reads the same."""
        flow = _flow(request)
        if flow is None:
            return see_other(BASE)
        check_id, pretend_until = _check_id(flow), flow.get("pretend_until")
        now = utcnow()
        usable = False
        if check_id is not None:
            found = await service.reset_check(uow, check_id, face_service.PASSWORD_RESET, now)
            if found is None:
                return see_other(BASE)
            state, usable = found.state, found.usable
        elif isinstance(pretend_until, int | float):
            pending = now.timestamp() < pretend_until
            state = face_service.PENDING if pending else face_service.FAILED
        else:  # no photo sent yet
            return see_other(f"{BASE}/face")
        if state == face_service.UNUSABLE:
            state = face_service.FAILED
        context = {"check": {"state": state}, "usable": usable, "masked": flow["masked"]}
        return page(request, "pages/auth/reset_check.html", context)

    @get("/new")
    async def new_form(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[Any]:
        """Only while the check authorises a reset; otherwise its page says why (the same
        for a number that started no check)."""
        flow = _flow(request)
        if flow is None:
            return see_other(BASE)
        check_id = _check_id(flow)
        if check_id is None:
            return see_other(f"{BASE}/check")
        found = await service.reset_check(uow, check_id, face_service.PASSWORD_RESET, utcnow())
        if found is None or not found.usable:
            return see_other(f"{BASE}/check")
        return _new_password_page(request, FormErrors())

    @post("/new")
    async def new_send(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """The passed check is spent by this reset, once: a second request finds it used."""
        flow = _flow(request)
        if flow is None:
            return see_other(BASE)
        check_id = _check_id(flow)
        errors = FormErrors()
        new = _read_new_password(await read_form(request), errors)
        if errors:
            return _new_password_page(request, errors, status=422)
        try:
            if check_id is None:  # a number that started no check: refused as a failed one
                raise service.ResetRefused
            await service.reset_password(uow, limits, check_id, new, utcnow())
        except service.SameAsCurrent:
            errors.add("new_password", new_password_message("same_as_current"))
            return _new_password_page(request, errors, status=422)
        except service.ResetRefused:
            return _new_password_page(request, errors, usable=False, status=409)
        request.session.pop(FLOW, None)
        return see_other("/login?password_reset=1")

"""A forgotten e-card PIN (刷脸找回), signed in, linked from the account page and from every PIN
entry (/account/pin/forgotten): face recognition against the holder's own registry portrait,
then a new PIN, which also lifts a lock after too many wrong PINs. A holder the registry holds
no portrait of resets it at a service centre."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.images import ImageRejected
from app.adapters.portraits import PortraitSource
from app.domain.pin import WeakPin
from app.domain.typed import compact
from app.domain.views import Holder
from app.routes import formspec as fs
from app.routes.deps import provide_account, provide_limits, provide_portraits, provide_store
from app.routes.face_check import OwnSelfieForm, schedule_check
from app.routes.flow import MAX_UPLOAD_FIELD, read_values
from app.routes.formspec import N_, parse_form
from app.routes.i18n import _
from app.routes.messages import (
    image_message,
    photo_problem_message,
    too_many_attempts_message,
    weak_pin_message,
)
from app.routes.step_up import pin_page
from app.routes.web import FormErrors, client_ip, page, safe_next, see_other
from app.services import face as face_service
from app.services import resets as service
from app.services.context import UnitOfWork
from app.services.limits import PIN_RESET_ACCOUNT, RESET_IP, Limits, TooManyAttempts

BASE = "/account/pin/forgotten"
BACK_TO = "pin_reset_next"  # the session's key of the PIN entry the holder came from


class NewPinForm(msgspec.Struct):
    new_pin: Annotated[str, fs.pin(missing=N_("Enter a new PIN"))] = ""
    confirm_pin: Annotated[str, fs.hidden(20)] = ""  # compared with new_pin below


def _done_address(request: Request[Any, Any, Any]) -> str:
    """The account page with its notice, and a way back to the PIN entry left for this."""
    back = safe_next(request.session.pop(BACK_TO, None), "")
    query = {"pin_reset": "1", **({"next": back} if back else {})}
    return f"/account?{urlencode(query, safe='/')}"


async def _start_page(
    request: Request[Any, Any, Any],
    account: Holder,
    portraits: PortraitSource,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    context = {"has_portrait": await service.has_portrait(portraits, account)}
    return pin_page(
        request, account, "pages/account/pin_reset.html", context, errors, status=status
    )


def _new_pin_page(
    request: Request[Any, Any, Any],
    check_id: UUID,
    errors: FormErrors,
    *,
    usable: bool = True,
    status: int = 200,
) -> Response[str]:
    context = {"errors": errors, "usable": usable, "check_id": check_id}
    return page(request, "pages/account/pin_reset_new.html", context, status=status)


class PinResetController(Controller):
    path = BASE
    dependencies = {
        "account": Provide(provide_account),
        "limits": Provide(provide_limits),
        "store": Provide(provide_store),
        "portraits": Provide(provide_portraits),
    }

    @get("/")
    async def start(
        self,
        request: Request[Any, Any, Any],
        account: NamedDependency[Holder],
        portraits: NamedDependency[PortraitSource],
        next: FromQuery[str | None] = None,
    ) -> Response[str]:
        """`next`: the PIN entry the holder came from, offered again once the PIN is new
        (kept while they try again from here, which links here without it)."""
        if back := safe_next(next, ""):
            request.session[BACK_TO] = back
        return await _start_page(request, account, portraits, FormErrors())

    @post("/", request_max_body_size=MAX_UPLOAD_FIELD + 100_000)
    async def send(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        portraits: NamedDependency[PortraitSource],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """The attempt is counted (per account and per address) before the photo is looked at."""
        parsed = parse_form(OwnSelfieForm, await read_values(request))
        if parsed.form is None or parsed.form.selfie is None:
            return await _start_page(request, account, portraits, parsed.errors, status=422)
        now = utcnow()
        errors = FormErrors()
        counted_as = (PIN_RESET_ACCOUNT, str(account.account_id)), (RESET_IP, client_ip(request))
        try:
            await limits.count(now, *counted_as)
            check = await service.start_pin_check(
                uow, store, portraits, account, parsed.form.selfie, now
            )
        except TooManyAttempts as wait:
            errors.add("selfie", too_many_attempts_message(wait.until))
            return await _start_page(request, account, portraits, errors, status=429)
        except ImageRejected as rejected:
            errors.add("selfie", image_message("selfie", rejected, uow.policy))
        except face_service.NoReference:
            pass  # the page says where to reset it instead
        except face_service.CheckPending as running:
            mine = running.check_id and await service.reset_check(
                uow, running.check_id, face_service.PIN_RESET, now, person_id=account.person_id
            )
            if mine:
                return see_other(f"{BASE}/checks/{running.check_id}")
            errors.add("selfie", _("A photo is still being checked. Wait for its result."))
        else:
            schedule_check(request, uow, check.id)
            return see_other(f"{BASE}/checks/{check.id}")
        return await _start_page(request, account, portraits, errors, status=422)

    @get("/checks/{check_id:uuid}")
    async def status(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        check_id: FromPath[UUID],
    ) -> Response[str]:
        """Only the holder's own PIN reset check; polled while it is pending."""
        found = await service.reset_check(
            uow, check_id, face_service.PIN_RESET, utcnow(), person_id=account.person_id
        )
        if found is None:
            raise NotFoundException
        problem = None
        if found.state == face_service.UNUSABLE and found.reason:
            problem = photo_problem_message(found.reason)
        context = {"check": found, "problem": problem}
        return page(request, "pages/account/pin_reset_check.html", context)

    @get("/checks/{check_id:uuid}/new")
    async def new_form(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        check_id: FromPath[UUID],
    ) -> Response[Any]:
        found = await service.reset_check(
            uow, check_id, face_service.PIN_RESET, utcnow(), person_id=account.person_id
        )
        if found is None:
            raise NotFoundException
        if found.state != face_service.MATCHED:  # its page says what became of it
            return see_other(f"{BASE}/checks/{check_id}")
        return _new_pin_page(request, check_id, FormErrors(), usable=found.usable)

    @post("/checks/{check_id:uuid}/new")
    async def new_send(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        limits: NamedDependency[Limits],
        check_id: FromPath[UUID],
    ) -> Response[Any]:
        """The passed check is spent by this reset, once: a second request finds it used."""
        parsed = parse_form(NewPinForm, await read_values(request))
        errors = parsed.errors
        if parsed.form is not None and compact(parsed.form.confirm_pin) != parsed.form.new_pin:
            errors.add("confirm_pin", _("The two new PINs do not match"))
        if parsed.form is None or errors:
            return _new_pin_page(request, check_id, errors, status=422)
        try:
            await service.reset_pin(uow, limits, account, check_id, parsed.form.new_pin, utcnow())
        except WeakPin as weak:
            errors.add("new_pin", weak_pin_message(weak))
            return _new_pin_page(request, check_id, errors, status=422)
        except service.ResetRefused:
            return _new_pin_page(request, check_id, errors, usable=False, status=409)
        return see_other(_done_address(request))

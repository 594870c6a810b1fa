"""One PIN step-up for every action that needs the holder's e-card PIN first (adding a member,
unbinding, applying for an e-card, paying).

The holder enters the PIN on the action's own PIN page (one template macro,
`partials/step_up.html`). A right PIN is remembered in the session, for that action and its
object only, for `policy.step_up_minutes`; a handler that needs it declares
`guards=[requires_step_up(...)]` and is sent back to the PIN page once it has gone stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.adapters.clock import utcnow
from app.domain.views import Holder
from app.routes import formspec as fs
from app.routes.flow import StepCall
from app.routes.formspec import N_, parse_form
from app.routes.messages import note_pin_lock, pin_lock_moment, wrong_pin_message
from app.routes.web import FormErrors, page, refuse
from app.services import pin as pin_service
from app.services.context import UnitOfWork

SESSION_KEY = "step_up"


class PinForm(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""


class StepUpRequired(Exception):
    """Handled by sending the holder to the PIN page of the action."""

    def __init__(self, pin_page: str) -> None:
        super().__init__(pin_page)
        self.pin_page = pin_page


def _key(action: str, scope: str) -> str:
    return f"{action}:{scope}"


def _minutes(request: ASGIConnection[Any, Any, Any, Any]) -> int:
    minutes: int = request.app.state.settings.policy.step_up_minutes
    return minutes


def is_fresh(request: ASGIConnection[Any, Any, Any, Any], action: str, scope: str = "") -> bool:
    granted = (request.session.get(SESSION_KEY) or {}).get(_key(action, scope))
    if not isinstance(granted, float | int):
        return False
    return utcnow().timestamp() - granted <= _minutes(request) * 60


def grant(request: Request[Any, Any, Any], action: str, scope: str = "") -> None:
    now = utcnow().timestamp()
    limit = _minutes(request) * 60
    kept = {
        key: at
        for key, at in (request.session.get(SESSION_KEY) or {}).items()
        if now - float(at) <= limit  # stale grants go, so the session stays small
    }
    request.session[SESSION_KEY] = {**kept, _key(action, scope): now}


def spend(request: Request[Any, Any, Any], action: str, scope: str = "") -> None:
    """A step-up that guarded an irreversible action is used up by it."""
    grants = dict(request.session.get(SESSION_KEY) or {})
    if grants.pop(_key(action, scope), None) is not None:
        request.session[SESSION_KEY] = grants


@dataclass(frozen=True)
class PinCheck:
    errors: FormErrors
    locked_until: str | None

    @property
    def passed(self) -> bool:
        return not self.errors and self.locked_until is None


async def check_pin(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    pin: str,
    action: str,
    scope: str = "",
) -> PinCheck:
    """Check a PIN already read from a form; on success grant the step-up for this action."""
    errors = FormErrors()
    try:
        await pin_service.verify_pin(uow, account, pin, utcnow())
    except pin_service.WrongPin as wrong:
        errors.add("pin", wrong_pin_message(wrong.remaining, uow.policy))
    except pin_service.PinLocked as locked:
        note_pin_lock(request, locked.until)  # the page says until when
    else:
        grant(request, action, scope)
    return PinCheck(errors, pin_lock_moment(request, account))


async def verify(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    action: str,
    scope: str = "",
) -> PinCheck:
    """Read the posted `pin` and check it (see check_pin)."""
    parsed = parse_form(PinForm, dict(await request.form()))
    if parsed.form is None:
        return PinCheck(parsed.errors, pin_lock_moment(request, account))
    return await check_pin(request, uow, account, parsed.form.pin, action, scope)


def requires_step_up(action: str, pin_path: str) -> Any:
    """A guard: the handler runs only with a fresh step-up for `action` on the object whose PIN
    page is at `pin_path` (a path template filled from the request's path parameters)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        page = pin_path.format(**connection.path_params)
        if not is_fresh(connection, action, page):
            await refuse(connection, StepUpRequired(page))

    return guard


def pin_step_view(call: StepCall[Any]) -> dict[str, Any]:
    """What a flow's PIN step shows besides its form: until when PIN use is locked, if it is."""
    return {"locked_until": pin_lock_moment(call.request, call.account)}


def pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    template: str,
    context: Mapping[str, Any],
    errors: FormErrors | None = None,
    *,
    status: int = 200,
) -> Response[str]:
    """A page that asks for the PIN (its form is the pin_field macro's): the page's own context,
    its errors, and until when PIN use is locked, if it is."""
    shown = {
        **context,
        "errors": errors or FormErrors(),
        "locked_until": pin_lock_moment(request, account),
    }
    return page(request, template, shown, status=status)

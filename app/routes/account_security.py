"""A holder's own controls, linked from /account: change the password with the current one
(/account/password), and see and end their other signed-in sessions (/account/sessions)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.domain.device import describe
from app.domain.password import MIN_LENGTH, problem_with
from app.domain.views import Holder
from app.routes.deps import provide_account, provide_limits, signed_in_session
from app.routes.forms import PASSWORD_MAX, read_form
from app.routes.i18n import _, format_moment
from app.routes.messages import new_password_message
from app.routes.security import rotate_session
from app.routes.web import FormErrors, page, see_other
from app.services import account_security as service
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts

_DEPENDENCIES = {"account": Provide(provide_account), "limits": Provide(provide_limits)}


def _read(values: dict[str, str], errors: FormErrors) -> tuple[str, str]:
    """The current and the new password, with an error next to each field that needs one."""
    current = values.get("current_password", "")
    new = values.get("new_password", "")
    if not current:
        errors.add("current_password", _("Enter your current password"))
    elif len(current) > PASSWORD_MAX:
        errors.add("current_password", _("The password is not right"))
    if not new:
        errors.add("new_password", _("Enter a new password"))
    elif problem := problem_with(new, current=current):
        errors.add("new_password", new_password_message(problem))
    if "new_password" not in errors.fields and values.get("confirm_password", "") != new:
        errors.add("confirm_password", _("The two new passwords do not match"))
    return current, new


class PasswordController(Controller):
    path = "/account/password"
    dependencies = _DEPENDENCIES

    @get("/")
    async def form(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[str]:
        return _password_page(request, FormErrors())

    @post("/")
    async def change(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        errors = FormErrors()
        current, new = _read(await read_form(request), errors)
        sid = signed_in_session(request)
        if errors or sid is None:
            return _password_page(request, errors, status=422)
        try:
            await service.change_password(
                uow,
                limits,
                account_id=account.account_id,
                current=current,
                new=new,
                keep_session=sid,
                now=utcnow(),
            )
        except service.WrongPassword:
            errors.add("current_password", _("The password is not right"))
            return _password_page(request, errors, status=422)
        except TooManyAttempts as wait:
            message = _(
                "Too many wrong passwords. You can try again after {time} (China Standard Time)."
            ).format(time=format_moment(wait.until))
            errors.add("current_password", message)
            return _password_page(request, errors, status=429)
        rotate_session(request)
        request.session["password_at"] = utcnow().timestamp()
        return see_other("/account?password_changed=1")


def _password_page(
    request: Request[Any, Any, Any], errors: FormErrors, *, status: int = 200
) -> Response[str]:
    context = {"errors": errors, "min_length": MIN_LENGTH}
    return page(request, "pages/account/password.html", context, status=status)


def device_label(user_agent: str) -> str:
    browser, system = describe(user_agent)
    if browser and system:
        return _("{browser} on {system}").format(browser=browser, system=system)
    return browser or system or _("Unknown device")


class SessionsController(Controller):
    path = "/account/sessions"
    dependencies = _DEPENDENCIES

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        current = signed_in_session(request)
        assert current is not None  # provide_account signs in only with one
        listed = await service.live_sessions(uow, account.account_id, current, utcnow())
        notice = _("That session has been ended.") if request.query_params.get("ended") else None
        context = {
            "listed": listed,
            "notice": notice,
            "device_label": device_label,
            "format_moment": format_moment,
        }
        return page(request, "pages/account/sessions.html", context)

    @post("/{session_id:uuid}/end")
    async def end(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        session_id: FromPath[UUID],
    ) -> Response[Any]:
        """Ending this very session is signing out: that is the sign-out button's job."""
        if session_id != signed_in_session(request):
            await service.end_session(
                uow, account.account_id, account.person_id, session_id, utcnow()
            )
        return see_other("/account/sessions?ended=1")

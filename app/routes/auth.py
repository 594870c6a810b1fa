"""Sign in with an ID number and password or a passkey; sign out."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody
from litestar.response import Redirect

from app.adapters.clock import utcnow
from app.domain.views import Holder
from app.routes import sessions
from app.routes.deps import (
    ACCOUNT,
    provide_account_without_pin,
    provide_limits,
    provide_rp,
    signed_in_session,
    start_session,
)
from app.routes.forms import PASSWORD_MAX, id_number_field, read_form
from app.routes.i18n import _, format_moment
from app.routes.json_body import json_only
from app.routes.scan_scope import SESSION
from app.routes.web import FormErrors, client_ip, is_htmx, page, safe_next, see_other
from app.services import account_security
from app.services import passkeys as passkey_service
from app.services.auth_core import PasskeyRejected, RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts
from app.services.signin import InvalidCredentials, sign_in_with_password


class PasskeyAssertion(msgspec.Struct):
    credential: str


class AuthController(Controller):
    dependencies = {"limits": Provide(provide_limits), "rp": Provide(provide_rp)}

    @get("/login")
    async def login_form(
        self, request: Request[Any, Any, Any], next: FromQuery[str | None] = None
    ) -> Response[Any]:
        if request.session.get("account_id"):
            return see_other("/")
        notice = None
        if request.query_params.get("signed_out"):
            notice = _("You have signed out.")
        elif request.query_params.get("expired"):
            notice = _("You were signed out because you were inactive. Sign in again.")
        elif request.query_params.get("password_reset"):
            notice = _("Your password has been reset. Sign in with your new password.")
        return page(request, "pages/auth/login.html", {"next": safe_next(next), "notice": notice})

    @post("/login")
    async def login(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        values = await read_form(request)
        errors = FormErrors()
        number = id_number_field(values, errors)
        password = values.get("password", "")
        if not password:
            errors.add("password", _("Enter your password"))
        elif len(password) > PASSWORD_MAX:
            errors.add(
                "password",
                _("Your password must be {limit} characters or fewer").format(limit=PASSWORD_MAX),
            )
        shown = {"id_number": values.get("id_number", "")[:40]}
        context: dict[str, Any] = {
            "values": shown,
            "errors": errors,
            "next": safe_next(values.get("next")),
        }
        if errors or number is None:
            return page(request, "pages/auth/login.html", context, status=422)
        try:
            account = await sign_in_with_password(
                uow,
                limits,
                number=number,
                password=password,
                ip=client_ip(request),
                now=utcnow(),
            )
        except InvalidCredentials:
            errors.add("id_number", _("The ID number or password is not right"))
            return page(request, "pages/auth/login.html", context, status=422)
        except TooManyAttempts as wait:
            context["locked_until"] = format_moment(wait.until)
            return page(request, "pages/auth/login.html", context, status=429)
        await start_session(request, uow, account, by_password=True)
        return see_other(safe_next(values.get("next")))

    @post("/login/passkey/options", status_code=200)
    async def passkey_options(
        self, uow: NamedDependency[UnitOfWork], rp: NamedDependency[RelyingParty]
    ) -> Response[bytes]:
        """No session for this: anyone may ask, so the challenge carries its own proof."""
        options_json = passkey_service.signin_options(rp, uow.cipher.credential_mac, utcnow())
        return Response(options_json.encode(), media_type="application/json")

    @post("/login/passkey", status_code=200, before_request=json_only)
    async def passkey_login(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        rp: NamedDependency[RelyingParty],
        data: JSONBody[PasskeyAssertion],
    ) -> Response[dict[str, str]]:
        try:
            account = await passkey_service.authenticate(
                uow, rp, credential_json=data.credential, now=utcnow()
            )
        except PasskeyRejected:
            return Response(
                {"error": _("Passkey sign-in did not work. Try again.")}, status_code=400
            )
        await start_session(request, uow, account, by_password=False)
        return Response({"redirect": "/"})

    @post(
        "/session/extend",
        dependencies={"account": Provide(provide_account_without_pin)},
        opt=SESSION,
    )
    async def extend_session(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[Any]:
        """The idle warning's "Stay signed in": any signed-in request restarts the idle clock.
        With HTMX the page stays as it is (nothing typed is lost); without, back to it."""
        sessions.still_here(request)
        if is_htmx(request):
            return Response(content=None, status_code=204)
        values = await read_form(request)
        return see_other(safe_next(values.get("next")))

    @post("/logout", opt=SESSION)
    async def logout(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Redirect:
        sid, account_id = signed_in_session(request), request.session.get(ACCOUNT)
        if sid is not None and account_id:
            await account_security.signed_out(uow, UUID(str(account_id)), sid, utcnow())
        request.clear_session()
        return see_other("/login?signed_out=1")

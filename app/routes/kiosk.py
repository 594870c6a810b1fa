"""/kiosk: a service hall's self-service machine. Its screen shows a code to scan; a family
member's phone approves it; the machine is then signed in, limited to viewing, printing and
certifying (app/routes/scan_scope.py), until "Finish" or a short idle time ends it.

A browser is a machine once it holds the machine's key (typed once, kept in a cookie)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide

from app.adapters.clock import utcnow
from app.domain.views import KioskView
from app.routes import scan_wait
from app.routes.deps import ACCOUNT, provide_limits, signed_in_session
from app.routes.forms import read_form
from app.routes.i18n import _, format_moment
from app.routes.scan_scope import SESSION, home_of
from app.routes.sessions import SCAN
from app.routes.web import FormErrors, client_ip, page, see_other
from app.services import account_security
from app.services import kiosks as kiosk_service
from app.services import scan_login as scan_service
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts

BASE = "/kiosk"
KEY_COOKIE = "kiosk"
KEY_COOKIE_DAYS = 365


def key_cookie_name(secure: bool) -> str:
    return f"__Host-{KEY_COOKIE}" if secure else KEY_COOKIE


def _key_of(request: Request[Any, Any, Any]) -> str | None:
    return request.cookies.get(key_cookie_name(True)) or request.cookies.get(KEY_COOKIE)


def is_kiosk(request: Request[Any, Any, Any]) -> bool:
    """The browser holds a machine key (whether it is still valid is for /kiosk to check)."""
    return bool(_key_of(request))


async def provide_kiosk(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> KioskView | None:
    return await kiosk_service.identify(uow, _key_of(request))


def _notice(request: Request[Any, Any, Any]) -> str | None:
    ended = request.query_params.get("ended")
    if ended == "finished":
        return _("The session has ended. The machine is ready for the next person.")
    if ended == "timed_out":
        return _("The session ended because nothing was done for a while.")
    return None


async def _page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    kiosk: KioskView,
    *,
    status: int = 200,
    **extra: Any,
) -> Response[Any]:
    wait = extra.pop("wait", None) or await scan_wait.region(request, uow)
    if scan_wait.is_poll(request):
        return scan_wait.region_response(BASE, wait)
    context = {
        "base": BASE,
        "wait": wait,
        "kiosk": kiosk,
        "kiosk_mode": True,
        "notice": _notice(request),
        **extra,
    }
    return page(request, "pages/scan/wait.html", context, status=status)


def _set_up_page(
    request: Request[Any, Any, Any], errors: FormErrors, *, status: int = 200
) -> Response[str]:
    return page(request, "pages/scan/kiosk_setup.html", {"errors": errors}, status=status)


class KioskController(Controller):
    path = BASE
    dependencies = {"kiosk": Provide(provide_kiosk), "limits": Provide(provide_limits)}

    @get("/", opt=SESSION)
    async def waiting(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        kiosk: NamedDependency[KioskView | None],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """The machine's screen: a code to scan (a new one on a first visit), or, signed in,
        back to the services."""
        if kiosk is None:
            return _set_up_page(request, FormErrors())
        if request.session.get(ACCOUNT):
            return see_other(home_of(request.session))
        if scan_wait.waiting_of(request) is None:
            busy = await scan_wait.new_request(request, uow, limits, kiosk)
            if busy is not None:
                return await _page(request, uow, kiosk, status=429, wait=busy)
        return await _page(request, uow, kiosk)

    @post("/")
    async def start(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        kiosk: NamedDependency[KioskView | None],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """ "Show a new code"."""
        if kiosk is not None:
            busy = await scan_wait.new_request(request, uow, limits, kiosk)
            if busy is not None:
                return await _page(request, uow, kiosk, status=429, wait=busy)
        return see_other(BASE)

    @post("/complete")
    async def complete(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        kiosk: NamedDependency[KioskView | None],
    ) -> Response[Any]:
        if kiosk is None:
            return see_other(BASE)
        outcome = await scan_wait.complete(request, uow)
        if outcome is None:
            return await _page(request, uow, kiosk, status=409, not_yet=True)
        if isinstance(outcome, str):
            return await _page(request, uow, kiosk, status=409, wait=scan_wait.refused(outcome))
        where = await scan_wait.sign_in(request, uow, outcome, BASE)
        return scan_wait.go(request, where)

    @post("/finish", opt=SESSION)
    async def finish(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        kiosk: NamedDependency[KioskView | None],
    ) -> Response[Any]:
        """ "Finish", or (sent by the page) nobody has touched the screen for the idle time:
        the session ends here and now, and the machine shows a new code."""
        # The button sends how=finished; the page's idle timer sends the form without it.
        finished = (await read_form(request)).get("how") == "finished"
        sid, account_id = signed_in_session(request), request.session.get(ACCOUNT)
        scan = request.session.get(SCAN)
        now = utcnow()
        if sid is not None and account_id:
            await account_security.signed_out(uow, UUID(str(account_id)), sid, now)
            if isinstance(scan, dict):
                scan_service.ended(
                    uow,
                    holder_id=UUID(scan["holder"]),
                    subject_id=UUID(scan["subject"]),
                    kiosk=kiosk,
                    how="finished" if finished else "timed_out",
                    now=now,
                )
        request.clear_session()
        return see_other(f"{BASE}?ended={'finished' if finished else 'timed_out'}")

    @post("/setup")
    async def set_up(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """An operator types the machine's key once; the browser keeps it."""
        typed = (await read_form(request)).get("key", "")
        errors = FormErrors()
        if not typed.strip():
            errors.add("key", _("Enter the machine's key"))
            return _set_up_page(request, errors, status=422)
        try:
            key = await kiosk_service.set_up(uow, limits, typed, client_ip(request), utcnow())
        except kiosk_service.WrongKey:
            errors.add("key", _("This is not the key of any self-service machine"))
            return _set_up_page(request, errors, status=422)
        except TooManyAttempts as wait:
            errors.add(
                "key",
                _(
                    "Too many wrong keys. You can try again after {time} (China Standard Time)."
                ).format(time=format_moment(wait.until)),
            )
            return _set_up_page(request, errors, status=429)
        secure = request.url.scheme == "https"
        cookie = Cookie(
            key=key_cookie_name(secure),
            value=key,
            max_age=KEY_COOKIE_DAYS * 24 * 3600,
            path="/",
            httponly=True,
            samesite="lax",
            secure=secure,
        )
        response = see_other(BASE)
        response.cookies.append(cookie)
        return response

"""/login/scan: sign in on this browser by scanning its QR code with a signed-in phone."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide

from app.routes import scan_wait
from app.routes.deps import ACCOUNT, provide_limits
from app.routes.forms import read_form
from app.routes.web import page, safe_next, see_other
from app.services.context import UnitOfWork
from app.services.limits import Limits

BASE = "/login/scan"


async def _page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    *,
    status: int = 200,
    **extra: Any,
) -> Response[Any]:
    wait = extra.pop("wait", None) or await scan_wait.region(request, uow)
    if scan_wait.is_poll(request):
        return scan_wait.region_response(BASE, wait)
    context = {"base": BASE, "wait": wait, "kiosk": None, **extra}
    return page(request, "pages/scan/wait.html", context, status=status)


class ScanLoginController(Controller):
    path = BASE
    dependencies = {"limits": Provide(provide_limits)}

    @get("/")
    async def waiting(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[Any]:
        """The QR code of this second; with HTMX, the region alone (polled every second)."""
        if request.session.get(ACCOUNT):
            return see_other("/")
        return await _page(request, uow)

    @post("/")
    async def start(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """A new request (from the sign-in page, or "Show a new code")."""
        values = await read_form(request)
        waiting = scan_wait.waiting_of(request)
        next_ = safe_next(values.get("next") or (waiting.next if waiting else None))
        busy = await scan_wait.new_request(request, uow, limits, None, next_)
        if busy is not None:
            return await _page(request, uow, status=429, wait=busy)
        return see_other(BASE)

    @post("/complete")
    async def complete(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[Any]:
        """Signed in once the phone has approved; otherwise the page says why not."""
        waiting = scan_wait.waiting_of(request)
        outcome = await scan_wait.complete(request, uow)
        if outcome is None:
            return await _page(request, uow, status=409, not_yet=True)
        if isinstance(outcome, str):
            return await _page(request, uow, status=409, wait=scan_wait.refused(outcome))
        where = await scan_wait.sign_in(request, uow, outcome, waiting.next if waiting else "/")
        return scan_wait.go(request, where)

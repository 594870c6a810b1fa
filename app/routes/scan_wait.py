"""The waiting screen of a scan login, shared by /login/scan (a browser) and /kiosk (a
self-service machine): the QR code drawn afresh each second, the typed code and the number to
choose; with HTMX the region polls itself every second and signs in once a phone has
approved; without, the page can be reloaded and "I have confirmed on my phone" signs in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.enums import MediaType

from app.adapters.clock import utcnow
from app.domain import scan_login as rules
from app.domain.scan_login import Reason, ScanRefused, ScanState
from app.domain.views import KioskView
from app.routes.deps import start_session
from app.routes.ecard import credential_svg
from app.routes.i18n import _, format_moment
from app.routes.scan_messages import clock_time, screen_refusal
from app.routes.sessions import IDLE, SCAN
from app.routes.web import client_ip, is_htmx, see_other, templates
from app.services import scan_login as service
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts
from app.services.scan_login import Asked, SignedIn

WAIT = "scan_wait"  # the session key of the screen's request
REGION_ID = "scan-wait"  # the waiting region's element id


@dataclass(frozen=True, slots=True)
class Waiting:
    """What the screen's session keeps of its request: the token and code only it shows."""

    id: UUID
    token: str
    code: str
    next: str


def keep(request: Request[Any, Any, Any], asked: Asked, next_: str = "/") -> None:
    request.session[WAIT] = {
        "id": str(asked.id),
        "token": asked.token,
        "code": asked.typed_code,
        "next": next_,
    }


def waiting_of(request: Request[Any, Any, Any]) -> Waiting | None:
    kept = request.session.get(WAIT)
    if not isinstance(kept, dict):
        return None
    try:
        return Waiting(UUID(kept["id"]), kept["token"], kept["code"], kept.get("next") or "/")
    except (KeyError, ValueError, TypeError):
        return None


def refused(reason: Reason) -> dict[str, Any]:
    """The region saying why the screen cannot be signed in."""
    return {"state": "refused", "reason": reason, "message": screen_refusal(reason)}


async def region(request: Request[Any, Any, Any], uow: UnitOfWork) -> dict[str, Any]:
    """The waiting region as it is now: "none" (no request yet), "pending" (the QR code of this
    second), "approved" (sign in now) or "refused" (with why)."""
    waiting = waiting_of(request)
    if waiting is None:
        return {"state": "none"}
    found = await service.request(uow, waiting.id)
    if found is None:
        return refused("unknown")
    now = utcnow()
    lifetime = uow.policy.scan_login_seconds
    if found.state == ScanState.PENDING:
        reason = rules.approvable(found.state, found.expires_at, now)
        if reason is not None:
            return refused(reason)
        seconds = rules.seconds_since(found.started_at, now)
        origin = request.app.state.settings.webauthn_origin.rstrip("/")
        link = f"{origin}/scan/q/{rules.payload(waiting.token, found.secret, seconds)}"
        return {
            "state": "pending",
            "svg": credential_svg(link, _("QR code to sign in with your phone")),
            "typed": rules.TYPED.display(waiting.code),
            "number": rules.match_number(found.secret),
            "until": clock_time(found.expires_at),
        }
    reason = rules.completable(found.state, found.decided_at, now, lifetime)
    return refused(reason) if reason else {"state": "approved"}


def is_poll(request: Request[Any, Any, Any]) -> bool:
    """The region's own HTMX poll (a boosted visit to the page gets the page)."""
    return (
        is_htmx(request)
        and request.method == "GET"
        and request.headers.get("hx-target") == REGION_ID
    )


def region_response(base: str, wait: dict[str, Any]) -> Response[str]:
    """The region alone, for the HTMX poll (no history entry: the address stays)."""
    context = {"base": base, "wait": wait}
    body = templates().get_template("pages/scan/wait_region.html").render(context)
    return Response(body, media_type=MediaType.HTML, headers={"vary": "HX-Request"})


async def complete(request: Request[Any, Any, Any], uow: UnitOfWork) -> SignedIn | Reason | None:
    """Sign this screen in if its request has been approved: whom, or why not (a reason, or
    None while nobody has approved yet)."""
    waiting = waiting_of(request)
    if waiting is None:
        return "unknown"
    try:
        return await service.complete(uow, waiting.id, utcnow())
    except service.NotYet:
        return None
    except ScanRefused as refused:
        return refused.reason


async def sign_in(
    request: Request[Any, Any, Any], uow: UnitOfWork, signed: SignedIn, next_: str
) -> str:
    """Start the session the phone approved; where to go. At a machine, or acting for a family
    member, the session is limited (app/routes/scan_scope.py); at a machine it ends sooner."""
    extra: dict[str, Any] = {}
    kiosk = signed.kiosk
    if rules.is_limited(signed.binding_id, kiosk is not None):
        extra[SCAN] = {
            "binding": str(signed.binding_id) if signed.binding_id else "",
            "kiosk": kiosk.code if kiosk else "",
            "subject": str(signed.person.id),
            "holder": str(signed.holder.id),
            "name": signed.person.name,
            "by": signed.holder.name,
        }
    if kiosk is not None:
        extra[IDLE] = uow.policy.kiosk_idle_seconds
    await start_session(request, uow, signed.account_id, by_password=False, **extra)
    if signed.binding_id:
        return f"/family/{signed.binding_id}"
    return "/my" if kiosk else next_


def go(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """A full page load, for HTMX too: the header and menu change with the sign-in."""
    if is_htmx(request):
        return Response(None, status_code=204, headers={"hx-redirect": path})
    return see_other(path)


async def new_request(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    limits: Limits,
    kiosk: KioskView | None,
    next_: str = "/",
) -> dict[str, Any] | None:
    """A new code for this screen (its pending one, if any, is cancelled); or, when this
    screen has asked for too many, the region saying until when it must wait."""
    waiting = waiting_of(request)
    try:
        old = waiting.id if waiting else None
        city = request.app.state.cities.city(client_ip(request))
        asked = await service.replace(uow, limits, old, utcnow(), kiosk, city)
    except TooManyAttempts as wait:
        return too_many(wait.until)
    keep(request, asked, next_)
    return None


def too_many(until: datetime) -> dict[str, Any]:
    message = _(
        "Too many new codes have been asked for here. You can ask again after {time} "
        "(China Standard Time)."
    ).format(time=format_moment(until))
    return {"state": "refused", "reason": "too_many", "message": message}

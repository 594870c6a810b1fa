"""The subject's e-card with its dynamic QR code, and applying for a card (details, then the
holder's own PIN). Mounted under /my and /family/{binding_id}."""

from __future__ import annotations

from typing import Any

import segno
from babel.dates import format_time, get_timezone
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import MediaType
from markupsafe import Markup, escape

from app.adapters.clock import utcnow
from app.domain.views import Holder
from app.routes import step_up
from app.routes.i18n import DISPLAY_TZ, _, current_locale, with_names
from app.routes.scan_scope import VIEW
from app.routes.web import FormErrors, is_htmx, page, see_other, templates
from app.services import credentials, people
from app.services import ecard as ecard_service
from app.services.context import UnitOfWork
from app.services.subject import Subject

# Renew a code this long before it expires, and at most this many times in a row without
# the user doing anything: each request keeps the session alive, so endless renewal would
# keep an unattended phone signed in (and fill the member's audit trail).
RENEW_BEFORE_EXPIRY_SECONDS = 10
AUTO_RENEWALS = 8
APPLY = "ecard.apply"


def credential_svg(token: str, label: str) -> Markup:
    """The token as a QR code in inline SVG, sized by CSS (a viewBox, no width or height)."""
    svg = segno.make_qr(token, error="m").svg_inline(scale=1, omitsize=True, title=label)
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1))  # noqa: S704


def _clock_time(moment: Any) -> str:
    return format_time(
        moment, "HH:mm:ss", tzinfo=get_timezone(DISPLAY_TZ), locale=current_locale.get()
    )


async def _qr_context(uow: UnitOfWork, subject: Subject, round_: int) -> dict[str, Any]:
    """A fresh code for the QR region; round_ counts renewals nobody asked for."""
    try:
        code = await credentials.show_code(uow, subject, utcnow())
    except credentials.CardNotUsable:
        return {"code": None, "renew": False}
    label = _("QR code of the e-card of {name}").format(name=subject.person.name)
    return {
        "code": code,
        "svg": credential_svg(code.token, label),
        "until": _clock_time(code.expires_at),
        "renew": round_ < AUTO_RENEWALS,
        "next_round": round_ + 1,
        "renew_after": max(uow.policy.qr_valid_seconds - RENEW_BEFORE_EXPIRY_SECONDS, 5),
        # The last code is not renewed: when it expires, the region says so instead.
        "expires_after": uow.policy.qr_valid_seconds,
    }


# The region once the last code has expired: no code (nothing left to scan), and "New code".
EXPIRED = {"code": None, "expired": True, "renew": False}


def _round(request: Request[Any, Any, Any]) -> int:
    raw = request.query_params.get("round", "0")[:3]
    return int(raw) if raw.isascii() and raw.isdigit() else 0


def _title(subject: Subject) -> Markup:
    if subject.acting_for:
        return with_names(_("E-card of {name}"), name=subject.person.name)
    return escape(_("My e-card and QR code"))


class SubjectCardController(Controller):
    path = "/card"

    @get("/", opt=VIEW)
    async def card(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        card = subject.person.card
        await ecard_service.viewed(uow, subject, utcnow())
        context = {
            "subject": subject,
            "title": _title(subject),
            "card": card,
            "masked_id": people.masked(uow, subject.person),
            "usable": ecard_service.usable(card),
            "notice": _("The e-card has been issued.")
            if card and request.query_params.get("issued")
            else None,
        }
        if context["usable"]:
            context["qr"] = await _qr_context(uow, subject, 0)
        return page(request, "pages/subject/card.html", context)

    @get("/qr", opt=VIEW)
    async def qr(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        """The QR region alone, for HTMX; without it, the card page has a fresh code."""
        if not is_htmx(request):
            return see_other(f"{subject.base}/card")
        if request.query_params.get("state") == "expired":
            qr: dict[str, Any] = EXPIRED
        else:
            qr = await _qr_context(uow, subject, _round(request))
        context = {"subject": subject, "qr": qr}
        body = templates().get_template("pages/subject/card_qr.html").render(context)
        return Response(body, media_type=MediaType.HTML, headers={"vary": "HX-Request"})

    @get("/apply")
    async def apply_details(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        if subject.person.card is not None:
            return see_other(f"{subject.base}/card")
        await ecard_service.viewed(uow, subject, utcnow())
        context = {
            "subject": subject,
            "masked_id": people.masked(uow, subject.person),
        }
        return page(request, "pages/subject/card_apply.html", context)

    @get("/apply/pin")
    async def apply_pin_form(
        self,
        request: Request[Any, Any, Any],
        subject: NamedDependency[Subject],
        account: NamedDependency[Holder],
    ) -> Response[Any]:
        if subject.person.card is not None:
            return see_other(f"{subject.base}/card")
        return _pin_page(request, subject, account, FormErrors())

    @post("/apply/pin")
    async def apply(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        account: NamedDependency[Holder],
    ) -> Response[Any]:
        base = subject.base
        if subject.person.card is not None:
            return see_other(f"{base}/card")
        checked = await step_up.verify(request, uow, account, APPLY, f"{base}/card/apply/pin")
        if checked.passed:
            step_up.spend(request, APPLY, f"{base}/card/apply/pin")
            try:
                await ecard_service.apply(uow, subject, utcnow())
            except ecard_service.CardExists:
                return see_other(f"{base}/card")
            return see_other(f"{base}/card?issued=1")
        errors = checked.errors
        return _pin_page(request, subject, account, errors, status=422)


def _pin_page(
    request: Request[Any, Any, Any],
    subject: Subject,
    account: Holder,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    context = {"subject": subject}
    return step_up.pin_page(
        request, account, "pages/subject/card_apply_pin.html", context, errors, status=status
    )

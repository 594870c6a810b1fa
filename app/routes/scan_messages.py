"""Scan login's texts: why a request is refused (each reason its own message, on the screen
that asked and on the phone), and where a sign-in happens, as people read it."""

from __future__ import annotations

from babel.dates import format_time, get_timezone
from markupsafe import Markup, escape

from app.domain.scan_login import Place, Reason, place_of
from app.domain.views import DoneFor
from app.routes.i18n import DISPLAY_TZ, _, current_locale, in_chinese, with_names


def screen_refusal(reason: Reason) -> str:
    """On the screen being signed in."""
    messages: dict[Reason, str] = {
        "expired": _("This code has expired. Show a new code to try again."),
        "used": _("This code has already been used. Show a new code to sign in again."),
        "mismatched": _(
            "The number chosen on the phone was not the one shown here, so the request was "
            "ended. Show a new code, and on the phone choose the number shown here."
        ),
        "unknown": _("This sign-in request is not known. Show a new code."),
        "stale": _("This code is out of date. Show a new code."),
        "cancelled": _("This code was replaced by a newer one. Show a new code."),
        "withdrawn": _(
            "The person who confirmed can no longer act for that family member, so nobody was "
            "signed in."
        ),
    }
    return messages[reason]


def phone_refusal(reason: Reason) -> str:
    """On the phone of the holder approving."""
    messages: dict[Reason, str] = {
        "expired": _(
            "This sign-in request has expired. On the other screen, show a new code and "
            "scan it again."
        ),
        "used": _(
            "This sign-in request has already been confirmed or used. Nobody else can be "
            "signed in with it."
        ),
        "mismatched": _(
            "The number chosen was not the one on the other screen, so the request has been "
            "ended and nobody was signed in. If the screen is in front of you, show a new "
            "code there and start again."
        ),
        "unknown": _("No sign-in request has this code. Check the code on the other screen."),
        "stale": _(
            "This QR code is out of date: it changes every second. Scan the code on the "
            "screen again now, or type the code shown under it. Only ever scan a code on a "
            "screen in front of you, never a photo of one."
        ),
        "cancelled": _("The other screen has shown a new code since. Scan the new one."),
        "withdrawn": _("You can no longer act for this family member."),
    }
    return messages[reason]


def place_text(place: Place) -> Markup:
    """Where a sign-in happens: the machine and its hall, or the browser (the translated
    text is escaped, the names put in)."""
    if place.is_kiosk:
        return with_names(
            _("The self-service machine {name} at {hall}"), name=place.kiosk_name, hall=place.hall
        )
    browser = _browser_text(place)
    if place.city:
        return escape(_("{browser}, in {city}")).format(
            browser=browser, city=in_chinese(place.city)
        )
    return browser


def _browser_text(place: Place) -> Markup:
    if place.browser and place.system:
        return escape(_("A browser: {browser} on {system}")).format(
            browser=place.browser, system=place.system
        )
    if place.browser or place.system:
        return escape(_("A browser: {browser}")).format(browser=place.browser or place.system)
    return escape(_("A browser the service does not recognise"))


def clock_time(moment: object) -> str:
    """HH:MM:SS in China Standard Time."""
    return format_time(
        moment,  # type: ignore[arg-type]
        "HH:mm:ss",
        tzinfo=get_timezone(DISPLAY_TZ),
        locale=current_locale.get(),
    )


def audited_place(event: DoneFor) -> Markup | None:
    """Where a scan login audited for someone happened, or None (any other event)."""
    if not event.action.startswith("scan_login."):
        return None
    place = place_of(event.detail)
    return place_text(place) if place is not None and (place.is_kiosk or place.browser) else None

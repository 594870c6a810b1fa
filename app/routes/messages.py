"""Reason codes from the domain and services, turned into translated messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Request

from app.adapters.clock import utcnow
from app.adapters.images import DECODE_MAX_PIXELS, ImageRejected
from app.adapters.images import Reason as ImageReason
from app.domain.affinity import BindingRefused, RefusalReason
from app.domain.identity import InvalidIdNumber
from app.domain.identity import Reason as IdReason
from app.domain.password import MAX_LENGTH as PASSWORD_MAX_LENGTH
from app.domain.password import MIN_LENGTH as PASSWORD_MIN_LENGTH
from app.domain.password import Problem as PasswordProblem
from app.domain.pin import Reason as PinReason
from app.domain.pin import WeakPin
from app.domain.policy import Policy
from app.domain.views import Holder
from app.routes.i18n import _, format_megabytes, format_moment, ngettext
from app.services.pin import pin_locked_until


def id_number_message(error: InvalidIdNumber) -> str:
    messages: dict[IdReason, str] = {
        "format": _("Enter an ID number of 18 characters: 17 digits and then a digit or X"),
        "checksum": _("This ID number is not valid. Check it for a typing mistake"),
        "birth_date": _("The date of birth in this ID number is not possible"),
        "region": _("This ID number does not start with a valid region code"),
    }
    return messages[error.reason]


def weak_pin_message(error: WeakPin) -> str:
    messages: dict[PinReason, str] = {
        "format": _("The PIN must be exactly 6 digits"),
        "repeated": _("The PIN cannot be the same digit 6 times"),
        "sequence": _("The PIN cannot be a run of digits such as 123456 or 654321"),
        "from_id_number": _("The PIN cannot be taken from your ID number"),
    }
    return messages[error.reason]


def new_password_message(problem: PasswordProblem) -> str:
    messages: dict[PasswordProblem, str] = {
        "too_short": _("Your new password must be at least {n} characters").format(
            n=PASSWORD_MIN_LENGTH
        ),
        "too_long": _("Your new password must be {n} characters or fewer").format(
            n=PASSWORD_MAX_LENGTH
        ),
        "same_as_current": _("Your new password must be different from your current one"),
        "one_character": _("Your new password must not be one character repeated"),
    }
    return messages[problem]


def too_long(limit: int) -> str:
    return _("This must be {limit} characters or fewer").format(limit=limit)


def wrong_pin_message(remaining: int, policy: Policy) -> str:
    hours = policy.pin_lock_hours
    return ngettext(
        "The PIN is not right. You have {n} more tries before PIN use is locked for {hours} hour",
        "The PIN is not right. You have {n} more tries before PIN use is locked for {hours} hours",
        hours,
    ).format(n=remaining, hours=hours)


def binding_refused_message(error: BindingRefused, policy: Policy) -> str:
    messages: dict[RefusalReason, str] = {
        "self": _("You cannot add yourself. Enter a family member's details"),
        "duplicate": _("You have already added this family member, or your request is waiting"),
        "too_many_members": _(
            "You already have the most family members allowed ({n}). Remove one first"
        ).format(n=policy.max_members_per_holder),
        "too_many_spouses": ngettext(
            "You can add only one spouse",
            "You can add only {n} spouses",
            policy.max_spouses_per_holder,
        ).format(n=policy.max_spouses_per_holder),
        "too_many_holders": _(
            "This family member already has the most card holders acting for them ({n})"
        ).format(n=policy.max_holders_per_member),
        "must_be_older": _(
            "A parent or grandparent must be older than you. Check the relationship"
        ),
        "must_be_younger": _(
            "A child or grandchild must be younger than you. Check the relationship"
        ),
    }
    return messages[error.reason]


def image_message(field: str, error: ImageRejected, policy: Policy) -> str:
    what = {"proof": _("The relationship document"), "selfie": _("The photo")}.get(
        field, _("The face photo")
    )
    messages: dict[ImageReason, str] = {
        "empty": _("{what} is empty"),
        "too_large": _("{what} must be smaller than {mb} MB"),
        "wrong_type": _("{what} must be a JPG or PNG"),
        "too_many_pixels": _("{what} must be at most {mp} megapixels"),
        "png_too_large": _("{what} as a PNG must be at most {png_mp} megapixels. Send a JPG"),
        "unreadable": _("{what} could not be read. Take the photo again"),
    }
    return messages[error.reason].format(
        what=what,
        mb=format_megabytes(policy.upload_max_bytes),
        mp=policy.upload_max_pixels // 1_000_000,
        png_mp=DECODE_MAX_PIXELS // 1_000_000,
    )


def too_many_attempts_message(until: datetime) -> str:
    return _("Too many attempts. You can try again after {time} (China Standard Time).").format(
        time=format_moment(until)
    )


def note_pin_lock(request: Request[Any, Any, Any], until: datetime) -> None:
    """A PIN checked in this request locked PIN use: the holder's view predates it."""
    request.state.pin_locked_until = until


def pin_lock_moment(request: Request[Any, Any, Any], account: Holder) -> str | None:
    """When PIN use unlocks, for the pages that ask for the PIN; None when it is not locked."""
    until = getattr(request.state, "pin_locked_until", None) or pin_locked_until(account, utcnow())
    return format_moment(until) if until else None


def invalid_code_message(policy: Policy) -> str:
    """A hand-off code that is wrong, used or expired: the three are not told apart."""
    minutes = policy.handoff_code_minutes
    return ngettext(
        "This code is not valid. It may have been used or be over {minutes} minute old. Ask for a new one",
        "This code is not valid. It may have been used or be over {minutes} minutes old. Ask for a new one",
        minutes,
    ).format(minutes=minutes)


def photo_problem_message(reason: str) -> str:
    messages: dict[str, str] = {
        "no_face": _("No face was found in the photo. Face the camera in good light"),
        "several_faces": _(
            "The photo has more than one face. Only the family member should be in it"
        ),
        "too_small": _("The face is too small. Hold the phone closer"),
        "too_dark": _("The photo is too dark. Move to better light"),
        "blurred": _("The photo is blurred. Hold the phone still"),
    }
    return messages.get(reason, messages["no_face"])


def no_reference_message() -> str:
    """No registry portrait (or, under 16, no face photo): only the in-person route is left."""
    return _(
        "There is no photo in the registry to compare with, so face recognition cannot be done online. Go to a social insurance service centre with your ID card, where staff check you in person"
    )


def face_photo_message(reason: str) -> str:
    """Why an uploaded face photo (a face reference) cannot serve: it is the photo that is
    wrong, not the member's selfie later."""
    messages: dict[str, str] = {
        "no_face": _(
            "No face was found in the face photo. Choose a photo that shows the family member's face from the front"
        ),
        "several_faces": _(
            "The face photo shows more than one face. Choose a photo of the family member alone"
        ),
        "too_small": _(
            "The face in the face photo is too small. Choose a photo in which the face fills more of the picture"
        ),
        "too_dark": _("The face photo is too dark. Choose a photo taken in good light"),
        "blurred": _("The face photo is blurred. Choose a sharp photo"),
    }
    return messages.get(reason, messages["no_face"])

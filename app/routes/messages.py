"""Reason codes from the domain and services, turned into translated messages."""

from __future__ import annotations

from app.domain.identity import InvalidIdNumber
from app.domain.identity import Reason as IdReason
from app.domain.pin import Reason as PinReason
from app.domain.pin import WeakPin
from app.routes.i18n import _


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


def too_long(limit: int) -> str:
    return _("This must be {limit} characters or fewer").format(limit=limit)

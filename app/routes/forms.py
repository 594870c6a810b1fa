"""Reading posted forms: every value is a bounded string."""

from __future__ import annotations

from typing import Any

from litestar import Request

from app.domain.identity import IdNumber, InvalidIdNumber, parse_id_number
from app.domain.typed import compact
from app.routes.i18n import _
from app.routes.messages import id_number_message, too_long
from app.routes.web import FormErrors

ID_NUMBER_MAX = 40
PASSWORD_MAX = 128
PIN_FIELD_MAX = 20


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "_csrf_token"}


def required_text(
    values: dict[str, str], name: str, *, limit: int, missing: str, errors: FormErrors
) -> str:
    value = values.get(name, "").strip()
    if not value:
        errors.add(name, missing)
    elif len(value) > limit:
        errors.add(name, too_long(limit))
    return value


def id_number_field(
    values: dict[str, str], errors: FormErrors, name: str = "id_number"
) -> IdNumber | None:
    raw = required_text(
        values, name, limit=ID_NUMBER_MAX, missing=_("Enter the ID number"), errors=errors
    )
    if name in errors.fields:
        return None
    try:
        return parse_id_number(raw)
    except InvalidIdNumber as error:
        errors.add(name, id_number_message(error))
        return None


def pin_field(values: dict[str, str], name: str, errors: FormErrors, missing: str) -> str:
    pin = required_text(values, name, limit=PIN_FIELD_MAX, missing=missing, errors=errors)
    pin = compact(pin)  # full-width digits from a Chinese input method count
    if name not in errors.fields and not (len(pin) == 6 and pin.isascii() and pin.isdigit()):
        errors.add(name, _("The PIN must be exactly 6 digits"))
    return pin

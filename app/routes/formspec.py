"""Forms declared as msgspec structs: each field's name, kind, limit and messages in one place.

    class DetailsForm(msgspec.Struct):
        name: Annotated[str, text(50, missing=N_("Enter the family member's name"))] = ""

`parse_form` reads a posted form into the struct, or collects a translated message per field
(in the order the fields are declared, which is the order on the page) and keeps what was
typed, so the page can show it again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

import msgspec

from app.domain.identity import InvalidIdNumber, parse_id_number
from app.domain.typed import compact
from app.routes.i18n import N_ as N_  # the forms' messages are marked with it
from app.routes.i18n import _
from app.routes.messages import id_number_message, too_long
from app.routes.web import FormErrors

FormT = TypeVar("FormT", bound=msgspec.Struct)
Kind = Literal["text", "pin", "id_number", "choice", "accept", "hidden", "file"]
SHOWN_MAX = 60  # characters of a refused value kept to show again


@dataclass(frozen=True)
class Spec:
    kind: Kind
    limit: int
    missing: str = ""  # message id when the field is empty (required fields only)
    choices: tuple[str, ...] = ()


def _meta(spec: Spec) -> msgspec.Meta:
    return msgspec.Meta(extra={"form": spec})


def text(limit: int, *, missing: str) -> msgspec.Meta:
    return _meta(Spec("text", limit, missing))


def pin(*, missing: str) -> msgspec.Meta:
    return _meta(Spec("pin", 20, missing))


def id_number(*, missing: str = N_("Enter the ID number")) -> msgspec.Meta:
    """Required unless `missing` is "" (then empty means: keep the number saved)."""
    return _meta(Spec("id_number", 40, missing))


def choice(values: tuple[str, ...], *, missing: str) -> msgspec.Meta:
    return _meta(Spec("choice", max(map(len, values)), missing, values))


def accept(*, missing: str) -> msgspec.Meta:
    return _meta(Spec("accept", 3, missing))


def hidden(limit: int) -> msgspec.Meta:
    """Optional, never an error: cut to its limit."""
    return _meta(Spec("hidden", limit))


def upload(limit: int, *, missing: str = "") -> msgspec.Meta:
    """A file field: its bytes (at most `limit` + 1 are read), or None when none was chosen;
    required when it has a `missing` message. What is wrong with the file itself is for the
    code that stores it (it decodes it)."""
    return _meta(Spec("file", limit, missing))


def specs(form: type[msgspec.Struct]) -> dict[str, Spec]:
    """Field name -> its declaration, in declaration order."""
    info = msgspec.inspect.type_info(form)
    assert isinstance(info, msgspec.inspect.StructType)
    found: dict[str, Spec] = {}
    for f in info.fields:
        extra = getattr(f.type, "extra", None) or {}
        spec = extra.get("form")
        assert isinstance(spec, Spec), f"{form.__name__}.{f.name} has no form declaration"
        found[f.encode_name] = spec
    return found


def _pin_problem(value: str) -> str | None:
    digits = value.replace(" ", "")
    if len(digits) == 6 and digits.isascii() and digits.isdigit():
        return None
    return _("The PIN must be exactly 6 digits")


def _id_problem(value: str) -> str | None:
    try:
        parse_id_number(value)
    except InvalidIdNumber as error:
        return id_number_message(error)
    return None


_CHECKS: dict[Kind, Callable[[str, Spec], str | None]] = {
    "text": lambda value, spec: None,
    "pin": lambda value, spec: _pin_problem(value),
    "id_number": lambda value, spec: _id_problem(value),
    "choice": lambda value, spec: None if value in spec.choices else _(spec.missing),
    "accept": lambda value, spec: None if value == "yes" else _(spec.missing),
    "hidden": lambda value, spec: None,
    "file": lambda value, spec: None,
}


def _clean(value: str, spec: Spec) -> str:
    value = value.strip()
    return compact(value) if spec.kind == "pin" else value


@dataclass
class Parsed(Generic[FormT]):
    form: FormT | None
    errors: FormErrors = field(default_factory=FormErrors)
    shown: dict[str, str] = field(default_factory=dict)  # what was typed, to show again


def _problem(value: str, spec: Spec) -> str | None:
    if not value and spec.kind in {"text", "pin", "id_number"}:
        return _(spec.missing) if spec.missing else None  # no message: optional
    if spec.kind == "text" and len(value) > spec.limit:
        return too_long(spec.limit)
    return _CHECKS[spec.kind](value, spec)


def parse_form(form: type[FormT], values: Mapping[str, Any]) -> Parsed[FormT]:
    errors = FormErrors()
    clean: dict[str, Any] = {}
    shown: dict[str, str] = {}
    for name, spec in specs(form).items():
        raw = values.get(name, "")
        if spec.kind == "file":
            clean[name] = raw if isinstance(raw, bytes) and raw else None
            if clean[name] is None and spec.missing:
                errors.add(name, _(spec.missing))
            continue
        value = _clean(raw if isinstance(raw, str) else "", spec)
        if spec.kind == "hidden":
            clean[name] = value[: spec.limit]
            continue
        shown[name] = "" if spec.kind == "pin" else value[:SHOWN_MAX]  # never echo a PIN
        if problem := _problem(value, spec):
            errors.add(name, problem)
        clean[name] = value
    if errors:
        return Parsed(None, errors, shown)
    return Parsed(msgspec.convert(clean, form), errors, shown)

"""The one-time code an operator gives a staff member to enrol their first passkey: a
password alone never adds a staff passkey."""

from __future__ import annotations

import secrets

from app.domain.handoff import ALPHABET
from app.domain.typed import compact

LENGTH = 12  # 31^12, about 2^59: far beyond guessing within the sign-in limits
MAX_INPUT = 30


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(raw: str) -> str | None:
    """Upper-case ASCII, without spaces or dashes; None if it cannot be a code."""
    if len(raw) > MAX_INPUT:
        return None
    code = compact(raw)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))

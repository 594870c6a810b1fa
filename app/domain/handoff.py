"""Hand-off codes: the member finishes face recognition on their own phone, without an account."""

from __future__ import annotations

import secrets

from app.domain.typed import compact

# No 0/O, 1/I/L: easy to read aloud and to type on a phone.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8
MAX_INPUT = 20


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
    return f"{code[:4]}-{code[4:]}"


def mask_name(name: str) -> str:
    """The holder's name as the member sees it: the family name only (王*)."""
    return name[:1] + "*" * max(len(name) - 1, 1)

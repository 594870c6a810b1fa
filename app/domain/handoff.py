"""Hand-off codes: the member finishes face recognition on their own phone, without an account."""

from __future__ import annotations

from app.domain.codes import READABLE, CodeKind

ALPHABET = READABLE
LENGTH = 8
MAX_INPUT = 20
_KIND = CodeKind(LENGTH, MAX_INPUT)
new_code, normalise_code, display_code = _KIND.new, _KIND.normalise, _KIND.display


def mask_name(name: str) -> str:
    """The holder's name as the member sees it: the family name only (王*)."""
    return name[:1] + "*" * max(len(name) - 1, 1)

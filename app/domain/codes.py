"""One-time codes people read and type (hand-off codes, staff enrolment codes)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from app.domain.typed import compact

# No 0/O, 1/I/L: easy to read aloud and to type on a phone.
READABLE = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True, slots=True)
class CodeKind:
    length: int
    max_input: int  # longer input is refused before it is looked at
    alphabet: str = READABLE

    def new(self) -> str:
        return "".join(secrets.choice(self.alphabet) for _ in range(self.length))

    def normalise(self, raw: str) -> str | None:
        """Upper-case ASCII, without spaces or dashes; None if it cannot be a code."""
        if len(raw) > self.max_input:
            return None
        code = compact(raw)
        if len(code) != self.length or any(ch not in self.alphabet for ch in code):
            return None
        return code

    def display(self, code: str) -> str:
        """In groups of four, as people read it out."""
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))

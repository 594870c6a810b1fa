"""What a new password must be (NIST SP 800-63B: length over composition rules; no maximum
below 64 characters; not the one it replaces)."""

from __future__ import annotations

from typing import Literal

MIN_LENGTH = 10
MAX_LENGTH = 128

Problem = Literal["too_short", "too_long", "same_as_current", "one_character"]


def problem_with(new: str, *, current: str) -> Problem | None:
    if len(new) < MIN_LENGTH:
        return "too_short"
    if len(new) > MAX_LENGTH:
        return "too_long"
    if new == current:
        return "same_as_current"
    if len(set(new)) == 1:
        return "one_character"
    return None

"""The e-card PIN: its policy and the consecutive-failure lock (domain-rules §10)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Literal

import msgspec

Reason = Literal["format", "repeated", "sequence", "from_id_number"]
_SIX_DIGITS = re.compile(r"[0-9]{6}")
ASCENDING = "0123456789"
DESCENDING = ASCENDING[::-1]


class WeakPin(ValueError):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def check_pin_policy(pin: str, *, id_number: str) -> None:
    """Return None for an acceptable PIN, or raise WeakPin with the first rule it breaks."""
    if not _SIX_DIGITS.fullmatch(pin):
        raise WeakPin("format")
    if len(set(pin)) == 1:
        raise WeakPin("repeated")
    if pin in ASCENDING or pin in DESCENDING:
        raise WeakPin("sequence")
    if pin in id_number:
        raise WeakPin("from_id_number")


class PinLockState(msgspec.Struct, frozen=True):
    """Consecutive wrong PINs and, once the limit is reached, the end of the lock."""

    failures: int = 0
    locked_until: datetime | None = None

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until

    def after_failure(
        self, now: datetime, *, max_failures: int, lock_for: timedelta
    ) -> PinLockState:
        failures = self.failures + 1
        if failures >= max_failures:
            return PinLockState(failures=0, locked_until=now + lock_for)
        return PinLockState(failures=failures, locked_until=None)

    def after_success(self) -> PinLockState:
        return PinLockState()

    def remaining(self, max_failures: int) -> int:
        return max_failures - self.failures

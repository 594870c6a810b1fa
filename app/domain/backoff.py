"""Sign-in throttling: after a run of failures, each further try waits longer."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec


class Throttle(msgspec.Struct, frozen=True):
    """Consecutive failures for one key (an account or an IP address)."""

    failures: int = 0
    last_failure_at: datetime | None = None

    def next_try_at(
        self, *, free_failures: int, base_wait: timedelta, max_wait: timedelta
    ) -> datetime | None:
        """When the next attempt is allowed, or None if it is allowed at once."""
        over = self.failures - free_failures
        if over < 0 or self.last_failure_at is None:
            return None
        wait: timedelta = min(base_wait * int(2**over), max_wait)
        return self.last_failure_at + wait

    def blocked_until(
        self, now: datetime, *, free_failures: int, base_wait: timedelta, max_wait: timedelta
    ) -> datetime | None:
        at = self.next_try_at(free_failures=free_failures, base_wait=base_wait, max_wait=max_wait)
        return at if at is not None and now < at else None

    def after_failure(self, now: datetime) -> Throttle:
        return Throttle(failures=self.failures + 1, last_failure_at=now)

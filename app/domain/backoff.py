"""Growing waits after repeated failures (sign-in, password checks, hand-off codes), per key.

Every attempt is counted before its secret is checked, so a count is of attempts; a success
then clears its key or gives its own count back, so what stays counted are the failures (and
the attempts that were refused).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec


class Throttle(msgspec.Struct, frozen=True):
    """Attempts counted for one key (an account or an IP address), and when the last was."""

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


class Backoff(msgspec.Struct, frozen=True, kw_only=True):
    """The rule: this many free failures, then waits that double from base_wait to max_wait."""

    free_failures: int
    base_wait: timedelta
    max_wait: timedelta

    def refuses(self, before: Throttle, now: datetime) -> datetime | None:
        """For an attempt counted on top of `before`: None if it may go ahead, or else when the
        next one may (the refused attempt counts too, so the wait runs from now)."""
        at = before.blocked_until(
            now,
            free_failures=self.free_failures,
            base_wait=self.base_wait,
            max_wait=self.max_wait,
        )
        if at is None:
            return None
        return before.after_failure(now).next_try_at(
            free_failures=self.free_failures, base_wait=self.base_wait, max_wait=self.max_wait
        )

"""Growing waits after repeated failures (sign-in, hand-off codes), per key."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.adapters.throttle_store import ThrottleStore
from app.domain.backoff import Throttle
from app.domain.policy import Policy


def blocked_until(throttle: Throttle, policy: Policy, now: datetime) -> datetime | None:
    return throttle.blocked_until(
        now,
        free_failures=policy.signin_free_failures,
        base_wait=timedelta(seconds=policy.signin_base_wait_seconds),
        max_wait=timedelta(seconds=policy.signin_max_wait_seconds),
    )


async def wait_for(
    throttles: ThrottleStore, key: str, policy: Policy, now: datetime
) -> datetime | None:
    """When the next try is allowed for this key, or None if it is allowed now."""
    return blocked_until(await throttles.get(key), policy, now)


async def record_failure(throttles: ThrottleStore, key: str, now: datetime) -> None:
    await throttles.put(key, (await throttles.get(key)).after_failure(now))

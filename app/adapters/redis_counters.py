"""Limiter counters in Redis: INCR with a TTL, for several workers or hosts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from redis.asyncio import Redis

from app.domain.backoff import Throttle

# DECR that never goes below zero, even if the key has expired in between.
_GIVE_BACK = """
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then return redis.call('DECR', KEYS[1]) end
return 0
"""


class RedisCounters:
    """One MULTI/EXEC per attempt: INCR the count, and swap in the time of this attempt with
    SET ... GET (which answers the time of the one before); both keys share one TTL."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis = redis
        self.namespace = namespace

    def _name(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    async def hit(self, keys: Sequence[str], now: datetime, memory: timedelta) -> list[Throttle]:
        ttl_ms = max(int(memory.total_seconds() * 1000), 1)
        async with self.redis.pipeline(transaction=True) as pipe:
            for key in keys:
                name = self._name(key)
                pipe.incr(name)
                pipe.pexpire(name, ttl_ms)
                pipe.set(f"{name}:at", repr(now.timestamp()), px=ttl_ms, get=True)
            replies = await pipe.execute()
        counts, times = replies[0::3], replies[2::3]
        return [
            Throttle(failures=int(n) - 1, last_failure_at=_moment(at))
            for n, at in zip(counts, times, strict=True)
        ]

    async def give_back(self, key: str) -> None:
        await self.redis.eval(_GIVE_BACK, 1, self._name(key))

    async def clear(self, key: str) -> None:
        name = self._name(key)
        await self.redis.delete(name, f"{name}:at")


def _moment(raw: bytes | str | None) -> datetime | None:
    return datetime.fromtimestamp(float(raw), UTC) if raw else None

"""Sign-in failure counters, kept in a Litestar store (a file store embedded, Redis when set)."""

from __future__ import annotations

import msgspec
from litestar.stores.base import Store

from app.domain.backoff import Throttle

_TTL_SECONDS = 24 * 3600


class ThrottleStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, key: str) -> Throttle:
        raw = await self.store.get(key)
        return msgspec.json.decode(raw, type=Throttle) if raw else Throttle()

    async def put(self, key: str, throttle: Throttle) -> None:
        await self.store.set(key, msgspec.json.encode(throttle), expires_in=_TTL_SECONDS)

    async def clear(self, key: str) -> None:
        await self.store.delete(key)

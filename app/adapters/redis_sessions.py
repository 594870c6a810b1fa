"""Sessions in Redis: Litestar's RedisStore, with the read that every signed-in page makes
sent on connections of the store's own (app/adapters/redis_reads.py).

redis-py's pool takes a lock on each checkout and return, polls the socket for stray data and
dispatches events, and its connections talk through asyncio streams: together that costs more
CPU than the GET itself. The store's own connections are lent from a plain list, as
app.db.reads does for PostgreSQL: each only ever carries one GET at a time, so there is nothing
to check or reset. Writes, deletions and renewals go through the client as before; so does a
read when every connection of the store's own is lent, or when one fails (the client's pool
then reconnects and retries as configured).

Sessions read recently are kept in the process until Redis says they changed
(app/adapters/redis_session_cache.py): most pages then make no round trip to Redis at all.

A read that has had no reply within the deadline (the client's socket timeout) has its
connection closed, and the client answers instead. One watchdog timer looks at the lent
connections while there are any: a timer for every read (`asyncio.timeout`) would cost about
a third of the read.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.adapters.redis_reads import ReadConnection
from app.adapters.redis_session_cache import SessionCache

# A client made without a socket timeout: redis-py's connections then wait this long.
DEFAULT_DEADLINE_SECONDS = 5.0


class RedisSessions(RedisStore):
    """A RedisStore whose plain reads take a connection of its own."""

    OWN_CONNECTIONS = 8  # a worker's concurrent page reads; more wait on the client's pool

    def __init__(self, redis: Redis, namespace: str, *, cache: bool = True) -> None:
        super().__init__(redis, namespace=namespace)
        self._free: list[ReadConnection] = []
        self._lent: dict[ReadConnection, float] = {}  # when each one's read began
        self._open = 0  # free, lent, or being opened
        self._settings = ReadConnection.settings_of(redis)
        kwargs = redis.connection_pool.connection_kwargs
        self._deadline: float = kwargs.get("socket_timeout") or DEFAULT_DEADLINE_SECONDS
        self._watchdog: asyncio.TimerHandle | None = None
        self._cache = (
            SessionCache(self._settings, f"{namespace}:".encode(), self._deadline)
            if cache and self._settings is not None
            else None
        )

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        if renew_for or self._settings is None:
            return await super().get(key, renew_for)
        if self._cache is None:
            return await self._read(key)
        full_key = self._make_key(key).encode()
        kept = self._cache.get(full_key)
        if kept is not None:
            return kept
        epoch = self._cache.epoch
        value = await self._read(key)
        if value is not None:
            self._cache.keep(full_key, value, epoch)
        return value

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        self._forget(key)
        await super().set(key, value, expires_in)
        self._forget(key)  # and again: a read may have begun while this was written

    async def delete(self, key: str) -> None:
        self._forget(key)
        await super().delete(key)
        self._forget(key)

    async def delete_all(self) -> None:
        self._forget(None)
        await super().delete_all()
        self._forget(None)

    def _forget(self, key: str | None) -> None:
        if self._cache is not None:
            self._cache.forget(None if key is None else self._make_key(key).encode())

    async def _read(self, key: str) -> bytes | None:
        """A GET on a connection of the store's own, or the client's when none is to be had."""
        connection, value = None, None
        try:
            connection = await self._borrow()
            if connection is not None:
                value = await connection.call(b"GET", self._make_key(key).encode())
        except (RedisError, OSError, TimeoutError):
            self._drop(connection)  # Redis restarted, say: the client reconnects
            return await super().get(key)
        except BaseException:  # cancelled mid-read: its reply may still come on this socket
            self._drop(connection)
            raise
        if connection is None:  # every one of the store's own is lent
            return await super().get(key)
        del self._lent[connection]
        self._free.append(connection)
        return value if value is None else bytes(value)

    async def _borrow(self) -> ReadConnection | None:
        while self._free:
            connection = self._free.pop()
            if not connection.closed:
                return self._lend(connection)
            self._open -= 1  # Redis closed it while it was free
        if self._settings is None or self._open >= self.OWN_CONNECTIONS:
            return None
        self._open += 1
        try:
            async with asyncio.timeout(self._deadline):
                return self._lend(await ReadConnection.open(self._settings))
        except BaseException:
            self._open -= 1
            raise

    def _lend(self, connection: ReadConnection) -> ReadConnection:
        loop = asyncio.get_running_loop()
        self._lent[connection] = loop.time()
        if self._watchdog is None:
            self._watchdog = loop.call_later(self._deadline / 4, self._watch)
        return connection

    def _watch(self) -> None:
        """Closes the connections whose read is past the deadline: each one's read then fails,
        and is answered through the client."""
        self._watchdog = None
        loop = asyncio.get_running_loop()
        for connection, began in list(self._lent.items()):
            if loop.time() - began > self._deadline:
                connection.close()
        if self._lent:
            self._watchdog = loop.call_later(self._deadline / 4, self._watch)

    def _drop(self, connection: ReadConnection | None) -> None:
        if connection is not None:
            self._lent.pop(connection, None)
            self._open -= 1
            connection.close()

    async def close(self) -> None:
        """Closes the store's own connections (the client is closed by its owner)."""
        if self._cache is not None:
            self._cache.close()
        free, self._free = self._free, []
        for connection in free:
            self._drop(connection)
        if self._watchdog is not None and not self._lent:
            self._watchdog.cancel()
            self._watchdog = None

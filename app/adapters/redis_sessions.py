"""Sessions in Redis: Litestar's RedisStore, with the read that every signed-in page makes
sent on connections of the store's own.

On each checkout and return, redis-py's pool takes a lock, polls the socket for stray data,
records metrics and dispatches events; together that costs more CPU than the GET itself. The
reads here borrow redis-py connections (its connecting, authentication, TLS and parser) from a
plain list, as app.db.reads does for PostgreSQL: a connection only ever carries one GET at a
time, so there is nothing to check or reset. Writes, deletions and renewals go through the
client as before; so does a read when every connection of the store's own is lent, or when
one fails (the client's pool then reconnects and retries as configured).

The store's own connections have no socket timeout of their own: with one, redis-py wraps every
write in `asyncio.wait_for`, a new task and a turn of the event loop for each GET. One deadline
(`asyncio.timeout`, a timer) covers the whole read instead, as long as the client's.
"""

from __future__ import annotations

import asyncio
import math
from datetime import timedelta

from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A client made without a socket timeout: redis-py's connections then wait this long.
DEFAULT_DEADLINE_SECONDS = 5.0


class RedisSessions(RedisStore):
    """A RedisStore whose plain reads take a connection of its own."""

    OWN_CONNECTIONS = 8  # a worker's concurrent page reads; more wait on the client's pool

    def __init__(self, redis: Redis, namespace: str) -> None:
        super().__init__(redis, namespace=namespace)
        self._free: list[AbstractConnection] = []
        self._open = 0  # free or lent
        kwargs = redis.connection_pool.connection_kwargs
        self._deadline = kwargs.get("socket_timeout") or DEFAULT_DEADLINE_SECONDS
        self._kwargs = {**kwargs, "socket_timeout": None}

    def _borrow(self) -> AbstractConnection | None:
        if self._free:
            return self._free.pop()
        if self._open >= self.OWN_CONNECTIONS:
            return None
        self._open += 1
        # Connects on first use.
        return self._redis.connection_pool.connection_class(**self._kwargs)

    async def _drop(self, connection: AbstractConnection) -> None:
        self._open -= 1
        await connection.disconnect(nowait=True)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        connection = None if renew_for else self._borrow()
        if connection is None:
            return await super().get(key, renew_for)
        try:
            async with asyncio.timeout(self._deadline):
                await connection.send_packed_command(
                    connection.pack_command("GET", self._make_key(key)), check_health=False
                )
                value = await connection.read_response(disable_decoding=True, timeout=math.inf)
        except (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError):
            await self._drop(connection)  # Redis restarted, say: the client reconnects
            return await super().get(key)
        except BaseException:  # cancelled mid-read: its reply may still come on this socket
            await self._drop(connection)
            raise
        self._free.append(connection)
        return value if value is None else bytes(value)

    async def close(self) -> None:
        """Disconnects the store's own connections (the client is closed by its owner)."""
        free, self._free = self._free, []
        for connection in free:
            await self._drop(connection)

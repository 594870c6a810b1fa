"""Sessions read recently, kept in the process until Redis says they changed: Redis's own
client-side caching, in its broadcast mode.

A signed-in holder's session changes seldom (at sign-in, step-up, sign-out, and when the idle
clock moves on, at most every 30 s), yet every page reads it. One connection of the process asks
Redis to tell it of every change to a key under the sessions' prefix (`CLIENT TRACKING ... BCAST
PREFIX`): written, deleted, expired or flushed, by any process. Redis sends those messages as
it makes the change, so another process's sign-out reaches this one within a round trip.

What is kept, and when it is forgotten:
- a value is kept only while the listening connection is up, and only if no message came while
  it was being read (`epoch`): a change Redis made between the read and its reply arrives as a
  message, and the old value is not kept;
- everything is forgotten when the listening connection is lost, or leaves a ping unanswered
  for PING_SECONDS; reads go to Redis until it is back;
- a value is kept for MAX_AGE_SECONDS at most, and at most CAPACITY of them, the oldest going
  first;
- a missing session is never kept (a made-up cookie costs its read, and fills nothing).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

from redis.exceptions import RedisError

from app.adapters.redis_reads import ReadConnection, ReadSettings

log = logging.getLogger(__name__)

CHANNEL = b"__redis__:invalidate"


class SessionCache:
    MAX_AGE_SECONDS = 30.0
    CAPACITY = 10_000  # about 10 MB of sessions a process
    PING_SECONDS = 5.0  # also how long a ping may go unanswered
    RETRY_SECONDS = 5.0  # between attempts to listen, once one failed

    def __init__(self, settings: ReadSettings, prefix: bytes, deadline: float) -> None:
        self._settings = settings
        self._prefix = prefix
        self._deadline = deadline
        self._values: OrderedDict[bytes, tuple[bytes, float]] = OrderedDict()
        self._listener: ReadConnection | None = None  # set once subscribed
        self.listener_id = 0  # Redis's id for it
        self._starting: asyncio.Task[None] | None = None
        self._retry_at = 0.0
        self._pinger: asyncio.TimerHandle | None = None
        self._ping_unanswered = False
        self._failing = False  # a failure to listen was logged, and none has worked since
        self.epoch = 0  # moves on with every change Redis tells of, and every loss

    def get(self, key: bytes) -> bytes | None:
        """The value kept for the key, if it is still good; starts listening if need be."""
        now = asyncio.get_running_loop().time()
        if not self._listening():
            self._listen_soon(now)
            return None
        kept = self._values.get(key)
        if kept is None:
            return None
        if now - kept[1] > self.MAX_AGE_SECONDS:
            del self._values[key]
            return None
        return kept[0]

    def keep(self, key: bytes, value: bytes, epoch: int) -> None:
        """Keeps a value read from Redis, unless a change came while it was read."""
        if epoch != self.epoch or not self._listening():
            return
        self._values[key] = (value, asyncio.get_running_loop().time())
        self._values.move_to_end(key)
        if len(self._values) > self.CAPACITY:
            self._values.popitem(last=False)

    def forget(self, key: bytes | None = None) -> None:
        """Forgets one key (all of them when None): this process is changing it."""
        self.epoch += 1
        if key is None:
            self._values.clear()
        else:
            self._values.pop(key, None)

    def close(self) -> None:
        if self._starting is not None:
            self._starting.cancel()
        self._lost()

    def _listening(self) -> bool:
        if self._listener is not None and self._listener.closed:
            self._lost()  # Redis went away: nothing kept can be trusted
        return self._listener is not None

    def _listen_soon(self, now: float) -> None:
        if self._starting is None and now >= self._retry_at:
            self._starting = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        try:
            async with asyncio.timeout(self._deadline):
                connection = await self._subscribed()
        except (RedisError, OSError, TimeoutError) as error:
            self._retry_at = asyncio.get_running_loop().time() + self.RETRY_SECONDS
            if not self._failing:
                log.warning("Sessions are read from Redis on every page: %s", error)
            self._failing = True
            return
        finally:
            self._starting = None
        self._failing = False
        connection.on_push = self._message
        self._listener = connection
        self.epoch += 1  # reads that began before it listened are not kept
        self._ping_unanswered = False
        self._pinger = asyncio.get_running_loop().call_later(self.PING_SECONDS, self._ping)

    async def _subscribed(self) -> ReadConnection:
        connection = await ReadConnection.open(self._settings)
        try:
            own_id = self.listener_id = await connection.call(b"CLIENT", b"ID")
            await connection.call(
                b"CLIENT", b"TRACKING", b"ON", b"REDIRECT", str(own_id).encode(),
                b"BCAST", b"PREFIX", self._prefix,
            )  # fmt: skip
            await connection.call(b"SUBSCRIBE", CHANNEL)
        except BaseException:
            connection.close()
            raise
        return connection

    def _message(self, message: Any) -> None:
        if not isinstance(message, list) or len(message) < 2:
            return
        if message[0] == b"pong":
            self._ping_unanswered = False
        elif message[0] == b"message" and message[1] == CHANNEL:
            keys = message[2] if len(message) > 2 else None
            if isinstance(keys, list):
                for key in keys:
                    self.forget(key)
            else:  # a flush: every key at once
                self.forget()

    def _ping(self) -> None:
        listener = self._listener
        if listener is None:
            return
        if self._ping_unanswered or listener.closed:
            self._lost()
            return
        self._ping_unanswered = True
        listener.send(b"PING")
        self._pinger = asyncio.get_running_loop().call_later(self.PING_SECONDS, self._ping)

    def _lost(self) -> None:
        if self._pinger is not None:
            self._pinger.cancel()
            self._pinger = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self.forget()

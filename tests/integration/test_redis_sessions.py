"""The Redis session store: its reads on connections of its own give what the client gives,
survive a dropped connection, and hold when many arrive at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
import uvloop
from redis.asyncio import ConnectionPool, Redis

from app.adapters.redis_reads import ReadConnection
from app.adapters.redis_sessions import RedisSessions
from tests.conftest import REDIS_URL


@pytest.fixture
async def store(redis_namespace: str) -> AsyncIterator[RedisSessions]:
    assert REDIS_URL
    client = Redis.from_url(REDIS_URL)
    # Nothing kept in the process (test_redis_session_cache): each read goes to Redis.
    sessions = RedisSessions(client, namespace=f"{redis_namespace}:sessions", cache=False)
    yield sessions
    await sessions.close()
    await client.aclose()


async def test_a_read_gives_what_was_written(store: RedisSessions) -> None:
    await store.set("a", b'{"account_id": "1"}', expires_in=60)
    assert await store.get("a") == b'{"account_id": "1"}'
    assert await store.get("missing") is None
    assert await store._redis.get(store._make_key("a")) == b'{"account_id": "1"}'


async def test_a_renewing_read_renews(store: RedisSessions) -> None:
    await store.set("a", b"x", expires_in=60)
    assert await store.get("a", renew_for=3600) == b"x"
    assert (await store.expires_in("a") or 0) > 60


async def test_a_dropped_connection_is_replaced(store: RedisSessions) -> None:
    await store.set("a", b"x", expires_in=60)
    assert await store.get("a") == b"x"
    own = store._free[0]
    own_id = await _client_id(store)
    await store._redis.client_kill_filter(_id=str(own_id))
    assert await store.get("a") == b"x"  # answered through the client, the dead one dropped
    assert own not in store._free
    assert await store.get("a") == b"x"
    assert len(store._free) == 1


async def _client_id(store: RedisSessions) -> int:
    """The id Redis gives the store's own (free) connection."""
    client_id = await store._free[-1].call(b"CLIENT", b"ID")
    assert isinstance(client_id, int)
    return client_id


def _no_reply_yet(connection: ReadConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection's next read gets no reply until long after: Redis holds a blocking
    pop's answer until a list it waits on has an item."""
    real = connection.call

    async def blocking(*_: bytes) -> object:
        return await real(b"BLPOP", f"never-{uuid4().hex}".encode(), b"0")

    monkeypatch.setattr(connection, "call", blocking)


async def test_twenty_reads_at_once(store: RedisSessions) -> None:
    for n in range(20):
        await store.set(f"s{n}", f"value {n}".encode(), expires_in=60)
    values = await asyncio.gather(*(store.get(f"s{n}") for n in range(20)))
    assert values == [f"value {n}".encode() for n in range(20)]
    assert store._open <= store.OWN_CONNECTIONS
    assert len(store._free) == store._open  # every one given back


async def test_a_cancelled_read_drops_its_connection(
    store: RedisSessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.set("a", b"x", expires_in=60)
    await store.get("a")
    blocked = store._free[-1]
    _no_reply_yet(blocked, monkeypatch)
    read = asyncio.create_task(store.get("a"))
    await asyncio.sleep(0.1)
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    assert blocked not in store._free
    assert store._open == 0
    assert await store.get("a") == b"x"  # on a new connection


async def test_a_stalled_read_ends_at_the_deadline(
    store: RedisSessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One deadline covers the read, as long as the client's socket timeout, and then the
    client answers in its place."""
    await store.set("a", b"x", expires_in=60)
    await store.get("a")
    stalled = store._free[-1]
    assert store._deadline == 5  # redis-py's own default, as the client's connections have
    _no_reply_yet(stalled, monkeypatch)
    monkeypatch.setattr(store, "_deadline", 0.2)
    started = asyncio.get_running_loop().time()
    assert await store.get("a") == b"x"
    assert asyncio.get_running_loop().time() - started < 2
    assert stalled not in store._free
    assert store._open == 0


async def test_the_clients_database_is_read(redis_namespace: str) -> None:
    """The store's own connections select the client's database (and authenticate as it
    does): a key written through the client in another database is read from that one."""
    assert REDIS_URL
    base = Redis.from_url(REDIS_URL)
    other = (int(base.connection_pool.connection_kwargs.get("db") or 0) + 1) % 16
    kwargs = {**base.connection_pool.connection_kwargs, "db": other}
    client = Redis(connection_pool=ConnectionPool(**kwargs))
    sessions = RedisSessions(client, namespace=f"{redis_namespace}:sessions")
    try:
        await sessions.set("a", b"elsewhere", expires_in=60)
        assert await sessions.get("a") == b"elsewhere"
        assert sessions._open == 1  # read on a connection of its own
        assert await base.get(sessions._make_key("a")) is None  # not in the test's database
    finally:
        await sessions.delete("a")
        await sessions.close()
        await client.aclose()
        await client.connection_pool.disconnect()  # a pool passed in is not the client's to close
        await base.aclose()


def test_reads_keep_their_connection_under_uvloop(redis_namespace: str) -> None:
    """The servers run on uvloop, whose transports are not asyncio's classes: one connection
    of the store's own serves every read there too."""

    async def reads() -> None:
        assert REDIS_URL
        client = Redis.from_url(REDIS_URL)
        sessions = RedisSessions(client, namespace=f"{redis_namespace}:sessions", cache=False)
        try:
            await sessions.set("a", b"x", expires_in=60)
            assert [await sessions.get("a") for _ in range(5)] == [b"x"] * 5
            first = sessions._free[-1]
            assert await sessions.get("a") == b"x"
            assert sessions._free == [first]
            assert sessions._open == 1
        finally:
            await sessions.delete("a")
            await sessions.close()
            await client.aclose()

    uvloop.run(reads())


def test_a_client_over_tls_is_read_through_the_client() -> None:
    assert ReadConnection.settings_of(Redis.from_url("rediss://127.0.0.1:6380/0")) is None
    settings = ReadConnection.settings_of(Redis.from_url("unix:///run/redis.sock?db=2"))
    assert settings is not None and settings.path == "/run/redis.sock" and settings.db == 2

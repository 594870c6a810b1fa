"""The Redis session store: its reads on connections of its own give what the client gives,
survive a dropped connection, and hold when many arrive at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from app.adapters.redis_sessions import RedisSessions
from tests.conftest import REDIS_URL


@pytest.fixture
async def store(redis_namespace: str) -> AsyncIterator[RedisSessions]:
    assert REDIS_URL
    client = Redis.from_url(REDIS_URL)
    sessions = RedisSessions(client, namespace=f"{redis_namespace}:sessions")
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
    connection = store._free[-1]
    await connection.send_command("CLIENT", "ID")
    client_id = await connection.read_response()
    assert isinstance(client_id, int)
    return client_id


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
    reply_sent = asyncio.Event()

    async def no_reply_yet(**_: object) -> None:
        reply_sent.set()
        await asyncio.Event().wait()  # the reply is late: the request is cancelled first

    monkeypatch.setattr(blocked, "read_response", no_reply_yet)
    read = asyncio.create_task(store.get("a"))
    await reply_sent.wait()
    read.cancel()
    with pytest.raises(asyncio.CancelledError):
        await read
    assert blocked not in store._free
    assert store._open == 0
    assert await store.get("a") == b"x"  # on a new connection


async def test_a_stalled_read_ends_at_the_deadline(
    store: RedisSessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store's own connections carry no socket timeout (redis-py would make a task of every
    write for it): one deadline covers the read, and the client answers in its place."""
    await store.set("a", b"x", expires_in=60)
    await store.get("a")
    stalled = store._free[-1]
    assert stalled.socket_timeout is None
    assert store._deadline == 5  # redis-py's own default, as the client's connections have

    async def never(**_: object) -> None:
        await asyncio.Event().wait()

    monkeypatch.setattr(stalled, "read_response", never)
    monkeypatch.setattr(store, "_deadline", 0.2)
    started = asyncio.get_running_loop().time()
    assert await store.get("a") == b"x"
    assert asyncio.get_running_loop().time() - started < 2
    assert stalled not in store._free
    assert store._open == 0

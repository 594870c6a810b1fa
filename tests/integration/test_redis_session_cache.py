"""Sessions kept in the process: a page makes no round trip for a session Redis has not
changed, and a change made by any other process (sign-out, expiry, a flush) is seen at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from uuid import uuid4

import pytest
import uvloop
from redis.asyncio import ConnectionPool, Redis

from app.adapters.redis_session_cache import SessionCache
from app.adapters.redis_sessions import RedisSessions
from tests.conftest import REDIS_URL


@pytest.fixture
async def redis(redis_namespace: str) -> AsyncIterator[Redis]:
    assert REDIS_URL
    redis = Redis.from_url(REDIS_URL)
    yield redis
    await redis.aclose()


@pytest.fixture
async def store(redis: Redis, redis_namespace: str) -> AsyncIterator[RedisSessions]:
    sessions = RedisSessions(redis, namespace=f"{redis_namespace}:sessions")
    yield sessions
    await sessions.close()


@pytest.fixture
async def elsewhere(redis_namespace: str) -> AsyncIterator[RedisSessions]:
    """The same sessions as another server process sees them."""
    assert REDIS_URL
    redis = Redis.from_url(REDIS_URL)
    sessions = RedisSessions(redis, namespace=f"{redis_namespace}:sessions")
    yield sessions
    await sessions.close()
    await redis.aclose()


async def _listening(store: RedisSessions) -> None:
    """Reads until the store listens for changes (it starts to at its first read)."""
    assert store._cache is not None
    for _ in range(100):
        await store.get("any")
        if store._cache._listener is not None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the store never listened for changes")


async def _kept(store: RedisSessions, value: bytes, expires_in: int = 60) -> None:
    """Session "a" written, the store listening, and the session read (and so kept)."""
    await store.set("a", value, expires_in=expires_in)
    await _listening(store)
    assert await store.get("a") == value


async def _gets(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_get", {}).get("calls", 0))


async def _until(check: Callable[[], bool]) -> None:
    for _ in range(2000):
        if check():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("it never happened")


async def _eventually(store: RedisSessions, key: str, expected: bytes | None) -> float:
    """How long until a read gives the expected value (a change elsewhere arrives as a message)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while await store.get(key) != expected:
        assert loop.time() - started < 2, f"{key} still read as before"
        await asyncio.sleep(0.001)
    return loop.time() - started


async def test_a_session_read_again_makes_no_round_trip(store: RedisSessions, redis: Redis) -> None:
    await store.set("a", b'{"account_id": "1"}', expires_in=60)
    await _listening(store)
    assert await store.get("a") == b'{"account_id": "1"}'
    before = await _gets(redis)
    assert [await store.get("a") for _ in range(10)] == [b'{"account_id": "1"}'] * 10
    assert await _gets(redis) == before


async def test_a_missing_session_is_read_each_time(store: RedisSessions, redis: Redis) -> None:
    await _listening(store)
    before = await _gets(redis)
    assert [await store.get("made-up") for _ in range(3)] == [None] * 3
    assert await _gets(redis) == before + 3


async def test_a_change_in_this_process_is_read_at_once(store: RedisSessions) -> None:
    await _kept(store, b"before")
    await store.set("a", b"after", expires_in=60)
    assert await store.get("a") == b"after"
    await store.delete("a")
    assert await store.get("a") is None


async def test_a_sign_out_in_another_process_is_seen_within_milliseconds(
    store: RedisSessions, elsewhere: RedisSessions
) -> None:
    await _kept(store, b"signed in")
    await elsewhere.set("a", b"stepped up", expires_in=60)
    assert await _eventually(store, "a", b"stepped up") < 0.1
    await elsewhere.delete("a")
    assert await _eventually(store, "a", None) < 0.1


async def test_an_expired_session_is_forgotten(store: RedisSessions) -> None:
    await _kept(store, b"x", expires_in=1)
    await asyncio.sleep(1.1)
    assert await _eventually(store, "a", None) < 1  # Redis tells of the expiry, or the read


async def test_a_flush_forgets_every_session(
    store: RedisSessions, elsewhere: RedisSessions
) -> None:
    await _kept(store, b"x")
    await elsewhere.delete_all()
    assert await _eventually(store, "a", None) < 0.1


async def test_a_change_made_while_reading_is_not_kept(
    store: RedisSessions, elsewhere: RedisSessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The read gets the old value; before its reply is handled, another process signs the
    holder out, and the message of it arrives. The old value must not be kept."""
    await store.set("a", b"signed in", expires_in=60)
    await _listening(store)
    real_read = store._read

    async def read_then_sign_out(key: str) -> bytes | None:
        value = await real_read(key)
        assert store._cache is not None
        epoch, cache = store._cache.epoch, store._cache
        await elsewhere.delete("a")
        await _until(lambda: cache.epoch != epoch)  # the message of the deletion arrives
        return value

    monkeypatch.setattr(store, "_read", read_then_sign_out)
    assert await store.get("a") == b"signed in"  # what Redis answered then
    monkeypatch.setattr(store, "_read", real_read)
    assert await store.get("a") is None


async def test_nothing_is_kept_once_the_listener_is_lost(
    store: RedisSessions, elsewhere: RedisSessions, redis: Redis
) -> None:
    """With the listener gone, a change elsewhere would go untold: reads go to Redis until a
    new listener is up."""
    await _kept(store, b"before")
    listener = store._cache._listener if store._cache else None
    assert listener is not None
    await redis.client_kill_filter(_id=str(store._cache.listener_id))
    await _until(lambda: listener.closed)
    await elsewhere.set("a", b"after", expires_in=60)
    assert await store.get("a") == b"after"
    await _listening(store)  # and it listens again, with nothing from before kept
    assert store._cache is not None and store._cache._listener is not listener
    assert await store.get("a") == b"after"


@pytest.fixture
async def pinged_often(store: RedisSessions, monkeypatch: pytest.MonkeyPatch) -> SessionCache:
    """The store listening, with a session kept, and its listener pinged every 50 ms."""
    assert store._cache is not None
    monkeypatch.setattr(store._cache, "PING_SECONDS", 0.05)
    await _kept(store, b"x")
    return store._cache


async def test_an_unanswered_ping_forgets_everything(
    pinged_often: SessionCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    listener = pinged_often._listener
    assert listener is not None and pinged_often._values
    monkeypatch.setattr(listener, "send", lambda *_: None)  # the pings are lost on the way
    await asyncio.sleep(0.2)
    assert listener.closed and pinged_often._values == {}


async def test_answered_pings_keep_it_listening(pinged_often: SessionCache) -> None:
    listener = pinged_often._listener
    await asyncio.sleep(0.3)
    assert pinged_often._listener is listener and listener is not None and not listener.closed
    assert pinged_often._values


async def test_twenty_reads_at_once_while_sessions_change(
    store: RedisSessions, elsewhere: RedisSessions
) -> None:
    await _listening(store)
    for round_ in range(5):
        for n in range(20):
            await elsewhere.set(f"s{n}", f"round {round_}".encode(), expires_in=60)
        for n in range(20):
            await _eventually(store, f"s{n}", f"round {round_}".encode())
        values = await asyncio.gather(*(store.get(f"s{n}") for n in range(20)))
        assert values == [f"round {round_}".encode()] * 20


async def test_without_leave_to_listen_every_read_goes_to_redis(
    redis: Redis, redis_namespace: str
) -> None:
    """A Redis that refuses CLIENT TRACKING (a managed one, say): sessions are still read,
    each time from Redis."""
    user, password = f"no-tracking-{uuid4().hex[:8]}", uuid4().hex
    await redis.acl_setuser(
        user, enabled=True, passwords=[f"+{password}"], keys=["*"], commands=["+@all", "-client"]
    )
    kwargs = {**redis.connection_pool.connection_kwargs, "username": user, "password": password}
    limited = Redis(connection_pool=ConnectionPool(**kwargs))
    sessions = RedisSessions(limited, namespace=f"{redis_namespace}:sessions")
    try:
        assert sessions._cache is not None
        await sessions.set("a", b"x", expires_in=60)
        for _ in range(20):
            assert await sessions.get("a") == b"x"
            await asyncio.sleep(0.005)
        assert sessions._cache._listener is None and sessions._cache._values == {}
        before = await _gets(redis)
        assert await sessions.get("a") == b"x"
        assert await _gets(redis) == before + 1
    finally:
        await sessions.close()
        await limited.aclose()
        await limited.connection_pool.disconnect()
        await redis.acl_deluser(user)


def test_it_listens_under_uvloop(redis_namespace: str) -> None:
    """The servers run on uvloop: the listener's messages arrive there too."""

    async def reads() -> None:
        assert REDIS_URL
        redis, other = Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)
        store = RedisSessions(redis, namespace=f"{redis_namespace}:sessions")
        elsewhere = RedisSessions(other, namespace=f"{redis_namespace}:sessions")
        try:
            await store.set("a", b"before", expires_in=60)
            await _listening(store)
            assert await store.get("a") == b"before"
            await elsewhere.set("a", b"after", expires_in=60)
            assert await _eventually(store, "a", b"after") < 0.1
        finally:
            await store.close()
            await elsewhere.close()
            await redis.aclose()
            await other.aclose()

    uvloop.run(reads())

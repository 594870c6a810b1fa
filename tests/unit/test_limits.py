"""Each named limiter against both of its stores: the database (SQLite, and PostgreSQL when
TEST_POSTGRES_URL is set) and Redis (when TEST_REDIS_URL is set). Real stores, no fakes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.adapters.redis_counters import RedisCounters
from app.config import Settings
from app.db.limit_counters import DatabaseCounters
from app.domain.policy import Policy
from app.services.limits import (
    HANDOFF_CODE,
    PASSWORD_CHECK,
    REGISTRY_LOOKUP_HOLDER,
    REGISTRY_LOOKUP_IP,
    SIGN_IN_ACCOUNT,
    SIGN_IN_IP,
    STAFF_SIGN_IN,
    Counters,
    Limit,
    Limits,
    TooManyAttempts,
)
from tests.conftest import DATABASES, POSTGRES_URL, REDIS_URL, Postgres, Templates

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DAY = timedelta(hours=24)
POLICY = Policy()  # 10 free failures, then 30 s, doubling up to an hour; forgotten after 24 h
ALL = [
    SIGN_IN_ACCOUNT,
    SIGN_IN_IP,
    STAFF_SIGN_IN,
    PASSWORD_CHECK,
    HANDOFF_CODE,
    REGISTRY_LOOKUP_HOLDER,
    REGISTRY_LOOKUP_IP,
]
NAMES = [limit.name for limit in ALL]

NewCounters = Callable[[], Counters]


async def _database_counters(url: str) -> AsyncIterator[NewCounters]:
    """Counters in sessions of their own, as concurrent requests have."""
    engine = create_async_engine(url)
    make_session = async_sessionmaker(engine, expire_on_commit=False)
    sessions = []

    def new() -> Counters:
        session = make_session()
        sessions.append(session)
        return DatabaseCounters(session)

    yield new
    for session in sessions:
        await session.close()
    await engine.dispose()


@pytest.fixture
async def database_counters(migrated: Settings) -> AsyncIterator[NewCounters]:
    async for new in _database_counters(migrated.database_url):
        yield new


@pytest.fixture
def redis_store(redis_counters: RedisCounters) -> NewCounters:
    return lambda: redis_counters


@pytest.fixture(params=[*DATABASES, "redis"])
def store_kind(
    request: pytest.FixtureRequest, templates: Templates, tmp_path: Path
) -> tuple[str, str]:
    """Which store, and for a database, a migrated one to count in."""
    kind: str = request.param
    if kind == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL is not set")
        return kind, REDIS_URL
    if kind == "postgres":
        assert POSTGRES_URL
        postgres = Postgres(POSTGRES_URL)
        url = postgres.url_of(postgres.name("limits"))
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'limits.db'}"
    templates.copy_into(kind, "migrated", url, tmp_path)
    return kind, url


@pytest.fixture
async def store(store_kind: tuple[str, str]) -> AsyncIterator[NewCounters]:
    kind, url = store_kind
    if kind != "redis":
        async for new in _database_counters(url):
            yield new
        return
    client = Redis.from_url(url)
    namespace = f"test-{uuid4().hex}"
    counters = RedisCounters(client, namespace)
    yield lambda: counters
    keys = [key async for key in client.scan_iter(f"{namespace}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


# ---- the stores --------------------------------------------------------------------------


async def test_a_hit_answers_what_was_counted_before_it(store: NewCounters) -> None:
    counters = store()
    first, second = NOW, NOW + timedelta(seconds=5)
    assert [(t.failures, t.last_failure_at) for t in await counters.hit(["k"], first, DAY)] == [
        (0, None)
    ]
    [before] = await counters.hit(["k"], second, DAY)
    assert (before.failures, before.last_failure_at) == (1, first)
    [before] = await counters.hit(["k"], second, DAY)
    assert (before.failures, before.last_failure_at) == (2, second)


async def test_keys_are_counted_apart_and_in_the_order_asked(store: NewCounters) -> None:
    counters = store()
    await counters.hit(["b"], NOW, DAY)
    answers = await counters.hit(["b", "a"], NOW, DAY)
    assert [t.failures for t in answers] == [1, 0]


async def test_thirty_hits_at_once_are_thirty_distinct_counts(store: NewCounters) -> None:
    stores = [store() for _ in range(30)]
    answers = await asyncio.gather(*(c.hit(["one key"], NOW, DAY) for c in stores))
    assert sorted(a[0].failures for a in answers) == list(range(30))
    [after] = await stores[0].hit(["one key"], NOW, DAY)
    assert after.failures == 30


async def test_give_back_takes_one_and_never_goes_below_zero(store: NewCounters) -> None:
    counters = store()
    for _ in range(3):
        await counters.hit(["k"], NOW, DAY)
    await counters.give_back("k")
    assert (await counters.hit(["k"], NOW, DAY))[0].failures == 2
    await counters.clear("k")
    await counters.give_back("k")
    await counters.give_back("never-hit")
    assert (await counters.hit(["k"], NOW, DAY))[0].failures == 0
    assert (await counters.hit(["never-hit"], NOW, DAY))[0].failures == 0


async def test_the_database_forgets_a_count_after_its_memory(
    database_counters: NewCounters,
) -> None:
    counters = database_counters()
    for _ in range(5):
        await counters.hit(["k"], NOW, DAY)
    almost = NOW + DAY - timedelta(seconds=1)
    assert (await counters.hit(["k"], almost, DAY))[0].failures == 5  # each hit extends it
    [later] = await counters.hit(["k"], almost + DAY, DAY)
    assert (later.failures, later.last_failure_at) == (0, None)


async def test_redis_forgets_a_count_after_its_memory(redis_store: NewCounters) -> None:
    counters = redis_store()
    memory = timedelta(milliseconds=300)
    for _ in range(5):
        await counters.hit(["k"], NOW, memory)
    await asyncio.sleep(0.5)
    [later] = await counters.hit(["k"], NOW, memory)
    assert (later.failures, later.last_failure_at) == (0, None)


async def test_expired_database_counters_are_purged(
    database_counters: NewCounters, migrated: Settings
) -> None:
    counters = database_counters()
    assert isinstance(counters, DatabaseCounters)
    await counters.hit(["old"], NOW, DAY)
    await counters.hit(["new"], NOW + DAY, DAY)
    assert await counters.forget_expired(NOW + DAY + timedelta(seconds=1)) == 1
    await counters.session.commit()
    keys = (await counters.session.execute(text("SELECT key FROM limit_counters"))).scalars()
    assert list(keys) == ["new"]


# ---- the named limiters ------------------------------------------------------------------


async def _fail(limits: Limits, limit: Limit, key: str, times: int, now: datetime) -> None:
    for _ in range(times):
        await limits.count(now, (limit, key))  # counted, then the secret turns out wrong


@pytest.mark.parametrize("limit", ALL, ids=NAMES)
async def test_ten_free_then_a_wait_that_doubles(store: NewCounters, limit: Limit) -> None:
    limits = Limits(store(), POLICY)
    await _fail(limits, limit, "x", 10, NOW)
    with pytest.raises(TooManyAttempts) as refused:
        await limits.count(NOW + timedelta(seconds=29), (limit, "x"))
    # the refused attempt counts too: the wait runs from it, doubled
    assert refused.value.until == NOW + timedelta(seconds=29 + 60)
    later = NOW + timedelta(seconds=29 + 60)
    await limits.count(later, (limit, "x"))  # the wait is over: one more try
    with pytest.raises(TooManyAttempts):
        await limits.count(later, (limit, "x"))
    await limits.count(NOW, (limit, "another key"))  # other keys are not held back


@pytest.mark.parametrize("limit", ALL, ids=NAMES)
async def test_a_success_clears_an_account_but_only_gives_back_its_own_on_a_shared_key(
    store: NewCounters, limit: Limit
) -> None:
    limits = Limits(store(), POLICY)
    await _fail(limits, limit, "x", 9, NOW)
    counted = await limits.count(NOW, (limit, "x"))  # the 10th attempt, then the right secret
    await counted.succeeded()
    if limit.cleared_by_success:
        await _fail(limits, limit, "x", 10, NOW)  # ten free again
    else:
        await _fail(limits, limit, "x", 1, NOW)  # the nine failures still stand
    with pytest.raises(TooManyAttempts):
        await limits.count(NOW, (limit, "x"))


async def test_limiters_do_not_share_counts(store: NewCounters) -> None:
    limits = Limits(store(), POLICY)
    for limit in ALL:
        await _fail(limits, limit, "same key", 10, NOW)
    for limit in ALL:
        with pytest.raises(TooManyAttempts):
            await limits.count(NOW, (limit, "same key"))


async def test_an_attempt_under_two_limits_waits_for_the_later(store: NewCounters) -> None:
    limits = Limits(store(), POLICY)
    await _fail(limits, SIGN_IN_IP, "1.2.3.4", 10, NOW)
    with pytest.raises(TooManyAttempts):
        await limits.count(NOW, (SIGN_IN_IP, "1.2.3.4"))  # the IP's 11th
    await _fail(limits, SIGN_IN_ACCOUNT, "acct", 10, NOW)
    with pytest.raises(TooManyAttempts) as refused:
        await limits.count(NOW, (SIGN_IN_ACCOUNT, "acct"), (SIGN_IN_IP, "1.2.3.4"))
    assert refused.value.until == NOW + timedelta(seconds=120)  # the IP's, not the account's 60

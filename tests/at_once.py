"""Sending requests at once: the app in the test's own event loop behind httpx's ASGI
transport, so the requests of an asyncio.gather really interleave (Litestar's test client runs
the app in another thread and answers one request at a time), and a way to check they did."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from sqlalchemy import select

from app.config import Settings
from app.db.models import AuditEvent, LimitCounter
from app.main import create_app
from tests.conftest import REDIS_URL, built_app

NewClient = Callable[[], httpx.AsyncClient]


class Overlap:
    """How many calls were inside a function at the same moment, at most."""

    def __init__(self) -> None:
        self.inside = 0
        self.most = 0

    def wrap(
        self, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, *, meet: float = 0.0
    ) -> None:
        """Count the calls inside `owner.name`. With `meet` (seconds), a call alone inside
        waits that long for another to arrive, so requests slowed down before they get there
        (decoding a photo on a busy machine) still reach the contested statement together.
        Once two have met, none waits: the later ones are held back by the first (a lock, a
        transaction), and each would wait its full time alone."""
        original = getattr(owner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.inside += 1
            self.most = max(self.most, self.inside)
            waited = 0.0
            while self.most < 2 and waited < meet:
                await asyncio.sleep(0.01)
                waited += 0.01
            try:
                return await original(*args, **kwargs)
            finally:
                self.inside -= 1

        monkeypatch.setattr(owner, name, counted)


@pytest.fixture
def overlap() -> Overlap:
    return Overlap()


@pytest.fixture(params=["database", "redis"])
def limited_app(migrated: Settings, request: pytest.FixtureRequest) -> Litestar:
    """The app with its limits counted in the database, or in Redis."""
    if request.param == "redis":
        namespace = request.getfixturevalue("redis_namespace")
        return create_app(
            msgspec.structs.replace(migrated, redis_url=REDIS_URL, redis_namespace=namespace)
        )
    return built_app(migrated)


async def clients(app: Litestar) -> AsyncIterator[NewClient]:
    made: list[httpx.AsyncClient] = []

    def new() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app)
        made.append(httpx.AsyncClient(transport=transport, base_url="http://localhost"))
        return made[-1]

    # Start-up and shut-down in one task of their own: anyio's scopes must be left where
    # they were entered, and pytest runs a fixture's set-up and teardown in different tasks.
    started, stop = asyncio.Event(), asyncio.Event()

    async def run() -> None:
        async with app.lifespan():
            started.set()
            await stop.wait()

    task = asyncio.create_task(run())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when="FIRST_COMPLETED")
    if task.done():
        task.result()  # start-up failed: say why
    yield new
    for client in made:
        await client.aclose()
    stop.set()
    await task


@pytest.fixture
async def at_once(limited_app: Litestar, seeded: Any) -> AsyncIterator[NewClient]:
    async for new in clients(limited_app):
        yield new


@pytest.fixture
async def at_once_on_the_database(app: Litestar, seeded: Any) -> AsyncIterator[NewClient]:
    async for new in clients(app):
        yield new


async def counted(app: Litestar, seeded: Any, key: str) -> int:
    counters = app.state.counters
    if counters is not None:
        return int(await counters.redis.get(f"{counters.namespace}:{key}") or 0)
    await seeded.commit()  # a fresh look
    n = await seeded.db.scalar(select(LimitCounter.n).where(LimitCounter.key == key))
    return int(n or 0)


async def audited(seeded: Any, action: str) -> list[AuditEvent]:
    await seeded.commit()
    rows = await seeded.db.scalars(select(AuditEvent).where(AuditEvent.action == action))
    return list(rows)

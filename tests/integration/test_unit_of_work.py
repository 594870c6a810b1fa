"""A request's one unit of work (app/routes/deps.provide_uow): committed once when the handler
has made its response, rolled back when it raised, and what waits for the commit runs after it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import AuditEvent
from app.db.pii import PiiCipher
from app.routes.deps import provide_uow
from app.services.context import UnitOfWork


@pytest.fixture
async def sessions(migrated: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(migrated.database_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


def _state(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> SimpleNamespace:
    return SimpleNamespace(
        cipher=PiiCipher(settings.secret_key), settings=settings, reads=None, make_session=sessions
    )


def _request(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> SimpleNamespace:
    return SimpleNamespace(
        client=SimpleNamespace(host="192.0.2.1"),
        headers={"user-agent": "t"},
        app=SimpleNamespace(state=_state(settings, sessions)),
    )


async def _events(sessions: async_sessionmaker[AsyncSession], action: str) -> int:
    async with sessions() as other:  # another connection sees only what was committed
        query = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        return int(await other.scalar(query) or 0)


async def test_a_request_that_returns_commits_then_runs_what_waited(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    seen_after_commit: list[int] = []
    request = provide_uow(_request(migrated, sessions))  # type: ignore[arg-type]
    uow: UnitOfWork = await anext(request)
    uow.audit.record("test.done", at=utcnow(), actor=None)

    async def look() -> None:
        seen_after_commit.append(await _events(sessions, "test.done"))

    uow.after_commit(look)
    assert await _events(sessions, "test.done") == 0  # not before the handler is done
    with pytest.raises(StopAsyncIteration):
        await anext(request)
    assert await _events(sessions, "test.done") == 1
    assert seen_after_commit == [1]


async def test_a_request_that_raises_leaves_nothing_behind(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    ran: list[str] = []
    request = provide_uow(_request(migrated, sessions))  # type: ignore[arg-type]
    uow: UnitOfWork = await anext(request)
    uow.audit.record("test.failed", at=utcnow(), actor=None)

    async def never() -> None:
        ran.append("after commit")

    uow.after_commit(never)
    with pytest.raises(RuntimeError):
        await request.athrow(RuntimeError("the handler failed"))
    assert await _events(sessions, "test.failed") == 0
    assert ran == []


async def test_a_request_that_wrote_nothing_commits_nothing(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page whose reads all went outside the transaction never opens its session, so has
    nothing to end."""
    commits: list[AsyncSession] = []

    async def counted(self: AsyncSession) -> None:
        commits.append(self)

    monkeypatch.setattr(AsyncSession, "commit", counted)
    request = provide_uow(_request(migrated, sessions))  # type: ignore[arg-type]
    uow: UnitOfWork = await anext(request)
    with pytest.raises(StopAsyncIteration):
        await anext(request)
    assert not uow.opened
    assert commits == []


async def test_a_session_is_opened_only_when_used(
    migrated: Settings, sessions: async_sessionmaker[AsyncSession]
) -> None:
    request = provide_uow(_request(migrated, sessions))  # type: ignore[arg-type]
    uow: UnitOfWork = await anext(request)
    assert not uow.opened
    uow.audit.record("test.opened", at=utcnow(), actor=None)
    assert uow.opened and uow.in_transaction()
    with pytest.raises(StopAsyncIteration):
        await anext(request)
    assert await _events(sessions, "test.opened") == 1

"""The session is read from its store once per request and written only when it changed,
in the embedded file store and in Redis; the file store itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.stores.base import Store
from litestar.testing import AsyncTestClient

from app.adapters.session_files import SessionFiles
from app.config import Settings
from app.main import create_app
from app.services.context import UnitOfWork
from tests.conftest import REDIS_URL, sign_in


@pytest.fixture(params=["files", "redis"])
def session_app(migrated: Settings, request: pytest.FixtureRequest) -> Litestar:
    if request.param == "redis":
        namespace = request.getfixturevalue("redis_namespace")
        return create_app(
            msgspec.structs.replace(migrated, redis_url=REDIS_URL, redis_namespace=namespace)
        )
    return create_app(migrated)


@pytest.fixture
async def session_client(
    session_app: Litestar, seeded: UnitOfWork
) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app=session_app, base_url="http://localhost") as client:
        yield client


class StoreCalls:
    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        self.writes = 0
        kind = type(store)
        get, set_ = kind.get, kind.set

        async def counted_get(this: Store, *args: Any, **kwargs: Any) -> bytes | None:
            self.reads += 1
            return await get(this, *args, **kwargs)

        async def counted_set(this: Store, *args: Any, **kwargs: Any) -> None:
            self.writes += 1
            await set_(this, *args, **kwargs)

        monkeypatch.setattr(kind, "get", counted_get)
        monkeypatch.setattr(kind, "set", counted_set)


async def test_a_signed_in_page_reads_the_session_once_and_writes_nothing(
    session_app: Litestar,
    session_client: AsyncTestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await sign_in(session_client)
    assert (await session_client.get("/")).status_code == 200  # notes the "seen" time
    calls = StoreCalls(session_app.stores.get("sessions"), monkeypatch)
    for path in ("/", "/card", "/my"):
        response = await session_client.get(path)
        assert response.status_code == 200, path
        assert "1101**********0224" in response.text or path == "/my"
    assert calls.reads == 3
    assert calls.writes == 0


async def test_a_changed_session_is_read_once_and_written_once(
    session_app: Litestar,
    session_client: AsyncTestClient[Litestar],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await sign_in(session_client)
    calls = StoreCalls(session_app.stores.get("sessions"), monkeypatch)
    response = await session_client.post(
        "/session/extend",
        data={"_csrf_token": session_client.cookies["csrftoken"], "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert (calls.reads, calls.writes) == (1, 1)


async def test_files_keep_values_until_they_expire(tmp_path: Path) -> None:
    store = SessionFiles(tmp_path / "sessions")
    await store.set("a", b"one", expires_in=60)
    await store.set("b", "two", expires_in=1)
    await store.set("c", b"three")
    assert await store.get("a") == b"one"
    assert await store.get("b") == b"two"
    assert await store.exists("c")
    assert await store.expires_in("c") is None
    assert 0 < (await store.expires_in("a") or 0) <= 60
    await asyncio.sleep(1.1)
    assert await store.get("b") is None  # expired: gone, file and all
    assert len(list((tmp_path / "sessions").iterdir())) == 2
    await store.delete("a")
    assert await store.get("a") is None
    await store.delete("a")  # deleting twice is harmless
    await store.delete_all()
    assert not await store.exists("c")


async def test_files_are_named_by_a_hash_of_the_key(tmp_path: Path) -> None:
    store = SessionFiles(tmp_path / "sessions")
    await store.set("../../outside", b"x")
    assert [p.parent for p in (tmp_path / "sessions").iterdir()] == [tmp_path / "sessions"]
    assert not (tmp_path / "outside").exists()


async def test_expired_files_are_cleared_out(tmp_path: Path) -> None:
    store = SessionFiles(tmp_path / "sessions")
    await store.set("old", b"x", expires_in=1)
    await store.set("new", b"y", expires_in=60)
    await asyncio.sleep(1.1)
    await store.delete_expired()
    assert len(list((tmp_path / "sessions").iterdir())) == 1
    assert await store.get("new") == b"y"


async def test_a_session_another_process_changed_or_deleted_is_read_again(tmp_path: Path) -> None:
    """Each process keeps the sessions it read in memory; another one writing or deleting the
    file is seen at the next read."""
    here, there = SessionFiles(tmp_path), SessionFiles(tmp_path)
    await here.set("s", b"first", expires_in=60)
    assert await here.get("s") == b"first"
    await there.set("s", b"second", expires_in=60)
    assert await here.get("s") == b"second"
    await there.delete("s")
    assert await here.get("s") is None
    await there.set("s", b"third", expires_in=60)
    assert await here.get("s") == b"third"
    await there.delete("s")
    await here.delete_expired()
    assert not here._cache, "copies of deleted sessions are forgotten"


async def test_a_sign_out_ends_the_session_in_every_server_process(
    migrated: Settings, redis_namespace: str, seeded: UnitOfWork
) -> None:
    """Two server processes share the sessions in Redis, and each keeps the ones it read. A
    holder signs out through one: the other refuses the same cookie on the very next page."""
    settings = msgspec.structs.replace(
        migrated, redis_url=REDIS_URL, redis_namespace=redis_namespace
    )
    here, there = create_app(settings), create_app(settings)
    async with (
        AsyncTestClient(app=here, base_url="http://localhost") as holder,
        AsyncTestClient(app=there, base_url="http://localhost") as thief,
    ):
        await sign_in(holder)
        thief.cookies.update(holder.cookies)
        cache = there.stores.get("sessions")._cache
        for _ in range(100):  # until the other process keeps the session it read
            assert (await thief.get("/my", follow_redirects=False)).status_code == 200
            if cache._listener is not None and cache._values:
                break
            await asyncio.sleep(0.01)
        assert cache._values, "the session was never kept"
        response = await holder.post(
            "/logout", data={"_csrf_token": holder.cookies["csrftoken"]}, follow_redirects=False
        )
        assert response.status_code == 303
        assert (await thief.get("/my", follow_redirects=False)).status_code != 200

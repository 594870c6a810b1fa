"""The views read outside the request's transaction (app/db/reads.py): the same read models as
in the session, committed data only, and a signed-in home page that runs one statement."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import AffinityBinding, HolderAccount, Person, SignedInSession
from app.db.reads import AsyncpgReads, Reads, SQLiteReads, reads_for
from app.domain.views import Holder
from app.services.context import UnitOfWork
from tests.conftest import sign_in


@pytest.fixture
async def reads(migrated: Settings) -> AsyncIterator[Reads]:
    engine = create_async_engine(migrated.database_url)
    made = reads_for(engine)
    yield made
    await made.close()
    await engine.dispose()


async def _holder_id(uow: UnitOfWork) -> Any:
    """王芳's account."""
    query = select(HolderAccount.id).join(Person, Person.id == HolderAccount.person_id)
    return await uow.db.scalar(query.where(Person.name == "王芳"))


async def _signed_in_holder(seeded: UnitOfWork, reads: Reads) -> tuple[UnitOfWork, Holder]:
    """王芳 signed in (a sign-in row, committed), and her holder as the statement of every
    signed-in page reads it through `reads`, in a unit of work that has them."""
    account_id = await _holder_id(seeded)
    now = utcnow()
    sign_in_row = await seeded.signed_in_sessions.add(
        SignedInSession(account_id=account_id, started_at=now, seen_at=now)
    )
    await seeded.db.commit()
    fast = UnitOfWork(db=seeded.db, cipher=seeded.cipher, policy=seeded.policy, reads=reads)
    holder = await fast.views.holder(account_id, sign_in_row.id)
    assert holder is not None
    return fast, holder


async def test_views_through_reads_equal_views_in_the_session(
    seeded: UnitOfWork, reads: Reads
) -> None:
    account_id = await _holder_id(seeded)
    fast = UnitOfWork(db=seeded.db, cipher=seeded.cipher, policy=seeded.policy, reads=reads)
    holder = await fast.views.holder(account_id)
    assert holder is not None
    assert holder == await seeded.views.holder(holder.account_id)
    assert await fast.views.person(holder.person_id) == await seeded.views.person(holder.person_id)
    assert await fast.views.active_members(holder.person_id) == []


async def test_member_views_through_reads_equal_views_in_the_session(
    seeded: UnitOfWork, reads: Reads, migrated: Settings
) -> None:
    from tests.integration.test_family_subject import MOTHER, _open

    binding_id = await _open(seeded, migrated, MOTHER[1], "parent")
    await seeded.db.commit()
    fast = UnitOfWork(db=seeded.db, cipher=seeded.cipher, policy=seeded.policy, reads=reads)
    holder = await fast.views.holder(await _holder_id(seeded))
    assert holder is not None
    members = await fast.views.active_members(holder.person_id)
    assert len(members) == 1
    assert members == await seeded.views.active_members(holder.person_id)
    found = await fast.views.active_member(binding_id, holder.person_id)
    assert found == await seeded.views.active_member(binding_id, holder.person_id)
    assert found is not None and found[0].relation == "parent"


async def test_members_read_with_the_holder_serve_until_the_request_writes(
    seeded: UnitOfWork, reads: Reads, migrated: Settings
) -> None:
    """The signed-in holder's statement brings their active members; they are used only while
    the request's own transaction has not begun, after which the members are read again."""
    from tests.integration.test_family_subject import MOTHER, _open

    binding_id = await _open(seeded, migrated, MOTHER[1], "parent")
    fast, holder = await _signed_in_holder(seeded, reads)
    assert holder == await seeded.views.holder(holder.account_id)
    read_with_holder = await fast.views.active_members(holder.person_id)
    assert read_with_holder == await seeded.views.active_members(holder.person_id)
    assert [binding.id for binding, _ in read_with_holder] == [binding_id]

    await seeded.db.execute(
        update(AffinityBinding).where(AffinityBinding.id == binding_id).values(state="unbound")
    )
    await seeded.db.commit()  # another request's write, committed: a new request sees it
    assert await fast.views.active_members(holder.person_id) == read_with_holder
    await seeded.db.execute(select(1))  # this request has begun its own transaction
    assert await fast.views.active_members(holder.person_id) == []


async def test_reads_see_what_is_committed_and_not_an_open_transaction(
    seeded: UnitOfWork, reads: Reads
) -> None:
    account_id = await _holder_id(seeded)
    fast = UnitOfWork(db=seeded.db, cipher=seeded.cipher, policy=seeded.policy, reads=reads)
    before = await fast.views.holder(account_id)
    assert before is not None
    person = Person.__table__
    await seeded.db.execute(
        update(person).where(person.c.id == before.person_id).values(name="未提交")
    )
    during = await fast.views.holder(account_id)
    assert during is not None and during.person.name == before.person.name
    await seeded.db.commit()
    after = await fast.views.holder(account_id)
    assert after is not None and after.person.name == "未提交"


@pytest.fixture
async def signed_in(client: AsyncTestClient[Litestar]) -> AsyncTestClient[Litestar]:
    await sign_in(client)
    assert (await client.get("/")).status_code == 200
    return client


def _noted(rows: Any, seen: Any) -> Any:
    async def noted(query: Any, params: Any) -> Any:
        seen(None, None, str(query))
        return await rows(query, params)

    return noted


async def test_the_home_page_runs_one_statement(
    app: Litestar, signed_in: AsyncTestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engines = [app.state.database.get_engine().sync_engine]
    # Reads outside a transaction go around SQLAlchemy's engine: one statement a call.
    monkeypatch.setattr(app.state.reads, "rows", _noted(app.state.reads.rows, seen))
    for engine in engines:
        event.listen(engine, "before_cursor_execute", seen)
    try:
        response = await signed_in.get("/")
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", seen)
    assert response.status_code == 200
    assert "1101**********0224" in response.text
    # Who is signed in (with their person and card), and whom they may act for, together.
    assert len(statements) == 1, statements


async def test_a_busy_sqlite_file_is_read_in_a_worker_thread(
    seeded: UnitOfWork, reads: Reads
) -> None:
    """The in-place read never waits: while another connection holds the file exclusively,
    the read waits in a thread and the event loop goes on."""
    if not isinstance(reads, SQLiteReads):
        pytest.skip("SQLite only")
    query = select(Person.id).where(Person.name == "王芳")
    blocker = sqlite3.connect(reads.path, check_same_thread=False)
    blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, blocker.close)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.create_task(tick())
    started = time.perf_counter()
    row = await reads.one(query)
    waited = time.perf_counter() - started
    ticking.cancel()
    assert row is not None
    assert waited >= 0.25, "the read went through while the file was held"
    assert ticks >= 10, "the event loop waited for the file"


async def test_twenty_reads_at_once_share_the_few_postgresql_connections(
    seeded: UnitOfWork, reads: Reads
) -> None:
    """More reads than connections wait their turn, and a read cancelled half-way leaves no
    connection in an unknown state behind: it is closed and the next read opens another."""
    if not isinstance(reads, AsyncpgReads):
        pytest.skip("PostgreSQL only")
    reads.size = 2
    query = select(Person.name).where(Person.name == "王芳")
    answers = await asyncio.gather(*(reads.one(query) for _ in range(20)))
    assert [row["name"] for row in answers if row] == ["王芳"] * 20
    assert reads._open <= 2
    slow = asyncio.create_task(reads.rows(select(func.pg_sleep(5)), {}))
    await asyncio.sleep(0.3)
    slow.cancel()
    with pytest.raises(asyncio.CancelledError):
        await slow
    assert reads._open <= 1  # the cancelled read's connection is gone
    row = await reads.one(query)
    assert row is not None and row["name"] == "王芳"


async def test_members_read_with_the_holder_come_newest_first(
    seeded: UnitOfWork, reads: Reads, migrated: Settings
) -> None:
    """The signed-in holder's statement does not sort; its members are put in the order the
    members' own statement gives them."""
    from tests.integration.test_family_subject import FATHER, MOTHER, _open

    first = await _open(seeded, migrated, MOTHER[1], "parent")
    second = await _open(seeded, migrated, FATHER.value, "parent")
    fast, holder = await _signed_in_holder(seeded, reads)
    read_with_holder = await fast.views.active_members(holder.person_id)
    assert [binding.id for binding, _ in read_with_holder] == [second, first]
    assert read_with_holder == await seeded.views.active_members(holder.person_id)

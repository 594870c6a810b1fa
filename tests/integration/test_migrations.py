"""Migrations go up, down and up again, and match the models (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from app.adapters.portraits import FilePortraits
from app.config import Settings
from app.domain.identity import IdNumber
from app.services.context import UnitOfWork
from tests.conftest import migrations

TABLES = {"people", "holder_accounts", "passkey_credentials", "ecards", "audit_events"}


def _tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
        await engine.dispose()
        return names

    return asyncio.run(read())


def test_up_down_up_and_no_autogenerate_difference(settings: Settings) -> None:
    commands = migrations(settings)
    commands.upgrade("head")
    assert _tables(settings.database_url) >= TABLES
    commands.downgrade("base")
    assert not TABLES & _tables(settings.database_url)
    commands.upgrade("head")
    assert _tables(settings.database_url) >= TABLES
    commands.check()  # raises if autogenerate would find any difference from the models


async def test_id_numbers_are_encrypted_at_rest(seeded: UnitOfWork) -> None:
    rows = (
        await seeded.db.execute(text("SELECT id_number_cipher, id_number_hmac FROM people"))
    ).all()
    assert len(rows) == 9
    for cipher, digest in rows:
        assert b"110105" not in bytes(cipher)
        assert "110105" not in digest
    dump = repr(rows)
    for plain in ("110105198503140224", "440106199207150513"):
        assert plain not in dump


async def test_seeding_twice_adds_nobody(seeded: UnitOfWork, migrated: Settings) -> None:
    from app.services.seed import DEMO_PEOPLE, seed_demo

    portraits = FilePortraits(migrated.portrait_dir)
    assert await seed_demo(seeded, portraits) == 0
    # Each demo person but the boy under 16 has a registry portrait, seeded once.
    for demo in DEMO_PEOPLE:
        person = await seeded.people.by_id_number(IdNumber(demo.id_number))
        assert person is not None
        assert (await portraits.portrait(person.id) is not None) == (demo.portrait is not None)
    assert [d.name for d in DEMO_PEOPLE if d.portrait is None] == ["张浩"]

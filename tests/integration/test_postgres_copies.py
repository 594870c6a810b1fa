"""A PostgreSQL test database that is filled again from a template holds the template's rows
and nothing else, whatever the test before it changed, and whatever connection it left open."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from tests.conftest import POSTGRES_URL, Postgres, Templates

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL only")


async def _contents(dsn: str) -> dict[str, list[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        tables = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
        )
        return {
            row["tablename"]: sorted(
                r[0] for r in await conn.fetch(f'SELECT t::text FROM "{row["tablename"]}" t')
            )
            for row in tables
        }
    finally:
        await conn.close()


async def _scribble(dsn: str) -> None:
    """Rows changed, deleted and added, the append-only ledger's included."""
    conn = await asyncpg.connect(dsn)
    await conn.execute("UPDATE kiosks SET name = 'changed'")
    await conn.execute("DELETE FROM audit_events")
    await conn.execute(
        "INSERT INTO audit_events (id, action, at, detail, created_at, updated_at) "
        "VALUES (gen_random_uuid(), 'scribbled', now(), '', now(), now())"
    )
    # The ledger refuses DELETE: the copy must empty it all the same.
    await conn.execute(
        "WITH posting AS (INSERT INTO ledger_postings (id, kind, purpose, at) "
        "VALUES (gen_random_uuid(), 'scribbled', 'scribbled', now()) RETURNING id) "
        "INSERT INTO ledger_entries (id, posting_id, account_code, debit_fen, credit_fen) "
        "SELECT gen_random_uuid(), posting.id, (SELECT min(code) FROM fund_accounts), 1, 0 "
        "FROM posting"
    )
    await conn.close()


async def _left_open(dsn: str) -> asyncpg.Connection:
    """A connection left inside a transaction that holds a lock on a table."""
    conn = await asyncpg.connect(dsn)
    await conn.execute("BEGIN; LOCK TABLE people IN ACCESS EXCLUSIVE MODE")
    return conn


def test_a_copy_filled_again_equals_its_template(templates: Templates, tmp_path: Path) -> None:
    assert POSTGRES_URL
    postgres = Postgres(POSTGRES_URL)
    name = postgres.name("refilled")
    url, dsn = postgres.url_of(name), postgres.dsn_of(name)
    templates.forget(name)
    templates.copy_into("postgres", "seeded", url, tmp_path)  # CREATE DATABASE ... TEMPLATE
    seeded = asyncio.run(_contents(postgres.dsn_of(templates.made[("postgres", "seeded")])))
    assert asyncio.run(_contents(dsn)) == seeded
    assert len(seeded["people"]) > 1

    loop = asyncio.new_event_loop()  # the left-open connection's, beside the copies' own
    try:
        for content in ("seeded", "migrated", "seeded"):
            asyncio.run(_scribble(dsn))
            assert asyncio.run(_contents(dsn)) != seeded
            left_open = loop.run_until_complete(_left_open(dsn))
            templates.copy_into("postgres", content, url, tmp_path)  # rows put back
            assert name in templates.schema_in
            template = postgres.dsn_of(templates.made[("postgres", content)])
            assert asyncio.run(_contents(dsn)) == asyncio.run(_contents(template))
            left_open.terminate()
            loop.run_until_complete(asyncio.sleep(0))  # its transport closes
    finally:
        loop.close()

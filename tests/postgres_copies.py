"""Copies of a template database on PostgreSQL, made in milliseconds.

`CREATE DATABASE ... TEMPLATE` copies every page of the template, some 9 MB that are mostly
the system catalogues, and writes them all to the WAL: with four test processes at once it
took about 1.8 s a test, more than the tests themselves. A test database that already holds
the template's schema is instead emptied and filled again with the template's rows, in one
transaction, which takes about 25 ms. The schema itself is never touched, so a test that
changes it must ask for a database of its own (see `database_url` in conftest)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import asyncpg

_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
_FOREIGN_KEYS = """
SELECT child.relname AS child, parent.relname AS parent
FROM pg_constraint c
JOIN pg_class child ON child.oid = c.conrelid
JOIN pg_class parent ON parent.oid = c.confrelid
WHERE c.contype = 'f' AND c.conrelid <> c.confrelid
"""
# Tables whose own triggers refuse DELETE (the append-only ledger); TRUNCATE fires no row
# triggers, and costs a new file per table, so it is kept for these.
_GUARDED = """
SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
WHERE NOT t.tgisinternal ORDER BY c.relname
"""
# Any connection a test left behind (an app that failed before it stopped) would hold locks.
_OTHERS_OUT = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity
WHERE datname = current_database() AND pid <> pg_backend_pid()
"""


@dataclass(frozen=True)
class TemplateRows:
    """A template's tables, each after the tables it refers to, and its rows as binary COPY
    data (tables without rows left out)."""

    tables: tuple[str, ...]
    rows: dict[str, bytes]
    guarded: tuple[str, ...]


def _parents_first(tables: list[str], links: list[tuple[str, str]]) -> tuple[str, ...]:
    needs = {table: {parent for child, parent in links if child == table} for table in tables}
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, parents in needs.items() if parents <= set(ordered))
        assert ready, f"foreign keys in a cycle among {sorted(needs)}"
        ordered += ready
        for table in ready:
            del needs[table]
    return tuple(ordered)


def _names(tables: tuple[str, ...]) -> str:
    return ", ".join(f'"{table}"' for table in tables)


async def read_template(dsn: str) -> TemplateRows:
    conn = await asyncpg.connect(dsn)
    try:
        tables = [row["tablename"] for row in await conn.fetch(_TABLES)]
        links = [(row["child"], row["parent"]) for row in await conn.fetch(_FOREIGN_KEYS)]
        rows: dict[str, bytes] = {}
        for table in tables:
            data = io.BytesIO()
            await conn.copy_from_table(table, output=data, format="binary")
            if await conn.fetchval(f'SELECT EXISTS (SELECT FROM "{table}")'):
                rows[table] = data.getvalue()
        guarded = tuple(row["relname"] for row in await conn.fetch(_GUARDED))
        return TemplateRows(_parents_first(tables, links), rows, guarded)
    finally:
        await conn.close()


async def refill(dsn: str, template: TemplateRows) -> None:
    """The database at `dsn`, which holds the template's schema, with the template's rows
    and nothing else."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(_OTHERS_OUT)
        async with conn.transaction():
            if template.guarded:
                await conn.execute(f"TRUNCATE {_names(template.guarded)} CASCADE")
            for table in reversed(template.tables):
                if table not in template.guarded:
                    await conn.execute(f'DELETE FROM "{table}"')
            for table in template.tables:
                if table in template.rows:
                    data = io.BytesIO(template.rows[table])
                    await conn.copy_to_table(table, source=data, format="binary")
    finally:
        await conn.close()

"""Reads that open no transaction: one SELECT, as cheap as the store allows.

A page's first reads (who is signed in, whose page it is) are single statements run before
anything is written, so a transaction adds nothing to them but cost. Each one sees what is
committed when it runs, as it would as the first statement of the request's transaction.

- PostgreSQL: a pool of connections in autocommit mode, so one round trip, with no BEGIN
  before and no ROLLBACK after.
- SQLite: the plain `sqlite3` driver, in place. A primary-key read from the page cache takes
  less than a hop to a worker thread and back (aiosqlite makes one for each of cursor,
  execute, fetch and close). It never waits: in WAL mode a reader is not blocked by writers,
  and in the rare moment the file is busy (a checkpoint resetting the log) the read is retried
  in a worker thread, which may wait, so the event loop never does.

Never use them for what the request itself may have just written: they do not see it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Executable, Row, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from app.db import sqlite


class Reads:
    """Runs one statement outside any transaction and returns its rows."""

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        raise NotImplementedError

    async def one(self, query: Executable, **params: Any) -> Row[Any] | None:
        rows = await self.rows(query, params)
        return rows[0] if rows else None

    async def close(self) -> None:
        return None


class AutocommitReads(Reads):
    def __init__(self, engine: AsyncEngine) -> None:
        # Connections of their own, set to autocommit once when opened: switching a pooled
        # connection there and back for each read would cost round trips of its own.
        self.engine = create_async_engine(
            engine.url,
            isolation_level="AUTOCOMMIT",
            pool_size=engine.pool.size() if isinstance(engine.pool, QueuePool) else 5,
            max_overflow=10,
            pool_reset_on_return=None,  # nothing to roll back
        )

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        async with self.engine.connect() as connection:
            return (await connection.execute(query, dict(params))).all()

    async def close(self) -> None:
        await self.engine.dispose()


class SQLiteReads(Reads):
    def __init__(self, engine: AsyncEngine) -> None:
        url = engine.url.set(drivername="sqlite")
        # The event loop's thread uses one connection at a time; a few in case of several loops.
        self.in_place: Engine = create_engine(
            url, pool_size=2, max_overflow=8, connect_args={"timeout": 0}
        )
        # The retries: as many connections as the async engine's pool, the same concurrency.
        self.waiting: Engine = create_engine(
            url,
            pool_size=20,
            max_overflow=10,
            connect_args={"timeout": sqlite.BUSY_TIMEOUT_MS / 1000},
        )

    @staticmethod
    def _run(engine: Engine, query: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        with engine.connect() as connection:
            return connection.execute(query, dict(params)).all()

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[Row[Any]]:
        try:
            return self._run(self.in_place, query, params)
        except OperationalError as error:
            if not sqlite.is_busy(error):
                raise
        return await asyncio.to_thread(self._run, self.waiting, query, params)

    async def close(self) -> None:
        self.in_place.dispose()
        self.waiting.dispose()


def reads_for(engine: AsyncEngine) -> Reads:
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return SQLiteReads(engine)
    return AutocommitReads(engine)

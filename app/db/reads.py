"""Reads that open no transaction: one SELECT, as cheap as the store allows.

A page's first reads (who is signed in, whose page it is) are single statements run before
anything is written, so a transaction adds nothing to them but cost. Each one sees what is
committed when it runs, as it would as the first statement of the request's transaction.

- PostgreSQL: asyncpg's pool, whose connections are in autocommit outside a transaction, so
  one round trip, with no BEGIN before and no ROLLBACK after.
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
from typing import Any, cast

import asyncpg
from sqlalchemy import Engine, Executable, RowMapping, create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from app.db import sqlite


class Reads:
    """Runs one statement outside any transaction and returns its rows, keyed by column name."""

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[RowMapping]:
        raise NotImplementedError

    async def one(self, query: Executable, **params: Any) -> RowMapping | None:
        rows = await self.rows(query, params)
        return rows[0] if rows else None

    async def close(self) -> None:
        return None


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """Only single SELECTs outside a transaction run on these connections, so there is no
    session state to undo: no reset query (a round trip) each time one goes back to the pool."""


class AsyncpgReads(Reads):
    """PostgreSQL through asyncpg's own pool: a connection outside a transaction is in
    autocommit, and a statement is one round trip. SQLAlchemy only compiles each statement,
    once; running it through its async layer would cost twice the CPU of the read itself."""

    CACHED = 256  # statements kept compiled: the views' constant selects, with room to spare

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.dialect
        self.dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 5
        self._pool: asyncpg.Pool | None = None
        self._opening = asyncio.Lock()
        self._compiled: dict[Executable, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    async def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            async with self._opening:  # one pool, however many first requests arrive at once
                if self._pool is None:
                    self._pool = await asyncpg.create_pool(
                        self.dsn, min_size=1, max_size=self.size, reset=_nothing_to_reset
                    )
        return self._pool

    def _sql(self, query: Executable) -> tuple[str, tuple[str, ...], dict[str, Any]]:
        found = self._compiled.get(query)
        if found is None:
            compiled = query.compile(dialect=self.dialect)  # type: ignore[attr-defined]  # every Executable passed here is a ClauseElement
            # Literal values of the statement (e.g. a state compared to) are bound too.
            found = (compiled.string, tuple(compiled.positiontup or ()), dict(compiled.params))
            if len(self._compiled) < self.CACHED:
                self._compiled[query] = found
        return found

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[RowMapping]:
        sql, names, fixed = self._sql(query)
        values = {**fixed, **params}
        records = await (await self.pool()).fetch(sql, *(values[name] for name in names))
        return cast(Sequence[RowMapping], records)  # a Record reads by column name as well

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()


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
    def _run(engine: Engine, query: Executable, params: Mapping[str, Any]) -> Sequence[RowMapping]:
        with engine.connect() as connection:
            return connection.execute(query, dict(params)).mappings().all()

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[RowMapping]:
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
    return AsyncpgReads(engine)

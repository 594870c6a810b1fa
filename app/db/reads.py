"""Reads that open no transaction: one SELECT, as cheap as the store allows.

A page's first reads (who is signed in, whose page it is) are single statements run before
anything is written, so a transaction adds nothing to them but cost. Each one sees what is
committed when it runs, as it would as the first statement of the request's transaction.

- PostgreSQL: asyncpg connections lent from a plain list (AsyncpgReads), in autocommit outside
  a transaction, so one round trip, with no BEGIN before and no ROLLBACK after.
- SQLite: the plain `sqlite3` module, in place. A primary-key read from the page cache takes
  less than a hop to a worker thread and back (aiosqlite makes one for each of cursor,
  execute, fetch and close). It never waits: in WAL mode a reader is not blocked by writers,
  and in the rare moment the file is busy (a checkpoint resetting the log) the read is retried
  in a worker thread, which may wait, so the event loop never does.

Never use them for what the request itself may have just written: they do not see it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from uuid import UUID

import asyncpg
from advanced_alchemy.types import GUID
from sqlalchemy import Dialect, Engine, Executable, RowMapping, Select, create_engine
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


class AsyncpgReads(Reads):
    """PostgreSQL through asyncpg connections of its own: a connection outside a transaction is
    in autocommit, and a statement is one round trip. SQLAlchemy only compiles each statement,
    once; running it through its async layer would cost twice the CPU of the read itself.

    The connections are lent from a plain list rather than asyncpg's Pool, whose acquire and
    release (timeouts, a queue, state resets) cost more CPU than the query: these connections
    only ever run one SELECT at a time outside a transaction, so there is nothing to reset. A
    connection whose read failed or was cancelled is closed, never lent again."""

    CACHED = 256  # statements kept compiled: the views' constant selects, with room to spare

    def __init__(self, engine: AsyncEngine) -> None:
        self.dialect = engine.dialect
        self.dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.size = engine.pool.size() if isinstance(engine.pool, QueuePool) else 5
        self._free: list[asyncpg.Connection] = []
        self._open = 0  # lent or free, or being opened
        self._returned = asyncio.Condition()
        self._waiting = 0
        self._compiled: dict[Executable, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    async def _borrow(self) -> asyncpg.Connection:
        if self._free:
            return self._free.pop()
        if self._open < self.size:
            self._open += 1
            try:
                return await asyncpg.connect(self.dsn)
            except BaseException:
                self._open -= 1
                raise
        self._waiting += 1
        try:
            async with self._returned:  # all lent: wait for one back
                await self._returned.wait_for(lambda: bool(self._free) or self._open < self.size)
        finally:
            self._waiting -= 1
        return await self._borrow()

    async def _give_back(self, connection: asyncpg.Connection, *, usable: bool) -> None:
        if usable and not connection.is_closed():
            self._free.append(connection)
        else:
            self._open -= 1
            connection.terminate()
        if self._waiting:
            async with self._returned:
                self._returned.notify()

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
        connection = await self._borrow()
        usable = False
        try:
            records = await connection.fetch(sql, *(values[name] for name in names))
            usable = True
        finally:
            await self._give_back(connection, usable=usable)
        return cast(Sequence[RowMapping], records)  # a Record reads by column name as well

    async def close(self) -> None:
        free, self._free = self._free, []
        for connection in free:
            self._open -= 1
            await connection.close()


class SQLiteReads(Reads):
    """SQLite through the `sqlite3` module itself: SQLAlchemy compiles each statement once and
    lends its types' conversions; a read through its engine would cost three times the CPU of
    the read itself."""

    def __init__(self, engine: AsyncEngine) -> None:
        url = engine.url.set(drivername="sqlite")
        self.path = url.database or ""
        # The retries: as many connections as the async engine's pool, the same concurrency.
        self.waiting: Engine = create_engine(
            url,
            pool_size=20,
            max_overflow=10,
            connect_args={"timeout": sqlite.BUSY_TIMEOUT_MS / 1000},
        )
        self.dialect = self.waiting.dialect
        self._compiled: dict[Executable, _SQLiteStatement | None] = {}
        # One connection per thread that reads in place (the event loops' threads).
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            # Never waits: a busy file fails at once, and the read is retried in a thread.
            connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
            self._local.connection = connection
            self._opened.append(connection)
        return connection

    def _statement(self, query: Executable) -> _SQLiteStatement | None:
        if query not in self._compiled:
            statement = _SQLiteStatement.of(query, self.dialect)
            if len(self._compiled) < AsyncpgReads.CACHED:
                self._compiled[query] = statement
            return statement
        return self._compiled[query]

    @staticmethod
    def _run(engine: Engine, query: Executable, params: Mapping[str, Any]) -> Sequence[RowMapping]:
        with engine.connect() as connection:
            return connection.execute(query, dict(params)).mappings().all()

    async def rows(self, query: Executable, params: Mapping[str, Any]) -> Sequence[RowMapping]:
        statement = self._statement(query)
        if statement is not None:
            try:
                return statement.run(self._connection(), params)
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode & 0xFF not in _BUSY:
                    raise
        return await asyncio.to_thread(self._run, self.waiting, query, params)

    async def close(self) -> None:
        for connection in self._opened:
            connection.close()
        self._opened.clear()
        self._local = threading.local()  # the closed connections are no thread's any more
        self.waiting.dispose()


_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_Convert = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _SQLiteStatement:
    """A SELECT compiled for SQLite, with its parameters' and columns' conversions."""

    sql: str
    names: tuple[str, ...]
    fixed: dict[str, Any]
    to_sql: tuple[_Convert, ...]
    from_sql: tuple[_Convert, ...]
    keys: list[str] = field(default_factory=list)  # the result's column names, once known

    @classmethod
    def of(cls, query: Executable, dialect: Dialect) -> _SQLiteStatement | None:
        """None for what it does not cover (not a SELECT, lists bound into IN): those go
        through SQLAlchemy."""
        if not isinstance(query, Select):
            return None
        compiled = query.compile(dialect=dialect)
        names = tuple(compiled.positiontup or ())
        binds = [compiled.binds[name] for name in names]
        if any(bind.expanding for bind in binds):
            return None
        return cls(
            sql=compiled.string,
            names=names,
            fixed=dict(compiled.params),
            to_sql=tuple(_bind_conversion(bind.type, dialect) for bind in binds),
            from_sql=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in query.selected_columns
            ),
        )

    def run(
        self, connection: sqlite3.Connection, params: Mapping[str, Any]
    ) -> Sequence[RowMapping]:
        values = {**self.fixed, **params} if self.fixed else params
        args = [
            value if convert is None or value is None else convert(value)
            for convert, value in zip(
                self.to_sql, (values[name] for name in self.names), strict=True
            )
        ]
        cursor = connection.execute(self.sql, args)
        keys = self.keys or self._keys_of(cursor)
        # NULL is None in every type's conversion, so a NULL column (a holder's row with no
        # members has nineteen) skips its call.
        rows = [
            {
                key: value if value is None or convert is None else convert(value)
                for key, convert, value in zip(keys, self.from_sql, row, strict=True)
            }
            for row in cursor.fetchall()
        ]
        return cast(Sequence[RowMapping], rows)  # a dict reads by column name as a row does

    def _keys_of(self, cursor: sqlite3.Cursor) -> list[str]:
        self.keys[:] = [column[0] for column in cursor.description]
        return self.keys


def _bind_conversion(kind: Any, dialect: Dialect) -> _Convert:
    """The type's own conversion of a parameter; for a UUID key (16 bytes in SQLite), its
    bytes straight away, which is what the type's checks end in for a UUID."""
    convert: _Convert = kind.dialect_impl(dialect).bind_processor(dialect)
    if isinstance(kind, GUID) and kind.binary and convert is not None:
        general = convert

        def uuid_bytes(value: Any) -> Any:
            return value.bytes if value.__class__ is UUID else general(value)

        return uuid_bytes
    return convert


def reads_for(engine: AsyncEngine) -> Reads:
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        return SQLiteReads(engine)
    return AsyncpgReads(engine)

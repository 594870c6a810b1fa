"""SQLite set for concurrent requests: write-ahead logging, so readers never wait for the
writer, and a busy timeout, so a writer waits its turn instead of failing "database is locked"."""

from __future__ import annotations

import sqlite3
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

BUSY_TIMEOUT_MS = 15_000


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def tune(engine: AsyncEngine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(
        engine.sync_engine, "connect", _on_connect
    ):
        event.listen(engine.sync_engine, "connect", _on_connect)


def is_busy(error: OperationalError) -> bool:
    """SQLITE_BUSY or SQLITE_LOCKED (the primary code, without the extended part)."""
    code = getattr(error.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)

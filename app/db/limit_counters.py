"""Limiter counters in the database, for when there is no Redis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, null, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from app.db.models import LimitCounter
from app.domain.backoff import Throttle


class DatabaseCounters:
    """Each attempt is counted by one conditional UPDATE ... RETURNING, in the request's own
    session and committed at once: the count stands before the secret is checked, whatever
    becomes of the rest of the request, and no row lock is held while it is checked."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hit(self, keys: Sequence[str], now: datetime, memory: timedelta) -> list[Throttle]:
        """Count one attempt on each key; for each, what was counted before this attempt."""
        before: dict[str, Throttle] = {}
        for key in sorted(set(keys)):  # one order in every transaction: none waits in a circle
            await self.session.execute(self._insert_if_missing(key, now + memory))
            before[key] = await self._count(key, now, memory)
        await self.session.commit()
        return [before[key] for key in keys]

    async def give_back(self, key: str) -> None:
        """Take back one attempt (a success's own): earlier ones stay counted."""
        await self.session.execute(
            update(LimitCounter)
            .where(LimitCounter.key == key, LimitCounter.n > 0)
            .values(n=LimitCounter.n - 1)
            .execution_options(synchronize_session=False)
        )
        await self.session.commit()

    async def clear(self, key: str) -> None:
        await self.session.execute(
            delete(LimitCounter)
            .where(LimitCounter.key == key)
            .execution_options(synchronize_session=False)
        )
        await self.session.commit()

    async def forget_expired(self, now: datetime) -> int:
        """Delete counters past their memory (a hit would count them afresh anyway)."""
        result = await self.session.execute(
            delete(LimitCounter)
            .where(LimitCounter.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _count(self, key: str, now: datetime, memory: timedelta) -> Throttle:
        expired = LimitCounter.expires_at <= now
        row = (
            await self.session.execute(
                update(LimitCounter)
                .where(LimitCounter.key == key)
                .values(
                    n=case((expired, 1), else_=LimitCounter.n + 1),
                    previous_at=case((expired, null()), else_=LimitCounter.last_at),
                    last_at=now,
                    expires_at=now + memory,
                )
                .returning(LimitCounter.n, LimitCounter.previous_at)
                .execution_options(synchronize_session=False)
            )
        ).one()
        return Throttle(failures=row.n - 1, last_failure_at=row.previous_at)

    def _insert_if_missing(self, key: str, expires_at: datetime) -> Insert:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        return (
            insert(LimitCounter)
            .values(key=key, n=0, expires_at=expires_at)
            .on_conflict_do_nothing(index_elements=[LimitCounter.key])
        )

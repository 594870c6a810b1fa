"""Limiter counters in the database, for when there is no Redis."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import case, delete, null, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import LimitCounter
from app.domain.backoff import Throttle


class DatabaseCounters:
    """Each attempt is counted by one INSERT ... ON CONFLICT DO UPDATE ... RETURNING (a
    single atomic statement, even while a success deletes the row), in the request's own
    session and committed at once: the count stands before the secret is checked, whatever
    becomes of the rest of the request, and no row lock is held while it is checked."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def hit(self, keys: Sequence[str], now: datetime, memory: timedelta) -> list[Throttle]:
        """Count one attempt on each key; for each, what was counted before this attempt."""
        before: dict[str, Throttle] = {}
        for key in sorted(set(keys)):  # one order in every transaction: none waits in a circle
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
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        expired = LimitCounter.expires_at <= now
        statement = (
            insert(LimitCounter)
            .values(key=key, n=1, previous_at=None, last_at=now, expires_at=now + memory)
            .on_conflict_do_update(
                index_elements=[LimitCounter.key],
                set_={
                    "n": case((expired, 1), else_=LimitCounter.n + 1),
                    "previous_at": case((expired, null()), else_=LimitCounter.last_at),
                    "last_at": now,
                    "expires_at": now + memory,
                },
            )
            .returning(LimitCounter.n, LimitCounter.previous_at)
        )
        row = (await self.session.execute(statement)).one()
        return Throttle(failures=row.n - 1, last_failure_at=row.previous_at)

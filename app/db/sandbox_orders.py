"""The sandbox gateway's orders (its own records, as a real gateway keeps them on its side)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import SandboxOrder


class SandboxOrders:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, merchant: str, reference: str) -> SandboxOrder | None:
        return await self.session.scalar(
            select(SandboxOrder)
            .where(SandboxOrder.merchant == merchant, SandboxOrder.reference == reference)
            .execution_options(populate_existing=True)
        )

    async def add(self, order: SandboxOrder) -> None:
        self.session.add(order)
        await self.session.flush()

    async def change(self, order: SandboxOrder, from_state: str, **values: Any) -> bool:
        """Change the order only if it is still in `from_state` (one payer wins a double click)."""
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            update(SandboxOrder)
            .where(SandboxOrder.id == order.id, SandboxOrder.state == from_state)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def claim_delivery(self, order: SandboxOrder, now: datetime, next_due: datetime) -> bool:
        """Take a due delivery (so two rounds do not send the same attempt)."""
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            update(SandboxOrder)
            .where(
                SandboxOrder.id == order.id,
                SandboxOrder.notify_due_at.is_not(None),
                SandboxOrder.notify_due_at <= now,
            )
            .values(notify_due_at=next_due, notify_attempts=SandboxOrder.notify_attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def due(self, now: datetime, limit: int = 50) -> list[SandboxOrder]:
        rows = await self.session.scalars(
            select(SandboxOrder)
            .where(SandboxOrder.notify_due_at.is_not(None), SandboxOrder.notify_due_at <= now)
            .order_by(SandboxOrder.notify_due_at)
            .limit(limit)
        )
        return list(rows)

    async def set(self, order: SandboxOrder, **values: Any) -> None:
        await self.session.execute(
            update(SandboxOrder)
            .where(SandboxOrder.id == order.id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

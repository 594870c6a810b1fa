"""Repositories of medical bills, personal medical accounts and family mutual aid.

Money leaves an account or a quota only by a conditional update (enough left, in the WHERE),
so two settlements at once cannot both spend the same yuan."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import MedicalAccount, MedicalBill, MutualAid
from app.domain.views import AidView, MedicalBillView

_BILL = tuple(f.name for f in fields(MedicalBillView))
_AID = tuple(f.name for f in fields(AidView))


def bill_view(row: MedicalBill) -> MedicalBillView:
    return MedicalBillView(**{name: getattr(row, name) for name in _BILL})


def aid_view(row: MutualAid) -> AidView:
    return AidView(**{name: getattr(row, name) for name in _AID})


async def _changed(session: AsyncSession, statement: Any) -> bool:
    result: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
        statement.execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


class MedicalBills:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, bill: MedicalBill) -> MedicalBill:
        self.session.add(bill)
        await self.session.flush()
        return bill

    async def of_person(self, person_id: UUID) -> list[MedicalBillView]:
        rows = await self.session.scalars(
            select(MedicalBill)
            .where(MedicalBill.person_id == person_id)
            .order_by(MedicalBill.issued_at.desc())
        )
        return [bill_view(row) for row in rows]

    async def one(self, bill_id: UUID, person_id: UUID) -> MedicalBillView | None:
        row = await self.session.scalar(
            select(MedicalBill).where(MedicalBill.id == bill_id, MedicalBill.person_id == person_id)
        )
        return None if row is None else bill_view(row)

    async def by_reference(self, reference: str) -> MedicalBill | None:
        return await self.session.scalar(
            select(MedicalBill).where(MedicalBill.reference == reference)
        )


class MedicalAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, person_id: UUID) -> MedicalAccount | None:
        return await self.session.get(MedicalAccount, person_id, populate_existing=True)

    async def open(self, person_id: UUID, balance_fen: int) -> None:
        """The account with this opening balance, unless it exists."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(MedicalAccount)
            .values(person_id=person_id, balance_fen=balance_fen, set_aside_fen=0)
            .on_conflict_do_nothing()
        )

    async def spend(self, person_id: UUID, fen: int) -> bool:
        """Take `fen` from what the owner may spend (the balance less what is set aside)."""
        account = MedicalAccount
        return await _changed(
            self.session,
            update(account)
            .where(
                account.person_id == person_id,
                account.balance_fen - account.set_aside_fen >= fen,
            )
            .values(balance_fen=account.balance_fen - fen),
        )

    async def give_back(self, person_id: UUID, fen: int) -> None:
        await self.session.execute(
            update(MedicalAccount)
            .where(MedicalAccount.person_id == person_id)
            .values(balance_fen=MedicalAccount.balance_fen + fen)
            .execution_options(synchronize_session=False)
        )

    async def set_aside(self, person_id: UUID, fen: int) -> bool:
        """Set `fen` aside for a relative, out of what the owner may still spend."""
        account = MedicalAccount
        return await _changed(
            self.session,
            update(account)
            .where(
                account.person_id == person_id,
                account.balance_fen - account.set_aside_fen >= fen,
            )
            .values(set_aside_fen=account.set_aside_fen + fen),
        )

    async def release(self, person_id: UUID, fen: int) -> None:
        """What was set aside and not used comes back to the owner."""
        await self.session.execute(
            update(MedicalAccount)
            .where(MedicalAccount.person_id == person_id)
            .values(set_aside_fen=MedicalAccount.set_aside_fen - fen)
            .execution_options(synchronize_session=False)
        )

    async def spend_set_aside(self, person_id: UUID, fen: int) -> None:
        """The quota used: out of the balance and out of what is set aside, both."""
        await self.session.execute(
            update(MedicalAccount)
            .where(MedicalAccount.person_id == person_id)
            .values(
                balance_fen=MedicalAccount.balance_fen - fen,
                set_aside_fen=MedicalAccount.set_aside_fen - fen,
            )
            .execution_options(synchronize_session=False)
        )


class AidLinks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, link: MutualAid) -> MutualAid:
        self.session.add(link)
        await self.session.flush()
        return link

    async def active(self, giver: UUID, relative: UUID) -> AidView | None:
        row = await self.session.scalar(
            select(MutualAid)
            .where(
                MutualAid.giver_person_id == giver,
                MutualAid.relative_person_id == relative,
                MutualAid.ended_at.is_(None),
            )
            .execution_options(populate_existing=True)
        )
        return None if row is None else aid_view(row)

    async def for_relative(self, relative: UUID) -> list[AidView]:
        rows = await self.session.scalars(
            select(MutualAid)
            .where(MutualAid.relative_person_id == relative, MutualAid.ended_at.is_(None))
            .order_by(MutualAid.created_at)
        )
        return [aid_view(row) for row in rows]

    async def by_id(self, link_id: UUID) -> AidView | None:
        row = await self.session.get(MutualAid, link_id, populate_existing=True)
        return None if row is None else aid_view(row)

    async def active_of(self, person_id: UUID) -> list[AidView]:
        """The active links where the person gives or receives."""
        rows = await self.session.scalars(
            select(MutualAid).where(
                or_(
                    MutualAid.giver_person_id == person_id,
                    MutualAid.relative_person_id == person_id,
                ),
                MutualAid.ended_at.is_(None),
            )
        )
        return [aid_view(row) for row in rows]

    async def all_active(self) -> list[AidView]:
        rows = await self.session.scalars(
            select(MutualAid).where(MutualAid.ended_at.is_(None)).order_by(MutualAid.created_at)
        )
        return [aid_view(row) for row in rows]

    async def last_ended(self, giver: UUID, relative: UUID) -> AidView | None:
        row = await self.session.scalar(
            select(MutualAid)
            .where(
                MutualAid.giver_person_id == giver,
                MutualAid.relative_person_id == relative,
                MutualAid.ended_at.is_not(None),
            )
            .order_by(MutualAid.ended_at.desc(), MutualAid.created_at.desc())
            .limit(1)
        )
        return None if row is None else aid_view(row)

    async def use(self, link_id: UUID, fen: int) -> bool:
        """Use `fen` of the quota if that much is left."""
        return await _changed(
            self.session,
            update(MutualAid)
            .where(
                MutualAid.id == link_id,
                MutualAid.ended_at.is_(None),
                MutualAid.quota_fen - MutualAid.used_fen >= fen,
            )
            .values(used_fen=MutualAid.used_fen + fen),
        )

    async def unuse(self, link_id: UUID, fen: int) -> None:
        await self.session.execute(
            update(MutualAid)
            .where(MutualAid.id == link_id)
            .values(used_fen=MutualAid.used_fen - fen)
            .execution_options(synchronize_session=False)
        )

    async def end(self, link_id: UUID, now: datetime, reason: str) -> AidView | None:
        """End the link (once); its view as it ended, or None if it had ended already."""
        if not await _changed(
            self.session,
            update(MutualAid)
            .where(MutualAid.id == link_id, MutualAid.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason),
        ):
            return None
        row = await self.session.get(MutualAid, link_id, populate_existing=True)
        return None if row is None else aid_view(row)

"""Repositories of scan login: the self-service machines and the requests to sign in.

Every change of a request's state is one conditional UPDATE checked by its row count, so of
phones approving at once, or of polls signing in at once, exactly one gets through."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Kiosk, ScanLogin
from app.domain.scan_login import ScanState
from app.domain.views import KioskView, ScanLoginView


def kiosk_view(row: Kiosk) -> KioskView:
    return KioskView(id=row.id, code=row.code, name=row.name, hall=row.hall)


class Kiosks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_key_hash(self, key_hash: str) -> KioskView | None:
        row = await self.session.scalar(select(Kiosk).where(Kiosk.key_hash == key_hash))
        return None if row is None else kiosk_view(row)

    async def by_code(self, code: str) -> Kiosk | None:
        return await self.session.scalar(select(Kiosk).where(Kiosk.code == code))

    async def get(self, kiosk_id: UUID) -> KioskView | None:
        row = await self.session.get(Kiosk, kiosk_id)
        return None if row is None else kiosk_view(row)

    async def add(self, kiosk: Kiosk) -> Kiosk:
        self.session.add(kiosk)
        await self.session.flush()
        return kiosk


class ScanLogins:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: ScanLogin) -> ScanLogin:
        self.session.add(row)
        await self.session.flush()
        return row

    async def _view(self, *where: object) -> ScanLoginView | None:
        found = (
            await self.session.execute(
                select(ScanLogin, Kiosk)
                .outerjoin(Kiosk, Kiosk.id == ScanLogin.kiosk_id)
                .where(*where)  # type: ignore[arg-type]
            )
        ).first()
        if found is None:
            return None
        row, kiosk = found
        return ScanLoginView(
            id=row.id,
            state=row.state,
            secret=bytes(row.secret),
            started_at=row.started_at,
            expires_at=row.expires_at,
            kiosk=None if kiosk is None else kiosk_view(kiosk),
            user_agent=row.user_agent,
            source_address=row.source_address,
            source_city=row.source_city,
            account_id=row.account_id,
            subject_person_id=row.subject_person_id,
            binding_id=row.binding_id,
            decided_at=row.decided_at,
        )

    async def get(self, request_id: UUID) -> ScanLoginView | None:
        return await self._view(ScanLogin.id == request_id)

    async def by_token_hash(self, token_hash: str) -> ScanLoginView | None:
        return await self._view(ScanLogin.token_hash == token_hash)

    async def by_typed_code_hash(self, code_hash: str) -> ScanLoginView | None:
        return await self._view(ScanLogin.typed_code_hash == code_hash)

    async def _move(self, request_id: UUID, *where: object, **values: object) -> bool:
        result = await self.session.execute(
            update(ScanLogin)
            .where(ScanLogin.id == request_id, *where)  # type: ignore[arg-type]
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def approve(
        self,
        request_id: UUID,
        now: datetime,
        *,
        account_id: UUID,
        subject_person_id: UUID,
        binding_id: UUID | None,
    ) -> bool:
        """Pending and unexpired -> approved, for this account and subject; False if another
        approval, a wrong number, a new code or the clock got there first."""
        return await self._move(
            request_id,
            ScanLogin.state == ScanState.PENDING.value,
            ScanLogin.expires_at > now,
            state=ScanState.APPROVED.value,
            account_id=account_id,
            subject_person_id=subject_person_id,
            binding_id=binding_id,
            decided_at=now,
        )

    async def mismatch(self, request_id: UUID, now: datetime) -> bool:
        """Pending -> mismatched: a wrong number was chosen on a phone."""
        return await self._move(
            request_id,
            ScanLogin.state == ScanState.PENDING.value,
            state=ScanState.MISMATCHED.value,
            decided_at=now,
        )

    async def use(self, request_id: UUID, now: datetime, *, decided_after: datetime) -> bool:
        """Approved (since `decided_after`) -> used: the screen signs in, once."""
        return await self._move(
            request_id,
            ScanLogin.state == ScanState.APPROVED.value,
            ScanLogin.decided_at > decided_after,
            state=ScanState.USED.value,
            used_at=now,
        )

    async def cancel(self, request_id: UUID, now: datetime) -> bool:
        """Pending -> cancelled: the screen asked for a new code."""
        return await self._move(
            request_id,
            ScanLogin.state == ScanState.PENDING.value,
            state=ScanState.CANCELLED.value,
            decided_at=now,
        )

    async def purge(self, before: datetime) -> int:
        """Forget requests that expired before `before` (their secrets with them)."""
        result = await self.session.execute(delete(ScanLogin).where(ScanLogin.expires_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

"""An application for an urban–rural conversion being prepared: one draft per holder and
subject, kept in the database like the transfer application's (a restart or another device
loses nothing), expiring after policy.draft_expiry_hours. It holds one answer: that the
check-answers page, with what cannot be undone, was read and declared."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.db.models import ConversionDraft
from app.domain.views import Holder
from app.services.context import UnitOfWork
from app.services.subject import Subject
from app.services.subject_drafts import live_draft


@dataclass(frozen=True, slots=True)
class DraftView:
    id: UUID
    declared: bool

    @property
    def done(self) -> frozenset[str]:
        return frozenset({"check"} if self.declared else ())


async def _row(
    uow: UnitOfWork, account: Holder, subject: Subject, now: datetime
) -> ConversionDraft:
    return await live_draft(uow, uow.conversion_drafts, account, subject, now)


async def current(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> DraftView:
    row = await _row(uow, account, subject, now)
    return DraftView(row.id, row.declared)


async def declare(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> None:
    row = await _row(uow, account, subject, now)
    row.declared = True
    await uow.db.flush()


async def discard(uow: UnitOfWork, account: Holder, subject: Subject) -> None:
    found = await uow.conversion_drafts.of(account.account_id, subject.person.id)
    if found is not None:
        await uow.conversion_drafts.remove(found)

"""A holder's draft for a subject (a transfer or a conversion application being prepared): one
per holder and subject, kept in the database so a restart or another device loses nothing, and
started afresh once it has expired (policy.draft_expiry_hours)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from app.db.repositories import SubjectDraft, SubjectDrafts
from app.domain.views import Holder
from app.services.context import UnitOfWork
from app.services.subject import Subject


async def live_draft(
    uow: UnitOfWork,
    drafts: SubjectDrafts[SubjectDraft],
    account: Holder,
    subject: Subject,
    now: datetime,
) -> SubjectDraft:
    """The holder's unexpired draft for this subject, or a new one. Two first requests at once
    make one: the unique pair refuses the second, which then takes the first's."""
    found = await drafts.of(account.account_id, subject.person.id)
    if found is not None and found.expires_at <= now:
        await drafts.remove(found)
        found = None
    if found is not None:
        return found
    draft = drafts.model(
        holder_account_id=account.account_id,
        person_id=subject.person.id,
        expires_at=now + timedelta(hours=uow.policy.draft_expiry_hours),
    )
    try:
        async with uow.savepoint():
            return await drafts.add(draft)
    except IntegrityError:
        again = await drafts.of(account.account_id, subject.person.id)
        assert again is not None
        return again

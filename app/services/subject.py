"""Whose services a page is for: the holder themself (/my) or an active member (/family/{id}).

Resolved once per request, as read models; every use case below receives a Subject and records
an audit event when the holder acts for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.domain.views import BindingView, Holder, PersonView
from app.services.context import UnitOfWork


class NoSuchSubject(Exception):
    """Unknown, not active, or another holder's binding: all look the same from outside."""


@dataclass(frozen=True, slots=True)
class Subject:
    person: PersonView
    holder: PersonView
    binding: BindingView | None = None

    @property
    def acting_for(self) -> bool:
        return self.binding is not None

    @property
    def base(self) -> str:
        """Where this subject's pages live."""
        return f"/family/{self.binding.id}" if self.binding else "/my"


def own(holder: Holder) -> Subject:
    return Subject(person=holder.person, holder=holder.person)


async def member(uow: UnitOfWork, holder: Holder, binding_id: UUID) -> Subject:
    found = await uow.views.active_member(binding_id, holder.person_id)
    if found is None:
        raise NoSuchSubject
    binding, person = found
    return Subject(person=person, holder=holder.person, binding=binding)


async def refreshed(uow: UnitOfWork, subject: Subject) -> Subject:
    """The subject as the database has it now (after a background decision changed it)."""
    person = await uow.views.person(subject.person.id)
    return subject if person is None else Subject(person, subject.holder, subject.binding)


def record(uow: UnitOfWork, subject: Subject, action: str, at: datetime, detail: str = "") -> None:
    """Audit what the holder does for a member (their own use of their services is not)."""
    if subject.acting_for:
        uow.audit.record(
            action, at=at, actor=subject.holder.id, subject=subject.person.id, detail=detail
        )


async def active_members(uow: UnitOfWork, holder: Holder) -> list[Subject]:
    return [
        Subject(person=person, holder=holder.person, binding=binding)
        for binding, person in await uow.views.active_members(holder.person_id)
    ]

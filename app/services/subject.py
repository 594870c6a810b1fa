"""Whose services a page is for: the holder themself (/my) or an active member (/family/{id}).

Resolved once per request; every use case below receives a Subject and records an audit
event when the holder acts for someone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.db.models import AffinityBinding, HolderAccount, Person
from app.domain.affinity import BindingState
from app.services.context import UnitOfWork


class NoSuchSubject(Exception):
    """Unknown, not active, or another holder's binding: all look the same from outside."""


@dataclass(frozen=True, slots=True)
class Subject:
    person: Person
    holder: Person
    binding: AffinityBinding | None = None

    @property
    def acting_for(self) -> bool:
        return self.binding is not None

    @property
    def base(self) -> str:
        """Where this subject's pages live."""
        return f"/family/{self.binding.id}" if self.binding else "/my"


def own(account: HolderAccount) -> Subject:
    return Subject(person=account.person, holder=account.person)


async def member(uow: UnitOfWork, account: HolderAccount, binding_id: UUID) -> Subject:
    binding = await uow.bindings.get(binding_id)
    if (
        binding is None
        or binding.holder_person_id != account.person_id
        or binding.state != BindingState.ACTIVE.value
    ):
        raise NoSuchSubject
    return Subject(person=binding.member, holder=account.person, binding=binding)


def record(uow: UnitOfWork, subject: Subject, action: str, at: datetime, detail: str = "") -> None:
    """Audit what the holder does for a member (their own use of their services is not)."""
    if subject.acting_for:
        uow.audit.record(
            action, at=at, actor=subject.holder.id, subject=subject.person.id, detail=detail
        )


async def active_members(uow: UnitOfWork, account: HolderAccount) -> list[Subject]:
    bindings = await uow.bindings.of_holder(account.person_id)
    return [
        Subject(person=b.member, holder=account.person, binding=b)
        for b in bindings
        if b.state == BindingState.ACTIVE.value
    ]

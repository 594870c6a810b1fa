"""The holder's own affinity services, as their pages see them (read models), and what the
holder does to one of them: each use case finds the binding by id among the holder's own, so
a page never holds a database row and another holder's binding answers as if it did not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.adapters.document_store import DocumentStore
from app.adapters.portraits import PortraitSource
from app.db.models import AffinityBinding, FaceCheck
from app.db.views import binding_detail
from app.domain.affinity import PENDING_STATES, BindingState
from app.domain.views import BindingDetail, Holder
from app.services import affinity, face, people
from app.services.context import UnitOfWork


class NotYours(LookupError):
    """Unknown, or another holder's: both read the same (the page answers 404)."""


@dataclass(frozen=True, slots=True)
class MemberPage:
    binding: BindingDetail
    masked_id: str
    under_age: bool  # the holder's face photo is the member's reference
    no_reference: bool  # awaiting the face, but there is nothing to match against


async def _owned(uow: UnitOfWork, holder: Holder, binding_id: UUID) -> AffinityBinding:
    binding = await affinity.holder_binding(uow, holder, binding_id)
    if binding is None:
        raise NotYours(str(binding_id))
    return binding


async def all_of(uow: UnitOfWork, holder: Holder) -> list[BindingDetail]:
    """The holder's bindings, newest first, whatever their state."""
    return [binding_detail(b) for b in await uow.bindings.of_holder(holder.person_id)]


async def one(uow: UnitOfWork, holder: Holder, binding_id: UUID) -> BindingDetail:
    return binding_detail(await _owned(uow, holder, binding_id))


async def member_page(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    holder: Holder,
    binding_id: UUID,
    now: datetime,
) -> MemberPage:
    binding = await _owned(uow, holder, binding_id)
    awaiting = binding.state == BindingState.AWAITING_FACE.value
    return MemberPage(
        binding=binding_detail(binding),
        masked_id=people.masked(uow, binding.member),
        under_age=affinity.member_under_age(uow, binding, now.date()),
        no_reference=awaiting and not await face.has_reference(uow, store, portraits, binding, now),
    )


async def start_face(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    holder: Holder,
    binding_id: UUID,
    selfie: bytes,
    now: datetime,
) -> FaceCheck:
    """The selfie taken on the holder's phone. Raises face.* refusals (see face.start_check)."""
    binding = await _owned(uow, holder, binding_id)
    return await face.start_check(uow, store, portraits, binding, selfie, now)


async def handoff(uow: UnitOfWork, holder: Holder, binding_id: UUID, now: datetime) -> str:
    """A code for the member's own phone. Raises face.NotAwaitingFace."""
    return await face.create_handoff(uow, await _owned(uow, holder, binding_id), now)


async def choose_in_person(
    uow: UnitOfWork, holder: Holder, binding_id: UUID, now: datetime
) -> bool:
    return await face.choose_in_person(uow, await _owned(uow, holder, binding_id), now)


async def cancel(
    uow: UnitOfWork, store: DocumentStore, holder: Holder, binding_id: UUID, now: datetime
) -> bool:
    """Withdraw a binding still pending; False if it is no longer pending."""
    binding = await _owned(uow, holder, binding_id)
    if BindingState(binding.state) not in PENDING_STATES:
        return False
    return await affinity.end_binding(uow, store, binding, by=holder.person, now=now)


async def unbind(
    uow: UnitOfWork, store: DocumentStore, holder: Holder, binding_id: UUID, now: datetime
) -> bool:
    """End the binding at once (the route has checked the PIN step-up)."""
    binding = await _owned(uow, holder, binding_id)
    return await affinity.end_binding(uow, store, binding, by=holder.person, now=now)

"""A binding's state moves atomically: of many requests racing to move it, exactly one wins."""

from __future__ import annotations

import asyncio
from itertools import cycle, islice
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import AffinityBinding
from app.domain.affinity import BindingEvent, BindingState, IllegalTransition, next_state
from app.domain.identity import IdNumber
from app.services.context import UnitOfWork

RACERS = 20
HOLDER = IdNumber("110105198503140224")
MOTHER = IdNumber("110105195806070426")
E = BindingEvent


async def _binding(uow: UnitOfWork, state: BindingState) -> UUID:
    holder = await uow.people.by_id_number(HOLDER)
    mother = await uow.people.by_id_number(MOTHER)
    assert holder and mother
    now = utcnow()
    binding = await uow.bindings.add(
        AffinityBinding(
            holder_person_id=holder.id,
            member_person_id=mother.id,
            relation="parent",
            state=state.value,
            notice_version="2025-01",
            notice_accepted_at=now,
            declaration_digest="0" * 64,
            proof_file="proof.jpg",
            submitted_at=now,
        )
    )
    await uow.commit()
    return binding.id


@pytest.mark.parametrize(
    ("start", "events"),
    [
        # A face match, a cancel, the expiry and the in-person choice, all at once.
        (
            BindingState.AWAITING_FACE,
            [E.FACE_MATCHED, E.CANCELLED_BY_HOLDER, E.EXPIRED, E.CHOSE_IN_PERSON],
        ),
        # Staff approving (and rejecting) the same binding at several desks.
        (BindingState.NEEDS_IN_PERSON, [E.STAFF_APPROVED, E.STAFF_APPROVED, E.STAFF_REJECTED]),
        # A document approved and rejected at several desks while the holder cancels.
        (
            BindingState.DOCUMENTS_REVIEW,
            [E.DOCUMENTS_APPROVED, E.DOCUMENTS_REJECTED, E.CANCELLED_BY_HOLDER],
        ),
    ],
    ids=["pending", "in_person", "documents_review"],
)
async def test_of_concurrent_transitions_exactly_one_wins(
    seeded: UnitOfWork, migrated: Settings, start: BindingState, events: list[BindingEvent]
) -> None:
    binding_id = await _binding(seeded, start)
    # One connection per racer, so none waits for another's to come back to a pool.
    engine = create_async_engine(migrated.database_url, poolclass=NullPool)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    loaded = asyncio.Barrier(RACERS)

    async def race(event: BindingEvent) -> BindingState | IllegalTransition:
        async with sessions() as db:
            uow = UnitOfWork(db=db, cipher=seeded.cipher, policy=seeded.policy)
            binding = await uow.bindings.get(binding_id)
            assert binding and binding.state == start.value
            await loaded.wait()  # every racer has seen the old state before anyone moves
            try:
                to = await uow.bindings.apply(binding, event, utcnow())
            except IllegalTransition as lost:
                await db.rollback()
                return lost
            await uow.commit()
            assert binding.state == to.value
            return to

    fired = list(islice(cycle(events), RACERS))
    try:
        outcomes = await asyncio.gather(*(race(event) for event in fired))
    finally:
        await engine.dispose()

    won = [
        (event, o) for event, o in zip(fired, outcomes, strict=True) if isinstance(o, BindingState)
    ]
    assert len(won) == 1, outcomes
    event, final = won[0]
    assert final is next_state(start, event)
    lost = [o for o in outcomes if isinstance(o, IllegalTransition)]
    assert len(lost) == RACERS - 1
    assert all(o.state is final for o in lost)  # each loser saw the winner's state
    stored = await seeded.bindings.get(binding_id)
    assert stored
    await seeded.db.refresh(stored)
    assert stored.state == final.value

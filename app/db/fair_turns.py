"""The matcher queue's order, kept in the database so it holds for every worker process:
pending checks by turn (domain.face.next_turn, fair between holders), then age."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import ColumnElement, ScalarSelect, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, aliased

from app.db.models import AffinityBinding, FaceCheck

PENDING = "pending"


def is_free(
    running_until: ColumnElement[datetime | None] | InstrumentedAttribute[datetime | None],
    now: datetime,
) -> ColumnElement[bool]:
    """Nobody holds a lease on the check (or it ran out: its worker crashed, say)."""
    return or_(running_until.is_(None), running_until <= now)


def fairest_free(now: datetime) -> ScalarSelect[UUID]:
    """The id of the free pending check whose turn comes first, or NULL. An alias of its
    own, so inside an UPDATE of face_checks it looks at all of them, not the updated row."""
    queued = aliased(FaceCheck)
    return (
        select(queued.id)
        .where(queued.state == PENDING, is_free(queued.running_until, now))
        .order_by(queued.turn, queued.created_at, queued.id)
        .limit(1)
        .scalar_subquery()
    )


def serving() -> ScalarSelect[int | None]:
    """The lowest turn still pending: the round being served."""
    return select(func.min(FaceCheck.turn)).where(FaceCheck.state == PENDING).scalar_subquery()


def holders_last(holder_id: UUID) -> ScalarSelect[int | None]:
    """The highest turn of the holder's pending checks: of members they act for, and their
    own (a person certifying themself holds their own turns)."""
    return (
        select(func.max(FaceCheck.turn))
        .outerjoin(AffinityBinding, AffinityBinding.id == FaceCheck.binding_id)
        .where(
            FaceCheck.state == PENDING,
            or_(AffinityBinding.holder_person_id == holder_id, FaceCheck.person_id == holder_id),
        )
        .scalar_subquery()
    )

"""The order in which pending face checks are matched: round-robin between holders.

Each holder's oldest pending check comes before any holder's second one, so one holder's burst
(many family members, or a script) cannot hold back another holder's single check. Checks
that are running count for their holder's turn, but only free ones can be claimed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ScalarSelect, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute

from app.db.models import AffinityBinding, FaceCheck

PENDING = "pending"


def is_free(
    running_until: ColumnElement[datetime | None] | InstrumentedAttribute[datetime | None],
    now: datetime,
) -> ColumnElement[bool]:
    """Nobody holds a lease on the check (or it ran out: its worker crashed, say)."""
    return or_(running_until.is_(None), running_until <= now)


def fairest_free(now: datetime) -> ScalarSelect[object]:
    """The id of the free pending check whose turn comes first, or NULL."""
    turn = (
        func.row_number()
        .over(
            partition_by=AffinityBinding.holder_person_id,
            order_by=(FaceCheck.created_at, FaceCheck.id),
        )
        .label("turn")
    )
    ranked = (
        select(FaceCheck.id, FaceCheck.created_at, FaceCheck.running_until, turn)
        .join(AffinityBinding, AffinityBinding.id == FaceCheck.binding_id)
        .where(FaceCheck.state == PENDING)
        .subquery("ranked")
    )
    return (
        select(ranked.c.id)
        .where(is_free(ranked.c.running_until, now))
        .order_by(ranked.c.turn, ranked.c.created_at, ranked.c.id)
        .limit(1)
        .scalar_subquery()
    )

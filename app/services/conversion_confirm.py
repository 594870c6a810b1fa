"""A person's own passed face check confirms their urban–rural conversion (人社部发〔2014〕17号):
irreversible, so only the person can make it, never the holder who applied for them.

The check was taken for one conversion (its transfer_id); its pass moves that conversion, and
only while it still awaits the person, from awaiting_member to applied, keeping the check's id.
The move is one conditional update and the id is unique on the conversions: a passed check
confirms once, whatever runs it again or at the same time.
"""

from __future__ import annotations

from datetime import datetime

from app.db.models import FaceCheck
from app.domain.transfer_steps import TransferState
from app.services.context import UnitOfWork

CONVERSION = "conversion"  # the purpose of such a check
MATCHED = "matched"


async def confirm(uow: UnitOfWork, check: FaceCheck, now: datetime) -> bool:
    """True when this check confirmed its conversion now; False when it cannot (not a passed
    conversion check) or did already, or the conversion no longer waits (withdrawn)."""
    if check.purpose != CONVERSION or check.state != MATCHED:
        return False
    if check.transfer_id is None or check.person_id is None:
        return False
    confirmed = await uow.transfers.confirm(
        check.transfer_id,
        check.person_id,
        check.id,
        now.date(),
        TransferState.AWAITING_MEMBER.value,
        TransferState.APPLIED.value,
    )
    if confirmed:
        uow.audit.record(
            "conversion.confirmed",
            at=now,
            actor=check.person_id,
            subject=check.person_id,
            detail=f"transfer={check.transfer_id} check={check.id}",
        )
    return confirmed

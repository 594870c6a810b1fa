"""An agency's step on a transfer: done, or refused with a reason (issue 13 point 4).

Every state change goes through the domain's transition table (app/domain/transfer_steps:
advance and reject), is written only while the transfer is still in the state it was read in,
leaves a dated step for the timeline and is audited. Staff pages call this; the portal's holders
never do (a holder cannot advance their own transfer).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.db.models import InsuranceTransfer, TransferEvent
from app.domain.transfer import TransferKind
from app.domain.transfer_steps import (
    Agency,
    IllegalTransition,
    TransferLine,
    TransferState,
    advance,
    reject,
)
from app.services import mutual_aid
from app.services.context import UnitOfWork

REASON_MAX = 200


async def act(
    uow: UnitOfWork,
    transfer: InsuranceTransfer,
    agency: Agency,
    now: datetime,
    *,
    refusal: str | None = None,
    actor: UUID | None = None,
    staff: UUID | None = None,
) -> TransferState:
    """The agency's step done (or, with ``refusal``, refused); IllegalTransition when it is not
    this agency's step, the transfer is closed, or another action moved it meanwhile."""
    line, kind = TransferLine(transfer.line), TransferKind(transfer.kind)
    before = TransferState(transfer.state)
    if refusal is not None and not 0 < len(refusal.strip()) <= REASON_MAX:
        raise ValueError(f"a refusal needs a reason of 1 to {REASON_MAX} characters")
    after = (
        reject(line, before, agency, kind)
        if refusal is not None
        else advance(line, before, agency, kind)
    )
    closes = after in {TransferState.COMPLETED, TransferState.REJECTED}
    moved = await uow.transfers.move(
        transfer, before.value, after.value, now.date() if closes else None
    )
    if not moved:
        raise IllegalTransition(f"{before.value}: moved meanwhile to {transfer.state}")
    if after is TransferState.COMPLETED and line is TransferLine.MEDICAL:
        # Family mutual aid ends by itself when either side's insurance moves (§9).
        await mutual_aid.end_for_person(uow, transfer.person_id, now, "moved")
    reason = (refusal or "").strip()
    await uow.transfers.add_event(
        TransferEvent(
            transfer_id=transfer.id,
            state=after.value,
            agency=agency.value,
            done_on=now.date(),
            reason=reason,
        )
    )
    detail = f"transfer={transfer.id} agency={agency.value} state={after.value}"
    uow.audit.record(
        "transfer.step",
        at=now,
        actor=actor,
        subject=transfer.person_id,
        detail=detail,
        staff=staff,
    )
    return after

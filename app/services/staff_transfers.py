"""The agencies' side of a transfer (issue 13 point 7): staff of the old and of the new place
see the transfers waiting on their agency and do their step, or refuse it with a reason.

A staff member serves the address codes that start with their region prefix. A transfer from or
to their region is theirs to look at; a step is theirs to do only when it is their agency's
turn. Anyone else's transfer looks like none (the page answers 404). Every step goes through
transfer_progress.act: the transition table, a conditional write, a dated step, the audit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.db.models import InsuranceTransfer
from app.domain.transfer import Segment, segments
from app.domain.transfer_steps import Agency, IllegalTransition, TransferState
from app.domain.views import StaffView
from app.services import transfer_progress
from app.services.context import UnitOfWork
from app.services.transfer_timeline import TransferView, view_of

REASON_MAX = transfer_progress.REASON_MAX
PROCESSED_SHOWN = 50  # the processed list: the latest closed, no further back


class NotTheirs(Exception):
    """Not a transfer of the staff member's region: shown as none."""


class NotTheirTurn(Exception):
    """The step is the other agency's, or the transfer has closed or moved on meanwhile."""


@dataclass(frozen=True, slots=True)
class StaffTransfer:
    transfer: TransferView
    person_name: str
    masked_id: str
    agency: Agency | None  # the staff member's agency whose turn it is; None: not theirs now
    history: list[Segment]  # the person's paid months of the line, by place

    @property
    def months(self) -> int:
        return sum(s.months for s in self.history)


def serves(staff: StaffView, region: str) -> bool:
    return region.startswith(staff.region_prefix)


def related(staff: StaffView, row: InsuranceTransfer) -> bool:
    return serves(staff, row.from_region) or serves(staff, row.to_region)


def turn_of(staff: StaffView, view: TransferView) -> Agency | None:
    """The agency whose step is under way, if the staff member is of that agency's region."""
    waiting = view.waiting_on
    if waiting is None:
        return None
    region = view.from_region if waiting is Agency.FROM else view.to_region
    return waiting if serves(staff, region) else None


async def _detail(
    uow: UnitOfWork, staff: StaffView, row: InsuranceTransfer, view: TransferView
) -> StaffTransfer:
    person = await uow.people.get(row.person_id)
    assert person is not None  # the transfer goes with its person
    paid = await uow.contributions.paid_bases(person.id, row.line)
    return StaffTransfer(
        transfer=view,
        person_name=person.name,
        masked_id=uow.masked_id_of(person),
        agency=turn_of(staff, view),
        history=segments((year, month, region) for year, month, _b, region in paid),
    )


async def waiting(uow: UnitOfWork, staff: StaffView, now: datetime) -> list[StaffTransfer]:
    """The open transfers whose step under way is the staff member's agency's, oldest first."""
    found = []
    for row in await uow.transfers.open_in_region(staff.region_prefix):
        view = await view_of(uow, row, now.date())
        if turn_of(staff, view) is not None:
            found.append(await _detail(uow, staff, row, view))
    return found


async def processed(uow: UnitOfWork, staff: StaffView, now: datetime) -> list[StaffTransfer]:
    """The transfers of the staff member's region that agencies closed (completed or refused;
    not a conversion its person never confirmed), the latest closed first."""
    states = (TransferState.COMPLETED.value, TransferState.REJECTED.value)
    rows = await uow.transfers.closed_in_region(staff.region_prefix, states, PROCESSED_SHOWN)
    return [await _detail(uow, staff, row, await view_of(uow, row, now.date())) for row in rows]


async def _theirs(uow: UnitOfWork, staff: StaffView, transfer_id: UUID) -> InsuranceTransfer:
    row = await uow.transfers.get(transfer_id)
    if row is None or not related(staff, row):
        raise NotTheirs
    return row


async def one(
    uow: UnitOfWork, staff: StaffView, transfer_id: UUID, now: datetime, *, audit: bool = True
) -> StaffTransfer:
    """A transfer of the staff member's region, audited as a read of personal data (not again
    on the page's own refreshes while it stays open)."""
    row = await _theirs(uow, staff, transfer_id)
    if audit:
        uow.audit.record(
            "staff.transfer_viewed",
            at=now,
            actor=None,
            subject=row.person_id,
            staff=staff.id,
            detail=f"transfer={row.id}",
        )
    return await _detail(uow, staff, row, await view_of(uow, row, now.date()))


async def act(
    uow: UnitOfWork,
    staff: StaffView,
    transfer_id: UUID,
    now: datetime,
    *,
    refusal: str | None = None,
) -> TransferState:
    """The staff member's agency's step done, or refused with ``refusal`` (1-200 characters).
    Raises NotTheirs, or NotTheirTurn when the step is the other agency's or another request
    moved the transfer first (the conditional write lets one of them through)."""
    row = await _theirs(uow, staff, transfer_id)
    agency = turn_of(staff, await view_of(uow, row, now.date()))
    if agency is None:
        raise NotTheirTurn
    try:
        return await transfer_progress.act(uow, row, agency, now, refusal=refusal, staff=staff.id)
    except IllegalTransition:
        raise NotTheirTurn from None

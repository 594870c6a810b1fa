"""A transfer as its person and the holder see it (issue 13 points 5 and 6): each agency step
with its dates, its due date on the official calendar (provisional past the shipped years), who
is waiting on whom, and whether it is overdue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from app.db.models import InsuranceTransfer
from app.domain.transfer import TransferKind
from app.domain.transfer_steps import (
    Agency,
    Event,
    StepStatus,
    TimelineStep,
    TransferLine,
    TransferState,
    timeline,
)
from app.services.context import UnitOfWork
from app.services.subject import Subject, record


@dataclass(frozen=True, slots=True)
class TransferView:
    id: UUID
    line: TransferLine
    kind: TransferKind
    from_region: str
    to_region: str
    state: TransferState
    applied_on: date
    closed_on: date | None
    account_amount: Decimal | None
    pooled_amount: Decimal | None
    steps: list[TimelineStep]
    # A conversion's: asked for on (by whom), the months the scheme kept counts, those paid in
    # both, what is refunded for them, and whether the person confirmed it themself.
    requested_on: date | None = None
    applied_by_person_id: UUID | None = None
    counted_months: int | None = None
    overlap_months: int | None = None
    refund_amount: Decimal | None = None
    confirmed: bool = False

    @property
    def open(self) -> bool:
        return self.closed_on is None

    @property
    def current(self) -> TimelineStep | None:
        return next((s for s in self.steps if s.status is StepStatus.CURRENT), None)

    @property
    def waiting_on(self) -> Agency | None:
        step = self.current
        return step.stage.agency if step else None

    @property
    def overdue(self) -> bool:
        step = self.current
        return bool(step and step.overdue)

    @property
    def temporary(self) -> bool:
        return self.kind is TransferKind.TEMPORARY_ACCOUNT

    @property
    def conversion(self) -> bool:
        return self.kind.conversion

    @property
    def awaiting_member(self) -> bool:
        return self.state is TransferState.AWAITING_MEMBER


# A conversion's agencies have not begun while it awaits the person, and never do once it is
# withdrawn then.
_UNSTARTED = {
    TransferState.AWAITING_MEMBER: StepStatus.PENDING,
    TransferState.WITHDRAWN: StepStatus.SKIPPED,
}


async def _view(uow: UnitOfWork, row: InsuranceTransfer, today: date) -> TransferView:
    line, kind = TransferLine(row.line), TransferKind(row.kind)
    events = [
        Event(TransferState(e.state), e.done_on, e.reason)
        for e in await uow.transfers.events(row.id)
    ]
    state = TransferState(row.state)
    return TransferView(
        id=row.id,
        line=line,
        kind=kind,
        from_region=row.from_region,
        to_region=row.to_region,
        state=state,
        applied_on=row.applied_on,
        closed_on=row.closed_on,
        account_amount=row.account_amount,
        pooled_amount=row.pooled_amount,
        steps=timeline(line, kind, row.applied_on, events, today, unstarted=_UNSTARTED.get(state)),
        requested_on=row.created_at.date() if row.created_at else None,
        applied_by_person_id=row.applied_by_person_id,
        counted_months=row.counted_months,
        overlap_months=row.overlap_months,
        refund_amount=row.refund_amount,
        confirmed=row.confirmed_check_id is not None,
    )


async def of_subject(uow: UnitOfWork, subject: Subject, today: date) -> list[TransferView]:
    """Every transfer of the subject, the latest first."""
    return [
        await _view(uow, row, today) for row in await uow.transfers.of_person(subject.person.id)
    ]


async def one(
    uow: UnitOfWork, subject: Subject, transfer_id: UUID, now: datetime, *, audit: bool = True
) -> TransferView | None:
    """The subject's transfer; None for anyone else's (the page answers 404). The page's own
    refreshes while it stays open are not audited again."""
    row = await uow.transfers.one_of(transfer_id, subject.person.id)
    if row is None:
        return None
    if audit:
        record(uow, subject, "transfer.viewed", now, detail=f"transfer={row.id}")
    return await _view(uow, row, now.date())


async def open_by_person(
    uow: UnitOfWork, person_ids: list[UUID], today: date
) -> dict[UUID, list[TransferView]]:
    """The transfers in progress of each person (the family dashboard)."""
    found: dict[UUID, list[TransferView]] = {}
    for row in await uow.transfers.open_of(person_ids):
        found.setdefault(row.person_id, []).append(await _view(uow, row, today))
    return found


async def view_of(uow: UnitOfWork, row: InsuranceTransfer, today: date) -> TransferView:
    """A transfer as the agencies' staff see it (they reach it by region, not by subject)."""
    return await _view(uow, row, today)

"""Urban–rural conversion (issue 13 point 8; 人社部发〔2014〕17号, app.domain.scheme_conversion):
from the subject's own records, which way it goes and what moves, counts and is refunded, or the
rule that refuses it; the application, which then waits for the person's own face check; and
its withdrawal while it waits.

A conversion is a row of insurance_transfers (line pension, kind to_employee or to_resident),
so the agencies' steps, the timeline and the staff pages are those of a transfer, and the one
open pension row per person that the database holds makes twenty applications at once open one.
It is made irreversible only by the person: whoever applied (the person, or a holder acting for
them), it stays awaiting_member until the person's own face check against their registry
portrait passes (app/services/conversion_confirm.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from app.adapters.document_store import DocumentStore
from app.adapters.portraits import PortraitSource
from app.db.models import FaceCheck, InsuranceTransfer
from app.domain.contributions import DEFAULT_RATES, Period
from app.domain.face import Attempts
from app.domain.identity import Sex
from app.domain.retirement import YearMonth
from app.domain.scheme_conversion import (
    Conversion,
    EmployeeMonth,
    Facts,
    Refusal,
    ResidentPayment,
    convert,
    refusal,
    rules_for,
)
from app.domain.transfer import TransferKind
from app.domain.transfer_steps import TransferLine, TransferState
from app.domain.views import FaceCheckView
from app.services import face
from app.services.context import UnitOfWork
from app.services.conversion_confirm import CONVERSION
from app.services.subject import Subject, record

PENSION = TransferLine.PENSION.value


class NotConfirmable(Exception):
    """Not the person's own page, or no conversion of theirs awaits them: shown as none."""


@dataclass(frozen=True, slots=True)
class Prospect:
    """What the subject's records say: when they reach the employee retirement age, and the
    conversion (None without both schemes) or the rule that refuses it now."""

    retirement: YearMonth
    refusal: Refusal | None
    conversion: Conversion | None


@dataclass(frozen=True, slots=True)
class Applied:
    id: UUID
    state: TransferState


async def _records(
    uow: UnitOfWork, person_id: UUID
) -> tuple[list[EmployeeMonth], list[ResidentPayment]]:
    employee = [
        EmployeeMonth(Period(y, m), individual, region)
        for y, m, scheme, _b, _e, individual, region, _on, _d in (
            await uow.contributions.paid_months(person_id, PENSION)
        )
        if scheme == "employee"
    ]
    resident = [
        ResidentPayment(Period(y, m), covered, own, subsidy, region)
        for y, m, covered, own, subsidy, region in await uow.contributions.resident_payments(
            person_id, PENSION
        )
    ]
    return employee, resident


async def prospect(uow: UnitOfWork, subject: Subject, today: date) -> Prospect:
    person = subject.person
    rules = rules_for(uow.policy)
    employee, resident = await _records(uow, person.id)
    open_rows = await uow.transfers.open_for(person.id)
    pension = [row for row in open_rows if row.line == PENSION]
    facts = Facts(
        born=person.birth_date,
        sex=Sex(person.sex),
        draws_pension=person.is_pensioner or person.retired_on is not None,
        employee_months=len({m.period for m in employee}),
        resident_months=sum(len(p.periods) for p in resident),
        open_conversion=any(TransferKind(row.kind).conversion for row in pension),
        open_pension_transfer=any(not TransferKind(row.kind).conversion for row in pension),
    )
    conversion = None
    if employee and resident:
        rates = DEFAULT_RATES.with_overrides(rate_2025=uow.policy.account_interest_rate_2025)
        conversion = convert(employee, resident, rules, rates)
    return Prospect(
        retirement=rules.retirement_month(person.birth_date, Sex(person.sex)),
        refusal=refusal(facts, today, rules),
        conversion=conversion,
    )


def digest(conversion: Conversion) -> str:
    """The answers the check page shows: a change before the PIN voids the declaration."""
    c = conversion
    answers = "|".join(
        str(v)
        for v in (
            c.direction.value,
            c.account,
            c.counted_months,
            c.overlap_months,
            c.refund,
            c.from_region,
            c.to_region,
        )
    )
    return hashlib.sha256(answers.encode()).hexdigest()


async def _open_refusal(uow: UnitOfWork, person_id: UUID) -> Refusal:
    """Which open pension row beat this application to the database."""
    rows = await uow.transfers.open_for(person_id)
    kinds = {TransferKind(row.kind) for row in rows if row.line == PENSION}
    if any(kind.conversion for kind in kinds):
        return Refusal.OPEN_CONVERSION
    return Refusal.OPEN_TRANSFER


async def apply(uow: UnitOfWork, subject: Subject, now: datetime) -> Applied | Refusal:
    """Open the conversion, awaiting the person's own confirmation; or the rule refusing it."""
    found = await prospect(uow, subject, now.date())
    if found.refusal is not None:
        return found.refusal
    c = found.conversion
    assert c is not None  # no refusal: both schemes are on record
    row = InsuranceTransfer(
        person_id=subject.person.id,
        line=PENSION,
        from_region=c.from_region,
        to_region=c.to_region,
        state=TransferState.AWAITING_MEMBER.value,
        applied_on=now.date(),
        kind=c.direction.value,
        applied_by_person_id=subject.holder.id,
        account_amount=c.account,
        counted_months=c.counted_months,
        overlap_months=c.overlap_months,
        refund_amount=c.refund,
    )
    try:
        async with uow.savepoint():
            await uow.transfers.add(row)
    except IntegrityError:  # another pension row was opened meanwhile
        return await _open_refusal(uow, subject.person.id)
    uow.audit.record(
        "conversion.applied",
        at=now,
        actor=subject.holder.id,
        subject=subject.person.id,
        detail=f"transfer={row.id} kind={c.direction.value}",
    )
    return Applied(row.id, TransferState.AWAITING_MEMBER)


async def _waiting(uow: UnitOfWork, subject: Subject, transfer_id: UUID) -> InsuranceTransfer:
    row = await uow.transfers.one_of(transfer_id, subject.person.id)
    waiting = TransferState.AWAITING_MEMBER.value
    if row is None or not TransferKind(row.kind).conversion or row.state != waiting:
        raise NotConfirmable
    return row


async def withdraw(uow: UnitOfWork, subject: Subject, transfer_id: UUID, now: datetime) -> None:
    """The person, or a holder acting for them, withdraws a conversion still awaiting the
    person (NotConfirmable otherwise; a confirmation that came first stands)."""
    row = await _waiting(uow, subject, transfer_id)
    before, after = TransferState.AWAITING_MEMBER.value, TransferState.WITHDRAWN.value
    if not await uow.transfers.move(row, before, after, now.date()):
        raise NotConfirmable
    uow.audit.record(
        "conversion.withdrawn",
        at=now,
        actor=subject.holder.id,
        subject=subject.person.id,
        detail=f"transfer={row.id}",
    )


async def start_confirmation(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    subject: Subject,
    transfer_id: UUID,
    selfie: bytes,
    now: datetime,
) -> FaceCheck:
    """The person's own face check for their conversion. Only on their own pages: a holder
    acting for them cannot take it (NotConfirmable), and raises as face.start_own_check."""
    if subject.acting_for:
        raise NotConfirmable
    row = await _waiting(uow, subject, transfer_id)
    return await face.start_own_check(
        uow, store, portraits, subject.person.id, selfie, now, transfer_id=row.id
    )


async def check_of(
    uow: UnitOfWork, subject: Subject, transfer_id: UUID, check_id: UUID
) -> FaceCheckView | None:
    """The person's own check for this conversion; None for anything else."""
    if subject.acting_for:
        return None
    check = await face.check_view(uow, check_id)
    if check is None or check.purpose != CONVERSION or check.transfer_id != transfer_id:
        return None
    return check if check.person_id == subject.person.id else None


async def can_check_face(
    uow: UnitOfWork, portraits: PortraitSource, subject: Subject, now: datetime
) -> Attempts | None:
    """The person's own face-check counters, or None when the registry holds no portrait of
    them (they confirm at a service centre)."""
    if not await face.has_own_reference(portraits, subject.person.id):
        return None
    person = await uow.people.fresh(subject.person.id)
    assert person is not None
    return face.attempts_of(person)


def viewed(uow: UnitOfWork, subject: Subject, now: datetime, detail: str) -> None:
    """Audited when a holder reads it for a member (detail: which page)."""
    record(uow, subject, "conversion.viewed", now, detail=detail)

"""Applying for a transfer (issue 13 point 2; domain-rules §6): the facts of an application
gathered from the subject's records, the rule it breaks, or the transfer opened.

One open transfer per person and line is held by a unique index on the open rows, so twenty
applications at once open one transfer; the others are refused as OPEN_TRANSFER.

A residents' yearly premium is recorded on its first month: for residents' medical, "recent"
and "suspended" are read from that month, so they are coarse (a year at a time).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from app.db.models import InsuranceTransfer
from app.domain.contributions import DEFAULT_RATES, Period
from app.domain.identity import Sex
from app.domain.regions import province_of
from app.domain.transfer import TransferKind, rules_for
from app.domain.transfer_amounts import Amounts, PaidMonth, amounts
from app.domain.transfer_steps import (
    Application,
    Refusal,
    Scheme,
    TransferLine,
    TransferState,
    pooling_area,
    refusal,
)
from app.services.context import UnitOfWork
from app.services.subject import Subject

RECENT_MONTHS = 3  # contributing at the new place: a paid month among the last three


@dataclass(frozen=True, slots=True)
class Request:
    line: TransferLine
    from_region: str  # six-digit address codes
    to_region: str
    approved: bool = False  # an approved official transfer
    temporary: bool = False  # art. 5: open the temporary account the rule calls for instead


@dataclass(frozen=True, slots=True)
class Applied:
    id: UUID
    state: TransferState
    amounts: Amounts | None = None


def _previous_month(today: date) -> Period:
    last = today.replace(day=1) - timedelta(days=1)
    return Period(last.year, last.month)


async def facts(uow: UnitOfWork, subject: Subject, asked: Request, today: date) -> Application:
    person, line = subject.person, asked.line
    area_from = pooling_area(line, asked.from_region)
    area_to = pooling_area(line, asked.to_region)
    rows = await uow.contributions.month_regions(person.id, line.value)

    def at(area: str, status: str) -> list[tuple[Period, str]]:
        return [
            (Period(year, month), scheme)
            for year, month, scheme, st, region in rows
            if st == status and pooling_area(line, region) == area
        ]

    paid_from, paid_to = at(area_from, "paid"), at(area_to, "paid")
    recent = Period.from_index(_previous_month(today).index - RECENT_MONTHS + 1)
    open_lines = {t.line for t in await uow.transfers.open_for(person.id)}
    return Application(
        line=line,
        from_region=asked.from_region,
        to_region=asked.to_region,
        draws_pension=person.is_pensioner or person.retired_on is not None,
        retired=person.retired_on is not None or person.is_pensioner,
        open_lines=frozenset(TransferLine(v) for v in open_lines if v in set(TransferLine)),
        months_at_from=len(paid_from),
        arrears_at_from=len(at(area_from, "arrears")),
        suspended_at_from=not any(p >= recent for p, _ in paid_from),
        contributing_at_to=any(p >= recent for p, _ in paid_to),
        kind=_kind(uow, subject, asked, paid_to),
        from_scheme=_scheme(paid_from),
        to_scheme=_scheme(paid_to),
        from_last_year=max((p.year for p, _ in paid_from), default=None),
        to_first_year=min((p.year for p, _ in paid_to), default=None),
    )


def _scheme(paid: list[tuple[Period, str]]) -> Scheme:
    latest = max(paid, default=None)
    return Scheme(latest[1]) if latest and latest[1] in set(Scheme) else Scheme.EMPLOYEE


def _kind(
    uow: UnitOfWork, subject: Subject, asked: Request, paid_to: list[tuple[Period, str]]
) -> TransferKind:
    """Art. 5 on the day insurance started at the new place (its first paid month there)."""
    if asked.line is not TransferLine.PENSION or not paid_to:
        return TransferKind.TRANSFER
    first = min(p for p, _ in paid_to)
    person = subject.person
    hukou = person.region_code or uow.id_number_of(person).region_code
    return rules_for(uow.policy).kind(
        Sex(person.sex),
        person.birth_date,
        date(first.year, first.month, 1),
        province_of(hukou),
        province_of(asked.to_region),
        asked.approved,
    )


async def line_refusal(uow: UnitOfWork, subject: Subject, line: TransferLine) -> Refusal | None:
    """The rules that refuse a line whatever the places: a pensioner's pension, an open
    transfer of the line (checked again, with the rest, on the places and on submitting)."""
    person = subject.person
    if line is TransferLine.PENSION and (person.is_pensioner or person.retired_on is not None):
        return Refusal.DRAWS_PENSION
    if line.value in {t.line for t in await uow.transfers.open_for(person.id)}:
        return Refusal.OPEN_TRANSFER
    return None


async def paid_months(uow: UnitOfWork, person_id: UUID, line: TransferLine) -> list[PaidMonth]:
    rows = await uow.contributions.paid_months(person_id, line.value)
    return [
        PaidMonth(y, m, Scheme(sc) if sc in set(Scheme) else Scheme.EMPLOYEE, b, e, i, r, on, d)
        for y, m, sc, b, e, i, r, on, d in rows
    ]


async def amounts_of(uow: UnitOfWork, subject: Subject, asked: Request) -> Amounts:
    """What the application would move (shown before submitting, kept on the application)."""
    policy = uow.policy
    return amounts(
        asked.line,
        await paid_months(uow, subject.person.id, asked.line),
        asked.from_region,
        asked.to_region,
        temporary=asked.temporary,
        rules=rules_for(policy),
        rates=DEFAULT_RATES.with_overrides(rate_2025=policy.account_interest_rate_2025),
    )


async def check(uow: UnitOfWork, subject: Subject, asked: Request, today: date) -> Refusal | None:
    """The rule the application breaks, if any. Asking for the temporary account lifts only the
    temporary-account rule, and only where it applies."""
    return (await checked(uow, subject, asked, today))[0]


async def checked(
    uow: UnitOfWork, subject: Subject, asked: Request, today: date
) -> tuple[Refusal | None, Request]:
    """The refusal, and the request as it stands: a temporary account only where the rule
    calls for one (asked for elsewhere, it is an ordinary transfer)."""
    found = await facts(uow, subject, asked, today)
    temporary = asked.temporary and found.kind is TransferKind.TEMPORARY_ACCOUNT
    if temporary:
        found = replace(found, kind=TransferKind.TRANSFER)
    return refusal(found), replace(asked, temporary=temporary)


async def apply(
    uow: UnitOfWork, subject: Subject, asked: Request, now: datetime
) -> Applied | Refusal:
    """Open the transfer (or the temporary account), or say which rule refuses it."""
    found, asked = await checked(uow, subject, asked, now.date())
    if found is not None:
        return found
    temporary = asked.temporary
    money = await amounts_of(uow, subject, asked)
    transfer = InsuranceTransfer(
        person_id=subject.person.id,
        line=asked.line.value,
        from_region=asked.from_region,
        to_region=asked.to_region,
        state=TransferState.APPLIED.value,
        applied_on=now.date(),
        kind=(TransferKind.TEMPORARY_ACCOUNT if temporary else TransferKind.TRANSFER).value,
        applied_by_person_id=subject.holder.id,
        account_amount=money.account,
        pooled_amount=money.pooled,
    )
    try:
        async with uow.savepoint():
            await uow.transfers.add(transfer)
    except IntegrityError:  # another application of this line was opened meanwhile
        return Refusal.OPEN_TRANSFER
    detail = f"line={asked.line.value} from={asked.from_region} to={asked.to_region}"
    if temporary:
        detail += " kind=temporary_account"
    # Audited for oneself too: an application starts two agencies' work.
    uow.audit.record(
        "transfer.applied",
        at=now,
        actor=subject.holder.id,
        subject=subject.person.id,
        detail=detail,
    )
    return Applied(transfer.id, TransferState.APPLIED, money)

"""The pre-check before a move (domain-rules §6): what would happen to the subject's employee
pension if they took a job in another province from a given day.

`load` reads the records once into plain data (or says why no pre-check can be given); `answer`
is arithmetic on it, so the page can answer any province and day without another query.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from app.domain.contributions import DEFAULT_RATES, Period, balance_steps, money
from app.domain.identity import Sex
from app.domain.regions import province_of
from app.domain.transfer import (
    LumpSum,
    TransferKind,
    TransferRules,
    provincial_history,
    rules_for,
)
from app.services.context import UnitOfWork
from app.services.subject import Subject, record


class Blocked(enum.StrEnum):
    """Why the page gives no pre-check; each has its own text."""

    PENSIONER = "pensioner"  # people drawing a pension do not transfer (§6)
    NO_RECORDS = "no_records"  # no employee pension months on record
    OPEN_TRANSFER = "open_transfer"  # a pension transfer is already under way


@dataclass(frozen=True, slots=True)
class BackPayment:
    """Months paid later in one lump sum."""

    paid_on: date
    first: Period
    last: Period
    months: int
    documented: bool
    moves: bool


@dataclass(frozen=True, slots=True)
class Records:
    """What the employee pension records say, as the pre-check needs it."""

    sex: Sex
    born: date
    hukou: str  # province codes
    current: str
    history: list[tuple[str, int]]  # (province, months) oldest first
    months: int
    first: Period
    last: Period
    back_payments: list[BackPayment]
    account: Decimal  # the personal account of the months that move, as recorded
    account_year: int
    pooled: Decimal  # 12 % of the bases from 1998-01 of the months that move

    @property
    def months_not_moving(self) -> int:
        return sum(b.months for b in self.back_payments if not b.moves)


@dataclass(frozen=True, slots=True)
class Answer:
    to: str
    starts: date
    approved: bool
    kind: TransferKind | None  # None: the same province, nothing moves
    place_now: str  # where the pension would be paid with the records as they are
    place_after: str  # ... after the move (no months at the new place yet)
    months_at_to: int
    months_needed: int | None  # more months at `to` before it becomes the place of payment
    place_from: Period | None  # the month it would, if they stay

    @property
    def temporary(self) -> bool:
        return self.kind is TransferKind.TEMPORARY_ACCOUNT


def _back_payments(
    rows: list[tuple[date, bool, int, int, Decimal]], rules: TransferRules
) -> list[BackPayment]:
    by_day: dict[date, list[tuple[bool, Period]]] = defaultdict(list)
    for paid_on, documented, year, month, _part in rows:
        by_day[paid_on].append((documented, Period(year, month)))
    found = []
    for paid_on, months in sorted(by_day.items()):
        periods = sorted({p for _, p in months})
        documented = all(d for d, _ in months)
        lump = LumpSum(months=len(periods), documented=documented)
        moves = rules.months_not_moving([lump]) == 0
        found.append(BackPayment(paid_on, periods[0], periods[-1], len(periods), documented, moves))
    return found


def _not_moving(
    rows: list[tuple[date, bool, int, int, Decimal]], payments: list[BackPayment]
) -> dict[Period, Decimal]:
    """The months that stay behind, with their individual parts."""
    stay = {b.paid_on for b in payments if not b.moves}
    return {Period(y, m): part for on, _d, y, m, part in rows if on in stay}


async def _account(
    uow: UnitOfWork, subject: Subject, staying: dict[Period, Decimal]
) -> tuple[Decimal, int]:
    yearly = dict(await uow.contributions.yearly_individual(subject.person.id, "pension"))
    for period, part in staying.items():
        yearly[period.year] = yearly.get(period.year, Decimal(0)) - part
    rates = DEFAULT_RATES.with_overrides(rate_2025=uow.policy.account_interest_rate_2025)
    steps = balance_steps(
        sorted((y, max(a, Decimal(0))) for y, a in yearly.items()), Decimal(0), rates
    )
    return (steps[-1].closing, steps[-1].year) if steps else (money(Decimal(0)), 0)


def hukou_of(uow: UnitOfWork, subject: Subject) -> str:
    """The province of the person's hukou (the registry's, else the ID number's region)."""
    person = subject.person
    return province_of(person.region_code or uow.id_number_of(person).region_code)


async def load(uow: UnitOfWork, subject: Subject) -> Records | Blocked:
    person = subject.person
    if person.is_pensioner or person.retired_on is not None:
        return Blocked.PENSIONER
    open_transfers = await uow.transfers.open_for(person.id)
    if any(t.line == "pension" for t in open_transfers):
        return Blocked.OPEN_TRANSFER
    paid = await uow.contributions.paid_bases(person.id)
    if not paid:
        return Blocked.NO_RECORDS
    rules = rules_for(uow.policy)
    rows = await uow.contributions.back_payments(person.id)
    payments = _back_payments(rows, rules)
    staying = _not_moving(rows, payments)
    moving = [(y, m, base) for y, m, base, _r in paid if Period(y, m) not in staying]
    account, year = await _account(uow, subject, staying)
    history = provincial_history((y, m, region) for y, m, _b, region in paid)
    return Records(
        sex=Sex(person.sex),
        born=person.birth_date,
        hukou=hukou_of(uow, subject),
        current=province_of(paid[-1][3]),
        history=history,
        months=sum(months for _, months in history),
        first=Period(paid[0][0], paid[0][1]),
        last=Period(paid[-1][0], paid[-1][1]),
        back_payments=payments,
        account=account,
        account_year=year,
        pooled=rules.pooled((date(y, m, 1), base) for y, m, base in moving),
    )


def answer(records: Records, rules: TransferRules, to: str, starts: date, approved: bool) -> Answer:
    to = province_of(to)
    place_now = rules.place(records.hukou, records.current, records.history)
    at_to = sum(months for code, months in records.history if code == to)
    if to == records.current:
        kind = None
    else:
        kind = rules.kind(records.sex, records.born, starts, records.hukou, to, approved)
    if kind is not TransferKind.TRANSFER:
        # The relationship stays where it is: the place of payment does not change.
        return Answer(to, starts, approved, kind, place_now, place_now, at_to, None, None)
    after = [*records.history, (to, 0)]
    place_after = rules.place(records.hukou, to, after)
    needed = None if to == records.hukou else max(rules.place_of_payment_months - at_to, 0)
    begins = Period(starts.year, starts.month)
    place_from = None if needed is None else Period.from_index(begins.index + needed)
    return Answer(to, starts, approved, kind, place_now, place_after, at_to, needed, place_from)


def viewed(uow: UnitOfWork, subject: Subject, now: datetime, detail: str) -> None:
    """Audited when a holder reads it for a member (detail: what was asked, never who)."""
    record(uow, subject, "transfer.precheck", now, detail=detail)

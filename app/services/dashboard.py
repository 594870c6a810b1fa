"""What needs doing, per subject: the holder themself and each active member."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from app.domain.certification import CertificationState, certification_state, due_date
from app.domain.premiums import premium_amount, premium_year_open
from app.domain.views import Holder
from app.services.context import UnitOfWork
from app.services.subject import Subject, active_members, own, record
from app.services.transfer_timeline import TransferView, open_by_person

URGENT = frozenset({"certification_overdue", "arrears"})


@dataclass(frozen=True, slots=True)
class Todo:
    """One thing to do. kind: certification_due, certification_overdue, premium_unpaid,
    arrears, no_card."""

    kind: str
    on: date | None = None
    year: int | None = None
    amount: int | None = None
    count: int = 0

    @property
    def urgent(self) -> bool:
        """Money is held back already: suspended payments, contributions in arrears."""
        return self.kind in URGENT


@dataclass(frozen=True, slots=True)
class SubjectRow:
    subject: Subject
    todos: list[Todo] = field(default_factory=list)
    certification: CertificationState | None = None
    certification_due: date | None = None
    transfers: list[TransferView] = field(default_factory=list)  # in progress


async def for_subject(
    uow: UnitOfWork, subject: Subject, now: datetime, *, audit: bool = False
) -> SubjectRow:
    person = subject.person
    today = now.date()
    todos: list[Todo] = []
    state, due = None, None
    if person.is_pensioner:
        state = certification_state(person.last_certified_on, today)
        due = due_date(person.last_certified_on) if person.last_certified_on else None
        if state != CertificationState.VALID:
            todos.append(Todo(kind=f"certification_{state.value}", on=due))
    year = premium_year_open(today, uow.policy.medical_collection_window)
    if year is not None:
        resident_years = await uow.contributions.paid_years(person.id, "medical", "resident")
        if resident_years and year not in resident_years:
            todos.append(
                Todo(kind="premium_unpaid", year=year, amount=premium_amount(year, uow.policy))
            )
    arrears = await uow.contributions.arrears_months(person.id)
    if arrears:
        todos.append(Todo(kind="arrears", count=arrears))
    if person.card is None:
        todos.append(Todo(kind="no_card"))
    if audit:
        record(uow, subject, "services.viewed", now)
    transfers = (await open_by_person(uow, [person.id], today)).get(person.id, [])
    return SubjectRow(
        subject=subject,
        todos=todos,
        certification=state,
        certification_due=due,
        transfers=transfers,
    )


async def family(uow: UnitOfWork, account: Holder, now: datetime) -> list[SubjectRow]:
    """The holder first, then each active member."""
    subjects = [own(account), *await active_members(uow, account)]
    return [await for_subject(uow, subject, now) for subject in subjects]

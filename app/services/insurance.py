"""A subject's insurance, scheme by scheme (issue 15 points 7-9): the page of one person, the
family matrix, and enrolling a person in a residents' scheme.

The states and who may enrol are app/domain/insurance.py's; this module reads the records,
the enrolments, the transfers in progress and the family mutual aid links, and records an
enrolment once: one per person, scheme and first year (a unique index), so a double submit or
twenty requests at once make one, and every one of them leads to its first payment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from app.db.models import Enrolment as EnrolmentRow
from app.domain.contributions import Line
from app.domain.insurance import (
    Action,
    Enrolled,
    Enrolment,
    EnrolRefusal,
    EnrolScheme,
    Facts,
    LineStatus,
    YearRecords,
    medical_enrolment,
    next_action,
    paid_years,
    pension_enrolment,
    statuses,
)
from app.domain.views import AidView, Holder
from app.services.context import UnitOfWork
from app.services.payments import employee_insured
from app.services.subject import Subject, active_members, own, record
from app.services.transfer_timeline import TransferView, open_by_person

# The audit action of each enrolment (what the member reads under "Who acted for me").
ENROLLED = {
    EnrolScheme.RESIDENT_MEDICAL: "enrolment.resident_medical",
    EnrolScheme.RESIDENT_PENSION: "enrolment.resident_pension",
}


@dataclass(frozen=True, slots=True)
class Cell:
    """One line of one person: its state and what needs doing."""

    status: LineStatus
    action: Action


@dataclass(frozen=True, slots=True)
class AidLink:
    """A family mutual aid link of the person's employee medical account (§9)."""

    gives: bool  # True: from their account to the other person; False: to them
    other_name: str
    quota_fen: int
    left_fen: int


@dataclass(frozen=True, slots=True)
class PersonInsurance:
    subject: Subject
    cells: list[Cell]
    transfers: dict[str, list[TransferView]] = field(default_factory=dict)  # by line
    aid: list[AidLink] = field(default_factory=list)  # links where they give or receive
    # Whether they could be enrolled today (residents' pension: as if not a student).
    medical: Enrolment | EnrolRefusal | None = None
    pension: Enrolment | EnrolRefusal | None = None
    hukou: str = ""  # the place of household registration: the residents' schemes' agency

    @property
    def medical_terms(self) -> Enrolment | None:
        """The residents' medical enrolment on offer today, if it is."""
        return self.medical if isinstance(self.medical, Enrolment) else None

    def cell(self, line: str) -> Cell:
        return next(c for c in self.cells if c.status.line == line)


def _facts(uow: UnitOfWork, subject: Subject) -> Facts:
    person = subject.person
    hukou = person.region_code or uow.id_number_of(person).region_code
    return Facts(
        birth_date=person.birth_date,
        hukou=hukou,
        pensioner=person.is_pensioner or person.retired_on is not None,
        last_certified_on=person.last_certified_on,
    )


def _resident_years(records: list[YearRecords], line: Line) -> set[int]:
    return paid_years(r for r in records if r.line == line and r.scheme == "resident")


async def _eligibility(
    uow: UnitOfWork,
    subject: Subject,
    records: list[YearRecords],
    today: date,
    *,
    student: bool = False,
) -> tuple[Enrolment | EnrolRefusal, Enrolment | EnrolRefusal]:
    facts, policy = _facts(uow, subject), uow.policy
    employee = await employee_insured(uow, subject, today)
    medical = medical_enrolment(
        facts,
        _resident_years(records, Line.MEDICAL),
        today,
        policy,
        employee_insured=employee,
    )
    pension = pension_enrolment(
        facts,
        _resident_years(records, Line.PENSION),
        today,
        policy,
        employee_insured=employee,
        student=student,
    )
    return medical, pension


async def _insurance(
    uow: UnitOfWork,
    subject: Subject,
    records: list[YearRecords],
    enrolled: list[Enrolled],
    transfers: list[TransferView],
    today: date,
) -> PersonInsurance:
    facts = _facts(uow, subject)
    medical, pension = await _eligibility(uow, subject, records, today)
    can = {
        Line.MEDICAL: isinstance(medical, Enrolment),
        Line.PENSION: isinstance(pension, Enrolment),
    }
    lines = statuses(records, facts, today, uow.policy, enrolled)
    cells = [
        Cell(status, next_action(status, today, can_enrol=can.get(status.line, False)))
        for status in lines
    ]
    by_line: dict[str, list[TransferView]] = {}
    for transfer in transfers:
        line = Line.PENSION.value if transfer.line.value == "pension" else Line.MEDICAL.value
        by_line.setdefault(line, []).append(transfer)
    aid = [
        await _aid_link(uow, subject, link)
        for link in await uow.aid_links.active_of(subject.person.id)
    ]
    return PersonInsurance(subject, cells, by_line, aid, medical, pension, facts.hukou)


async def _aid_link(uow: UnitOfWork, subject: Subject, link: AidView) -> AidLink:
    gives = link.giver_person_id == subject.person.id
    other = await uow.views.person(link.relative_person_id if gives else link.giver_person_id)
    return AidLink(gives, other.name if other else "", link.quota_fen, link.left_fen)


async def of_subject(
    uow: UnitOfWork, subject: Subject, now: datetime, *, audit: bool = True
) -> PersonInsurance:
    """One person's insurance page."""
    today, person_id = now.date(), subject.person.id
    records = (await uow.insurance_records.by_year([person_id])).get(person_id, [])
    enrolled = (await uow.enrolments.of([person_id])).get(person_id, [])
    transfers = (await open_by_person(uow, [person_id], today)).get(person_id, [])
    if audit:
        record(uow, subject, "insurance.viewed", now)
    return await _insurance(uow, subject, records, list(enrolled), transfers, today)


async def family(uow: UnitOfWork, account: Holder, now: datetime) -> list[PersonInsurance]:
    """The holder, then each active member: the rows of the family matrix."""
    subjects = [own(account), *await active_members(uow, account)]
    ids = [s.person.id for s in subjects]
    today = now.date()
    records = await uow.insurance_records.by_year(ids)
    enrolled = await uow.enrolments.of(ids)
    transfers = await open_by_person(uow, ids, today)
    return [
        await _insurance(
            uow,
            s,
            records.get(s.person.id, []),
            list(enrolled.get(s.person.id, [])),
            transfers.get(s.person.id, []),
            today,
        )
        for s in subjects
    ]


# --- enrolment ---------------------------------------------------------------------------------


async def decide(
    uow: UnitOfWork, subject: Subject, scheme: EnrolScheme, today: date, *, student: bool
) -> Enrolment | EnrolRefusal:
    """Whether the subject may be enrolled in `scheme` today, and on what terms."""
    person_id = subject.person.id
    records = (await uow.insurance_records.by_year([person_id])).get(person_id, [])
    medical, pension = await _eligibility(uow, subject, records, today, student=student)
    return medical if scheme is EnrolScheme.RESIDENT_MEDICAL else pension


@dataclass(frozen=True, slots=True)
class EnrolResult:
    id: UUID
    enrolment: Enrolment
    created: bool  # False: an earlier request made it (a double submit)


async def existing(uow: UnitOfWork, subject: Subject, found: Enrolment) -> UUID | None:
    row = await uow.enrolments.one(subject.person.id, found.scheme.value, found.first_year)
    return row.id if row else None


async def enrol(
    uow: UnitOfWork, subject: Subject, scheme: EnrolScheme, now: datetime, *, student: bool
) -> EnrolResult | EnrolRefusal:
    """Record the enrolment, once; audited for the member when a holder does it."""
    found = await decide(uow, subject, scheme, now.date(), student=student)
    if isinstance(found, EnrolRefusal):
        return found
    earlier = await existing(uow, subject, found)
    if earlier is not None:
        return EnrolResult(earlier, found, created=False)
    row = EnrolmentRow(
        person_id=subject.person.id,
        scheme=scheme.value,
        first_year=found.first_year,
        region_code=found.region_code,
        waiting_months=found.waiting_months,
        enrolled_on=now.date(),
        enrolled_by_person_id=subject.holder.id,
    )
    try:
        async with uow.savepoint():
            await uow.enrolments.add(row)
    except IntegrityError:  # the same enrolment from a request at the same moment
        again = await existing(uow, subject, found)
        assert again is not None
        return EnrolResult(again, found, created=False)
    record(uow, subject, ENROLLED[scheme], now, detail=str(found.first_year))
    return EnrolResult(row.id, found, created=True)

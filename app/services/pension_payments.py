"""Pension contributions a family member can pay here (issue 14 point 1; domain-rules §5):

- the residents' pension at a grade of the year, with its subsidy and what it buys at 60, only
  for someone 16 or over (under 60), not in the employee scheme, paid to the scheme of their
  hukou place; or of a past year not on record, within the region's limit (补缴), without
  subsidy, recorded as paid back;
- a flexible worker's employee pension for this month: 20 % of a base they choose between 60 %
  and 300 % of the average wage, 8 % of the base to the personal account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from app.domain.funds import fund_for
from app.domain.payments import Purpose, to_fen
from app.domain.premiums import (
    RESIDENT_PENSION_GRADES,
    PensionRefusal,
    back_payable_years,
    flexible_base_range,
    flexible_pension,
    flexible_refusal,
    resident_pension_at_60,
    resident_pension_refusal,
    resident_pension_subsidy,
)
from app.domain.transfer import full_years
from app.domain.wages import average_wage
from app.services.context import UnitOfWork
from app.services.payments import PaymentRequest, employee_insured
from app.services.subject import Subject

RECENT_MONTHS = 3  # an employer who paid any of the last three months employs them still


@dataclass(frozen=True, slots=True)
class GradeRow:
    grade: int
    subsidy: Decimal
    monthly_at_60: Decimal


@dataclass(frozen=True, slots=True)
class ResidentPensionOffer:
    year: int  # the year paid for: this one, or one paid back
    refusal: PensionRefusal | None
    region_code: str  # the hukou place, whose scheme is paid into
    paid_by: UUID | None  # that year's payment, once one stands
    years_to_60: int
    balance: Decimal  # the residents' contributions on record (without interest)
    basic: Decimal
    rows: list[GradeRow]
    this_year: int
    back_years: tuple[int, ...]  # past years that may still be paid back, newest first

    @property
    def back_payment(self) -> bool:
        return self.year < self.this_year

    @property
    def payable(self) -> bool:
        return self.refusal is None and self.paid_by is None


def _bill(purpose: Purpose, subject: Subject, period: str) -> str:
    return f"{purpose.value}:{subject.person.id}:{period}"


def _hukou(uow: UnitOfWork, subject: Subject) -> str:
    person = subject.person
    return person.region_code or uow.id_number_of(person).region_code


async def _back_years(uow: UnitOfWork, subject: Subject, today: date) -> tuple[int, ...]:
    person = subject.person
    settled = await uow.contributions.paid_years(person.id, "pension", "resident")
    settled |= await uow.contributions.paid_years(person.id, "pension", "employee")
    years = back_payable_years(today.year, person.birth_date.year, settled, uow.policy)
    return tuple(years)


async def resident_pension_offer(
    uow: UnitOfWork, subject: Subject, today: date, year: int | None = None
) -> ResidentPensionOffer | None:
    """The grades of `year` (this one unless asked): None for a past year that cannot be paid
    back and was not paid here either."""
    person, policy = subject.person, uow.policy
    age = full_years(person.birth_date, today)
    refusal = resident_pension_refusal(
        age,
        employee_insured=await employee_insured(uow, subject, today),
        pensioner=person.is_pensioner or person.retired_on is not None,
        policy=policy,
    )
    purpose = Purpose.RESIDENT_PENSION_CONTRIBUTION
    year = today.year if year is None else year
    back_years = await _back_years(uow, subject, today)
    standing = await uow.payments.paid_for_bill(_bill(purpose, subject, str(year)))
    if year != today.year and year not in back_years and standing is None:
        return None
    balance = sum(
        (
            total
            for _, total in await uow.contributions.yearly_individual(
                person.id, "pension", "resident"
            )
        ),
        Decimal(0),
    )
    years = max(policy.residents_pension_age - age, 0)
    basic = policy.residents_basic_pension_2026
    back = year < today.year
    rows = [
        GradeRow(
            grade,
            resident_pension_subsidy(grade, back_payment=back, policy=policy),
            # A year paid back adds its grade to the account once, then the years ahead.
            resident_pension_at_60(grade, years, balance + (grade if back else 0), basic, policy),
        )
        for grade in RESIDENT_PENSION_GRADES
    ]
    return ResidentPensionOffer(
        year=year,
        refusal=refusal,
        region_code=_hukou(uow, subject),
        paid_by=standing.id if standing else None,
        years_to_60=years,
        balance=balance,
        basic=basic,
        rows=rows,
        this_year=today.year,
        back_years=back_years,
    )


async def this_years_offer(uow: UnitOfWork, subject: Subject, today: date) -> ResidentPensionOffer:
    offer = await resident_pension_offer(uow, subject, today)
    assert offer is not None, "this year is always offered (or refused with its reason)"
    return offer


def resident_pension_request(
    offer: ResidentPensionOffer, subject: Subject, grade: int
) -> PaymentRequest:
    """The offer's year's contribution at `grade` (ValueError for a grade not offered)."""
    resident_pension_subsidy(grade)  # raises for a grade not offered
    purpose = Purpose.RESIDENT_PENSION_CONTRIBUTION
    return PaymentRequest(
        purpose=purpose,
        bill=_bill(purpose, subject, str(offer.year)),
        fund=fund_for(purpose.value),
        amount_fen=to_fen(Decimal(grade)),
        coverage_year=offer.year,
        grade=grade,
    )


@dataclass(frozen=True, slots=True)
class FlexibleOffer:
    year: int
    month: int
    refusal: PensionRefusal | None
    region_code: str
    average: Decimal  # the average monthly wage the base is held to
    floor: Decimal
    cap: Decimal
    paid_by: UUID | None

    @property
    def payable(self) -> bool:
        return self.refusal is None and self.paid_by is None


async def _employed(uow: UnitOfWork, subject: Subject, today: date) -> bool:
    """An employer paid the employee pension for one of the last three months."""
    months = await uow.contributions.paid_months(subject.person.id, "pension")
    recent = {(today.year * 12 + today.month - 1) - n for n in range(1, RECENT_MONTHS + 1)}
    return any(
        scheme == "employee" and employer > 0 and year * 12 + month - 1 in recent
        for year, month, scheme, _base, employer, *_rest in months
    )


async def flexible_offer(uow: UnitOfWork, subject: Subject, today: date) -> FlexibleOffer:
    person = subject.person
    region = _hukou(uow, subject)
    refusal = flexible_refusal(
        full_years(person.birth_date, today),
        employed=await _employed(uow, subject, today),
        pensioner=person.is_pensioner or person.retired_on is not None,
        policy=uow.policy,
    )
    average = average_wage(today.year, region)
    floor, cap = flexible_base_range(average)
    purpose = Purpose.FLEXIBLE_PENSION_CONTRIBUTION
    period = f"{today.year}-{today.month:02d}"
    standing = await uow.payments.paid_for_bill(_bill(purpose, subject, period))
    return FlexibleOffer(
        year=today.year,
        month=today.month,
        refusal=refusal,
        region_code=region,
        average=average,
        floor=floor,
        cap=cap,
        paid_by=standing.id if standing else None,
    )


def flexible_request(offer: FlexibleOffer, subject: Subject, base: Decimal) -> PaymentRequest:
    """This month's contribution on `base` (ValueError outside the range)."""
    if not offer.floor <= base <= offer.cap:
        raise ValueError("the base is outside 60 % to 300 % of the average wage")
    total, account = flexible_pension(base)
    purpose = Purpose.FLEXIBLE_PENSION_CONTRIBUTION
    period = f"{offer.year}-{offer.month:02d}"
    return PaymentRequest(
        purpose=purpose,
        bill=_bill(purpose, subject, period),
        fund=fund_for(purpose.value),
        amount_fen=to_fen(total),
        coverage_year=offer.year,
        period_month=offer.month,
        base_fen=to_fen(base),
        personal_fen=to_fen(account),
        pooled_fen=to_fen(total - account),
    )

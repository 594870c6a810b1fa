"""Whether a person is in a basic medical insurance today (domain-rules §8, §9), read from
their contribution records: what the payments and family mutual aid pages ask."""

from __future__ import annotations

from datetime import date

from app.domain.views import PersonView
from app.services.context import UnitOfWork


async def employee_insured(uow: UnitOfWork, person: PersonView, today: date) -> bool:
    """In the employee medical insurance: contributing this year or last, or a retired employee
    (who stays insured without paying). A person is in one scheme only."""
    if person.is_pensioner or person.retired_on is not None:
        return True
    years = await uow.contributions.paid_years(person.id, "medical", "employee")
    return bool(years & {today.year, today.year - 1})


async def medically_insured(uow: UnitOfWork, person: PersonView, today: date) -> bool:
    """In either scheme: an employee (or retired one), or residents' cover this year."""
    if await employee_insured(uow, person, today):
        return True
    years = await uow.contributions.paid_years(person.id, "medical", "resident")
    return today.year in years

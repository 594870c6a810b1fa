"""What pages may show of a registry person's ID number: masked, and the age it gives.
The number itself never leaves the services."""

from __future__ import annotations

from datetime import date

from app.db.models import Person
from app.domain.views import PersonView
from app.services.context import UnitOfWork


def masked(uow: UnitOfWork, person: Person | PersonView) -> str:
    return uow.masked_id_of(person)


def age(uow: UnitOfWork, person: Person | PersonView, on: date) -> int:
    return uow.id_number_of(person).age_on(on)

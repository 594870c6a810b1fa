"""Read models: what pages are given of a person, their card, an account and a binding.

Frozen plain data, loaded by one query and handed from the services to the routes and
templates, so no page can lazy-load, change or flush a database row by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True, slots=True)
class CardView:
    card_number: str
    status: str
    issued_on: date


@dataclass(frozen=True, slots=True)
class PersonView:
    """A registry person. The ID number stays encrypted here: only the services decrypt it,
    to mask it for a page or to check a rule."""

    id: UUID
    name: str
    id_number_cipher: bytes
    birth_date: date
    sex: str
    region_code: str | None
    household_code: str | None
    is_pensioner: bool
    retired_on: date | None
    pension_monthly: Decimal | None
    last_certified_on: date | None
    card: CardView | None


@dataclass(frozen=True, slots=True)
class Holder:
    """The signed-in card holder of this request."""

    account_id: UUID
    person: PersonView
    has_pin: bool
    pin_locked_until: datetime | None  # as stored: whether it is still in force depends on now

    @property
    def person_id(self) -> UUID:
        return self.person.id


@dataclass(frozen=True, slots=True)
class BindingView:
    """An active affinity service, as the pages acting for its member see it."""

    id: UUID
    relation: str
    state: str
    activated_at: datetime | None


@dataclass(frozen=True, slots=True)
class FaceCheckView:
    """One face recognition attempt, as its status page shows it."""

    id: UUID
    binding_id: UUID
    purpose: str  # "binding" or "certification"
    state: str  # pending, matched, failed, unusable, error
    reason: str | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class StaffView:
    """A signed-in member of service-centre staff."""

    id: UUID
    staff_number: str
    name: str
    region_prefix: str

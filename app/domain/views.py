"""Read models: what pages are given of a person, their card, an account and a binding.

Frozen plain data, loaded by one query and handed from the services to the routes and
templates, so no page can lazy-load, change or flush a database row by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from app.domain.face import Attempts


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
    binding_id: UUID | None  # a member's check; None when a person certifies themself
    person_id: UUID | None  # the person certifying themself
    purpose: str  # "binding", "certification" or "conversion"
    state: str  # pending, matched, failed, unusable, error
    reason: str | None
    decided_at: datetime | None
    transfer_id: UUID | None = None  # the conversion a person's own check confirms


@dataclass(frozen=True, slots=True)
class StaffView:
    """A signed-in member of service-centre staff."""

    id: UUID
    staff_number: str
    name: str
    region_prefix: str


@dataclass(frozen=True, slots=True)
class BindingDetail:
    """An affinity service in any state, as the holder's, the member's or staff's pages
    show it."""

    id: UUID
    state: str
    relation: str
    member: PersonView
    holder: PersonView
    submitted_at: datetime
    activated_at: datetime | None
    attempts: Attempts  # failed face matches and any wait they imposed
    in_person_reference: str | None = None  # the slip's code, once sent to staff


@dataclass(frozen=True, slots=True)
class DraftView:
    """The add-member wizard's answers so far (the member's ID number stays encrypted)."""

    id: UUID
    expires_at: datetime
    notice_version: str | None
    notice_accepted_at: datetime | None
    prefilled: bool  # chosen from the household list: name and number are not asked again
    name: str | None
    id_number_cipher: bytes | None
    relation: str | None
    details_done: bool
    proof_file: str | None
    face_photo_file: str | None
    documents_done: bool


@dataclass(frozen=True, slots=True)
class PasskeyView:
    id: UUID
    label: str
    last_used_at: datetime | None


@dataclass(frozen=True, slots=True)
class DoneFor:
    """Something another holder or staff did for a person (their account page lists it)."""

    action: str
    at: datetime
    actor: str | None  # the holder's name, or None when staff did it
    staff: str | None  # the staff member's name
    detail: str = ""  # as audited: a scan login's place, say


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A change to a holder's own sign-in or PIN, or an attempt at one (their account page
    lists them, whoever did it)."""

    action: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RecordView:
    """One month (or premium period) of one insurance line on the benefits list."""

    line: str  # pension, medical, work_injury, unemployment
    scheme: str  # employee or resident
    year: int
    month: int
    months_covered: int
    base: Decimal
    employer_part: Decimal
    individual_part: Decimal
    status: str  # paid, arrears, interrupted
    region_code: str
    employer: str


@dataclass(frozen=True, slots=True)
class KioskView:
    """A self-service machine in a service hall."""

    id: UUID
    code: str
    name: str
    hall: str


@dataclass(frozen=True, slots=True)
class ScanLoginView:
    """A request to sign in by scanning (app/domain/scan_login.py), with its machine if any."""

    id: UUID
    state: str
    secret: bytes
    started_at: datetime
    expires_at: datetime
    kiosk: KioskView | None
    user_agent: str
    source_address: str
    source_city: str
    account_id: UUID | None
    subject_person_id: UUID | None
    binding_id: UUID | None
    decided_at: datetime | None


@dataclass(frozen=True, slots=True)
class PaymentView:
    """One payment, as its page, its receipt and the payment history show it. Amounts in fen."""

    id: UUID
    purpose: str
    bill: str
    fund: str
    amount_fen: int
    state: str
    provider: str
    payer_person_id: UUID
    beneficiary_person_id: UUID
    created_at: datetime
    expires_at: datetime
    coverage_year: int | None = None
    period_month: int | None = None
    grade: int | None = None
    base_fen: int | None = None
    waiting_months: int | None = None
    bill_reference: str | None = None
    total_fen: int | None = None
    pooled_fen: int | None = None
    personal_fen: int | None = None
    other_fen: int | None = None
    aid_fen: int | None = None
    own_fen: int | None = None
    aid_link_id: UUID | None = None
    medical_bill_id: UUID | None = None
    transaction_id: str | None = None
    paid_at: datetime | None = None
    closed_at: datetime | None = None
    refund_reason: str | None = None
    refunded_at: datetime | None = None

    @property
    def reference(self) -> str:
        """The order reference the provider knows it by."""
        return self.id.hex


@dataclass(frozen=True, slots=True)
class FundLine:
    """One account of a fund's books with its totals (fen), for the staff fund report."""

    fund: str
    account: str
    debits: int
    credits: int


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One entry of the ledger, with its posting."""

    posting_id: UUID
    kind: str
    purpose: str
    at: datetime
    payment_id: UUID | None
    fund: str
    account: str
    debit_fen: int
    credit_fen: int


@dataclass(frozen=True, slots=True)
class MedicalBillView:
    """A clinic's or pharmacy's bill for a person, in fen."""

    id: UUID
    person_id: UUID
    reference: str
    provider_name: str
    kind: str
    scheme: str
    total_fen: int
    pooled_fen: int
    personal_fen: int
    other_fen: int
    cash_fen: int
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class AidView:
    """A family mutual aid link, with what is left of its quota (fen)."""

    id: UUID
    giver_person_id: UUID
    relative_person_id: UUID
    relation: str
    quota_fen: int
    used_fen: int
    created_at: datetime
    ended_at: datetime | None
    end_reason: str | None  # mutual_aid.AidEnd

    @property
    def left_fen(self) -> int:
        return self.quota_fen - self.used_fen

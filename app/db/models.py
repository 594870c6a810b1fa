"""SQLAlchemy models: the registry of people, holder accounts, passkeys, e-cards, audit events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from advanced_alchemy.base import DefaultBase, UUIDAuditBase, UUIDBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Person(UUIDAuditBase):
    """A person in the social insurance registry. The ID number is stored encrypted."""

    __tablename__ = "people"

    name: Mapped[str] = mapped_column(String(50))
    id_number_cipher: Mapped[bytes] = mapped_column(LargeBinary(128))
    id_number_hmac: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(6))
    # The address code (first six characters of the ID number): which service centre serves them.
    region_code: Mapped[str | None] = mapped_column(String(6), index=True, default=None)
    # An explicit household link in the registry (people who share it are one family).
    household_code: Mapped[str | None] = mapped_column(String(32), index=True, default=None)
    is_pensioner: Mapped[bool] = mapped_column(default=False)
    # Benefits in payment (pensioners): since when, how much a month, and the last
    # eligibility certification (domain-rules §7; payments stop when it is overdue).
    retired_on: Mapped[date | None] = mapped_column(Date, default=None)
    pension_monthly: Mapped[Decimal | None] = mapped_column(Numeric(12, 2), default=None)
    last_certified_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Their own face checks (certifying themself, with no binding): counted as a binding's are.
    face_failures_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    face_failures_recent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    face_unusable_recent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    face_wait_until: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )

    # Loaded with the person: every signed-in page shows the card, so it costs no extra query.
    card: Mapped[ECard | None] = relationship(lazy="joined", uselist=False, viewonly=True)


class HolderAccount(UUIDAuditBase):
    """A person who signs in to the portal."""

    __tablename__ = "holder_accounts"

    person_id: Mapped[UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    pin_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    pin_failures: Mapped[int] = mapped_column(Integer, default=0)
    pin_locked_until: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    webauthn_user_id: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)

    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)


class SignedInSession(UUIDBase):
    """One sign-in of a holder, on one device, as they see it on /account/sessions. The
    session itself (its cookie and data) is in the session store and names this row; a
    request is signed in only while the row is not ended, so ending it ends the session."""

    __tablename__ = "signed_in_sessions"

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE"), index=True
    )
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    source_address: Mapped[str] = mapped_column(String(45), default="")
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    seen_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None, index=True
    )


class PasskeyCredential(UUIDAuditBase):
    __tablename__ = "passkey_credentials"

    account_id: Mapped[UUID] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    transports: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(60))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class ECard(UUIDAuditBase):
    """A person's electronic social security card."""

    __tablename__ = "ecards"

    person_id: Mapped[UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), unique=True
    )
    card_number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="active")
    issued_on: Mapped[date] = mapped_column(Date)


class AuditEvent(UUIDAuditBase):
    """Who did what, for whom, when. Never holds an ID number."""

    __tablename__ = "audit_events"

    actor_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    actor_staff_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("staff_members.id"), default=None
    )
    subject_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    detail: Mapped[str] = mapped_column(String(300), default="")
    # The request's source address and user agent ("" for jobs and operator commands).
    source_address: Mapped[str] = mapped_column(String(45), default="", server_default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="", server_default="")


class AffinityDraft(UUIDAuditBase):
    """The add-member wizard's state, kept in the database so a restart or a new device loses
    nothing. One per holder; it expires (policy.draft_expiry_hours) when left unfinished."""

    __tablename__ = "affinity_drafts"

    holder_account_id: Mapped[UUID] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE"), unique=True
    )
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    notice_version: Mapped[str | None] = mapped_column(String(20), default=None)
    notice_accepted_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # Chosen from the household list (way in B): name and ID number are not asked again.
    prefilled: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str | None] = mapped_column(String(50), default=None)
    id_number_cipher: Mapped[bytes | None] = mapped_column(LargeBinary(128), default=None)
    relation: Mapped[str | None] = mapped_column("relationship", String(12), default=None)
    details_done: Mapped[bool] = mapped_column(default=False)
    proof_file: Mapped[str | None] = mapped_column(String(80), default=None)
    face_photo_file: Mapped[str | None] = mapped_column(String(80), default=None)
    documents_done: Mapped[bool] = mapped_column(default=False)


class AffinityBinding(UUIDAuditBase):
    """A holder's affinity service for one family member."""

    __tablename__ = "affinity_bindings"

    holder_person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"), index=True)
    member_person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"), index=True)
    relation: Mapped[str] = mapped_column("relationship", String(12))
    state: Mapped[str] = mapped_column(String(16), index=True)
    notice_version: Mapped[str] = mapped_column(String(20))
    notice_accepted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    declaration_digest: Mapped[str] = mapped_column(String(64))
    proof_file: Mapped[str] = mapped_column(String(80))
    face_photo_file: Mapped[str | None] = mapped_column(String(80), default=None)
    submitted_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    activated_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    ended_by_person_id: Mapped[UUID | None] = mapped_column(ForeignKey("people.id"), default=None)
    # Failed face matches: never reset by restarting the flow.
    face_failures_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    face_failures_recent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Unusable photos in a row: their own cap (policy.face_unusable_before_wait).
    face_unusable_recent: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    face_wait_until: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    # Given when the binding goes to staff: the slip's code, which staff look it up by.
    in_person_reference: Mapped[str | None] = mapped_column(String(8), unique=True, default=None)

    holder: Mapped[Person] = relationship(foreign_keys=[holder_person_id], lazy="joined")
    member: Mapped[Person] = relationship(foreign_keys=[member_person_id], lazy="joined")


class FaceCheck(UUIDAuditBase):
    """One face recognition attempt. The descriptors are never stored; the selfie is deleted
    once decided (policy.selfie_retention_days)."""

    __tablename__ = "face_checks"
    # A check is of a binding's member, or of a person certifying themself: one, never both.
    # At most one pending check per binding, and per person, held by the database: selfies
    # sent at once cannot both start one (the losers' inserts fail).
    __table_args__ = (
        CheckConstraint("(binding_id IS NULL) <> (person_id IS NULL)", name="one_owner"),
        Index(
            "ux_face_checks_one_pending",
            "binding_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index(
            "ux_face_checks_one_pending_person",
            "person_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        # The matcher queue's order: the pending checks by turn (domain.face.next_turn).
        Index(
            "ix_face_checks_pending_turn",
            "turn",
            "created_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    binding_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("affinity_bindings.id", ondelete="CASCADE"), index=True, default=None
    )
    # A pensioner certifying themself on /my (no binding): the person checked.
    person_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True, default=None
    )
    state: Mapped[str] = mapped_column(String(12))  # pending, matched, failed, unusable, error
    # "binding" opens the affinity service; "certification" is the yearly §7 check;
    # "pin_reset" and "password_reset" prove a forgotten PIN's or password's owner;
    # "conversion" is a person confirming their own urban–rural conversion (transfer_id).
    purpose: Mapped[str] = mapped_column(String(16), default="binding", server_default="binding")
    transfer_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("insurance_transfers.id", ondelete="CASCADE"), index=True, default=None
    )
    selfie_file: Mapped[str | None] = mapped_column(String(80), default=None)
    reason: Mapped[str | None] = mapped_column(String(20), default=None)
    distance: Mapped[float | None] = mapped_column(default=None)
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Runs of the matching job so far: a check that keeps failing is given up, not retried forever.
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # Its place in the matcher queue, fair between holders (domain.face.next_turn).
    turn: Mapped[int] = mapped_column(default=0, server_default="0")
    # A worker's lease: until then nobody else claims the check (it is running, or waiting
    # to be tried again after a failed run); a crashed worker's lease simply runs out.
    running_until: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # A passed reset check authorises one reset: spent (set) by the reset it authorised.
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class HandoffCode(UUIDAuditBase):
    """A single-use code for the member's own phone; stored hashed."""

    __tablename__ = "handoff_codes"

    binding_id: Mapped[UUID] = mapped_column(
        ForeignKey("affinity_bindings.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), default="binding", server_default="binding")
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class StaffMember(UUIDAuditBase):
    """Service-centre staff who do in-person checks. Passkeys are required for them."""

    __tablename__ = "staff_members"

    staff_number: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    region_prefix: Mapped[str] = mapped_column(String(6))  # e.g. "11": Beijing
    password_hash: Mapped[str] = mapped_column(String(200))
    webauthn_user_id: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)


class StaffPasskey(UUIDAuditBase):
    __tablename__ = "staff_passkeys"

    staff_id: Mapped[UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(Integer, default=0)


class StaffEnrolmentCode(UUIDAuditBase):
    """A one-time code an operator gives a staff member to enrol their first passkey; stored
    hashed, spent once (used_at) when the passkey is stored."""

    __tablename__ = "staff_enrolment_codes"

    staff_id: Mapped[UUID] = mapped_column(
        ForeignKey("staff_members.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class LimitCounter(DefaultBase):
    """Attempts counted for one limiter key when there is no Redis: counted by one upsert
    (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), and forgotten (counted afresh) once
    expires_at has passed."""

    __tablename__ = "limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # The attempt before the last: RETURNING gives the new row, and the rule needs the old time.
    previous_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class ContributionRecord(UUIDBase):
    """One month of contributions to one insurance line (a yearly residents' premium covers
    `months_covered` months from its period). Amounts in CNY."""

    __tablename__ = "contribution_records"
    __table_args__ = (
        Index("ix_contribution_person_line_year", "person_id", "line", "year"),
        # The pages that list what needs doing count arrears and sum paid months per person.
        Index("ix_contribution_person_status", "person_id", "status"),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    line: Mapped[str] = mapped_column(String(16))  # pension, medical, work_injury, unemployment
    scheme: Mapped[str] = mapped_column(String(10), default="employee")  # or "resident"
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    months_covered: Mapped[int] = mapped_column(Integer, default=1)
    base: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    employer_part: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    individual_part: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    status: Mapped[str] = mapped_column(String(12))  # paid, arrears, interrupted
    region_code: Mapped[str] = mapped_column(String(6))
    employer: Mapped[str] = mapped_column(String(100), default="")
    # A month paid later in a lump sum (补缴): the day it was paid, and whether the documents
    # of 人社厅发〔2019〕94号 are on file (a lump sum of 3 years or more without them does not
    # move on a transfer, domain-rules §6).
    back_paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    back_pay_documented: Mapped[bool] = mapped_column(default=False, server_default=false())


class SpentCredential(UUIDBase):
    """A QR credential that has been accepted once: it is refused from then on. Rows past
    their expiry serve no purpose and are purged."""

    __tablename__ = "spent_credentials"

    nonce: Mapped[str] = mapped_column(String(32), unique=True)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class InsuranceTransfer(UUIDAuditBase):
    """A transfer of the insurance relationship between regions (domain-rules §6)."""

    __tablename__ = "insurance_transfers"
    # One open transfer per person and line, held by the database: applications sent at once
    # cannot both pass the check (the losers' inserts fail).
    __table_args__ = (
        Index(
            "ux_insurance_transfers_open",
            "person_id",
            "line",
            unique=True,
            sqlite_where=text("closed_on IS NULL"),
            postgresql_where=text("closed_on IS NULL"),
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    line: Mapped[str] = mapped_column(String(16))  # pension or medical
    from_region: Mapped[str] = mapped_column(String(6))
    to_region: Mapped[str] = mapped_column(String(6))
    state: Mapped[str] = mapped_column(String(24))  # applied ... completed, rejected
    applied_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    # A transfer, or (pension, art. 5) the opening of a temporary account instead.
    kind: Mapped[str] = mapped_column(String(24), default="transfer", server_default="transfer")
    # Who applied: the person, or the holder acting for them (None: set up outside the portal).
    applied_by_person_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None
    )
    # What moves, as shown when applying: the personal account, and (pension) the pooled
    # fund's 12 %, which goes fund to fund and is never the person's balance.
    account_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    pooled_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    # A conversion (kind to_employee or to_resident, 人社部发〔2014〕17号): the months the scheme
    # kept counts, the months paid in both schemes, and the residents' own contributions of
    # those months refunded. It waits in awaiting_member until the person's own face check
    # confirms it; applied_on is then the day of that confirmation, and the check's id is kept
    # (unique: one passed check confirms one conversion).
    counted_months: Mapped[int | None] = mapped_column(Integer, default=None)
    overlap_months: Mapped[int | None] = mapped_column(Integer, default=None)
    refund_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), default=None)
    confirmed_check_id: Mapped[UUID | None] = mapped_column(unique=True, default=None)


class TransferEvent(UUIDAuditBase):
    """One agency step of a transfer, done or refused (with the reason), on a day."""

    __tablename__ = "insurance_transfer_events"

    transfer_id: Mapped[UUID] = mapped_column(
        ForeignKey("insurance_transfers.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(24))  # the state the step led to
    agency: Mapped[str] = mapped_column(String(8))  # from or to
    done_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")


class TransferDraft(UUIDAuditBase):
    """An application being prepared, one per holder and subject; kept in the database like the
    add-member wizard's, and it expires the same way when left unfinished."""

    __tablename__ = "transfer_drafts"
    __table_args__ = (
        Index("ux_transfer_drafts_holder_person", "holder_account_id", "person_id", unique=True),
    )

    holder_account_id: Mapped[UUID] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE")
    )
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    line: Mapped[str | None] = mapped_column(String(16), default=None)
    from_region: Mapped[str | None] = mapped_column(String(6), default=None)
    to_region: Mapped[str | None] = mapped_column(String(6), default=None)
    temporary: Mapped[bool] = mapped_column(default=False)  # art. 5: open the account instead
    regions_done: Mapped[bool] = mapped_column(default=False)
    checked: Mapped[bool] = mapped_column(default=False)


class ConversionDraft(UUIDAuditBase):
    """An application for an urban–rural conversion being prepared, one per holder and subject:
    whether its check-answers page was declared read; it expires like the other drafts."""

    __tablename__ = "conversion_drafts"
    __table_args__ = (
        Index("ux_conversion_drafts_holder_person", "holder_account_id", "person_id", unique=True),
    )

    holder_account_id: Mapped[UUID] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE")
    )
    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    declared: Mapped[bool] = mapped_column(default=False)


class Kiosk(UUIDAuditBase):
    """A self-service machine in a service hall. The machine proves which one it is with its
    key (set up by an operator, kept in the machine's browser); only the key's hash is kept."""

    __tablename__ = "kiosks"

    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(60))
    hall: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)


class ScanLogin(UUIDAuditBase):
    """A request to be signed in by scanning with a phone (app/domain/scan_login.py): made by a
    browser or a kiosk, approved once on a phone, used once by the screen that made it. The
    token and the typed code are kept as keyed hashes; the secret that draws the rotating QR
    code lives as long as the request (the maintenance purges it)."""

    __tablename__ = "scan_logins"

    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    typed_code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    secret: Mapped[bytes] = mapped_column(LargeBinary(32))
    started_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    kiosk_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("kiosks.id", ondelete="CASCADE"), default=None
    )
    # The browser that asked (the phone shows it when there is no kiosk).
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    source_address: Mapped[str] = mapped_column(String(45), default="")
    source_city: Mapped[str] = mapped_column(String(60), default="", server_default="")
    state: Mapped[str] = mapped_column(String(12), default="pending")
    # Set by the approval: whose account signs in, and for whom (a binding when acting for a
    # family member).
    account_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE"), default=None
    )
    subject_person_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), default=None
    )
    binding_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("affinity_bindings.id", ondelete="CASCADE"), default=None
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    used_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


OPEN_PAYMENT = text("state = 'created'")
PAID_PAYMENT = text("state = 'paid'")


class Payment(UUIDAuditBase):
    """One payment through a provider (domain-rules §8). Its state moves only forward, by
    conditional updates; `transaction_id` (the provider's) is unique, so a notification repeated
    any number of times confirms it once."""

    __tablename__ = "payments"
    __table_args__ = (
        # One open payment per bill: a second tab or a double submit finds the first.
        Index(
            "ux_payments_open_bill",
            "bill",
            unique=True,
            sqlite_where=OPEN_PAYMENT,
            postgresql_where=OPEN_PAYMENT,
        ),
        # One payment that stands per bill: of two confirmed at once, the second is refunded.
        Index(
            "ux_payments_paid_bill",
            "bill",
            unique=True,
            sqlite_where=PAID_PAYMENT,
            postgresql_where=PAID_PAYMENT,
        ),
        Index("ix_payments_beneficiary", "beneficiary_person_id", "created_at"),
        Index("ix_payments_state", "state"),
        # Zero: a medical bill met wholly from the accounts, settled without a provider.
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    holder_account_id: Mapped[UUID] = mapped_column(ForeignKey("holder_accounts.id"))
    payer_person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"), index=True)
    beneficiary_person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"))
    purpose: Mapped[str] = mapped_column(String(40))
    # What is paid for, the same for every attempt: a second payment of it is refunded.
    bill: Mapped[str] = mapped_column(String(120), index=True)
    fund: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # through the provider
    coverage_year: Mapped[int | None] = mapped_column(Integer, default=None)
    period_month: Mapped[int | None] = mapped_column(Integer, default=None)  # a monthly one's
    grade: Mapped[int | None] = mapped_column(Integer, default=None)
    base_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)  # a chosen base
    waiting_months: Mapped[int | None] = mapped_column(Integer, default=None)
    # A medical bill as the clinic sent it: its reference and split (fen); the cash part is
    # amount_fen, the personal-account part partly from family mutual aid (aid_fen).
    bill_reference: Mapped[str | None] = mapped_column(String(40), default=None)
    total_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    pooled_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    personal_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    other_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    aid_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)
    own_fen: Mapped[int | None] = mapped_column(BigInteger, default=None)  # patient's account
    aid_link_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("mutual_aid_links.id"), default=None
    )
    medical_bill_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("medical_bills.id"), default=None
    )
    content_digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(12))
    provider: Mapped[str] = mapped_column(String(20))
    transaction_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    paid_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    refund_reason: Mapped[str | None] = mapped_column(String(12), default=None)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    last_queried_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )


class MedicalBill(UUIDAuditBase):
    """A bill as a designated clinic or pharmacy sends it (医保移动支付): its reference, the
    total and its split in fen (pooled fund + personal account + other + cash = total)."""

    __tablename__ = "medical_bills"
    __table_args__ = (
        CheckConstraint(
            "pooled_fen + personal_fen + other_fen + cash_fen = total_fen", name="parts_add_up"
        ),
        CheckConstraint(
            "pooled_fen >= 0 AND personal_fen >= 0 AND other_fen >= 0 AND cash_fen >= 0",
            name="parts_not_negative",
        ),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    provider_name: Mapped[str] = mapped_column(String(100))  # the clinic or pharmacy
    kind: Mapped[str] = mapped_column(String(12))  # clinic or pharmacy
    scheme: Mapped[str] = mapped_column(String(10))  # the patient's: employee or resident
    total_fen: Mapped[int] = mapped_column(BigInteger)
    pooled_fen: Mapped[int] = mapped_column(BigInteger)
    personal_fen: Mapped[int] = mapped_column(BigInteger)
    other_fen: Mapped[int] = mapped_column(BigInteger)
    cash_fen: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class MedicalAccount(DefaultBase):
    """An employee's personal medical account (职工医保个人账户): its balance, and the part
    set aside as family mutual aid quotas, which the owner cannot spend. In fen."""

    __tablename__ = "medical_accounts"
    __table_args__ = (
        CheckConstraint("balance_fen >= 0 AND set_aside_fen >= 0", name="not_negative"),
        CheckConstraint("set_aside_fen <= balance_fen", name="set_aside_within_balance"),
    )

    person_id: Mapped[UUID] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    set_aside_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class MutualAid(UUIDAuditBase):
    """Family mutual aid (家庭共济): a quota from the giver's personal medical account for a
    close relative's self-paid costs and residents' premiums. One active link per pair."""

    __tablename__ = "mutual_aid_links"
    __table_args__ = (
        Index(
            "ux_mutual_aid_active_pair",
            "giver_person_id",
            "relative_person_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        CheckConstraint("used_fen >= 0 AND used_fen <= quota_fen", name="used_within_quota"),
    )

    giver_person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"), index=True)
    relative_person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id"), index=True)
    relation: Mapped[str] = mapped_column("relationship", String(12))
    quota_fen: Mapped[int] = mapped_column(BigInteger)
    used_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    ended_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    end_reason: Mapped[str | None] = mapped_column(String(20), default=None)


class PaymentKey(DefaultBase):
    """An idempotency key from a payment form, per holder, kept for a day: the same key with the
    same content is the same payment; with other content it is refused."""

    __tablename__ = "payment_idempotency_keys"

    holder_account_id: Mapped[UUID] = mapped_column(
        ForeignKey("holder_accounts.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    content_digest: Mapped[str] = mapped_column(String(64))
    payment_id: Mapped[UUID | None] = mapped_column(ForeignKey("payments.id"), default=None)
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)


class FundAccount(DefaultBase):
    """An account of one fund's books (app/domain/ledger.Account), e.g. "res_medical:bank"."""

    __tablename__ = "fund_accounts"
    __table_args__ = (Index("ux_fund_accounts_fund_account", "fund", "account", unique=True),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    fund: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(20))


class LedgerPosting(UUIDBase):
    """One balanced posting. Append-only (triggers refuse updates and deletes): a correction
    is a posting that reverses another. A payment is received once and refunded once."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        Index(
            "ux_ledger_postings_payment_kind",
            "payment_id",
            "kind",
            unique=True,
            sqlite_where=text("payment_id IS NOT NULL"),
            postgresql_where=text("payment_id IS NOT NULL"),
        ),
    )

    payment_id: Mapped[UUID | None] = mapped_column(ForeignKey("payments.id"), default=None)
    kind: Mapped[str] = mapped_column(String(12))  # receipt, refund, spending, flow
    purpose: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True), index=True)
    reverses_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("ledger_postings.id"), unique=True, default=None
    )


class LedgerEntry(UUIDBase):
    """One line of a posting: a debit or a credit of one fund account, in fen."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint(
            "(debit_fen > 0 AND credit_fen = 0) OR (debit_fen = 0 AND credit_fen > 0)",
            name="one_side",
        ),
    )

    posting_id: Mapped[UUID] = mapped_column(ForeignKey("ledger_postings.id"), index=True)
    account_code: Mapped[str] = mapped_column(ForeignKey("fund_accounts.code"), index=True)
    debit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_fen: Mapped[int] = mapped_column(BigInteger, default=0)


class SandboxOrder(UUIDAuditBase):
    """The sandbox gateway's own record of an order (its side, not the portal's): what the
    merchant asked for, whether it was paid, and its notification's deliveries."""

    __tablename__ = "sandbox_gateway_orders"
    __table_args__ = (
        Index("ux_sandbox_orders_merchant_reference", "merchant", "reference", unique=True),
    )

    merchant: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(200))
    notify_url: Mapped[str] = mapped_column(String(300))
    return_url: Mapped[str] = mapped_column(String(300))
    expires_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    state: Mapped[str] = mapped_column(String(12))  # awaiting, paid, closed, refunded
    transaction_id: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    paid_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Deliveries of the notification: due again at notify_due_at until acknowledged (then as
    # many extra copies as the gateway sends anyway).
    notify_due_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), index=True, default=None
    )
    notify_attempts: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_at: Mapped[datetime | None] = mapped_column(
        DateTimeUTC(timezone=True), default=None
    )
    extra_copies: Mapped[int] = mapped_column(Integer, default=0)
    refund_reference: Mapped[str | None] = mapped_column(String(64), default=None)
    refunded_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)


class Enrolment(UUIDAuditBase):
    """An enrolment (参保登记) in a residents' scheme made here, for the person or by a holder
    for a family member (app/domain/insurance.py): from its first year, at the hukou place's
    agency. One per person, scheme and first year, held by the database, so a double submit or
    requests sent at once make one."""

    __tablename__ = "enrolments"
    __table_args__ = (
        Index("ux_enrolments_person_scheme_year", "person_id", "scheme", "first_year", unique=True),
    )

    person_id: Mapped[UUID] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    scheme: Mapped[str] = mapped_column(String(20))  # resident_medical or resident_pension
    first_year: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(6))
    waiting_months: Mapped[int] = mapped_column(Integer, default=0)
    enrolled_on: Mapped[date] = mapped_column(Date)
    enrolled_by_person_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), default=None
    )

"""Starting a payment (issue 14 points 1-3; domain-rules §8): what a subject can pay, and the
payment made idempotently from its form.

The same idempotency key with the same content gives the same payment; with other content, or
while the first request with it is still in progress, it is refused (409). Deduplication is held
by the database: the key is a primary key, and a bill has at most one open payment (a second tab
finds the first) and at most one that stands (a second confirmed payment is refunded).
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from app.adapters.clock import utcnow
from app.adapters.payments import Order, PaymentProvider
from app.db.payments import payment_view
from app.domain.funds import Fund, fund_for
from app.domain.payments import PaymentState, Purpose, content_digest, to_fen
from app.domain.premiums import (
    collection_window,
    in_window,
    resident_medical_premium,
    waiting_months,
)
from app.domain.views import AidView, Holder, PaymentView
from app.services import insured, mutual_aid
from app.services.context import UnitOfWork
from app.services.subject import Subject

NOTIFY_PATH = "/payments/notify"


class Conflict(Exception):
    """409: the key was used for something else, or its first request is still in progress."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "different_content" or "in_progress"


class AlreadyPaid(Exception):
    def __init__(self, payment_id: UUID) -> None:
        super().__init__(str(payment_id))
        self.payment_id = payment_id


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """What a payment form asks for, checked against the rules."""

    purpose: Purpose
    bill: str  # the same for every attempt at paying the same thing
    fund: Fund
    amount_fen: int
    coverage_year: int | None = None
    period_month: int | None = None
    grade: int | None = None
    base_fen: int | None = None
    waiting_months: int | None = None
    # Where the money goes inside its fund, when it is split; a bill's parts (fen).
    personal_fen: int | None = None
    pooled_fen: int | None = None
    total_fen: int | None = None
    other_fen: int | None = None
    own_fen: int | None = None  # a bill's part from the patient's own account
    aid_fen: int | None = None  # and from a family mutual aid quota
    aid_link_id: UUID | None = None
    medical_bill_id: UUID | None = None
    bill_reference: str | None = None

    def digest(self, subject: Subject) -> str:
        return content_digest(
            str(subject.person.id),
            self.purpose.value,
            self.bill,
            str(self.amount_fen),
            str(self.coverage_year or ""),
            str(self.period_month or ""),
            str(self.grade or ""),
            str(self.base_fen or ""),
            f"{self.own_fen or 0}/{self.aid_fen or 0}/{self.aid_link_id or ''}",
        )


# --- what can be paid --------------------------------------------------------------------------


class PremiumStatus(enum.StrEnum):
    PAYABLE = "payable"
    UNPUBLISHED = "unpublished"  # the year's standard is not yet published
    PAID = "paid"
    EMPLOYEE_INSURED = "employee_insured"  # in the employee scheme: no residents' premium


@dataclass(frozen=True, slots=True)
class PremiumOffer:
    year: int
    status: PremiumStatus
    amount: Decimal | None
    waiting_months: int
    window: tuple[date, date]
    in_window: bool
    payment_id: UUID | None = None  # the payment that paid it

    @property
    def payable(self) -> bool:
        return self.status is PremiumStatus.PAYABLE


def premium_bill(subject: Subject, year: int) -> str:
    return f"{Purpose.RESIDENT_MEDICAL_PREMIUM.value}:{subject.person.id}:{year}"


async def employee_insured(uow: UnitOfWork, subject: Subject, today: date) -> bool:
    return await insured.employee_insured(uow, subject.person, today)


async def premium_offers(uow: UnitOfWork, subject: Subject, today: date) -> list[PremiumOffer]:
    """The residents' medical premium of this coverage year and the next, each with what stops
    it being paid, or its amount and the waiting period if paid today."""
    policy = uow.policy
    covered = await uow.contributions.paid_years(subject.person.id, "medical", "resident")
    employee = await employee_insured(uow, subject, today)
    offers = []
    for year in (today.year, today.year + 1):
        amount = resident_medical_premium(year, policy)
        window = collection_window(year, policy.medical_collection_window)
        wait = waiting_months(year, today, covered, subject.person.birth_date, policy)
        paid = await uow.payments.paid_for_bill(premium_bill(subject, year))
        if employee:
            status = PremiumStatus.EMPLOYEE_INSURED
        elif year in covered or paid is not None:
            status = PremiumStatus.PAID
        elif amount is None:
            status = PremiumStatus.UNPUBLISHED
        else:
            status = PremiumStatus.PAYABLE
        offers.append(
            PremiumOffer(
                year=year,
                status=status,
                amount=amount,
                waiting_months=wait,
                window=window,
                in_window=in_window(year, today, policy.medical_collection_window),
                payment_id=paid.id if paid else None,
            )
        )
    return offers


@dataclass(frozen=True, slots=True)
class PremiumChoice:
    offer: PremiumOffer
    request: PaymentRequest | None  # None: it cannot be paid (the offer says why)


async def premium_choice(
    uow: UnitOfWork, subject: Subject, year: int, today: date
) -> PremiumChoice | None:
    """The premium of `year` as offered, and its payment if it can be paid; None for a year
    not offered."""
    offer = next((o for o in await premium_offers(uow, subject, today) if o.year == year), None)
    if offer is None:
        return None
    if not offer.payable or offer.amount is None:
        return PremiumChoice(offer, None)
    purpose = Purpose.RESIDENT_MEDICAL_PREMIUM
    premium = to_fen(offer.amount)
    link = await aid_for(uow, subject)
    aid = min(premium, link.left_fen) if link else 0
    request = PaymentRequest(
        purpose=purpose,
        bill=premium_bill(subject, year),
        fund=fund_for(purpose.value),
        amount_fen=premium - aid,
        total_fen=premium,
        coverage_year=year,
        waiting_months=offer.waiting_months,
        aid_fen=aid or None,
        aid_link_id=link.id if link and aid else None,
    )
    return PremiumChoice(offer, request)


async def aid_for(uow: UnitOfWork, subject: Subject) -> AidView | None:
    """The family mutual aid quota that helps this person: the acting holder's, else another
    giver's (§9: it pays a close relative's self-paid costs and residents' premiums)."""
    links = await uow.aid_links.for_relative(subject.person.id)
    links = await mutual_aid.standing(uow, links, utcnow())
    mine = [link for link in links if link.giver_person_id == subject.holder.id]
    return next(iter(mine or links), None)


# --- creating the payment ----------------------------------------------------------------------


async def _by_key(uow: UnitOfWork, account: Holder, key: str, digest: str) -> PaymentView | None:
    found = await uow.payment_keys.get(account.account_id, key)
    if found is None:
        return None
    if found.content_digest != digest:
        raise Conflict("different_content")
    if found.payment_id is None:
        raise Conflict("in_progress")
    view = await uow.payments.view(found.payment_id)
    if view is None:  # pragma: no cover - a key only ever names a payment that exists
        raise Conflict("in_progress")
    return view


async def create(
    uow: UnitOfWork,
    account: Holder,
    subject: Subject,
    asked: PaymentRequest,
    key: str,
    provider: PaymentProvider,
    now: datetime,
    *,
    on_created: Callable[[PaymentView], Awaitable[None]] | None = None,
) -> PaymentView:
    """The payment for this form: the one its key already made, the one open for the same bill,
    or a new one (on_created: what else starting it takes, in the same transaction). Raises
    Conflict (409) or AlreadyPaid."""
    digest = asked.digest(subject)
    earlier = await _by_key(uow, account, key, digest)
    if earlier is not None:
        return earlier
    expires = now + timedelta(hours=uow.policy.idempotency_key_hours)
    if not await uow.payment_keys.claim(account.account_id, key, digest, expires):
        # The same key at the same moment: its first request decides.
        earlier = await _by_key(uow, account, key, digest)
        if earlier is None:  # pragma: no cover - _by_key raises while it is in progress
            raise Conflict("in_progress")
        return earlier
    payment, new = await _payment_for_bill(uow, account, subject, asked, digest, provider, now)
    if new and on_created is not None:
        await on_created(payment)
    await uow.payment_keys.link(account.account_id, key, payment.id)
    return payment


async def _payment_for_bill(
    uow: UnitOfWork,
    account: Holder,
    subject: Subject,
    asked: PaymentRequest,
    digest: str,
    provider: PaymentProvider,
    now: datetime,
) -> tuple[PaymentView, bool]:
    """The open payment of the bill (new: True when this request made it)."""
    paid = await uow.payments.paid_for_bill(asked.bill)
    if paid is not None:
        raise AlreadyPaid(paid.id)
    new_id = await uow.payments.add_open(
        {
            "id": uuid4(),
            "holder_account_id": account.account_id,
            "payer_person_id": account.person_id,
            "beneficiary_person_id": subject.person.id,
            "purpose": asked.purpose.value,
            "bill": asked.bill,
            "fund": asked.fund.value,
            "amount_fen": asked.amount_fen,
            "coverage_year": asked.coverage_year,
            "period_month": asked.period_month,
            "grade": asked.grade,
            "base_fen": asked.base_fen,
            "waiting_months": asked.waiting_months,
            "personal_fen": asked.personal_fen,
            "pooled_fen": asked.pooled_fen,
            "total_fen": asked.total_fen,
            "other_fen": asked.other_fen,
            "own_fen": asked.own_fen,
            "aid_fen": asked.aid_fen,
            "aid_link_id": asked.aid_link_id,
            "medical_bill_id": asked.medical_bill_id,
            "bill_reference": asked.bill_reference,
            "content_digest": digest,
            "state": PaymentState.CREATED.value,
            "provider": provider.name,
            "expires_at": now + timedelta(minutes=uow.policy.payment_expiry_minutes),
        }
    )
    if new_id is None:  # open already (another tab, or an earlier visit): the same payment
        open_one = await uow.payments.open_for_bill(asked.bill)
        if open_one is None or open_one.content_digest != digest:
            raise Conflict("in_progress")
        return payment_view(open_one), False
    # Audited for oneself too: money moves.
    uow.audit.record(
        "payment.started",
        at=now,
        actor=account.person_id,
        subject=subject.person.id,
        detail=f"purpose={asked.purpose.value} amount_fen={asked.amount_fen}",
    )
    created = await uow.payments.view(new_id)
    assert created is not None
    return created, True


def order_for(payment: PaymentView, base: str, site: str, provider: PaymentProvider) -> Order:
    """What the provider is asked to collect; its page sends the browser back to the
    payment's own page, which waits for the provider's server to confirm."""
    return Order(
        reference=payment.reference,
        amount_fen=payment.amount_fen,
        description=f"{payment.purpose} {payment.coverage_year or ''}".strip(),
        notify_url=f"{site}{NOTIFY_PATH}/{provider.name}",
        return_url=f"{base}/payments/{payment.id}",
        expires_at=payment.expires_at,
    )


async def of_subject(uow: UnitOfWork, subject: Subject) -> list[PaymentView]:
    return await uow.payments.of_beneficiary(subject.person.id)


async def one(uow: UnitOfWork, subject: Subject, payment_id: UUID) -> PaymentView | None:
    """The payment only if it is for this subject: anyone else's looks like none."""
    found = await uow.payments.view(payment_id)
    if found is None or found.beneficiary_person_id != subject.person.id:
        return None
    return found


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a receipt shows: who paid, for whom (masked), what for, into which fund, when, and
    the provider's reference."""

    payment: PaymentView
    payer_name: str
    beneficiary_name: str
    beneficiary_masked_id: str
    # The entries its booking posted: (fund, account, debit fen, credit fen).
    entries: list[tuple[str, str, int, int]]


async def receipt(uow: UnitOfWork, subject: Subject, payment_id: UUID) -> Receipt | None:
    """Only for a payment of this subject that was booked."""
    payment = await one(uow, subject, payment_id)
    if payment is None or payment.paid_at is None:
        return None
    payer = await uow.views.person(payment.payer_person_id)
    posting = await uow.ledger.posting_of(payment.id, "receipt")
    posting = posting or await uow.ledger.posting_of(payment.id, "spending")
    entries = await uow.ledger.lines_of(posting) if posting else []
    return Receipt(
        payment=payment,
        payer_name=payer.name if payer else "",
        beneficiary_name=subject.person.name,
        beneficiary_masked_id=uow.masked_id_of(subject.person),
        entries=entries,
    )

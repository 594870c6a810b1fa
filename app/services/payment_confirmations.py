"""What the provider's server says about a payment, and what the portal does with it
(domain-rules §8): a verified notification or a verified query confirms money; nothing else does.

- A first "paid" books the payment: its state moves forward once (a conditional update), its
  balanced entries go to the fund its purpose is earmarked for (once: a unique index on the
  payment's receipt), and a premium is recorded on the person's contributions.
- A repeated notification (at least once, possibly more, possibly out of order) changes nothing
  and is answered 2xx, so the provider stops sending it.
- A forged one, or one whose merchant or amount is not the payment's, is refused and logged.
- A genuine payment of an expired order, or a second payment of a bill already paid, is booked
  and then refunded (refunds.py), with reversing entries.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from uuid import UUID

from app.adapters.payments import (
    ForgedNotification,
    PaymentProvider,
    ProviderPayment,
    ProviderUnavailable,
)
from app.db.models import ContributionRecord, Payment
from app.domain.funds import Fund
from app.domain.ledger import (
    Account,
    Posting,
    bill_spending,
    flow,
    receipt,
    split_receipt,
)
from app.domain.payments import (
    SETTLED,
    Confirmation,
    PaymentState,
    Purpose,
    from_fen,
    mismatch,
    on_paid,
)
from app.services import medical_bills
from app.services.context import UnitOfWork

log = logging.getLogger(__name__)
ATTEMPTS = 3  # a race lost on the payment's row is looked at again this often
CONFIRMED, REFUND_DUE = "payment.confirmed", "payment.refund_due"
BILL_PURPOSES = {
    Fund.EMP_MEDICAL: "employee_medical_bill",
    Fund.RES_MEDICAL: "resident_medical_bill",
}


class Outcome(enum.StrEnum):
    BOOKED = "booked"
    REFUNDING = "refunding"  # booked, and its money goes back
    ALREADY_DONE = "already_done"  # a repeated notice
    NOTED = "noted"  # not paid (yet): pending, or closed at the provider
    REFUSED = "refused"  # forged, or not this payment's merchant or amount

    @property
    def acknowledged(self) -> bool:
        """Whether the provider gets 2xx (and stops sending)."""
        return self is not Outcome.REFUSED


def _refused(uow: UnitOfWork, now: datetime, reason: str, reference: str = "") -> Outcome:
    # Never the body: it may hold anything an attacker chose to send.
    log.warning("payment notice refused: %s %s", reason, reference[:64])
    uow.audit.record(
        "payment.notice_refused", at=now, actor=None, detail=f"reason={reason} ref={reference[:64]}"
    )
    return Outcome.REFUSED


async def on_notification(
    uow: UnitOfWork,
    provider: PaymentProvider,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
) -> Outcome:
    """A notification as it arrived: verified on its raw body first."""
    try:
        notice = provider.read_notification(headers, body)
    except ForgedNotification:
        return _refused(uow, now, "forged")
    return await on_provider_word(uow, provider, notice, now, via="notification")


async def on_provider_word(
    uow: UnitOfWork, provider: PaymentProvider, word: ProviderPayment, now: datetime, *, via: str
) -> Outcome:
    """A verified notification or query answer about one order."""
    payment = await uow.payments.by_reference(word.reference)
    if payment is None or payment.provider != provider.name:
        return _refused(uow, now, "unknown_order", word.reference)
    problem = mismatch(
        merchant=word.merchant,
        expected_merchant=provider.merchant,
        amount_fen=word.amount_fen,
        expected_fen=payment.amount_fen,
    )
    if problem is not None:
        return _refused(uow, now, problem.value, word.reference)
    if word.status == "pending":
        return Outcome.NOTED
    if word.status == "closed":
        await uow.payments.move(
            payment.id, {PaymentState.CREATED}, PaymentState.FAILED, closed_at=now
        )
        return Outcome.NOTED
    if not word.transaction_id:
        return _refused(uow, now, "no_transaction_id", word.reference)
    return await _confirm(uow, payment, word, now, via)


async def _confirm(
    uow: UnitOfWork, payment: Payment, word: ProviderPayment, now: datetime, via: str
) -> Outcome:
    for _ in range(ATTEMPTS):
        state = PaymentState(payment.state)
        if state in SETTLED:
            return Outcome.ALREADY_DONE
        standing = await uow.payments.paid_for_bill(payment.bill)
        decision = on_paid(state, standing is not None and standing.id != payment.id)
        values = {"transaction_id": word.transaction_id, "paid_at": word.paid_at or now}
        if decision is Confirmation.BOOK:
            # Refused if another payment of the bill was confirmed first: looked at again,
            # this one is then refunded.
            moved = await uow.payments.confirm(payment.id, payment.bill, **values)
        else:
            reason = "duplicate" if state is PaymentState.CREATED else "late"
            moved = await uow.payments.move(
                payment.id, {state}, PaymentState.REFUND_DUE, refund_reason=reason, **values
            )
        if moved and decision is Confirmation.BOOK_AND_REFUND and state is PaymentState.CREATED:
            await _give_back(uow, payment.id)  # it will not stand (a late one gave back already)
        if moved:
            refunding = decision is Confirmation.BOOK_AND_REFUND
            await _book(uow, payment, now, via, refunding=refunding)
            return Outcome.REFUNDING if refunding else Outcome.BOOKED
        fresh = await uow.payments.get(payment.id)
        assert fresh is not None
        payment = fresh
    return Outcome.ALREADY_DONE


async def _book(
    uow: UnitOfWork, payment: Payment, now: datetime, via: str, *, refunding: bool
) -> None:
    """The payment's entries in its fund, and (unless it is to be refunded) what it paid for
    on the person's record."""
    kind, posting = booking(payment)
    if posting is not None:
        await uow.ledger.post(posting, kind, now, payment_id=payment.id)
    if not refunding:
        await _record_contribution(uow, payment)
    booked = REFUND_DUE if refunding else CONFIRMED
    uow.audit.record(
        booked,
        at=now,
        actor=None,
        subject=payment.beneficiary_person_id,
        detail=f"via={via} purpose={payment.purpose} amount_fen={payment.amount_fen}",
    )


def booking(payment: Payment) -> tuple[str, Posting | None]:
    """The balanced entries a booked payment posts in the fund its purpose is earmarked for,
    and their kind: money received, or (a medical bill) the funds' spending on it."""
    fund = Fund(payment.fund)
    if payment.purpose == Purpose.MEDICAL_BILL:
        purpose = BILL_PURPOSES[fund]
        posting = bill_spending(
            fund, payment.pooled_fen or 0, payment.own_fen or 0, payment.aid_fen or 0, purpose
        )
        return "spending", posting
    if payment.aid_fen and payment.purpose == Purpose.RESIDENT_MEDICAL_PREMIUM:
        # Mutual aid pays part of a relative's premium: a statutory flow between the funds.
        aided = flow(
            Fund.EMP_MEDICAL,
            fund,
            payment.aid_fen,
            "relative_resident_medical_premium",
            Account.PERSONAL_ACCOUNTS,
        )
        cash = (
            receipt(fund, payment.amount_fen, payment.purpose).lines if payment.amount_fen else ()
        )
        return "receipt", Posting(payment.purpose, (*cash, *aided.lines))
    if payment.purpose == Purpose.FLEXIBLE_PENSION_CONTRIBUTION:
        parts = [
            (Account.PERSONAL_ACCOUNTS, payment.personal_fen or 0),
            (Account.CONTRIBUTIONS, payment.pooled_fen or 0),
        ]
        return "receipt", split_receipt(fund, parts, payment.purpose)
    return "receipt", receipt(fund, payment.amount_fen, payment.purpose)


def record_of(payment: Payment) -> tuple[str, str, int] | None:
    """(line, scheme, month) of the contribution record a payment makes, if it makes one."""
    if payment.coverage_year is None:
        return None
    if payment.purpose == Purpose.RESIDENT_MEDICAL_PREMIUM:
        return "medical", "resident", 1
    if payment.purpose == Purpose.RESIDENT_PENSION_CONTRIBUTION:
        return "pension", "resident", 1
    if payment.purpose == Purpose.FLEXIBLE_PENSION_CONTRIBUTION and payment.period_month:
        return "pension", "employee", payment.period_month
    return None


async def _record_contribution(uow: UnitOfWork, payment: Payment) -> None:
    """What the payment paid for, on the person's record: a residents' year (12 months from
    January), or a flexible worker's month on the chosen base. A residents' pension year before
    the one it was asked in was paid back (补缴): the record says when."""
    found = record_of(payment)
    if found is None or payment.coverage_year is None:
        return
    line, scheme, month = found
    back = (
        payment.purpose == Purpose.RESIDENT_PENSION_CONTRIBUTION
        and payment.coverage_year < payment.created_at.year
    )
    paid_on = (payment.paid_at or payment.created_at).date()
    person = await uow.people.get(payment.beneficiary_person_id)
    region = (person.region_code if person else None) or ""
    await uow.contributions.add_many(
        [
            ContributionRecord(
                person_id=payment.beneficiary_person_id,
                line=line,
                scheme=scheme,
                year=payment.coverage_year,
                month=month,
                months_covered=12 if scheme == "resident" else 1,
                base=from_fen(payment.base_fen or 0),
                employer_part=from_fen(0),
                individual_part=from_fen(paid_for(payment)),
                status="paid",
                region_code=region[:6],
                back_paid_on=paid_on if back else None,
            )
        ]
    )


async def confirm_now(
    uow: UnitOfWork, provider: PaymentProvider, payment_id: UUID, now: datetime, *, gap: timedelta
) -> Outcome | None:
    """Someone is looking at an unconfirmed payment: ask the provider (a verified query, at most
    once per `gap`) rather than wait for the notification or the next round. The browser's
    return itself proves nothing. None: not asked."""
    payment = await uow.payments.get(payment_id)
    if payment is None or payment.state != PaymentState.CREATED:
        return None
    if payment.last_queried_at is not None and now - payment.last_queried_at < gap:
        return None
    try:
        word = await provider.query(payment.id.hex)
    except ProviderUnavailable as error:
        log.info("payment query failed: %s", error)
        return None
    if not await uow.payments.claim_query(payment_id, now, now - gap):
        return None  # another look just asked
    if word is None or word.status == "pending":
        if now >= payment.expires_at:
            await left_unpaid(uow, payment_id, PaymentState.EXPIRED, now)
        return Outcome.NOTED
    return await on_provider_word(uow, provider, word, now, via="query")


async def _give_back(uow: UnitOfWork, payment_id: UUID) -> None:
    view = await uow.payments.view(payment_id)
    if view is not None:
        await medical_bills.give_back(uow, view)


async def left_unpaid(uow: UnitOfWork, payment_id: UUID, to: PaymentState, now: datetime) -> bool:
    """An open payment expired or closed unpaid: what the accounts gave for it goes back."""
    if not await uow.payments.move(payment_id, {PaymentState.CREATED}, to, closed_at=now):
        return False
    await _give_back(uow, payment_id)
    return True


async def settle_from_accounts(uow: UnitOfWork, payment_id: UUID, now: datetime) -> Outcome:
    """A bill the accounts met in full: nothing for a provider to confirm, booked at once."""
    payment = await uow.payments.get(payment_id)
    if payment is None or payment.amount_fen != 0 or payment.state != PaymentState.CREATED:
        return Outcome.ALREADY_DONE
    if not await uow.payments.confirm(payment.id, payment.bill, paid_at=now):
        return Outcome.ALREADY_DONE
    await _book(uow, payment, now, "accounts", refunding=False)
    return Outcome.BOOKED


def paid_for(payment: Payment) -> int:
    """What the payment paid for in all (fen): the cash and any mutual aid."""
    return payment.amount_fen + (
        payment.aid_fen or 0 if payment.purpose != Purpose.MEDICAL_BILL else 0
    )

"""The payments' own clock: unconfirmed payments are asked about at the provider, those past
their time expire, and money due back is refunded (with reversing entries). Each server process
runs a round every `policy.payment_query_interval_seconds`; every step is idempotent.

No transaction is open while the provider is called: its answer may take a while, and the
provider may be this very application (the sandbox), writing to the same database.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from app.adapters.clock import utcnow
from app.adapters.payments import PaymentProvider, ProviderUnavailable
from app.domain.funds import Fund
from app.domain.ledger import Account, Line, Posting
from app.domain.payments import PaymentState
from app.services import payment_confirmations as confirmations
from app.services.context import UnitOfWork

log = logging.getLogger(__name__)
# A payment just made is left to its notification for a moment before it is asked about.
QUIET_SECONDS = 5


@dataclass(frozen=True, slots=True)
class Round:
    asked: int = 0
    confirmed: int = 0
    refunded: int = 0


async def ask(
    new_uow: Callable[[], UnitOfWork],
    provider: PaymentProvider,
    payment_id: UUID,
    now: datetime,
    *,
    not_since: datetime,
) -> confirmations.Outcome | None:
    """Ask the provider about one unconfirmed payment and act on its verified answer; expire it
    if the provider has no payment and its time is up. None: not asked (someone else just did,
    or it is confirmed already, or the provider did not answer)."""
    uow = new_uow()
    try:
        if not await uow.payments.claim_query(payment_id, now, not_since):
            return None
        payment = await uow.payments.get(payment_id)
        assert payment is not None
        reference, expires_at = payment.id.hex, payment.expires_at
        await uow.commit()
        try:
            word = await provider.query(reference)
        except ProviderUnavailable as error:
            log.info("payment query failed, asking again later: %s", error)
            return None
        if word is None or word.status == "pending":
            if now >= expires_at:
                await confirmations.left_unpaid(uow, payment_id, PaymentState.EXPIRED, now)
                await uow.commit()
            return confirmations.Outcome.NOTED
        outcome = await confirmations.on_provider_word(uow, provider, word, now, via="query")
        await uow.commit()
        return outcome
    finally:
        await uow.db.close()


async def refund(
    new_uow: Callable[[], UnitOfWork], provider: PaymentProvider, payment_id: UUID, now: datetime
) -> bool:
    """Return the money of a payment whose refund is due: ask the provider (idempotent on the
    refund's reference), then reverse its entries. False: not yet (try again next round)."""
    uow = new_uow()
    try:
        payment = await uow.payments.get(payment_id)
        if payment is None or payment.state != PaymentState.REFUND_DUE:
            return False
        reference, amount = payment.id.hex, payment.amount_fen
        await uow.commit()
        try:  # nothing went through the provider when the accounts met it all
            done = amount == 0 or await provider.refund(reference, f"R{reference}", amount)
        except ProviderUnavailable as error:
            log.info("refund not made yet, trying again later: %s", error)
            return False
        if not done:
            log.warning("the provider refused the refund of %s", reference)
            return False
        if not await uow.payments.move(
            payment_id, {PaymentState.REFUND_DUE}, PaymentState.REFUNDED, refunded_at=now
        ):
            return False  # another round refunded it meanwhile
        await _reverse(uow, payment_id, now)
        await _unrecord(uow, payment_id)
        uow.audit.record(
            "payment.refunded",
            at=now,
            actor=None,
            subject=payment.beneficiary_person_id,
            detail=f"reason={payment.refund_reason} amount_fen={amount}",
        )
        await uow.commit()
        return True
    finally:
        await uow.db.close()


async def _reverse(uow: UnitOfWork, payment_id: UUID, now: datetime) -> None:
    """The refund reverses what was booked, line by line: a new posting; the receipt itself
    stays as it was."""
    receipt_id = await uow.ledger.posting_of(payment_id, "receipt")
    receipt_id = receipt_id or await uow.ledger.posting_of(payment_id, "spending")
    if receipt_id is None:  # a bill the funds paid nothing of: nothing to reverse
        return
    lines = tuple(
        Line(Fund(fund), Account(account), debit=debit, credit=credit)
        for fund, account, debit, credit in await uow.ledger.lines_of(receipt_id)
    )
    purpose = await uow.ledger.purpose_of(receipt_id)
    original = Posting(purpose, lines)
    await uow.ledger.post(
        original.reversing(), "refund", now, payment_id=payment_id, reverses_id=receipt_id
    )


async def _unrecord(uow: UnitOfWork, payment_id: UUID) -> None:
    """What a refunded payment that stood had paid for is no longer paid (a staff refund; a
    late or second payment was never recorded)."""
    payment = await uow.payments.get(payment_id)
    if payment is None or payment.refund_reason != "staff" or payment.coverage_year is None:
        return
    found = confirmations.record_of(payment)
    if found is None:
        return
    line, scheme, month = found
    await uow.contributions.mark_refunded(
        payment.beneficiary_person_id,
        line,
        scheme,
        payment.coverage_year,
        month,
        confirmations.paid_for(payment),
    )


async def refund_due(
    new_uow: Callable[[], UnitOfWork], provider: PaymentProvider, now: datetime
) -> int:
    uow = new_uow()
    try:
        due = await uow.payments.refunds_due()
    finally:
        await uow.db.close()
    return sum([await refund(new_uow, provider, payment_id, now) for payment_id in due])


async def run_round(
    new_uow: Callable[[], UnitOfWork], provider: PaymentProvider, now: datetime
) -> Round:
    interval = timedelta(seconds=new_uow().policy.payment_query_interval_seconds)
    uow = new_uow()
    try:
        unconfirmed = await uow.payments.unconfirmed(now - timedelta(seconds=QUIET_SECONDS))
        await uow.payment_keys.purge(now)
        await uow.commit()
    finally:
        await uow.db.close()
    asked = confirmed = 0
    for payment_id in unconfirmed:
        outcome = await ask(new_uow, provider, payment_id, now, not_since=now - interval / 2)
        asked += outcome is not None
        confirmed += outcome in {confirmations.Outcome.BOOKED, confirmations.Outcome.REFUNDING}
    refunded = await refund_due(new_uow, provider, now)
    return Round(asked, confirmed, refunded)


async def _stopped_within(stopping: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(stopping.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def keep_confirming(
    new_uow: Callable[[], UnitOfWork],
    provider: PaymentProvider,
    interval_seconds: float,
    stopping: asyncio.Event,
    *,
    also: Callable[[datetime], Awaitable[object]] | None = None,
) -> None:
    """A round every interval until `stopping` is set (each process runs it: every step is
    claimed or conditional). `also`: the sandbox gateway's own round (its deliveries), when it
    runs here. A failure is logged and the next round tries again."""
    while not await _stopped_within(stopping, interval_seconds):
        try:
            if also is not None:
                await also(utcnow())
            done = await run_round(new_uow, provider, utcnow())
            if done.asked or done.refunded:
                log.info("payments round: %s", done)
        except Exception:
            log.exception("payments round failed; trying again at the next interval")

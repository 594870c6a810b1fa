"""Medical and pharmacy bills (issue 14 points 1 and 5; domain-rules §8, §9).

A designated clinic or pharmacy sends the bill split into pooled fund, personal account, other
and cash, in fen. The self-paid part (personal account + cash) is met from the patient's own
personal medical account first, then a family mutual aid quota, and only the rest is paid in
cash through a provider. The fund parts are fund spending, posted when the bill is settled; the
cash part is not fund money.

What the accounts give is taken when the payment is started (a conditional update: never more
than is left) and given back if the payment expires or fails, or is refunded.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from app.adapters.payments import PaymentProvider
from app.db.models import MedicalBill
from app.domain.funds import fund_for
from app.domain.mutual_aid import settle
from app.domain.payments import MedicalBill as Bill
from app.domain.payments import PaymentState, Purpose
from app.domain.views import AidView, Holder, MedicalBillView, PaymentView
from app.services import payments
from app.services.context import UnitOfWork
from app.services.payments import PaymentRequest
from app.services.subject import Subject

KINDS = ("clinic", "pharmacy")


class SettlementChanged(Exception):
    """The accounts no longer hold what the check page showed: check again."""


@dataclass(frozen=True, slots=True)
class BillChoice:
    bill: MedicalBillView
    own_fen: int  # from the patient's own personal medical account
    aid_fen: int  # from a family mutual aid quota
    cash_fen: int  # through the provider
    link: AidView | None
    paid_by: UUID | None  # the payment that settled it

    @property
    def payable(self) -> bool:
        return self.paid_by is None


def bill_key(bill: MedicalBillView) -> str:
    return f"{Purpose.MEDICAL_BILL.value}:{bill.id}"


async def receive(
    uow: UnitOfWork,
    person_id: UUID,
    bill: Bill,
    *,
    provider_name: str,
    kind: str,
    scheme: str,
    now: datetime,
) -> MedicalBill:
    """A bill as the clinic sends it (its parts already checked to add up)."""
    if kind not in KINDS or scheme not in {"employee", "resident"}:
        raise ValueError("a bill is a clinic's or a pharmacy's, in one of the two schemes")
    row = MedicalBill(
        person_id=person_id,
        reference=bill.reference,
        provider_name=provider_name,
        kind=kind,
        scheme=scheme,
        total_fen=bill.total,
        pooled_fen=bill.pooled,
        personal_fen=bill.personal,
        other_fen=bill.other,
        cash_fen=bill.cash,
        issued_at=now,
    )
    return await uow.medical_bills.add(row)


async def choice(uow: UnitOfWork, subject: Subject, bill_id: UUID) -> BillChoice | None:
    bill = await uow.medical_bills.one(bill_id, subject.person.id)
    if bill is None:
        return None
    settled = await uow.payments.paid_for_bill(bill_key(bill))
    account = await uow.medical_accounts.get(subject.person.id)
    own_left = account.balance_fen - account.set_aside_fen if account else 0
    link = await payments.aid_for(uow, subject)
    self_paid = bill.personal_fen + bill.cash_fen
    split = settle(Decimal(self_paid), Decimal(own_left), Decimal(link.left_fen if link else 0))
    return BillChoice(
        bill=bill,
        own_fen=int(split.own),
        aid_fen=int(split.aid),
        cash_fen=int(split.cash),
        link=link if split.aid else None,
        paid_by=settled.id if settled else None,
    )


async def bills_of(uow: UnitOfWork, subject: Subject) -> list[BillChoice]:
    found = []
    for bill in await uow.medical_bills.of_person(subject.person.id):
        chosen = await choice(uow, subject, bill.id)
        if chosen is not None:
            found.append(chosen)
    return found


def request_for(chosen: BillChoice) -> PaymentRequest:
    bill = chosen.bill
    purpose = f"{bill.scheme}_medical_bill"
    return PaymentRequest(
        purpose=Purpose.MEDICAL_BILL,
        bill=bill_key(bill),
        fund=fund_for(purpose),
        amount_fen=chosen.cash_fen,
        total_fen=bill.total_fen,
        pooled_fen=bill.pooled_fen,
        personal_fen=bill.personal_fen,
        other_fen=bill.other_fen,
        own_fen=chosen.own_fen,
        aid_fen=chosen.aid_fen,
        aid_link_id=chosen.link.id if chosen.link else None,
        medical_bill_id=bill.id,
        bill_reference=bill.reference,
    )


async def reserve(uow: UnitOfWork, payment: PaymentView) -> None:
    """Take what the accounts give when the payment starts; SettlementChanged if they no
    longer hold it."""
    if payment.own_fen and not await uow.medical_accounts.spend(
        payment.beneficiary_person_id, payment.own_fen
    ):
        raise SettlementChanged
    if payment.aid_fen and payment.aid_link_id:
        link = await uow.aid_links.by_id(payment.aid_link_id)
        if link is None or not await uow.aid_links.use(payment.aid_link_id, payment.aid_fen):
            raise SettlementChanged
        await uow.medical_accounts.spend_set_aside(link.giver_person_id, payment.aid_fen)


async def give_back(uow: UnitOfWork, payment: PaymentView) -> None:
    """The payment did not stand (expired, failed, refunded): the accounts get back what they
    gave; the quota too, while the aid lasts (else the giver's balance)."""
    if payment.own_fen:
        await uow.medical_accounts.give_back(payment.beneficiary_person_id, payment.own_fen)
    if payment.aid_fen and payment.aid_link_id:
        link = await uow.aid_links.by_id(payment.aid_link_id)
        if link is None:
            return
        await uow.medical_accounts.give_back(link.giver_person_id, payment.aid_fen)
        if link.ended_at is None:
            await uow.aid_links.unuse(link.id, payment.aid_fen)
            await uow.medical_accounts.set_aside(link.giver_person_id, payment.aid_fen)


def settled_at_once(payment: PaymentView) -> bool:
    """Nothing left in cash: the accounts met it all, no provider is involved."""
    return payment.amount_fen == 0 and payment.state == PaymentState.CREATED


def takes_from_accounts(asked: PaymentRequest) -> bool:
    return bool(asked.own_fen or asked.aid_fen)


async def start_payment(
    uow: UnitOfWork,
    account: Holder,
    subject: Subject,
    asked: PaymentRequest,
    key: str,
    provider: PaymentProvider,
    now: datetime,
) -> PaymentView:
    """A payment partly met from the accounts (a bill, a premium with mutual aid), their parts
    taken in the same transaction; if they no longer hold them, nothing of it stands (the key
    and the payment are rolled back) and SettlementChanged is raised."""

    async def take(created: PaymentView) -> None:
        await reserve(uow, created)

    try:
        return await payments.create(
            uow, account, subject, asked, key, provider, now, on_created=take
        )
    except SettlementChanged:
        await uow.rollback()
        raise

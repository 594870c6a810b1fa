"""Money given back by a decision (issue 14 point 7): service-centre staff refund a booked
payment (a medical bill charged in error, say). The refund itself is made like every other one
(payment_rounds.refund): the provider returns the money, then reversing entries are posted;
no row is edited."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.domain.payments import PaymentState
from app.domain.views import PaymentView
from app.services import medical_bills
from app.services.context import UnitOfWork


class NotRefundable(Exception):
    """Only a payment that stands (paid and booked) can be refunded."""


async def refund_by_staff(
    uow: UnitOfWork, payment_id: UUID, now: datetime, *, staff_id: UUID | None, detail: str = ""
) -> PaymentView:
    payment = await uow.payments.get(payment_id)
    if payment is None or payment.state != PaymentState.PAID:
        raise NotRefundable
    if not await uow.payments.move(
        payment_id, {PaymentState.PAID}, PaymentState.REFUND_DUE, refund_reason="staff"
    ):
        raise NotRefundable  # refunded by another decision at the same moment
    uow.audit.record(
        "payment.refund_requested",
        at=now,
        actor=None,
        staff=staff_id,
        subject=payment.beneficiary_person_id,
        detail=f"purpose={payment.purpose} amount_fen={payment.amount_fen} {detail}"[:300],
    )
    view = await uow.payments.view(payment_id)
    assert view is not None
    await medical_bills.give_back(uow, view)  # a bill's accounts get back what they gave
    return view

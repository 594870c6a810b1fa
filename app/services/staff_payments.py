"""Service-centre staff and payments (issue 14 point 7): find a payment by its order reference
(only of people their region serves: anyone else's is not found) and refund a booked one, with
the reason, as reversing entries (payment_refunds, then the refund round)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.domain.views import PaymentView, StaffView
from app.services import payment_refunds
from app.services.context import UnitOfWork

REASON_MAX = 200


class NotTheirs(Exception):
    """Unknown, or a person another region serves: the same from outside."""


@dataclass(frozen=True, slots=True)
class StaffPaymentView:
    payment: PaymentView
    person_name: str
    masked_id: str

    @property
    def refundable(self) -> bool:
        return self.payment.state == "paid"


async def find(uow: UnitOfWork, staff: StaffView, reference: str) -> StaffPaymentView:
    found = await uow.payments.by_reference(reference.strip().replace("-", "").lower())
    if found is None:
        raise NotTheirs
    return await one(uow, staff, found.id)


async def one(uow: UnitOfWork, staff: StaffView, payment_id: UUID) -> StaffPaymentView:
    payment = await uow.payments.view(payment_id)
    if payment is None:
        raise NotTheirs
    person = await uow.views.person(payment.beneficiary_person_id)
    if person is None or not (person.region_code or "").startswith(staff.region_prefix):
        raise NotTheirs
    return StaffPaymentView(payment, person.name, uow.masked_id_of(person))


async def refund(
    uow: UnitOfWork, staff: StaffView, payment_id: UUID, reason: str, now: datetime
) -> PaymentView:
    """Raises NotTheirs, or payment_refunds.NotRefundable (not booked, or refunded already)."""
    await one(uow, staff, payment_id)
    refunded = await payment_refunds.refund_by_staff(
        uow, payment_id, now, staff_id=staff.id, detail=reason[:REASON_MAX]
    )
    return refunded

"""Service-centre staff and the money (issue 14 points 4 and 7):

- /staff/funds                 the funds' books: each account's debits and credits, whether each
                               fund balances, the latest entries (?fund= one fund's)
- /staff/payments?reference=   find a payment by its order reference (a person the region serves)
- /staff/payments/{id}         the payment, and a refund of a booked one with its reason
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.domain.funds import Fund
from app.domain.views import StaffView
from app.routes.deps import refund_soon
from app.routes.forms import read_form
from app.routes.i18n import _
from app.routes.staff import provide_staff
from app.routes.web import FormErrors, page, see_other
from app.services import fund_report, payment_refunds, staff_payments
from app.services.context import UnitOfWork

FUNDS = tuple(f.value for f in Fund)
REFERENCE_MAX = 40


class StaffFundsController(Controller):
    path = "/staff"
    dependencies = {"staff": Provide(provide_staff)}

    @get("/funds")
    async def funds(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
    ) -> Response[str]:
        fund = request.query_params.get("fund")
        chosen = fund if fund in FUNDS else None
        context = {
            "staff": staff,
            "report": await fund_report.report(uow, chosen),
            "chosen": chosen,
            "funds": FUNDS,
        }
        return page(request, "pages/staff/funds.html", context)

    @get("/payments")
    async def find(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
    ) -> Response[Any]:
        reference = (request.query_params.get("reference") or "").strip()[: REFERENCE_MAX + 1]
        context: dict[str, Any] = {
            "staff": staff,
            "values": {"reference": reference[:REFERENCE_MAX]},
        }
        if not reference:
            return page(request, "pages/staff/payments.html", context)
        try:
            found = await staff_payments.find(uow, staff, reference)
        except staff_payments.NotTheirs:
            errors = FormErrors()
            errors.add(
                "reference",
                _("No payment with this order reference for a person your centre serves"),
            )
            return page(
                request, "pages/staff/payments.html", context | {"errors": errors}, status=422
            )
        return see_other(f"/staff/payments/{found.payment.id}")

    @get("/payments/{payment_id:uuid}")
    async def payment(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        payment_id: FromPath[UUID],
    ) -> Response[str]:
        return await _payment_page(request, uow, staff, payment_id, FormErrors(), {})

    @post("/payments/{payment_id:uuid}")
    async def refund(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        payment_id: FromPath[UUID],
    ) -> Response[Any]:
        values = await read_form(request)
        reason = values.get("reason", "").strip()
        errors = FormErrors()
        if not reason:
            errors.add("reason", _("Give the reason for the refund"))
        elif len(reason) > staff_payments.REASON_MAX:
            errors.add(
                "reason",
                _("This must be {limit} characters or fewer").format(
                    limit=staff_payments.REASON_MAX
                ),
            )
        status = 422
        if not errors:
            try:
                await staff_payments.refund(uow, staff, payment_id, reason, utcnow())
            except staff_payments.NotTheirs:
                raise NotFoundException from None
            except payment_refunds.NotRefundable:
                status = 409
                errors.add(
                    "reason",
                    _(
                        "Only a payment that stands can be refunded: this one is not paid, or is refunded already"
                    ),
                )
            else:
                refund_soon(request.app, uow)
                return see_other(f"/staff/payments/{payment_id}?done=refund")
        shown = {"reason": reason[: staff_payments.REASON_MAX + 50]}
        return await _payment_page(request, uow, staff, payment_id, errors, shown, status=status)


async def _payment_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    staff: StaffView,
    payment_id: UUID,
    errors: FormErrors,
    values: dict[str, str],
    *,
    status: int = 200,
) -> Response[str]:
    try:
        found = await staff_payments.one(uow, staff, payment_id)
    except staff_payments.NotTheirs:
        raise NotFoundException from None
    done = request.query_params.get("done") == "refund"
    context = {
        "staff": staff,
        "found": found,
        "p": found.payment,
        "errors": errors,
        "values": values,
        "notice": _(
            "The refund is being made: the provider returns the money, then reversing entries are posted."
        )
        if done
        else None,
    }
    return page(request, "pages/staff/payment.html", context, status=status)

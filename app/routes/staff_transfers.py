"""The agencies' side of a transfer (issue 13 point 7): /staff/transfers lists the transfers
waiting on the staff member's agency; each opens a page with the person (masked ID), the line,
the places, the amounts, the history by place and the timeline, and a form to do the step or
refuse it with a reason. Another region's transfer is a 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.domain.views import StaffView
from app.routes.forms import read_form
from app.routes.i18n import _
from app.routes.staff import provide_staff
from app.routes.web import FormErrors, page, see_other
from app.services import staff_transfers as service
from app.services.context import UnitOfWork

SHOWN_MAX = 300  # what was typed is shown back this far (the limit is checked apart)
DECISIONS = ("advance", "reject")


def _checked(values: dict[str, str]) -> tuple[FormErrors, str | None]:
    """The errors of the form, and the refusal's reason (None: the step is done)."""
    errors = FormErrors()
    decision = values.get("decision")
    reason = values.get("reason", "").strip()
    if decision not in DECISIONS:
        errors.add("decision", _("Choose whether to record the step as done or to refuse it"))
    if decision == "reject":
        if not reason:
            errors.add("reason", _("Give the reason for the refusal"))
        elif len(reason) > service.REASON_MAX:
            errors.add(
                "reason",
                _("This must be {limit} characters or fewer").format(limit=service.REASON_MAX),
            )
    return errors, reason if decision == "reject" else None


class StaffTransferController(Controller):
    path = "/staff/transfers"
    dependencies = {"staff": Provide(provide_staff)}

    @get("/")
    async def waiting(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
    ) -> Response[str]:
        done = request.query_params.get("done")
        notice = {"advance": _("Step recorded."), "reject": _("Refusal recorded.")}.get(done or "")
        context = {
            "staff": staff,
            "transfers": await service.waiting(uow, staff, utcnow()),
            "notice": notice,
        }
        return page(request, "pages/staff/transfers.html", context)

    @get("/processed")
    async def processed(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
    ) -> Response[str]:
        """The transfers of the region the agencies closed, the latest first."""
        context = {
            "staff": staff,
            "transfers": await service.processed(uow, staff, utcnow()),
            "shown_most": service.PROCESSED_SHOWN,
        }
        return page(request, "pages/staff/transfers_processed.html", context)

    @get("/{transfer_id:uuid}")
    async def transfer(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        transfer_id: FromPath[UUID],
    ) -> Response[str]:
        return await _page(request, uow, staff, transfer_id, FormErrors(), {})

    @post("/{transfer_id:uuid}")
    async def act(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        transfer_id: FromPath[UUID],
    ) -> Response[Any]:
        values = await read_form(request)
        errors, refusal = _checked(values)
        status = 422
        if not errors:
            try:
                await service.act(uow, staff, transfer_id, utcnow(), refusal=refusal)
                done = "reject" if refusal is not None else "advance"
                return see_other(f"/staff/transfers?done={done}")
            except service.NotTheirs:
                raise NotFoundException from None
            except service.NotTheirTurn:
                status = 409
                errors.add(
                    "decision",
                    _("This step has been recorded already, or it is not your agency's step"),
                )
        shown = {
            "decision": values.get("decision", "")[:10],
            "reason": values.get("reason", "")[:SHOWN_MAX],
        }
        return await _page(request, uow, staff, transfer_id, errors, shown, status=status)


async def _page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    staff: StaffView,
    transfer_id: UUID,
    errors: FormErrors,
    values: dict[str, str],
    *,
    status: int = 200,
) -> Response[str]:
    polled = request.query_params.get("refresh") == "poll"
    try:
        found = await service.one(uow, staff, transfer_id, utcnow(), audit=not polled)
    except service.NotTheirs:
        raise NotFoundException from None
    path = f"/staff/transfers/{transfer_id}"
    context = {
        "staff": staff,
        "found": found,
        "transfer": found.transfer,
        "request_path": path,
        "poll_url": f"{path}?refresh=poll",
        "errors": errors,
        "values": values,
    }
    return page(request, "pages/staff/transfer.html", context, status=status)

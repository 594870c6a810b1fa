"""A service counter or kiosk: staff scan (or type) a QR code from an e-card and see whose it is."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide

from app.adapters.clock import utcnow
from app.domain.credential import MAX_INPUT, CredentialRefused, Reason
from app.domain.views import StaffView
from app.routes.forms import read_form
from app.routes.i18n import _
from app.routes.staff import provide_staff
from app.routes.web import FormErrors, page
from app.services import credentials
from app.services.context import UnitOfWork


def refusal_message(reason: Reason) -> str:
    messages: dict[Reason, str] = {
        "malformed": _(
            "This is not an e-card QR code. Scan it again, or check the code that was typed"
        ),
        "forged": _("This code was not issued by the e-card service. Do not accept it"),
        "expired": _("This code has expired. Ask for a new code"),
        "used": _("This code has already been used. Ask for a new code"),
        "unknown": _("This code does not belong to anyone in the records. Do not accept it"),
    }
    return messages[reason]


def _signed_in_as(staff: StaffView) -> str:
    return _("Signed in as {name} ({number}).").format(name=staff.name, number=staff.staff_number)


class CounterController(Controller):
    path = "/counter"
    dependencies = {"staff": Provide(provide_staff)}

    @get("/")
    async def form(
        self, request: Request[Any, Any, Any], staff: NamedDependency[StaffView]
    ) -> Response[str]:
        context = {"signed_in_as": _signed_in_as(staff), "max_input": MAX_INPUT}
        return page(request, "pages/staff/counter.html", context)

    @post("/")
    async def check(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
    ) -> Response[str]:
        # Read before the check: a code spent at the same moment rolls the session back.
        staff_id, signed_in_as = staff.id, _signed_in_as(staff)
        raw = (await read_form(request)).get("code", "")
        context: dict[str, Any] = {"signed_in_as": signed_in_as, "max_input": MAX_INPUT}
        errors = FormErrors()
        if not raw.strip():
            errors.add("code", _("Scan or type the code"))
        else:
            try:
                presented = await credentials.accept(uow, staff_id, raw, utcnow())
            except CredentialRefused as refused:
                errors.add("code", refusal_message(refused.reason))
            else:
                context["presented"] = presented
                return page(request, "pages/staff/counter.html", context)
        context |= {"errors": errors, "values": {"code": raw.strip()[:MAX_INPUT]}}
        return page(request, "pages/staff/counter.html", context, status=422)

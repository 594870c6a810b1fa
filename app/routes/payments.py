"""Payments of a subject, under /my and /family/{binding_id} (issue 14; domain-rules §8):

- {base}/payments                      what can be paid, and the payment history
- {base}/payments/premium/{year}       the residents' medical premium: check the answers
- {base}/payments/premium/{year}/pin   the PIN step-up, which sends the browser to the provider
- {base}/payments/{id}                 the payment: confirming until the provider's server says
                                       so (polled with JS; "Check again" without)
- {base}/payments/{id}/receipt         the printable receipt

The steps are the flow graph PAY (check, then pin): the PIN page opens only with the digest of
the answers the check page showed, and a change since voids it. The PIN form carries an
idempotency key made when it was shown, so a double submit, a refresh or two tabs make one
payment.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.adapters.payments import PaymentProvider
from app.domain.flow import FlowGraph, StepInfo
from app.domain.payments import valid_idempotency_key
from app.domain.views import Holder
from app.routes import formspec as fs
from app.routes.deps import refund_soon
from app.routes.formspec import N_, parse_form
from app.routes.i18n import _
from app.routes.messages import pin_lock_moment
from app.routes.step_up import check_pin, spend
from app.routes.web import FormErrors, page, see_other
from app.services import payment_confirmations as confirmations
from app.services import payments as service
from app.services.context import UnitOfWork
from app.services.subject import Subject, record

ACTION = "payment.pay"
PAY = FlowGraph("pay", [StepInfo("check"), StepInfo("pin", final=True)])
POLL = "poll"
# An unconfirmed payment's page asks the provider at most this often (each poll would).
QUERY_GAP = timedelta(seconds=2)


class PayForm(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""
    checked: Annotated[str, fs.hidden(64)] = ""
    idempotency_key: Annotated[str, fs.hidden(300)] = ""


def _provider(request: Request[Any, Any, Any]) -> PaymentProvider:
    provider: PaymentProvider = request.app.state.payment_provider
    return provider


def _premium_base(subject: Subject, year: int) -> str:
    return f"{subject.base}/payments/premium/{year}"


async def _premium(uow: UnitOfWork, subject: Subject, year: int) -> service.PremiumChoice:
    found = await service.premium_choice(uow, subject, year, utcnow().date())
    if found is None:
        raise NotFoundException
    return found


def _premium_context(subject: Subject, year: int, found: service.PremiumChoice) -> dict[str, Any]:
    asked = found.request
    return {
        "subject": subject,
        "year": year,
        "asked": asked,
        "offer": found.offer,
        "flow_base": _premium_base(subject, year),
        "checked": asked.digest(subject) if asked else "",
        "step_count": PAY.count,
    }


class PaymentController(Controller):
    path = "/payments"

    @get("/")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        now = utcnow()
        record(uow, subject, "payments.viewed", now)
        context = {
            "subject": subject,
            "offers": await service.premium_offers(uow, subject, now.date()),
            "history": await service.of_subject(uow, subject),
        }
        return page(request, "pages/payments/list.html", context)

    @get("/premium/{year:int}")
    async def premium_check(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        year: FromPath[int],
    ) -> Response[str]:
        found = await _premium(uow, subject, year)
        context = _premium_context(subject, year, found) | {"step_number": PAY.number("check")}
        return page(request, "pages/payments/premium_check.html", context)

    @get("/premium/{year:int}/pin")
    async def premium_pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
        year: FromPath[int],
    ) -> Response[Any]:
        found = await _premium(uow, subject, year)
        context = _premium_context(subject, year, found)
        done = {"check"} if request.query_params.get("checked") == context["checked"] else set()
        if not context["asked"] or PAY.where_to("pin", done).name != "pin":
            return see_other(context["flow_base"])
        return _pin_page(request, account, context)

    @post("/premium/{year:int}/pin")
    async def premium_pay(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
        year: FromPath[int],
    ) -> Response[Any]:
        found = await _premium(uow, subject, year)
        context = _premium_context(subject, year, found)
        parsed = parse_form(PayForm, dict(await request.form()))
        form = parsed.form
        key = form.idempotency_key if form else ""
        context["idempotency_key"] = key if valid_idempotency_key(key) else _new_key()
        if form is None:
            return _pin_page(request, account, context, parsed.errors, status=422)
        asked = context["asked"]
        if asked is None:  # paid meanwhile, or no longer offered: the check page says why
            return see_other(context["flow_base"])
        scope = context["flow_base"]
        checked = await check_pin(request, uow, account, form.pin, ACTION, scope)
        if not checked.passed:
            return _pin_page(request, account, context, checked.errors, status=422)
        spend(request, ACTION, scope)  # one payment per PIN entry
        if form.checked != context["checked"]:
            errors = FormErrors()
            errors.add(
                "submit",
                _("The amount or the answers changed after you checked them. Check them again"),
            )
            return _pin_page(request, account, context, errors, status=422)
        if not valid_idempotency_key(form.idempotency_key):
            return _conflict(request, subject, "bad_key", status=400)
        return await _start_payment(request, uow, account, subject, asked, form.idempotency_key)

    @get("/{payment_id:uuid}")
    async def payment(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        payment_id: FromPath[UUID],
    ) -> Response[str]:
        now = utcnow()
        outcome = await confirmations.confirm_now(
            uow, _provider(request), payment_id, now, gap=QUERY_GAP
        )
        if outcome is confirmations.Outcome.REFUNDING:
            refund_soon(request.app, uow)
        found = await service.one(uow, subject, payment_id)
        if found is None:
            raise NotFoundException
        if request.query_params.get("refresh") != POLL:
            record(uow, subject, "payment.viewed", now)
        path = f"{subject.base}/payments/{found.id}"
        context = {
            "subject": subject,
            "payment": found,
            "request_path": path,
            "poll_url": f"{path}?refresh={POLL}",
            "pay_url": _checkout_url(request, subject, found),
        }
        return page(request, "pages/payments/payment.html", context)

    @get("/{payment_id:uuid}/receipt")
    async def receipt(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        payment_id: FromPath[UUID],
    ) -> Response[str]:
        found = await service.receipt(uow, subject, payment_id)
        if found is None:
            raise NotFoundException
        record(uow, subject, "payment.receipt_viewed", utcnow())
        return page(request, "pages/payments/receipt.html", {"subject": subject, "receipt": found})


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    context: dict[str, Any],
    errors: FormErrors | None = None,
    *,
    status: int = 200,
) -> Response[str]:
    context = {
        "idempotency_key": _new_key(),
        **context,
        "errors": errors or FormErrors(),
        "step_number": PAY.number("pin"),
        "locked_until": pin_lock_moment(request, account),
    }
    return page(request, "pages/payments/pin.html", context, status=status)


def _checkout_url(request: Request[Any, Any, Any], subject: Subject, payment: Any) -> str | None:
    """Back to the provider's page while the payment is open (the first visit was cut short)."""
    if payment.state != "created":
        return None
    provider = _provider(request)
    order = service.order_for(payment, subject.base, request.app.state.payment_site, provider)
    return provider.checkout_url(order)


def _conflict(
    request: Request[Any, Any, Any], subject: Subject, reason: str, *, status: int = 409
) -> Response[str]:
    context = {"subject": subject, "reason": reason}
    return page(request, "pages/payments/conflict.html", context, status=status)


async def _start_payment(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    subject: Subject,
    asked: service.PaymentRequest,
    key: str,
) -> Response[Any]:
    provider = _provider(request)
    try:
        payment = await service.create(uow, account, subject, asked, key, provider, utcnow())
    except service.Conflict as conflict:
        return _conflict(request, subject, conflict.reason)
    except service.AlreadyPaid as paid:
        return see_other(f"{subject.base}/payments/{paid.payment_id}")
    if payment.state != "created":  # this key's payment, done already: show it
        return see_other(f"{subject.base}/payments/{payment.id}")
    order = service.order_for(payment, subject.base, request.app.state.payment_site, provider)
    return see_other(provider.checkout_url(order))

"""Payments of a subject, under /my and /family/{binding_id} (issue 14; domain-rules §5, §8):

- {base}/payments                      what can be paid, and the payment history
- {base}/payments/premium/{year}       the residents' medical premium of a coverage year
- {base}/payments/pension              the residents' pension: choose a grade
- {base}/payments/flexible             a flexible worker's pension: choose a base
- .../check, .../pin                   check the answers; the PIN step-up, which sends the
                                       browser to the provider
- {base}/payments/{id}                 the payment: confirming until the provider's server says
                                       so (polled with JS; "Check again" without)
- {base}/payments/{id}/receipt         the printable receipt

Every kind of payment goes through the flow graph PAY (check, then pin): the PIN page opens only
with the digest of the answers the check page showed (a change since voids it), and the answers
(a grade, a base) travel in the query, the PIN form's address included. The PIN form carries an idempotency key
made when it was shown, so a double submit, a refresh or two tabs make one payment.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Annotated, Any, ClassVar
from urllib.parse import urlencode
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.adapters.payments import PaymentProvider
from app.domain.flow import FlowGraph, StepInfo
from app.domain.mutual_aid import AidRefused
from app.domain.payments import to_fen, valid_idempotency_key
from app.domain.premiums import RESIDENT_PENSION_GRADES
from app.domain.views import Holder
from app.routes import formspec as fs
from app.routes.deps import refund_soon
from app.routes.formspec import N_, parse_form
from app.routes.i18n import _, format_money
from app.routes.payment_labels import aid_refusal_message, fund_label, purpose_label
from app.routes.step_up import check_pin, pin_page, spend
from app.routes.web import FormErrors, page, refuse, see_other
from app.services import medical_bills as bills
from app.services import mutual_aid
from app.services import payment_confirmations as confirmations
from app.services import payments as service
from app.services import pension_payments as pensions
from app.services.context import UnitOfWork
from app.services.subject import Subject, record

ACTION = "payment.pay"
AID_ACTION = "aid.set"  # setting a mutual aid quota takes it out of what the holder may spend
PAY = FlowGraph("pay", [StepInfo("check"), StepInfo("pin", final=True)])
POLL = "poll"
# An unconfirmed payment's page asks the provider at most this often (each poll would).
QUERY_GAP = timedelta(seconds=2)
GRADES = tuple(str(g) for g in RESIDENT_PENSION_GRADES)
BASE_MAX_CHARS = 12
YEAR_CHARS = 4


class PayForm(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""
    checked: Annotated[str, fs.hidden(64)] = ""
    idempotency_key: Annotated[str, fs.hidden(300)] = ""


class GradeForm(msgspec.Struct):
    grade: Annotated[str, fs.choice(GRADES, missing=N_("Choose a contribution grade"))] = ""
    not_student: Annotated[
        str, fs.accept(missing=N_("Confirm that they are not a full-time student"))
    ] = ""


class QuotaForm(msgspec.Struct):
    quota: Annotated[str, fs.text(BASE_MAX_CHARS, missing=N_("Enter the quota"))] = ""


class AidPinForm(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""
    quota: Annotated[str, fs.hidden(BASE_MAX_CHARS)] = ""


class BaseForm(msgspec.Struct):
    base: Annotated[str, fs.text(BASE_MAX_CHARS, missing=N_("Enter the contribution base"))] = ""


@dataclass
class Asked:
    """A payment as its check and PIN pages show it."""

    subject: Subject
    flow_base: str  # the check page (the PIN page is {flow_base}/pin)
    request: service.PaymentRequest | None  # None: not payable (the page says why)
    answers: dict[str, str] = field(default_factory=dict)  # carried from page to page
    rows: list[tuple[str, str]] = field(default_factory=list)  # what the check page lists
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def checked(self) -> str:
        return self.request.digest(self.subject) if self.request else ""

    def url(self, path: str = "", **more: str) -> str:
        query = urlencode({**self.answers, **more})
        return f"{self.flow_base}{path}" + (f"?{query}" if query else "")

    def context(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "asked": self.request,
            "answers": self.answers,
            "rows": self.rows,
            "flow_base": self.flow_base,
            "check_url": self.url(),
            "pin_action": self.url("/pin"),
            "checked": self.checked,
            "step_count": PAY.count,
            **self.extra,
        }


def _provider(request: Request[Any, Any, Any]) -> PaymentProvider:
    provider: PaymentProvider = request.app.state.payment_provider
    return provider


def _rows(subject: Subject, asked: service.PaymentRequest) -> list[tuple[str, str]]:
    return [
        (_("For"), subject.person.name),
        (_("What for"), purpose_label(asked.purpose.value)),
        (_("Amount"), format_money(Decimal(asked.amount_fen) / 100)),
        (_("Paid into"), fund_label(asked.fund.value)),
    ]


# --- the kinds of payment ----------------------------------------------------------------------


async def _premium(uow: UnitOfWork, subject: Subject, year: int) -> Asked:
    found = await service.premium_choice(uow, subject, year, utcnow().date())
    if found is None:
        raise NotFoundException
    asked = Asked(subject, f"{subject.base}/payments/premium/{year}", found.request)
    asked.extra = {"offer": found.offer, "year": year, "kind": "premium"}
    if found.request:
        request = found.request
        asked.rows = _rows(subject, request)
        asked.rows.insert(2, (_("Coverage year"), str(year)))
        if request.aid_fen:
            asked.rows[3:4] = [
                (_("Premium"), _fen_text(request.total_fen or 0)),
                (_("From family mutual aid"), _fen_text(request.aid_fen)),
                (_("To pay now"), _fen_text(request.amount_fen)),
            ]
    return asked


async def _pension(
    uow: UnitOfWork, subject: Subject, params: Any
) -> tuple[Asked, pensions.ResidentPensionOffer, FormErrors, dict[str, str]]:
    raw_year = str(params.get("year", ""))
    digits = raw_year.isascii() and raw_year.isdigit()  # not "²", which int() refuses
    year = int(raw_year) if digits and len(raw_year) == YEAR_CHARS else None
    offer = await pensions.resident_pension_offer(uow, subject, utcnow().date(), year)
    if offer is None or (raw_year and year is None):
        raise NotFoundException  # a year that cannot be paid (back) here
    values = {k: str(v) for k, v in params.items() if k != "year"}
    parsed = parse_form(GradeForm, values)
    asked = Asked(subject, f"{subject.base}/payments/pension/check", None)
    asked.extra = {"pension": offer, "kind": "pension"}
    if parsed.form is not None and offer.payable:
        grade = int(parsed.form.grade)
        request = pensions.resident_pension_request(offer, subject, grade)
        asked.request = request
        asked.answers = {"grade": parsed.form.grade, "not_student": "yes"}
        if offer.back_payment:
            asked.answers["year"] = str(offer.year)
        row = next(r for r in offer.rows if r.grade == grade)
        subsidy = format_money(row.subsidy) if row.subsidy else _("None (a year paid back)")
        asked.rows = _rows(subject, request)
        asked.rows[2:2] = [
            (_("Year"), _year_text(offer)),
            (_("Grade"), format_money(Decimal(grade))),
            (_("Government subsidy"), subsidy),
            (
                _("Pension at %(age)s, a month (estimate)")
                % {"age": uow.policy.residents_pension_age},
                format_money(row.monthly_at_60),
            ),
        ]
    return asked, offer, parsed.errors, parsed.shown


def _year_text(offer: pensions.ResidentPensionOffer) -> str:
    if offer.back_payment:
        return _("%(year)s (paid back)") % {"year": offer.year}
    return str(offer.year)


# Yuan as people type them: whole yuan or to the fen, under a trillion, no sign or exponent
# (Decimal's own syntax admits "1e309", "NaN" and "1_000").
_YUAN = re.compile(r"(?:[0-9]{1,12}(?:\.[0-9]{0,2})?|\.[0-9]{1,2})")


def _yuan(raw: str, errors: FormErrors, name: str) -> Decimal | None:
    """An amount in yuan, to the fen, not negative, as people type it (full-width digits and
    commas, thousands separators); else the field's error."""
    text = unicodedata.normalize("NFKC", raw).replace(",", "").strip()
    if not _YUAN.fullmatch(text):
        errors.add(name, _("Enter an amount in yuan, for example 8000"))
        return None
    return Decimal(text)


def _base(raw: str, offer: pensions.FlexibleOffer, errors: FormErrors) -> Decimal | None:
    value = _yuan(raw, errors, "base")
    if value is None:
        return None
    if not offer.floor <= value <= offer.cap:
        errors.add(
            "base",
            _("The base must be between %(floor)s and %(cap)s")
            % {"floor": format_money(offer.floor), "cap": format_money(offer.cap)},
        )
        return None
    return value


async def _flexible(
    uow: UnitOfWork, subject: Subject, params: Any
) -> tuple[Asked, pensions.FlexibleOffer, FormErrors, dict[str, str]]:
    offer = await pensions.flexible_offer(uow, subject, utcnow().date())
    parsed = parse_form(BaseForm, {k: str(v) for k, v in params.items()})
    asked = Asked(subject, f"{subject.base}/payments/flexible/check", None)
    asked.extra = {"flexible": offer, "kind": "flexible"}
    errors = parsed.errors
    base = _base(parsed.form.base, offer, errors) if parsed.form and offer.payable else None
    if base is not None:
        request = pensions.flexible_request(offer, subject, base)
        asked.request = request
        asked.answers = {"base": str(base)}
        asked.rows = _rows(subject, request)
        asked.rows[2:2] = [
            (_("Month"), f"{offer.year}-{offer.month:02d}"),
            (_("Contribution base"), format_money(base)),
            (_("To the personal account"), format_money(Decimal(request.personal_fen or 0) / 100)),
            (_("To the pooled fund"), format_money(Decimal(request.pooled_fen or 0) / 100)),
        ]
    return asked, offer, errors, parsed.shown


@dataclass(frozen=True)
class _AmountPayment:
    """A payment whose amount the payer chooses (a residents' pension grade, a flexible
    worker's base): what it asks, its choice page, and the query keys that only say which
    offer is meant (not an answer yet)."""

    load: Callable[
        [UnitOfWork, Subject, Any], Awaitable[tuple[Asked, Any, FormErrors, dict[str, str]]]
    ]
    template: str
    not_answers: frozenset[str]


_PENSION = _AmountPayment(_pension, "pages/payments/pension.html", frozenset({"year"}))
_FLEXIBLE = _AmountPayment(_flexible, "pages/payments/flexible.html", frozenset())


async def _bill(uow: UnitOfWork, subject: Subject, bill_id: UUID) -> Asked:
    found = await bills.choice(uow, subject, bill_id)
    if found is None:
        raise NotFoundException
    bill = found.bill
    request = bills.request_for(found) if found.payable else None
    asked = Asked(subject, f"{subject.base}/payments/bills/{bill.id}", request)
    asked.extra = {"bill": found, "kind": "bill"}
    if request is not None:
        fen = _fen_text
        asked.rows = [
            (_("For"), subject.person.name),
            (_("What for"), purpose_label(request.purpose.value)),
            (_("Clinic or pharmacy"), bill.provider_name),
            (_("Bill reference"), bill.reference),
            (_("Total"), fen(bill.total_fen)),
            (_("The pooled fund pays"), fen(bill.pooled_fen)),
            (_("Other funds pay"), fen(bill.other_fen)),
            (_("From their own personal medical account"), fen(found.own_fen)),
            (_("From family mutual aid"), fen(found.aid_fen)),
            (_("To pay now"), fen(found.cash_fen)),
            (_("Fund"), fund_label(request.fund.value)),
        ]
    return asked


def _fen_text(fen: int) -> str:
    return format_money(Decimal(fen) / 100)


# --- the controller ----------------------------------------------------------------------------


class PaymentsOffline(Exception):
    """No payment provider answers here (production without a gateway)."""


async def online_payments(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Before the PIN of a payment: say at once that it cannot be paid online, rather than
    take the PIN and then fail at the provider."""
    if not connection.app.state.settings.pays_online:
        await refuse(connection, PaymentsOffline())


def payments_offline(request: Request[Any, Any, Any], exc: PaymentsOffline) -> Response[str]:
    payments = request.url.path.split("/payments/")[0] + "/payments"
    return page(request, "pages/payments/offline.html", {"payments": payments}, status=503)


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
        today = now.date()
        context = {
            "subject": subject,
            "offers": await service.premium_offers(uow, subject, today),
            "pension": await pensions.this_years_offer(uow, subject, today),
            "flexible": await pensions.flexible_offer(uow, subject, today),
            "bills": await bills.bills_of(uow, subject),
            "history": await service.of_subject(uow, subject),
            "pays_online": request.app.state.settings.pays_online,
        }
        return page(request, "pages/payments/list.html", context)

    # Residents' medical premium

    @get("/premium/{year:int}")
    async def premium_check(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        year: FromPath[int],
    ) -> Response[str]:
        asked = await _premium(uow, subject, year)
        return _check_page(request, asked, "pages/payments/premium_check.html")

    @get("/premium/{year:int}/pin", guards=[online_payments])
    async def premium_pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
        year: FromPath[int],
    ) -> Response[Any]:
        return _pin_get(request, account, await _premium(uow, subject, year))

    @post("/premium/{year:int}/pin", guards=[online_payments])
    async def premium_pay(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
        year: FromPath[int],
    ) -> Response[Any]:
        return await _pin_post(request, uow, account, await _premium(uow, subject, year))

    # A medical or pharmacy bill

    @get("/bills/{bill_id:uuid}")
    async def bill_check(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        bill_id: FromPath[UUID],
    ) -> Response[str]:
        asked = await _bill(uow, subject, bill_id)
        asked.extra["changed"] = request.query_params.get("changed") == "1"
        return _check_page(request, asked, "pages/payments/bill_check.html")

    @get("/bills/{bill_id:uuid}/pin", guards=[online_payments])
    async def bill_pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
        bill_id: FromPath[UUID],
    ) -> Response[Any]:
        return _pin_get(request, account, await _bill(uow, subject, bill_id))

    @post("/bills/{bill_id:uuid}/pin", guards=[online_payments])
    async def bill_pay(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
        bill_id: FromPath[UUID],
    ) -> Response[Any]:
        asked = await _bill(uow, subject, bill_id)
        # What the accounts give changed meanwhile: nothing of it stands, check again.
        return await _pin_post(request, uow, account, asked, changed=asked.url(changed="1"))

    # Family mutual aid (a member's page only)

    @get("/aid")
    async def aid(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        notice = {
            "set": _("The quota is set aside."),
            "ended": _("The aid has ended: the unused quota is back in your account."),
        }.get(request.query_params.get("done", ""))
        return await _aid_page(request, uow, account, subject, FormErrors(), {}, notice=notice)

    @post("/aid")
    async def aid_set(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        """The quota asked: checked, then the PIN step-up (which sets it)."""
        if not subject.acting_for:
            raise NotFoundException
        parsed = parse_form(QuotaForm, dict(await request.form()))
        errors = parsed.errors
        quota = _yuan(parsed.form.quota, errors, "quota") if parsed.form else None
        if quota is not None:
            problem = await mutual_aid.quota_refusal(uow, account, subject, to_fen(quota), utcnow())
            if problem is None:
                return see_other(_aid_pin_url(subject, quota))
            errors.add("quota", aid_refusal_message(problem))
        return await _aid_page(request, uow, account, subject, errors, parsed.shown, status=422)

    @get("/aid/pin")
    async def aid_pin_form(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        quota = _aid_quota(request.query_params.get("quota", ""))
        if not subject.acting_for or quota is None:
            return see_other(f"{subject.base}/payments/aid")
        return _aid_pin_page(request, account, subject, quota, FormErrors())

    @post("/aid/pin")
    async def aid_pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        data = dict(await request.form())
        parsed = parse_form(AidPinForm, data)
        raw = data.get("quota")  # kept when the PIN is missing, and the form with it
        quota = _aid_quota(raw if isinstance(raw, str) else "")
        if not subject.acting_for or quota is None:
            return see_other(f"{subject.base}/payments/aid")
        if parsed.form is None:
            return _aid_pin_page(request, account, subject, quota, parsed.errors, status=422)
        scope = f"{subject.base}/payments/aid"
        checked = await check_pin(request, uow, account, parsed.form.pin, AID_ACTION, scope)
        if not checked.passed:
            return _aid_pin_page(request, account, subject, quota, checked.errors, status=422)
        spend(request, AID_ACTION, scope)  # one quota per PIN entry
        found = await mutual_aid.set_quota(uow, account, subject, to_fen(quota), utcnow())
        if not isinstance(found, AidRefused):
            return see_other(f"{subject.base}/payments/aid?done=set")
        errors = FormErrors()
        errors.add("quota", aid_refusal_message(found))
        shown = {"quota": str(quota)}
        return await _aid_page(request, uow, account, subject, errors, shown, status=422)

    @post("/aid/end")
    async def aid_end(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        if not subject.acting_for:
            raise NotFoundException
        await mutual_aid.end(uow, account, subject, utcnow())
        return see_other(f"{subject.base}/payments/aid?done=ended")

    # One payment

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


# --- the steps, the same for every kind --------------------------------------------------------


async def _aid_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    subject: Subject,
    errors: FormErrors,
    shown: dict[str, str],
    *,
    status: int = 200,
    notice: str | None = None,
) -> Response[str]:
    found = await mutual_aid.offer(uow, account, subject, utcnow()) if subject.acting_for else None
    context = {
        "subject": subject,
        "aid": found,
        "errors": errors,
        "values": shown,
        "notice": notice,
    }
    return page(request, "pages/payments/aid.html", context, status=status)


class _AmountPaymentController(Controller):
    """A payment whose amount the payer chooses: the choice, the check-answers page and the
    PIN step that pays, the same for each kind; a subclass mounts it for one."""

    kind: ClassVar[_AmountPayment]

    @get("/")
    async def choose(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        which = {k: v for k, v in request.query_params.items() if k in self.kind.not_answers}
        asked, *_ = await self.kind.load(uow, subject, which)
        return _choose_page(request, asked, self.kind.template, FormErrors(), {})

    @get("/check")
    async def check(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        """The check-answers page, or the choice again: without errors when nothing was asked
        yet, with them (422) when the answer cannot be paid."""
        asked, _offer, errors, shown = await self.kind.load(uow, subject, request.query_params)
        if set(request.query_params) <= self.kind.not_answers:
            errors, shown = FormErrors(), {}
        if asked.request is None:
            status = 422 if errors else 200
            return _choose_page(request, asked, self.kind.template, errors, shown, status=status)
        return _check_page(request, asked, "pages/payments/check.html")

    @get("/check/pin", guards=[online_payments])
    async def pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        asked, *_ = await self.kind.load(uow, subject, request.query_params)
        return _pin_get(request, account, asked)

    @post("/check/pin", guards=[online_payments])
    async def pay(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        asked, *_ = await self.kind.load(uow, subject, request.query_params)
        return await _pin_post(request, uow, account, asked)


class PensionPaymentController(_AmountPaymentController):
    """Residents' pension: a grade a year, this year's or one paid back."""

    path = "/payments/pension"
    kind = _PENSION


class FlexiblePaymentController(_AmountPaymentController):
    """A flexible worker's employee pension: a contribution base a month."""

    path = "/payments/flexible"
    kind = _FLEXIBLE


def _aid_quota(raw: str) -> Decimal | None:
    """A quota carried from the quota form to the PIN step (the form checked it already)."""
    value = _yuan(raw[:BASE_MAX_CHARS], FormErrors(), "quota") if raw else None
    return value if value is not None and value > 0 else None


def _aid_pin_url(subject: Subject, quota: Decimal) -> str:
    return f"{subject.base}/payments/aid/pin?" + urlencode({"quota": str(quota)})


def _aid_pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    subject: Subject,
    quota: Decimal,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    context = {"subject": subject, "quota": quota}
    return pin_page(request, account, "pages/payments/aid_pin.html", context, errors, status=status)


def _choose_page(
    request: Request[Any, Any, Any],
    asked: Asked,
    template: str,
    errors: FormErrors,
    shown: dict[str, str],
    *,
    status: int = 200,
) -> Response[str]:
    context = asked.context() | {"errors": errors, "values": shown, "step_number": 1}
    return page(request, template, context, status=status)


def _check_page(request: Request[Any, Any, Any], asked: Asked, template: str) -> Response[str]:
    context = asked.context() | {"step_number": PAY.number("check")}
    return page(request, template, context)


def _new_key() -> str:
    return secrets.token_urlsafe(32)


def _pin_get(request: Request[Any, Any, Any], account: Holder, asked: Asked) -> Response[Any]:
    done = {"check"} if request.query_params.get("checked") == asked.checked else set()
    if asked.request is None or PAY.where_to("pin", done).name != "pin":
        return see_other(asked.url())
    return _pin_page(request, account, asked)


def _pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    asked: Asked,
    errors: FormErrors | None = None,
    *,
    key: str | None = None,
    status: int = 200,
) -> Response[str]:
    context = asked.context() | {
        "idempotency_key": key or _new_key(),
        "step_number": PAY.number("pin"),
    }
    return pin_page(request, account, "pages/payments/pin.html", context, errors, status=status)


async def _pin_post(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    asked: Asked,
    *,
    changed: str | None = None,
) -> Response[Any]:
    """The PIN, then the payment. `changed`: where to check again if what the accounts give
    (the medical quota, a bill's settlement) changed once the PIN was entered; by default the
    check page."""
    parsed = parse_form(PayForm, dict(await request.form()))
    form = parsed.form
    key = form.idempotency_key if form and valid_idempotency_key(form.idempotency_key) else None
    if asked.request is None:  # paid meanwhile, or no longer offered: the check page says why
        return see_other(asked.url())
    if form is None:
        return _pin_page(request, account, asked, parsed.errors, key=key, status=422)
    scope = asked.flow_base
    checked = await check_pin(request, uow, account, form.pin, ACTION, scope)
    if not checked.passed:
        return _pin_page(request, account, asked, checked.errors, key=key, status=422)
    spend(request, ACTION, scope)  # one payment per PIN entry
    if form.checked != asked.checked:
        errors = FormErrors()
        errors.add(
            "submit",
            _("The amount or the answers changed after you checked them. Check them again"),
        )
        return _pin_page(request, account, asked, errors, status=422)
    if key is None:
        return _conflict(request, asked.subject, "bad_key", status=400)
    try:
        return await _start_payment(request, uow, account, asked.subject, asked.request, key)
    except bills.SettlementChanged:
        return see_other(changed or asked.url())


def _checkout_url(request: Request[Any, Any, Any], subject: Subject, payment: Any) -> str | None:
    """Back to the provider's page while the payment is open (the first visit was cut short)."""
    if payment.state != "created" or not request.app.state.settings.pays_online:
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
    now = utcnow()
    start = bills.start_payment if bills.takes_from_accounts(asked) else service.create
    try:
        payment = await start(uow, account, subject, asked, key, provider, now)
    except service.Conflict as conflict:
        return _conflict(request, subject, conflict.reason)
    except service.AlreadyPaid as paid:
        return see_other(f"{subject.base}/payments/{paid.payment_id}")
    if bills.settled_at_once(payment):  # the accounts met it all: no provider
        await confirmations.settle_from_accounts(uow, payment.id, now)
    if payment.state != "created" or payment.amount_fen == 0:  # done already: show it
        return see_other(f"{subject.base}/payments/{payment.id}")
    order = service.order_for(payment, subject.base, request.app.state.payment_site, provider)
    return see_other(provider.checkout_url(order))

"""/scan on the holder's phone: find a scan-login request (its QR code's link, or the code typed
here), see where the sign-in happens, choose the number the other screen shows, whom to sign
in, and confirm with the PIN or a passkey."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from app.adapters.clock import utcnow
from app.domain import scan_login as rules
from app.domain.scan_login import Reason, ScanRefused
from app.domain.views import Holder, ScanLoginView
from app.routes import step_up
from app.routes.auth import PasskeyAssertion
from app.routes.deps import provide_account, provide_limits, provide_rp
from app.routes.forms import pin_field, read_form
from app.routes.i18n import _, format_moment
from app.routes.json_body import json_only
from app.routes.labels import relationship_label
from app.routes.scan_messages import clock_time, phone_refusal, place_text
from app.routes.web import FormErrors, client_ip, page, see_other
from app.services import passkeys as passkey_service
from app.services import scan_login as service
from app.services.auth_core import PasskeyRejected, RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts
from app.services.subject import Subject

CLAIM = "scan_claim"  # the request this phone found, in its session
PASSKEY_CHOICE = "scan_passkey_choice"  # its number and whom, while the passkey answers
DONE = "scan_done"
APPROVE = "scan_login.approve"  # the PIN step-up's action
CODE_INPUT_MAX = 20


def _refused(request: Request[Any, Any, Any], reason: Reason) -> Response[str]:
    request.session.pop(CLAIM, None)
    context = {"message": phone_refusal(reason), "reason": reason}
    return page(request, "pages/scan/refused.html", context, status=409)


def _claim(request: Request[Any, Any, Any], found: ScanLoginView) -> Response[Any]:
    request.session[CLAIM] = str(found.id)
    return see_other("/scan/confirm")


def _claimed_id(request: Request[Any, Any, Any]) -> UUID | None:
    raw = request.session.get(CLAIM)
    try:
        return UUID(str(raw)) if raw else None
    except ValueError:
        return None


def _people(subjects: list[Any]) -> list[tuple[str, str, str]]:
    """(value, name, what they are to the holder) of each person who may be signed in."""
    people = []
    for subject in subjects:
        if subject.binding is None:
            people.append((service.SELF, subject.person.name, _("Me")))
        else:
            relation = relationship_label(subject.binding.relation)
            people.append((str(subject.binding.id), subject.person.name, relation))
    return people


class ScanChoice(msgspec.Struct):
    """The confirm form's choices, as its passkey button sends them."""

    number: str = ""
    who: str = ""


def _values(choice: ScanChoice) -> dict[str, str]:
    return {"number": choice.number[:2], "who": choice.who[:40]}


def _json_error(message: str, status: int) -> Response[Any]:
    return Response({"error": message}, status_code=status)


async def _claimed(
    request: Request[Any, Any, Any], uow: UnitOfWork, now: datetime
) -> ScanLoginView:
    claimed = _claimed_id(request)
    if claimed is None:
        raise ScanRefused("unknown")
    return await service.claimed(uow, claimed, now)


async def _choice(
    uow: UnitOfWork,
    account: Holder,
    found: ScanLoginView,
    values: Mapping[str, Any],
    errors: FormErrors,
    now: datetime,
) -> Subject | None:
    """The number and whom chosen; errors go into `errors`. A wrong number ends the request,
    whatever else is wrong (ScanRefused)."""
    number, who = str(values.get("number", "")), str(values.get("who", ""))[:40]
    if number not in rules.number_choices(found.secret):
        errors.add("number", _("Choose the number shown on the other screen"))
    subject = None
    if not who:
        errors.add("who", _("Choose who is signing in"))
    else:
        try:
            subject = await service.chosen(uow, account, who)
        except service.NotActive:
            errors.add("who", phone_refusal("withdrawn"))
    if "number" not in errors.fields:
        await service.check_number(
            uow, account, found, number, subject.person.id if subject else None, now
        )
    return subject


def _approved(request: Request[Any, Any, Any], subject: Subject) -> None:
    request.session.pop(CLAIM, None)
    request.session[DONE] = {"name": subject.person.name, "self": subject.binding is None}


async def _confirm_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    found: ScanLoginView,
    errors: FormErrors,
    values: dict[str, str],
    *,
    status: int = 200,
) -> Response[str]:
    context = {
        "found": found,
        "place": place_text(service.place(found)),
        "asked_at": clock_time(found.started_at),
        "until": clock_time(found.expires_at),
        "numbers": rules.number_choices(found.secret),
        "people": _people(await service.choices(uow, account)),
        "values": values,
        "has_passkeys": bool(await passkey_service.of(uow, account)),
    }
    return step_up.pin_page(
        request, account, "pages/scan/confirm.html", context, errors, status=status
    )


class ScanPhoneController(Controller):
    path = "/scan"
    dependencies = {
        "account": Provide(provide_account),
        "limits": Provide(provide_limits),
        "rp": Provide(provide_rp),
    }

    @get("/")
    async def enter_code(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[str]:
        return page(request, "pages/scan/enter_code.html", {"max_input": CODE_INPUT_MAX})

    @post("/")
    async def typed_code(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        typed = (await read_form(request)).get("code", "")[:CODE_INPUT_MAX]
        errors = FormErrors()
        status = 422
        if not typed.strip():
            errors.add("code", _("Enter the code shown on the other screen"))
        else:
            try:
                found = await service.by_typed_code(
                    uow, limits, account, client_ip(request), typed, utcnow()
                )
            except ScanRefused as refused:
                errors.add("code", phone_refusal(refused.reason))
            except TooManyAttempts as wait:
                status = 429
                errors.add(
                    "code",
                    _(
                        "Too many wrong codes. You can try again after {time} (China Standard Time)."
                    ).format(time=format_moment(wait.until)),
                )
            else:
                return _claim(request, found)
        context = {"errors": errors, "values": {"code": typed}, "max_input": CODE_INPUT_MAX}
        return page(request, "pages/scan/enter_code.html", context, status=status)

    @get("/q/{payload:str}")
    async def scanned(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        payload: FromPath[str],
    ) -> Response[Any]:
        """The link in a QR code: fresh, or refused with why."""
        try:
            found = await service.by_scan(uow, payload, utcnow())
        except ScanRefused as refused:
            return _refused(request, refused.reason)
        return _claim(request, found)

    @get("/confirm")
    async def confirm_form(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[Any]:
        claimed = _claimed_id(request)
        if claimed is None:
            return see_other("/scan")
        try:
            found = await service.claimed(uow, claimed, utcnow())
        except ScanRefused as refused:
            return _refused(request, refused.reason)
        return await _confirm_page(request, uow, account, found, FormErrors(), {})

    @post("/confirm")
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[Any]:
        claimed = _claimed_id(request)
        if claimed is None:
            return see_other("/scan")
        now = utcnow()
        try:
            found = await service.claimed(uow, claimed, now)
        except ScanRefused as refused:
            return _refused(request, refused.reason)
        values = await read_form(request)
        errors = FormErrors()
        try:
            subject = await _choice(uow, account, found, values, errors, now)
        except ScanRefused as refused:
            return _refused(request, refused.reason)
        pin = pin_field(values, "pin", errors, _("Enter your e-card PIN"))
        shown = {"number": values.get("number", ""), "who": values.get("who", "")[:40]}
        if errors or subject is None:
            return await _confirm_page(request, uow, account, found, errors, shown, status=422)
        checked = await step_up.check_pin(request, uow, account, pin, APPROVE, str(found.id))
        if not checked.passed:
            return await _confirm_page(
                request, uow, account, found, checked.errors, shown, status=422
            )
        step_up.spend(request, APPROVE, str(found.id))
        try:
            await service.approve(uow, account, found, subject, utcnow())
        except ScanRefused as refused:
            return _refused(request, refused.reason)
        _approved(request, subject)
        return see_other("/scan/done")

    @post("/confirm/passkey/options", status_code=200, before_request=json_only)
    async def passkey_options(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        rp: NamedDependency[RelyingParty],
        data: JSONBody[ScanChoice],
    ) -> Response[Any]:
        """The number and whom chosen, checked as the form checks them, then a passkey
        challenge; the choice waits in the session for the passkey's answer."""
        now = utcnow()
        try:
            found = await _claimed(request, uow, now)
            errors = FormErrors()
            subject = await _choice(uow, account, found, _values(data), errors, now)
        except ScanRefused as refused:
            request.session.pop(CLAIM, None)
            return _json_error(phone_refusal(refused.reason), 409)
        if errors or subject is None:
            return _json_error(next(iter(errors.fields.values()), ""), 422)
        request.session[PASSKEY_CHOICE] = {"id": str(found.id), **_values(data)}
        options = passkey_service.signin_options(rp, uow.cipher.credential_mac, now)
        return Response(options.encode(), media_type="application/json")

    @post("/confirm/passkey", status_code=200, before_request=json_only)
    async def passkey_confirm(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        rp: NamedDependency[RelyingParty],
        data: JSONBody[PasskeyAssertion],
    ) -> Response[Any]:
        """Approve with the choice kept by the options, once one of the holder's own
        passkeys has answered."""
        now = utcnow()
        chosen = request.session.pop(PASSKEY_CHOICE, None)
        try:
            found = await _claimed(request, uow, now)
        except ScanRefused as refused:
            request.session.pop(CLAIM, None)
            return _json_error(phone_refusal(refused.reason), 409)
        if not isinstance(chosen, dict) or chosen.get("id") != str(found.id):
            return _json_error(_("Choose the number and who is signing in again."), 422)
        errors = FormErrors()
        subject = await _choice(uow, account, found, chosen, errors, now)
        if errors or subject is None:
            return _json_error(next(iter(errors.fields.values()), ""), 422)
        try:
            await passkey_service.confirm_holder(
                uow, rp, account, credential_json=data.credential, now=now
            )
        except PasskeyRejected:
            return _json_error(
                _("The passkey did not confirm it. Try again, or use your PIN."), 400
            )
        try:
            await service.approve(uow, account, found, subject, now)
        except ScanRefused as refused:
            request.session.pop(CLAIM, None)
            return _json_error(phone_refusal(refused.reason), 409)
        _approved(request, subject)
        return Response({"redirect": "/scan/done"})

    @get("/done")
    async def done(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[Any]:
        shown = request.session.get(DONE)
        if not isinstance(shown, dict):
            return see_other("/scan")
        return page(request, "pages/scan/done.html", {"done": shown})

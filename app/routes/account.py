"""The account page: passkeys and the e-card PIN (first setting and changes)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.domain.pin import WeakPin
from app.domain.views import Holder
from app.routes import sessions
from app.routes.deps import (
    provide_account,
    provide_account_without_pin,
    provide_limits,
    provide_rp,
    provide_store,
)
from app.routes.forms import PASSWORD_MAX, pin_field, read_form
from app.routes.i18n import _, format_moment
from app.routes.json_body import json_only
from app.routes.labels import action_label, relationship_label, state_label
from app.routes.messages import note_pin_lock, pin_lock_moment, weak_pin_message, wrong_pin_message
from app.routes.scan_messages import audited_place
from app.routes.security import rotate_session
from app.routes.step_up import pin_page
from app.routes.web import FormErrors, page, safe_next, see_other
from app.services import account_security
from app.services import affinity as affinity_service
from app.services import passkeys as passkey_service
from app.services import pin as pin_service
from app.services.auth_core import PasskeyRejected, RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts
from app.services.signin import confirm_password

PASSWORD_CHECK_VALID_SECONDS = 600
_CHALLENGE_KEY = "passkey_register_challenge"
LABEL_MAX = 60


class PasskeyAttestation(msgspec.Struct):
    credential: str


def _password_recent(request: Request[Any, Any, Any]) -> bool:
    checked = float(request.session.get("password_at", 0))
    return utcnow().timestamp() - checked < PASSWORD_CHECK_VALID_SECONDS


class AccountController(Controller):
    path = "/account"
    dependencies = {
        "account": Provide(provide_account),
        "limits": Provide(provide_limits),
        "rp": Provide(provide_rp),
        "store": Provide(provide_store),
    }

    async def _render(
        self,
        request: Request[Any, Any, Any],
        uow: UnitOfWork,
        account: Holder,
        *,
        errors: FormErrors | None = None,
        status: int = 200,
    ) -> Response[str]:
        notices = {
            "added": _("Passkey added. You can now sign in with it."),
            "removed": _("Passkey removed."),
            "pin_changed": _("Your PIN has been changed."),
            "pin_reset": _("Your PIN has been reset. You can use the new PIN now."),
            "password_changed": _(
                "Your password has been changed. You have been signed out everywhere else."
            ),
            "revoked": _("Done. That card holder can no longer act for you."),
            "reported": _(
                "Done. That card holder can no longer act for you, and the service centre has been told."
            ),
        }
        notice = next(
            (text for key, text in notices.items() if request.query_params.get(key)), None
        )
        context = {
            "passkeys": await passkey_service.of(uow, account),
            "bound_by": await affinity_service.bound_by_others(uow, account),
            "acted_for_me": await affinity_service.done_for(uow, account),
            "security_history": await account_security.security_history(uow, account.person_id),
            "history_shown": account_security.HISTORY_SHOWN,
            # After a PIN reset: the PIN entry it was started from, to go back to.
            "back_to": safe_next(request.query_params.get("next"), "")
            if request.query_params.get("pin_reset")
            else "",
            "action_label": action_label,
            "scan_place": audited_place,
            "relationship_label": relationship_label,
            "state_label": state_label,
            "password_recent": _password_recent(request),
            "notice": notice,
            "errors": errors or FormErrors(),
            "format_moment": format_moment,
        }
        return page(request, "pages/account/index.html", context, status=status)

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        return await self._render(request, uow, account)

    @post("/password-check")
    async def password_check(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        values = await read_form(request)
        password = values.get("password", "")
        errors = FormErrors()
        status = 422
        if not password:
            errors.add("password", _("Enter your password"))
        elif len(password) > PASSWORD_MAX:
            errors.add("password", _("The password is not right"))
        else:
            try:
                if not await confirm_password(uow, limits, account, password, utcnow()):
                    errors.add("password", _("The password is not right"))
            except TooManyAttempts as wait:
                status = 429
                errors.add(
                    "password",
                    _(
                        "Too many wrong passwords. You can try again after {time} (China Standard Time)."
                    ).format(time=format_moment(wait.until)),
                )
        if errors:
            return await self._render(request, uow, account, errors=errors, status=status)
        rotate_session(request)
        request.session["password_at"] = utcnow().timestamp()
        return see_other("/account#passkeys")

    @post("/passkeys/options", status_code=200)
    async def passkey_options(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        rp: NamedDependency[RelyingParty],
    ) -> Response[Any]:
        if not _password_recent(request):
            return Response({"error": _("Confirm your password first.")}, status_code=403)
        options_json, challenge = await passkey_service.registration_options(uow, rp, account)
        sessions.keep_challenge(request, _CHALLENGE_KEY, challenge)
        return Response(options_json.encode(), media_type="application/json")

    @post("/passkeys", status_code=200, before_request=json_only)
    async def passkey_add(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        rp: NamedDependency[RelyingParty],
        data: JSONBody[PasskeyAttestation],
    ) -> Response[dict[str, str]]:
        challenge = sessions.take_challenge(request, _CHALLENGE_KEY)
        if challenge is None or not _password_recent(request):
            return Response(
                {"error": _("Adding the passkey did not work. Try again.")}, status_code=400
            )
        label = _("Passkey added on {day}").format(day=date.today().isoformat())[:LABEL_MAX]
        try:
            await passkey_service.register(
                uow,
                rp,
                account,
                credential_json=data.credential,
                challenge=challenge,
                label=label,
                now=utcnow(),
            )
        except PasskeyRejected:
            return Response(
                {"error": _("Adding the passkey did not work. Try again.")}, status_code=400
            )
        return Response({"redirect": "/account?added=1#passkeys"})

    @post("/passkeys/{passkey_id:uuid}/delete")
    async def passkey_remove(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        passkey_id: FromPath[UUID],
    ) -> Response[Any]:
        # Posting twice finds nothing the second time and lands on the same page.
        await passkey_service.remove(uow, account, passkey_id, utcnow())
        return see_other("/account?removed=1#passkeys")

    @post("/bound-by/{binding_id:uuid}/revoke")
    async def revoke_binding(
        self,
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        """The member ends a holder's affinity service for them, at once."""
        if not await affinity_service.revoke_as_member(uow, store, account, binding_id, utcnow()):
            raise NotFoundException
        return see_other("/account?revoked=1#bound-by")

    @post("/bound-by/{binding_id:uuid}/not-me")
    async def not_me(
        self,
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        """ "This was not me": one step revokes the binding and reports it to staff."""
        if not await affinity_service.report_not_me(uow, store, account, binding_id, utcnow()):
            raise NotFoundException
        return see_other("/account?reported=1#bound-by")

    @get("/pin")
    async def pin_form(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[str]:
        return _pin_page(request, account, "pages/account/pin_change.html", FormErrors())

    @post("/pin")
    async def pin_change(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[Any]:
        values = await read_form(request)
        errors = FormErrors()
        old_pin = pin_field(values, "old_pin", errors, _("Enter your current PIN"))
        new_pin = pin_field(values, "new_pin", errors, _("Enter a new PIN"))
        confirm = values.get("confirm_pin", "").strip()
        if "new_pin" not in errors.fields and confirm != new_pin:
            errors.add("confirm_pin", _("The two new PINs do not match"))
        template = "pages/account/pin_change.html"
        if errors:
            return _pin_page(request, account, template, errors, status=422)
        try:
            await pin_service.change_pin(
                uow, account, old_pin=old_pin, new_pin=new_pin, now=utcnow()
            )
        except WeakPin as weak:
            errors.add("new_pin", weak_pin_message(weak))
        except pin_service.WrongPin as wrong:
            errors.add("old_pin", wrong_pin_message(wrong.remaining, uow.policy))
        except pin_service.PinLocked as locked:
            note_pin_lock(request, locked.until)
        if errors or pin_lock_moment(request, account):
            return _pin_page(request, account, template, errors, status=422)
        return see_other("/account?pin_changed=1")


def _pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    template: str,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    return pin_page(request, account, template, {}, errors, status=status)


class PinSetupController(Controller):
    """First sign-in: a holder with no PIN sets one before anything else."""

    path = "/pin/set"
    dependencies = {"account": Provide(provide_account_without_pin)}

    @get("/")
    async def form(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[Any]:
        if account.has_pin:
            return see_other("/")
        return page(request, "pages/account/pin_set.html")

    @post("/")
    async def submit(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[Any]:
        if account.has_pin:  # posted twice: the first one already set it
            return see_other("/")
        values = await read_form(request)
        errors = FormErrors()
        pin = pin_field(values, "pin", errors, _("Enter a PIN"))
        if "pin" not in errors.fields and values.get("confirm_pin", "").strip() != pin:
            errors.add("confirm_pin", _("The two PINs do not match"))
        if not errors:
            try:
                await pin_service.set_first_pin(uow, account, pin, utcnow())
            except WeakPin as weak:
                errors.add("pin", weak_pin_message(weak))
            except pin_service.PinAlreadySet:
                pass
        if errors:
            return page(request, "pages/account/pin_set.html", {"errors": errors}, status=422)
        return see_other("/")

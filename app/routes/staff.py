"""Service-centre staff: sign-in with a password and then a passkey, and the in-person queue."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.domain.affinity import BindingState
from app.domain.in_person import normalise_reference
from app.domain.policy import Policy
from app.domain.views import StaffView
from app.routes import sessions
from app.routes.deps import provide_limits, provide_rp, provide_store
from app.routes.forms import PASSWORD_MAX, read_form
from app.routes.i18n import _, format_moment, ngettext
from app.routes.json_body import json_only
from app.routes.labels import relationship_label, state_label
from app.routes.sessions import SessionExpired, SignInRequired
from app.routes.web import FormErrors, client_ip, page, policy_of, see_other
from app.services import people
from app.services import staff as staff_service
from app.services.auth_core import PasskeyRejected, RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import Limits, TooManyAttempts

REFERENCE_MAX = 20  # the input's maxlength; longer is refused as not a code
_PENDING = "staff_pending"  # password checked, passkey not yet
_SIGNED_IN = "staff_id"
_CHALLENGE = "staff_challenge"
_ENROLMENT = "staff_enrolment_code"  # the id of the enrolment code accepted, until it is spent


class PasskeyBody(msgspec.Struct):
    credential: str


class StaffSignInRequired(SignInRequired):
    pass


async def _pending(request: Request[Any, Any, Any], uow: UnitOfWork) -> StaffView:
    """The staff member whose password has been checked; the same limits as a session."""
    try:
        staff_id = sessions.signed_in(request, _PENDING, uow.policy, utcnow())
    except SessionExpired:
        raise StaffSignInRequired("staff") from None
    member = await staff_service.signed_in_member(uow, staff_id) if staff_id else None
    if member is None:
        raise NotFoundException
    return member


async def provide_staff(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> StaffView:
    """The signed-in staff member; the holders' idle and absolute limits end the session."""
    try:
        staff_id = sessions.signed_in(request, _SIGNED_IN, uow.policy, utcnow())
    except SessionExpired:
        raise StaffSignInRequired("staff") from None
    member = await staff_service.signed_in_member(uow, staff_id) if staff_id else None
    if member is None:
        raise StaffSignInRequired("staff")
    return member


def _json_error() -> Response[dict[str, str]]:
    return Response({"error": _("The passkey did not work. Try again.")}, status_code=400)


class StaffAuthController(Controller):
    path = "/staff"
    dependencies = {"rp": Provide(provide_rp), "limits": Provide(provide_limits)}

    @get("/login")
    async def login_form(self, request: Request[Any, Any, Any]) -> Response[str]:
        return page(request, "pages/staff/login.html")

    @post("/login")
    async def login(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        values = await read_form(request)
        errors = FormErrors()
        number = values.get("staff_number", "").strip()[:20]
        password = values.get("password", "")
        if not number:
            errors.add("staff_number", _("Enter your staff number"))
        if not password:
            errors.add("password", _("Enter your password"))
        context: dict[str, Any] = {"errors": errors, "values": {"staff_number": number}}
        if errors:
            return page(request, "pages/staff/login.html", context, status=422)
        try:
            if len(password) > PASSWORD_MAX:
                raise staff_service.StaffSignInFailed
            member = await staff_service.check_password(
                uow, limits, number, password, ip=client_ip(request), now=utcnow()
            )
        except staff_service.StaffSignInFailed:
            errors.add("staff_number", _("The staff number or password is not right"))
            return page(request, "pages/staff/login.html", context, status=422)
        except TooManyAttempts as wait:
            context["locked_until"] = format_moment(wait.until)
            return page(request, "pages/staff/login.html", context, status=429)
        sessions.start(request, **{_PENDING: str(member.id)})
        has_key = await staff_service.has_passkey(uow, member)
        return see_other("/staff/passkey" if has_key else "/staff/passkey/new")

    @get("/passkey")
    async def passkey_page(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[str]:
        member = await _pending(request, uow)
        return page(request, "pages/staff/passkey.html", {"member": member, "register": False})

    @get("/passkey/new")
    async def passkey_new_page(
        self, request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
    ) -> Response[str]:
        member = await _pending(request, uow)
        return page(request, "pages/staff/passkey.html", {"member": member, "register": True})

    @post("/passkey/options", status_code=200)
    async def assert_options(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        rp: NamedDependency[RelyingParty],
    ) -> Response[bytes]:
        member = await _pending(request, uow)
        options, challenge = await staff_service.authentication_options(uow, rp, member)
        sessions.keep_challenge(request, _CHALLENGE, challenge)
        return Response(options.encode(), media_type="application/json")

    @post("/passkey", status_code=200, before_request=json_only)
    async def assert_finish(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        rp: NamedDependency[RelyingParty],
        data: JSONBody[PasskeyBody],
    ) -> Response[dict[str, str]]:
        member = await _pending(request, uow)
        challenge = sessions.take_challenge(request, _CHALLENGE)
        if challenge is None:
            return _json_error()
        try:
            await staff_service.authenticate(
                uow,
                rp,
                member,
                credential_json=data.credential,
                challenge=challenge,
                now=utcnow(),
            )
        except PasskeyRejected:
            return _json_error()
        return _signed_in(request, member)

    @post("/passkey/new/options", status_code=200, before_request=json_only)
    async def register_options(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        rp: NamedDependency[RelyingParty],
        limits: NamedDependency[Limits],
    ) -> Response[Any]:
        """The page sends the enrolment code with this request, so a wrong one is refused
        before the browser makes a passkey; it is spent when the passkey is stored."""
        member = await _pending(request, uow)
        code = (await _json_object(request)).get("enrolment_code")
        if isinstance(code, str) and (
            refused := await _accept_code(request, uow, limits, member, code.strip())
        ):
            return refused
        options, challenge = await staff_service.registration_options(uow, rp, member)
        sessions.keep_challenge(request, _CHALLENGE, challenge)
        return Response(options.encode(), media_type="application/json")

    @post("/passkey/new", status_code=200, before_request=json_only)
    async def register_finish(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        rp: NamedDependency[RelyingParty],
        data: JSONBody[PasskeyBody],
    ) -> Response[dict[str, str]]:
        member = await _pending(request, uow)
        challenge = sessions.take_challenge(request, _CHALLENGE)
        if challenge is None or await staff_service.has_passkey(uow, member):
            return _json_error()  # a second passkey only after signing in with the first
        code_id = request.session.get(_ENROLMENT)
        if not code_id:
            message = _("Enter the enrolment code you were given first.")
            return Response({"error": message}, status_code=400)
        try:
            await staff_service.enrol_first_passkey(
                uow,
                rp,
                member,
                UUID(code_id),
                credential_json=data.credential,
                challenge=challenge,
                now=utcnow(),
            )
        except PasskeyRejected:
            return _json_error()
        except staff_service.EnrolmentRefused:
            request.session.pop(_ENROLMENT, None)
            return Response({"error": _refused_code_message(policy_of(request))}, status_code=400)
        return _signed_in(request, member)

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        request.clear_session()
        return see_other("/staff/login")


async def _by_reference(
    uow: UnitOfWork, staff: StaffView, raw: str, errors: FormErrors
) -> UUID | None:
    if not raw.strip():
        errors.add("reference", _("Enter the reference code from the slip"))
        return None
    code = normalise_reference(raw)
    if code is None:
        errors.add(
            "reference", _("Enter the reference code as it is on the slip: 8 letters and digits")
        )
        return None
    found = await staff_service.by_reference(uow, staff, code)
    if found is None:
        errors.add(
            "reference", _("No request with this reference code is waiting in your region's queue")
        )
    return found


def _refused_code_message(policy: Policy) -> str:
    hours = policy.staff_enrolment_code_hours
    return ngettext(
        "This enrolment code is not right, or it has been used or is over {hours} hour old. Ask for a new one",
        "This enrolment code is not right, or it has been used or is over {hours} hours old. Ask for a new one",
        hours,
    ).format(hours=hours)


async def _json_object(request: Request[Any, Any, Any]) -> dict[str, Any]:
    body = await request.body()
    try:
        data = msgspec.json.decode(body) if body else {}
    except msgspec.DecodeError:
        return {}
    return data if isinstance(data, dict) else {}


async def _accept_code(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    limits: Limits,
    member: StaffView,
    code: str,
) -> Response[dict[str, str]] | None:
    """Check the enrolment code (counted like a sign-in attempt) and keep its id in the session
    until the passkey is stored; the refusal to answer, if any."""
    request.session.pop(_ENROLMENT, None)
    if not code:
        return Response({"error": _("Enter the enrolment code you were given")}, status_code=400)
    try:
        code_id = await staff_service.check_enrolment_code(
            uow, limits, member, code[:40], ip=client_ip(request), now=utcnow()
        )
    except staff_service.EnrolmentRefused:
        return Response({"error": _refused_code_message(policy_of(request))}, status_code=400)
    except TooManyAttempts as wait:
        message = _(
            "For your security, sign-in is paused. You can try again after {time} (China Standard Time)."
        ).format(time=format_moment(wait.until))
        return Response({"error": message}, status_code=429)
    request.session[_ENROLMENT] = str(code_id)
    return None


def _signed_in(request: Request[Any, Any, Any], member: StaffView) -> Response[dict[str, str]]:
    sessions.start(request, **{_SIGNED_IN: str(member.id)})
    return Response({"redirect": "/staff/queue"})


class StaffQueueController(Controller):
    path = "/staff"
    dependencies = {"staff": Provide(provide_staff), "store": Provide(provide_store)}

    @get("/queue")
    async def queue(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        reference: FromQuery[str | None] = None,
    ) -> Response[Any]:
        """The region's queue; with `reference`, the binding whose slip carries that code."""
        errors = FormErrors()
        if reference is not None:
            found = await _by_reference(uow, staff, reference, errors)
            if found is not None:
                return see_other(f"/staff/bindings/{found}")
        context = {
            "staff": staff,
            "bindings": await staff_service.queued(uow, staff),
            "reports": await staff_service.reports(uow, staff),
            "masked": lambda person: people.masked(uow, person),
            "format_moment": format_moment,
            "relationship_label": relationship_label,
            "state_label": state_label,
            "notice": _("Decision recorded.") if request.query_params.get("decided") else None,
            "errors": errors,
            "values": {"reference": (reference or "")[:REFERENCE_MAX]},
        }
        return page(request, "pages/staff/queue.html", context, status=422 if errors else 200)

    @get("/bindings/{binding_id:uuid}")
    async def binding(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        binding_id: FromPath[UUID],
    ) -> Response[str]:
        return await _binding_page(request, uow, staff, binding_id, FormErrors(), {})

    @get("/bindings/{binding_id:uuid}/document")
    async def document(
        self,
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
    ) -> Response[bytes]:
        """The relationship document, only to staff whose queue holds the binding."""
        data = await staff_service.document(uow, store, staff, binding_id, utcnow())
        if data is None:
            raise NotFoundException
        media_type = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
        return Response(
            data,
            media_type=media_type,
            headers={"Cache-Control": "no-store", "Content-Disposition": "inline"},
        )

    @post("/bindings/{binding_id:uuid}")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        staff: NamedDependency[StaffView],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        values = await read_form(request)
        errors = FormErrors()
        decision = values.get("decision")
        reason = values.get("reason", "").strip()
        if decision not in ("approve", "reject"):
            errors.add("decision", _("Choose whether to approve or reject"))
        if not reason:
            errors.add("reason", _("Give the reason for the decision"))
        elif len(reason) > staff_service.REASON_MAX:
            errors.add(
                "reason",
                _("This must be {limit} characters or fewer").format(
                    limit=staff_service.REASON_MAX
                ),
            )
        if not errors:
            try:
                await staff_service.decide(
                    uow,
                    store,
                    staff,
                    binding_id,
                    approve=decision == "approve",
                    reason=reason,
                    now=utcnow(),
                )
                return see_other("/staff/queue?decided=1")
            except staff_service.NotInQueue:
                raise NotFoundException from None
        shown = {"decision": decision or "", "reason": reason[:300]}
        return await _binding_page(request, uow, staff, binding_id, errors, shown, status=422)


async def _binding_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    staff: StaffView,
    binding_id: UUID,
    errors: FormErrors,
    values: dict[str, str],
    *,
    status: int = 200,
) -> Response[str]:
    binding = await staff_service.queued_detail(uow, staff, binding_id)
    if binding is None:
        raise NotFoundException
    review = binding.state == BindingState.DOCUMENTS_REVIEW.value
    name = binding.member.name
    context = {
        "review": review,
        "heading": _("Relationship document for {name}").format(name=name)
        if review
        else _("In-person check of {name}").format(name=name),
        "staff": staff,
        "binding": binding,
        "masked_member": people.masked(uow, binding.member),
        "masked_holder": people.masked(uow, binding.holder),
        "relationship": relationship_label(binding.relation),
        "state": state_label(binding.state),
        "errors": errors,
        "values": values,
    }
    return page(request, "pages/staff/binding.html", context, status=status)

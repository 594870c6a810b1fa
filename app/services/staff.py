"""Service-centre staff: sign-in (password, then a passkey, always) and in-person checks."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from app.adapters.document_store import DocumentStore
from app.adapters.hashing import hash_secret
from app.db.models import AffinityBinding, StaffEnrolmentCode, StaffMember, StaffPasskey
from app.db.views import binding_detail, staff_view
from app.domain.affinity import BindingEvent, BindingState, IllegalTransition
from app.domain.staff_enrolment import new_code, normalise_code
from app.domain.views import BindingDetail, StaffView
from app.services import auth_core
from app.services.affinity import NOT_ME, discard_references
from app.services.auth_core import PasskeyRejected, PasskeyUser, RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import SIGN_IN_IP, STAFF_SIGN_IN, Limits

REASON_MAX = 200


class StaffSignInFailed(Exception):
    pass


class NotInQueue(Exception):
    pass


class UnknownStaff(Exception):
    pass


class AlreadyEnrolled(Exception):
    """The enrolment code is for the first passkey only."""


class EnrolmentRefused(Exception):
    """A wrong, used or expired enrolment code: one answer for all."""


async def check_password(
    uow: UnitOfWork, limits: Limits, number: str, password: str, *, ip: str, now: datetime
) -> StaffView:
    """The first step of a staff sign-in, limited like a holder's (per staff number, and per
    IP with holders); every failure is audited. Raises StaffSignInFailed or TooManyAttempts."""
    member = await uow.staff.by_number(number)
    counted_as = [(STAFF_SIGN_IN, number), (SIGN_IN_IP, ip)]
    stored = member.password_hash if member else None
    if not await auth_core.check_password(limits, counted_as, stored, password, now) or (
        member is None
    ):
        uow.audit.record(
            "staff.signin_failed", at=now, actor=None, staff=member.id if member else None
        )
        raise StaffSignInFailed
    return staff_view(member)


async def signed_in_member(uow: UnitOfWork, staff_id: UUID) -> StaffView | None:
    return await uow.views.staff(staff_id)


async def has_passkey(uow: UnitOfWork, member: StaffView) -> bool:
    return bool(await uow.staff.passkeys(member.id))


async def registration_options(
    uow: UnitOfWork, rp: RelyingParty, member: StaffView
) -> tuple[str, bytes]:
    existing = await uow.staff.passkeys(member.id)
    row = await uow.staff.get(member.id)
    if row is None:
        raise UnknownStaff
    user = PasskeyUser(row.webauthn_user_id, member.staff_number, member.name)
    return auth_core.registration_options(
        rp, user, [p.credential_id for p in existing], discoverable=False
    )


async def issue_enrolment_code(uow: UnitOfWork, number: str, now: datetime) -> str:
    """The operator's command: a new one-time code (returned once, stored hashed) for the staff
    member's first passkey. Raises UnknownStaff or AlreadyEnrolled."""
    member = await uow.staff.by_number(number)
    if member is None:
        raise UnknownStaff
    if await has_passkey(uow, staff_view(member)):
        raise AlreadyEnrolled
    code = new_code()
    hours = uow.policy.staff_enrolment_code_hours
    await uow.staff.replace_enrolment_code(
        StaffEnrolmentCode(
            staff_id=member.id,
            code_hash=uow.cipher.token_hash(code),
            expires_at=now + timedelta(hours=hours),
        )
    )
    uow.audit.record("staff.enrolment_code_issued", at=now, actor=None, staff=member.id)
    return code


async def check_enrolment_code(
    uow: UnitOfWork, limits: Limits, member: StaffView, code: str, *, ip: str, now: datetime
) -> UUID:
    """The code the staff member typed, counted like a sign-in attempt before it is checked.
    Returns the code's id, kept in the session until the passkey is stored (the code is spent
    then). Raises EnrolmentRefused (audited) or TooManyAttempts."""
    counted = await limits.count(now, (STAFF_SIGN_IN, member.staff_number), (SIGN_IN_IP, ip))
    clean = normalise_code(code)
    found = await uow.staff.enrolment_code(uow.cipher.token_hash(clean)) if clean else None
    if (
        found is None
        or found.staff_id != member.id
        or found.used_at is not None
        or found.expires_at <= now
    ):
        uow.audit.record("staff.enrolment_failed", at=now, actor=None, staff=member.id)
        raise EnrolmentRefused
    await counted.succeeded()
    return found.id


async def enrol_first_passkey(
    uow: UnitOfWork,
    rp: RelyingParty,
    member: StaffView,
    code_id: UUID,
    *,
    credential_json: str,
    challenge: bytes,
    now: datetime,
) -> None:
    """Store the staff member's first passkey, spending the enrolment code in the same
    transaction: of requests sent at once with one code, only one stores a passkey.
    Raises PasskeyRejected (the code is then left unspent) or EnrolmentRefused."""
    data = auth_core.parse_credential(credential_json)
    verified = auth_core.verify_new_credential(rp, data, challenge)
    if not await uow.staff.spend_enrolment_code(code_id, member.id, now):
        await uow.rollback()
        raise EnrolmentRefused
    await uow.staff.add_passkey(
        StaffPasskey(
            staff_id=member.id,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
        )
    )
    uow.audit.record("staff.passkey_added", at=now, actor=None, staff=member.id)


async def authentication_options(
    uow: UnitOfWork, rp: RelyingParty, member: StaffView
) -> tuple[str, bytes]:
    passkeys = await uow.staff.passkeys(member.id)
    return auth_core.authentication_options(rp, [p.credential_id for p in passkeys])


async def authenticate(
    uow: UnitOfWork,
    rp: RelyingParty,
    member: StaffView,
    *,
    credential_json: str,
    challenge: bytes,
    now: datetime,
) -> None:
    data = auth_core.parse_credential(credential_json)
    stored = await uow.staff.passkey(auth_core.credential_id_of(data))
    if stored is None or stored.staff_id != member.id:
        raise PasskeyRejected("not this staff member's passkey")
    stored.sign_count = auth_core.verify_assertion(
        rp, data, challenge, public_key=stored.public_key, sign_count=stored.sign_count
    )
    uow.audit.record("staff.signin", at=now, actor=None, staff=member.id)


# What staff decide on, by the binding's state: the approving and the rejecting event.
_DECISIONS = {
    BindingState.NEEDS_IN_PERSON: (BindingEvent.STAFF_APPROVED, BindingEvent.STAFF_REJECTED),
    BindingState.DOCUMENTS_REVIEW: (
        BindingEvent.DOCUMENTS_APPROVED,
        BindingEvent.DOCUMENTS_REJECTED,
    ),
}
_AUDIT = {
    BindingState.NEEDS_IN_PERSON: ("staff.approved", "staff.rejected"),
    BindingState.DOCUMENTS_REVIEW: ("staff.documents_approved", "staff.documents_rejected"),
}


async def queue(uow: UnitOfWork, member: StaffView) -> list[AffinityBinding]:
    """Bindings of members in the staff member's region waiting for an in-person check or for
    the review of their relationship document, oldest first."""
    states = [state.value for state in _DECISIONS]
    return await uow.staff.in_person_queue(member.region_prefix, states)


@dataclass(frozen=True, slots=True)
class Report:
    """A member of the region said "This was not me" and revoked a binding."""

    member_name: str
    holder_name: str
    at: datetime


async def reports(uow: UnitOfWork, member: StaffView) -> list[Report]:
    rows = await uow.audit.reports_in_region(NOT_ME, member.region_prefix)
    return [Report(member_name=a, holder_name=s, at=event.at) for event, a, s in rows]


async def queued_binding(
    uow: UnitOfWork, member: StaffView, binding_id: UUID
) -> AffinityBinding | None:
    return next((b for b in await queue(uow, member) if b.id == binding_id), None)


async def queued(uow: UnitOfWork, member: StaffView) -> list[BindingDetail]:
    """The queue, as the staff pages show it."""
    return [binding_detail(b) for b in await queue(uow, member)]


async def by_reference(uow: UnitOfWork, member: StaffView, code: str) -> UUID | None:
    """The binding in this staff member's queue whose slip carries `code` (normalised)."""
    return next((b.id for b in await queue(uow, member) if b.in_person_reference == code), None)


async def queued_detail(
    uow: UnitOfWork, member: StaffView, binding_id: UUID
) -> BindingDetail | None:
    binding = await queued_binding(uow, member, binding_id)
    return None if binding is None else binding_detail(binding)


async def document(
    uow: UnitOfWork, store: DocumentStore, member: StaffView, binding_id: UUID, now: datetime
) -> bytes | None:
    """The relationship document of a binding in this staff member's queue (audited: it is
    personal data); None for anything else."""
    binding = await queued_binding(uow, member, binding_id)
    if binding is None:
        return None
    uow.audit.record(
        "staff.document_viewed",
        at=now,
        actor=None,
        subject=binding.member_person_id,
        staff=member.id,
    )
    return await store.read(binding.proof_file)


async def decide(
    uow: UnitOfWork,
    store: DocumentStore,
    member: StaffView,
    binding_id: UUID,
    *,
    approve: bool,
    reason: str,
    now: datetime,
) -> None:
    """After checking the member in person: approve (the binding opens) or reject it. After
    reviewing the relationship document: approve (face recognition may follow) or reject it."""
    binding = await queued_binding(uow, member, binding_id)
    if binding is None:
        raise NotInQueue
    state = BindingState(binding.state)
    event = _DECISIONS[state][0 if approve else 1]
    try:
        to = await uow.bindings.apply(binding, event, now)
    except IllegalTransition:
        raise NotInQueue from None  # another decision (or the holder) got there first
    if to is BindingState.ACTIVE:
        binding.activated_at = now
    elif to is BindingState.REJECTED:
        binding.ended_at = now
        uow.after_commit(lambda: discard_references(store, binding))
    uow.audit.record(
        _AUDIT[state][0 if approve else 1],
        at=now,
        actor=None,
        subject=binding.member_person_id,
        staff=member.id,
        detail=reason[:REASON_MAX],
    )


async def add_staff(
    uow: UnitOfWork, *, number: str, name: str, region_prefix: str, password: str
) -> bool:
    if await uow.staff.by_number(number):
        return False
    await uow.staff.add(
        StaffMember(
            staff_number=number,
            name=name,
            region_prefix=region_prefix,
            password_hash=hash_secret(password),
            webauthn_user_id=secrets.token_bytes(32),
        )
    )
    return True

"""Service-centre staff: sign-in (password, then a passkey, always) and in-person checks."""

from __future__ import annotations

import secrets
from datetime import datetime

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from app.adapters.document_store import DocumentStore
from app.adapters.hashing import hash_secret, verify_secret
from app.db.models import AffinityBinding, StaffMember, StaffPasskey
from app.domain.affinity import BindingEvent, BindingState, IllegalTransition
from app.services.affinity import discard_references
from app.services.context import UnitOfWork
from app.services.passkeys import (
    PasskeyRejected,
    RelyingParty,
    credential_id_of,
    parse_credential,
    verify_assertion,
    verify_new_credential,
)

REASON_MAX = 200


class StaffSignInFailed(Exception):
    pass


class NotInQueue(Exception):
    pass


async def check_password(uow: UnitOfWork, number: str, password: str) -> StaffMember:
    member = await uow.staff.by_number(number)
    if not verify_secret(member.password_hash if member else None, password) or member is None:
        raise StaffSignInFailed
    return member


async def has_passkey(uow: UnitOfWork, member: StaffMember) -> bool:
    return bool(await uow.staff.passkeys(member.id))


async def registration_options(
    uow: UnitOfWork, rp: RelyingParty, member: StaffMember
) -> tuple[str, bytes]:
    existing = await uow.staff.passkeys(member.id)
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.rp_name,
        user_id=member.webauthn_user_id,
        user_name=member.staff_number,
        user_display_name=member.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=p.credential_id) for p in existing],
    )
    return options_to_json(options), options.challenge


async def register(
    uow: UnitOfWork,
    rp: RelyingParty,
    member: StaffMember,
    *,
    credential_json: str,
    challenge: bytes,
    now: datetime,
) -> None:
    verified = verify_new_credential(rp, parse_credential(credential_json), challenge)
    await uow.staff.add_passkey(
        StaffPasskey(
            staff_id=member.id,
            credential_id=verified.credential_id,
            public_key=verified.credential_public_key,
            sign_count=verified.sign_count,
        )
    )
    uow.audit.record("staff.passkey_added", at=now, actor=None, staff=member.id)
    await uow.commit()


async def authentication_options(
    uow: UnitOfWork, rp: RelyingParty, member: StaffMember
) -> tuple[str, bytes]:
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=p.credential_id)
            for p in await uow.staff.passkeys(member.id)
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options), options.challenge


async def authenticate(
    uow: UnitOfWork,
    rp: RelyingParty,
    member: StaffMember,
    *,
    credential_json: str,
    challenge: bytes,
    now: datetime,
) -> None:
    data = parse_credential(credential_json)
    stored = await uow.staff.passkey(credential_id_of(data))
    if stored is None or stored.staff_id != member.id:
        raise PasskeyRejected("not this staff member's passkey")
    stored.sign_count = verify_assertion(
        rp, data, challenge, public_key=stored.public_key, sign_count=stored.sign_count
    )
    uow.audit.record("staff.signin", at=now, actor=None, staff=member.id)
    await uow.commit()


async def queue(uow: UnitOfWork, member: StaffMember) -> list[AffinityBinding]:
    return await uow.staff.in_person_queue(member.region_prefix, BindingState.NEEDS_IN_PERSON.value)


async def decide(
    uow: UnitOfWork,
    store: DocumentStore,
    member: StaffMember,
    binding: AffinityBinding,
    *,
    approve: bool,
    reason: str,
    now: datetime,
) -> None:
    """Approve (the binding opens) or reject it, after checking the member in person."""
    if binding.state != BindingState.NEEDS_IN_PERSON.value or binding not in await queue(
        uow, member
    ):
        raise NotInQueue
    event = BindingEvent.STAFF_APPROVED if approve else BindingEvent.STAFF_REJECTED
    try:
        await uow.bindings.apply(binding, event, now)
    except IllegalTransition:
        raise NotInQueue from None  # another decision (or the holder) got there first
    if approve:
        binding.activated_at = now
    else:
        binding.ended_at = now
        await discard_references(store, binding)
    uow.audit.record(
        "staff.approved" if approve else "staff.rejected",
        at=now,
        actor=None,
        subject=binding.member_person_id,
        staff=member.id,
        detail=reason[:REASON_MAX],
    )
    await uow.commit()


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
    await uow.commit()
    return True

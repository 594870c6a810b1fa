"""Passkeys ("fast sign-in"): registration from the account page, discoverable sign-in."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

from app.db.models import HolderAccount, PasskeyCredential
from app.services.context import UnitOfWork

MAX_CREDENTIAL_JSON = 16_384


@dataclass(frozen=True, slots=True)
class RelyingParty:
    rp_id: str
    rp_name: str
    origin: str


class PasskeyRejected(Exception):
    """Any failed ceremony: bad JSON, unknown credential, replay, wrong origin or challenge."""


def parse_credential(credential_json: str) -> dict[str, Any]:
    if len(credential_json) > MAX_CREDENTIAL_JSON:
        raise PasskeyRejected("too large")
    try:
        data = json.loads(credential_json)
    except ValueError:
        raise PasskeyRejected("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("rawId"), str):
        raise PasskeyRejected("not a credential")
    return data


def credential_id_of(data: dict[str, Any]) -> bytes:
    try:
        return base64url_to_bytes(str(data["rawId"]))
    except ValueError:
        raise PasskeyRejected("bad id") from None


def verify_new_credential(
    rp: RelyingParty, data: dict[str, Any], challenge: bytes
) -> VerifiedRegistration:
    """Check a registration against the challenge, origin and rp id; user verification required."""
    try:
        return verify_registration_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRejected(str(exc)) from None


def verify_assertion(
    rp: RelyingParty, data: dict[str, Any], challenge: bytes, *, public_key: bytes, sign_count: int
) -> int:
    """Check an assertion with the stored key; returns the new sign count."""
    try:
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp.rp_id,
            expected_origin=rp.origin,
            credential_public_key=public_key,
            credential_current_sign_count=sign_count,
            require_user_verification=True,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError) as exc:
        raise PasskeyRejected(str(exc)) from None
    return verified.new_sign_count


async def registration_options(
    uow: UnitOfWork, rp: RelyingParty, account: HolderAccount
) -> tuple[str, bytes]:
    """Options JSON for the browser, and the challenge to keep in the session."""
    existing = await uow.passkeys.for_account(account.id)
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.rp_name,
        user_id=account.webauthn_user_id,
        user_name=account.person.name,
        user_display_name=account.person.name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c.credential_id) for c in existing],
    )
    return options_to_json(options), options.challenge


async def register(
    uow: UnitOfWork,
    rp: RelyingParty,
    account: HolderAccount,
    *,
    credential_json: str,
    challenge: bytes,
    label: str,
    now: datetime,
) -> PasskeyCredential:
    data = parse_credential(credential_json)
    verified = verify_new_credential(rp, data, challenge)
    transports = data.get("response", {}).get("transports") or []
    credential = PasskeyCredential(
        account_id=account.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(str(t) for t in transports)[:200],
        label=label,
    )
    if await uow.passkeys.by_credential_id(verified.credential_id):
        raise PasskeyRejected("already registered")
    await uow.passkeys.add(credential)
    uow.audit.record("passkey.added", at=now, actor=account.person_id)
    await uow.commit()
    return credential


def authentication_options(rp: RelyingParty) -> tuple[str, bytes]:
    options = generate_authentication_options(
        rp_id=rp.rp_id, user_verification=UserVerificationRequirement.REQUIRED
    )
    return options_to_json(options), options.challenge


async def authenticate(
    uow: UnitOfWork, rp: RelyingParty, *, credential_json: str, challenge: bytes, now: datetime
) -> HolderAccount:
    data = parse_credential(credential_json)
    stored = await uow.passkeys.by_credential_id(credential_id_of(data))
    if stored is None:
        raise PasskeyRejected("unknown credential")
    account = await uow.accounts.get(stored.account_id)
    user_handle = data.get("response", {}).get("userHandle")
    if account is None or (
        user_handle and base64url_to_bytes(user_handle) != account.webauthn_user_id
    ):
        raise PasskeyRejected("user handle mismatch")
    stored.sign_count = verify_assertion(
        rp, data, challenge, public_key=stored.public_key, sign_count=stored.sign_count
    )
    stored.last_used_at = now
    uow.audit.record("signin.passkey", at=now, actor=account.person_id)
    await uow.commit()
    return account


async def remove(uow: UnitOfWork, account: HolderAccount, passkey_id: UUID, now: datetime) -> bool:
    removed = await uow.passkeys.remove(account.id, passkey_id)
    if removed:
        uow.audit.record("passkey.removed", at=now, actor=account.person_id)
        await uow.commit()
    return removed

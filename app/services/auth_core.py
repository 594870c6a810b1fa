"""One way to authenticate, for holders and staff alike.

A password is counted against its limits before it is checked (app/services/limits.py), and
checked with argon2id against a dummy hash when nobody matches, so a miss takes as long as a
wrong password. Passkeys ("fast sign-in") go through one set of ceremonies: options, then a
check of the browser's answer against the challenge, origin and relying party, with user
verification. A session lasts until it has been idle, or open, for the policy's limits.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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

from app.adapters.hashing import verify_secret
from app.domain.policy import Policy
from app.services.limits import Limit, Limits

MAX_CREDENTIAL_JSON = 16_384

# ---- passwords ---------------------------------------------------------------------------


async def check_password(
    limits: Limits,
    counted_as: Sequence[tuple[Limit, str]],
    stored_hash: str | None,
    password: str,
    now: datetime,
) -> bool:
    """Count the attempt under each (limit, key) first (TooManyAttempts if one refuses it),
    then check the password; None for the hash means nobody matched (the dummy hash is used).
    A success clears the counts or gives its own back (see limits.Limit)."""
    counted = await limits.count(now, *counted_as)
    if not verify_secret(stored_hash, password):
        return False
    await counted.succeeded()
    return True


# ---- sessions ----------------------------------------------------------------------------


def session_expired(
    policy: Policy,
    *,
    started_at: float,
    seen_at: float,
    now: float,
    idle_seconds: int | None = None,
) -> bool:
    """Idle for longer than the idle limit (the policy's, or the session's own: a kiosk's is
    shorter), or signed in for longer than the absolute one. Times are POSIX seconds, as the
    session keeps them (this runs on every signed-in request)."""
    idle = idle_seconds or policy.session_idle_minutes * 60
    return now - seen_at > idle or now - started_at > policy.session_absolute_hours * 3600


# ---- passkeys ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RelyingParty:
    rp_id: str
    rp_name: str
    origin: str


@dataclass(frozen=True, slots=True)
class PasskeyUser:
    """Whom a new passkey is for, as the authenticator will show it."""

    user_id: bytes
    name: str
    display_name: str


class PasskeyRejected(Exception):
    """Any failed ceremony: bad JSON, unknown credential, replay, wrong origin or challenge."""


def registration_options(
    rp: RelyingParty, user: PasskeyUser, existing: Sequence[bytes], *, discoverable: bool
) -> tuple[str, bytes]:
    """Options JSON for the browser, and the challenge to keep in the session. Holders sign in
    with a discoverable passkey alone; staff name themselves first, so theirs may be either."""
    options = generate_registration_options(
        rp_id=rp.rp_id,
        rp_name=rp.rp_name,
        user_id=user.user_id,
        user_name=user.name,
        user_display_name=user.display_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED
            if discoverable
            else ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=c) for c in existing],
    )
    return options_to_json(options), options.challenge


def authentication_options(
    rp: RelyingParty, allowed: Sequence[bytes] = (), challenge: bytes | None = None
) -> tuple[str, bytes]:
    """With no credentials allowed by name, the browser offers any discoverable passkey."""
    options = generate_authentication_options(
        rp_id=rp.rp_id,
        challenge=challenge,
        allow_credentials=[PublicKeyCredentialDescriptor(id=c) for c in allowed],
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options), options.challenge


def parse_credential(credential_json: str) -> dict[str, Any]:
    if len(credential_json) > MAX_CREDENTIAL_JSON:
        raise PasskeyRejected("too large")
    try:
        data = json.loads(credential_json)
    except (ValueError, RecursionError):  # nested too deep is no credential either
        raise PasskeyRejected("not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("rawId"), str):
        raise PasskeyRejected("not a credential")
    return data


def signed_challenge(data: dict[str, Any]) -> bytes:
    """The challenge the authenticator signed, as its client data names it (the signature
    check then holds it to that)."""
    try:
        client_data = json.loads(base64url_to_bytes(str(data["response"]["clientDataJSON"])))
        return base64url_to_bytes(str(client_data["challenge"]))
    except (ValueError, RecursionError, KeyError, TypeError):
        raise PasskeyRejected("no challenge") from None


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

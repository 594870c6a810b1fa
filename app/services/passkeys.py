"""Holders' passkeys: registration from the account page, discoverable sign-in, removal
(the ceremonies themselves are app/services/auth_core.py's, shared with staff)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError
from webauthn.helpers import base64url_to_bytes

from app.db.models import HolderAccount, PasskeyCredential
from app.db.views import passkey_view
from app.domain import signin_challenge
from app.domain.credential import Mac
from app.domain.views import Holder, PasskeyView
from app.services import auth_core
from app.services.accounts import account_of
from app.services.auth_core import PasskeyRejected, PasskeyUser, RelyingParty
from app.services.context import UnitOfWork


async def registration_options(
    uow: UnitOfWork, rp: RelyingParty, holder: Holder
) -> tuple[str, bytes]:
    """Options JSON for the browser, and the challenge to keep in the session."""
    account = await account_of(uow, holder)
    existing = await uow.passkeys.for_account(account.id)
    user = PasskeyUser(account.webauthn_user_id, account.person.name, account.person.name)
    return auth_core.registration_options(
        rp, user, [c.credential_id for c in existing], discoverable=True
    )


async def register(
    uow: UnitOfWork,
    rp: RelyingParty,
    holder: Holder,
    *,
    credential_json: str,
    challenge: bytes,
    label: str,
    now: datetime,
) -> PasskeyCredential:
    data = auth_core.parse_credential(credential_json)
    verified = auth_core.verify_new_credential(rp, data, challenge)
    transports = data.get("response", {}).get("transports") or []
    credential = PasskeyCredential(
        account_id=holder.account_id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=",".join(str(t) for t in transports)[:200],
        label=label,
    )
    if await uow.passkeys.by_credential_id(verified.credential_id):
        raise PasskeyRejected("already registered")
    await uow.passkeys.add(credential)
    uow.audit.record("passkey.added", at=now, actor=holder.person_id)
    return credential


def signin_options(rp: RelyingParty, mac: Mac, now: datetime) -> str:
    """Options JSON for a discoverable sign-in, with a challenge that needs no session."""
    options_json, _challenge = auth_core.authentication_options(
        rp, challenge=signin_challenge.issue(now=now, mac=mac)
    )
    return options_json


async def authenticate(
    uow: UnitOfWork, rp: RelyingParty, *, credential_json: str, now: datetime
) -> UUID:
    """The account id the passkey signs in to. Raises PasskeyRejected: a bad answer, a
    challenge not ours or expired, or one already used (its nonce is spent once, by a unique
    insert, with the sign-in)."""
    account = await _verified(uow, rp, credential_json, now)
    uow.audit.record("signin.passkey", at=now, actor=account.person_id)
    return account.id


async def confirm_holder(
    uow: UnitOfWork, rp: RelyingParty, holder: Holder, *, credential_json: str, now: datetime
) -> None:
    """A step-up by passkey: the answer must come from one of the signed-in holder's own
    passkeys (PasskeyRejected otherwise, as for a sign-in)."""
    account = await _verified(uow, rp, credential_json, now)
    if account.id != holder.account_id:
        raise PasskeyRejected("another holder's passkey")


async def _verified(
    uow: UnitOfWork, rp: RelyingParty, credential_json: str, now: datetime
) -> HolderAccount:
    data = auth_core.parse_credential(credential_json)
    challenge = auth_core.signed_challenge(data)
    try:
        claims = signin_challenge.read(challenge, now=now, mac=uow.cipher.credential_mac)
    except signin_challenge.ChallengeRefused as refused:
        raise PasskeyRejected(str(refused)) from None
    stored = await uow.passkeys.by_credential_id(auth_core.credential_id_of(data))
    if stored is None:
        raise PasskeyRejected("unknown credential")
    account = await uow.accounts.get(stored.account_id)
    user_handle = data.get("response", {}).get("userHandle")
    if account is None or (
        user_handle and base64url_to_bytes(user_handle) != account.webauthn_user_id
    ):
        raise PasskeyRejected("user handle mismatch")
    stored.sign_count = auth_core.verify_assertion(
        rp, data, challenge, public_key=stored.public_key, sign_count=stored.sign_count
    )
    stored.last_used_at = now
    try:
        async with uow.savepoint():
            await uow.spent_credentials.spend(claims.nonce_key, claims.expires_at)
    except IntegrityError:  # the same answer, already used by another request
        raise PasskeyRejected("challenge used") from None
    return account


async def remove(uow: UnitOfWork, holder: Holder, passkey_id: UUID, now: datetime) -> bool:
    removed = await uow.passkeys.remove(holder.account_id, passkey_id)
    if removed:
        uow.audit.record("passkey.removed", at=now, actor=holder.person_id)
    return removed


async def of(uow: UnitOfWork, holder: Holder) -> list[PasskeyView]:
    return [passkey_view(p) for p in await uow.passkeys.for_account(holder.account_id)]

"""A forgotten PIN or password (刷脸找回, domain-rules §10): the person proves who they are by
face recognition against their registry portrait, and a passed check then authorises exactly
one reset, within policy.reset_check_minutes of passing.

The source's reset is an SMS code plus the face; the portal sends no SMS, so a forgotten
password is reset with the ID number and the face, a forgotten PIN by the signed-in holder with
the face. Attempts are limited where the photos are sent (services.limits), never by the face
counters, so a stranger's attempts cannot hold up the person's own certification.

Nobody is signed in to reset a password, so nothing here tells whether an ID number is
registered: a number without an account, without a registry portrait, or with a check of
theirs still running starts no check (None), after the same checks of the photo as a real one;
the pages then answer as for a photo that did not match.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import anyio

from app.adapters.document_store import DocumentStore
from app.adapters.hashing import hash_secret, verify_secret
from app.adapters.images import normalise_image
from app.adapters.portraits import PortraitSource
from app.db.models import FaceCheck
from app.domain.identity import IdNumber
from app.domain.pin import check_pin_policy
from app.domain.views import Holder
from app.services import face
from app.services.accounts import account_of
from app.services.context import UnitOfWork
from app.services.limits import PASSWORD_RESET_ID, PIN_RESET_ACCOUNT, SIGN_IN_ACCOUNT, Limits


class ResetRefused(Exception):
    """The check authorises no reset: not passed, another person's or purpose's, older than
    the policy allows, or spent already (perhaps by a request sent at the same moment)."""


class SameAsCurrent(Exception):
    """The new password is the one it would replace."""


@dataclass(frozen=True, slots=True)
class ResetCheck:
    """A reset's face check as its status page shows it, and whether it authorises a reset."""

    check_id: UUID
    person_id: UUID
    state: str
    reason: str | None
    usable: bool


async def _photo_checked(uow: UnitOfWork, selfie: bytes) -> None:
    """The photo decoded as a real check's is (raises ImageRejected alike), then dropped."""
    policy = uow.policy
    await anyio.to_thread.run_sync(
        lambda: normalise_image(
            selfie, max_bytes=policy.upload_max_bytes, max_pixels=policy.upload_max_pixels
        )
    )


async def start_password_check(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    lookup_hash: str,
    selfie: bytes,
    now: datetime,
) -> FaceCheck | None:
    """A check of the person with this ID number (its lookup hash) for a password reset, once
    the caller has counted the attempt; None when no check can start (see the module's
    docstring). Raises ImageRejected."""
    person = await uow.people.by_lookup_hash(lookup_hash)
    account = await uow.accounts.for_person(person.id) if person else None
    if person is None or account is None:
        await _photo_checked(uow, selfie)
        return None
    try:
        return await face.start_reset_check(
            uow, store, portraits, person.id, selfie, now, purpose=face.PASSWORD_RESET
        )
    except (face.NoReference, face.CheckPending):
        await _photo_checked(uow, selfie)
        return None


async def start_pin_check(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    holder: Holder,
    selfie: bytes,
    now: datetime,
) -> FaceCheck:
    """The signed-in holder's check for a PIN reset. Raises NoReference, CheckPending or
    ImageRejected."""
    return await face.start_reset_check(
        uow, store, portraits, holder.person_id, selfie, now, purpose=face.PIN_RESET
    )


def _passed_after(uow: UnitOfWork, now: datetime) -> datetime:
    return now - timedelta(minutes=uow.policy.reset_check_minutes)


async def reset_check(
    uow: UnitOfWork, check_id: UUID, purpose: str, now: datetime, *, person_id: UUID | None = None
) -> ResetCheck | None:
    """The check, if it is one for this purpose (and this person's, when given), and whether
    it authorises a reset now."""
    check = await uow.face_checks.get(check_id)
    if check is None or check.purpose != purpose or check.person_id is None:
        return None
    if person_id is not None and check.person_id != person_id:
        return None
    usable = (
        check.state == face.MATCHED
        and check.used_at is None
        and check.decided_at is not None
        and check.decided_at > _passed_after(uow, now)
    )
    return ResetCheck(check.id, check.person_id, check.state, check.reason, usable)


async def reset_password(
    uow: UnitOfWork, limits: Limits, check_id: UUID, new_password: str, now: datetime
) -> int:
    """Spend the passed check (ResetRefused if it cannot be), set the new password and end
    every session of the account: whoever knew the old one may be signed in. The account's
    sign-in and reset counts are cleared, as a right password clears them. Raises
    SameAsCurrent before the check is spent. Returns how many sessions ended."""
    found = await reset_check(uow, check_id, face.PASSWORD_RESET, now)
    account = await uow.accounts.for_person(found.person_id) if found and found.usable else None
    if found is None or account is None:  # refused at once, as a number with no check is
        raise ResetRefused
    person_id = found.person_id
    if verify_secret(account.password_hash, new_password):
        raise SameAsCurrent
    if not await uow.face_checks.spend(
        check_id,
        person_id=person_id,
        purpose=face.PASSWORD_RESET,
        decided_after=_passed_after(uow, now),
        now=now,
    ):
        raise ResetRefused
    await uow.accounts.set_password(account.id, hash_secret(new_password))
    ended = await uow.signed_in_sessions.end(account.id, now)
    uow.audit.record("password.reset", at=now, actor=person_id, detail=f"sessions_ended={ended}")
    digest = account.person.id_number_hmac  # the key both limits count the ID number under
    await limits.forget(PASSWORD_RESET_ID, digest)
    await limits.forget(SIGN_IN_ACCOUNT, digest)
    return ended


async def reset_pin(
    uow: UnitOfWork, limits: Limits, holder: Holder, check_id: UUID, new_pin: str, now: datetime
) -> bool:
    """Check the new PIN's policy (WeakPin, before the check is spent), spend the holder's
    passed check (ResetRefused if it cannot be) and set the PIN: the wrong-PIN count and any
    lock go with the old one. Returns whether PIN use was locked."""
    account = await account_of(uow, holder)
    check_pin_policy(new_pin, id_number=uow.id_number_of(account.person).value)
    if not await uow.face_checks.spend(
        check_id,
        person_id=holder.person_id,
        purpose=face.PIN_RESET,
        decided_after=_passed_after(uow, now),
        now=now,
    ):
        raise ResetRefused
    locked = account.pin_locked_until is not None and account.pin_locked_until > now
    await uow.accounts.reset_pin(account, hash_secret(new_pin))
    detail = "unlocked" if locked else ""
    uow.audit.record("pin.reset", at=now, actor=holder.person_id, detail=detail)
    await limits.forget(PIN_RESET_ACCOUNT, str(account.id))
    return locked


async def has_portrait(portraits: PortraitSource, holder: Holder) -> bool:
    """Whether the signed-in holder can reset their PIN here (else at a service centre)."""
    return await face.has_own_reference(portraits, holder.person_id)


def lookup_key(uow: UnitOfWork, number: IdNumber) -> str:
    """What a password reset keeps of the ID number typed (in the session, and as the key of
    its limit): the lookup hash, which is not the number."""
    return uow.cipher.lookup_hash(number.value)

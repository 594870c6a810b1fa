"""Password sign-in with per-account and per-IP backoff, and no user enumeration."""

from __future__ import annotations

from datetime import datetime

from app.adapters.hashing import verify_secret
from app.adapters.throttle_store import ThrottleStore
from app.db.models import HolderAccount
from app.domain.identity import IdNumber
from app.services.context import UnitOfWork
from app.services.throttling import blocked_until


class InvalidCredentials(Exception):
    """One message for every wrong combination, so the form reveals no account."""


class TooManyAttempts(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


def _throttle_keys(uow: UnitOfWork, number: IdNumber, ip: str) -> tuple[str, str]:
    return f"signin:acct:{uow.cipher.lookup_hash(number.value)}", f"signin:ip:{ip}"


async def sign_in_with_password(
    uow: UnitOfWork,
    throttles: ThrottleStore,
    *,
    number: IdNumber,
    password: str,
    ip: str,
    now: datetime,
) -> HolderAccount:
    keys = _throttle_keys(uow, number, ip)
    current = [await throttles.get(key) for key in keys]
    waits = [until for t in current if (until := blocked_until(t, uow.policy, now))]
    if waits:
        raise TooManyAttempts(max(waits))

    person = await uow.people.by_id_number(number)
    account = await uow.accounts.for_person(person.id) if person else None
    if not verify_secret(account.password_hash if account else None, password) or not account:
        for key, throttle in zip(keys, current, strict=True):
            await throttles.put(key, throttle.after_failure(now))
        uow.audit.record("signin.failed", at=now, actor=person.id if person else None)
        await uow.commit()
        raise InvalidCredentials
    for key in keys:
        await throttles.clear(key)
    uow.audit.record("signin.password", at=now, actor=account.person_id)
    await uow.commit()
    return account


async def confirm_password(uow: UnitOfWork, account: HolderAccount, password: str) -> bool:
    """Re-check the signed-in holder's password before a sensitive change."""
    return verify_secret(account.password_hash, password)

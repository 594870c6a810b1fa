"""The e-card PIN: set it, change it, and verify it as a step-up (with the lock)."""

from __future__ import annotations

from datetime import datetime

from app.adapters.hashing import hash_secret, verify_secret
from app.db.models import HolderAccount
from app.domain.pin import PinLockState, check_pin_policy
from app.domain.views import Holder
from app.services.accounts import account_of
from app.services.context import UnitOfWork
from app.services.limits import TooManyAttempts, count_pin_attempt


class PinLocked(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


class WrongPin(Exception):
    def __init__(self, remaining: int) -> None:
        super().__init__(str(remaining))
        self.remaining = remaining


class PinAlreadySet(Exception):
    pass


def _lock_state(account: HolderAccount) -> PinLockState:
    return PinLockState(failures=account.pin_failures, locked_until=account.pin_locked_until)


def pin_locked_until(holder: Holder, now: datetime) -> datetime | None:
    """As the request found it (a PIN checked in this request raises PinLocked instead)."""
    state = PinLockState(locked_until=holder.pin_locked_until)
    return state.locked_until if state.is_locked(now) else None


async def set_first_pin(uow: UnitOfWork, holder: Holder, pin: str, now: datetime) -> None:
    """Raises WeakPin, or PinAlreadySet when the form is posted again."""
    account = await account_of(uow, holder)
    if account.pin_hash is not None:
        raise PinAlreadySet
    check_pin_policy(pin, id_number=uow.id_number_of(account.person).value)
    account.pin_hash = hash_secret(pin)
    uow.audit.record("pin.set", at=now, actor=account.person_id)


async def verify_pin(uow: UnitOfWork, holder: Holder, pin: str, now: datetime) -> None:
    """The step-up check used before binding, unbinding and paying.

    The attempt is counted (and committed) before the PIN is checked, by one conditional
    update that refuses while PIN use is locked, so PINs sent at once cannot outrun the lock.
    Raises PinLocked while locked, or WrongPin with the tries left.
    """
    policy = uow.policy
    account = await account_of(uow, holder)
    try:
        await count_pin_attempt(uow, account, now)
    except TooManyAttempts as locked:
        raise PinLocked(locked.until) from None
    if verify_secret(account.pin_hash, pin):
        await uow.accounts.clear_pin_failures(account)
        return
    uow.audit.record("pin.failed", at=now, actor=account.person_id)
    state = _lock_state(account)
    if state.locked_until is not None:  # this attempt was the last allowed: the lock stands
        uow.audit.record("pin.locked", at=now, actor=account.person_id)
        raise PinLocked(state.locked_until)
    raise WrongPin(state.remaining(policy.pin_max_failures))


async def change_pin(
    uow: UnitOfWork, holder: Holder, *, old_pin: str, new_pin: str, now: datetime
) -> None:
    """Checks the new PIN's policy first (no attempt is spent on a form error), then the old PIN."""
    check_pin_policy(new_pin, id_number=uow.id_number_of(holder.person).value)
    await verify_pin(uow, holder, old_pin, now)
    account = await account_of(uow, holder)
    account.pin_hash = hash_secret(new_pin)
    uow.audit.record("pin.changed", at=now, actor=account.person_id)

"""The named limits on guessing secrets, and how an attempt is counted against them.

Every attempt is counted atomically in its store (Redis INCR with a TTL when REDIS_URL is set,
otherwise one conditional UPDATE ... RETURNING in the database) BEFORE the secret is checked,
so requests sent at once cannot all slip under a limit. The waits are app/domain/backoff.py's,
with the values of app/domain/policy.py. The PIN's limit is kept on the holder's account, where
its lock is shown from; it is counted the same way (see count_pin_attempt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from app.db.limit_counters import DatabaseCounters
from app.db.models import HolderAccount
from app.domain.backoff import Backoff, Throttle
from app.domain.policy import Policy
from app.services.context import UnitOfWork


@dataclass(frozen=True, slots=True)
class Limit:
    """A limiter: its keys start with `name`. A success clears an account's key (its owner has
    just proved who they are) but only gives back its own count on a shared key such as an
    IP address, so earlier failures from there still count until they are forgotten."""

    name: str
    cleared_by_success: bool


SIGN_IN_ACCOUNT = Limit("signin:account", cleared_by_success=True)
SIGN_IN_IP = Limit("signin:ip", cleared_by_success=False)  # holders and staff alike
STAFF_SIGN_IN = Limit("staff-signin:number", cleared_by_success=True)
PASSWORD_CHECK = Limit("password-check:account", cleared_by_success=True)
HANDOFF_CODE = Limit("handoff:ip", cleared_by_success=False)
# Scan login: the short codes typed on a phone (per holder and per address), and the keys that
# set a browser up as a self-service machine (per address).
SCAN_CODE_ACCOUNT = Limit("scan-code:account", cleared_by_success=False)
SCAN_CODE_IP = Limit("scan-code:ip", cleared_by_success=False)
KIOSK_KEY_IP = Limit("kiosk-key:ip", cleared_by_success=False)
# New scan-login requests: per address for a browser, per machine for a self-service machine
# (a service hall's machines may share one address), in windows of the policy's length.
SCAN_REQUEST = Limit("scan-request", cleared_by_success=False)
# The wizard's name and ID number look-up: misses count per holder and per address; a match
# only gives back its own count, or a known pair could wipe the count of the guesses.
REGISTRY_LOOKUP_HOLDER = Limit("registry-lookup:holder", cleared_by_success=False)
REGISTRY_LOOKUP_IP = Limit("registry-lookup:ip", cleared_by_success=False)
# A forgotten password or PIN: each photo sent to prove who one is counts, per ID number (its
# lookup hash, registered or not) or account, and per address; a reset done clears the first.
PASSWORD_RESET_ID = Limit("password-reset:id", cleared_by_success=True)
PIN_RESET_ACCOUNT = Limit("pin-reset:account", cleared_by_success=True)
RESET_IP = Limit("reset:ip", cleared_by_success=False)


class Counters(Protocol):
    async def hit(
        self, keys: Sequence[str], now: datetime, memory: timedelta
    ) -> list[Throttle]: ...

    async def give_back(self, key: str) -> None: ...

    async def clear(self, key: str) -> None: ...


class TooManyAttempts(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


def backoff(policy: Policy) -> Backoff:
    return Backoff(
        free_failures=policy.signin_free_failures,
        base_wait=timedelta(seconds=policy.signin_base_wait_seconds),
        max_wait=timedelta(seconds=policy.signin_max_wait_seconds),
    )


@dataclass(frozen=True, slots=True)
class Counted:
    """An attempt that has been counted and let through to the secret check."""

    counters: Counters
    keys: tuple[tuple[Limit, str], ...]

    async def succeeded(self) -> None:
        for limit, key in self.keys:
            if limit.cleared_by_success:
                await self.counters.clear(key)
            else:
                await self.counters.give_back(key)


class Limits:
    def __init__(self, counters: Counters, policy: Policy) -> None:
        self.counters = counters
        self.policy = policy

    async def count(self, now: datetime, *attempt: tuple[Limit, str]) -> Counted:
        """Count one attempt under each (limit, key); raise TooManyAttempts if any refuses it."""
        keys = tuple((limit, f"{limit.name}:{key}") for limit, key in attempt)
        memory = timedelta(hours=self.policy.limit_memory_hours)
        before = await self.counters.hit([key for _, key in keys], now, memory)
        rule = backoff(self.policy)
        waits = [until for state in before if (until := rule.refuses(state, now))]
        if waits:
            raise TooManyAttempts(max(waits))
        return Counted(self.counters, keys)

    async def forget(self, limit: Limit, key: str) -> None:
        """Clear one key's count, once its owner has proved who they are some other way (a
        reset done after a passed face check)."""
        await self.counters.clear(f"{limit.name}:{key}")


def limits_for(uow: UnitOfWork, shared: Counters | None) -> Limits:
    """The limits for one request: Redis's counters when there are some, else the database's
    (in the request's own session, so a request needs no second connection)."""
    return Limits(shared or DatabaseCounters(uow.db), uow.policy)


async def count_pin_attempt(uow: UnitOfWork, account: HolderAccount, now: datetime) -> int:
    """Count one PIN attempt on the account before the PIN is checked, and commit it; the
    attempt that reaches the policy's maximum locks PIN use there and then (a right PIN lifts
    the lock again). Returns the attempt's number; raises TooManyAttempts while locked."""
    policy = uow.policy
    counted = await uow.accounts.count_pin_attempt(
        account,
        now,
        max_failures=policy.pin_max_failures,
        lock_until=now + timedelta(hours=policy.pin_lock_hours),
    )
    await uow.commit()
    if counted is None:
        raise TooManyAttempts(account.pin_locked_until or now)
    return counted

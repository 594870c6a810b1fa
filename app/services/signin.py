"""Holders' password sign-in: limited per account and per IP, with no user enumeration."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from app.db.models import HolderAccount
from app.domain.identity import IdNumber
from app.domain.views import Holder
from app.services import auth_core
from app.services.accounts import account_of
from app.services.context import UnitOfWork
from app.services.limits import PASSWORD_CHECK, SIGN_IN_ACCOUNT, SIGN_IN_IP, Limits


class InvalidCredentials(Exception):
    """One message for every wrong combination, so the form reveals no account."""


async def sign_in_with_password(
    uow: UnitOfWork,
    limits: Limits,
    *,
    number: IdNumber,
    password: str,
    ip: str,
    now: datetime,
) -> UUID:
    """The account's id. Raises InvalidCredentials, or limits.TooManyAttempts before any check."""
    person = await uow.people.by_id_number(number)
    account = await uow.accounts.for_person(person.id) if person else None
    # The account's key is the ID number's lookup hash: typed, known or not, never stored plain.
    counted_as = [(SIGN_IN_ACCOUNT, uow.cipher.lookup_hash(number.value)), (SIGN_IN_IP, ip)]
    stored = account.password_hash if account else None
    if not await auth_core.check_password(limits, counted_as, stored, password, now) or (
        account is None
    ):
        uow.audit.record("signin.failed", at=now, actor=person.id if person else None)
        raise InvalidCredentials
    uow.audit.record("signin.password", at=now, actor=account.person_id)
    return account.id


async def confirm_password(
    uow: UnitOfWork, limits: Limits, holder: Holder, password: str, now: datetime
) -> bool:
    """Re-check the signed-in holder's password before a sensitive change (limited per
    account: a stolen session must not become a way to guess the password). It also counts
    against the account's sign-in limit, so guesses here and at /login share one budget."""
    return await check_account_password(uow, limits, await account_of(uow, holder), password, now)


async def check_account_password(
    uow: UnitOfWork, limits: Limits, account: HolderAccount, password: str, now: datetime
) -> bool:
    """confirm_password's check, for a service that has the account row already."""
    number = uow.id_number_of(account.person)
    counted_as = [
        (SIGN_IN_ACCOUNT, uow.cipher.lookup_hash(number.value)),
        (PASSWORD_CHECK, str(account.id)),
    ]
    if await auth_core.check_password(limits, counted_as, account.password_hash, password, now):
        return True
    uow.audit.record("password_check.failed", at=now, actor=account.person_id)
    return False

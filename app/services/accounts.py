"""The signed-in holder's own account row, for the few changes only the services make
(PIN, passkeys, password): pages get the read-only Holder view instead."""

from __future__ import annotations

from uuid import UUID

from app.db.models import HolderAccount
from app.domain.views import Holder
from app.services.context import UnitOfWork


class AccountGone(LookupError):
    """Deleted while signed in: the next page signs them out."""


async def account_of(uow: UnitOfWork, holder: Holder) -> HolderAccount:
    account = await uow.accounts.get(holder.account_id)
    if account is None:
        raise AccountGone(str(holder.account_id))
    return account


async def holder(uow: UnitOfWork, account_id: UUID, session_id: UUID) -> Holder | None:
    """The signed-in holder of a request, their person and card, in one query; None once the
    sign-in `session_id` has been ended (signed out, or ended from another device)."""
    return await uow.views.holder(account_id, session_id)

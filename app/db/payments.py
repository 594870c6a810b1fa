"""Repositories of payments, their idempotency keys and the funds' ledger.

A payment's state changes only by a conditional update (its current state in the WHERE), so two
requests racing on one payment cannot both move it; the ledger is only ever inserted into.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import delete, exists, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db.models import FundAccount, LedgerEntry, LedgerPosting, Payment, PaymentKey
from app.domain.ledger import Posting
from app.domain.payments import PaymentState
from app.domain.views import FundLine, LedgerLine, PaymentView

_VIEW_FIELDS = tuple(f.name for f in fields(PaymentView))


def payment_view(row: Payment) -> PaymentView:
    return PaymentView(**{name: getattr(row, name) for name in _VIEW_FIELDS})


def _is_postgres(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_if_new(session: AsyncSession, model: Any) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING: a unique index decides, in one statement, without a
    savepoint (the SQLite driver would commit an outermost savepoint on release)."""
    dialect_insert = postgresql.insert if _is_postgres(session) else sqlite.insert
    return dialect_insert(model)


class Payments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_open(self, values: dict[str, Any]) -> UUID | None:
        """Insert an open payment, or None if its bill has one open already."""
        statement = (
            _insert_if_new(self.session, Payment)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(Payment.id)
        )
        found: UUID | None = await self.session.scalar(statement)
        return found

    async def get(self, payment_id: UUID) -> Payment | None:
        return await self.session.get(Payment, payment_id, populate_existing=True)

    async def view(self, payment_id: UUID) -> PaymentView | None:
        found = await self.get(payment_id)
        return None if found is None else payment_view(found)

    async def by_reference(self, reference: str) -> Payment | None:
        try:
            payment_id = UUID(hex=reference)
        except ValueError:
            return None
        return await self.get(payment_id)

    async def open_for_bill(self, bill: str) -> Payment | None:
        return await self.session.scalar(
            select(Payment).where(Payment.bill == bill, Payment.state == PaymentState.CREATED)
        )

    async def paid_for_bill(self, bill: str) -> Payment | None:
        return await self.session.scalar(
            select(Payment).where(Payment.bill == bill, Payment.state == PaymentState.PAID)
        )

    async def of_beneficiary(self, person_id: UUID, limit: int = 50) -> list[PaymentView]:
        rows = await self.session.scalars(
            select(Payment)
            .where(Payment.beneficiary_person_id == person_id)
            .order_by(Payment.created_at.desc())
            .limit(limit)
        )
        return [payment_view(row) for row in rows]

    async def move(
        self,
        payment_id: UUID,
        from_states: Iterable[PaymentState],
        to: PaymentState,
        **values: Any,
    ) -> bool:
        """Move the payment to `to` if it is still in one of `from_states`; False if another
        request moved it first."""
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            update(Payment)
            .where(Payment.id == payment_id, Payment.state.in_([s.value for s in from_states]))
            .values(state=to.value, **values)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def confirm(self, payment_id: UUID, bill: str, **values: Any) -> bool:
        """Move an open payment to paid unless another payment of its bill stands already.
        Two confirmed at the same moment on PostgreSQL: the unique index refuses the second
        (in a savepoint there; SQLite runs one writer at a time, so the condition decides)."""
        other = aliased(Payment)
        statement = (
            update(Payment)
            .where(
                Payment.id == payment_id,
                Payment.state == PaymentState.CREATED,
                ~exists().where(other.bill == bill, other.state == PaymentState.PAID),
            )
            .values(state=PaymentState.PAID.value, **values)
            .execution_options(synchronize_session=False)
        )
        if not _is_postgres(self.session):
            result: CursorResult[Any] = await self.session.execute(statement)  # type: ignore[assignment]
            return result.rowcount == 1
        try:
            async with self.session.begin_nested():
                result = await self.session.execute(statement)  # type: ignore[assignment]
        except IntegrityError:
            return False
        return result.rowcount == 1

    async def claim_query(self, payment_id: UUID, now: datetime, not_since: datetime) -> bool:
        """Whether this caller may ask the provider about the payment now (one asker at a time,
        and not again before `not_since` has passed)."""
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            update(Payment)
            .where(
                Payment.id == payment_id,
                Payment.state == PaymentState.CREATED,
                or_(Payment.last_queried_at.is_(None), Payment.last_queried_at <= not_since),
            )
            .values(last_queried_at=now)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    async def unconfirmed(self, created_before: datetime, limit: int = 50) -> list[UUID]:
        rows = await self.session.scalars(
            select(Payment.id)
            .where(Payment.state == PaymentState.CREATED, Payment.created_at <= created_before)
            .order_by(Payment.created_at)
            .limit(limit)
        )
        return list(rows)

    async def refunds_due(self, limit: int = 50) -> list[UUID]:
        rows = await self.session.scalars(
            select(Payment.id)
            .where(Payment.state == PaymentState.REFUND_DUE)
            .order_by(Payment.updated_at)
            .limit(limit)
        )
        return list(rows)


class PaymentKeys:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: UUID, key: str) -> PaymentKey | None:
        return await self.session.get(PaymentKey, (account_id, key), populate_existing=True)

    async def claim(self, account_id: UUID, key: str, digest: str, expires_at: datetime) -> bool:
        """Record the key; False if it was recorded before (by this request's twin, say)."""
        statement = (
            _insert_if_new(self.session, PaymentKey)
            .values(
                holder_account_id=account_id, key=key, content_digest=digest, expires_at=expires_at
            )
            .on_conflict_do_nothing()
            .returning(PaymentKey.key)
        )
        return await self.session.scalar(statement) is not None

    async def link(self, account_id: UUID, key: str, payment_id: UUID) -> None:
        await self.session.execute(
            update(PaymentKey)
            .where(PaymentKey.holder_account_id == account_id, PaymentKey.key == key)
            .values(payment_id=payment_id)
            .execution_options(synchronize_session=False)
        )

    async def purge(self, now: datetime) -> int:
        result: CursorResult[Any] = await self.session.execute(  # type: ignore[assignment]
            delete(PaymentKey).where(PaymentKey.expires_at <= now)
        )
        return int(result.rowcount or 0)


def account_code(fund: str, account: str) -> str:
    return f"{fund}:{account}"


class Ledger:
    """Postings and their entries: inserted, never changed."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def post(
        self,
        posting: Posting,
        kind: str,
        at: datetime,
        *,
        payment_id: UUID | None = None,
        reverses_id: UUID | None = None,
    ) -> UUID | None:
        """Insert the posting and its entries; None if the payment's posting of this kind
        exists already (a payment is received once and refunded once)."""
        posting_id: UUID | None = await self.session.scalar(
            _insert_if_new(self.session, LedgerPosting)
            .values(
                id=uuid4(),
                payment_id=payment_id,
                kind=kind,
                purpose=posting.purpose,
                at=at,
                reverses_id=reverses_id,
            )
            .on_conflict_do_nothing()
            .returning(LedgerPosting.id)
        )
        if posting_id is None:
            return None
        await self.session.execute(
            insert(LedgerEntry),
            [
                {
                    "id": uuid4(),
                    "posting_id": posting_id,
                    "account_code": account_code(line.fund.value, line.account.value),
                    "debit_fen": line.debit,
                    "credit_fen": line.credit,
                }
                for line in posting.lines
            ],
        )
        return posting_id

    async def posting_of(self, payment_id: UUID, kind: str) -> UUID | None:
        return await self.session.scalar(
            select(LedgerPosting.id).where(
                LedgerPosting.payment_id == payment_id, LedgerPosting.kind == kind
            )
        )

    async def purpose_of(self, posting_id: UUID) -> str:
        found = await self.session.scalar(
            select(LedgerPosting.purpose).where(LedgerPosting.id == posting_id)
        )
        return str(found or "")

    async def lines_of(self, posting_id: UUID) -> list[tuple[str, str, int, int]]:
        """(fund, account, debit, credit) of one posting."""
        rows = await self.session.execute(
            select(
                FundAccount.fund, FundAccount.account, LedgerEntry.debit_fen, LedgerEntry.credit_fen
            )
            .join(FundAccount, FundAccount.code == LedgerEntry.account_code)
            .where(LedgerEntry.posting_id == posting_id)
        )
        return [(f, a, int(d), int(c)) for f, a, d, c in rows]

    async def totals(self) -> list[FundLine]:
        """Every fund account with its debits and credits (zero where nothing was posted)."""
        rows = await self.session.execute(
            select(
                FundAccount.fund,
                FundAccount.account,
                func.coalesce(func.sum(LedgerEntry.debit_fen), 0),
                func.coalesce(func.sum(LedgerEntry.credit_fen), 0),
            )
            .outerjoin(LedgerEntry, LedgerEntry.account_code == FundAccount.code)
            .group_by(FundAccount.fund, FundAccount.account)
            .order_by(FundAccount.fund, FundAccount.account)
        )
        return [FundLine(f, a, int(d), int(c)) for f, a, d, c in rows]

    async def recent(self, fund: str | None = None, limit: int = 100) -> list[LedgerLine]:
        query = (
            select(
                LedgerPosting.id,
                LedgerPosting.kind,
                LedgerPosting.purpose,
                LedgerPosting.at,
                LedgerPosting.payment_id,
                FundAccount.fund,
                FundAccount.account,
                LedgerEntry.debit_fen,
                LedgerEntry.credit_fen,
            )
            .join(LedgerPosting, LedgerPosting.id == LedgerEntry.posting_id)
            .join(FundAccount, FundAccount.code == LedgerEntry.account_code)
            .order_by(LedgerPosting.at.desc(), LedgerPosting.id, LedgerEntry.debit_fen.desc())
            .limit(limit)
        )
        if fund is not None:
            query = query.where(FundAccount.fund == fund)
        rows = await self.session.execute(query)
        return [
            LedgerLine(pid, kind, purpose, at, payment, f, a, int(d), int(c))
            for pid, kind, purpose, at, payment, f, a, d, c in rows
        ]

    async def count_postings(self, payment_id: UUID | None = None) -> int:
        query = select(func.count()).select_from(LedgerPosting)
        if payment_id is not None:
            query = query.where(LedgerPosting.payment_id == payment_id)
        return int(await self.session.scalar(query) or 0)

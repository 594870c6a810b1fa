"""The staff's report of the funds' books (issue 14 point 4): each fund's accounts with their
debits and credits, whether each fund's books balance (they must: every posting balances within
each fund it touches), the money in each fund's bank account, and the latest entries."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.funds import Fund
from app.domain.ledger import Account
from app.domain.views import FundLine, LedgerLine
from app.services.context import UnitOfWork

ENTRIES_SHOWN = 50


@dataclass(frozen=True, slots=True)
class FundBooks:
    fund: str
    category: str
    lines: list[FundLine]

    @property
    def debits(self) -> int:
        return sum(line.debits for line in self.lines)

    @property
    def credits(self) -> int:
        return sum(line.credits for line in self.lines)

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits

    @property
    def in_bank(self) -> int:
        """What the fund holds at the bank (fen)."""
        return sum(
            line.debits - line.credits for line in self.lines if line.account == Account.BANK
        )


@dataclass(frozen=True, slots=True)
class FundReport:
    funds: list[FundBooks]
    entries: list[LedgerLine]

    @property
    def debits(self) -> int:
        return sum(books.debits for books in self.funds)

    @property
    def credits(self) -> int:
        return sum(books.credits for books in self.funds)

    @property
    def balanced(self) -> bool:
        return self.debits == self.credits and all(books.balanced for books in self.funds)


async def report(uow: UnitOfWork, fund: str | None = None) -> FundReport:
    lines = await uow.ledger.totals()
    books = [
        FundBooks(f.value, f.category.value, [line for line in lines if line.fund == f.value])
        for f in Fund
    ]
    entries = await uow.ledger.recent(fund, limit=ENTRIES_SHOWN)
    return FundReport(books, entries)

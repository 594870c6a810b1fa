"""Double entry in the earmarked funds (domain-rules §9).

Every posting is a set of lines, each a debit or a credit of one account of one fund, in fen.
Each fund keeps its own books (art. 64), so a posting balances within every fund it touches:
money that crosses funds leaves one fund's bank account and enters the other's, and the crossing
must be a statutory flow (funds.check_flow). Rows are never edited: a correction is the reversing
posting (debits and credits swapped).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.domain.funds import ADMINISTRATION, EarmarkViolation, Fund, check_flow


class Account(enum.StrEnum):
    BANK = "bank"  # the fund's account at the bank (收入户 / 财政专户)
    CONTRIBUTIONS = "contributions"  # premiums and contributions received
    POOLED_BENEFITS = "pooled_benefits"  # what the pooled fund pays for care
    PERSONAL_ACCOUNTS = "personal_accounts"  # the insured's personal accounts (a liability)
    TRANSFERS_OUT = "transfers_out"  # paid to another fund by a statutory flow
    TRANSFERS_IN = "transfers_in"  # received from another fund by a statutory flow


class UnbalancedPosting(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Line:
    fund: Fund
    account: Account
    debit: int = 0  # fen
    credit: int = 0

    def __post_init__(self) -> None:
        if self.debit < 0 or self.credit < 0 or (self.debit > 0) == (self.credit > 0):
            raise UnbalancedPosting("a line is a positive debit or a positive credit")

    @property
    def amount(self) -> int:
        return self.debit or self.credit

    def reversed(self) -> Line:
        return Line(self.fund, self.account, debit=self.credit, credit=self.debit)


@dataclass(frozen=True, slots=True)
class Posting:
    purpose: str
    lines: tuple[Line, ...]

    def __post_init__(self) -> None:
        if self.purpose == ADMINISTRATION:
            raise EarmarkViolation("nothing is posted for administration (art. 69)")
        if not self.lines:
            raise UnbalancedPosting("a posting has lines")
        for fund, (debits, credits) in totals(self.lines).items():
            if debits != credits:
                raise UnbalancedPosting(f"{fund.value}: debits {debits} != credits {credits}")

    @property
    def funds(self) -> frozenset[Fund]:
        return frozenset(line.fund for line in self.lines)

    def reversing(self) -> Posting:
        return Posting(f"reversal:{self.purpose}", tuple(line.reversed() for line in self.lines))


def totals(lines: Iterable[Line]) -> dict[Fund, tuple[int, int]]:
    """Per fund: (debits, credits)."""
    sums: dict[Fund, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        sums[line.fund][0] += line.debit
        sums[line.fund][1] += line.credit
    return {fund: (d, c) for fund, (d, c) in sums.items()}


def receipt(fund: Fund, fen: int, purpose: str) -> Posting:
    """Money paid in for `purpose` reaches the fund it is earmarked for."""
    return Posting(
        purpose,
        (
            Line(fund, Account.BANK, debit=fen),
            Line(fund, Account.CONTRIBUTIONS, credit=fen),
        ),
    )


def split_receipt(fund: Fund, parts: Sequence[tuple[Account, int]], purpose: str) -> Posting:
    """Money paid in that goes to several accounts of its fund (a flexible worker's pension:
    8 % of the base to the personal account, the rest pooled)."""
    total = sum(fen for _, fen in parts)
    credits = [Line(fund, account, credit=fen) for account, fen in parts if fen]
    return Posting(purpose, (Line(fund, Account.BANK, debit=total), *credits))


def flow(source: Fund, target: Fund, fen: int, purpose: str, paid_from: Account) -> Posting:
    """A statutory flow: `source` pays out of `paid_from` (a personal account, say) through its
    bank account into `target`'s bank, where it is income. Raises EarmarkViolation otherwise."""
    check_flow(source, target, purpose)
    return Posting(
        purpose,
        (
            Line(source, paid_from, debit=fen),
            Line(source, Account.BANK, credit=fen),
            Line(target, Account.BANK, debit=fen),
            Line(target, Account.CONTRIBUTIONS, credit=fen),
        ),
    )


def spending(fund: Fund, parts: Sequence[tuple[Account, int]], purpose: str) -> Posting:
    """The fund pays (a clinic, say) out of each account given; nothing for a zero part."""
    lines = [Line(fund, account, debit=fen) for account, fen in parts if fen]
    total = sum(fen for _, fen in parts)
    return Posting(purpose, (*lines, Line(fund, Account.BANK, credit=total)))


def bill_spending(fund: Fund, pooled: int, own: int, aid: int, purpose: str) -> Posting | None:
    """A medical bill settled: the patient's fund pays its pooled part and (an employee's) the
    part from their own personal account; a relative's employee personal account pays the
    mutual aid part (employee medical, to the clinic: no money crosses funds). The cash part is
    not fund money, and "other" (critical illness insurance, medical aid) is not kept here.
    None when the funds pay nothing."""
    parts: dict[Fund, list[tuple[Account, int]]] = {}
    if pooled:
        parts.setdefault(fund, []).append((Account.POOLED_BENEFITS, pooled))
    if own:
        parts.setdefault(fund, []).append((Account.PERSONAL_ACCOUNTS, own))
    if aid:
        parts.setdefault(Fund.EMP_MEDICAL, []).append((Account.PERSONAL_ACCOUNTS, aid))
    if not parts:
        return None
    lines: list[Line] = []
    for paying, accounts in parts.items():
        lines.extend(spending(paying, accounts, purpose).lines)
    return Posting(purpose, tuple(lines))

"""What an application moves (domain-rules §6; issue 13 point 3), from the paid months on record.

- Pension, transfer: the personal account built from the months paid at the old place, with the
  account's interest, plus the pooled fund's 12 % of those months' bases from 1998-01 on (no
  interest, half-up to the fen). The 12 % goes fund to fund: it is never the person's balance.
  Lump sums of 3 years or more without their documents stay behind.
- Pension, temporary account (art. 5): when it moves, all contributions recorded in it, the
  employer's and the individual's, with interest.
- Medical: the employee personal-account balance as recorded at the old place (the individual
  parts paid there; spending is not recorded by the portal); residents have no account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain.contributions import DEFAULT_RATES, RateTable, account_balance, money
from app.domain.transfer import DEFAULT_RULES, LumpSum, TransferRules, temporary_account_amount
from app.domain.transfer_steps import Scheme, TransferLine, pooling_area


@dataclass(frozen=True, slots=True)
class PaidMonth:
    year: int
    month: int
    scheme: Scheme
    base: Decimal
    employer: Decimal
    individual: Decimal
    region: str  # address code
    back_paid_on: date | None = None
    documented: bool = False


@dataclass(frozen=True, slots=True)
class Amounts:
    account: Decimal | None  # the person's own account that moves; None: residents have none
    pooled: Decimal | None  # pension transfers only: the pooled fund's 12 %, fund to fund
    temporary: bool = False  # account: all contributions of the temporary account so far
    months: int = 0  # the months whose money moves
    months_staying: int = 0  # lump sums without documents


def _staying(months: list[PaidMonth], rules: TransferRules) -> set[date]:
    """The days of lump sums that do not move."""
    by_day: dict[date, list[PaidMonth]] = defaultdict(list)
    for m in months:
        if m.back_paid_on is not None:
            by_day[m.back_paid_on].append(m)
    return {
        day
        for day, paid in by_day.items()
        if rules.months_not_moving([LumpSum(len(paid), all(m.documented for m in paid))])
    }


def _yearly(months: Iterable[PaidMonth], *, employer: bool) -> list[tuple[int, Decimal]]:
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for m in months:
        totals[m.year] += m.individual + (m.employer if employer else Decimal(0))
    return sorted(totals.items())


def amounts(
    line: TransferLine,
    paid: Iterable[PaidMonth],
    from_region: str,
    to_region: str,
    *,
    temporary: bool = False,
    rules: TransferRules = DEFAULT_RULES,
    rates: RateTable = DEFAULT_RATES,
) -> Amounts:
    """The money an application from ``from_region`` to ``to_region`` moves."""
    months = list(paid)
    if line is TransferLine.PENSION and temporary:
        area = pooling_area(line, to_region)
        there = [m for m in months if pooling_area(line, m.region) == area]
        total = temporary_account_amount(_yearly(there, employer=True), rates)
        return Amounts(account=total, pooled=None, temporary=True, months=len(there))
    area = pooling_area(line, from_region)
    here = [m for m in months if pooling_area(line, m.region) == area]
    if line is TransferLine.MEDICAL:
        if not here or here[-1].scheme is Scheme.RESIDENT:
            return Amounts(account=None, pooled=None, months=len(here))
        employee = [m for m in here if m.scheme is Scheme.EMPLOYEE]
        return Amounts(
            money(sum((m.individual for m in employee), Decimal(0))), None, False, len(employee)
        )
    employee = [m for m in here if m.scheme is Scheme.EMPLOYEE]
    staying = _staying(employee, rules)
    moving = [m for m in employee if m.back_paid_on not in staying]
    account = account_balance(_yearly(moving, employer=False), Decimal(0), rates)
    pooled = rules.pooled((date(m.year, m.month, 1), m.base) for m in moving)
    return Amounts(account, pooled, False, len(moving), len(employee) - len(moving))

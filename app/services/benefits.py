"""The rights and benefits list (权益单): coverage per fund ledger, the personal pension account
built year by year, and the contribution records a page of years at a time.

Summaries come from narrow tuples and a per-year SQL sum, so a long history never loads whole
rows; only the years on the page (or the print view) are loaded in full.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from math import ceil

from app.db.models import ContributionRecord
from app.db.views import record_view
from app.domain.contributions import (
    DEFAULT_RATES,
    BalanceStep,
    Coverage,
    Line,
    Period,
    RateTable,
    Status,
    balance_steps,
    coverage,
)
from app.domain.transfer import TransferKind
from app.domain.transfer_steps import TransferState
from app.domain.views import RecordView
from app.services.context import UnitOfWork
from app.services.subject import Subject, record
from app.services.transfer_timeline import TransferView, view_of

# Art. 64 order: the four ledgers, medical and maternity in one.
LINES = (Line.PENSION, Line.MEDICAL, Line.WORK_INJURY, Line.UNEMPLOYMENT)
_LINE_ORDER = {line.value: i for i, line in enumerate(LINES)}
_LINE_OF = {line.value: line for line in LINES}
_STATUS_OF = {status.value: status for status in Status}
# 3 years x 4 lines x 12 months keeps a typical page well under 14 KB of gzipped HTML.
YEARS_PER_PAGE = 3
# A yearly premium covers at most a year; a bad row must not expand into a huge loop.
MAX_MONTHS_COVERED = 12


@dataclass(frozen=True, slots=True)
class Filters:
    """What the records table shows; None means all lines or all years."""

    line: Line | None = None
    year: int | None = None
    page: int = 1

    def describe(self) -> str:
        """For the audit trail: which part of the list was read."""
        return f"line={self.line or 'all'} year={self.year or 'all'} page={self.page}"


@dataclass(frozen=True, slots=True)
class YearRecords:
    year: int
    records: list[RecordView]


@dataclass(frozen=True, slots=True)
class RecordsPage:
    years: list[YearRecords]
    page: int
    pages: int

    @property
    def count(self) -> int:
        return sum(len(group.records) for group in self.years)


@dataclass(frozen=True, slots=True)
class Account:
    """The personal pension account: its yearly steps and the balance after the last one."""

    steps: list[BalanceStep]

    @property
    def balance(self) -> Decimal | None:
        return self.steps[-1].closing if self.steps else None

    @property
    def year(self) -> int | None:
        return self.steps[-1].year if self.steps else None


@dataclass(frozen=True, slots=True)
class Benefits:
    summaries: list[Coverage]
    account: Account
    records: RecordsPage


def rates(uow: UnitOfWork) -> RateTable:
    return DEFAULT_RATES.with_overrides(rate_2025=uow.policy.account_interest_rate_2025)


def expand(year: int, month: int, months_covered: int) -> list[Period]:
    """The months one record covers (a residents' yearly premium covers 12 from its period)."""
    start = Period(year, month).index
    span = min(max(months_covered, 1), MAX_MONTHS_COVERED)
    return [Period.from_index(start + k) for k in range(span)]


def summaries_of(rows: Iterable[tuple[str, str, int, int, int, str]]) -> list[Coverage]:
    """One Coverage per ledger, in art. 64 order, from (line, scheme, year, month, covered,
    status) tuples. Employee and resident records of a ledger count together."""
    by_line: dict[Line, list[tuple[Period, Status]]] = {line: [] for line in LINES}
    for line, _scheme, year, month, covered, status in rows:
        ledger, state = _LINE_OF.get(line), _STATUS_OF.get(status)
        if ledger is not None and state is not None:
            by_line[ledger].extend((period, state) for period in expand(year, month, covered))
    return [coverage(line, months) for line, months in by_line.items()]


async def summaries(uow: UnitOfWork, subject: Subject) -> list[Coverage]:
    return summaries_of(await uow.contributions.months(subject.person.id))


async def pension_account(uow: UnitOfWork, subject: Subject) -> Account:
    yearly = await uow.contributions.yearly_individual(subject.person.id, "pension", "employee")
    return Account(steps=balance_steps(yearly, Decimal(0), rates(uow)))


def _in_order(rows: list[ContributionRecord]) -> list[YearRecords]:
    """Grouped by year, newest first; within a year newest month first, ledgers in art. 64
    order."""
    rows = sorted(rows, key=lambda r: (-r.year, -r.month, _LINE_ORDER.get(r.line, 9)))
    groups: dict[int, list[RecordView]] = {}
    for row in rows:
        groups.setdefault(row.year, []).append(record_view(row))
    return [YearRecords(year, records) for year, records in groups.items()]


async def records_page(
    uow: UnitOfWork, subject: Subject, filters: Filters, per_page: int = YEARS_PER_PAGE
) -> RecordsPage:
    """Only the page's years are loaded; a page past the end shows the last one."""
    line = filters.line.value if filters.line else None
    years = await uow.contributions.years(subject.person.id, line)
    if filters.year is not None:
        years = [y for y in years if y == filters.year]
    pages = max(1, ceil(len(years) / per_page))
    page = min(max(filters.page, 1), pages)
    shown = years[(page - 1) * per_page : page * per_page]
    rows = await uow.contributions.in_years(subject.person.id, shown, line) if shown else []
    return RecordsPage(years=_in_order(rows), page=page, pages=pages)


async def all_records(uow: UnitOfWork, subject: Subject, year: int | None) -> RecordsPage:
    """Every line, of one year or of all years: what the print view lists."""
    years = await uow.contributions.years(subject.person.id)
    if year is not None:
        years = [y for y in years if y == year]
    rows = await uow.contributions.in_years(subject.person.id, years) if years else []
    return RecordsPage(years=_in_order(rows), page=1, pages=1)


async def view(uow: UnitOfWork, subject: Subject, filters: Filters, now: datetime) -> Benefits:
    """The whole list page, audited when the holder reads it for a member."""
    result = Benefits(
        summaries=await summaries(uow, subject),
        account=await pension_account(uow, subject),
        records=await records_page(uow, subject, filters),
    )
    await _audit(uow, subject, now, filters.describe())
    return result


async def view_records(
    uow: UnitOfWork, subject: Subject, filters: Filters, now: datetime
) -> RecordsPage:
    """Just the records (a filter or page change swapped into the page), audited as well."""
    result = await records_page(uow, subject, filters)
    await _audit(uow, subject, now, filters.describe())
    return result


async def view_print(
    uow: UnitOfWork, subject: Subject, year: int | None, now: datetime
) -> Benefits:
    result = Benefits(
        summaries=await summaries(uow, subject),
        account=await pension_account(uow, subject),
        records=await all_records(uow, subject, year),
    )
    await _audit(uow, subject, now, f"print year={year or 'all'}")
    return result


async def completed_conversion(
    uow: UnitOfWork, subject: Subject, today: date
) -> TransferView | None:
    """The subject's completed urban–rural conversion, if any: the list says which scheme's
    records it joined to the other, and what moved, counts and was refunded. The records
    themselves stay as paid: each month keeps its scheme and place."""
    for row in await uow.transfers.of_person(subject.person.id):
        done = row.state == TransferState.COMPLETED.value
        if done and TransferKind(row.kind).conversion:
            return await view_of(uow, row, today)
    return None


async def _audit(uow: UnitOfWork, subject: Subject, now: datetime, detail: str) -> None:
    record(uow, subject, "benefits.viewed", now, detail=detail)

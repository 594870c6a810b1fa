"""An application for a transfer being prepared (issue 13 point 2): one draft per holder and
subject, kept in the database like the add-member wizard's, so a restart or another device loses
nothing; it expires after policy.draft_expiry_hours.

Steps: line → regions → check → PIN (which submits). A change to the line voids the regions and
the check; a change to the regions voids the check.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from app.db.models import TransferDraft
from app.domain.regions import CITY_BY_CODE
from app.domain.transfer_steps import TransferLine, pooling_area
from app.domain.views import Holder
from app.services.context import UnitOfWork
from app.services.subject import Subject
from app.services.subject_drafts import live_draft


@dataclass(frozen=True, slots=True)
class DraftView:
    id: UUID
    person_id: UUID
    line: TransferLine | None
    from_region: str | None  # six-digit address codes (a city's: its code and "00")
    to_region: str | None
    temporary: bool
    regions_done: bool
    checked: bool

    @property
    def done(self) -> frozenset[str]:
        steps = {"line": self.line is not None, "regions": self.regions_done}
        steps["check"] = self.regions_done and self.checked
        return frozenset(name for name, yes in steps.items() if yes)

    @property
    def digest(self) -> str:
        """Of the answers the last step shows: a change meanwhile voids the declaration."""
        answers = f"{self.line}|{self.from_region}|{self.to_region}|{self.temporary}"
        return hashlib.sha256(answers.encode()).hexdigest()


def _view(row: TransferDraft) -> DraftView:
    line = TransferLine(row.line) if row.line in set(TransferLine) else None
    return DraftView(
        id=row.id,
        person_id=row.person_id,
        line=line,
        from_region=row.from_region,
        to_region=row.to_region,
        temporary=row.temporary,
        regions_done=row.regions_done,
        checked=row.checked,
    )


async def _row(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> TransferDraft:
    return await live_draft(uow, uow.transfer_drafts, account, subject, now)


async def current(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> DraftView:
    """The holder's draft for this subject; a new one when there is none or it has expired."""
    return _view(await _row(uow, account, subject, now))


async def choose_line(
    uow: UnitOfWork, account: Holder, subject: Subject, line: TransferLine, now: datetime
) -> None:
    row = await _row(uow, account, subject, now)
    if row.line != line.value:
        row.line = line.value
        row.regions_done = row.checked = row.temporary = False
    await uow.db.flush()


async def choose_regions(
    uow: UnitOfWork,
    account: Holder,
    subject: Subject,
    regions: tuple[str, str],
    temporary: bool,
    now: datetime,
) -> None:
    row = await _row(uow, account, subject, now)
    row.from_region, row.to_region = regions
    row.temporary, row.regions_done, row.checked = temporary, True, False
    await uow.db.flush()


async def mark_checked(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> None:
    row = await _row(uow, account, subject, now)
    row.checked = row.regions_done
    await uow.db.flush()


async def discard(uow: UnitOfWork, account: Holder, subject: Subject) -> None:
    found = await uow.transfer_drafts.of(account.account_id, subject.person.id)
    if found is not None:
        await uow.transfer_drafts.remove(found)


async def prefilled_from(uow: UnitOfWork, subject: Subject, line: TransferLine) -> str | None:
    """The city the records suggest moving from: the last place paid before the current one
    (or the current one when there was no other), as a city code of the shipped list."""
    rows = await uow.contributions.paid_months(subject.person.id, line.value)
    if not rows:
        return None
    regions = [region for *_, region, _on, _documented in rows]
    latest = pooling_area(line, regions[-1])
    earlier = [r for r in regions if pooling_area(line, r) != latest]
    city = (earlier or regions)[-1][:4]
    if city not in CITY_BY_CODE:
        return next((c for c in CITY_BY_CODE if c[:2] == city[:2]), None)
    return city

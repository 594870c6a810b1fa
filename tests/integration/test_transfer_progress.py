"""An agency's steps on a transfer, through the transition table (issue 13 point 4): each
agency only on its own step, a refusal with its reason closes the transfer, a closed one moves
no more, and a new application of the line may follow; the timeline page shows each step's
dates, the refusal's reason, and a provisional due date past the shipped calendar."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.db.models import AuditEvent, InsuranceTransfer
from app.domain.identity import parse_id_number
from app.domain.transfer_steps import Agency, IllegalTransition, TransferLine, TransferState
from app.services import transfer_apply as applying
from app.services import transfer_progress as progress
from app.services.context import UnitOfWork
from app.services.subject import Subject
from tests.conftest import sign_in
from tests.integration.test_affinity_wizard import EN

Client = AsyncTestClient[Litestar]
WANG_FANG = parse_id_number("110105198503140224")
S = TransferState


async def _own(uow: UnitOfWork) -> Subject:
    person = await uow.people.by_id_number(WANG_FANG)
    assert person
    view = await uow.views.person(person.id)
    assert view
    return Subject(person=view, holder=view)


async def _transfer(uow: UnitOfWork, line: TransferLine, applied_on: date) -> InsuranceTransfer:
    """Her own transfer, as if applied for on ``applied_on`` (set up without the rules)."""
    she = await _own(uow)
    row = InsuranceTransfer(
        person_id=she.person.id,
        line=line.value,
        from_region="440100",
        to_region="110100",
        state=S.APPLIED.value,
        applied_on=applied_on,
    )
    await uow.transfers.add(row)
    await uow.commit()
    return row


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, tzinfo=UTC)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def test_the_pension_steps_each_by_its_agency(seeded: UnitOfWork) -> None:
    row = await _transfer(seeded, TransferLine.PENSION, date(2026, 9, 25))
    with pytest.raises(IllegalTransition):  # the new place sends the letter first
        await progress.act(seeded, row, Agency.FROM, _at(date(2026, 10, 9)))
    steps = [
        (Agency.TO, date(2026, 10, 9), S.LETTER_SENT),
        (Agency.FROM, date(2026, 10, 20), S.TRANSFERRED_OUT),
        (Agency.TO, date(2026, 11, 2), S.COMPLETED),
    ]
    for agency, day, after in steps:
        assert await progress.act(seeded, row, agency, _at(day)) is after
    await seeded.commit()
    assert row.state == S.COMPLETED.value and row.closed_on == date(2026, 11, 2)
    with pytest.raises(IllegalTransition):
        await progress.act(seeded, row, Agency.TO, _at(date(2026, 11, 3)))
    events = await seeded.transfers.events(row.id)
    assert [(e.agency, e.state, e.done_on) for e in events] == [
        (a.value, s.value, d) for a, d, s in steps
    ]
    audited = await seeded.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "transfer.step")
    )
    assert len(list(audited)) == 3


@pytest.mark.usefixtures("histories")
async def test_a_refusal_needs_its_reason_and_closes_the_transfer(
    client: Client, seeded: UnitOfWork
) -> None:
    row = await _transfer(seeded, TransferLine.MEDICAL, date(2026, 4, 30))
    with pytest.raises(ValueError):
        await progress.act(seeded, row, Agency.FROM, _at(date(2026, 5, 6)), refusal="  ")
    reason = "The account in Guangzhou was not suspended"
    after = await progress.act(seeded, row, Agency.FROM, _at(date(2026, 5, 6)), refusal=reason)
    assert after is S.REJECTED
    await seeded.commit()
    await sign_in(client)
    page = _text((await client.get(f"/my/transfers/{row.id}", headers=EN)).text)
    assert f"Refused on 2026-05-06: {reason}" in page and "Not reached" in page
    assert "Refused on 2026-05-06." in page  # the state line, no longer waiting on anyone
    # Closed: another application of the line is no longer refused as open.
    she = await _own(seeded)
    asked = applying.Request(TransferLine.MEDICAL, "440100", "110100")
    found = await applying.facts(seeded, she, asked, utcnow().date())
    assert TransferLine.MEDICAL not in found.open_lines


async def test_a_due_date_past_the_shipped_calendar_is_provisional(
    client: Client, seeded: UnitOfWork
) -> None:
    applied = date(2036, 6, 2)  # a year with no holiday notice shipped
    row = await _transfer(seeded, TransferLine.PENSION, applied)
    expected, n = applied, 0
    while n < 15:  # weekdays alone
        expected += timedelta(days=1)
        n += expected.weekday() < 5
    await sign_in(client)
    response = await client.get(f"/my/transfers/{row.id}", headers=EN)
    assert response.status_code == 200
    page = _text(response.text)
    assert f"Expected by {expected.isoformat()}, subject to the holiday notice." in page
    assert "Waiting on: The agency in Beijing (new place)." in page
    # The dashboard shows it in progress, for the holder herself too.
    family = await client.get("/family", headers=EN)
    assert f'href="/my/transfers/{row.id}"' in family.text

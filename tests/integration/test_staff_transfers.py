"""The agencies' side of a transfer over HTTP (issue 13 point 7): staff of the new and of the old
place each see the step that is their agency's and do it, or refuse it with a reason; staff of
another region and the portal's holders can do nothing; twenty advances sent at once move the
step once. After completion the history stays one, kept by place (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any
from uuid import UUID

import httpx
import pytest
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import AuditEvent, ContributionRecord, InsuranceTransfer, TransferEvent
from app.db.repositories import Transfers
from app.domain.contributions import Line
from app.domain.identity import parse_id_number
from app.domain.transfer_steps import TransferLine, TransferState
from app.domain.wages import average_wage
from app.services import benefits, staff_transfers
from app.services import pension_estimate as estimate
from app.services import staff as staff_service
from app.services import transfer_apply as applying
from app.services.context import UnitOfWork
from app.services.seed import DEMO_STAFF, DEMO_STAFF_GUANGZHOU, DemoStaff
from app.services.subject import Subject
from tests.at_once import NewClient, Overlap
from tests.conftest import committed, csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import EN
from tests.integration.test_transfer_apply import BEIJING, GUANGZHOU, ZHANG_WEI, _member
from tests.passkey_device import SoftwareAuthenticator
from tests.staff_journey import password_step, register_begin, register_finish

S = TransferState
SHANGHAI = DemoStaff("SH0001", "上海", "31", "sh-staff-test-2025")


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", shown(page))))


async def _staff_signed_in(client: Any, uow: UnitOfWork, staff: DemoStaff) -> None:
    """Password, enrolment code and a first passkey, as at a first sign-in."""
    code = await committed(uow, staff_service.issue_enrolment_code(uow, staff.number, utcnow()))
    answer = await password_step(client, staff.number, staff.password)
    assert answer.headers["location"] == "/staff/passkey/new", answer.text
    credential, token = await register_begin(client, SoftwareAuthenticator(), code)
    assert (await register_finish(client, credential, token)).status_code == 200


async def _applied(uow: UnitOfWork, settings: Settings) -> tuple[Subject, UUID]:
    """张伟's pension transfer from Guangzhou to Beijing, sent by 王芳 for him (the test asks
    for `histories`)."""
    he = await _member(uow, settings, ZHANG_WEI, "spouse")
    asked = applying.Request(TransferLine.PENSION, GUANGZHOU, BEIJING)
    applied = await applying.apply(uow, he, asked, utcnow())
    assert isinstance(applied, applying.Applied)
    await uow.commit()
    return he, applied.id


async def _state(uow: UnitOfWork, transfer_id: UUID) -> str:
    await uow.commit()  # a fresh look
    return str(
        await uow.db.scalar(
            select(InsuranceTransfer.state).where(InsuranceTransfer.id == transfer_id)
        )
    )


async def _steps(uow: UnitOfWork) -> int:
    await uow.commit()
    return int(await uow.db.scalar(select(func.count()).select_from(TransferEvent)) or 0)


async def _post(client: Any, transfer_id: UUID, data: dict[str, str]) -> httpx.Response:
    token = await csrf_token(client, "/staff/login")
    answer: httpx.Response = await client.post(
        f"/staff/transfers/{transfer_id}",
        data={"_csrf_token": token, **data},
        headers=EN,
        follow_redirects=False,
    )
    return answer


@pytest.mark.usefixtures("histories")
async def test_staff_of_an_unrelated_region_see_nothing_and_cannot_act(
    client: Any, seeded: UnitOfWork, settings: Settings
) -> None:
    _he, transfer_id = await _applied(seeded, settings)
    await committed(
        seeded,
        staff_service.add_staff(
            seeded,
            number=SHANGHAI.number,
            name=SHANGHAI.name,
            region_prefix=SHANGHAI.region_prefix,
            password=SHANGHAI.password,
        ),
    )
    await _staff_signed_in(client, seeded, SHANGHAI)
    listed = await client.get("/staff/transfers", headers=EN)
    assert "No transfer is waiting on your agency." in listed.text
    assert str(transfer_id) not in listed.text
    assert (await client.get(f"/staff/transfers/{transfer_id}")).status_code == 404
    answer = await _post(client, transfer_id, {"decision": "advance"})
    assert answer.status_code == 404
    answer = await _post(client, transfer_id, {"decision": "reject", "reason": "no"})
    assert answer.status_code == 404
    assert await _state(seeded, transfer_id) == S.APPLIED.value
    assert await _steps(seeded) == 0


@pytest.mark.usefixtures("histories")
async def test_a_holder_cannot_advance_their_own_transfer(
    client: Any, seeded: UnitOfWork, settings: Settings
) -> None:
    _he, transfer_id = await _applied(seeded, settings)
    for who in (
        ("110105198503140224", "family-demo-2025"),
        ("110105198309210137", "family-demo-2025"),
    ):
        client.cookies.clear()
        await sign_in(client, *who)
        for path in ("/staff/transfers", f"/staff/transfers/{transfer_id}"):
            page = await client.get(path, follow_redirects=False)
            assert page.headers["location"] == "/staff/login"
        answer = await _post(client, transfer_id, {"decision": "advance"})
        assert answer.status_code == 303 and answer.headers["location"] == "/staff/login"
    assert await _state(seeded, transfer_id) == S.APPLIED.value
    assert await _steps(seeded) == 0


@pytest.mark.usefixtures("histories")
async def test_both_agencies_take_a_pension_transfer_to_completion(
    client: Any, seeded: UnitOfWork, settings: Settings
) -> None:
    he, transfer_id = await _applied(seeded, settings)
    records_before = await _records(seeded, he)
    jars = {}
    for staff in (DEMO_STAFF, DEMO_STAFF_GUANGZHOU):  # each in a browser of their own
        client.cookies.clear()
        await _staff_signed_in(client, seeded, staff)
        jars[staff.number] = httpx.Cookies(client.cookies)

    def as_(staff: DemoStaff) -> Any:
        client.cookies = jars[staff.number]
        return client

    beijing, guangzhou = DEMO_STAFF, DEMO_STAFF_GUANGZHOU
    queue = await as_(beijing).get("/staff/queue", headers=EN)
    assert 'href="/staff/transfers"' in queue.text

    # The new place's turn: only Beijing lists it; Guangzhou may look but not act.
    assert str(transfer_id) in (await as_(beijing).get("/staff/transfers", headers=EN)).text
    assert str(transfer_id) not in (await as_(guangzhou).get("/staff/transfers", headers=EN)).text
    page = await as_(guangzhou).get(f"/staff/transfers/{transfer_id}", headers=EN)
    assert page.status_code == 200 and 'id="not-your-step"' in page.text
    early = await _post(as_(guangzhou), transfer_id, {"decision": "advance"})
    assert early.status_code == 409
    assert "not your agency's step" in _text(early.text)
    assert await _state(seeded, transfer_id) == S.APPLIED.value

    page = await as_(beijing).get(f"/staff/transfers/{transfer_id}", headers=EN)
    text = _text(page.text)
    assert "张伟, 1101**********0137" in text and "110105198309210137" not in page.text
    assert "Guangzhou, Guangdong" in text and "Beijing" in text
    assert "The whole personal account as recorded" in text
    assert "The new place reviews the application and sends the letter of acceptance" in text
    steps = [(beijing, S.LETTER_SENT), (guangzhou, S.TRANSFERRED_OUT), (beijing, S.COMPLETED)]
    for staff, after in steps:
        listed = await as_(staff).get("/staff/transfers", headers=EN)
        assert str(transfer_id) in listed.text
        answer = await _post(as_(staff), transfer_id, {"decision": "advance"})
        assert answer.status_code == 303, answer.text
        assert answer.headers["location"] == "/staff/transfers?done=advance"
        assert await _state(seeded, transfer_id) == after.value
    done = await as_(beijing).get("/staff/transfers?done=advance", headers=EN)
    assert "Step recorded." in done.text and str(transfer_id) not in done.text
    closed = await as_(beijing).get(f"/staff/transfers/{transfer_id}", headers=EN)
    assert 'id="transfer-step"' not in closed.text
    assert "Completed on" in _text(closed.text)

    audited = list(
        await seeded.db.scalars(select(AuditEvent).where(AuditEvent.action == "transfer.step"))
    )
    assert len(audited) == 3 and all(e.actor_staff_id is not None for e in audited)
    assert [e.detail.rsplit("state=", 1)[1] for e in audited] == [
        "letter_sent",
        "transferred_out",
        "completed",
    ]
    await _one_history(seeded, he, records_before)


async def _records(uow: UnitOfWork, he: Subject) -> list[tuple[int, int, str, str]]:
    rows = await uow.db.execute(
        select(
            ContributionRecord.year,
            ContributionRecord.month,
            ContributionRecord.line,
            ContributionRecord.region_code,
        ).where(ContributionRecord.person_id == he.person.id)
    )
    return sorted((int(y), int(m), str(line), str(r)) for y, m, line, r in rows)


async def _one_history(
    uow: UnitOfWork, he: Subject, before: list[tuple[int, int, str, str]]
) -> None:
    """The records moved show once, with the place they were paid in; the years add up."""
    await uow.commit()
    assert await _records(uow, he) == before
    staff = await uow.views.staff((await uow.staff.by_number(DEMO_STAFF.number)).id)  # type: ignore[union-attr]
    assert staff
    row = await uow.transfers.get((await uow.transfers.of_person(he.person.id))[0].id)
    assert row and row.state == S.COMPLETED.value
    found = await staff_transfers.one(uow, staff, row.id, utcnow())
    places = [(s.region, s.months) for s in found.history]
    assert [p for p, _ in places][:2] == [GUANGZHOU, BEIJING]
    assert places[0][1] == 114  # Guangzhou 2005-07 to 2014-12
    pension = next(c for c in await benefits.summaries(uow, he) if c.line is Line.PENSION)
    assert pension.months == sum(m for _, m in places) == found.months
    basis = await estimate.load(uow, he, utcnow().date())
    assert isinstance(basis, estimate.EmployeeBasis)  # no longer blocked by the transfer
    assert basis.place == "11"  # his hukou, where the relationship now is


@pytest.mark.usefixtures("histories")
async def test_a_refusal_needs_its_reason(
    client: Any, seeded: UnitOfWork, settings: Settings
) -> None:
    he, transfer_id = await _applied(seeded, settings)
    await _staff_signed_in(client, seeded, DEMO_STAFF)
    nothing = await _post(client, transfer_id, {})
    assert nothing.status_code == 422
    assert "Choose whether to record the step as done or to refuse it" in nothing.text
    bare = await _post(client, transfer_id, {"decision": "reject", "reason": "  "})
    assert bare.status_code == 422 and 'id="reason-error"' in bare.text
    assert bare.text.count("Give the reason for the refusal") == 2  # at the field and above
    long = "太长" * 101
    too_long = await _post(client, transfer_id, {"decision": "reject", "reason": long})
    assert too_long.status_code == 422 and "200 characters or fewer" in too_long.text
    assert long in too_long.text  # what was typed is kept
    assert 'value="reject" checked' in too_long.text
    zh = await client.post(
        f"/staff/transfers/{transfer_id}",
        data={"_csrf_token": await csrf_token(client, "/staff/login"), "decision": "reject"},
        headers={"Accept-Language": "zh-CN"},
    )
    assert zh.status_code == 422 and "Give the reason" not in zh.text
    assert await _state(seeded, transfer_id) == S.APPLIED.value

    reason = "在北京的参保缴费记录未核实"
    answer = await _post(client, transfer_id, {"decision": "reject", "reason": reason})
    assert answer.headers["location"] == "/staff/transfers?done=reject"
    assert await _state(seeded, transfer_id) == S.REJECTED.value
    event = await seeded.db.scalar(select(TransferEvent))
    assert event and event.reason == reason and event.agency == "to"
    # The person and the holder read the reason on the timeline.
    holder = await seeded.db.scalar(
        select(InsuranceTransfer).where(InsuranceTransfer.id == transfer_id)
    )
    assert holder and holder.closed_on is not None
    assert he.binding is not None


@pytest.mark.usefixtures("histories")
async def test_twenty_advances_at_once_move_the_step_once(
    at_once_on_the_database: NewClient,
    seeded: UnitOfWork,
    settings: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty browsers of the Beijing staff member send the letter at once: the conditional
    write lets one through; the others are told the step has been recorded already."""
    _he, transfer_id = await _applied(seeded, settings)
    first = at_once_on_the_database()
    await _staff_signed_in(first, seeded, DEMO_STAFF)
    token = await csrf_token(first, "/staff/login")  # type: ignore[arg-type]
    browsers = [first]
    for _ in range(19):
        browser = at_once_on_the_database()
        browser.cookies = httpx.Cookies(first.cookies)
        browsers.append(browser)

    async def advance(browser: httpx.AsyncClient) -> int:
        answer = await browser.post(
            f"/staff/transfers/{transfer_id}",
            data={"_csrf_token": token, "decision": "advance"},
            headers=EN,
        )
        return answer.status_code

    overlap.wrap(monkeypatch, Transfers, "move", meet=0.5)  # the conditional write
    answers = await asyncio.gather(*(advance(b) for b in browsers))
    assert overlap.most > 1, "the requests did not overlap"
    assert sorted(answers) == [303] + [409] * 19, answers
    assert await _state(seeded, transfer_id) == S.LETTER_SENT.value
    assert await _steps(seeded) == 1
    steps = await seeded.db.scalars(select(AuditEvent).where(AuditEvent.action == "transfer.step"))
    assert len(list(steps)) == 1


@pytest.mark.usefixtures("histories")
async def test_the_estimate_uses_the_place_of_payment(seeded: UnitOfWork) -> None:
    """周强 (the demo's late mover) pays in Beijing since 2025 but has 25 years in Guangdong and
    a Jiangsu hukou: under the 10-year rule his pension is paid in Guangdong, so the estimate's
    average wage is Guangdong's."""
    person = await seeded.people.by_id_number(parse_id_number("320102197003150413"))
    assert person
    view = await seeded.views.person(person.id)
    assert view
    basis = await estimate.load(seeded, Subject(person=view, holder=view), utcnow().date())
    assert isinstance(basis, estimate.EmployeeBasis)
    assert basis.last.region_code == BEIJING and basis.place == "44"
    today = utcnow().date()
    assert estimate.defaults(basis, seeded.policy, today).avg_wage == average_wage(today.year, "44")

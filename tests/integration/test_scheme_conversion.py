"""Urban–rural conversion (issue 13 point 8; 人社部发〔2014〕17号): the demo father's records decide
the way; each refusal says its rule; a holder applies for him through the pages and cannot
complete it (no face check of his is theirs to take, and the agencies see nothing); he signs in
and confirms it by face, matched for real against his registry portrait (obama.jpg); a passed
check confirms once; twenty applications at once open one (SQLite and PostgreSQL); a withdrawn
one cannot be confirmed; after the agencies' steps the benefits list shows the outcome."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import date
from decimal import Decimal
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import (
    AuditEvent,
    ContributionRecord,
    FaceCheck,
    InsuranceTransfer,
    StaffMember,
)
from app.db.pii import PiiCipher
from app.db.repositories import Transfers
from app.db.views import staff_view
from app.domain.identity import IdNumber, parse_id_number
from app.domain.scheme_conversion import Direction, Refusal
from app.domain.transfer_steps import Agency, TransferState
from app.main import db_config
from app.services import conversion_confirm, staff_transfers
from app.services import scheme_conversion as service
from app.services.context import UnitOfWork
from app.services.seed import (
    DEMO_STAFF,
    DEMO_STAFF_GUANGZHOU,
    open_binding_directly,
)
from app.services.subject import Subject
from app.services.transfer_progress import act
from tests.at_once import Overlap
from tests.conftest import committed, csrf_token, sign_in
from tests.integration.test_affinity_wizard import EN, face
from tests.integration.test_face_recognition import _result
from tests.integration.test_staff_transfers import _post as _staff_post
from tests.integration.test_staff_transfers import _staff_signed_in

Client = AsyncTestClient[Litestar]
ZHANG_WEI = parse_id_number("110105198309210137")
ZHANG_WEI_PASSWORD, ZHANG_WEI_PIN = "family-demo-2025", "731946"
FATHER = parse_id_number("110105196308150137")
FATHER_PASSWORD = "convert-demo-2025"
WANG_FANG = parse_id_number("110105198503140224")
MOTHER = parse_id_number("110105195806070426")
GUANGZHOU, BEIJING = "440106", "110105"


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


async def _own(uow: UnitOfWork, who: IdNumber) -> Subject:
    person = await uow.people.by_id_number(who)
    assert person
    view = await uow.views.person(person.id)
    assert view
    return Subject(person=view, holder=view)


async def _bind_father(uow: UnitOfWork, settings: Settings) -> str:
    """张伟's active binding with his father; the base of the father's pages."""
    binding = await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=ZHANG_WEI,
        member=FATHER,
        relationship="parent",
        proof=face("biden.jpg"),
    )
    await uow.commit()
    return f"/family/{binding}"


async def _row(uow: UnitOfWork, transfer_id: UUID) -> InsuranceTransfer:
    await uow.commit()  # a fresh look
    row = await uow.db.scalar(select(InsuranceTransfer).where(InsuranceTransfer.id == transfer_id))
    assert row is not None
    await uow.db.refresh(row)
    return row


async def _actions(uow: UnitOfWork, action: str) -> list[AuditEvent]:
    await uow.commit()
    return list(await uow.db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


async def _post(client: Client, path: str, data: dict[str, str]) -> httpx.Response:
    token = await csrf_token(client, "/account")
    return await client.post(
        path, data={"_csrf_token": token, **data}, headers=EN, follow_redirects=False
    )


async def _step(client: Client, path: str, data: dict[str, str], status: int = 303) -> str:
    response = await _post(client, path, data)
    assert response.status_code == status, response.text
    if status == 303:
        return str(response.headers["location"])
    return _text(response.text)


async def _selfie(client: Client, path: str, photo: bytes, consent: bool = True) -> httpx.Response:
    token = await csrf_token(client, "/account")
    data = {"_csrf_token": token, **({"consent": "yes"} if consent else {})}
    return await client.post(
        path,
        data=data,
        files={"selfie": ("selfie.jpg", photo, "image/jpeg")},
        headers=EN,
        follow_redirects=False,
    )


async def _apply_through_the_pages(client: Client, base: str) -> str:
    """From the subject's transfers page to the PIN; returns the timeline's path."""
    transfers = _text((await client.get(f"{base}/transfers", headers=EN)).text)
    assert "See which way the conversion goes" in transfers
    page = _text((await client.get(f"{base}/transfers/conversion", headers=EN)).text)
    assert "Employee pension into the residents' pension" in page
    assert "7 years 6 months (90 months)" in page  # employee
    assert "14 years 0 months (168 months)" in page  # residents'
    assert "21 years 0 months (252 months)" in page  # counted as residents' time
    assert "6 months. They count once, as employee time" in page and "250.00" in page
    flow = f"{base}/transfers/conversion/apply"
    start = await client.get(flow, follow_redirects=False)
    assert start.headers["location"] == f"{flow}/check"
    refused = await _step(client, f"{flow}/check", {}, 422)
    assert refused.count("Confirm that you understand that the conversion cannot be undone") == 2
    assert await _step(client, f"{flow}/check", {"understood": "yes"}) == f"{flow}/pin"
    pin = await client.get(f"{flow}/pin", headers=EN)
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', pin.text)
    assert checked
    wrong = await _step(client, f"{flow}/pin", {"pin": "111111", "checked": checked[1]}, 422)
    assert "The PIN is not right" in wrong
    return await _step(client, f"{flow}/pin", {"pin": ZHANG_WEI_PIN, "checked": checked[1]})


@pytest.mark.usefixtures("histories")
async def test_the_demo_fathers_records_decide_the_way(seeded: UnitOfWork) -> None:
    he = await _own(seeded, FATHER)
    found = await service.prospect(seeded, he, utcnow().date())
    assert found.refusal is None and (found.retirement.year, found.retirement.month) == (2023, 8)
    c = found.conversion
    assert c is not None and c.direction is Direction.TO_RESIDENT
    assert (c.employee_months, c.resident_months, c.overlap_months) == (90, 168, 6)
    assert c.counted_months == 252 and c.refund == Decimal("250.00")
    assert (c.from_region, c.to_region) == (GUANGZHOU, BEIJING)
    assert c.account > Decimal("5000")  # 8 % of about 60 % of Guangzhou's wage, for 90 months


@pytest.mark.usefixtures("histories")
async def test_each_refusal_with_its_reason(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    now = utcnow()
    she = await _own(seeded, WANG_FANG)
    assert (await service.prospect(seeded, she, now.date())).refusal is Refusal.NOT_BOTH
    # With a residents' contribution too, she is refused for her age: 58 in 2043-03.
    seeded.db.add(
        ContributionRecord(
            person_id=she.person.id,
            line="pension",
            scheme="resident",
            year=2006,
            month=1,
            months_covered=12,
            base=Decimal(0),
            employer_part=Decimal(30),
            individual_part=Decimal(200),
            status="paid",
            region_code=BEIJING,
        )
    )
    await seeded.commit()
    assert await service.apply(seeded, she, now) is Refusal.NOT_AT_AGE
    await sign_in(client)
    page = _text((await client.get("/my/transfers/conversion", headers=EN)).text)
    assert "which is reached in 2043-03" in page and "Apply for the conversion" not in page
    gate = await client.get("/my/transfers/conversion/apply/check", headers=EN)
    assert (
        "which is reached in 2043-03" in _text(gate.text) and 'name="understood"' not in gate.text
    )
    refused = await _step(
        client, "/my/transfers/conversion/apply/check", {"understood": "yes"}, 422
    )
    assert "which is reached in 2043-03" in refused
    mother = await _own(seeded, MOTHER)
    assert await service.apply(seeded, mother, now) is Refusal.DRAWS_PENSION

    he = await _own(seeded, FATHER)
    moving = InsuranceTransfer(
        person_id=he.person.id,
        line="pension",
        from_region=GUANGZHOU,
        to_region=BEIJING,
        state=TransferState.APPLIED.value,
        applied_on=now.date(),
    )
    seeded.db.add(moving)
    await seeded.commit()
    assert await service.apply(seeded, he, now) is Refusal.OPEN_TRANSFER
    moving.state, moving.closed_on = TransferState.REJECTED.value, now.date()
    await seeded.commit()
    assert isinstance(await service.apply(seeded, he, now), service.Applied)
    await seeded.commit()
    assert await service.apply(seeded, he, now) is Refusal.OPEN_CONVERSION
    assert len(await _actions(seeded, "conversion.applied")) == 1


@pytest.mark.usefixtures("histories")
async def test_a_holder_applies_and_only_the_member_confirms_by_face(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _bind_father(seeded, settings)
    await sign_in(client, ZHANG_WEI.value, ZHANG_WEI_PASSWORD)
    timeline = await _apply_through_the_pages(client, base)
    transfer_id = UUID(timeline.rsplit("/", 1)[1])
    assert timeline == f"{base}/transfers/{transfer_id}"

    # The holder sees that it waits for his father, and has no way to confirm it.
    page = await client.get(timeline, headers=EN)
    assert "Waiting for 张德明 to confirm the conversion by face recognition." in _text(page.text)
    assert 'name="selfie"' not in page.text and "You cannot confirm it for them" in page.text
    denied = await _selfie(client, f"{timeline}/confirm", face("obama2.jpg"))
    assert denied.status_code == 404
    row = await _row(seeded, transfer_id)
    assert row.state == TransferState.AWAITING_MEMBER.value and row.confirmed_check_id is None
    assert row.applied_by_person_id is not None
    # The agencies see nothing to do and cannot act on it.
    beijing = staff_view(await _staff(seeded, DEMO_STAFF.number))
    assert transfer_id not in {
        s.transfer.id for s in await staff_transfers.waiting(seeded, beijing, utcnow())
    }
    with pytest.raises(staff_transfers.NotTheirTurn):
        await staff_transfers.act(seeded, beijing, transfer_id, utcnow())

    # The father signs in himself: his transfers page asks him to confirm.
    await _post(client, "/logout", {})
    await sign_in(client, FATHER.value, FATHER_PASSWORD)
    mine = _text((await client.get("/my/transfers", headers=EN)).text)
    assert "An urban–rural conversion of your pension waits for your confirmation." in mine
    own = f"/my/transfers/{transfer_id}"
    shown = await client.get(own, headers=EN)
    assert 'name="selfie"' in shown.text and 'capture="user"' in shown.text
    no_consent = await _selfie(client, f"{own}/confirm", face("obama2.jpg"), consent=False)
    assert no_consent.status_code == 422
    assert "Confirm that you agree to face recognition" in no_consent.text
    started = await _selfie(client, f"{own}/confirm", face("obama2.jpg"))
    status_url = started.headers["location"]
    assert status_url.startswith(f"{own}/checks/")
    assert "You have confirmed the conversion" in await _result(client, status_url)
    # Another person's status page of it is none of theirs.
    assert (await client.get(status_url.replace("/my/", base + "/"))).status_code in {404, 401}

    row = await _row(seeded, transfer_id)
    assert row.state == TransferState.APPLIED.value
    check = await seeded.db.get(FaceCheck, row.confirmed_check_id)
    assert check is not None and check.person_id == row.person_id and check.state == "matched"
    confirmed = await _actions(seeded, "conversion.confirmed")
    assert [e.actor_person_id for e in confirmed] == [row.person_id]
    # Now the scheme joined (Beijing's residents' agency) has its step to do.
    waiting = await staff_transfers.waiting(seeded, beijing, utcnow())
    assert [s.agency for s in waiting if s.transfer.id == transfer_id] == [Agency.TO]


async def _staff(uow: UnitOfWork, number: str) -> StaffMember:
    found = await uow.staff.by_number(number)
    assert found is not None
    return found


async def _matched_check(
    uow: UnitOfWork, person_id: UUID, transfer_id: UUID, purpose: str = "conversion"
) -> FaceCheck:
    """A check as the matcher leaves it when the faces match (the matching itself is tested
    with real photos above)."""
    check = FaceCheck(
        person_id=person_id,
        state="matched",
        purpose=purpose,
        transfer_id=transfer_id,
        distance=0.4,
        decided_at=utcnow(),
    )
    uow.db.add(check)
    await uow.commit()
    return check


@pytest.mark.usefixtures("histories")
async def test_a_passed_check_confirms_its_conversion_once(
    seeded: UnitOfWork, migrated: Settings, overlap: Overlap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twenty confirmations with one passed check at once confirm it once; the check confirms
    no later conversion, and a check of another purpose confirms none."""
    he = await _own(seeded, FATHER)
    first = await committed(seeded, service.apply(seeded, he, utcnow()))
    assert isinstance(first, service.Applied)
    check = await _matched_check(seeded, he.person.id, first.id)
    engine = db_config(migrated).get_engine()
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(migrated.secret_key)
    start = asyncio.Event()
    overlap.wrap(monkeypatch, Transfers, "confirm", meet=1.0)

    async def one() -> bool:
        async with sessions() as db:
            uow = UnitOfWork(db=db, cipher=cipher, policy=migrated.policy)
            found = await db.get(FaceCheck, check.id)
            assert found is not None
            await start.wait()
            done = await conversion_confirm.confirm(uow, found, utcnow())
            await uow.commit()
            return done

    tasks = [asyncio.create_task(one()) for _ in range(20)]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)
    await engine.dispose()
    assert results.count(True) == 1, results
    assert overlap.most > 1, "the confirmations did not overlap: nothing was tested at once"
    assert len(await _actions(seeded, "conversion.confirmed")) == 1
    assert (await _row(seeded, first.id)).confirmed_check_id == check.id

    # The agency refuses it; a new application waits again, and the old pass does not count.
    beijing = staff_view(await _staff(seeded, DEMO_STAFF.number))
    await committed(
        seeded, staff_transfers.act(seeded, beijing, first.id, utcnow(), refusal="documents")
    )
    second = await committed(seeded, service.apply(seeded, he, utcnow()))
    assert isinstance(second, service.Applied)
    await seeded.db.refresh(check)
    assert not await committed(seeded, conversion_confirm.confirm(seeded, check, utcnow()))
    other = await _matched_check(seeded, he.person.id, second.id, purpose="certification")
    assert not await committed(seeded, conversion_confirm.confirm(seeded, other, utcnow()))
    assert (await _row(seeded, second.id)).state == TransferState.AWAITING_MEMBER.value


@pytest.mark.usefixtures("histories")
async def test_twenty_applications_at_once_open_one_conversion(
    seeded: UnitOfWork,
    migrated: Settings,
    settings: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _bind_father(seeded, settings)
    holder = await _own(seeded, ZHANG_WEI)
    binding_id = (await seeded.bindings.of_holder(holder.person.id))[0].id
    found = await seeded.views.active_member(binding_id, holder.person.id)
    assert found
    he = Subject(person=found[1], holder=holder.person, binding=found[0])
    engine = db_config(migrated).get_engine()
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(migrated.secret_key)
    start = asyncio.Event()
    overlap.wrap(monkeypatch, Transfers, "open_for", meet=1.0)  # the check before the insert

    async def one() -> object:
        async with sessions() as db:
            uow = UnitOfWork(db=db, cipher=cipher, policy=migrated.policy)
            await start.wait()
            result = await service.apply(uow, he, utcnow())
            await uow.commit()
            return result

    tasks = [asyncio.create_task(one()) for _ in range(20)]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)
    await engine.dispose()
    opened = [r for r in results if isinstance(r, service.Applied)]
    assert len(opened) == 1, results
    assert [r for r in results if r not in opened] == [Refusal.OPEN_CONVERSION] * 19
    assert overlap.most > 1, "the checks did not overlap: nothing was tested at once"
    await seeded.commit()
    count = await seeded.db.scalar(
        select(func.count())
        .select_from(InsuranceTransfer)
        .where(InsuranceTransfer.person_id == he.person.id, InsuranceTransfer.closed_on.is_(None))
    )
    assert count == 1


@pytest.mark.usefixtures("histories")
async def test_withdrawn_it_cannot_be_confirmed(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _bind_father(seeded, settings)
    await sign_in(client, ZHANG_WEI.value, ZHANG_WEI_PASSWORD)
    timeline = await _apply_through_the_pages(client, base)
    assert await _step(client, f"{timeline}/withdraw", {}) == timeline
    transfer_id = UUID(timeline.rsplit("/", 1)[1])
    assert (await _row(seeded, transfer_id)).state == TransferState.WITHDRAWN.value
    assert "Withdrawn on" in _text((await client.get(timeline, headers=EN)).text)
    await _post(client, "/logout", {})
    await sign_in(client, FATHER.value, FATHER_PASSWORD)
    assert "waits for your confirmation" not in (await client.get("/my/transfers", headers=EN)).text
    late = await _selfie(client, f"/my/transfers/{transfer_id}/confirm", face("obama2.jpg"))
    assert late.headers["location"] == f"/my/transfers/{transfer_id}"
    assert not await _actions(seeded, "conversion.face_started")


@pytest.mark.usefixtures("histories")
async def test_completed_it_shows_on_the_benefits_list_and_with_the_processed(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _bind_father(seeded, settings)
    he = await _own(seeded, FATHER)
    applied = await committed(seeded, service.apply(seeded, he, utcnow()))
    assert isinstance(applied, service.Applied)
    check = await _matched_check(seeded, he.person.id, applied.id)
    assert await committed(seeded, conversion_confirm.confirm(seeded, check, utcnow()))
    row = await _row(seeded, applied.id)
    for agency in (Agency.TO, Agency.FROM, Agency.TO):  # Beijing joins, Guangzhou leaves
        await committed(seeded, act(seeded, row, agency, utcnow()))
    assert (await _row(seeded, applied.id)).state == TransferState.COMPLETED.value

    await sign_in(client, ZHANG_WEI.value, ZHANG_WEI_PASSWORD)
    listed = _text((await client.get(f"{base}/benefits?line=pension&year=2010", headers=EN)).text)
    today = utcnow().date().isoformat()
    assert f"Urban–rural conversion completed on {today}" in listed
    assert "joined the residents' personal account" in listed and "Refunded: CN¥250.00" in listed
    assert "Joined to the residents' pension" in listed  # the employee months of 2010
    for number in (DEMO_STAFF.number, DEMO_STAFF_GUANGZHOU.number):
        staff = staff_view(await _staff(seeded, number))
        processed = await staff_transfers.processed(seeded, staff, utcnow())
        assert [p.transfer.id for p in processed] == [applied.id]
    assert date.fromisoformat(today) == row.applied_on


@pytest.mark.usefixtures("histories")
async def test_staff_list_the_processed_and_read_a_conversion(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    he = await _own(seeded, FATHER)
    applied = await committed(seeded, service.apply(seeded, he, utcnow()))
    assert isinstance(applied, service.Applied)
    await _staff_signed_in(client, seeded, DEMO_STAFF)
    queue = await client.get("/staff/queue", headers=EN)
    assert 'href="/staff/transfers/processed"' in queue.text
    # Awaiting its person: listed for nobody, readable, nothing to do.
    assert str(applied.id) not in (await client.get("/staff/transfers", headers=EN)).text
    waiting = _text((await client.get(f"/staff/transfers/{applied.id}", headers=EN)).text)
    assert "The person has not confirmed the conversion yet" in waiting
    assert "Employee pension into the residents' pension" in waiting
    empty = await client.get("/staff/transfers/processed", headers=EN)
    assert "No transfer of your region has been completed or refused yet." in empty.text

    check = await _matched_check(seeded, he.person.id, applied.id)
    assert await committed(seeded, conversion_confirm.confirm(seeded, check, utcnow()))
    listed = await client.get("/staff/transfers", headers=EN)
    assert f"/staff/transfers/{applied.id}" in listed.text
    assert "Urban–rural conversion: Employee pension into the residents' pension" in _text(
        listed.text
    )
    refused = await _staff_post(client, applied.id, {"decision": "reject", "reason": "材料不全"})
    assert refused.status_code == 303, refused.text
    processed = _text((await client.get("/staff/transfers/processed", headers=EN)).text)
    today = utcnow().date().isoformat()
    assert "张德明 1101**********0137" in processed
    assert f"Refused on {today}." in processed
    assert "No transfer of your region" not in processed


@pytest.mark.usefixtures("histories")
async def test_converting_for_oneself_one_confirms_with_ones_own_face(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client, FATHER.value, FATHER_PASSWORD)
    flow = "/my/transfers/conversion/apply"
    assert await _step(client, f"{flow}/check", {"understood": "yes"}) == f"{flow}/pin"
    pin = await client.get(f"{flow}/pin", headers=EN)
    assert "You then confirm it by face recognition." in pin.text
    checked = re.search(r'name="checked" value="([0-9a-f]{64})"', pin.text)
    assert checked
    timeline = await _step(client, f"{flow}/pin", {"pin": "946173", "checked": checked[1]})
    assert timeline.startswith("/my/transfers/")
    page = await client.get(timeline, headers=EN)
    assert 'name="selfie"' in page.text and f'action="{timeline}/confirm"' in page.text
    row = await _row(seeded, UUID(timeline.rsplit("/", 1)[1]))
    assert row.state == TransferState.AWAITING_MEMBER.value
    assert row.applied_by_person_id == row.person_id

"""Staff: a password alone never reaches members' data; the in-person decision opens or ends it."""

from __future__ import annotations

from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.services import staff as staff_service
from app.services.context import UnitOfWork
from tests.conftest import csrf_token
from tests.integration.test_affinity_wizard import EN, _bind_mother

Client = AsyncTestClient[Litestar]


async def _staff_login(client: Client, number: str, password: str):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, "/staff/login")
    return await client.post(
        "/staff/login",
        data={"_csrf_token": token, "staff_number": number, "password": password},
        headers=EN,
        follow_redirects=False,
    )


async def test_a_password_alone_does_not_open_the_queue(client: Client) -> None:
    assert (await client.get("/staff/queue", follow_redirects=False)).headers[
        "location"
    ] == "/staff/login"
    wrong = await _staff_login(client, "BJ0001", "not-it")
    assert wrong.status_code == 422 and "staff number or password is not right" in wrong.text
    right = await _staff_login(client, "BJ0001", "staff-demo-2025")
    assert right.headers["location"] == "/staff/passkey/new"  # first sign-in: add a passkey
    page = await client.get("/staff/passkey/new", headers=EN)
    assert "data-passkey-add" in page.text
    assert (await client.get("/staff/queue", follow_redirects=False)).status_code == 303
    token = await csrf_token(client, "/staff/passkey/new")
    options = await client.post("/staff/passkey/new/options", headers={"x-csrftoken": token})
    assert options.json()["authenticatorSelection"]["userVerification"] == "required"


async def _needs_in_person(client: Client, seeded: UnitOfWork) -> UUID:
    member_url = await _bind_mother(client)
    binding = await seeded.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding
    binding.state = "needs_in_person"  # as after 20 failed matches (see test_face_recognition)
    await seeded.commit()
    return binding.id


async def test_staff_approve_and_reject_are_audited(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    binding_id = await _needs_in_person(client, seeded)
    staff = await seeded.staff.by_number("BJ0001")
    assert staff
    queue = await staff_service.queue(seeded, staff)
    assert [b.id for b in queue] == [binding_id]
    binding = queue[0]
    store = DocumentStore(settings.upload_dir)
    await staff_service.decide(
        seeded, store, staff, binding, approve=True, reason="ID card seen", now=utcnow()
    )
    assert binding.state == "active"
    assert await staff_service.queue(seeded, staff) == []
    events = (
        await seeded.db.execute(
            __import__("sqlalchemy").text(
                "SELECT action, detail, actor_staff_id FROM audit_events WHERE action LIKE 'staff.%'"
            )
        )
    ).all()
    assert [(e[0], e[1]) for e in events] == [("staff.approved", "ID card seen")]
    assert events[0][2] is not None


async def test_staff_elsewhere_do_not_see_beijing_members(
    client: Client, seeded: UnitOfWork
) -> None:
    await _needs_in_person(client, seeded)
    await staff_service.add_staff(
        seeded, number="GZ0001", name="广州", region_prefix="44", password="x" * 12
    )
    guangzhou = await seeded.staff.by_number("GZ0001")
    assert guangzhou and await staff_service.queue(seeded, guangzhou) == []


async def test_region_codes_are_kept_for_routing(seeded: UnitOfWork) -> None:
    person = await seeded.people.by_id_number(parse_id_number("110105195806070426"))
    assert person and person.region_code == "110105"

"""Staff: a password alone never reaches members' data; the in-person decision opens or ends it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AuditEvent
from app.domain.identity import parse_id_number
from app.domain.staff_enrolment import display_code
from app.services import staff as staff_service
from app.services.context import UnitOfWork
from tests.conftest import committed, csrf_token
from tests.integration.test_affinity_wizard import EN, _bind_mother
from tests.passkey_device import SoftwareAuthenticator
from tests.staff_journey import (
    STAFF,
    enrol,
    password_step,
    register_begin,
    register_finish,
    register_options,
    sign_in_with_passkey,
)

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
    await committed(
        seeded,
        staff_service.decide(
            seeded, store, staff, binding_id, approve=True, reason="ID card seen", now=utcnow()
        ),
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
    await committed(
        seeded,
        staff_service.add_staff(
            seeded, number="GZ0001", name="广州", region_prefix="44", password="x" * 12
        ),
    )
    guangzhou = await seeded.staff.by_number("GZ0001")
    assert guangzhou and await staff_service.queue(seeded, guangzhou) == []


async def test_region_codes_are_kept_for_routing(seeded: UnitOfWork) -> None:
    person = await seeded.people.by_id_number(parse_id_number("110105195806070426"))
    assert person and person.region_code == "110105"


# ---- sign-in: the enrolment code, the limits, the session ---------------------------------


async def _audit(uow: UnitOfWork, action: str) -> list[tuple[Any, ...]]:
    rows = await uow.db.execute(
        select(AuditEvent.actor_staff_id, AuditEvent.actor_person_id).where(
            AuditEvent.action == action
        )
    )
    return [tuple(row) for row in rows]


async def _staff_id(uow: UnitOfWork, number: str = STAFF) -> UUID:
    member = await uow.staff.by_number(number)
    assert member
    return member.id


async def test_the_first_passkey_needs_the_enrolment_code(
    client: Client, seeded: UnitOfWork
) -> None:
    code = await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow()))
    assert (await password_step(client)).headers["location"] == "/staff/passkey/new"
    page = await client.get("/staff/passkey/new", headers=EN)
    assert 'name="enrolment_code"' in page.text

    # the password alone: the ceremony can be started but never finishes
    device = SoftwareAuthenticator()
    credential, token = await register_begin(client, device, None)
    refused = await register_finish(client, credential, token)
    assert refused.status_code == 400
    assert refused.json()["error"] == "Enter the enrolment code you were given first."

    empty, _ = await register_options(client, " ")
    assert empty.json()["error"] == "Enter the enrolment code you were given"
    wrong, _ = await register_options(client, "ABCD-EFGH-JKMN")
    assert wrong.status_code == 400 and "enrolment code is not right" in wrong.json()["error"]
    assert await _audit(seeded, "staff.enrolment_failed") == [(await _staff_id(seeded), None)]
    credential, token = await register_begin(client, device, None)
    assert (await register_finish(client, credential, token)).status_code == 400

    typed = display_code(code).lower().replace("-", " ")  # as someone might type it
    credential, token = await register_begin(client, device, typed)
    signed_in = await register_finish(client, credential, token)
    assert signed_in.json() == {"redirect": "/staff/queue"}
    assert (await client.get("/staff/queue", follow_redirects=False)).status_code == 200

    stored = (
        await seeded.db.execute(text("SELECT code_hash, used_at FROM staff_enrolment_codes"))
    ).one()
    assert stored[0] != code and code not in stored[0] and stored[1] is not None

    # later sign-ins: the password, then that passkey; no code, and no second enrolment
    token = await csrf_token(client, "/staff/queue")
    await client.post("/staff/logout", data={"_csrf_token": token})
    assert (await sign_in_with_passkey(client, device)).json() == {"redirect": "/staff/queue"}
    with pytest.raises(staff_service.AlreadyEnrolled):
        await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow()))


async def test_an_enrolment_code_is_for_one_staff_member_and_expires(
    client: Client, seeded: UnitOfWork
) -> None:
    await committed(
        seeded,
        staff_service.add_staff(
            seeded, number="BJ0002", name="王强", region_prefix="11", password="x" * 12
        ),
    )
    others = await committed(seeded, staff_service.issue_enrolment_code(seeded, "BJ0002", utcnow()))
    await password_step(client)
    assert (await register_options(client, others))[0].status_code == 400  # BJ0002's

    code = await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow()))
    replaced = await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow()))
    assert (await register_options(client, code))[0].status_code == 400  # voided by the new one
    await seeded.db.execute(
        text("UPDATE staff_enrolment_codes SET expires_at = :t"), {"t": utcnow()}
    )
    await seeded.commit()
    assert (await register_options(client, replaced))[0].status_code == 400  # over 24 hours old
    with pytest.raises(staff_service.UnknownStaff):
        await committed(seeded, staff_service.issue_enrolment_code(seeded, "XX9999", utcnow()))


async def test_staff_sign_in_is_limited_and_audited(client: Client, seeded: UnitOfWork) -> None:
    for _ in range(10):
        assert (await password_step(client, password="not-it")).status_code == 422
    held = await password_step(client)  # the right password waits too
    assert held.status_code == 429 and "sign-in is paused" in held.text
    failures = await _audit(seeded, "staff.signin_failed")
    assert failures == [(await _staff_id(seeded), None)] * 10
    unknown = await password_step(client, number="NOBODY", password="x")
    assert unknown.status_code == 429  # the address has used its free tries
    assert len(await _audit(seeded, "staff.signin_failed")) == 10


async def test_staff_sessions_end_when_idle_and_after_the_absolute_limit(
    client: Client, seeded: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    device = SoftwareAuthenticator()
    await enrol(
        client,
        device,
        await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow())),
    )
    start = utcnow()

    def at(moment: datetime) -> None:
        monkeypatch.setattr("app.routes.staff.utcnow", lambda: moment)

    at(start + timedelta(minutes=16))
    assert (await client.get("/staff/queue", follow_redirects=False)).headers[
        "location"
    ] == "/staff/login"

    monkeypatch.undo()
    await sign_in_with_passkey(client, device)
    start = utcnow()
    moment = start
    while moment < start + timedelta(hours=12) - timedelta(minutes=14):
        moment += timedelta(minutes=14)  # busy all day: never idle for 15 minutes
        at(moment)
        assert (await client.get("/staff/queue", follow_redirects=False)).status_code == 200
    at(start + timedelta(hours=12, minutes=1))
    assert (await client.get("/staff/queue", follow_redirects=False)).headers[
        "location"
    ] == "/staff/login"

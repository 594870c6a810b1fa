"""Eligibility certification for a pensioner member: the state of the cycle, and certifying by
face recognition (matched for real) on the holder's phone or the member's own."""

from __future__ import annotations

import re
from datetime import date
from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.db.models import AffinityBinding, Person
from app.domain.certification import add_months
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from tests.conftest import csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import EN, _activate, _post, face
from tests.integration.test_face_recognition import _bind, _result

Client = AsyncTestClient[Litestar]
FATHER = ("王建国", "110105195611200171")  # a pensioner
HUSBAND = ("张伟", "110105198309210137")  # not a pensioner
HOLDER = "110105198503140224"  # 王芳


async def _person(uow: UnitOfWork, number: str) -> Person:
    person = await uow.people.by_id_number(parse_id_number(number))
    assert person
    await uow.db.refresh(person)
    return person


async def _binding(uow: UnitOfWork, family_url: str) -> AffinityBinding:
    binding = await uow.bindings.get(UUID(family_url.rsplit("/", 1)[1]))
    assert binding
    await uow.db.refresh(binding)
    return binding


async def _certified_on(uow: UnitOfWork, number: str, day: date | None) -> None:
    person = await _person(uow, number)
    person.last_certified_on = day
    await uow.commit()


async def _father(client: Client, seeded: UnitOfWork, months_ago: int = 13) -> str:
    """王芳's father (his registry portrait is obama3.jpg), bound with another face on the
    relationship document (never a reference), active, certified `months_ago`."""
    member_url = await _bind(client, FATHER, "parent", proof=face("biden.jpg"))
    await _activate(seeded, member_url)
    today = utcnow().date()
    await _certified_on(seeded, FATHER[1], add_months(today, -months_ago))
    return "/family/" + member_url.rsplit("/", 1)[1]


async def _certify(client: Client, family_url: str, photo: bytes, consent: bool = True):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, "/account")
    data = {"_csrf_token": token, **({"consent": "yes"} if consent else {})}
    return await client.post(
        f"{family_url}/certification",
        data=data,
        files={"selfie": ("selfie.jpg", photo, "image/jpeg")},
        headers=EN,
        follow_redirects=False,
    )


async def _actions(uow: UnitOfWork, prefix: str = "certification.") -> list[str]:
    holder = await _person(uow, HOLDER)
    return [e.action for e in await uow.audit.for_actor(holder.id) if e.action.startswith(prefix)]


async def test_an_overdue_father_certifies_on_the_holders_phone(
    client: Client, seeded: UnitOfWork
) -> None:
    family_url = await _father(client, seeded)
    page = await client.get(f"{family_url}/certification", headers=EN)
    assert page.status_code == 200
    assert "overdue" in page.text and "payments are suspended" in page.text
    assert "You are acting for 王建国" in shown(page.text)
    assert 'name="consent"' in page.text and 'capture="user"' in page.text
    assert 'accept="image/*"' in page.text

    refused = await _certify(client, family_url, face("obama2.jpg"), consent=False)
    assert refused.status_code == 422 and "agrees to face recognition" in refused.text

    response = await _certify(client, family_url, face("obama2.jpg"))
    status_url = response.headers["location"]
    assert re.fullmatch(rf"{family_url}/certification/checks/[0-9a-f-]{{36}}", status_url)
    result = await _result(client, status_url)
    today = utcnow().date()
    valid_until = add_months(today, 12).isoformat()
    assert "The photo matches" in result and f"valid until {valid_until}" in result
    assert "payments resume, and the missed payments are paid back" in result

    assert (await _person(seeded, FATHER[1])).last_certified_on == today
    binding = await _binding(seeded, family_url)
    assert binding.state == "active" and binding.face_failures_total == 0
    again = await client.get(f"{family_url}/certification", headers=EN)
    assert f"valid until {valid_until}" in again.text and "is overdue" not in again.text

    holder = await _person(seeded, HOLDER)
    events = [
        e for e in await seeded.audit.for_actor(holder.id) if e.action.startswith("certification.")
    ]
    actions = [e.action for e in events]
    for action in ("certification.viewed", "certification.started", "certification.passed"):
        assert action in actions
    passed = next(e for e in events if e.action == "certification.passed")
    assert "distance=0." in passed.detail and "threshold=0.6" in passed.detail
    assert passed.subject_person_id == (await _person(seeded, FATHER[1])).id
    assert all(FATHER[1] not in e.detail for e in events)


async def test_someone_else_fails_and_counts_an_attempt(client: Client, seeded: UnitOfWork) -> None:
    family_url = await _father(client, seeded)
    response = await _certify(client, family_url, face("biden.jpg"))
    result = await _result(client, response.headers["location"])
    assert "does not match" in result and "4 more times" in result
    binding = await _binding(seeded, family_url)
    assert binding.state == "active" and binding.face_failures_total == 1
    father = await _person(seeded, FATHER[1])
    assert father.last_certified_on == add_months(utcnow().date(), -13)  # still overdue
    assert "certification.failed" in await _actions(seeded)


async def test_after_too_many_failures_certify_in_person_and_stay_active(
    client: Client, seeded: UnitOfWork
) -> None:
    family_url = await _father(client, seeded)
    binding = await _binding(seeded, family_url)
    binding.face_failures_total = seeded.policy.face_failures_before_in_person - 1
    await seeded.commit()
    response = await _certify(client, family_url, face("biden.jpg"))
    result = await _result(client, response.headers["location"])
    assert "too many attempts" in result and "service centre" in result

    binding = await _binding(seeded, family_url)
    assert binding.state == "active"  # the affinity service itself is not affected
    page = await client.get(f"{family_url}/certification", headers=EN)
    assert "must certify in person" in page.text and 'name="selfie"' not in page.text
    refused = await _certify(client, family_url, face("obama2.jpg"))
    assert refused.status_code == 422 and "must certify in person" in refused.text
    handoff = await _post(client, f"{family_url}/certification/handoff", {})
    assert handoff.headers["location"] == f"{family_url}/certification"  # type: ignore[attr-defined]
    assert (await client.get(family_url, headers=EN)).status_code == 200  # still acting for him


async def test_the_father_certifies_on_his_own_phone(client: Client, seeded: UnitOfWork) -> None:
    family_url = await _father(client, seeded)
    await _post(client, f"{family_url}/certification/handoff", {})
    page = await client.get(f"{family_url}/certification/handoff", headers=EN)
    match = re.search(r'class="code">([A-Z0-9]{4}-[A-Z0-9]{4})<', page.text)
    assert match, page.text
    assert '<svg role="img"' in page.text and "/verify/" in page.text
    code = match.group(1).replace("-", "")

    holder_cookies = httpx.Cookies(client.cookies)
    client.cookies.clear()  # the member's phone: no session at all
    phone = client
    capture = await phone.get(f"/verify/{code}", headers=EN)
    assert capture.status_code == 200
    assert (
        "王*" in shown(capture.text)
        and "王芳" not in shown(capture.text)
        and "王建国" not in shown(capture.text)
    )
    assert "They added you as their: Parent" in capture.text
    assert "yearly eligibility certification" in capture.text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', capture.text).group(1)  # type: ignore[union-attr]
    response = await phone.post(
        f"/verify/{code}",
        data={"_csrf_token": token, "consent": "yes"},
        files={"selfie": ("me.jpg", face("obama2.jpg"), "image/jpeg")},
        headers=EN,
        follow_redirects=False,
    )
    status_url = response.headers["location"]
    assert status_url.startswith("/verify/status/")
    result = await _result(phone, status_url)
    valid_until = add_months(utcnow().date(), 12).isoformat()
    assert f"certification is valid until {valid_until}" in result
    assert "payments resume" in result
    again = await phone.get(f"/verify/{code}", headers=EN)  # single use
    assert again.status_code == 422 and "not valid" in again.text

    client.cookies = holder_cookies
    page = await client.get(f"{family_url}/certification", headers=EN)
    assert f"valid until {valid_until}" in page.text
    assert "certification.handoff_created" in await _actions(seeded)


async def test_a_binding_code_and_a_certification_code_do_not_mix(
    client: Client, seeded: UnitOfWork
) -> None:
    """A certification code stops working if the binding ends; an active binding's member
    cannot be sent a binding code."""
    family_url = await _father(client, seeded)
    affinity_url = "/affinity/" + family_url.rsplit("/", 1)[1]
    denied = await _post(client, f"{affinity_url}/handoff", {})
    assert denied.headers["location"] == affinity_url  # type: ignore[attr-defined]
    await _post(client, f"{family_url}/certification/handoff", {})
    page = await client.get(f"{family_url}/certification/handoff", headers=EN)
    code = re.search(r'class="code">([A-Z0-9-]{9})<', page.text).group(1).replace("-", "")  # type: ignore[union-attr]
    binding = await _binding(seeded, family_url)
    binding.state = "revoked"
    await seeded.commit()
    gone = await client.get(f"/verify/{code}", headers=EN)
    assert gone.status_code == 422 and "not valid" in gone.text


async def test_a_member_who_is_not_a_pensioner_needs_no_certification(
    client: Client, seeded: UnitOfWork
) -> None:
    member_url = await _bind(client, HUSBAND, "spouse", proof=face("biden.jpg"))
    await _activate(seeded, member_url)
    family_url = "/family/" + member_url.rsplit("/", 1)[1]
    page = await client.get(f"{family_url}/certification", headers=EN)
    assert page.status_code == 200
    assert "张伟 does not receive a pension, so no certification is needed" in shown(page.text)
    assert 'name="selfie"' not in page.text
    response = await _certify(client, family_url, face("obama2.jpg"))
    assert response.headers["location"] == f"{family_url}/certification"
    handoff = await _post(client, f"{family_url}/certification/handoff", {})
    assert handoff.headers["location"] == f"{family_url}/certification"  # type: ignore[attr-defined]
    assert "certification.viewed" in await _actions(seeded)
    assert "certification.started" not in await _actions(seeded)


async def test_my_certification(client: Client, seeded: UnitOfWork) -> None:
    await sign_in(client)
    page = await client.get("/my/certification", headers=EN)
    assert page.status_code == 200
    assert "You do not receive a pension, so no certification is needed" in page.text
    assert "acting for" not in page.text

    # As a pensioner with a valid certification, the holder sees until when: nothing to do yet.
    holder = await _person(seeded, HOLDER)
    holder.is_pensioner = True
    holder.last_certified_on = add_months(utcnow().date(), -2)
    await seeded.commit()
    page = await client.get("/my/certification", headers=EN)
    valid_until = add_months(utcnow().date(), 10).isoformat()
    assert f"valid until {valid_until}" in page.text and "cannot certify" not in page.text
    assert 'name="selfie"' not in page.text
    response = await _certify(client, "/my", face("obama2.jpg"))
    assert response.headers["location"] == "/my/certification"
    assert await _actions(seeded) == []  # the holder's own use is not audited


async def test_a_due_certification_says_by_when(client: Client, seeded: UnitOfWork) -> None:
    family_url = await _father(client, seeded, months_ago=12)
    page = await client.get(f"{family_url}/certification", headers=EN)
    due = utcnow().date().isoformat()  # 12 months ago plus 12 months: today, the last day
    assert f"due by {due}" in page.text and "Payments continue" in page.text
    await _certified_on(seeded, FATHER[1], None)
    page = await client.get(f"{family_url}/certification", headers=EN)
    assert "no certification on record" in page.text and "payments are suspended" in page.text


async def test_polls_are_not_audited_one_by_one(client: Client, seeded: UnitOfWork) -> None:
    family_url = await _father(client, seeded)
    response = await _certify(client, family_url, face("obama2.jpg"))
    status_url = response.headers["location"]
    await _result(client, f"{status_url}?poll=1")
    before = (await _actions(seeded)).count("certification.viewed")
    await client.get(f"{status_url}?poll=1", headers=EN)
    assert (await _actions(seeded)).count("certification.viewed") == before
    await client.get(status_url, headers=EN)
    assert (await _actions(seeded)).count("certification.viewed") == before + 1


async def test_another_holder_gets_not_found(client: Client, seeded: UnitOfWork) -> None:
    family_url = await _father(client, seeded)
    response = await _certify(client, family_url, face("biden.jpg"))
    status_url = response.headers["location"]
    await _result(client, status_url)
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, "440106199207150513", "second-demo-2025")
    for url in (f"{family_url}/certification", status_url, f"{family_url}/certification/handoff"):
        assert (await client.get(url)).status_code == 404
    assert (await _certify(client, family_url, face("obama2.jpg"))).status_code == 404
    assert (await _post(client, f"{family_url}/certification/handoff", {})).status_code == 404  # type: ignore[attr-defined]
    # and the holder's own check URL under /my is not a way round
    check_id = status_url.rsplit("/", 1)[1]
    assert (await client.get(f"/my/certification/checks/{check_id}")).status_code == 404

"""A pensioner's own account agrees with what her daughter did for her, and she certifies
herself once it is due: 李秀英 (her registry portrait is obama.jpg), face matched for real."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.adapters.clock import utcnow
from app.db.models import FaceCheck, Person
from app.db.repositories import People
from app.domain.certification import add_months
from app.services.context import UnitOfWork
from tests.at_once import NewClient, Overlap
from tests.conftest import csrf_token, sign_in
from tests.integration.test_affinity_wizard import EN, MOTHER, _activate, face
from tests.integration.test_certification import Client, _certified_on, _certify, _person
from tests.integration.test_face_recognition import _bind, _result

MOTHER_PASSWORD = "mother-demo-2025"


async def _as_mother(client: Client) -> None:
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, MOTHER[1], MOTHER_PASSWORD)


async def _mother_due(seeded: UnitOfWork) -> None:
    """Certified twelve months ago: due today, the last day."""
    await _certified_on(seeded, MOTHER[1], add_months(utcnow().date(), -12))


async def _own_actions(seeded: UnitOfWork) -> list[str]:
    mother = await _person(seeded, MOTHER[1])
    return [e.action for e in await seeded.audit.for_actor(mother.id)]


async def test_certified_by_her_daughter_she_sees_it_valid(
    client: Client, seeded: UnitOfWork
) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    await _activate(seeded, member_url)
    await _certified_on(seeded, MOTHER[1], add_months(utcnow().date(), -13))
    family_url = "/family/" + member_url.rsplit("/", 1)[1]
    done = await _certify(client, family_url, face("obama2.jpg"))
    assert "The photo matches" in await _result(client, done.headers["location"])

    await _as_mother(client)
    valid_until = add_months(utcnow().date(), 12).isoformat()
    page = await client.get("/my/certification", headers=EN)
    assert f"The certification is valid until {valid_until}." in page.text
    assert "cannot certify" not in page.text and 'name="selfie"' not in page.text
    services = await client.get("/my", headers=EN)
    assert "Eligibility certification due" not in services.text
    assert "Eligibility certification overdue" not in services.text
    # Nothing to do yet: a selfie sent anyway starts nothing.
    early = await _certify(client, "/my", face("obama2.jpg"))
    assert early.headers["location"] == "/my/certification"
    assert "certification.started" not in await _own_actions(seeded)


async def test_when_due_she_certifies_herself(client: Client, seeded: UnitOfWork) -> None:
    await _mother_due(seeded)
    await sign_in(client, MOTHER[1], MOTHER_PASSWORD)
    services = await client.get("/my", headers=EN)
    assert 'href="/my/certification">Eligibility certification due by' in services.text
    page = await client.get("/my/certification", headers=EN)
    assert "due by" in page.text and "cannot certify" not in page.text
    assert 'name="consent"' in page.text and 'capture="user"' in page.text
    assert "send a link" not in page.text  # the hand-off is for a member's own phone

    refused = await _certify(client, "/my", face("obama2.jpg"), consent=False)
    assert refused.status_code == 422 and "Confirm that you agree" in refused.text
    response = await _certify(client, "/my", face("obama2.jpg"))
    status_url = response.headers["location"]
    assert status_url.startswith("/my/certification/checks/")
    result = await _result(client, status_url)
    today = utcnow().date()
    valid_until = add_months(today, 12).isoformat()
    assert f"You are certified: the certification is valid until {valid_until}" in result

    assert (await _person(seeded, MOTHER[1])).last_certified_on == today
    again = await client.get("/my/certification", headers=EN)
    assert f"valid until {valid_until}" in again.text and 'name="selfie"' not in again.text
    actions = await _own_actions(seeded)
    assert "certification.started" in actions and "certification.passed" in actions
    # Another account cannot read her check.
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client)
    assert (await client.get(status_url)).status_code == 404


async def test_a_mismatch_counts_on_her_and_the_wait_applies(
    client: Client, seeded: UnitOfWork
) -> None:
    await _mother_due(seeded)
    await sign_in(client, MOTHER[1], MOTHER_PASSWORD)
    response = await _certify(client, "/my", face("biden.jpg"))
    result = await _result(client, response.headers["location"])
    assert "does not match" in result and "4 more times" in result
    mother = await _person(seeded, MOTHER[1])
    assert mother.face_failures_total == 1
    assert mother.last_certified_on == add_months(utcnow().date(), -12)
    assert "certification.failed" in await _own_actions(seeded)

    mother.face_failures_recent = seeded.policy.face_failures_before_wait - 1
    await seeded.commit()
    response = await _certify(client, "/my", face("biden.jpg"))
    result = await _result(client, response.headers["location"])
    assert "You can try again after" in result
    page = await client.get("/my/certification", headers=EN)
    assert "Try again after" in page.text and 'name="selfie"' not in page.text
    waited = await _certify(client, "/my", face("obama2.jpg"))
    assert waited.status_code == 422 and "Try again after" in waited.text

    # Past the wait, too many failures in all: in person only.
    mother = await _person(seeded, MOTHER[1])
    mother.face_wait_until = utcnow() - timedelta(minutes=1)
    mother.face_failures_total = seeded.policy.face_failures_before_in_person
    await seeded.commit()
    page = await client.get("/my/certification", headers=EN)
    assert "Certify in person at a social insurance service centre" in page.text
    refused = await _certify(client, "/my", face("obama2.jpg"))
    assert refused.status_code == 422 and 'name="selfie"' not in refused.text


async def test_without_a_registry_portrait_she_certifies_through_12333(
    client: Client, seeded: UnitOfWork, app: Litestar
) -> None:
    await _mother_due(seeded)
    mother = await _person(seeded, MOTHER[1])
    (app.state.portraits.root / mother.id.hex).unlink()
    await sign_in(client, MOTHER[1], MOTHER_PASSWORD)
    page = await client.get("/my/certification", headers=EN)
    assert "cannot certify on this site" in page.text and "12333" in page.text
    assert 'name="selfie"' not in page.text
    refused = await _certify(client, "/my", face("obama2.jpg"))
    assert refused.status_code == 422 and "certification.started" not in await _own_actions(seeded)


async def _pending_of(seeded: UnitOfWork, person: Person) -> int:
    await seeded.commit()  # a fresh look
    query = select(func.count()).select_from(FaceCheck)
    query = query.where(FaceCheck.person_id == person.id, FaceCheck.state == "pending")
    return int(await seeded.db.scalar(query) or 0)


async def test_twenty_selfies_at_once_start_one_check(
    at_once_on_the_database: NewClient,
    app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await _mother_due(seeded)
    client = at_once_on_the_database()
    await sign_in(client, MOTHER[1], MOTHER_PASSWORD)  # type: ignore[arg-type]

    async def held(check_id: object) -> None:  # the matcher is held back: checks stay pending
        return None

    monkeypatch.setattr(app.state.jobs, "enqueue", held)
    token = await csrf_token(client, "/account")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, People, "claim")  # the others wait there for the first

    async def send() -> str:
        answer = await client.post(
            "/my/certification",
            data={"_csrf_token": token, "consent": "yes"},
            files={"selfie": ("selfie.jpg", face("obama2.jpg"), "image/jpeg")},
        )
        assert answer.status_code == 303, answer.text[:500]
        return answer.headers["location"]

    places = await asyncio.gather(*(send() for _ in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert len(set(places)) == 1 and "/my/certification/checks/" in places[0]
    assert await _pending_of(seeded, await _person(seeded, MOTHER[1])) == 1
    page = await client.get(places[0], headers=EN)
    assert "wait for this result before sending another" in page.text


async def test_the_database_holds_one_pending_check_per_person_and_one_owner(
    seeded: UnitOfWork,
) -> None:
    mother = await _person(seeded, MOTHER[1])
    holder = await _person(seeded, "110105198503140224")
    assert await seeded.face_checks.next_turn(mother.id) == 0
    await seeded.face_checks.add(FaceCheck(person_id=mother.id, state="pending", turn=0))
    await seeded.commit()
    # Her own check is her turn, as a holder's checks are theirs: the next waits a round.
    assert await seeded.face_checks.next_turn(mother.id) == 1
    assert await seeded.face_checks.next_turn(holder.id) == 0
    for extra in (
        FaceCheck(person_id=mother.id, state="pending"),  # a second pending check of hers
        FaceCheck(state="failed"),  # neither a binding nor a person
    ):
        with pytest.raises(IntegrityError):
            await seeded.face_checks.add(extra)
        await seeded.db.rollback()

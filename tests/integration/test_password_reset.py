"""A forgotten password, signed out, from /login: the ID number, then face recognition against
the registry portrait (matched for real: 王芳's is biden.jpg), then a new password; and nothing
tells whether an ID number is registered."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.adapters.hashing import verify_secret
from app.db.models import AuditEvent, FaceCheck, HolderAccount, Person
from app.db.repositories import FaceChecks
from app.domain.identity import check_char, parse_id_number
from app.services import face as face_service
from app.services.context import UnitOfWork
from app.services.limits import Limits
from tests.at_once import NewClient, Overlap, audited, counted
from tests.conftest import csrf_token, sign_in
from tests.integration.test_affinity_wizard import EN, face
from tests.integration.test_chinese_text import _Text
from tests.integration.test_face_recognition import _result
from tests.unit.test_catalogues import ascii_punctuation_in_chinese

Client = AsyncTestClient[Litestar] | httpx.AsyncClient
HOLDER = "110105198503140224"  # 王芳: registry portrait biden.jpg, password family-demo-2025
HOLDER_MASKED = "1101**********0224"
HER_FACE = "biden2.jpg"  # another photo of the face of her portrait
NOT_HER = "obama2.jpg"
NO_ACCOUNT = "320102199001010889"  # 赵丽: in the registry (portrait obama2.jpg), no sign-in
NEW_PASSWORD = "a-brand-new-password-2026"
NOT_CONFIRMED = "We could not confirm from this photo that you are the person with the ID number"
IP = "127.0.0.1"  # httpx's ASGI transport's client address


def unregistered() -> str:
    """A valid ID number nobody in the registry has."""
    first17 = "11010519911111123"
    return first17 + check_char(first17)


async def enter_number(client: Client, number: str) -> httpx.Response:
    token = await csrf_token(client, "/password/forgotten")  # type: ignore[arg-type]
    return await client.post(  # type: ignore[no-any-return]
        "/password/forgotten",
        data={"_csrf_token": token, "id_number": number},
        headers=EN,
        follow_redirects=False,
    )


async def send_photo(
    client: Client, path: str, photo: bytes, token: str, *, consent: bool = True
) -> httpx.Response:
    data = {"_csrf_token": token, **({"consent": "yes"} if consent else {})}
    return await client.post(  # type: ignore[no-any-return]
        path,
        data=data,
        files={"selfie": ("selfie.jpg", photo, "image/jpeg")},
        headers=EN,
        follow_redirects=False,
    )


async def prove(client: Client, number: str, photo: str) -> str:
    """The number, then the photo; the check's result page."""
    assert (await enter_number(client, number)).headers["location"] == "/password/forgotten/face"
    token = await csrf_token(client, "/password/forgotten/face")  # type: ignore[arg-type]
    sent = await send_photo(client, "/password/forgotten/face", face(photo), token)
    assert sent.status_code == 303 and sent.headers["location"] == "/password/forgotten/check"
    return await _result(client, "/password/forgotten/check")  # type: ignore[arg-type]


async def set_password(
    client: Client, new: str, confirm: str | None = None, token: str | None = None
) -> httpx.Response:
    token = token or await csrf_token(client, "/password/forgotten/new")  # type: ignore[arg-type]
    data = {"_csrf_token": token, "new_password": new, "confirm_password": confirm or new}
    return await client.post(  # type: ignore[no-any-return]
        "/password/forgotten/new", data=data, headers=EN, follow_redirects=False
    )


async def password_of(uow: UnitOfWork, number: str) -> str:
    await uow.commit()  # a fresh look
    person = await uow.people.by_id_number(parse_id_number(number))
    assert person
    account = await uow.db.scalar(
        select(HolderAccount)
        .where(HolderAccount.person_id == person.id)
        .execution_options(populate_existing=True)
    )
    assert account
    return account.password_hash


async def checks_of(uow: UnitOfWork, number: str) -> list[FaceCheck]:
    await uow.commit()
    person = await uow.people.by_id_number(parse_id_number(number))
    assert person
    rows = await uow.db.scalars(
        select(FaceCheck)
        .where(FaceCheck.person_id == person.id)
        .order_by(FaceCheck.created_at)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def result_text(page: str) -> str:
    """The words of the check's result region, the masked number left out."""
    region = page.split('id="face-result"', 1)[1].split("</main>", 1)[0]
    words = re.sub(r"<[^>]+>", " ", region)
    return " ".join(re.sub(r"\d{4}\*+[\dX]{4}", "NUMBER", words).split())


def fresh_browser(client: AsyncTestClient[Litestar]) -> dict[str, str]:
    """Start afresh, as another browser would (no session, no CSRF cookie); the cookies it
    had, to come back to it."""
    kept = dict(client.cookies)
    client.cookies.clear()
    return kept


async def test_a_holder_resets_her_forgotten_password_with_her_face(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    # Signed in on another device: the reset ends that session.
    await sign_in(client)
    elsewhere = fresh_browser(client)
    login = await client.get("/login", headers=EN)
    assert '<a href="/password/forgotten">Forgotten your password?</a>' in login.text

    refused = await enter_number(client, "1101051985031402")
    assert refused.status_code == 422 and "Enter an ID number of 18 characters" in refused.text
    assert 'value="1101051985031402"' in refused.text  # what was typed, kept
    empty = await enter_number(client, "")
    assert empty.status_code == 422 and "Enter your ID number" in empty.text
    # Typed with spaces, hyphens and full-width digits, as other ID inputs take it.
    assert (await enter_number(client, "１１０１０５ 1985-0314 0224")).status_code == 303
    page = await client.get("/password/forgotten/face", headers=EN)
    assert HOLDER_MASKED in page.text and HOLDER not in page.text
    assert 'name="consent"' in page.text and 'capture="user"' in page.text
    token = await csrf_token(client, "/password/forgotten/face")
    no_consent = await send_photo(
        client, "/password/forgotten/face", face(HER_FACE), token, consent=False
    )
    assert no_consent.status_code == 422 and "Confirm that you agree" in no_consent.text

    result = await prove(client, HOLDER, HER_FACE)
    assert "The photo matches. You can now set a new password." in result
    assert 'href="/password/forgotten/new"' in result
    form = await client.get("/password/forgotten/new", headers=EN)
    assert form.status_code == 200 and 'name="new_password"' in form.text

    for new, confirm, message in (
        ("", "", "Enter a new password"),
        ("short", "short", "at least 10 characters"),
        (NEW_PASSWORD, "something-else-2026", "The two new passwords do not match"),
        ("family-demo-2025", "family-demo-2025", "different from your current one"),
    ):
        answer = await set_password(client, new, confirm)
        assert answer.status_code == 422 and message in answer.text, message
    # Refusals of the form spend nothing: the check still authorises the reset.
    done = await set_password(client, NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/login?password_reset=1"
    notice = await client.get(done.headers["location"], headers=EN)
    assert "Your password has been reset. Sign in with your new password." in notice.text
    assert verify_secret(await password_of(seeded, HOLDER), NEW_PASSWORD)
    # The flow is over: its pages start again.
    again = await client.get("/password/forgotten/new", follow_redirects=False)
    assert again.headers["location"] == "/password/forgotten"

    mine = fresh_browser(client)
    client.cookies.update(elsewhere)
    assert (await client.get("/account", follow_redirects=False)).status_code == 303
    client.cookies.clear()
    client.cookies.update(mine)
    await sign_in(client, HOLDER, NEW_PASSWORD)

    [check] = await checks_of(seeded, HOLDER)
    assert check.purpose == face_service.PASSWORD_RESET and check.used_at is not None
    [reset] = await audited(seeded, "password.reset")
    assert reset.actor_person_id == check.person_id == reset.subject_person_id
    assert reset.detail == "sessions_ended=1"
    # Her account page lists the reset among the changes to her password and PIN.
    account = await client.get("/account", headers=EN)
    history = account.text.split('id="security-history"', 1)[1]
    assert "Reset your forgotten password after face recognition" in history


async def test_another_face_an_unknown_number_and_no_account_read_the_same(
    client: AsyncTestClient[Litestar], app: Litestar, seeded: UnitOfWork
) -> None:
    """A stranger's face, a number nobody has, a registry person without a sign-in (with her
    own face), and a holder the registry holds no portrait of: the same answer each time,
    and none of them can set a password."""
    husband = await seeded.people.by_id_number(parse_id_number("110105198309210137"))
    assert husband
    (app.state.portraits.root / husband.id.hex).unlink()
    answers = {}
    cases = {
        "another face": (HOLDER, NOT_HER),
        "unknown number": (unregistered(), HER_FACE),
        "no account": (NO_ACCOUNT, "obama.jpg"),
        "no portrait": ("110105198309210137", "obama.jpg"),
    }
    for name, (number, photo) in cases.items():
        fresh_browser(client)
        answers[name] = result_text(await prove(client, number, photo))
        assert (await set_password(client, NEW_PASSWORD)).status_code == 409
        form = await client.get("/password/forgotten/new", follow_redirects=False)
        assert form.headers["location"] == "/password/forgotten/check"
    assert NOT_CONFIRMED in answers["another face"]
    assert len(set(answers.values())) == 1, answers
    assert verify_secret(await password_of(seeded, HOLDER), "family-demo-2025")
    [failed] = await checks_of(seeded, HOLDER)
    assert failed.state == "failed" and failed.used_at is None
    # The failure is counted where the attempts are, not on her face counters.
    holder = await seeded.db.scalar(
        select(Person)
        .where(Person.id == failed.person_id)
        .execution_options(populate_existing=True)
    )
    assert holder and holder.face_failures_total == 0 and holder.face_wait_until is None
    [event] = await audited(seeded, "password_reset.face_failed")
    assert event.subject_person_id == holder.id and event.actor_person_id is None


async def test_an_unusable_photo_reads_as_a_mismatch(client: AsyncTestClient[Litestar]) -> None:
    several = result_text(await prove(client, HOLDER, "two_people.jpg"))
    fresh_browser(client)
    unknown = result_text(await prove(client, unregistered(), "two_people.jpg"))
    assert NOT_CONFIRMED in several and several == unknown


async def test_a_passed_check_expires(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    assert "The photo matches" in await prove(client, HOLDER, HER_FACE)
    [check] = await checks_of(seeded, HOLDER)
    minutes = seeded.policy.reset_check_minutes
    assert check.decided_at
    check.decided_at = check.decided_at - timedelta(minutes=minutes, seconds=1)
    await seeded.commit()
    page = await client.get("/password/forgotten/check", headers=EN)
    assert f"it passed more than {minutes} minutes ago" in page.text
    assert 'href="/password/forgotten/new"' not in page.text
    form = await client.get("/password/forgotten/new", follow_redirects=False)
    assert form.headers["location"] == "/password/forgotten/check"
    assert (await set_password(client, NEW_PASSWORD)).status_code == 409
    assert verify_secret(await password_of(seeded, HOLDER), "family-demo-2025")


async def test_only_a_passed_fresh_unused_check_of_the_person_and_purpose_is_spent(
    seeded: UnitOfWork,
) -> None:
    holder = await seeded.people.by_id_number(parse_id_number(HOLDER))
    other = await seeded.people.by_id_number(parse_id_number("440106199207150513"))
    assert holder and other
    now = utcnow()
    fresh = now - timedelta(minutes=seeded.policy.reset_check_minutes)

    async def check(state: str, decided_at: datetime = now) -> UUID:
        purpose = face_service.PASSWORD_RESET
        row = FaceCheck(person_id=holder.id, state=state, purpose=purpose, decided_at=decided_at)
        await seeded.face_checks.add(row)
        return row.id

    def spend(check_id: UUID, person: UUID = holder.id, purpose: str = face_service.PASSWORD_RESET):  # type: ignore[no-untyped-def]
        return seeded.face_checks.spend(
            check_id, person_id=person, purpose=purpose, decided_after=fresh, now=now
        )

    passed = await check("matched")
    assert not await spend(passed, other.id)  # another person's
    assert not await spend(passed, purpose=face_service.PIN_RESET)  # for the other reset
    assert await spend(passed)
    assert not await spend(passed)  # used
    assert not await spend(await check("failed"))
    assert not await spend(await check("unusable"))
    old = await check("matched", decided_at=fresh - timedelta(seconds=1))
    assert not await spend(old)


# ---- at once ------------------------------------------------------------------------------


async def _started(client: httpx.AsyncClient, number: str) -> str:
    assert (await enter_number(client, number)).status_code == 303
    return await csrf_token(client, "/password/forgotten/face")  # type: ignore[arg-type]


@pytest.mark.parametrize("number", [HOLDER, unregistered()], ids=["registered", "unknown"])
async def test_twenty_photos_at_once_are_counted_and_limited(
    at_once: NewClient,
    limited_app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
    number: str,
) -> None:
    """Registered or not, the same answers and the same counts: ten let through, ten held
    back, twenty counted per number and per address."""

    async def held(check_id: object) -> None:  # the matcher is held back: checks stay pending
        return None

    monkeypatch.setattr(limited_app.state.jobs, "enqueue", held)
    client = at_once()
    token = await _started(client, number)
    overlap.wrap(monkeypatch, Limits, "count", meet=1.0)
    photo = face(NOT_HER)
    answers = await asyncio.gather(
        *(send_photo(client, "/password/forgotten/face", photo, token) for _ in range(20))
    )
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(a.status_code for a in answers) == {303: 10, 429: 10}
    assert all("Too many attempts" in a.text for a in answers if a.status_code == 429)
    key = f"password-reset:id:{seeded.cipher.lookup_hash(number)}"
    assert await counted(limited_app, seeded, key) == 20
    assert await counted(limited_app, seeded, f"reset:ip:{IP}") == 20
    if number == HOLDER:
        pending = [c for c in await checks_of(seeded, HOLDER) if c.state == "pending"]
        assert len(pending) == 1  # one check at a time; the others read as failed
    held_back = await send_photo(client, "/password/forgotten/face", photo, token)
    assert held_back.status_code == 429  # the limit holds


async def test_a_passed_check_resets_the_password_once_however_many_ask_at_once(
    at_once_on_the_database: NewClient,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = at_once_on_the_database()
    assert "The photo matches" in await prove(client, HOLDER, HER_FACE)
    token = await csrf_token(client, "/password/forgotten/new")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, FaceChecks, "spend", meet=1.0)
    passwords = [f"new-password-number-{n:02d}" for n in range(20)]
    answers = await asyncio.gather(*(set_password(client, p, token=token) for p in passwords))
    assert overlap.most > 1, "the requests did not overlap"
    assert sorted(a.status_code for a in answers) == [303] + [409] * 19
    winner = passwords[[a.status_code for a in answers].index(303)]
    stored = await password_of(seeded, HOLDER)
    assert verify_secret(stored, winner)
    assert len(await audited(seeded, "password.reset")) == 1
    await seeded.commit()
    used = await seeded.db.scalar(
        select(func.count()).select_from(FaceCheck).where(FaceCheck.used_at.is_not(None))
    )
    assert used == 1
    events = await seeded.db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "password.reset")
    )
    assert events == 1


async def test_the_reset_pages_read_as_chinese(client: AsyncTestClient[Litestar]) -> None:
    """The signed-out pages (the crawl of signed-in pages does not reach them), and a result."""
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    await prove(client, unregistered(), NOT_HER)
    found: dict[str, str] = {}
    for path in (
        "/login",
        "/password/forgotten",
        "/password/forgotten/face",
        "/password/forgotten/check",
    ):
        response = await client.get(path, headers=zh)
        assert response.status_code == 200 and 'lang="zh-Hans"' in response.text[:300], path
        parser = _Text()
        parser.feed(response.text)
        for text in parser.sentences():
            for bit in ascii_punctuation_in_chinese(text):
                found[bit] = path
    result = (await client.get("/password/forgotten/check", headers=zh)).text
    assert "无法根据此照片确认您是身份证号码为" in result
    assert not found, found

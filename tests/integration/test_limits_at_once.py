"""Requests sent at once cannot slip under a limit or spend a single-use mark twice.

The app runs in the test's own event loop behind httpx's ASGI transport, so the requests of an
asyncio.gather really interleave (Litestar's test client runs the app in another thread and
answers one request at a time); each test also checks that they did overlap. On SQLite and
PostgreSQL, and for the password limits with their counters in Redis as well.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.adapters.hashing import verify_secret
from app.db.models import HolderAccount, StaffPasskey
from app.db.repositories import Staff
from app.domain.identity import parse_id_number
from app.services import pin as pin_service
from app.services import staff as staff_service
from app.services.limits import Limits
from tests.at_once import NewClient, Overlap, audited, counted
from tests.conftest import committed, csrf_token, sign_in
from tests.passkey_device import SoftwareAuthenticator
from tests.staff_journey import (
    STAFF,
    STAFF_PASSWORD,
    password_step,
    register_begin,
    register_finish,
)

HOLDER = "110105198503140224"
HUSBAND = "110105198309210137"  # another holder
NO_ACCOUNT = "320102199001010889"  # in the registry, without a sign-in
IP = "127.0.0.1"  # httpx's ASGI transport's client address
EN = {"Accept-Language": "en"}


async def _login(client: httpx.AsyncClient, token: str, number: str, password: str) -> int:
    answer = await client.post(
        "/login",
        data={"_csrf_token": token, "id_number": number, "password": password},
        headers=EN,
    )
    return answer.status_code


# ---- passwords ---------------------------------------------------------------------------


async def test_thirty_wrong_passwords_at_once_count_thirty_and_the_limit_holds(
    at_once: NewClient,
    limited_app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    overlap.wrap(monkeypatch, Limits, "count")
    client = at_once()
    token = await csrf_token(client)  # type: ignore[arg-type]
    answers = await asyncio.gather(*(_login(client, token, HOLDER, "wrong") for _ in range(30)))
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(answers) == {422: 10, 429: 20}  # ten checked, the rest held back
    account = f"signin:account:{seeded.cipher.lookup_hash(HOLDER)}"
    assert await counted(limited_app, seeded, account) == 30
    assert await counted(limited_app, seeded, f"signin:ip:{IP}") == 30
    assert len(await audited(seeded, "signin.failed")) == 10

    assert await _login(client, token, HOLDER, "family-demo-2025") == 429  # the limit holds
    assert await counted(limited_app, seeded, account) == 31


async def test_a_success_does_not_reset_the_per_ip_counter(
    at_once: NewClient, limited_app: Litestar, seeded: Any
) -> None:
    client = at_once()
    token = await csrf_token(client)  # type: ignore[arg-type]
    wrong = await asyncio.gather(*(_login(client, token, HOLDER, "wrong") for _ in range(9)))
    assert wrong == [422] * 9
    assert await _login(client, token, HUSBAND, "family-demo-2025") == 303
    ip = f"signin:ip:{IP}"
    assert await counted(limited_app, seeded, ip) == 9  # the success gave back its own only
    husband = f"signin:account:{seeded.cipher.lookup_hash(HUSBAND)}"
    assert await counted(limited_app, seeded, husband) == 0  # his own account's is cleared

    other = at_once()  # signed out, from the same address
    token = await csrf_token(other)  # type: ignore[arg-type]
    assert await _login(other, token, NO_ACCOUNT, "guess") == 422  # the address's tenth
    assert await _login(other, token, HUSBAND, "family-demo-2025") == 429


async def test_staff_sign_ins_at_once_are_limited_andaudited(
    at_once: NewClient, seeded: Any, overlap: Overlap, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlap.wrap(monkeypatch, Limits, "count")
    client = at_once()
    answers = await asyncio.gather(*(password_step(client, password="not-it") for _ in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(a.status_code for a in answers) == {422: 10, 429: 10}
    member = await seeded.staff.by_number(STAFF)
    failures = await audited(seeded, "staff.signin_failed")
    assert [event.actor_staff_id for event in failures] == [member.id] * 10
    assert (await password_step(client, password=STAFF_PASSWORD)).status_code == 429


async def test_password_checks_at_once_are_limited_andaudited(
    at_once: NewClient, seeded: Any, overlap: Overlap, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = at_once()
    await sign_in(client)  # type: ignore[arg-type]
    token = await csrf_token(client, "/account")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, Limits, "count")

    async def check(password: str) -> int:
        answer = await client.post(
            "/account/password-check",
            data={"_csrf_token": token, "password": password},
            headers=EN,
        )
        return answer.status_code

    answers = await asyncio.gather(*(check("not-my-password") for _ in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(answers) == {422: 10, 429: 10}
    person = await seeded.people.by_id_number(parse_id_number(HOLDER))
    failures = await audited(seeded, "password_check.failed")
    assert [event.actor_person_id for event in failures] == [person.id] * 10
    assert await check("family-demo-2025") == 429


# ---- the PIN and the enrolment code (kept in the database whatever counts the rest) -------


async def test_sixteen_wrong_pins_at_once_then_the_right_one_stay_locked(
    at_once_on_the_database: NewClient,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = at_once_on_the_database()
    await sign_in(client)  # type: ignore[arg-type]
    token = await csrf_token(client, "/account/pin")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, pin_service, "count_pin_attempt")

    async def change(old_pin: str) -> httpx.Response:
        form = {"_csrf_token": token, "old_pin": old_pin, "new_pin": "370258"}
        return await client.post("/account/pin", data={**form, "confirm_pin": "370258"}, headers=EN)

    wrong = await asyncio.gather(*(change(f"{n:06d}") for n in range(100001, 100017)))
    assert overlap.most > 1, "the requests did not overlap"
    assert {answer.status_code for answer in wrong} == {422}
    right = await change("258369")
    assert right.status_code == 422 and "locked" in right.text

    person = await seeded.people.by_id_number(parse_id_number(HOLDER))
    await seeded.commit()
    account = await seeded.db.scalar(
        select(HolderAccount)
        .where(HolderAccount.person_id == person.id)
        .execution_options(populate_existing=True)
    )
    assert account.pin_locked_until is not None
    assert account.pin_failures == seeded.policy.pin_max_failures
    assert verify_secret(account.pin_hash, "258369")  # the right PIN changed nothing
    assert len(await audited(seeded, "pin.failed")) == 6  # only six were checked
    assert len(await audited(seeded, "pin.locked")) == 1


async def test_an_enrolment_code_is_spent_once_by_twenty_at_once(
    at_once_on_the_database: NewClient,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow()))
    ready = []
    for _ in range(20):  # twenty browsers, each with the password and the code accepted
        client = at_once_on_the_database()
        await password_step(client)
        credential, token = await register_begin(client, SoftwareAuthenticator(), code)
        ready.append((client, credential, token))
    overlap.wrap(monkeypatch, Staff, "spend_enrolment_code", meet=1.0)
    answers = await asyncio.gather(*(register_finish(c, cred, t) for c, cred, t in ready))
    assert overlap.most > 1, "the requests did not overlap"
    assert sorted(a.status_code for a in answers) == [200] + [400] * 19
    await seeded.commit()
    stored = await seeded.db.scalar(select(func.count()).select_from(StaffPasskey))
    assert stored == 1

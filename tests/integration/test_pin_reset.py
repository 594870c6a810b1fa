"""A forgotten e-card PIN, signed in: face recognition against the holder's own registry
portrait (matched for real: 王芳's is biden.jpg), then a new PIN under the PIN policy, which
also lifts a lock after too many wrong PINs."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.adapters.hashing import verify_secret
from app.db.models import FaceCheck, HolderAccount
from app.db.repositories import FaceChecks
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from app.services.limits import Limits
from tests.at_once import NewClient, Overlap, audited, counted
from tests.conftest import csrf_token, sign_in
from tests.integration.test_affinity_wizard import EN, face
from tests.integration.test_face_recognition import _result
from tests.integration.test_password_reset import HER_FACE, HOLDER, IP, NOT_HER, send_photo

Client = AsyncTestClient[Litestar] | httpx.AsyncClient
OLD_PIN = "258369"
NEW_PIN = "370258"
OTHER_HOLDER = ("440106199207150513", "second-demo-2025")  # 陈明
START = "/account/pin/forgotten"


async def account_of(uow: UnitOfWork, number: str = HOLDER) -> HolderAccount:
    await uow.commit()  # a fresh look
    person = await uow.people.by_id_number(parse_id_number(number))
    assert person
    account = await uow.db.scalar(
        select(HolderAccount)
        .where(HolderAccount.person_id == person.id)
        .execution_options(populate_existing=True)
    )
    assert account
    return account


async def lock_pin(client: Client) -> None:
    """Six wrong current PINs on /account/pin: PIN use is locked for 24 hours."""
    token = await csrf_token(client, "/account/pin")  # type: ignore[arg-type]
    form = {"_csrf_token": token, "new_pin": NEW_PIN, "confirm_pin": NEW_PIN}
    for n in range(6):
        await client.post("/account/pin", data={**form, "old_pin": f"13579{n}"}, headers=EN)
    page = await client.get("/account/pin", headers=EN)
    assert "PIN use is locked" in page.text


async def prove(client: Client, photo: str) -> str:
    """The photo sent from the reset page; the address of the check's page, once decided."""
    token = await csrf_token(client, START)  # type: ignore[arg-type]
    sent = await send_photo(client, START, face(photo), token)
    assert sent.status_code == 303, sent.text[:300]
    where = str(sent.headers["location"])
    assert re.fullmatch(rf"{START}/checks/[0-9a-f-]{{36}}", where)
    await _result(client, where)  # type: ignore[arg-type]
    return where


async def set_pin(
    client: Client, check_url: str, new: str, confirm: str | None = None, token: str = ""
) -> httpx.Response:
    token = token or await csrf_token(client, f"{check_url}/new")  # type: ignore[arg-type]
    data = {
        "_csrf_token": token,
        "new_pin": new,
        "confirm_pin": new if confirm is None else confirm,
    }
    return await client.post(  # type: ignore[no-any-return]
        f"{check_url}/new", data=data, headers=EN, follow_redirects=False
    )


async def test_a_reset_pin_unlocks_pin_use(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    await sign_in(client)
    account_page = await client.get("/account", headers=EN)
    assert f'<a href="{START}">Forgotten your PIN?</a>' in account_page.text
    await lock_pin(client)
    # Every PIN entry offers the reset and comes back to itself afterwards.
    wizard_pin = await client.get("/affinity/add/pin", headers=EN)
    assert "PIN use is locked" in wizard_pin.text
    assert f'href="{START}?next=/affinity/add/pin">Forgotten your PIN?' in wizard_pin.text
    assert (
        f'href="{START}">Forgotten your PIN?' in (await client.get("/account/pin", headers=EN)).text
    )

    page = await client.get(f"{START}?next=/affinity/add/pin", headers=EN)
    assert "PIN use is locked until" in page.text and 'capture="user"' in page.text
    token = await csrf_token(client, START)
    no_photo = await client.post(START, data={"_csrf_token": token, "consent": "yes"}, headers=EN)
    assert no_photo.status_code == 422 and "Take or choose a photo of your face" in no_photo.text
    check_url = await prove(client, HER_FACE)
    result = await client.get(check_url, headers=EN)
    assert "The photo matches. You can now set a new PIN." in result.text
    assert f'href="{check_url}/new"' in result.text

    for new, confirm, message in (
        ("", "", "Enter a new PIN"),
        ("12345", "12345", "The PIN must be exactly 6 digits"),
        ("111111", "111111", "cannot be the same digit 6 times"),
        ("123456", "123456", "cannot be a run of digits"),
        ("140224", "140224", "cannot be taken from your ID number"),
        (NEW_PIN, "370259", "The two new PINs do not match"),
    ):
        refused = await set_pin(client, check_url, new, confirm)
        assert refused.status_code == 422 and message in refused.text, message
        assert f'value="{new}"' not in refused.text or not new  # a PIN is never shown again
    done = await set_pin(client, check_url, "３７０ ２５８")  # full-width, as typed in Chinese
    assert done.status_code == 303
    assert done.headers["location"] == "/account?pin_reset=1&next=/affinity/add/pin"
    notice = await client.get(done.headers["location"], headers=EN)
    assert "Your PIN has been reset. You can use the new PIN now." in notice.text
    assert '<a href="/affinity/add/pin">Go back to what you were doing</a>' in notice.text
    history = notice.text.split('id="security-history"', 1)[1]
    assert "Reset your forgotten e-card PIN after face recognition" in history
    assert "PIN use was locked after too many wrong PINs" in history

    account = await account_of(seeded)
    assert account.pin_failures == 0 and account.pin_locked_until is None
    assert verify_secret(account.pin_hash, NEW_PIN)
    [reset] = await audited(seeded, "pin.reset")
    assert reset.detail == "unlocked" and reset.actor_person_id == account.person_id
    # The new PIN works where PIN use was locked.
    token = await csrf_token(client, "/affinity/add/pin")
    step = await client.post(
        "/affinity/add/pin", data={"_csrf_token": token, "pin": NEW_PIN}, follow_redirects=False
    )
    assert step.status_code == 303 and step.headers["location"] == "/affinity/add/notice"
    # The check is spent: it resets nothing again.
    again = await client.get(f"{check_url}/new", headers=EN)
    assert "can no longer be used for a reset" in again.text and 'name="new_pin"' not in again.text
    assert (await set_pin(client, check_url, "582047")).status_code == 409
    assert verify_secret((await account_of(seeded)).pin_hash, NEW_PIN)


async def test_another_face_sets_no_pin(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    await sign_in(client)
    check_url = await prove(client, NOT_HER)
    result = await client.get(check_url, headers=EN)
    assert "The photo does not match the photo the registry holds of you" in result.text
    assert "/new" not in result.text
    assert (await client.get(f"{check_url}/new", follow_redirects=False)).status_code == 303
    assert (await set_pin(client, check_url, NEW_PIN)).status_code == 409
    assert verify_secret((await account_of(seeded)).pin_hash, OLD_PIN)
    assert [e.action for e in await audited(seeded, "pin_reset.face_failed")]
    unusable_url = await prove(client, "two_people.jpg")
    unusable = await client.get(unusable_url, headers=EN)
    assert "The photo has more than one face" in unusable.text


async def test_without_a_registry_portrait_the_pin_is_reset_in_person(
    client: AsyncTestClient[Litestar], app: Litestar, seeded: UnitOfWork
) -> None:
    holder = await seeded.people.by_id_number(parse_id_number(HOLDER))
    assert holder
    (app.state.portraits.root / holder.id.hex).unlink()
    await sign_in(client)
    page = await client.get(START, headers=EN)
    assert "you cannot reset your PIN on this site" in page.text
    assert 'name="selfie"' not in page.text
    token = await csrf_token(client, "/account")
    sent = await send_photo(client, START, face(HER_FACE), token)
    assert sent.status_code == 422 and "service centre" in sent.text
    assert not await audited(seeded, "pin_reset.face_started")


async def test_a_check_of_another_holder_is_not_found(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    await sign_in(client)
    check_url = await prove(client, HER_FACE)
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, *OTHER_HOLDER)
    token = await csrf_token(client, "/account")
    assert (await client.get(check_url)).status_code == 404
    assert (await client.get(f"{check_url}/new")).status_code == 404
    assert (await set_pin(client, check_url, NEW_PIN, token=token)).status_code == 409
    # Nor does it show on the member's own phone's status page.
    check_id = check_url.rsplit("/", 1)[1]
    assert (await client.get(f"/verify/status/{check_id}")).status_code == 404
    assert verify_secret((await account_of(seeded, OTHER_HOLDER[0])).pin_hash, "864213")


# ---- at once ------------------------------------------------------------------------------


async def test_twenty_photos_at_once_are_counted_and_limited(
    at_once: NewClient,
    limited_app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def held(check_id: object) -> None:  # the matcher is held back: checks stay pending
        return None

    monkeypatch.setattr(limited_app.state.jobs, "enqueue", held)
    client = at_once()
    await sign_in(client)  # type: ignore[arg-type]
    token = await csrf_token(client, START)  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, Limits, "count", meet=1.0)
    photo = face(NOT_HER)
    answers = await asyncio.gather(*(send_photo(client, START, photo, token) for _ in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(a.status_code for a in answers) == {303: 10, 429: 10}
    assert len({a.headers["location"] for a in answers if a.status_code == 303}) == 1
    account = await account_of(seeded)
    assert await counted(limited_app, seeded, f"pin-reset:account:{account.id}") == 20
    assert await counted(limited_app, seeded, f"reset:ip:{IP}") == 20
    await seeded.commit()
    pending = await seeded.db.scalar(
        select(func.count()).select_from(FaceCheck).where(FaceCheck.state == "pending")
    )
    assert pending == 1
    assert (await send_photo(client, START, photo, token)).status_code == 429


async def test_a_passed_check_resets_the_pin_once_however_many_ask_at_once(
    at_once_on_the_database: NewClient,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = at_once_on_the_database()
    await sign_in(client)  # type: ignore[arg-type]
    check_url = await prove(client, HER_FACE)
    token = await csrf_token(client, f"{check_url}/new")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, FaceChecks, "spend", meet=1.0)
    pins = [f"{n:06d}" for n in range(480150, 480170)]
    answers = await asyncio.gather(*(set_pin(client, check_url, p, token=token) for p in pins))
    assert overlap.most > 1, "the requests did not overlap"
    assert sorted(a.status_code for a in answers) == [303] + [409] * 19
    winner = pins[[a.status_code for a in answers].index(303)]
    assert verify_secret((await account_of(seeded)).pin_hash, winner)
    assert len(await audited(seeded, "pin.reset")) == 1

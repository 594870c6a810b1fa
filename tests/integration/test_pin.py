"""The e-card PIN: first setting, changing, and the lock after 6 wrong PINs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.domain.identity import parse_id_number
from app.domain.views import Holder
from app.services import pin as pin_service
from app.services.context import UnitOfWork
from app.services.seed import add_holder
from tests.conftest import committed, csrf_token, sign_in

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
NEW_HOLDER = "11010519491231002X"


async def _holder_account(uow: UnitOfWork, id_number: str) -> Holder:
    person = await uow.people.by_id_number(parse_id_number(id_number))
    assert person
    account = await uow.accounts.for_person(person.id)
    assert account
    holder = await uow.views.holder(account.id)
    assert holder
    return holder


async def test_verify_pin_locks_after_six_wrong_and_says_until_when(seeded: UnitOfWork) -> None:
    account = await _holder_account(seeded, "110105198503140224")
    now = utcnow()
    for left in (5, 4, 3, 2, 1):
        with pytest.raises(pin_service.WrongPin) as wrong:
            await committed(seeded, pin_service.verify_pin(seeded, account, "999999", now))
        assert wrong.value.remaining == left
    with pytest.raises(pin_service.PinLocked) as locked:
        await committed(seeded, pin_service.verify_pin(seeded, account, "999999", now))
    assert locked.value.until == now + timedelta(hours=24)
    # even the right PIN is refused while locked
    with pytest.raises(pin_service.PinLocked):
        await committed(
            seeded, pin_service.verify_pin(seeded, account, "258369", now + timedelta(hours=23))
        )
    await committed(
        seeded,
        pin_service.verify_pin(seeded, account, "258369", now + timedelta(hours=24, seconds=1)),
    )
    actions = [event.action for event in await seeded.audit.for_actor(account.person_id)]
    assert actions.count("pin.failed") == 6
    assert "pin.locked" in actions


async def test_first_sign_in_without_a_pin_asks_for_one(client: Client, seeded: UnitOfWork) -> None:
    await add_holder(
        seeded, name="测试", number=parse_id_number(NEW_HOLDER), password="pass-word-123"
    )
    await sign_in(client, NEW_HOLDER, "pass-word-123")
    response = await client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/pin/set"

    token = await csrf_token(client, "/pin/set")
    for pin, message in [
        ("123456", "run of digits"),
        ("111111", "same digit"),
        ("491231", "taken from your ID number"),
        ("12345", "exactly 6 digits"),
    ]:
        response = await client.post(
            "/pin/set", data={"_csrf_token": token, "pin": pin, "confirm_pin": pin}, headers=EN
        )
        assert response.status_code == 422
        assert message in response.text

    response = await client.post(
        "/pin/set",
        data={"_csrf_token": token, "pin": "258369", "confirm_pin": "258360"},
        headers=EN,
    )
    assert "do not match" in response.text

    good = {"_csrf_token": token, "pin": "258369", "confirm_pin": "258369"}
    first = await client.post("/pin/set", data=good, follow_redirects=False)
    again = await client.post("/pin/set", data=good, follow_redirects=False)  # posted twice
    assert first.status_code == again.status_code == 303
    assert (await client.get("/", follow_redirects=False)).status_code == 200


async def test_change_pin_needs_the_old_one(client: Client) -> None:
    await sign_in(client)
    token = await csrf_token(client, "/account/pin")
    response = await client.post(
        "/account/pin",
        data={
            "_csrf_token": token,
            "old_pin": "000001",
            "new_pin": "370258",
            "confirm_pin": "370258",
        },
        headers=EN,
    )
    assert response.status_code == 422
    assert "5 more tries" in response.text
    response = await client.post(
        "/account/pin",
        data={
            "_csrf_token": token,
            "old_pin": "258369",
            "new_pin": "370258",
            "confirm_pin": "370258",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303


async def test_the_pin_page_shows_the_lock(client: Client) -> None:
    await sign_in(client)
    token = await csrf_token(client, "/account/pin")
    wrong = {
        "_csrf_token": token,
        "old_pin": "000001",
        "new_pin": "370258",
        "confirm_pin": "370258",
    }
    for _ in range(6):
        response = await client.post("/account/pin", data=wrong, headers=EN)
    assert "PIN use is locked" in response.text
    assert "You can use it again after" in response.text
    page = await client.get("/account/pin", headers=EN)
    assert "PIN use is locked" in page.text

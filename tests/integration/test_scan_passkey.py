"""A scan login confirmed with a passkey instead of the PIN: only the signed-in holder's own
passkey confirms it, with the number and whom checked as the form checks them; a wrong number
still ends the request. (The browser journey, with Chromium's authenticator, is in e2e/.)"""

from __future__ import annotations

import httpx

from app.domain.identity import check_char, parse_id_number
from app.services.context import UnitOfWork
from app.services.seed import add_holder
from tests.at_once import NewClient
from tests.integration.scan_screens import (
    EN,
    WANG_FANG,
    Shown,
    choices,
    claim_by_scan,
    post,
    shown,
    token,
)
from tests.passkey_device import SoftwareAuthenticator

OTHER = ("11010519800101" + "777", "other-holder-2025", "503816")


async def _signed_in(screens: NewClient, who: tuple[str, str, str]) -> httpx.AsyncClient:
    phone = screens()
    answer = await post(phone, "/login", {"id_number": who[0], "password": who[1]})
    assert answer.status_code == 303, answer.text
    return phone


async def _with_passkey(phone: httpx.AsyncClient) -> SoftwareAuthenticator:
    device = SoftwareAuthenticator()
    csrf = await token(phone, "/account")
    options = await phone.post("/account/passkeys/options", headers={"x-csrftoken": csrf})
    added = await phone.post(
        "/account/passkeys",
        json={"credential": device.register(options.json())},
        headers={"x-csrftoken": csrf},
    )
    assert added.status_code == 200, added.text
    return device


async def _confirm_with(
    phone: httpx.AsyncClient, device: SoftwareAuthenticator, number: str, who: str = "self"
) -> httpx.Response:
    csrf = await token(phone, "/scan/confirm")
    headers = {"x-csrftoken": csrf, **EN}
    options = await phone.post(
        "/scan/confirm/passkey/options", json={"number": number, "who": who}, headers=headers
    )
    assert options.status_code == 200, options.text
    return await phone.post(
        "/scan/confirm/passkey",
        json={"credential": device.assert_(options.json())},
        headers=headers,
    )


async def _browser_code(screens: NewClient) -> tuple[httpx.AsyncClient, Shown]:
    browser = screens()
    await post(browser, "/login/scan", {}, from_page="/login")
    return browser, await shown(browser, "/login/scan")


async def test_the_holders_own_passkey_confirms_and_signs_the_browser_in(
    at_once_on_the_database: NewClient,
) -> None:
    screens = at_once_on_the_database
    phone = await _signed_in(screens, WANG_FANG)
    device = await _with_passkey(phone)
    browser, code = await _browser_code(screens)
    assert (await claim_by_scan(phone, code)).status_code == 303
    page = (await phone.get("/scan/confirm", headers=EN)).text
    assert "Confirm with a passkey" in page
    confirmed = await _confirm_with(phone, device, code.number)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json() == {"redirect": "/scan/done"}
    signed = await post(browser, "/login/scan/complete", {}, from_page="/login/scan")
    assert signed.status_code == 303


async def test_another_holders_passkey_does_not_confirm(
    at_once_on_the_database: NewClient, seeded: UnitOfWork
) -> None:
    screens = at_once_on_the_database
    number = OTHER[0][:17] + check_char(OTHER[0][:17])
    await add_holder(
        seeded, name="另一持卡人", number=parse_id_number(number), password=OTHER[1], pin=OTHER[2]
    )
    await seeded.commit()
    theirs = await _with_passkey(await _signed_in(screens, (number, OTHER[1], OTHER[2])))
    phone = await _signed_in(screens, WANG_FANG)
    browser, code = await _browser_code(screens)
    await claim_by_scan(phone, code)
    refused = await _confirm_with(phone, theirs, code.number)
    assert refused.status_code == 400
    assert refused.json()["error"] == "The passkey did not confirm it. Try again, or use your PIN."
    waiting = await post(browser, "/login/scan/complete", {}, from_page="/login/scan")
    assert waiting.status_code == 409  # nobody has approved it


async def test_a_wrong_number_ends_the_request_before_any_passkey(
    at_once_on_the_database: NewClient,
) -> None:
    screens = at_once_on_the_database
    phone = await _signed_in(screens, WANG_FANG)
    await _with_passkey(phone)
    _browser, code = await _browser_code(screens)
    await claim_by_scan(phone, code)
    page = (await phone.get("/scan/confirm", headers=EN)).text
    wrong = next(n for n in choices(page) if n != code.number)
    csrf = await token(phone, "/scan/confirm")
    ended = await phone.post(
        "/scan/confirm/passkey/options",
        json={"number": wrong, "who": "self"},
        headers={"x-csrftoken": csrf, **EN},
    )
    assert ended.status_code == 409
    assert "ended" in ended.json()["error"]
    assert (await phone.get("/scan/confirm", follow_redirects=False)).headers["location"] == "/scan"

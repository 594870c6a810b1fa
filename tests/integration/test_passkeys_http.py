"""Passkey endpoints refuse what is not a fresh, valid ceremony (the browser journey is in e2e/)."""

from __future__ import annotations

import json

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token, sign_in

Client = AsyncTestClient[Litestar]


async def test_sign_in_options_are_discoverable_and_from_settings(client: Client) -> None:
    token = await csrf_token(client)
    response = await client.post("/login/passkey/options", headers={"x-csrftoken": token})
    options = response.json()
    assert options["rpId"] == "localhost"
    assert options.get("allowCredentials", []) == []
    assert options["userVerification"] == "required"


async def test_an_assertion_without_a_fresh_challenge_is_refused(client: Client) -> None:
    token = await csrf_token(client)
    headers = {"x-csrftoken": token}
    fake = json.dumps({"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}})
    # no options asked for: nothing to answer
    response = await client.post("/login/passkey", json={"credential": fake}, headers=headers)
    assert response.status_code == 400
    # one challenge serves one attempt only, so replaying a captured assertion fails
    await client.post("/login/passkey/options", headers=headers)
    first = await client.post("/login/passkey", json={"credential": fake}, headers=headers)
    replay = await client.post("/login/passkey", json={"credential": fake}, headers=headers)
    assert first.status_code == replay.status_code == 400
    assert (await client.get("/", follow_redirects=False)).status_code == 303


async def test_garbage_is_refused_without_a_crash(client: Client) -> None:
    token = await csrf_token(client)
    headers = {"x-csrftoken": token}
    for body in ("not json", "[]", "x" * 20_000, json.dumps({"rawId": "!!"})):
        await client.post("/login/passkey/options", headers=headers)
        response = await client.post("/login/passkey", json={"credential": body}, headers=headers)
        assert response.status_code == 400


async def test_adding_a_passkey_needs_a_recent_password_check(client: Client) -> None:
    await sign_in(client)
    token = await csrf_token(client, "/account")
    # signing in with the password counts as the check
    response = await client.post("/account/passkeys/options", headers={"x-csrftoken": token})
    assert response.status_code == 200
    options = response.json()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["residentKey"] == "required"

"""Passkey endpoints refuse what is not a fresh, valid ceremony (the browser journey is in e2e/)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.db.repositories import Passkeys
from app.domain import signin_challenge
from tests.at_once import NewClient, Overlap
from tests.conftest import csrf_token, sign_in
from tests.passkey_device import SoftwareAuthenticator

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


async def _holder_device(client: httpx.AsyncClient) -> SoftwareAuthenticator:
    """王芳 adds a passkey from her account page, then signs out."""
    device = SoftwareAuthenticator()
    await sign_in(client)  # type: ignore[arg-type]
    token = await csrf_token(client, "/account")  # type: ignore[arg-type]
    options = await client.post("/account/passkeys/options", headers={"x-csrftoken": token})
    credential = device.register(options.json())
    added = await client.post(
        "/account/passkeys", json={"credential": credential}, headers={"x-csrftoken": token}
    )
    assert added.status_code == 200, added.text
    await client.post("/logout", data={"_csrf_token": token})
    return device


async def test_passkey_options_make_no_session_and_an_answer_works_once(
    at_once_on_the_database: NewClient,
    app: Litestar,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    device = await _holder_device(at_once_on_the_database())
    visitor = at_once_on_the_database()
    token = await csrf_token(visitor)  # type: ignore[arg-type]
    headers = {"x-csrftoken": token}
    options = await visitor.post("/login/passkey/options", headers=headers)
    assert options.status_code == 200
    assert "session" not in options.cookies and "session" not in visitor.cookies
    assert not (await app.stores.get("sessions").exists("anything"))
    credential = device.assert_(options.json())

    # Twenty browsers send the same answer at once: one signs in, the others are refused.
    browsers = [at_once_on_the_database() for _ in range(20)]
    for browser in browsers:
        browser.cookies = visitor.cookies
    # Measured where the requests are still side by side: once one has written, the database
    # holds the others until its unit of work commits.
    overlap.wrap(monkeypatch, Passkeys, "by_credential_id")
    answers = await asyncio.gather(
        *(
            b.post("/login/passkey", json={"credential": credential}, headers=headers)
            for b in browsers
        )
    )
    assert overlap.most > 1, "the requests did not overlap"
    assert sorted(a.status_code for a in answers) == [200] + [400] * 19


async def test_a_forged_or_expired_challenge_is_refused(client: Client, seeded: Any) -> None:
    now = utcnow()
    mac = seeded.cipher.credential_mac
    challenge = signin_challenge.issue(now=now, mac=mac)
    assert signin_challenge.read(challenge, now=now, mac=mac).expires_at > now
    with pytest.raises(signin_challenge.ChallengeRefused):
        signin_challenge.read(challenge, now=now + timedelta(minutes=6), mac=mac)
    forged = bytes([challenge[0] ^ 1]) + challenge[1:]
    with pytest.raises(signin_challenge.ChallengeRefused):
        signin_challenge.read(forged, now=now, mac=mac)


async def test_malformed_or_deeply_nested_json_gets_a_400(client: Client) -> None:
    token = await csrf_token(client)
    headers = {"x-csrftoken": token, "content-type": "application/json"}
    nested = "[" * 5000 + "]" * 5000
    bodies = [
        "{not json",
        nested,
        json.dumps({"credential": nested}),
        '{"credential": ' + nested + "}",
    ]
    for body in bodies:
        response = await client.post("/login/passkey", content=body, headers=headers)
        assert response.status_code == 400, body[:40]


JSON_ENDPOINTS = [
    "/login/passkey",
    "/account/passkeys",
    "/scan/confirm/passkey/options",
    "/scan/confirm/passkey",
    "/staff/passkey",
    "/staff/passkey/new/options",
    "/staff/passkey/new",
]


# Before the refusal the handler waited for ever (a hang, not a failure): the time limit ends it.
@pytest.mark.timeout(30)
@pytest.mark.parametrize("path", JSON_ENDPOINTS)
async def test_a_body_that_is_not_json_is_refused_at_once(client: Client, path: str) -> None:
    """A form with the CSRF token in a field and a file: the CSRF check streams it to find the
    token, so a handler reading the body afterwards would wait for bytes that never come."""
    token = await csrf_token(client)
    response = await client.post(
        path,
        data={"_csrf_token": token, "credential": "{}"},
        files={"document": ("a.jpg", b"\xff\xd8\xff" * 100, "image/jpeg")},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 415, response.text[:300]
    assert response.json()["detail"] == "Send the body as application/json."
    text = await client.post(
        path,
        content=b'{"credential": "{}"}',
        headers={"x-csrftoken": token, "content-type": "text/plain"},
    )
    assert text.status_code == 415

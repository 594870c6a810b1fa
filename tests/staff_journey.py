"""The staff sign-in over HTTP, with a software authenticator for the passkey steps."""

from __future__ import annotations

from httpx import AsyncClient, Response

from tests.conftest import csrf_token
from tests.passkey_device import SoftwareAuthenticator

STAFF = "BJ0001"
STAFF_PASSWORD = "staff-demo-2025"
EN = {"Accept-Language": "en"}


async def password_step(
    client: AsyncClient, number: str = STAFF, password: str = STAFF_PASSWORD
) -> Response:
    token = await csrf_token(client, "/staff/login")  # type: ignore[arg-type]
    return await client.post(
        "/staff/login",
        data={"_csrf_token": token, "staff_number": number, "password": password},
        headers=EN,
        follow_redirects=False,
    )


async def register_options(client: AsyncClient, code: str | None) -> tuple[Response, str]:
    """What the first passkey page asks with the enrolment code typed (None: sent without)."""
    token = await csrf_token(client, "/staff/passkey/new")  # type: ignore[arg-type]
    body = {} if code is None else {"enrolment_code": code}
    answer = await client.post(
        "/staff/passkey/new/options", json=body, headers={"x-csrftoken": token, **EN}
    )
    return answer, token


async def register_begin(
    client: AsyncClient, device: SoftwareAuthenticator, code: str | None
) -> tuple[str, str]:
    """The options for a first passkey, answered by the device: (credential JSON, CSRF token)."""
    answer, token = await register_options(client, code)
    assert answer.status_code == 200, answer.text
    return device.register(answer.json()), token


async def register_finish(client: AsyncClient, credential: str, token: str) -> Response:
    return await client.post(
        "/staff/passkey/new", json={"credential": credential}, headers={"x-csrftoken": token, **EN}
    )


async def enrol(client: AsyncClient, device: SoftwareAuthenticator, code: str) -> Response:
    """Password, enrolment code and a first passkey: signed in, on success."""
    assert (await password_step(client)).headers["location"] == "/staff/passkey/new"
    credential, token = await register_begin(client, device, code)
    return await register_finish(client, credential, token)


async def sign_in_with_passkey(client: AsyncClient, device: SoftwareAuthenticator) -> Response:
    """Password, then the passkey already enrolled."""
    assert (await password_step(client)).headers["location"] == "/staff/passkey"
    token = await csrf_token(client, "/staff/passkey")  # type: ignore[arg-type]
    options = await client.post("/staff/passkey/options", headers={"x-csrftoken": token})
    credential = device.assert_(options.json())
    return await client.post(
        "/staff/passkey", json={"credential": credential}, headers={"x-csrftoken": token}
    )

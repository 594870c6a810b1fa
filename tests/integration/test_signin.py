"""Password sign-in: field errors, one generic message, backoff, session rotation, sign-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.serialization import encode_json
from litestar.testing import AsyncTestClient

from tests.conftest import csrf_token, sign_in

Client = AsyncTestClient[Litestar]
HOLDER = "110105198503140224"
EN = {"Accept-Language": "en"}


async def _post_login(client: Client, id_number: str, password: str) -> tuple[int, str]:
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={"_csrf_token": token, "id_number": id_number, "password": password},
        headers=EN,
        follow_redirects=False,
    )
    return response.status_code, response.text


async def test_right_password_signs_in(client: Client) -> None:
    status, _ = await _post_login(client, HOLDER, "family-demo-2025")
    assert status == 303
    assert "王芳" in (await client.get("/")).text


async def test_wrong_password_and_unknown_account_get_the_same_message(client: Client) -> None:
    wrong_status, wrong_page = await _post_login(client, HOLDER, "not-the-password")
    # 赵丽 is in the registry but has no sign-in; the answer must not tell them apart.
    none_status, none_page = await _post_login(client, "320102199001010889", "not-the-password")
    assert wrong_status == none_status == 422
    message = "The ID number or password is not right"
    assert message in wrong_page and message in none_page
    assert "Error:" in wrong_page


async def test_field_errors_keep_what_was_typed(client: Client) -> None:
    status, page = await _post_login(client, "110105198503140225", "x")
    assert status == 422
    assert "This ID number is not valid" in page
    assert 'value="110105198503140225"' in page
    assert 'href="#id_number"' in page

    status, page = await _post_login(client, "11010519850314ABCD", "x")
    assert "Enter an ID number of 18 characters" in page

    status, page = await _post_login(client, HOLDER, "")
    assert status == 422
    assert "Enter your password" in page
    assert f'value="{HOLDER}"' in page


async def test_a_huge_password_is_an_error_not_a_crash(client: Client) -> None:
    status, page = await _post_login(client, HOLDER, "p" * 10_000)
    assert status == 422
    assert "128 characters or fewer" in page
    assert "p" * 200 not in page


async def test_ten_failures_start_a_growing_wait(client: Client) -> None:
    for _ in range(10):
        status, _ = await _post_login(client, HOLDER, "wrong-password")
        assert status == 422
    status, page = await _post_login(client, HOLDER, "family-demo-2025")
    assert status == 429
    assert "You can try again after" in page
    # another account from the same address is held back too (per-IP counter)
    status, _ = await _post_login(client, "110105198309210137", "family-demo-2025")
    assert status == 429


async def test_session_id_rotates_at_sign_in_and_sign_out_ends_it(client: Client) -> None:
    # an anonymous session, say one an attacker planted in the browser
    before = "a" * 32
    store = client.app.stores.get("sessions")
    await store.set(before, encode_json({"lang": "en"}), expires_in=600)
    client.cookies.set("session", before, domain="localhost.local")
    await sign_in(client)
    after = client.cookies.get("session")
    assert before and after and before != after
    # the pre-sign-in id (which an attacker could have planted) is not signed in
    client.cookies.set("session", before)
    assert (await client.get("/", follow_redirects=False)).status_code == 303
    client.cookies.set("session", after)

    stolen = after
    token = await csrf_token(client, "/account")
    response = await client.post("/logout", data={"_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    client.cookies.set("session", stolen)
    response = await client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


async def test_next_is_followed_only_within_the_site(client: Client) -> None:
    token = await csrf_token(client)
    response = await client.post(
        "/login",
        data={
            "_csrf_token": token,
            "id_number": HOLDER,
            "password": "family-demo-2025",
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


async def test_idle_sessions_end_and_can_be_extended(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After 15 idle minutes the next request goes to sign-in; the warning's button resets the clock."""
    await sign_in(client)
    home = await client.get("/", headers=EN)
    assert "data-idle-warning" in home.text and 'data-idle-seconds="900"' in home.text
    token = await csrf_token(client, "/account")
    response = await client.post(
        "/session/extend",
        data={"_csrf_token": token, "next": "/my/benefits?line=pension&year=2007"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/my/benefits?line=pension&year=2007"  # the query too
    in_place = await client.post(
        "/session/extend", data={"_csrf_token": token}, headers={"HX-Request": "true"}
    )
    assert in_place.status_code == 204 and in_place.content == b""  # the page stays as it is
    page = await client.get("/my/benefits?line=pension", headers=EN)
    assert 'name="next" value="/my/benefits?line=pension"' in page.text

    later = datetime.now(UTC) + timedelta(minutes=16)
    monkeypatch.setattr("app.routes.deps.utcnow", lambda: later)
    response = await client.get("/", follow_redirects=False)
    assert response.headers["location"] == "/login?expired=1"
    monkeypatch.undo()
    assert (await client.get("/", follow_redirects=False)).status_code == 303  # the session is gone


async def test_a_form_sent_after_the_session_ended_returns_to_its_page_after_sign_in(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without JS nobody is warned: the form's page is where signing in again leads back."""
    await sign_in(client)
    token = await csrf_token(client, "/affinity/add/pin")
    later = datetime.now(UTC) + timedelta(minutes=16)
    monkeypatch.setattr("app.routes.deps.utcnow", lambda: later)
    response = await client.post(
        "/affinity/add/pin",
        data={"_csrf_token": token, "pin": "258369"},
        headers={"referer": "http://localhost/affinity/add/pin"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/login?expired=1&next=/affinity/add/pin"
    monkeypatch.undo()
    login = await client.get(response.headers["location"], headers=EN)
    assert 'name="next" value="/affinity/add/pin"' in login.text
    token = await csrf_token(client)
    back = await client.post(
        "/login",
        data={
            "_csrf_token": token,
            "id_number": "110105198503140224",
            "password": "family-demo-2025",
            "next": "/affinity/add/pin",
        },
        follow_redirects=False,
    )
    assert back.headers["location"] == "/affinity/add/pin"

    token = await csrf_token(client, "/affinity/add/pin")
    later = datetime.now(UTC) + timedelta(minutes=16)
    monkeypatch.setattr("app.routes.deps.utcnow", lambda: later)
    elsewhere = await client.post(  # a page of another site is never where it leads
        "/affinity/add/pin",
        data={"_csrf_token": token, "pin": "258369"},
        headers={"referer": "https://evil.example/affinity/add/pin"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/login?expired=1"

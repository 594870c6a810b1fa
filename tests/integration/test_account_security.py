"""A holder's own controls: the password changed with the current one (limited and audited
like every password check), and their sessions listed and ended, the current one marked."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.adapters.hashing import verify_secret
from app.db.models import HolderAccount
from app.domain.identity import parse_id_number
from app.services.limits import Limits
from tests.at_once import NewClient, Overlap, audited
from tests.conftest import csrf_token, sign_in

Client = AsyncTestClient[Litestar]
HOLDER = "110105198503140224"
HUSBAND = "110105198309210137"
PASSWORD = "family-demo-2025"
NEW = "plum blossom river 2026"
EN = {"Accept-Language": "en"}
PHONE = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
    **EN,
}
LAPTOP = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/121.0", **EN}


async def _signed_in(client: Any, headers: dict[str, str], password: str = PASSWORD) -> None:
    token = await csrf_token(client)
    form = {"_csrf_token": token, "id_number": HOLDER, "password": password}
    answer = await client.post("/login", data=form, headers=headers, follow_redirects=False)
    assert answer.status_code == 303, answer.text


async def _change(client: Any, current: str, new: str, confirm: str | None = None) -> Any:
    token = await csrf_token(client, "/account/password")
    form = {
        "_csrf_token": token,
        "current_password": current,
        "new_password": new,
        "confirm_password": new if confirm is None else confirm,
    }
    return await client.post("/account/password", data=form, headers=EN, follow_redirects=False)


async def _password_hash(seeded: Any) -> str:
    await seeded.commit()
    person = await seeded.people.by_id_number(parse_id_number(HOLDER))
    return str(
        await seeded.db.scalar(
            select(HolderAccount.password_hash).where(HolderAccount.person_id == person.id)
        )
    )


async def test_both_pages_are_linked_from_the_account_page(client: Client) -> None:
    await sign_in(client)
    account = await client.get("/account", headers=EN)
    assert 'href="/account/password"' in account.text
    assert 'href="/account/sessions"' in account.text
    for path in ("/account/password", "/account/sessions"):
        assert (await client.get(path)).status_code == 200


async def test_signed_out_visitors_are_sent_to_sign_in(client: Client) -> None:
    for path in ("/account/password", "/account/sessions"):
        answer = await client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("", NEW, None, "current_password", "Enter your current password"),
        (PASSWORD, "", None, "new_password", "Enter a new password"),
        (PASSWORD, "short", None, "new_password", "at least 10 characters"),
        (PASSWORD, "x" * 129, None, "new_password", "128 characters or fewer"),
        (PASSWORD, PASSWORD, None, "new_password", "different from your current one"),
        (PASSWORD, "a" * 12, None, "new_password", "one character repeated"),
        (PASSWORD, NEW, "something else", "confirm_password", "do not match"),
        ("not-my-password", NEW, None, "current_password", "The password is not right"),
    ],
)
async def test_each_mistake_is_shown_next_to_its_field(
    client: Client,
    seeded: Any,
    current: str,
    new: str,
    confirm: str | None,
    field: str,
    message: str,
) -> None:
    await sign_in(client)
    answer = await _change(client, current, new, confirm)
    assert answer.status_code == 422
    assert f'id="{field}-error"' in answer.text and message in answer.text
    assert 'class="error-summary' in answer.text and f'href="#{field}"' in answer.text
    assert verify_secret(await _password_hash(seeded), PASSWORD)  # unchanged


async def test_a_change_ends_the_other_sessions_and_keeps_this_one(
    at_once_on_the_database: NewClient, seeded: Any
) -> None:
    new = at_once_on_the_database
    client, laptop = new(), new()
    client.headers["User-Agent"] = PHONE["User-Agent"]
    await _signed_in(laptop, LAPTOP)
    await _signed_in(client, PHONE)
    answer = await _change(client, PASSWORD, NEW)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/account?password_changed=1"
    page = await client.get("/account?password_changed=1", headers=EN)
    assert "Your password has been changed" in page.text  # still signed in here
    gone = await laptop.get("/account", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert verify_secret(await _password_hash(seeded), NEW)
    [event] = await audited(seeded, "password.changed")
    assert event.detail == "sessions_ended=1" and "Android" in event.user_agent

    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/account")})  # type: ignore[arg-type]
    await _signed_in(new(), EN, password=NEW)


async def test_the_sessions_list_marks_this_one_and_ends_another(
    at_once_on_the_database: NewClient, seeded: Any
) -> None:
    client, laptop = at_once_on_the_database(), at_once_on_the_database()
    client.headers["User-Agent"] = PHONE["User-Agent"]
    await _signed_in(laptop, LAPTOP)
    await _signed_in(client, PHONE)
    listing = await client.get("/account/sessions", headers=EN)
    assert "Chrome on Android" in listing.text and "Firefox on Windows" in listing.text
    assert listing.text.count("End session") == 1  # the laptop's; this one is marked
    assert "This device" in listing.text
    action = listing.text.split('action="/account/sessions/')[1].split('"')[0]
    token = await csrf_token(client, "/account/sessions")
    ended = await client.post(
        f"/account/sessions/{action}", data={"_csrf_token": token}, follow_redirects=False
    )
    assert ended.headers["location"] == "/account/sessions?ended=1"
    after = await client.get("/account/sessions?ended=1", headers=EN)
    assert "That session has been ended" in after.text and "Firefox" not in after.text
    assert "You are not signed in anywhere else" in after.text
    gone = await laptop.get("/account", follow_redirects=False)
    assert gone.status_code == 303
    [event] = await audited(seeded, "session.ended")
    assert "Android" in event.user_agent


async def test_another_holders_session_cannot_be_ended(
    at_once_on_the_database: NewClient, seeded: Any
) -> None:
    client, husband = at_once_on_the_database(), at_once_on_the_database()
    token = await csrf_token(husband)
    form = {"_csrf_token": token, "id_number": HUSBAND, "password": PASSWORD}
    await husband.post("/login", data=form)
    person = await seeded.people.by_id_number(parse_id_number(HUSBAND))
    account = await seeded.accounts.for_person(person.id)
    long_ago = datetime(2000, 1, 1, tzinfo=UTC)
    [theirs] = await seeded.signed_in_sessions.live(
        account.id, started_after=long_ago, seen_after=long_ago
    )
    await sign_in(client)
    token = await csrf_token(client, "/account/sessions")
    await client.post(f"/account/sessions/{theirs.id}/end", data={"_csrf_token": token})
    assert (await husband.get("/account", follow_redirects=False)).status_code == 200
    assert await audited(seeded, "session.ended") == []


async def test_twenty_wrong_current_passwords_at_once_are_limited_and_audited(
    at_once: NewClient, seeded: Any, overlap: Overlap, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = at_once()
    await sign_in(client)  # type: ignore[arg-type]
    token = await csrf_token(client, "/account/password")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, Limits, "count")

    async def change(current: str) -> int:
        form = {
            "_csrf_token": token,
            "current_password": current,
            "new_password": NEW,
            "confirm_password": NEW,
        }
        return (await client.post("/account/password", data=form, headers=EN)).status_code

    answers = await asyncio.gather(*(change(f"guess-{n}") for n in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(answers) == {422: 10, 429: 10}
    assert len(await audited(seeded, "password_check.failed")) == 10
    assert await change(PASSWORD) == 429  # the right one waits too
    assert verify_secret(await _password_hash(seeded), PASSWORD)


async def test_wrong_passwords_at_sign_in_and_here_share_one_budget(
    at_once_on_the_database: NewClient, seeded: Any
) -> None:
    holder, stranger = at_once_on_the_database(), at_once_on_the_database()
    await sign_in(holder)  # type: ignore[arg-type]
    token = await csrf_token(stranger)  # type: ignore[arg-type]
    for n in range(seeded.policy.signin_free_failures):
        form = {"_csrf_token": token, "id_number": HOLDER, "password": f"guess-{n}"}
        assert (await stranger.post("/login", data=form)).status_code == 422
    answer = await _change(holder, PASSWORD, NEW)
    assert answer.status_code == 429 and "Too many wrong passwords" in answer.text

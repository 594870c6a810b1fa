"""The one PIN step-up: granted for one action on one object, for policy.step_up_minutes, in
the session; spent by the action it guarded."""

from __future__ import annotations

from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.config import Settings
from app.routes import step_up
from app.services.context import UnitOfWork
from tests.conftest import csrf_token, sign_in
from tests.integration.test_family_subject import FATHER, SON, _open

Client = AsyncTestClient[Litestar]


async def _post(client: Client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, "/account")
    return await client.post(path, data={"_csrf_token": token, **data}, follow_redirects=False)


async def _two_members(client: Client, seeded: UnitOfWork, settings: Settings) -> tuple[str, str]:
    father = await _open(seeded, settings, FATHER.value, "parent")
    son = await _open(seeded, settings, SON[1], "child")
    await sign_in(client)
    return f"/affinity/{father}", f"/affinity/{son}"


async def test_a_right_pin_covers_that_action_on_that_member_only(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    father, son = await _two_members(client, seeded, migrated)
    right = await _post(client, f"{father}/unbind", {"pin": "258369"})
    assert right.headers["location"] == f"{father}/unbind/confirm"
    assert (await client.get(f"{father}/unbind/confirm")).status_code == 200
    other = await client.get(f"{son}/unbind/confirm", follow_redirects=False)
    assert other.headers["location"] == f"{son}/unbind"  # no PIN for the son yet
    refused = await _post(client, f"{son}/unbind/confirm", {})
    assert refused.headers["location"] == f"{son}/unbind"
    assert "Active" in (await client.get(son, headers={"accept-language": "en"})).text


async def test_the_step_up_is_spent_by_the_action(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    father, _son = await _two_members(client, seeded, migrated)
    await _post(client, f"{father}/unbind", {"pin": "258369"})
    done = await _post(client, f"{father}/unbind/confirm", {})
    assert done.headers["location"] == "/affinity?unbound=1"
    again = await _post(client, f"{father}/unbind/confirm", {})
    assert again.headers["location"] == f"{father}/unbind"


async def test_the_step_up_lasts_the_policy_minutes(
    client: Client, seeded: UnitOfWork, migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    father, _son = await _two_members(client, seeded, migrated)
    await _post(client, f"{father}/unbind", {"pin": "258369"})
    minutes = migrated.policy.step_up_minutes
    monkeypatch.setattr(step_up, "utcnow", lambda: utcnow() + timedelta(minutes=minutes - 1))
    assert (await client.get(f"{father}/unbind/confirm")).status_code == 200
    monkeypatch.setattr(step_up, "utcnow", lambda: utcnow() + timedelta(minutes=minutes, seconds=1))
    stale = await client.get(f"{father}/unbind/confirm", follow_redirects=False)
    assert stale.headers["location"] == f"{father}/unbind"


async def test_an_htmx_request_without_a_step_up_gets_a_full_page_redirect(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    father, _son = await _two_members(client, seeded, migrated)
    response = await client.get(
        f"{father}/unbind/confirm", headers={"hx-request": "true"}, follow_redirects=False
    )
    assert response.status_code == 204
    assert response.headers["hx-redirect"] == f"{father}/unbind"


async def test_the_wizard_asks_for_the_pin_again_once_the_step_up_is_stale(
    client: Client, seeded: UnitOfWork, migrated: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sign_in(client)
    await client.get("/affinity/add")
    assert (await _post(client, "/affinity/add/pin", {"pin": "258369"})).headers[
        "location"
    ] == "/affinity/add/notice"
    await _post(client, "/affinity/add/notice", {"accept": "yes"})
    fresh = await client.get("/affinity/add/details", follow_redirects=False)
    assert fresh.status_code == 200
    later = timedelta(minutes=migrated.policy.step_up_minutes, seconds=1)
    monkeypatch.setattr(step_up, "utcnow", lambda: utcnow() + later)
    stale = await client.get("/affinity/add/details", follow_redirects=False)
    assert stale.headers["location"] == "/affinity/add/pin"  # the notice stays accepted
    await _post(client, "/affinity/add/pin", {"pin": "258369"})
    assert (await client.get("/affinity/add", follow_redirects=False)).headers[
        "location"
    ] == "/affinity/add/details"

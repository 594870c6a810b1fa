"""New scan-login codes are limited per address (a browser) and per machine (a kiosk): each
is a row and a code to guess at. Twenty asked for at once from one address create only the
free ones, counted in the database or in Redis, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import ScanLogin
from app.domain.policy import Policy
from app.services.context import UnitOfWork
from app.services.limits import Limits
from tests.at_once import NewClient, Overlap
from tests.integration.scan_screens import EN, set_up_kiosk, token

SCREENS = 20
FREE = Policy().signin_free_failures


async def _scan_logins(seeded: UnitOfWork) -> int:
    await seeded.commit()  # a fresh look
    return int(await seeded.db.scalar(select(func.count()).select_from(ScanLogin)) or 0)


async def test_twenty_new_codes_at_once_from_one_address_make_only_the_free_ones(
    at_once: NewClient, seeded: UnitOfWork, overlap: Overlap, monkeypatch: pytest.MonkeyPatch
) -> None:
    screens = [at_once() for _ in range(SCREENS)]
    tokens = [await token(screen, "/login/scan") for screen in screens]
    before = await _scan_logins(seeded)

    async def ask(screen: httpx.AsyncClient, csrf: str) -> httpx.Response:
        return await screen.post("/login/scan", data={"_csrf_token": csrf}, headers=EN)

    overlap.wrap(monkeypatch, Limits, "count", meet=1.0)
    answers = await asyncio.gather(*(ask(s, t) for s, t in zip(screens, tokens, strict=True)))
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(a.status_code for a in answers) == {303: FREE, 429: SCREENS - FREE}
    assert await _scan_logins(seeded) == before + FREE
    refused = next(a for a in answers if a.status_code == 429)
    assert "Too many new codes have been asked for here" in refused.text
    assert 'data-scan-refused="too_many"' in refused.text


async def test_a_machine_is_counted_as_itself(at_once: NewClient, seeded: UnitOfWork) -> None:
    """A self-service machine's own count: once it has asked too often, it waits, while a
    browser at the same address still may ask."""
    kiosk = at_once()
    await set_up_kiosk(kiosk)  # its first code
    csrf = await token(kiosk, "/kiosk")
    statuses = [
        (await kiosk.post("/kiosk", data={"_csrf_token": csrf}, headers=EN)).status_code
        for _ in range(FREE)
    ]
    assert statuses == [303] * (FREE - 1) + [429]
    waiting = await kiosk.post("/kiosk", data={"_csrf_token": csrf}, headers=EN)
    assert waiting.status_code == 429
    assert "Too many new codes" in waiting.text
    browser = at_once()
    asked = await browser.post(
        "/login/scan", data={"_csrf_token": await token(browser, "/login/scan")}, headers=EN
    )
    assert asked.status_code == 303

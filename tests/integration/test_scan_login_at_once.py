"""A scan-login request is approved once and used once: twenty holders' phones approving one
request at the same moment (a code relayed to many) get one approval, and twenty polls of the
machine at the same moment sign it in once (conditional updates checked by their row counts),
on SQLite and PostgreSQL.

The approvals all read the request as pending together (the check before the conditional
update: the requests are held there until they meet), then each checks its PIN and approves;
the database lets one approval through. Twenty holders, not one holder's twenty phones: one
holder's PIN checks take turns on their account's row."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from app.db.models import AuditEvent, ScanLogin, SignedInSession
from app.db.scan_logins import ScanLogins
from app.domain.identity import check_char, parse_id_number
from app.services import scan_login as scan_service
from app.services.context import UnitOfWork
from app.services.seed import add_holder
from tests.at_once import NewClient, Overlap
from tests.integration.scan_screens import (
    EN,
    WANG_FANG,
    post,
    set_up_kiosk,
    shown,
    sign_in,
    token,
)

PHONES = 20
PASSWORD, PIN = "at-once-holder-2025", "503816"


async def _holders(seeded: UnitOfWork) -> list[tuple[str, str, str]]:
    holders = [WANG_FANG]
    for n in range(1, PHONES):
        first17 = f"11010519800101{n:03d}"
        number = first17 + check_char(first17)
        await add_holder(
            seeded,
            name=f"持卡人{n:02d}",
            number=parse_id_number(number),
            password=PASSWORD,
            pin=PIN,
        )
        holders.append((number, PASSWORD, PIN))
    return holders


async def _count(seeded: UnitOfWork, query: object) -> int:
    await seeded.commit()
    return int(await seeded.db.scalar(query) or 0)  # type: ignore[call-overload]


async def test_twenty_approvals_at_once_give_one_session(
    at_once_on_the_database: NewClient,
    seeded: UnitOfWork,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    screens = at_once_on_the_database
    kiosk = screens()
    await set_up_kiosk(kiosk)
    code = await shown(kiosk)
    holders = await _holders(seeded)
    phones = [screens() for _ in holders]
    for phone, holder in zip(phones, holders, strict=True):  # each has found the request
        await sign_in(phone, holder)
        found = await post(phone, "/scan", {"code": code.typed})
        assert found.headers["location"] == "/scan/confirm"
    tokens = [await token(phone, "/scan") for phone in phones]

    async def confirm(phone: httpx.AsyncClient, csrf: str, pin: str) -> int:
        answer = await phone.post(
            "/scan/confirm",
            data={"_csrf_token": csrf, "number": code.number, "who": "self", "pin": pin},
            headers=EN,
        )
        return answer.status_code

    overlap.wrap(monkeypatch, scan_service, "claimed", meet=1.0)  # the check before the update
    answers = await asyncio.gather(
        *(confirm(p, t, h[2]) for p, t, h in zip(phones, tokens, holders, strict=True))
    )
    assert overlap.most > 1, "the approvals did not overlap"
    assert Counter(answers) == {303: 1, 409: PHONES - 1}, Counter(answers)
    approved = (
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "scan_login.approved")
    )
    assert await _count(seeded, approved) == 1

    sessions_before = await _count(seeded, select(func.count()).select_from(SignedInSession))
    csrf = await token(kiosk, "/kiosk")

    async def complete() -> int:
        answer = await kiosk.post("/kiosk/complete", data={"_csrf_token": csrf}, headers=EN)
        return answer.status_code

    signing = Overlap()
    signing.wrap(monkeypatch, ScanLogins, "use", meet=1.0)
    done = await asyncio.gather(*(complete() for _ in range(PHONES)))
    assert signing.most > 1, "the sign-ins did not overlap"
    assert done.count(303) == 1, Counter(done)
    sessions = await _count(seeded, select(func.count()).select_from(SignedInSession))
    assert sessions == sessions_before + 1
    used = select(func.count()).select_from(ScanLogin).where(ScanLogin.state == "used")
    assert await _count(seeded, used) == 1

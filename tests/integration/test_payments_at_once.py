"""Payments hold with requests at once, on SQLite and PostgreSQL (issue 14 point 3): twenty
identical submissions make one payment; twenty identical notifications make one posting;
twenty notifications of different payments add up exactly."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import httpx
import pytest
from litestar import Litestar

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.payments import PaymentKeys, Payments
from app.domain.identity import parse_id_number
from app.routes import payments as payment_routes
from app.services.context import UnitOfWork
from tests.at_once import NewClient, Overlap, clients
from tests.conftest import sign_in
from tests.integration.payment_steps import (
    EN,
    PREMIUM_ENV,
    WANG_FANG,
    ledger_sums,
    notice_fields,
    payments_of,
    pin_form,
    postings,
    signed_notice,
    son_base,
)


@pytest.fixture
def extra_env() -> dict[str, str]:
    return PREMIUM_ENV


@pytest.fixture
async def browsers(app: Litestar, seeded: Any) -> AsyncIterator[NewClient]:
    async for new in clients(app):
        yield new


async def _signed_in(new: NewClient) -> httpx.AsyncClient:
    first = new()
    await sign_in(first)  # type: ignore[arg-type]
    return first


def _same_browser(new: NewClient, first: httpx.AsyncClient) -> httpx.AsyncClient:
    """Another connection of the same browser: its cookies (session, CSRF)."""
    twin = new()
    for cookie in first.cookies.jar:
        twin.cookies.set(cookie.name, cookie.value or "")
    return twin


@pytest.mark.usefixtures("histories")
async def test_twenty_identical_submissions_make_one_payment(
    browsers: NewClient,
    seeded: UnitOfWork,
    migrated: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = await son_base(seeded, migrated)
    first = await _signed_in(browsers)
    form = await pin_form(first, base)
    tabs = [first] + [_same_browser(browsers, first) for _ in range(19)]

    async def submit(tab: httpx.AsyncClient) -> tuple[int, str]:
        answer = await tab.post(f"{base}/payments/premium/2027/pin", data=form, headers=EN)
        return answer.status_code, answer.headers.get("location", "")

    # They meet at the PIN check; from there SQLite lets one writer through at a time (the
    # PIN's counter is written), while on PostgreSQL they race on to the key's unique index.
    overlap.wrap(monkeypatch, payment_routes, "check_pin", meet=1.0)
    keys = Overlap()
    keys.wrap(monkeypatch, PaymentKeys, "claim")
    answers = await asyncio.gather(*(submit(tab) for tab in tabs))
    assert overlap.most > 1, "the requests did not overlap"
    statuses = Counter(status for status, _ in answers)
    # 303: to the one checkout; 409: the key's first request still in progress; 422: PIN use
    # locked for a moment by twenty attempts counted at once (a right PIN lifts it again).
    assert set(statuses) <= {303, 409, 422}, answers
    assert statuses[303] >= 1
    assert len({where for status, where in answers if status == 303}) == 1  # one checkout
    [payment] = await payments_of(seeded)
    assert payment.state == "created" and payment.amount_fen == 42400


@pytest.mark.usefixtures("histories")
async def test_twenty_identical_notifications_make_one_posting(
    browsers: NewClient,
    seeded: UnitOfWork,
    migrated: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    base = await son_base(seeded, migrated)
    first = await _signed_in(browsers)
    form = await pin_form(first, base)
    started = await first.post(f"{base}/payments/premium/2027/pin", data=form, headers=EN)
    assert started.status_code == 303
    [payment] = await payments_of(seeded)
    body, headers = signed_notice(migrated, **notice_fields(payment))
    gateways = [browsers() for _ in range(20)]  # the provider's server: no cookies

    async def deliver(gateway: httpx.AsyncClient) -> int:
        answer = await gateway.post("/payments/notify/sandbox", content=body, headers=headers)
        return answer.status_code

    overlap.wrap(monkeypatch, Payments, "confirm", meet=1.0)
    answers = await asyncio.gather(*(deliver(g) for g in gateways))
    assert overlap.most > 1, "the notifications did not overlap"
    assert answers == [200] * 20  # a genuine repeat is acknowledged, so it stops
    [paid] = await payments_of(seeded)
    assert paid.state == "paid" and paid.transaction_id == "SBXtest0001"
    assert await postings(seeded) == 1
    assert await ledger_sums(seeded) == (42400, 42400)


async def _open_payments(uow: UnitOfWork, count: int) -> list[Any]:
    """`count` open payments of different bills, for different amounts (set up directly)."""
    person = await uow.people.by_id_number(parse_id_number(WANG_FANG))
    assert person is not None
    account = await uow.accounts.for_person(person.id)
    assert account is not None
    ids = []
    for n in range(count):
        new_id = await uow.payments.add_open(
            {
                "id": uuid4(),
                "holder_account_id": account.id,
                "payer_person_id": account.person_id,
                "beneficiary_person_id": account.person_id,
                "purpose": "resident_medical_premium",
                "bill": f"test-bill-{n}",
                "fund": "res_medical",
                "amount_fen": 10000 + 137 * n,
                "content_digest": "-",
                "state": "created",
                "provider": "sandbox",
                "expires_at": utcnow().replace(year=utcnow().year + 1),
            }
        )
        ids.append(new_id)
    await uow.commit()
    return [await uow.payments.get(i) for i in ids]


async def test_notifications_of_different_payments_at_once_add_up_exactly(
    browsers: NewClient,
    seeded: UnitOfWork,
    migrated: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    payments = await _open_payments(seeded, 20)
    notices = [
        signed_notice(migrated, **notice_fields(p, transaction_id=f"SBXmany{n:04d}"))
        for n, p in enumerate(payments)
    ]

    async def deliver(body: bytes, headers: dict[str, str]) -> int:
        answer = await browsers().post("/payments/notify/sandbox", content=body, headers=headers)
        return answer.status_code

    overlap.wrap(monkeypatch, Payments, "confirm", meet=1.0)
    answers = await asyncio.gather(*(deliver(b, h) for b, h in notices))
    assert overlap.most > 1
    assert answers == [200] * 20
    expected = sum(p.amount_fen for p in payments)
    assert await ledger_sums(seeded) == (expected, expected)
    assert await postings(seeded, "receipt") == 20
    assert {p.state for p in await payments_of(seeded)} == {"paid"}

"""Staff and the money (issue 14 points 4 and 7), on SQLite and PostgreSQL: the fund report
shows each fund's books balancing; a payment is found by its order reference only by staff of
the region that serves the person; a refund goes through the provider and is posted as a
reversing entry, after which the premium's year is unpaid again."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.serialization import encode_json
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import LedgerPosting
from app.services.context import UnitOfWork
from tests.at_once import NewClient, clients
from tests.conftest import sign_in
from tests.integration.payment_steps import (
    EN,
    PREMIUM_ENV,
    ledger_sums,
    pay_at_gateway,
    payments_of,
    son_base,
    start_payment,
    token,
)


@pytest.fixture
def extra_env() -> dict[str, str]:
    return PREMIUM_ENV


@pytest.fixture
async def new(app: Litestar, seeded: Any) -> AsyncIterator[NewClient]:
    async for make in clients(app):
        yield make


async def _staff_session(
    app: Litestar, seeded: UnitOfWork, client: httpx.AsyncClient, number: str = "BJ0001"
) -> None:
    """A staff session as after password and passkey (the passkey ceremony is in e2e/)."""
    staff = await seeded.staff.by_number(number)
    assert staff is not None
    session_id, now = secrets.token_hex(16), utcnow().timestamp()
    data = {"staff_id": str(staff.id), "auth_at": now, "seen_at": now}
    await app.stores.get("sessions").set(session_id, encode_json(data), expires_in=3600)
    client.cookies.set("session", session_id)


async def _paid(seeded: UnitOfWork, holder: httpx.AsyncClient, base: str) -> Any:
    await pay_at_gateway(holder, await start_payment(holder, base))
    for _ in range(100):
        found = await payments_of(seeded)
        if found and found[0].state == "paid":
            return found[0]
        await asyncio.sleep(0.05)
    raise AssertionError("not confirmed")


@pytest.mark.usefixtures("histories")
async def test_staff_see_the_books_balance_and_refund_a_payment(
    app: Litestar, new: NewClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    holder = new()
    await sign_in(holder)  # type: ignore[arg-type]
    base = await son_base(seeded, migrated)
    payment = await _paid(seeded, holder, base)
    staff = new()
    await _staff_session(app, seeded, staff)

    books = await staff.get("/staff/funds", headers=EN)
    assert books.status_code == 200
    assert "The books balance: debits CN¥424.00, credits CN¥424.00." in books.text
    res = books.text[books.text.find('data-fund="res_medical"') :]
    assert re.search(r"Bank account</th><td class=\"num\">CN¥424\.00</td>", res)
    assert "In the bank: CN¥424.00." in books.text

    found = await staff.get(
        "/staff/payments", params={"reference": payment.id.hex}, follow_redirects=False
    )
    assert found.status_code == 303
    page_path = found.headers["location"]
    assert page_path == f"/staff/payments/{payment.id}"
    shown = await staff.get(page_path, headers=EN)
    assert "张浩" in shown.text and "1101**********035X" in shown.text

    csrf = await token(staff, page_path)
    empty = await staff.post(page_path, data={"_csrf_token": csrf, "reason": " "}, headers=EN)
    assert empty.status_code == 422 and "Give the reason for the refund" in empty.text
    done = await staff.post(
        page_path,
        data={"_csrf_token": csrf, "reason": "Paid twice by mistake at the counter"},
        headers=EN,
        follow_redirects=False,
    )
    assert done.status_code == 303
    for _ in range(100):
        if (await payments_of(seeded))[0].state == "refunded":
            break
        await asyncio.sleep(0.05)
    [refunded] = await payments_of(seeded)
    assert (refunded.state, refunded.refund_reason) == ("refunded", "staff")
    kinds = list(await seeded.db.scalars(select(LedgerPosting.kind).order_by(LedgerPosting.at)))
    assert kinds == ["receipt", "refund"]
    assert await ledger_sums(seeded) == (84800, 84800)
    after = await staff.get("/staff/funds", headers=EN)
    assert "In the bank: CN¥0.00." in after.text and "The books balance" in after.text
    again = await staff.post(
        page_path, data={"_csrf_token": csrf, "reason": "once more"}, headers=EN
    )
    assert again.status_code == 409
    # The year is unpaid again: the family sees the premium offered.
    offers = await holder.get(f"{base}/payments", headers=EN)
    assert "Pay the 2027 premium" in offers.text


@pytest.mark.usefixtures("histories")
async def test_staff_of_another_region_do_not_find_the_payment(
    app: Litestar, new: NewClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    holder = new()
    await sign_in(holder)  # type: ignore[arg-type]
    payment = await _paid(seeded, holder, await son_base(seeded, migrated))
    staff = new()
    await _staff_session(app, seeded, staff, number="GZ0001")
    found = await staff.get("/staff/payments", params={"reference": payment.id.hex}, headers=EN)
    assert found.status_code == 422
    assert (await staff.get(f"/staff/payments/{payment.id}", headers=EN)).status_code == 404
    csrf = await token(staff, "/staff/payments")
    refund = await staff.post(
        f"/staff/payments/{payment.id}", data={"_csrf_token": csrf, "reason": "x"}, headers=EN
    )
    assert refund.status_code == 404
    assert (await payments_of(seeded))[0].state == "paid"

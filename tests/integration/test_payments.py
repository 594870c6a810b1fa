"""Paying a family member's residents' medical premium through the sandbox gateway (issue 14),
on SQLite and PostgreSQL: what can be paid, check, PIN, the gateway's page, back; only the
provider's server confirms; the receipt names the fund."""

from __future__ import annotations

import asyncio

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.config import Settings
from app.services.context import UnitOfWork
from tests.conftest import sign_in
from tests.integration.payment_steps import (
    EN,
    PREMIUM_ENV,
    YEAR,
    ledger_sums,
    pay_at_gateway,
    payment_id_of,
    payments_of,
    postings,
    son_base,
    start_payment,
)

Client = AsyncTestClient[Litestar]


@pytest.fixture
def extra_env() -> dict[str, str]:
    return PREMIUM_ENV


async def _settled(client: Client, path: str) -> str:
    """The payment's page once the provider's server has confirmed it (its notification is
    delivered in the background; the page itself also asks the provider)."""
    for _ in range(50):
        page = await client.get(path, headers=EN)
        assert page.status_code == 200
        if "Payment taken, confirming" not in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError("the payment was never confirmed")


@pytest.mark.usefixtures("histories")
async def test_wang_fang_pays_her_sons_premium_through_the_sandbox(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await son_base(seeded, migrated)
    await sign_in(client)
    offers = await client.get(f"{base}/payments", headers=EN)
    assert offers.status_code == 200
    assert "Coverage year 2027" in offers.text and "¥424.00 for the year." in offers.text
    checkout = await start_payment(client, base)
    back = await pay_at_gateway(client, checkout)
    assert payment_id_of(back)
    page = await _settled(client, back)
    assert "Paid" in page and "Urban and rural residents&#39; basic medical insurance fund" in page
    [payment] = await payments_of(seeded)
    assert (payment.state, payment.amount_fen, payment.fund) == ("paid", 42400, "res_medical")
    assert payment.transaction_id and payment.transaction_id.startswith("SBX")
    assert await postings(seeded, "receipt") == 1
    assert await ledger_sums(seeded) == (42400, 42400)
    receipt = await client.get(f"{back}/receipt", headers=EN)
    assert receipt.status_code == 200
    for shown in ("王芳", "张浩", "1101**********035X", "coverage year 2027", "¥424.00"):
        assert shown in receipt.text, shown
    assert "basic medical insurance fund" in receipt.text
    assert payment.transaction_id in receipt.text
    assert "11010520150402035X" not in receipt.text
    # A refresh of the return page, and the gateway's repeated notification: still one payment.
    await client.get(back, headers=EN)
    await asyncio.sleep(1.5)
    assert len(await payments_of(seeded)) == 1
    assert await postings(seeded) == 1
    # The year is covered now: the premium is no longer offered, the to-do is gone.
    again = await client.get(f"{base}/payments", headers=EN)
    assert "Pay the 2027 premium" not in again.text
    family = await client.get("/family", headers=EN)
    assert f"premium for {YEAR} not paid yet" not in family.text

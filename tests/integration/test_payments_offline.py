"""Where no payment provider answers (production without a gateway), the payments pages say
so, and a payment stops before its PIN, with nothing paid, instead of failing at the provider."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.config import Settings
from app.services.context import UnitOfWork
from tests.conftest import csrf_token, sign_in
from tests.integration.payment_steps import EN

Client = AsyncTestClient[Litestar]
OFFLINE = "Online payment is not available"
PIN_STEPS = (
    "/my/payments/premium/{year}/pin",
    "/my/payments/pension/check/pin",
    "/my/payments/flexible/check/pin",
    "/my/payments/bills/00000000-0000-4000-8000-000000000000/pin",
)


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"PAYMENT_SANDBOX": "false"}


def test_payments_are_online_with_a_gateway_only(migrated: Settings) -> None:
    assert not migrated.pays_online
    assert msgspec.structs.replace(migrated, payment_sandbox=True).pays_online
    assert msgspec.structs.replace(migrated, payment_site_url="https://pay.example").pays_online


async def test_the_payments_page_says_online_payment_is_unavailable(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    page = await client.get("/my/payments", headers=EN)
    assert page.status_code == 200
    assert OFFLINE in page.text


@pytest.mark.parametrize("step", PIN_STEPS)
async def test_a_payment_stops_before_its_pin(
    client: Client, seeded: UnitOfWork, step: str
) -> None:
    await sign_in(client)
    path = step.format(year=utcnow().year)
    shown = await client.get(path, headers=EN)
    assert shown.status_code == 503
    assert OFFLINE in shown.text and 'name="pin"' not in shown.text
    assert 'href="/my/payments"' in shown.text  # the way back
    token = await csrf_token(client, "/my/payments")
    sent = await client.post(path, data={"_csrf_token": token, "pin": "258369"}, headers=EN)
    assert sent.status_code == 503 and OFFLINE in sent.text
    history = await client.get("/my/payments", headers=EN)
    assert "/receipt" not in history.text  # nothing was paid

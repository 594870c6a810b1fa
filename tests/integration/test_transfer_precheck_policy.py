"""The pre-check's age lines come from the policy (POLICY_TRANSFER_TEMPORARY_AGE_*)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.services.context import UnitOfWork
from tests.conftest import sign_in
from tests.integration.test_affinity_wizard import EN


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {
        "POLICY_TRANSFER_TEMPORARY_AGE_WOMEN": "45",
        "POLICY_TRANSFER_PLACE_OF_PAYMENT_MONTHS": "96",
    }


@pytest.mark.usefixtures("histories")
async def test_at_41_under_a_line_of_45_it_is_a_transfer(
    client: AsyncTestClient[Litestar], seeded: UnitOfWork
) -> None:
    await sign_in(client)
    starts = (utcnow().date() + timedelta(days=30)).isoformat()
    response = await client.get(f"/my/transfers?to=44&starts={starts}", headers=EN)
    assert re.search(r'data-kind="transfer"', response.text), response.text
    assert "with 96 months of contributions" in response.text
    # With a job in Hebei: the rule's text names the line in force.
    older = (utcnow().date().replace(year=utcnow().year + 4) + timedelta(days=30)).isoformat()
    response = await client.get(f"/my/transfers?to=13&starts={older}", headers=EN)
    assert re.search(r'data-kind="temporary_account"', response.text), response.text
    assert "Men from 50 and women from 45" in response.text

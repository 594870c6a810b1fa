"""What can be paid (issue 14 point 1), with the policy as shipped: a year whose standard is not
published offers no payment; someone in the employee scheme pays no residents' premium; paid
outside the collection window, the page states the waiting period; the family to-do links to
the payment it needs."""

from __future__ import annotations

import re

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.domain.premiums import premium_year_open, resident_medical_premium
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.conftest import sign_in
from tests.integration.payment_steps import EN, WANG_FANG, son_base
from tests.integration.test_affinity_wizard import face

Client = AsyncTestClient[Litestar]
ZHAO_LI = "320102199001010889"  # no records: in no medical scheme


@pytest.mark.usefixtures("histories")
async def test_an_unpublished_year_says_so_and_offers_no_payment(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    year = utcnow().year + 1
    assert resident_medical_premium(year, migrated.policy) is None, "a year not yet published"
    base = await son_base(seeded, migrated)
    await sign_in(client)
    offers = await client.get(f"{base}/payments", headers=EN)
    assert f"The standard for {year} is not yet published" in offers.text
    assert f"Pay the {year} premium" not in offers.text
    check = await client.get(f"{base}/payments/premium/{year}", headers=EN)
    assert check.status_code == 200
    assert "not yet published" in check.text and 'name="checked"' not in check.text
    pin = await client.get(
        f"{base}/payments/premium/{year}/pin", headers=EN, follow_redirects=False
    )
    assert pin.status_code == 303 and pin.headers["location"] == f"{base}/payments/premium/{year}"
    assert (await client.get(f"{base}/payments/premium/1999", headers=EN)).status_code == 404


@pytest.mark.usefixtures("histories")
async def test_the_family_to_do_links_to_the_payment_it_needs(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await son_base(seeded, migrated)
    year = premium_year_open(utcnow().date(), migrated.policy.medical_collection_window)
    await sign_in(client)
    family = await client.get("/family", headers=EN)
    if year is None:  # outside the collection window there is no such to-do
        return
    link = re.search(
        rf'<a href="([^"]+)">Residents\' medical insurance premium for {year}', family.text
    )
    assert link, family.text
    assert link.group(1) == f"{base}/payments/premium/{year}"
    assert (await client.get(link.group(1), headers=EN)).status_code == 200


@pytest.mark.usefixtures("histories")
async def test_someone_in_the_employee_scheme_pays_no_residents_premium(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    await son_base(seeded, migrated)  # the demo histories: 王芳 is employed
    await sign_in(client)
    own = await client.get("/my/payments", headers=EN)
    assert own.status_code == 200
    assert "You are in the employee medical insurance" in own.text
    assert "Pay the" not in own.text
    home = await client.get("/my", headers=EN)
    assert 'href="/my/payments"' in home.text  # from the services grid


async def test_paid_outside_the_window_the_waiting_period_is_stated(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    binding = await open_binding_directly(
        seeded,
        DocumentStore(migrated.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(ZHAO_LI),
        relationship="other",
        proof=face(),
    )
    await sign_in(client)
    this_year = utcnow().year  # its window closed at the end of last year
    check = await client.get(f"/family/{binding}/payments/premium/{this_year}", headers=EN)
    assert check.status_code == 200
    wait = migrated.policy.waiting_fixed_months
    assert f"benefits start {wait} months after the cover begins" in check.text
    assert f"{this_year - 1}-09-01 to {this_year - 1}-12-31" in check.text
    assert "covered from birth" in check.text

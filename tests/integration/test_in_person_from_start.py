"""The in-person route from the start: on the face-recognition page the holder can choose
"Verify at a service centre" at once (not only after failures), gets a slip with a reference
code and the documents to bring, and staff of the member's region find the binding by that code."""

from __future__ import annotations

import re
from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.services import staff as staff_service
from app.services.context import UnitOfWork
from tests.conftest import committed, csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import EN, _bind_mother
from tests.passkey_device import SoftwareAuthenticator
from tests.staff_journey import STAFF, enrol

Client = AsyncTestClient[Litestar]
REFERENCE = re.compile(r'<span class="code">([A-Z2-9]{4}-[A-Z2-9]{4})</span>')


async def _choose_in_person(client: Client) -> tuple[str, str]:
    """王芳 adds her mother, then verifies at a service centre instead: (member page, code)."""
    await sign_in(client)
    member_url = await _bind_mother(client)
    page = await client.get(member_url, headers=EN)
    assert "Can't do face recognition? Verify at a service centre" in page.text
    token = await csrf_token(client, member_url)
    chosen = await client.post(
        f"{member_url}/in-person", data={"_csrf_token": token}, follow_redirects=False
    )
    assert chosen.headers["location"] == member_url
    page = await client.get(member_url, headers=EN)
    found = REFERENCE.search(page.text)
    assert found, "the slip shows the reference code"
    assert "resident ID card (the original)" in page.text
    assert f'href="{member_url}/slip"' in page.text
    slip = await client.get(f"{member_url}/slip", headers=EN)
    assert slip.status_code == 200 and found.group(1) in slip.text
    return member_url, found.group(1)


async def _staff_signs_in(client: Client, seeded: UnitOfWork) -> None:
    """Staff of Beijing sign in (on the same client: the holder's part is done)."""
    code = await committed(seeded, staff_service.issue_enrolment_code(seeded, STAFF, utcnow()))
    signed_in = await enrol(client, SoftwareAuthenticator(), code)  # type: ignore[arg-type]
    assert signed_in.json() == {"redirect": "/staff/queue"}


async def test_staff_find_the_binding_by_the_slips_code(client: Client, seeded: UnitOfWork) -> None:
    member_url, code = await _choose_in_person(client)
    binding_id = UUID(member_url.rsplit("/", 1)[1])
    await _staff_signs_in(client, seeded)
    staff = client

    typed = code.lower().replace("-", " ")  # as someone might type it
    found = await staff.get("/staff/queue", params={"reference": typed}, follow_redirects=False)
    assert found.status_code == 303
    assert found.headers["location"] == f"/staff/bindings/{binding_id}"
    page = await staff.get(found.headers["location"], headers=EN)
    assert page.status_code == 200 and "李秀英" in shown(page.text)

    for typed, message in (
        ("", "Enter the reference code from the slip"),
        ("ABC", "Enter the reference code as it is on the slip: 8 letters and digits"),
        ("X" * 500, "Enter the reference code as it is on the slip: 8 letters and digits"),
        ("KX7P-29QM", "No request with this reference code is waiting in your region"),
    ):
        refused = await staff.get("/staff/queue", params={"reference": typed}, headers=EN)
        assert refused.status_code == 422, typed
        assert message in refused.text, typed
        assert 'href="#reference"' in refused.text  # the error summary links the field
        assert len(typed) > 20 or f'value="{typed}"' in refused.text or not typed


async def test_staff_elsewhere_cannot_find_it(client: Client, seeded: UnitOfWork) -> None:
    _, code = await _choose_in_person(client)
    await committed(
        seeded,
        staff_service.add_staff(
            seeded, number="GZ0002", name="广州", region_prefix="44", password="x" * 12
        ),
    )
    guangzhou = await seeded.staff.by_number("GZ0002")
    assert guangzhou
    plain = code.replace("-", "")
    assert await staff_service.by_reference(seeded, guangzhou, plain) is None
    beijing = await seeded.staff.by_number(STAFF)
    assert beijing and await staff_service.by_reference(seeded, beijing, plain) is not None

"""Setting a family mutual aid quota takes money out of what the holder may spend from their
personal medical account, so it asks for the e-card PIN first (issue 14 point 5; the design's
PIN step-up), on SQLite and PostgreSQL: the quota form only leads to the PIN page; a missing or
wrong PIN sets nothing; the right one sets the quota asked; a quota changed on the way is
checked again."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.integration.payment_steps import EN, PIN, WANG_FANG, token
from tests.integration.test_affinity_wizard import face

MOTHER = "110105195806070426"


async def _base(uow: UnitOfWork, settings: Settings) -> str:
    """王芳's active binding with 张浩; the test asks for `histories`."""
    binding = await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(MOTHER),
        relationship="parent",
        proof=face(),
    )
    await uow.commit()
    return f"/family/{binding}"


async def _set_aside(uow: UnitOfWork) -> int:
    await uow.commit()
    person = await uow.people.by_id_number(parse_id_number(WANG_FANG))
    assert person is not None
    account = await uow.medical_accounts.get(person.id)
    assert account is not None
    return account.set_aside_fen


def _fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(_csrf_token|quota)" value="([^"]+)"', page))


@pytest.mark.usefixtures("histories")
async def test_the_quota_is_set_only_after_the_pin(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _base(seeded, migrated)
    csrf = await token(holder, f"{base}/payments/aid")
    asked = await holder.post(
        f"{base}/payments/aid", data={"_csrf_token": csrf, "quota": "250.5"}, headers=EN
    )
    assert asked.status_code == 303
    where = urlsplit(asked.headers["location"])
    assert where.path == f"{base}/payments/aid/pin"
    assert parse_qs(where.query) == {"quota": ["250.5"]}
    assert await _set_aside(seeded) == 0  # nothing yet

    pin_page = await holder.get(asked.headers["location"], headers=EN)
    assert pin_page.status_code == 200
    assert 'id="aid-pin-quota">CN¥250.50<' in pin_page.text and "李秀英" in pin_page.text
    fields = _fields(pin_page.text)
    assert fields["quota"] == "250.5"
    pin_url = f"{base}/payments/aid/pin"

    missing = await holder.post(pin_url, data=fields, headers=EN)
    assert missing.status_code == 422 and "Enter your e-card PIN" in missing.text
    assert 'name="quota" value="250.5"' in missing.text  # the quota asked is kept
    wrong = await holder.post(pin_url, data={**fields, "pin": "000000"}, headers=EN)
    assert wrong.status_code == 422 and "The PIN is not right" in wrong.text
    assert await _set_aside(seeded) == 0

    done = await holder.post(pin_url, data={**fields, "pin": PIN}, headers=EN)
    assert done.status_code == 303
    assert done.headers["location"] == f"{base}/payments/aid?done=set"
    assert await _set_aside(seeded) == 25050
    aid = await holder.get(done.headers["location"], headers=EN)
    assert "CN¥250.50 left of a quota of CN¥250.50" in aid.text


@pytest.mark.usefixtures("histories")
async def test_a_quota_changed_on_the_way_is_checked_again(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    base = await _base(seeded, migrated)
    pin_url = f"{base}/payments/aid/pin"
    pin_page = await holder.get(f"{pin_url}?quota=100", headers=EN)
    fields = _fields(pin_page.text)
    too_much = await holder.post(
        pin_url, data={**fields, "quota": "9999999", "pin": PIN}, headers=EN
    )
    assert too_much.status_code == 422
    assert "The quota cannot be more than you can spend" in too_much.text
    assert await _set_aside(seeded) == 0
    for nonsense in ("lots", "0", "-5", "", "1e309"):
        sent = await holder.post(pin_url, data={**fields, "quota": nonsense, "pin": PIN})
        assert sent.status_code == 303, nonsense
        assert sent.headers["location"] == f"{base}/payments/aid"
        shown = await holder.get(f"{pin_url}?quota={nonsense}")
        assert shown.status_code == 303, nonsense
    assert await _set_aside(seeded) == 0
    own = await holder.get("/my/payments/aid/pin?quota=100")
    assert own.status_code == 303 and own.headers["location"] == "/my/payments/aid"

"""The e-card page, applying for a member's card with the holder's PIN, the dynamic QR code,
and the service counter that accepts each code once."""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.serialization import encode_json
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AuditEvent, ECard, Person
from app.db.repositories import SpentCredentials
from app.domain import credential
from app.domain.credential import CredentialRefused
from app.domain.identity import parse_id_number
from app.services import credentials
from app.services.context import UnitOfWork
from app.services.ecard import china_date
from app.services.seed import open_binding_directly
from tests.conftest import csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import EN, SON, _post, face

Client = AsyncTestClient[Litestar]
HOLDER = "110105198503140224"  # 王芳
CODE = re.compile(r'<span class="code">([^<]+)</span>')
HX = {"HX-Request": "true", **EN}


async def _person(uow: UnitOfWork, number: str) -> Person:
    person = await uow.people.by_id_number(parse_id_number(number))
    assert person
    await uow.db.refresh(person)
    return person


async def _son(client: Client, seeded: UnitOfWork, settings: Settings) -> str:
    """王芳 signed in, with an active binding for her son 张浩 (who has no e-card)."""
    binding_id = await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(HOLDER),
        member=parse_id_number(SON[1]),
        relationship="child",
        proof=face("obama.jpg"),
        face_photo=face("obama2.jpg"),
    )
    await sign_in(client)
    return f"/family/{binding_id}"


async def _actions(uow: UnitOfWork, subject: Person) -> list[str]:
    rows = await uow.db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.subject_person_id == subject.id)
        .order_by(AuditEvent.at)
    )
    return list(rows)


def _shown_code(page: str) -> str:
    match = CODE.search(page)
    assert match, "the card page shows the code as text"
    return match.group(1)


async def _staff_signed_in(client: Client, app: Litestar, seeded: UnitOfWork) -> UUID:
    """A staff session as after password and passkey (the passkey ceremony is in e2e/)."""
    staff = await seeded.staff.by_number("BJ0001")
    assert staff
    session_id = secrets.token_hex(16)
    now = utcnow().timestamp()
    data = {"staff_id": str(staff.id), "auth_at": now, "seen_at": now}
    await app.stores.get("sessions").set(session_id, encode_json(data), expires_in=3600)
    client.cookies.set("session", session_id)
    return staff.id


async def _counter(client: Client, code: str):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, "/counter")
    return await client.post(
        "/counter",
        data={"_csrf_token": token, "code": code},
        headers=EN,
        follow_redirects=False,
    )


async def test_apply_for_the_sons_card_with_the_holders_pin(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _son(client, seeded, settings)
    card = await client.get(f"{base}/card", headers=EN)
    assert "张浩 has no e-card yet" in shown(card.text)
    assert f'href="{base}/card/apply"' in card.text
    assert "<svg" not in card.text

    details = await client.get(f"{base}/card/apply", headers=EN)
    assert "张浩" in shown(details.text) and "1101**********035X" in details.text
    assert "Child" in details.text and SON[1] not in details.text

    wrong = await _post(client, f"{base}/card/apply/pin", {"pin": "000001"})
    assert wrong.status_code == 422  # type: ignore[attr-defined]
    assert "5 more tries" in wrong.text  # type: ignore[attr-defined]
    son = await _person(seeded, SON[1])
    assert await seeded.cards.for_person(son.id) is None

    right = await _post(client, f"{base}/card/apply/pin", {"pin": "258369"})
    assert right.headers["location"] == f"{base}/card?issued=1"  # type: ignore[attr-defined]
    issued = await seeded.cards.for_person(son.id)
    assert issued and issued.status == "active"
    assert re.fullmatch(r"A110105\d{5}", issued.card_number)
    assert issued.issued_on == china_date(utcnow())

    card = await client.get(f"{base}/card?issued=1", headers=EN)
    assert "The e-card has been issued." in card.text
    assert issued.card_number in card.text and "In use" in card.text
    assert issued.issued_on.isoformat() in card.text
    assert "<svg" in card.text and "Valid until" in card.text
    assert _shown_code(card.text).startswith("E1. ")

    # applying again issues nothing
    again = await _post(client, f"{base}/card/apply/pin", {"pin": "258369"})
    assert again.headers["location"] == f"{base}/card"  # type: ignore[attr-defined]
    assert (await client.get(f"{base}/card/apply", follow_redirects=False)).headers[
        "location"
    ] == f"{base}/card"
    count = await seeded.db.scalar(select(func.count()).where(ECard.person_id == son.id))
    assert count == 1

    actions = await _actions(seeded, son)
    assert "ecard.applied" in actions and "qr.shown" in actions and "card.viewed" in actions


async def test_a_holder_cannot_change_a_members_pin_or_password(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _son(client, seeded, settings)
    for path in ("/pin", "/pin/set", "/account", "/account/pin", "/password", "/card/pin"):
        assert (await client.get(f"{base}{path}")).status_code == 404, path
    card = await client.get(f"{base}/card", headers=EN)
    assert "/pin" not in " ".join(re.findall(r'href="([^"]+)"', card.text))
    assert "Only 张浩 can change their e-card PIN or password" in shown(card.text)
    own = await client.get("/my/card", headers=EN)
    assert 'href="/account/pin"' in own.text


async def test_locked_pin_stops_the_application(
    client: Client, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _son(client, seeded, settings)
    for _attempt in range(5):
        await _post(client, f"{base}/card/apply/pin", {"pin": "000001"})
    locked = await _post(client, f"{base}/card/apply/pin", {"pin": "000001"})
    assert locked.status_code == 422 and "PIN use is locked" in locked.text  # type: ignore[attr-defined]
    still = await _post(client, f"{base}/card/apply/pin", {"pin": "258369"})
    assert "PIN use is locked" in still.text  # type: ignore[attr-defined]
    son = await _person(seeded, SON[1])
    assert await seeded.cards.for_person(son.id) is None


async def test_a_card_that_is_not_active_shows_no_qr(client: Client, seeded: UnitOfWork) -> None:
    holder = await _person(seeded, HOLDER)
    card = await seeded.cards.for_person(holder.id)
    assert card
    card.status = "lost"
    await seeded.commit()
    await sign_in(client)
    page = await client.get("/my/card", headers=EN)
    assert "Reported lost" in page.text and "This card cannot be used" in page.text
    assert "<svg" not in page.text and "E1." not in page.text
    fragment = await client.get("/my/card/qr", headers=HX)
    assert "<svg" not in fragment.text and "cannot be used now" in fragment.text
    assert "hx-trigger" not in fragment.text


async def test_the_qr_region_renews_itself_a_limited_number_of_times(
    client: Client, seeded: UnitOfWork
) -> None:
    await sign_in(client)
    page = await client.get("/my/card", headers=EN)
    assert 'hx-get="/my/card/qr?round=1" hx-trigger="every 50s"' in page.text
    assert 'id="qr-announce"' in page.text and 'role="status"' in page.text
    assert 'action="/my/card"' in page.text and "New code" in page.text  # without JS
    fragment = await client.get("/my/card/qr?round=1", headers=HX)
    assert fragment.text.lstrip().startswith('<div id="qr-credential"')
    assert "hx-push-url" not in fragment.headers
    assert 'hx-get="/my/card/qr?round=2"' in fragment.text
    assert 'hx-swap-oob="innerHTML"' in fragment.text and "New code shown." in fragment.text
    assert _shown_code(fragment.text) != _shown_code(page.text)
    for odd in ("²", "-1", "x"):  # not a round the page sends: the first
        first = await client.get("/my/card/qr", params={"round": odd}, headers=HX)
        assert first.status_code == 200 and 'hx-get="/my/card/qr?round=1"' in first.text, odd
    last = await client.get("/my/card/qr?round=8", headers=HX)
    assert "every " not in last.text and "<svg" in last.text  # a code, and no more renewals
    # When the last code expires, the region says so, with no code left to scan.
    assert 'hx-get="/my/card/qr?state=expired" hx-trigger="load delay:60s"' in last.text
    shown = await seeded.db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "qr.shown")
    )
    expired = await client.get("/my/card/qr?state=expired", headers=HX)
    assert expired.status_code == 200 and "<svg" not in expired.text
    assert CODE.search(expired.text) is None
    assert "hx-trigger" not in expired.text and "has expired" in expired.text
    assert 'action="/my/card"' in expired.text and "New code" in expired.text
    assert "The code has expired" in expired.text.split('id="qr-announce"', 1)[1]
    assert shown == await seeded.db.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "qr.shown")
    )  # no code was made for it
    plain = await client.get("/my/card/qr", follow_redirects=False)
    assert plain.status_code == 303 and plain.headers["location"] == "/my/card"


async def test_the_counter_needs_a_staff_session(client: Client) -> None:
    response = await client.get("/counter", follow_redirects=False)
    assert response.headers["location"] == "/staff/login"
    await sign_in(client)  # a holder is not staff
    response = await client.get("/counter", follow_redirects=False)
    assert response.headers["location"] == "/staff/login"


async def test_the_counter_accepts_a_code_once(
    client: Client, app: Litestar, seeded: UnitOfWork, settings: Settings
) -> None:
    base = await _son(client, seeded, settings)
    await _post(client, f"{base}/card/apply/pin", {"pin": "258369"})
    code = _shown_code((await client.get(f"{base}/card", headers=EN)).text)

    staff_id = await _staff_signed_in(client, app, seeded)
    queue = await client.get("/staff/queue", headers=EN)
    assert 'href="/counter"' in queue.text
    form = await client.get("/counter", headers=EN)
    assert 'name="code"' in form.text and 'autocomplete="off"' in form.text

    accepted = await _counter(client, f"  {code}\r\n")  # as a scanner types it
    assert accepted.status_code == 200, accepted.text
    assert "Code accepted" in accepted.text
    assert "张浩" in shown(accepted.text) and "1101**********035X" in accepted.text
    assert "In use" in accepted.text and SON[1] not in accepted.text

    used = await _counter(client, code)
    assert used.status_code == 422 and "already been used" in used.text
    son = await _person(seeded, SON[1])
    events = list(
        await seeded.db.scalars(select(AuditEvent).where(AuditEvent.action == "qr.accepted"))
    )
    assert len(events) == 1
    assert events[0].actor_staff_id == staff_id and events[0].actor_person_id is None
    assert events[0].subject_person_id == son.id
    assert "qr.accepted" in await _actions(seeded, son)


async def test_each_refusal_has_its_own_message(
    client: Client, app: Litestar, seeded: UnitOfWork
) -> None:
    holder = await _person(seeded, HOLDER)
    mac = seeded.cipher.credential_mac
    expired, _claims = credential.issue(
        holder.id, now=utcnow() - timedelta(seconds=61), valid_seconds=60, mac=mac
    )
    forged, _claims = credential.issue(
        holder.id, now=utcnow(), valid_seconds=60, mac=lambda data: b"\x00" * 32
    )
    await _staff_signed_in(client, app, seeded)
    messages = {}
    for name, code in (("expired", expired), ("forged", forged), ("malformed", "not a code")):
        response = await _counter(client, code)
        assert response.status_code == 422, name
        message = re.search(r'<li><a href="#code">([^<]+)</a></li>', response.text)
        assert message, name
        messages[name] = message.group(1)
        assert response.text.count(message.group(1)) == 2  # in the summary and at the field
        assert f'value="{code}"' in response.text  # what was typed is kept
    assert len(set(messages.values())) == 3
    assert "expired" in messages["expired"]
    assert "not issued by the e-card service" in messages["forged"]
    assert "not an e-card QR code" in messages["malformed"]
    empty = await _counter(client, "   ")
    assert empty.status_code == 422 and "Scan or type the code" in empty.text


async def test_a_genuine_code_for_someone_without_a_card(
    client: Client, app: Litestar, seeded: UnitOfWork
) -> None:
    son = await _person(seeded, SON[1])
    code, _claims = credential.issue(
        son.id, now=utcnow(), valid_seconds=60, mac=seeded.cipher.credential_mac
    )
    await _staff_signed_in(client, app, seeded)
    response = await _counter(client, code)
    assert response.status_code == 200
    assert "the card cannot be used" in response.text and "No e-card" in response.text


async def test_a_code_spent_at_the_same_moment_is_used(
    seeded: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two counters with one code: the second insert fails, is rolled back, and says used."""
    holder = await _person(seeded, HOLDER)
    staff = await seeded.staff.by_number("BJ0001")
    assert staff
    staff_id = staff.id
    code, claims = credential.issue(
        holder.id, now=utcnow(), valid_seconds=60, mac=seeded.cipher.credential_mac
    )
    presented = await credentials.accept(seeded, staff_id, code, utcnow())
    assert presented.usable and presented.person.id == holder.id

    async def not_yet(self: SpentCredentials, nonce: str) -> bool:
        return False  # as if the other counter had not committed when this one looked

    monkeypatch.setattr(SpentCredentials, "is_spent", not_yet)
    with pytest.raises(CredentialRefused) as refused:
        await credentials.accept(seeded, staff_id, code, utcnow())
    assert refused.value.reason == "used"
    monkeypatch.undo()
    assert await seeded.spent_credentials.is_spent(claims.nonce_key)  # usable after the rollback

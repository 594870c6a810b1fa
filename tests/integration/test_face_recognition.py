"""Face recognition of the member on the holder's phone, matched for real against real photos."""

from __future__ import annotations

import asyncio
import re
import time
from uuid import UUID, uuid4

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.services.context import UnitOfWork
from tests.conftest import csrf_token, shown
from tests.integration.test_affinity_wizard import (
    EN,
    MOTHER,
    SON,
    _checked,
    _details,
    _documents,
    _post,
    _through_notice,
    face,
)

Client = AsyncTestClient[Litestar]


async def _bind(client: Client, member: tuple[str, str], relationship: str, **files: bytes) -> str:
    await _through_notice(client)
    await _details(client, *member, relationship)
    await _documents(client, **files)
    check = await client.get("/affinity/add/check")
    response = await _post(client, "/affinity/add/check", {"checked": _checked(check.text)})
    return str(response.headers["location"])  # type: ignore[attr-defined]


async def _selfie(client: Client, member_url: str, photo: bytes, consent: bool = True):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, "/account")
    data = {"_csrf_token": token, **({"consent": "yes"} if consent else {})}
    return await client.post(
        f"{member_url}/face",
        data=data,
        files={"selfie": ("selfie.jpg", photo, "image/jpeg")},
        headers=EN,
        follow_redirects=False,
    )


async def _result(client: Client, status_url: str) -> str:
    """Poll like the page does; a first match also starts the worker and loads the models."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        page = await client.get(status_url, headers=EN)
        if "Checking the photo" not in page.text:
            return page.text
        await asyncio.sleep(0.2)
    raise AssertionError("the check did not finish")


async def test_the_right_person_opens_the_binding(client: Client, seeded: UnitOfWork) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    page = await client.get(member_url, headers=EN)
    assert 'name="consent"' in page.text and 'capture="user"' in page.text

    refused = await _selfie(client, member_url, face("obama2.jpg"), consent=False)
    assert refused.status_code == 422 and "agrees to face recognition" in refused.text

    response = await _selfie(client, member_url, face("obama2.jpg"))
    status_url = response.headers["location"]
    assert re.fullmatch(rf"{member_url}/face/[0-9a-f-]{{36}}", status_url)
    assert "matches" in await _result(client, status_url)
    assert "Active" in (await client.get(member_url, headers=EN)).text

    binding = await seeded.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding
    await seeded.db.refresh(binding)
    assert binding.state == "active"
    events = [
        e
        for e in await seeded.audit.for_actor(binding.holder_person_id)
        if e.action == "face.matched"
    ]
    assert events and "threshold=0.6" in events[0].detail and "distance=0." in events[0].detail


async def test_someone_else_fails_and_counts_an_attempt(client: Client, seeded: UnitOfWork) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    response = await _selfie(client, member_url, face("biden.jpg"))
    result = await _result(client, response.headers["location"])
    assert "does not match" in result and "4 more times" in result, result[result.find("<main") :][
        :1500
    ]
    binding = await seeded.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding
    await seeded.db.refresh(binding)
    assert binding.state == "awaiting_face" and binding.face_failures_total == 1


async def test_a_photo_with_two_faces_is_unusable(client: Client) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    response = await _selfie(client, member_url, face("two_people.jpg"))
    assert "more than one face" in await _result(client, response.headers["location"])


async def test_the_sons_face_photo_is_his_reference(client: Client) -> None:
    # the relationship document shows someone else's face, and he has no registry portrait:
    # under 16, only the face photo can make this match
    member_url = await _bind(
        client, SON, "child", proof=face("biden.jpg"), face_photo=face("obama.jpg")
    )
    response = await _selfie(client, member_url, face("obama3.jpg"))
    assert "matches" in await _result(client, response.headers["location"])


async def _handoff_code(client: Client, member_url: str) -> str:
    await _post(client, f"{member_url}/handoff", {})
    page = await client.get(f"{member_url}/handoff", headers=EN)
    match = re.search(r'class="code">([A-Z0-9]{4}-[A-Z0-9]{4})<', page.text)
    assert match, page.text
    assert '<svg role="img"' in page.text  # the QR code, drawn on the server
    return match.group(1)


async def test_the_member_finishes_on_their_own_phone(client: Client) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    code = await _handoff_code(client, member_url)
    # The member's phone: no cookies at all. (One client, so one event loop for the app.)
    holder_cookies = httpx.Cookies(client.cookies)
    client.cookies.clear()
    phone = client
    typed = await phone.get("/verify")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', typed.text).group(1)  # type: ignore[union-attr]
    response = await phone.post(
        "/verify",
        data={"_csrf_token": token, "code": code.lower().replace("-", " ")},
        follow_redirects=False,
    )
    capture_url = response.headers["location"]
    assert capture_url == f"/verify/{code.replace('-', '')}"
    capture = await phone.get(capture_url, headers=EN)
    assert "王*" in shown(capture.text) and "王芳" not in shown(capture.text)
    assert "They added you as their: Parent" in capture.text and "deleted" in capture.text
    response = await phone.post(
        capture_url,
        data={"_csrf_token": token, "consent": "yes"},
        files={"selfie": ("me.jpg", face("obama2.jpg"), "image/jpeg")},
        headers=EN,
        follow_redirects=False,
    )
    status_url = response.headers["location"]
    assert status_url.startswith("/verify/status/")
    assert "The photo matches" in await _result(phone, status_url)
    again = await phone.get(capture_url, headers=EN)  # single use
    assert again.status_code == 422 and "not valid" in again.text
    client.cookies = holder_cookies
    assert "Active" in (await client.get(member_url, headers=EN)).text


async def test_wrong_and_expired_codes_say_the_same(client: Client, seeded: UnitOfWork) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from app.adapters.clock import utcnow
    from app.db.models import HandoffCode

    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    code = (await _handoff_code(client, member_url)).replace("-", "")
    wrong = await client.get("/verify/ABCDEFGH", headers=EN)
    assert wrong.status_code == 422 and "not valid" in wrong.text
    await seeded.db.execute(update(HandoffCode).values(expires_at=utcnow() - timedelta(seconds=1)))
    await seeded.commit()
    expired = await client.get(f"/verify/{code}", headers=EN)
    assert expired.status_code == 422 and "not valid" in expired.text


async def test_codes_cannot_be_guessed(client: Client) -> None:
    """After ten wrong codes from one address, the next try waits, even with a right code."""
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    code = (await _handoff_code(client, member_url)).replace("-", "")
    for guess in range(10):
        wrong = await client.get(f"/verify/ABCD{guess + 2:04d}".replace("0", "A"), headers=EN)
        assert wrong.status_code == 422
    held = await client.get(f"/verify/{code}", headers=EN)
    assert held.status_code == 429 and "Too many wrong codes" in held.text


async def test_an_empty_code_is_asked_for_and_not_counted(client: Client) -> None:
    """Nothing typed is not a wrong guess: "Enter the code", and the right code still works
    after more empty tries than the wrong-code limit."""
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    code = (await _handoff_code(client, member_url)).replace("-", "")
    client.cookies.clear()
    typed = await client.get("/verify")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', typed.text).group(1)  # type: ignore[union-attr]
    for empty in ["", "   ", " - - ", "\u3000"] * 3:
        response = await client.post(
            "/verify", data={"_csrf_token": token, "code": empty}, headers=EN
        )
        assert response.status_code == 422
        assert '<a href="#code">Enter the code</a>' in response.text
        assert 'id="code-error"' in response.text and "not valid" not in response.text
    held = await client.get(f"/verify/{code}", headers=EN)
    assert held.status_code == 200, held.text


async def test_kept_selfies_are_purged_after_the_retention(
    client: Client, app: Litestar, seeded: UnitOfWork, settings, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """With a retention of days, the selfie stays after the decision until it is purged."""
    from datetime import timedelta
    from pathlib import Path

    import msgspec

    from app.adapters.clock import utcnow
    from app.adapters.document_store import DocumentStore
    from app.services.face import purge_selfies

    monkeypatch.setattr(
        app.state,
        "settings",
        msgspec.structs.replace(
            settings, policy=msgspec.structs.replace(settings.policy, selfie_retention_days=2)
        ),
    )
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    response = await _selfie(client, member_url, face("biden.jpg"))
    await _result(client, response.headers["location"])
    kept = msgspec.structs.replace(seeded.policy, selfie_retention_days=2)
    uow = UnitOfWork(db=seeded.db, cipher=seeded.cipher, policy=kept)
    store = DocumentStore(settings.upload_dir)
    files = len(list(Path(settings.upload_dir).iterdir()))
    assert await purge_selfies(uow, store, utcnow() + timedelta(days=1)) == 0
    assert await purge_selfies(uow, store, utcnow() + timedelta(days=3)) == 1
    assert len(list(Path(settings.upload_dir).iterdir())) == files - 1


async def test_a_code_is_shown_only_on_the_page_it_was_made_for(client: Client) -> None:
    mother_url = await _bind(client, MOTHER, "parent", proof=face("obama.jpg"))
    await _handoff_code(client, mother_url)
    elsewhere = f"/affinity/{uuid4()}/handoff"
    assert (await client.get(elsewhere)).status_code == 404  # not this holder's binding
    certification = await client.get("/my/certification/handoff", follow_redirects=False)
    assert certification.headers["location"] == "/my/certification"
    again = await client.get(f"{mother_url}/handoff", headers=EN)
    assert 'class="code">' in again.text  # still there for the page it was made for

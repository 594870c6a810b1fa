"""Single use is single use: a hand-off code and a QR credential, each presented by twenty
requests at once, are spent by exactly one (a conditional update, or a unique insert, checked
in the database), and twenty replacements of one document leave one file; on SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.serialization import encode_json
from sqlalchemy import func, select

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import AffinityDraft, AuditEvent, FaceCheck, HandoffCode, SpentCredential
from app.db.repositories import Bindings, Drafts, SpentCredentials
from app.domain import credential
from app.domain.identity import parse_id_number
from app.main import create_app
from tests.at_once import NewClient, Overlap, clients
from tests.integration.test_affinity_wizard import MOTHER, _details, _through_notice, face
from tests.integration.test_face_recognition import _bind, _handoff_code

HOLDER = "110105198503140224"
TOKEN = re.compile(r'name="_csrf_token" value="([^"]+)"')


@pytest.fixture
async def roomy(migrated: Settings, seeded: Any) -> AsyncIterator[NewClient]:
    """The app with limits wide enough for twenty at once from one address: what is tested
    here is the single use, not the guessing limit (test_limits_at_once.py)."""
    policy = msgspec.structs.replace(migrated.policy, signin_free_failures=100)
    async for new in clients(create_app(msgspec.structs.replace(migrated, policy=policy))):
        yield new


async def _token(client: httpx.AsyncClient, path: str) -> str:
    match = TOKEN.search((await client.get(path)).text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


async def _count(seeded: Any, model: Any) -> int:
    await seeded.commit()
    return int(await seeded.db.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_handoff_code_is_spent_once_by_twenty_at_once(
    roomy: NewClient,
    seeded: Any,
    settings: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    holder = roomy()
    member_url = await _bind(holder, MOTHER, "parent", proof=face("obama.jpg"))  # type: ignore[arg-type]
    code = (await _handoff_code(holder, member_url)).replace("-", "")  # type: ignore[arg-type]
    phones = [roomy() for _ in range(20)]  # twenty phones, no cookies of the holder's
    tokens = [await _token(phone, "/verify") for phone in phones]

    async def redeem(phone: httpx.AsyncClient, token: str) -> tuple[int, str]:
        answer = await phone.post(
            f"/verify/{code}",
            data={"_csrf_token": token, "consent": "yes"},
            files={"selfie": ("me.jpg", face("obama2.jpg"), "image/jpeg")},
        )
        return answer.status_code, answer.headers.get("location", "")

    # The first to claim the binding spends the code; the others, waiting behind it, are sent
    # to the check it started, or told the code is spent if they read it after.
    overlap.wrap(monkeypatch, Bindings, "claim", meet=1.0)
    answers = await asyncio.gather(*(redeem(p, t) for p, t in zip(phones, tokens, strict=True)))
    assert overlap.most > 1, "the requests did not overlap"
    assert set(Counter(status for status, _ in answers)) <= {303, 422}
    assert len({place for status, place in answers if status == 303}) == 1
    assert await _count(seeded, FaceCheck) == 1
    used = await seeded.db.scalars(select(HandoffCode.used_at))
    assert [at is not None for at in used] == [True]
    # The refused requests' selfies were not kept: besides the proof, only the one check's
    # file is on disk, or none once the matcher has decided and deleted it.
    kept = [p.name for p in Path(settings.upload_dir).iterdir()]
    selfie = await seeded.db.scalar(select(FaceCheck.selfie_file))
    assert len([name for name in kept if name != selfie]) == 1, kept  # the proof alone


async def _staff_session(app: Litestar, seeded: Any, client: httpx.AsyncClient) -> None:
    """A staff session as after password and passkey (the passkey ceremony is in e2e/)."""
    staff = await seeded.staff.by_number("BJ0001")
    session_id, now = secrets.token_hex(16), utcnow().timestamp()
    data = {"staff_id": str(staff.id), "auth_at": now, "seen_at": now}
    await app.stores.get("sessions").set(session_id, encode_json(data), expires_in=3600)
    client.cookies.set("session", session_id)


async def test_a_qr_credential_is_accepted_once_by_twenty_counters_at_once(
    app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = await seeded.people.by_id_number(parse_id_number(HOLDER))
    code, _claims = credential.issue(
        person.id, now=utcnow(), valid_seconds=60, mac=seeded.cipher.credential_mac
    )
    async for new in clients(app):
        counters = [new() for _ in range(20)]
        tokens = []
        for counter in counters:
            await _staff_session(app, seeded, counter)
            tokens.append(await _token(counter, "/counter"))

        async def present(counter: httpx.AsyncClient, token: str) -> str:
            form = {"_csrf_token": token, "code": code}
            answer = await counter.post("/counter", data=form, headers={"Accept-Language": "en"})
            assert answer.status_code in (200, 422)
            return "accepted" if answer.status_code == 200 else "refused"

        overlap.wrap(monkeypatch, SpentCredentials, "spend", meet=1.0)
        answers = await asyncio.gather(
            *(present(c, t) for c, t in zip(counters, tokens, strict=True))
        )
    assert overlap.most > 1, "the requests did not overlap"
    assert Counter(answers) == {"accepted": 1, "refused": 19}
    assert await _count(seeded, SpentCredential) == 1
    accepted = await seeded.db.scalars(select(AuditEvent).where(AuditEvent.action == "qr.accepted"))
    assert len(list(accepted)) == 1


async def test_twenty_replacements_of_a_document_at_once_leave_no_orphan_file(
    at_once_on_the_database: NewClient,
    seeded: Any,
    settings: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = at_once_on_the_database()
    await _through_notice(client)  # type: ignore[arg-type]
    await _details(client, *MOTHER, "parent")  # type: ignore[arg-type]
    token = await _token(client, "/account")
    photos = [face(name) for name in ("obama.jpg", "obama2.jpg", "biden.jpg", "obama3.jpg")]

    async def upload(n: int) -> int:
        answer = await client.post(
            "/affinity/add/documents",
            data={"_csrf_token": token},
            files={"proof": ("proof.jpg", photos[n % len(photos)], "image/jpeg")},
        )
        return answer.status_code

    overlap.wrap(monkeypatch, Drafts, "swap_document", meet=1.0)
    answers = await asyncio.gather(*(upload(n) for n in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert set(answers) == {303}
    await seeded.commit()
    kept = await seeded.db.scalar(select(AffinityDraft.proof_file))
    assert [p.name for p in Path(settings.upload_dir).iterdir()] == [kept]

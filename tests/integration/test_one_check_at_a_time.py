"""Face checks, one at a time per binding, and failures that stay with the holder-member pair
(issue: a burst of selfies must not outrun the failure count; cancelling must not reset it)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

import pytest
from litestar import Litestar
from sqlalchemy import func, select

from app.db.models import AffinityBinding, FaceCheck
from app.db.repositories import Bindings
from tests.at_once import NewClient, Overlap
from tests.conftest import csrf_token
from tests.integration.test_affinity_wizard import EN, MOTHER, _post, face
from tests.integration.test_face_recognition import _bind, _result, _selfie


async def _pending_checks(seeded: Any, binding_id: UUID) -> int:
    await seeded.commit()  # a fresh look
    query = select(func.count()).select_from(FaceCheck)
    return int(
        await seeded.db.scalar(
            query.where(FaceCheck.binding_id == binding_id, FaceCheck.state == "pending")
        )
        or 0
    )


async def test_twenty_selfies_at_once_start_one_check(
    at_once_on_the_database: NewClient,
    app: Litestar,
    seeded: Any,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = at_once_on_the_database()
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))  # type: ignore[arg-type]
    binding_id = UUID(member_url.rsplit("/", 1)[1])

    async def held(check_id: UUID) -> None:  # the matcher is held back: every check stays pending
        return None

    monkeypatch.setattr(app.state.jobs, "enqueue", held)
    token = await csrf_token(client, "/account")  # type: ignore[arg-type]
    overlap.wrap(monkeypatch, Bindings, "claim")  # the others wait there for the first

    async def send() -> str:
        answer = await client.post(
            f"{member_url}/face",
            data={"_csrf_token": token, "consent": "yes"},
            files={"selfie": ("selfie.jpg", face("obama2.jpg"), "image/jpeg")},
        )
        assert answer.status_code == 303, answer.text[:500]
        return answer.headers["location"]

    places = await asyncio.gather(*(send() for _ in range(20)))
    assert overlap.most > 1, "the requests did not overlap"
    assert len(set(places)) == 1 and "/face/" in places[0]  # all sent to the one running check
    assert await _pending_checks(seeded, binding_id) == 1
    page = await client.get(places[0], headers=EN)
    assert "wait for this result before sending another" in page.text


async def test_failures_stay_with_the_pair_when_the_member_is_added_again(
    client: Any, seeded: Any
) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    failed = await _selfie(client, member_url, face("biden.jpg"))  # not the mother
    assert "4 more times" in await _result(client, failed.headers["location"])
    await _post(client, f"{member_url}/cancel", {})

    again_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    assert again_url != member_url
    await seeded.commit()
    again = await seeded.db.get(AffinityBinding, UUID(again_url.rsplit("/", 1)[1]))
    assert again is not None and again.face_failures_total == 1  # carried over, not reset
    failed_again = await _selfie(client, again_url, face("biden.jpg"))
    assert "3 more times" in await _result(client, failed_again.headers["location"])

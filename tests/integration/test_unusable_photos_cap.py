"""Photos that cannot serve (here: two faces) count towards a cap of their own: after
POLICY_FACE_UNUSABLE_BEFORE_WAIT of them in a row, the binding waits like after failures."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.test_affinity_wizard import EN, MOTHER, face
from tests.integration.test_face_recognition import _bind, _result, _selfie


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"POLICY_FACE_UNUSABLE_BEFORE_WAIT": "2"}


async def test_unusable_photos_in_a_row_impose_the_wait(client: Any, seeded: Any) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    for _ in range(2):
        sent = await _selfie(client, member_url, face("two_people.jpg"))
        assert "more than one face" in await _result(client, sent.headers["location"])
    page = await client.get(member_url, headers=EN)
    assert "Try again after" in page.text
    refused = await _selfie(client, member_url, face("obama2.jpg"))  # even the right face
    assert refused.status_code == 422 and "Try again after" in refused.text


async def test_a_photo_that_could_be_compared_ends_the_row(client: Any, seeded: Any) -> None:
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    sent = await _selfie(client, member_url, face("two_people.jpg"))
    assert "more than one face" in await _result(client, sent.headers["location"])
    sent = await _selfie(client, member_url, face("biden.jpg"))  # compared: a failure
    assert "does not match" in await _result(client, sent.headers["location"])
    sent = await _selfie(client, member_url, face("two_people.jpg"))
    assert "more than one face" in await _result(client, sent.headers["location"])
    assert "Try again after" not in (await client.get(member_url, headers=EN)).text

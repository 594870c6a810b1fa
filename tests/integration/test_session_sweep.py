"""The server's tidying timer also forgets expired session files in the embedded set-up
(Redis forgets them by itself): a session nobody reads again does not stay on disk."""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient


@pytest.fixture
def extra_env() -> dict[str, str]:
    return {"POLICY_MAINTENANCE_INTERVAL_SECONDS": "1"}


async def test_expired_session_files_are_swept_by_the_timer(app: Litestar, seeded: Any) -> None:
    store = app.stores.get("sessions")
    directory = getattr(store, "directory", None)
    assert directory is not None, "the embedded set-up keeps sessions in files"
    await store.set("kept", b"{}", expires_in=3600)
    await store.set("gone", b"{}", expires_in=1)
    assert len(os.listdir(directory)) == 2
    async with AsyncTestClient(app=app, base_url="http://localhost"):  # the server runs
        for _ in range(40):
            if len(os.listdir(directory)) == 1:
                break
            await asyncio.sleep(0.1)
    assert len(os.listdir(directory)) == 1
    assert await store.exists("kept") and not await store.exists("gone")

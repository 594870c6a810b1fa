"""Fixtures shared by the integration tests: the tests that send requests at once
(tests/at_once.py), and a client signed in as the demo holder."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from tests.at_once import (  # noqa: F401
    at_once,
    at_once_on_the_database,
    clients,
    limited_app,
    overlap,
)
from tests.conftest import sign_in


@pytest.fixture
async def holder(app: Litestar, seeded: Any) -> AsyncIterator[httpx.AsyncClient]:
    """王芳, signed in with her password, on the test's app."""
    async for new in clients(app):
        client = new()
        await sign_in(client)  # type: ignore[arg-type]
        yield client

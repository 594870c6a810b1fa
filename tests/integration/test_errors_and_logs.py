"""Errors and logs: no 500 from a busy SQLite, a request id on every response and in the log
of every 500, hand-off codes kept out of access logs, bad JSON answered 400, no session for an
anonymous passkey request, and audit events that say where a request came from."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.config import Settings
from app.db.models import AuditEvent
from app.main import create_app
from app.routes import auth as auth_routes
from app.routes.request_log import install_log_filters
from tests.at_once import NewClient, clients
from tests.conftest import csrf_token

HOLDER = "110105198503140224"
Client = AsyncTestClient[Litestar]


@pytest.fixture
async def roomy(migrated: Settings, seeded: Any) -> AsyncIterator[NewClient]:
    """Limits wide enough for fifty sign-ins at once from one address."""
    policy = msgspec.structs.replace(migrated.policy, signin_free_failures=1000)
    async for new in clients(create_app(msgspec.structs.replace(migrated, policy=policy))):
        yield new


async def test_fifty_sign_ins_at_once_give_no_server_error(roomy: NewClient) -> None:
    browsers = [roomy() for _ in range(50)]
    tokens = [await csrf_token(b) for b in browsers]  # type: ignore[arg-type]

    async def sign_in(n: int) -> int:
        form = {"_csrf_token": tokens[n], "id_number": HOLDER, "password": "family-demo-2025"}
        return (await browsers[n].post("/login", data=form)).status_code

    answers = await asyncio.gather(*(sign_in(n) for n in range(50)))
    assert Counter(answers) == {303: 50}


async def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app: Litestar) -> None:
    engine = app.state.database.get_engine()
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    try:
        async with engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() >= 5000
    finally:
        await engine.dispose()


async def test_every_response_has_a_request_id(client: Client) -> None:
    first = await client.get("/login")
    second = await client.get("/healthz")
    assert len(first.headers["x-request-id"]) >= 8
    assert first.headers["x-request-id"] != second.headers["x-request-id"]
    given = await client.get("/healthz", headers={"X-Request-ID": "proxy-id-1234"})
    assert given.headers["x-request-id"] == "proxy-id-1234"  # a proxy's id is kept
    odd = await client.get("/healthz", headers={"X-Request-ID": "bad id!"})
    assert odd.headers["x-request-id"] != "bad id!"


async def test_a_500_is_logged_with_its_traceback_and_request_id(
    migrated: Settings,
    seeded: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(auth_routes, "sign_in_with_password", broken)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    errors = logging.getLogger("app.errors")
    async with AsyncTestClient(app=create_app(migrated)) as client:
        token = await csrf_token(client)
        form = {"_csrf_token": token, "id_number": HOLDER, "password": "family-demo-2025"}
        errors.addHandler(handler)  # the app's logging set-up replaces the root's handlers
        try:
            answer = await client.post("/login", data=form, headers={"Accept-Language": "en"})
        finally:
            errors.removeHandler(handler)
    assert answer.status_code == 500
    rid = answer.headers["x-request-id"]
    assert f"give this reference: {rid}" in answer.text
    [record] = records
    assert record.request_id == rid and rid in record.getMessage()  # type: ignore[attr-defined]
    assert record.exc_info and "the database went away" in str(record.exc_info[1])
    assert HOLDER not in record.getMessage()


def test_handoff_codes_are_kept_out_of_access_logs(caplog: pytest.LogCaptureFixture) -> None:
    install_log_filters()
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        access.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", "/verify/ABCD2345", "1.1", 200)
        access.info(
            '%s - "%s %s HTTP/%s" %d', "1.2.3.4", "POST", "/verify/abcd2345?x=1", "1.1", 303
        )
        logging.getLogger("granian.access").info('1.2.3.4 - "GET /verify/WXYZ7654 HTTP/1.1" 200')
        access.info('%s - "%s %s HTTP/%s" %d', "1.2.3.4", "GET", "/verify/status/1f0e", "1.1", 200)
    logged = [r.getMessage() for r in caplog.records]
    assert not any(code in line for line in logged for code in ("ABCD2345", "abcd2345", "WXYZ7654"))
    assert logged[0] == '1.2.3.4 - "GET /verify/[code] HTTP/1.1" 200'
    assert "/verify/status/1f0e" in logged[3]  # a check's status page names no secret


async def test_audit_events_carry_the_source_address_and_user_agent(
    client: Client, seeded: Any
) -> None:
    token = await csrf_token(client)
    form = {"_csrf_token": token, "id_number": HOLDER, "password": "family-demo-2025"}
    await client.post("/login", data=form, headers={"User-Agent": "TestPhone/1.0 (Android 14)"})
    await seeded.commit()
    event = await seeded.db.scalar(select(AuditEvent).where(AuditEvent.action == "signin.password"))
    assert event.user_agent == "TestPhone/1.0 (Android 14)"
    assert event.source_address == "testclient"  # the test client's address

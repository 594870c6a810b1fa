"""Face checks run as durable jobs: a restart resumes pending checks; a job that keeps failing
is retried a bounded number of times, then given up with a message; with Redis, SAQ runs them,
in the web process or in a worker of its own."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from pathlib import Path
from uuid import UUID

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.portraits import FilePortraits
from app.config import Settings
from app.main import create_app
from app.services import face as face_service
from app.services.context import UnitOfWork
from app.worker import worker_jobs
from tests.conftest import make_settings, sign_in
from tests.integration.test_affinity_wizard import EN, MOTHER, face
from tests.integration.test_face_recognition import _bind, _result

Client = AsyncTestClient[Litestar]
REDIS_URL = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")


async def _pending_check(client: Client, seeded: UnitOfWork, settings: Settings) -> str:
    """A binding awaiting its face, and a check recorded but given to no queue (as if the
    server had stopped right after accepting the selfie). Returns the status page's URL."""
    member_url = await _bind(client, MOTHER, "parent", proof=face("biden.jpg"))
    binding = await seeded.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding is not None
    await seeded.db.refresh(binding)
    store, portraits = DocumentStore(settings.upload_dir), FilePortraits(settings.portrait_dir)
    check = await face_service.start_check(
        seeded, store, portraits, binding, face("obama2.jpg"), utcnow()
    )
    await seeded.commit()  # as the request's unit of work would
    return f"{member_url}/face/{check.id}"


async def _state(seeded: UnitOfWork, status_url: str) -> tuple[str, int]:
    check = await seeded.face_checks.get(UUID(status_url.rsplit("/", 1)[1]))
    assert check is not None
    await seeded.db.refresh(check)
    return check.state, check.attempts


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def _restarted(settings: Settings, client: Client, status_url: str) -> str:
    """A new server process on the same database and session store, and the status page."""
    async with AsyncTestClient(app=create_app(settings), base_url="http://localhost") as again:
        again.cookies = client.cookies
        return await _result(again, status_url)


async def test_a_restart_resumes_pending_checks(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    status_url = await _pending_check(client, seeded, migrated)
    await asyncio.sleep(0.5)
    assert await _state(seeded, status_url) == ("pending", 0)  # nobody is running it
    assert "matches" in await _restarted(migrated, client, status_url)
    assert await _state(seeded, status_url) == ("matched", 1)


async def test_a_job_that_keeps_failing_is_given_up_with_a_message(
    client: Client,
    seeded: UnitOfWork,
    migrated: Settings,
    tmp_path: Path,
) -> None:
    status_url = await _pending_check(client, seeded, migrated)
    check = await seeded.face_checks.get(UUID(status_url.rsplit("/", 1)[1]))
    assert check is not None and check.selfie_file
    (Path(migrated.upload_dir) / check.selfie_file).unlink()  # the store lost the selfie
    quick = make_settings(
        migrated.database_url,
        Path(migrated.state_dir),
        POLICY_FACE_CHECK_RETRY_SECONDS="0.05",
    )
    logged = _Records()
    logging.getLogger("essc.face").addHandler(logged)  # the app's logging set-up replaces root's
    try:
        page = await _restarted(quick, client, status_url)
    finally:
        logging.getLogger("essc.face").removeHandler(logged)
    assert "could not be checked because of a fault on our side" in page
    assert 'href="/affinity/' in page and "Try again" in page
    assert await _state(seeded, status_url) == ("error", quick.policy.face_check_max_runs)
    assert any("failed on its last run" in r.getMessage() and r.exc_info for r in logged.records)
    binding_url = status_url.rsplit("/face/", 1)[0]
    member = await client.get(binding_url, headers=EN)
    assert "Awaiting face recognition" in member.text  # nothing counted against the member


@needs_redis
async def test_with_redis_saq_runs_the_checks_and_resumes_them(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    assert REDIS_URL
    status_url = await _pending_check(client, seeded, migrated)
    on_redis = make_settings(
        migrated.database_url,
        Path(migrated.state_dir),
        REDIS_URL=REDIS_URL,
        JOBS_QUEUE=f"test-{uuid.uuid4()}",
    )
    async with AsyncTestClient(app=create_app(on_redis), base_url="http://localhost") as web:
        await sign_in(web)
        assert "matches" in await _result(web, status_url)
    assert await _state(seeded, status_url) == ("matched", 1)


@needs_redis
async def test_with_redis_a_worker_process_of_its_own_does_the_matching(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    assert REDIS_URL
    env = {"REDIS_URL": REDIS_URL, "JOBS_QUEUE": f"test-{uuid.uuid4()}"}
    web_only = make_settings(
        migrated.database_url, Path(migrated.state_dir), JOBS_IN_PROCESS="false", **env
    )
    async with AsyncTestClient(app=create_app(web_only), base_url="http://localhost") as web:
        await sign_in(web)
        status_url = await _pending_check(web, seeded, migrated)
        await asyncio.sleep(1)
        assert await _state(seeded, status_url) == ("pending", 0)  # the web process only queues
        worker_settings = make_settings(migrated.database_url, Path(migrated.state_dir), **env)
        async with worker_jobs(worker_settings) as jobs:  # as `python -m app.worker` runs it
            worker = asyncio.create_task(jobs.run_worker())
            try:
                assert "matches" in await _result(web, status_url)
            finally:
                await jobs.stop()
                worker.cancel()

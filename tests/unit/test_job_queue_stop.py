"""Stopping the in-process queue lets a job in progress finish (a database driver's thread
ending a query after the database closed would fail) and stops idle workers at once."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

from app.adapters.job_queue import InProcessJobs


async def test_a_job_in_progress_finishes_before_stop_returns() -> None:
    started, finished = asyncio.Event(), []

    async def run(check_id: UUID) -> None:
        started.set()
        await asyncio.sleep(0.2)
        finished.append(check_id)

    jobs = InProcessJobs(run, concurrency=2, retries=0, retry_delay=0.1)
    await jobs.start()
    check_id = uuid4()
    await jobs.enqueue(check_id)
    await started.wait()
    await jobs.stop()
    assert finished == [check_id]


async def test_idle_workers_stop_at_once() -> None:
    async def run(check_id: UUID) -> None:
        raise AssertionError("no job was enqueued")

    jobs = InProcessJobs(run, concurrency=3, retries=0, retry_delay=0.1)
    await jobs.start()
    await asyncio.wait_for(jobs.stop(), timeout=1)

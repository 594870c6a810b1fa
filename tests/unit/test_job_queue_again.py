"""The in-process queue: a job may ask to run again after a delay (it does not count as a
retry), and a job already waiting, running or due again is not queued twice."""

from __future__ import annotations

import asyncio
import time
from itertools import pairwise
from uuid import UUID, uuid4

from app.adapters.job_queue import InProcessJobs


async def test_a_job_that_asks_to_run_again_does_so_after_its_delay() -> None:
    runs: list[float] = []
    done = asyncio.Event()

    async def run(check_id: UUID) -> float | None:
        runs.append(time.monotonic())
        if len(runs) < 4:
            return 0.1
        done.set()
        return None

    jobs = InProcessJobs(run, concurrency=1, retries=0, retry_delay=5)
    await jobs.start()
    await jobs.enqueue(uuid4())
    await asyncio.wait_for(done.wait(), timeout=5)
    await jobs.stop()
    assert len(runs) == 4  # retries=0: asking again is not a retry
    assert all(later - earlier >= 0.09 for earlier, later in pairwise(runs))


async def test_a_job_is_queued_once_until_it_is_done() -> None:
    runs: list[UUID] = []
    release = asyncio.Event()

    async def run(check_id: UUID) -> float | None:
        runs.append(check_id)
        await release.wait()
        return None

    jobs = InProcessJobs(run, concurrency=2, retries=0, retry_delay=5)
    await jobs.start()
    first = uuid4()
    for _ in range(3):
        await jobs.enqueue(first)  # waiting, then running: no-ops
        await asyncio.sleep(0.02)
    release.set()
    await asyncio.sleep(0.05)
    await jobs.enqueue(first)  # done: queued again
    await asyncio.sleep(0.05)
    await jobs.stop()
    assert runs == [first, first]


async def test_a_job_that_raises_is_retried_a_bounded_number_of_times() -> None:
    runs: list[UUID] = []

    async def run(check_id: UUID) -> float | None:
        runs.append(check_id)
        raise RuntimeError("the database is away")

    jobs = InProcessJobs(run, concurrency=1, retries=2, retry_delay=0.01)
    await jobs.start()
    await jobs.enqueue(uuid4())
    await asyncio.sleep(0.3)
    await jobs.stop()
    assert len(runs) == 3

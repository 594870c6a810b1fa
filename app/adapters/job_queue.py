"""Durable background jobs (face matching) behind one small interface.

- Embedded default: an in-process queue. It keeps nothing itself: the database does (a pending
  face check is its job), and each start enqueues what is still pending, so a restart resumes.
- With REDIS_URL: SAQ on Redis. Jobs survive the web process, and matcher workers can run as
  processes of their own, on other machines (`python -m app.worker`).

One job is queued per pending face check, and a job runs whichever check's turn comes first
(the database keeps the turns, fair between holders: see services.face.run_next). A job may
ask to run again after a delay (a failed run's back-off, or a lease held elsewhere). A job
that raises is retried after a growing delay, a bounded number of times. A job is stopped
after JOB_TIME_LIMIT_SECONDS, so a run never outlasts the lease on its check.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from uuid import UUID

from saq import Queue, Status, Worker

log = logging.getLogger("essc.jobs")
# A job, named by the check it was queued for; returns None when done, or seconds after which
# it runs again.
Job = Callable[[UUID], Awaitable[float | None]]
FACE_CHECK = "face_check"
STOP_GRACE_SECONDS = 10.0
JOB_TIME_LIMIT_SECONDS = 120


class JobQueue(Protocol):
    async def start(self) -> None: ...

    async def enqueue(self, check_id: UUID) -> None: ...

    async def stop(self) -> None: ...


class InProcessJobs:
    def __init__(self, run: Job, *, concurrency: int, retries: int, retry_delay: float) -> None:
        self._run = run
        self._concurrency = concurrency
        self._retries = retries
        self._retry_delay = retry_delay
        self._queue: asyncio.Queue[tuple[UUID, int]] = asyncio.Queue()
        # Jobs waiting, running or due again: a second enqueue of one is a no-op, as on SAQ.
        self._jobs: set[UUID] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._busy: set[asyncio.Task[Any]] = set()
        self._stopping = False

    async def start(self) -> None:
        # Afresh at each start: a queue belongs to the event loop that first waited on it, and
        # what was queued before a stop is still pending in the database (resume gives it back).
        self._queue = asyncio.Queue()
        self._jobs.clear()
        self._stopping = False
        for _ in range(self._concurrency):
            self._spawn(self._work())

    async def enqueue(self, check_id: UUID) -> None:
        if check_id not in self._jobs:
            self._jobs.add(check_id)
            self._queue.put_nowait((check_id, 0))

    async def stop(self) -> None:
        """Idle workers stop at once; a job in progress may finish (a driver's thread ending
        a query after the database closed would fail), up to STOP_GRACE_SECONDS. A job cut
        short is still pending in the database and runs again at the next start."""
        self._stopping = True
        for task in self._tasks - self._busy:
            task.cancel()
        if self._busy:
            await asyncio.wait(set(self._busy), timeout=STOP_GRACE_SECONDS)
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _work(self) -> None:
        me = asyncio.current_task()
        assert me is not None
        while not self._stopping:
            check_id, retried = await self._queue.get()
            self._busy.add(me)
            try:
                again = await self._one(check_id, retried)
            finally:
                self._busy.discard(me)
                self._queue.task_done()
            if again is None:
                self._jobs.discard(check_id)
            else:
                self._spawn(self._later(check_id, retried + again[1], again[0]))

    async def _one(self, check_id: UUID, retried: int) -> tuple[float, int] | None:
        """Run a job; None when it is done, or when to run it again and whether as a retry."""
        try:
            after = await asyncio.wait_for(self._run(check_id), JOB_TIME_LIMIT_SECONDS)
        except Exception:
            log.exception("job %s for %s failed (retry %d)", FACE_CHECK, check_id, retried)
            if retried < self._retries:
                return self._retry_delay * 2**retried, 1
            return None
        return None if after is None else (after, 0)

    async def _later(self, check_id: UUID, retried: int, delay: float) -> None:
        await asyncio.sleep(delay)
        self._queue.put_nowait((check_id, retried))


class SaqJobs:
    """Jobs on Redis through SAQ; `work` also runs a worker in this process."""

    def __init__(
        self,
        redis_url: str,
        run: Job | None,
        *,
        concurrency: int,
        retries: int,
        retry_delay: float,
        name: str = "essc-face-checks",
    ) -> None:
        self.queue = Queue.from_url(redis_url, name=name)
        self._retries = retries
        self._retry_delay = retry_delay
        self._worker: Worker[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._run = run
        self._concurrency = concurrency

    def _make_worker(self, kind: type[Worker[Any]]) -> Worker[Any]:
        assert self._run is not None
        self._worker = kind(
            self.queue,
            functions=[_saq_function(self._run)],
            concurrency=self._concurrency,
            after_process=self._again,
        )
        return self._worker

    async def _again(self, ctx: dict[str, Any]) -> None:
        """A job that asked to run again is queued again, under its name, once it is done."""
        job = ctx.get("job")
        if job is not None and job.status == Status.COMPLETE and job.result is not None:
            at = math.ceil(time.time() + float(job.result))
            await self._enqueue(UUID(job.kwargs["check_id"]), scheduled=at)

    async def start(self) -> None:
        """In a web process: the server owns the signals, and stops the worker at shutdown."""
        await self.queue.connect()
        if self._run is not None:
            self._task = asyncio.create_task(self._make_worker(_InServerWorker).start())

    async def enqueue(self, check_id: UUID) -> None:
        await self._enqueue(check_id, scheduled=0)

    async def _enqueue(self, check_id: UUID, *, scheduled: int) -> None:
        # The key makes a second enqueue of a job already waiting or running a no-op.
        await self.queue.enqueue(
            FACE_CHECK,
            check_id=str(check_id),
            key=f"{FACE_CHECK}:{check_id}",
            scheduled=scheduled,
            retries=self._retries + 1,  # SAQ counts the first run as a try
            retry_delay=self._retry_delay,
            retry_backoff=True,
            timeout=JOB_TIME_LIMIT_SECONDS,
        )

    async def stop(self) -> None:
        if self._worker is not None:
            await self._worker.stop()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.queue.disconnect()

    async def run_worker(self) -> None:
        """A worker process of its own: runs until SIGINT or SIGTERM."""
        await self.queue.connect()
        await self._make_worker(Worker).start()


class _InServerWorker(Worker[Any]):
    SIGNALS = []


def _saq_function(run: Job) -> Callable[..., Awaitable[float | None]]:
    async def face_check(ctx: dict[str, Any], *, check_id: str) -> float | None:
        return await run(UUID(check_id))

    face_check.__name__ = face_check.__qualname__ = FACE_CHECK  # SAQ finds jobs by qualname
    return face_check

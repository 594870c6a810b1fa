"""Wiring of the background jobs: which queue (in-process, or SAQ on Redis) runs face matching."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.job_queue import JOB_TIME_LIMIT_SECONDS, InProcessJobs, Job, JobQueue, SaqJobs
from app.adapters.portraits import PortraitSource
from app.config import Settings
from app.services import face as face_service
from app.services.context import UnitOfWork

# A lease outlasts the longest run the queues allow, so a run is never still going when
# another worker may claim its check.
LEASE = timedelta(seconds=JOB_TIME_LIMIT_SECONDS + 30)


def face_job(
    settings: Settings,
    new_uow: Callable[[], UnitOfWork],
    store: DocumentStore,
    portraits: PortraitSource,
    matcher: FaceMatcher,
) -> Job:
    """What a queued job does: run the pending check whose turn comes first between holders
    (the id it was queued with only names the job, see services.face.run_next)."""
    policy = settings.policy
    runs = face_service.Runs(
        most=policy.face_check_max_runs,
        lease=LEASE,
        retry_seconds=policy.face_check_retry_seconds,
    )

    async def run(_queued_for: UUID) -> float | None:
        return await face_service.run_next(new_uow, store, portraits, matcher, runs)

    return run


def face_jobs(
    settings: Settings,
    new_uow: Callable[[], UnitOfWork],
    store: DocumentStore,
    portraits: PortraitSource,
    matcher: FaceMatcher,
    *,
    run_here: bool,
    concurrency: int | None = None,
) -> JobQueue:
    policy = settings.policy
    run = face_job(settings, new_uow, store, portraits, matcher)
    concurrency = concurrency or max(policy.face_workers, 1) * 2
    retries = policy.face_check_max_runs  # for a job that raises (the database was away, say)
    if settings.redis_url:
        return SaqJobs(
            settings.redis_url,
            run if run_here else None,
            concurrency=concurrency,
            retries=retries,
            retry_delay=policy.face_check_retry_seconds,
            name=settings.jobs_queue,
        )
    return InProcessJobs(
        run,
        concurrency=concurrency,
        retries=retries,
        retry_delay=policy.face_check_retry_seconds,
    )


async def resume(jobs: JobQueue, new_uow: Callable[[], UnitOfWork]) -> int:
    """Enqueue a job for every check still pending (after a restart, or a queue that lost
    them): one job per check, so each gets its turn."""
    uow = new_uow()
    try:
        pending = await face_service.pending_checks(uow)
    finally:
        await uow.db.close()
    for check_id in pending:
        await jobs.enqueue(check_id)
    return len(pending)

"""Wiring of the background jobs: which queue (in-process, or SAQ on Redis) runs face matching."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.job_queue import InProcessJobs, JobQueue, SaqJobs
from app.adapters.portraits import PortraitSource
from app.config import Settings
from app.services import face as face_service
from app.services.context import UnitOfWork


def face_jobs(
    settings: Settings,
    new_uow: Callable[[], UnitOfWork],
    store: DocumentStore,
    portraits: PortraitSource,
    matcher: FaceMatcher,
    *,
    run_here: bool,
) -> JobQueue:
    policy = settings.policy

    async def run(check_id: UUID) -> None:
        await face_service.run_check(
            new_uow, store, portraits, matcher, check_id, max_runs=policy.face_check_max_runs
        )

    retries = policy.face_check_max_runs  # one more than needed: the last run gives up itself
    if settings.redis_url:
        return SaqJobs(
            settings.redis_url,
            run if run_here else None,
            concurrency=max(policy.face_workers, 1) * 2,
            retries=retries,
            retry_delay=policy.face_check_retry_seconds,
            name=settings.jobs_queue,
        )
    return InProcessJobs(
        run,
        concurrency=max(policy.face_workers, 1) * 2,
        retries=retries,
        retry_delay=policy.face_check_retry_seconds,
    )


async def resume(jobs: JobQueue, new_uow: Callable[[], UnitOfWork]) -> int:
    """Enqueue every check still pending (after a restart, or a queue that lost them)."""
    uow = new_uow()
    try:
        pending = await face_service.pending_checks(uow)
    finally:
        await uow.db.close()
    for check_id in pending:
        await jobs.enqueue(check_id)
    return len(pending)

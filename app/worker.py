"""`python -m app.worker`: a face-matching worker process of its own (needs REDIS_URL).

Web processes started with JOBS_IN_PROCESS=false only enqueue; workers like this one, on the
same machine or others sharing the database, Redis and the upload store, do the matching.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.job_queue import SaqJobs
from app.adapters.portraits import FilePortraits
from app.config import Settings, get_settings
from app.db import sqlite
from app.db.pii import PiiCipher
from app.jobs import face_jobs, resume
from app.services.context import UnitOfWork


@asynccontextmanager
async def worker_jobs(settings: Settings) -> AsyncIterator[SaqJobs]:
    """The queue with a worker, its own database engine and matcher processes."""
    assert settings.redis_url, "a worker of its own needs REDIS_URL"
    policy = settings.policy
    engine = create_async_engine(settings.database_url)
    sqlite.tune(engine)  # workers claim checks at once: WAL and a busy timeout on SQLite
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(settings.secret_key)

    def new_uow() -> UnitOfWork:
        return UnitOfWork(db=sessions(), cipher=cipher, policy=policy)

    matcher = FaceMatcher(
        workers=policy.face_workers,
        max_side=policy.face_max_side_pixels,
        min_face=policy.face_min_face_pixels,
    )
    store, portraits = DocumentStore(settings.upload_dir), FilePortraits(settings.portrait_dir)
    jobs = face_jobs(settings, new_uow, store, portraits, matcher, run_here=True)
    assert isinstance(jobs, SaqJobs)
    try:
        await jobs.queue.connect()
        await resume(jobs, new_uow)
        yield jobs
    finally:
        matcher.close()
        await engine.dispose()


async def main() -> int:
    settings = get_settings()
    if not settings.redis_url:
        print("app.worker needs REDIS_URL: without it the web process runs the jobs itself")
        return 2
    async with worker_jobs(settings) as jobs:
        await jobs.run_worker()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

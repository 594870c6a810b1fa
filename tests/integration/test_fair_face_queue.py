"""The matcher queue is fair between holders: one holder's burst of face checks does not hold
back another holder's check, on either queue (in-process, SAQ on Redis) and across processes;
workers racing to claim checks never run one twice; a crashed worker's lease runs out."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import cast
from uuid import UUID

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.job_queue import JobQueue
from app.adapters.portraits import FilePortraits
from app.config import Settings
from app.db import sqlite
from app.db.models import AffinityBinding, FaceCheck
from app.db.pii import PiiCipher
from app.db.repositories import FaceChecks
from app.domain.affinity import NOTICE_VERSION, BindingState
from app.domain.identity import parse_id_number
from app.jobs import LEASE, face_jobs, resume
from app.services import face as face_service
from app.services.context import UnitOfWork
from tests.at_once import Overlap
from tests.conftest import make_settings
from tests.integration.test_affinity_wizard import MOTHER, face

REDIS_URL = os.environ.get("TEST_REDIS_URL")
HOLDER_A = "110105198503140224"  # 王芳: a burst, one check after another
HOLDER_B = "110105198309210137"  # 张伟: one check, sent after the burst
FATHER = "110105195611200171"  # 王建国, the member of 张伟's check
QUEUES = [
    "in_process",
    pytest.param(
        "saq", marks=pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
    ),
]
NewUow = Callable[[], UnitOfWork]


class RecordingMatcher:
    """Stands in for the face matcher (a real match takes a second or more): it notes whose
    selfie each call was given, in the order of the calls, takes a little time, and matches."""

    def __init__(
        self, whose: dict[bytes, str], seconds: float = 0.05, gate: asyncio.Event | None = None
    ) -> None:
        self.whose = whose
        self.seconds = seconds
        self.gate = gate or asyncio.Event()  # matching waits for it, when one is given
        if gate is None:
            self.gate.set()
        self.calls: list[str] = []

    async def distance(self, selfie: bytes, reference: bytes) -> float:
        self.calls.append(self.whose.get(selfie, "?"))
        await self.gate.wait()
        await asyncio.sleep(self.seconds)
        return 0.1


@pytest.fixture
async def new_uow(migrated: Settings) -> AsyncIterator[NewUow]:
    """Units of work on an engine of their own, as a worker process has."""
    engine = create_async_engine(migrated.database_url)
    sqlite.tune(engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(migrated.secret_key)
    yield lambda: UnitOfWork(db=sessions(), cipher=cipher, policy=migrated.policy)
    await engine.dispose()


async def _binding(uow: UnitOfWork, holder: str, member: str) -> AffinityBinding:
    """A binding awaiting the member's face (test set-up: the wizard is not the point here)."""
    holder_person = await uow.people.by_id_number(parse_id_number(holder))
    member_person = await uow.people.by_id_number(parse_id_number(member))
    assert holder_person and member_person
    now = utcnow()
    binding = await uow.bindings.add(
        AffinityBinding(
            holder_person_id=holder_person.id,
            member_person_id=member_person.id,
            relation="parent",
            state=BindingState.AWAITING_FACE.value,
            notice_version=NOTICE_VERSION,
            notice_accepted_at=now,
            declaration_digest="set-up",
            proof_file="set-up",
            submitted_at=now,
        )
    )
    await uow.commit()
    await uow.db.refresh(binding)
    return binding


async def _checks(
    uow: UnitOfWork, settings: Settings, holder: str, member: str, photo: str, n: int
) -> list[UUID]:
    """n pending checks of a holder, each on a binding of its own, recorded one after another
    as the requests' units of work would (given to no queue yet)."""
    store, portraits = DocumentStore(settings.upload_dir), FilePortraits(settings.portrait_dir)
    made = []
    for _ in range(n):
        binding = await _binding(uow, holder, member)
        check = await face_service.start_check(
            uow, store, portraits, binding, face(photo), utcnow()
        )
        await uow.commit()
        made.append(check.id)
    return made


async def _selfies(
    uow: UnitOfWork, settings: Settings, checks: dict[str, list[UUID]]
) -> dict[bytes, str]:
    """Whose each stored selfie is: the matcher is given the stored bytes."""
    store = DocumentStore(settings.upload_dir)
    whose = {}
    for holder, ids in checks.items():
        for check_id in ids:
            check = await uow.face_checks.get(check_id)
            assert check and check.selfie_file
            whose[await store.read(check.selfie_file)] = holder
    return whose


def _queue(
    kind: str,
    settings: Settings,
    new_uow: NewUow,
    matcher: RecordingMatcher,
    *,
    concurrency: int,
    name: str | None = None,
) -> JobQueue:
    if kind == "saq":
        assert REDIS_URL
        settings = make_settings(
            settings.database_url,
            Path(settings.state_dir),
            REDIS_URL=REDIS_URL,
            JOBS_QUEUE=name or f"test-{uuid.uuid4()}",
        )
    return face_jobs(
        settings,
        new_uow,
        DocumentStore(settings.upload_dir),
        FilePortraits(settings.portrait_dir),
        cast(FaceMatcher, matcher),
        run_here=True,
        concurrency=concurrency,
    )


async def _states(uow: UnitOfWork, ids: list[UUID]) -> list[tuple[str, int]]:
    await uow.commit()  # a fresh look
    rows = await uow.db.execute(
        select(FaceCheck.state, FaceCheck.attempts).where(FaceCheck.id.in_(ids))
    )
    return [(state, attempts) for state, attempts in rows]


async def _all_decided(uow: UnitOfWork, ids: list[UUID], within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if all(state != "pending" for state, _ in await _states(uow, ids)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the checks were not all decided")


async def _run(
    queues: list[JobQueue], new_uow: NewUow, seeded: UnitOfWork, ids: list[UUID]
) -> None:
    """Start the queues (processes of their own), each given every pending check as at its
    start, and wait for all the checks to be decided."""
    for queue in queues:
        await queue.start()
    try:
        for queue in queues:
            await resume(queue, new_uow)
        await _all_decided(seeded, ids)
    finally:
        for queue in queues:
            await queue.stop()


@pytest.mark.parametrize("concurrency", [1, 2])
@pytest.mark.parametrize("kind", QUEUES)
async def test_one_holders_burst_does_not_hold_back_another_holders_check(
    kind: str, concurrency: int, migrated: Settings, seeded: UnitOfWork, new_uow: NewUow
) -> None:
    burst = await _checks(seeded, migrated, HOLDER_A, MOTHER[1], "obama2.jpg", 10)
    single = await _checks(seeded, migrated, HOLDER_B, FATHER, "biden.jpg", 1)
    matcher = RecordingMatcher(await _selfies(seeded, migrated, {"A": burst, "B": single}))
    queue = _queue(kind, migrated, new_uow, matcher, concurrency=concurrency)
    await _run([queue], new_uow, seeded, burst + single)
    assert sorted(matcher.calls) == ["A"] * 10 + ["B"]  # each check matched once
    assert matcher.calls.index("B") < 2, matcher.calls  # not after A's burst
    assert set(await _states(seeded, burst + single)) == {("matched", 1)}


@pytest.mark.parametrize("concurrency", [1, 2])
@pytest.mark.parametrize("kind", QUEUES)
async def test_a_check_sent_while_a_burst_is_matched_comes_next(
    kind: str, concurrency: int, migrated: Settings, seeded: UnitOfWork, new_uow: NewUow
) -> None:
    """As in use: each check is queued once its request is committed, while the queue runs
    (the matcher is held until B's check is sent, so the workers are busy with A's)."""
    matcher = RecordingMatcher({}, gate=asyncio.Event())
    queue = _queue(kind, migrated, new_uow, matcher, concurrency=concurrency)
    await queue.start()
    try:
        burst = await _send(queue, seeded, migrated, matcher, HOLDER_A, MOTHER[1], "A", 10)
        for _ in range(1500):  # until every worker is matching one of A's (30 s at most)
            if len(matcher.calls) >= concurrency:
                break
            await asyncio.sleep(0.02)
        single = await _send(queue, seeded, migrated, matcher, HOLDER_B, FATHER, "B", 1)
        matcher.gate.set()
        await _all_decided(seeded, burst + single)
    finally:
        await queue.stop()
    assert matcher.calls[:concurrency] == ["A"] * concurrency
    assert matcher.calls.index("B") < 2 * concurrency, matcher.calls  # next, or beside the next


async def _send(
    queue: JobQueue,
    uow: UnitOfWork,
    settings: Settings,
    matcher: RecordingMatcher,
    holder: str,
    member: str,
    label: str,
    n: int,
) -> list[UUID]:
    """n checks of a holder, each queued once recorded, as the request's commit does."""
    photo = "obama2.jpg" if label == "A" else "biden.jpg"
    ids = []
    for _ in range(n):
        [check_id] = await _checks(uow, settings, holder, member, photo, 1)
        matcher.whose.update(await _selfies(uow, settings, {label: [check_id]}))
        await queue.enqueue(check_id)
        ids.append(check_id)
    return ids


@pytest.mark.parametrize("kind", QUEUES)
async def test_turns_go_round_the_holders(
    kind: str, migrated: Settings, seeded: UnitOfWork, new_uow: NewUow
) -> None:
    """Each holder's oldest check before any holder's second, and so on."""
    a = await _checks(seeded, migrated, HOLDER_A, MOTHER[1], "obama2.jpg", 3)
    b = await _checks(seeded, migrated, HOLDER_B, FATHER, "biden.jpg", 2)
    matcher = RecordingMatcher(await _selfies(seeded, migrated, {"A": a, "B": b}))
    queue = _queue(kind, migrated, new_uow, matcher, concurrency=1)
    await _run([queue], new_uow, seeded, a + b)
    assert matcher.calls == ["A", "B", "A", "B", "A"]


@pytest.mark.parametrize("kind", QUEUES)
async def test_twenty_workers_in_two_processes_never_run_a_check_twice(
    kind: str, migrated: Settings, seeded: UnitOfWork, new_uow: NewUow
) -> None:
    a = await _checks(seeded, migrated, HOLDER_A, MOTHER[1], "obama2.jpg", 10)
    b = await _checks(seeded, migrated, HOLDER_B, FATHER, "biden.jpg", 5)
    matcher = RecordingMatcher(await _selfies(seeded, migrated, {"A": a, "B": b}), seconds=0.2)
    # Two processes of ten workers each; on SAQ two queues, so every check has two jobs.
    queues = [_queue(kind, migrated, new_uow, matcher, concurrency=10) for _ in range(2)]
    await _run(queues, new_uow, seeded, a + b)
    assert sorted(matcher.calls) == ["A"] * 10 + ["B"] * 5
    assert set(await _states(seeded, a + b)) == {("matched", 1)}


async def test_twenty_claims_at_once_take_each_check_once(
    migrated: Settings,
    seeded: UnitOfWork,
    new_uow: NewUow,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ids = await _checks(seeded, migrated, HOLDER_A, MOTHER[1], "obama2.jpg", 5)
    ids += await _checks(seeded, migrated, HOLDER_B, FATHER, "biden.jpg", 3)
    overlap.wrap(monkeypatch, FaceChecks, "claim_fairest", meet=0.5)

    async def claim() -> UUID | None:
        uow = new_uow()
        try:
            now = utcnow()
            claimed = await uow.face_checks.claim_fairest(now, now + LEASE)
            await uow.commit()
            return None if claimed is None else claimed[0]
        finally:
            await uow.db.close()

    claims = await asyncio.gather(*(claim() for _ in range(20)))
    assert overlap.most > 1, "the claims did not overlap"
    taken = [check_id for check_id in claims if check_id is not None]
    assert sorted(taken) == sorted(ids)  # each once, and the others found none free
    assert set(await _states(seeded, ids)) == {("pending", 1)}


@pytest.mark.parametrize("kind", QUEUES)
async def test_a_crashed_workers_lease_runs_out_and_the_check_runs_again(
    kind: str, migrated: Settings, seeded: UnitOfWork, new_uow: NewUow
) -> None:
    [check_id] = await _checks(seeded, migrated, HOLDER_B, FATHER, "biden.jpg", 1)
    # A worker claimed it, then its process died: one run counted, the lease still held.
    await seeded.db.execute(
        update(FaceCheck)
        .where(FaceCheck.id == check_id)
        .values(attempts=1, running_until=utcnow() + timedelta(seconds=1.5))
    )
    await seeded.commit()
    matcher = RecordingMatcher(await _selfies(seeded, migrated, {"B": [check_id]}))
    queue = _queue(kind, migrated, new_uow, matcher, concurrency=2)
    started = time.monotonic()
    await _run([queue], new_uow, seeded, [check_id])
    assert time.monotonic() - started >= 1.0  # not before the lease ran out
    assert matcher.calls == ["B"]
    assert await _states(seeded, [check_id]) == [("matched", 2)]

"""A holder's draft for a subject (transfer and conversion applications): twenty first visits
at once make one draft, which all twenty then use; an expired draft is started afresh
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.adapters.clock import utcnow
from app.config import Settings
from app.db.models import ConversionDraft, TransferDraft
from app.db.pii import PiiCipher
from app.db.repositories import SubjectDrafts
from app.domain.identity import parse_id_number
from app.main import db_config
from app.services import conversion_drafts, transfer_drafts
from app.services.context import UnitOfWork
from app.services.subject import Subject
from tests.at_once import Overlap
from tests.integration.test_pin import _holder_account

WANG_FANG = "110105198503140224"


async def _own(uow: UnitOfWork) -> Subject:
    person = await uow.people.by_id_number(parse_id_number(WANG_FANG))
    assert person
    view = await uow.views.person(person.id)
    assert view
    return Subject(person=view, holder=view, binding=None)


@pytest.mark.parametrize(
    ("current", "model"),
    [(transfer_drafts.current, TransferDraft), (conversion_drafts.current, ConversionDraft)],
    ids=["transfer", "conversion"],
)
async def test_twenty_first_visits_at_once_make_one_draft(
    seeded: UnitOfWork,
    migrated: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
    current: Callable[..., Awaitable[Any]],
    model: type[TransferDraft | ConversionDraft],
) -> None:
    account = await _holder_account(seeded, WANG_FANG)
    subject = await _own(seeded)
    engine = db_config(migrated).get_engine()  # the app's own: a pool of 20, SQLite in WAL
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(migrated.secret_key)
    start = asyncio.Event()
    overlap.wrap(monkeypatch, SubjectDrafts, "of", meet=1.0)  # every look before any insert

    async def one() -> object:
        async with sessions() as db:
            uow = UnitOfWork(db=db, cipher=cipher, policy=migrated.policy)
            await start.wait()
            draft = await current(uow, account, subject, utcnow())
            await uow.commit()
            return draft.id

    tasks = [asyncio.create_task(one()) for _ in range(20)]
    await asyncio.sleep(0.05)
    start.set()
    ids = await asyncio.gather(*tasks)
    await engine.dispose()
    assert overlap.most > 1, "the looks did not overlap: nothing was tested at once"
    assert len(set(ids)) == 1, ids
    await seeded.commit()  # a fresh look
    assert await seeded.db.scalar(select(func.count()).select_from(model)) == 1


async def test_an_expired_draft_is_started_afresh(seeded: UnitOfWork) -> None:
    account = await _holder_account(seeded, WANG_FANG)
    subject = await _own(seeded)
    now = utcnow()
    first = await transfer_drafts.current(seeded, account, subject, now)
    assert (await transfer_drafts.current(seeded, account, subject, now)).id == first.id
    later = now + timedelta(hours=seeded.policy.draft_expiry_hours, seconds=1)
    again = await transfer_drafts.current(seeded, account, subject, later)
    assert again.id != first.id
    assert await seeded.db.scalar(select(func.count()).select_from(TransferDraft)) == 1

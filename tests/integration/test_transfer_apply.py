"""Applying for a transfer, at the service (issue 13 point 2): the demo family's records give
each refusal its rule's reason; an application opens one transfer, a second of the same line is
refused, and so are nineteen of twenty sent at once (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from uuid import UUID

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AuditEvent, InsuranceTransfer
from app.db.pii import PiiCipher
from app.db.repositories import Transfers
from app.domain.identity import IdNumber, parse_id_number
from app.domain.transfer import TransferKind
from app.domain.transfer_steps import Refusal, TransferLine, TransferState
from app.main import db_config
from app.services import transfer_apply as service
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from app.services.subject import Subject
from tests.at_once import Overlap
from tests.integration.test_affinity_wizard import face

WANG_FANG = parse_id_number("110105198503140224")
ZHANG_WEI = parse_id_number("110105198309210137")
MOTHER = parse_id_number("110105195806070426")
GUANGZHOU, BEIJING = "440106", "110105"
PENSION, MEDICAL = TransferLine.PENSION, TransferLine.MEDICAL


async def _member(uow: UnitOfWork, settings: Settings, member: IdNumber, relation: str) -> Subject:
    binding = await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=WANG_FANG,
        member=member,
        relationship=relation,
        proof=face(),
    )
    holder = await uow.people.by_id_number(WANG_FANG)
    assert holder
    found = await uow.views.active_member(binding, holder.id)
    assert found
    view, person = found
    holder_view = await uow.views.person(holder.id)
    assert holder_view
    return Subject(person=person, holder=holder_view, binding=view)


async def _own(uow: UnitOfWork, who: IdNumber) -> Subject:
    person = await uow.people.by_id_number(who)
    assert person
    view = await uow.views.person(person.id)
    assert view
    return Subject(person=view, holder=view)


async def _open_count(uow: UnitOfWork, person_id: UUID) -> int:
    await uow.commit()
    query = select(func.count()).select_from(InsuranceTransfer)
    query = query.where(
        InsuranceTransfer.person_id == person_id, InsuranceTransfer.closed_on.is_(None)
    )
    return int(await uow.db.scalar(query) or 0)


@pytest.mark.usefixtures("histories")
async def test_zhang_weis_pension_from_guangzhou_to_beijing(
    seeded: UnitOfWork, settings: Settings
) -> None:
    he = await _member(seeded, settings, ZHANG_WEI, "spouse")
    asked = service.Request(PENSION, GUANGZHOU, BEIJING)
    found = await service.facts(seeded, he, asked, utcnow().date())
    assert found.months_at_from == 114 and found.suspended_at_from and found.contributing_at_to
    assert found.kind is TransferKind.TRANSFER  # 31 when insurance began in Beijing
    applied = await service.apply(seeded, he, asked, utcnow())
    assert isinstance(applied, service.Applied) and applied.state is TransferState.APPLIED
    await seeded.commit()
    # A second application of the same line is refused; medical is another line.
    assert await service.apply(seeded, he, asked, utcnow()) is Refusal.OPEN_TRANSFER
    medical = service.Request(MEDICAL, GUANGZHOU, BEIJING)
    assert isinstance(await service.apply(seeded, he, medical, utcnow()), service.Applied)
    await seeded.commit()
    events = await seeded.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "transfer.applied")
    )
    details = sorted(e.detail for e in events)
    assert details == [
        "line=medical from=440106 to=110105",
        "line=pension from=440106 to=110105",
    ]


@pytest.mark.usefixtures("histories")
async def test_each_refusal_from_the_records(seeded: UnitOfWork, settings: Settings) -> None:
    she = await _own(seeded, WANG_FANG)
    now = utcnow()

    async def why(asked: service.Request, subject: Subject = she) -> object:
        return await service.apply(seeded, subject, asked, now)

    # Still contributing in Beijing: the old account is not suspended.
    assert await why(service.Request(PENSION, BEIJING, GUANGZHOU)) is Refusal.NOT_SUSPENDED
    # Beijing to Beijing (another district): the same pooling area.
    assert await why(service.Request(PENSION, BEIJING, "110108")) is Refusal.SAME_POOLING_AREA
    # Nothing on record in Shanghai.
    assert await why(service.Request(PENSION, "310101", BEIJING)) is Refusal.NO_RECORDS
    # A pensioner does not transfer the pension.
    mother = await _member(seeded, settings, MOTHER, "parent")
    assert await why(service.Request(PENSION, BEIJING, GUANGZHOU), mother) is (
        Refusal.DRAWS_PENSION
    )
    # Zhang Wei never paid in Shanghai: not insured at the new place.
    he = await _member(seeded, settings, ZHANG_WEI, "spouse")
    assert await why(service.Request(PENSION, GUANGZHOU, "310101"), he) is (
        Refusal.NOT_INSURED_AT_TO
    )
    assert await _open_count(seeded, she.person.id) == 0


@pytest.mark.usefixtures("histories")
async def test_twenty_applications_at_once_open_one_transfer(
    seeded: UnitOfWork,
    migrated: Settings,
    settings: Settings,
    overlap: Overlap,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Twenty sessions of their own apply at the same moment; the unique index on the open
    rows lets one insert through and the others are refused."""
    he = await _member(seeded, settings, ZHANG_WEI, "spouse")
    await seeded.commit()
    engine = db_config(migrated).get_engine()  # the app's own: a pool of 20, SQLite in WAL
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(migrated.secret_key)
    start = asyncio.Event()
    overlap.wrap(monkeypatch, Transfers, "open_for", meet=1.0)  # the check before the insert

    async def one() -> object:
        async with sessions() as db:
            uow = UnitOfWork(db=db, cipher=cipher, policy=migrated.policy)
            await start.wait()
            result = await service.apply(
                uow, he, service.Request(PENSION, GUANGZHOU, BEIJING), utcnow()
            )
            await uow.commit()
            return result

    tasks = [asyncio.create_task(one()) for _ in range(20)]
    await asyncio.sleep(0.05)
    start.set()
    results = await asyncio.gather(*tasks)
    await engine.dispose()
    opened = [r for r in results if isinstance(r, service.Applied)]
    assert len(opened) == 1, results
    assert [r for r in results if r not in opened] == [Refusal.OPEN_TRANSFER] * 19
    assert overlap.most > 1, "the checks did not overlap: nothing was tested at once"
    assert await _open_count(seeded, he.person.id) == 1

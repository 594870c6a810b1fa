"""Family mutual aid ends by itself (issue 14 point 5; §9), on SQLite and PostgreSQL: when the
giver's employee medical insurance ends, when the relative is insured no more, when either
side's insurance moves, and when the binding it was set through ends. Each time the unused quota
comes back to what the giver may spend, once (twenty sweeps at once return it once), both
sides' records say so, and the aid page shows the link as ended with its reason."""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db import sqlite
from app.db.models import AuditEvent, ContributionRecord, InsuranceTransfer, MutualAid
from app.db.pii import PiiCipher
from app.domain.identity import parse_id_number
from app.domain.mutual_aid import AidEnd
from app.domain.transfer_steps import Agency, TransferLine, TransferState
from app.domain.views import AidView
from app.services import maintenance, mutual_aid, my_bindings
from app.services import transfer_progress as progress
from app.services.context import UnitOfWork
from app.services.demo_histories import BEIJING, resident_medical_records
from app.services.seed import open_binding_directly
from app.services.subject import member
from tests.at_once import clients
from tests.conftest import sign_in
from tests.integration.payment_steps import EN, SON, WANG_FANG
from tests.integration.test_affinity_wizard import face

MOTHER = "110105195806070426"  # 李秀英, retired: insured without paying
QUOTA = 30000  # fen


async def _person_id(uow: UnitOfWork, raw: str) -> UUID:
    person = await uow.people.by_id_number(parse_id_number(raw))
    assert person is not None
    return person.id


async def _aid(
    uow: UnitOfWork, settings: Settings, relative: str, relation: str
) -> tuple[UUID, UUID]:
    """王芳's binding with the relative and a quota of 300 yuan for them: (binding, link).
    张浩's cover of this year is paid first (the demo's lapsed), as aid needs him insured.
    The test asks for `histories`."""
    today = utcnow().date()
    if relative == SON:
        son = await _person_id(uow, SON)
        await uow.contributions.add_many(
            resident_medical_records(son, today.year, today.year, BEIJING)
        )
    binding = await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(WANG_FANG),
        member=parse_id_number(relative),
        relationship=relation,
        proof=face(),
    )
    await uow.commit()
    wang = await uow.accounts.for_person(await _person_id(uow, WANG_FANG))
    assert wang is not None
    account = await uow.views.holder(wang.id)
    assert account is not None
    subject = await member(uow, account, binding)
    link = await mutual_aid.set_quota(uow, account, subject, QUOTA, utcnow())
    assert isinstance(link, AidView)
    await uow.commit()
    assert await _set_aside(uow) == QUOTA
    return binding, link.id


async def _set_aside(uow: UnitOfWork) -> int:
    await uow.commit()
    account = await uow.medical_accounts.get(await _person_id(uow, WANG_FANG))
    assert account is not None
    return account.set_aside_fen


async def _ended(uow: UnitOfWork, link_id: UUID) -> tuple[bool, str | None]:
    await uow.commit()
    row = await uow.db.scalar(
        select(MutualAid).where(MutualAid.id == link_id).execution_options(populate_existing=True)
    )
    assert row is not None
    return row.ended_at is not None, row.end_reason


async def _audited(uow: UnitOfWork) -> list[tuple[UUID | None, str | None]]:
    rows = await uow.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "aid.ended_by_itself")
    )
    return sorted(((row.subject_person_id, row.detail) for row in rows), key=str)


def _text(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


@pytest.mark.usefixtures("histories")
async def test_the_holders_employee_insurance_ending_returns_the_quota(
    app: Litestar, seeded: UnitOfWork, migrated: Settings
) -> None:
    binding, link = await _aid(seeded, migrated, MOTHER, "parent")
    # A year on, still insured (last year's contributions count): nothing ends.
    next_year = utcnow().replace(month=1, day=2) + timedelta(days=366)
    done = await maintenance.tidy(seeded, DocumentStore(migrated.upload_dir), next_year)
    assert done.aid_links == 0 and not (await _ended(seeded, link))[0]
    # Two years without contributions: she has left the employee medical insurance.
    later = next_year + timedelta(days=366)
    done = await maintenance.tidy(seeded, DocumentStore(migrated.upload_dir), later)
    assert done.aid_links == 1
    assert await _ended(seeded, link) == (True, AidEnd.GIVER_UNINSURED.value)
    assert await _set_aside(seeded) == 0
    wang, mother = await _person_id(seeded, WANG_FANG), await _person_id(seeded, MOTHER)
    detail = f"reason=giver_uninsured returned_fen={QUOTA}"
    assert await _audited(seeded) == sorted([(wang, detail), (mother, detail)], key=str)
    async for new in clients(app):  # signed in afresh: the tidy-up ended her old session
        client = new()
        await sign_in(client)  # type: ignore[arg-type]
        page = await client.get(f"/family/{binding}/payments/aid", headers=EN)
    assert page.status_code == 200
    assert (
        "The last mutual aid for 李秀英 ended on" in _text(page.text)
        and "your employee medical insurance ended. The unused CN¥300.00 came back" in page.text
    )


@pytest.mark.usefixtures("histories")
async def test_the_relatives_insurance_lapsing_ends_the_aid_when_the_page_is_shown(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    binding, link = await _aid(seeded, migrated, SON, "child")
    # 张浩's residents' premium of this year is refunded (he was insured twice, say).
    son = await _person_id(seeded, SON)
    await seeded.db.execute(
        delete(ContributionRecord).where(
            ContributionRecord.person_id == son, ContributionRecord.year == utcnow().year
        )
    )
    await seeded.commit()
    page = await holder.get(f"/family/{binding}/payments/aid", headers=EN)
    assert await _ended(seeded, link) == (True, AidEnd.RELATIVE_UNINSURED.value)
    assert await _set_aside(seeded) == 0
    shown = _text(page.text)
    assert "ended on" in shown and "their basic medical insurance ended" in shown, shown
    assert "The relative must be insured in a basic medical insurance" in shown
    assert 'name="quota"' not in page.text  # no new quota while he is not insured


@pytest.mark.usefixtures("histories")
async def test_a_new_year_without_the_premium_ends_the_aid(
    seeded: UnitOfWork, migrated: Settings
) -> None:
    _binding, link = await _aid(seeded, migrated, SON, "child")
    # Still covered on 31 December; the next year's premium was never paid.
    new_year = datetime(utcnow().year + 1, 1, 1, 1, tzinfo=UTC)
    assert await mutual_aid.sweep(seeded, new_year - timedelta(hours=2)) == 0
    assert await mutual_aid.sweep(seeded, new_year) == 1
    assert await _ended(seeded, link) == (True, AidEnd.RELATIVE_UNINSURED.value)
    assert await _set_aside(seeded) == 0


@pytest.mark.usefixtures("histories")
async def test_unbinding_the_member_ends_the_aid(
    holder: httpx.AsyncClient, seeded: UnitOfWork, migrated: Settings
) -> None:
    binding, link = await _aid(seeded, migrated, MOTHER, "parent")
    wang = await seeded.accounts.for_person(await _person_id(seeded, WANG_FANG))
    assert wang is not None
    account = await seeded.views.holder(wang.id)
    assert account is not None
    store = DocumentStore(migrated.upload_dir)
    assert await my_bindings.unbind(seeded, store, account, binding, utcnow())
    assert await _ended(seeded, link) == (True, AidEnd.UNBOUND.value)
    assert await _set_aside(seeded) == 0
    assert len(await _audited(seeded)) == 2


@pytest.mark.usefixtures("histories")
async def test_a_completed_medical_transfer_of_the_relative_ends_the_aid(
    seeded: UnitOfWork, migrated: Settings
) -> None:
    _binding, link = await _aid(seeded, migrated, MOTHER, "parent")
    row = InsuranceTransfer(
        person_id=await _person_id(seeded, MOTHER),
        line=TransferLine.MEDICAL.value,
        from_region="110100",
        to_region="440100",
        state=TransferState.APPLIED.value,
        applied_on=utcnow().date(),
    )
    await seeded.transfers.add(row)
    await seeded.commit()
    state = TransferState.APPLIED
    for agency in (Agency.FROM, Agency.TO):  # transferred out, then completed
        assert not (await _ended(seeded, link))[0], state
        state = await progress.act(seeded, row, agency, utcnow())
    assert state is TransferState.COMPLETED
    assert await _ended(seeded, link) == (True, AidEnd.MOVED.value)
    assert await _set_aside(seeded) == 0


@pytest.mark.usefixtures("histories")
async def test_twenty_sweeps_at_once_return_the_quota_once(
    seeded: UnitOfWork, migrated: Settings
) -> None:
    _binding, link = await _aid(seeded, migrated, MOTHER, "parent")
    later = utcnow() + timedelta(days=3 * 366)
    engine = create_async_engine(migrated.database_url)
    sqlite.tune(engine)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    cipher = PiiCipher(migrated.secret_key)

    async def sweep() -> int:
        async with sessions() as db:
            uow = UnitOfWork(db=db, cipher=cipher, policy=migrated.policy)
            ended = await mutual_aid.sweep(uow, later)
            await uow.commit()
            return ended

    try:
        done = await asyncio.gather(*(sweep() for _ in range(20)))
    finally:
        await engine.dispose()
    assert sum(done) == 1
    assert await _ended(seeded, link) == (True, AidEnd.GIVER_UNINSURED.value)
    assert await _set_aside(seeded) == 0
    assert len(await _audited(seeded)) == 2

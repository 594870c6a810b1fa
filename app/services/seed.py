"""The demo family, seeded by `make run` and the e2e fixtures. Safe to run twice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from uuid import UUID

import anyio

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.hashing import hash_secret
from app.adapters.portraits import FilePortraits
from app.db.models import AffinityBinding, ECard, HolderAccount
from app.domain.affinity import NOTICE_VERSION, BindingState
from app.domain.identity import IdNumber, parse_id_number
from app.domain.payments import MedicalBill as Bill
from app.services import kiosks, medical_bills
from app.services.affinity import replace_document
from app.services.context import UnitOfWork
from app.services.demo_histories import (
    CHILD_RESIDENT,
    DEMO_BILLS,
    MEDICAL_BALANCES,
    RESIDENT_PENSION,
    employee_records,
    histories,
    resident_medical_records,
    resident_pension_records,
)
from app.services.ecard import NUMBER_ATTEMPTS, new_card_number
from app.services.registry import set_portrait
from app.services.staff import add_staff

DEMO_HOUSEHOLD = "demo-wang-zhang"
# The demo portraits are real photographs the repository carries (its test fixtures, with
# their licence), so a fresh clone seeds them. They hold two people's faces only, so some demo
# people share a face: the README says which photo is whose.
DEMO_FACES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "faces"


@dataclass(frozen=True)
class DemoStaff:
    """Staff of a service centre (the first passkey is added at first sign-in, with a one-time
    code from `python -m app.cli staff-enrolment-code`). The region prefix is the start of the
    address codes they serve: transfers' from- and to-regions are six-digit codes."""

    number: str
    name: str
    region_prefix: str
    password: str


DEMO_STAFF = DemoStaff("BJ0001", "刘晓", "11", "staff-demo-2025")
# Guangzhou's agency: the old place of 张伟's pension transfer to Beijing.
DEMO_STAFF_GUANGZHOU = DemoStaff("GZ0001", "黄敏", "4401", "gz-staff-demo-2025")
ALL_DEMO_STAFF = (DEMO_STAFF, DEMO_STAFF_GUANGZHOU)


@dataclass(frozen=True)
class DemoKiosk:
    """A self-service machine in a service hall, with a published key (demo only: a real
    machine's key comes from `python -m app.cli kiosk-key CODE`)."""

    code: str
    name: str
    hall: str
    key: str


DEMO_KIOSK = DemoKiosk(
    "BJ-DC-01", "1号自助服务一体机", "北京市东城区社会保险服务大厅", "KIOSK-DEMO-2025"
)


@dataclass(frozen=True)
class DemoPerson:
    name: str
    id_number: str
    card_number: str | None
    password: str | None = None
    pin: str | None = None
    household: str | None = DEMO_HOUSEHOLD
    pensioner: bool = False
    portrait: str | None = None  # a file of DEMO_FACES: the registry's photo of them


DEMO_PEOPLE = (
    DemoPerson(
        "王芳",
        "110105198503140224",
        "A11010500001",
        "family-demo-2025",
        "258369",
        portrait="biden.jpg",
    ),
    DemoPerson(
        "李秀英",
        "110105195806070426",
        "A11010500002",
        "mother-demo-2025",
        "604815",
        pensioner=True,
        portrait="obama.jpg",
    ),
    DemoPerson(
        "王建国", "110105195611200171", "A11010500003", pensioner=True, portrait="obama3.jpg"
    ),
    DemoPerson(
        "张伟",
        "110105198309210137",
        "A11010500004",
        "family-demo-2025",
        "731946",
        portrait="obama2.jpg",
    ),
    # Under 16, no e-card yet (his parents apply) and no registry portrait.
    DemoPerson("张浩", "11010520150402035X", None),
    DemoPerson(
        "陈明",
        "440106199207150513",
        "A44010600006",
        "second-demo-2025",
        "864213",
        None,
        portrait="biden2.jpg",
    ),
    DemoPerson("赵丽", "320102199001010889", "A32010200007", household=None, portrait="obama2.jpg"),
    # Jiangsu hukou, Guangzhou 2000-2024, insured in Beijing from 2025 at 54: the temporary-account
    # rule keeps his relationship in Guangzhou (domain-rules §6, art. 5).
    DemoPerson(
        "周强",
        "320102197003150413",
        "A32010200008",
        "late-mover-2025",
        "570394",
        household=None,
        portrait="biden2.jpg",
    ),
    # 张伟's father: employee pension in Guangzhou, residents' pension in Beijing, at the
    # retirement age and not yet drawing: the urban–rural conversion (人社部发〔2014〕17号).
    # Not in the demo household (张伟 binds him with documents staff review, or open-binding).
    DemoPerson(
        "张德明",
        "110105196308150137",
        "A11010500009",
        "convert-demo-2025",
        "946173",
        household=None,
        portrait="obama.jpg",
    ),
)


async def _free_card_number(uow: UnitOfWork, region_code: str) -> str:
    """A random card number not yet issued (test set-ups add hundreds of people)."""
    for _attempt in range(NUMBER_ATTEMPTS):
        candidate = new_card_number(region_code)
        if not await uow.cards.number_taken(candidate):
            return candidate
    raise RuntimeError("no free card number")


async def add_holder(
    uow: UnitOfWork,
    *,
    name: str,
    number: IdNumber,
    password: str,
    pin: str | None = None,
    household: str | None = None,
    pensioner: bool = False,
    card_number: str | None = None,
    with_card: bool = True,
) -> bool:
    """Register a person (if new) with an e-card and a sign-in. False if they already exist."""
    if await uow.people.by_id_number(number):
        return False
    person = await uow.people.add(
        name=name, number=number, household_code=household, is_pensioner=pensioner
    )
    if with_card:
        await uow.cards.add(
            ECard(
                person_id=person.id,
                card_number=card_number or await _free_card_number(uow, number.region_code),
                issued_on=date(2024, 1, 15),
            )
        )
    if password:
        await uow.accounts.add(
            HolderAccount(
                person_id=person.id,
                password_hash=hash_secret(password),
                pin_hash=hash_secret(pin) if pin else None,
                webauthn_user_id=secrets.token_bytes(32),
            )
        )
    await uow.commit()
    return True


async def seed_demo(
    uow: UnitOfWork, portraits: FilePortraits, *, with_histories: bool = True
) -> int:
    """Add whoever of the demo people is missing, and any missing portrait; return how many
    people were added. Without histories (most tests), the contribution records are left out."""
    added = 0
    for demo in DEMO_PEOPLE:
        added += await add_holder(
            uow,
            name=demo.name,
            number=parse_id_number(demo.id_number),
            password=demo.password or "",
            pin=demo.pin,
            household=demo.household,
            pensioner=demo.pensioner,
            card_number=demo.card_number,
            with_card=demo.card_number is not None,
        )
    await seed_portraits(uow, portraits)
    if with_histories:
        await seed_histories(uow, utcnow().date())
    for staff in ALL_DEMO_STAFF:
        await add_staff(
            uow,
            number=staff.number,
            name=staff.name,
            region_prefix=staff.region_prefix,
            password=staff.password,
        )
    kiosk = DEMO_KIOSK
    await kiosks.ensure(uow, code=kiosk.code, name=kiosk.name, hall=kiosk.hall, key=kiosk.key)
    await uow.commit()
    if added:
        uow.audit.record("seed.demo", at=utcnow(), actor=None, detail=f"added {added}")
        await uow.commit()
    return added


async def seed_portraits(uow: UnitOfWork, portraits: FilePortraits) -> None:
    for demo in DEMO_PEOPLE:
        person = await uow.people.by_id_number(parse_id_number(demo.id_number))
        if demo.portrait and person and await portraits.portrait(person.id) is None:
            image = await anyio.Path(DEMO_FACES / demo.portrait).read_bytes()
            await set_portrait(uow, portraits, person.id, image)


async def seed_histories(uow: UnitOfWork, today: date) -> None:
    """Contribution records and pensions in payment for whoever of the demo people has none."""
    for raw, (jobs, retirement) in histories(today).items():
        person = await uow.people.by_id_number(parse_id_number(raw))
        if person is None or await uow.contributions.years(person.id):
            continue
        await uow.contributions.add_many(employee_records(person.id, jobs))
        if retirement:
            person.retired_on = retirement.retired_on
            person.pension_monthly = retirement.pension_monthly
            person.last_certified_on = retirement.last_certified_on
    raw, first_year, region = CHILD_RESIDENT
    child = await uow.people.by_id_number(parse_id_number(raw))
    if child and not await uow.contributions.years(child.id):
        records = resident_medical_records(child.id, first_year, today.year - 1, region)
        await uow.contributions.add_many(records)
    raw, first_year, last_year, region, grade = RESIDENT_PENSION
    both = await uow.people.by_id_number(parse_id_number(raw))
    if both and not await uow.contributions.resident_payments(both.id):
        records = resident_pension_records(both.id, first_year, last_year, region, grade)
        await uow.contributions.add_many(records)
    await seed_medical(uow)
    await uow.commit()


async def seed_medical(uow: UnitOfWork) -> None:
    """Personal medical accounts and bills from clinics, for whoever has none yet."""
    for raw, balance in MEDICAL_BALANCES.items():
        person = await uow.people.by_id_number(parse_id_number(raw))
        if person is not None:
            await uow.medical_accounts.open(person.id, balance)
    for demo in DEMO_BILLS:
        person = await uow.people.by_id_number(parse_id_number(demo.id_number))
        if person is None or await uow.medical_bills.by_reference(demo.reference):
            continue
        bill = Bill(demo.reference, demo.total, demo.pooled, demo.personal, demo.other, demo.cash)
        await medical_bills.receive(
            uow,
            person.id,
            bill,
            provider_name=demo.provider_name,
            kind=demo.kind,
            scheme=demo.scheme,
            now=utcnow(),
        )


async def open_binding_directly(
    uow: UnitOfWork,
    store: DocumentStore,
    *,
    holder: IdNumber,
    member: IdNumber,
    relationship: str,
    proof: bytes,
    face_photo: bytes | None = None,
) -> UUID:
    """An active binding without the wizard and face check, for demo and test set-up only
    (the portal itself opens bindings only through face recognition). Reuses an active one."""
    holder_person = await uow.people.by_id_number(holder)
    member_person = await uow.people.by_id_number(member)
    if holder_person is None or member_person is None:
        raise LookupError("both people must be in the registry")
    for binding in await uow.bindings.of_holder(holder_person.id):
        if binding.member_person_id == member_person.id and binding.state == "active":
            return binding.id
    now = utcnow()
    binding = await uow.bindings.add(
        AffinityBinding(
            holder_person_id=holder_person.id,
            member_person_id=member_person.id,
            relation=relationship,
            state=BindingState.ACTIVE.value,
            notice_version=NOTICE_VERSION,
            notice_accepted_at=now,
            declaration_digest="set-up",
            proof_file=await replace_document(uow, store, None, proof),
            face_photo_file=await replace_document(uow, store, None, face_photo)
            if face_photo
            else None,
            submitted_at=now,
            activated_at=now,
        )
    )
    uow.audit.record("affinity.set_up", at=now, actor=None, subject=member_person.id)
    await uow.commit()
    return binding.id

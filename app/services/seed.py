"""The demo family, seeded by `make run` and the e2e fixtures. Safe to run twice."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from app.adapters.clock import utcnow
from app.adapters.hashing import hash_secret
from app.db.models import ECard, HolderAccount
from app.domain.identity import IdNumber, parse_id_number
from app.services.context import UnitOfWork
from app.services.staff import add_staff

DEMO_HOUSEHOLD = "demo-wang-zhang"
# Staff of a Beijing service centre: staff number, name, password (a passkey is added at first sign-in)
DEMO_STAFF = ("BJ0001", "刘晓", "staff-demo-2025")


@dataclass(frozen=True)
class DemoPerson:
    name: str
    id_number: str
    card_number: str
    password: str | None = None
    pin: str | None = None
    household: str | None = DEMO_HOUSEHOLD
    pensioner: bool = False


DEMO_PEOPLE = (
    DemoPerson("王芳", "110105198503140224", "A11010500001", "family-demo-2025", "258369"),
    DemoPerson("李秀英", "110105195806070426", "A11010500002", pensioner=True),
    DemoPerson("王建国", "110105195611200171", "A11010500003", pensioner=True),
    DemoPerson("张伟", "110105198309210137", "A11010500004", "family-demo-2025", "731946"),
    DemoPerson("张浩", "11010520150402035X", "A11010500005"),
    DemoPerson("陈明", "440106199207150513", "A44010600006", "second-demo-2025", "864213", None),
    DemoPerson("赵丽", "320102199001010889", "A32010200007", household=None),
)


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
) -> bool:
    """Register a person (if new) with an e-card and a sign-in. False if they already exist."""
    if await uow.people.by_id_number(number):
        return False
    person = await uow.people.add(
        name=name, number=number, household_code=household, is_pensioner=pensioner
    )
    await uow.cards.add(
        ECard(
            person_id=person.id,
            card_number=card_number or f"A{number.region_code}{secrets.randbelow(10**5):05d}",
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


async def seed_demo(uow: UnitOfWork) -> int:
    """Add whoever of the demo people is missing; return how many were added."""
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
        )
    await add_staff(
        uow, number=DEMO_STAFF[0], name=DEMO_STAFF[1], region_prefix="11", password=DEMO_STAFF[2]
    )
    if added:
        uow.audit.record("seed.demo", at=utcnow(), actor=None, detail=f"added {added}")
        await uow.commit()
    return added

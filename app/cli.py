"""Command line for operators and test set-up.

python -m app.cli seed                       add the demo family (safe to run twice; refused in production)
python -m app.cli add-holder NAME ID_NUMBER PASSWORD [PIN]
                                             register a person with a sign-in (no PIN: set at first sign-in)
python -m app.cli add-person NAME ID_NUMBER [--portrait FILE] [--household-of ID_NUMBER]
                                             register a registry person (no sign-in) with their
                                             portrait and a household link; prints their id
python -m app.cli open-binding HOLDER_ID MEMBER_ID RELATIONSHIP DOCUMENT [FACE_PHOTO]
                                             an active binding without the wizard (demo and test set-up)
python -m app.cli tidy                       clear out expired drafts, bindings, selfies, credentials,
                                             limit counters
                                             (the server also does it every 10 minutes)
python -m app.cli certified ID_NUMBER DATE   record an eligibility certification done elsewhere
                                             (YYYY-MM-DD, e.g. at a service centre)
python -m app.cli add-bill ID_NUMBER REFERENCE CLINIC KIND SCHEME POOLED PERSONAL OTHER CASH
                                             a bill as a designated clinic or pharmacy sends it:
                                             KIND clinic or pharmacy, SCHEME employee or resident,
                                             the parts in yuan (e.g. 280.00); prints its id
python -m app.cli staff-enrolment-code STAFF_NUMBER
                                             a one-time code for the staff member's first passkey
                                             (printed once, valid 24 hours; a new one voids the last)
python -m app.cli kiosk-key KIOSK_CODE       a new key for a self-service machine, typed once into its
                                             browser at /kiosk (printed once; the old key stops working)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TypeVar
from uuid import UUID

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.adapters import hashing
from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import check_one_face
from app.adapters.images import ImageRejected
from app.adapters.portraits import FilePortraits
from app.config import get_settings
from app.db.pii import PiiCipher
from app.domain.face import UnusablePhoto
from app.domain.identity import InvalidIdNumber, parse_id_number
from app.domain.payments import MedicalBill as Bill
from app.domain.payments import to_fen
from app.domain.staff_enrolment import display_code
from app.services import kiosks, medical_bills, registry
from app.services import staff as staff_service
from app.services.context import UnitOfWork
from app.services.maintenance import tidy
from app.services.seed import (
    ALL_DEMO_STAFF,
    DEMO_KIOSK,
    DEMO_PEOPLE,
    add_holder,
    open_binding_directly,
    seed_demo,
)

T = TypeVar("T")


async def with_uow(action: Callable[[UnitOfWork], Awaitable[T]]) -> T:
    """Run one action with a unit of work on the configured database (commands run outside
    the server: this command line and the test set-up)."""
    settings = get_settings()
    hashing.configure(settings.argon2_profile)
    engine = create_async_engine(settings.database_url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            uow = UnitOfWork(db=db, cipher=PiiCipher(settings.secret_key), policy=settings.policy)
            result = await action(uow)
            await uow.commit()  # one unit of work per command, as per request
            return result
    finally:
        await engine.dispose()


def _seed() -> int:
    if get_settings().is_production:  # demo people with published passwords
        print("seed adds demo accounts: refused with PORTAL_ENV=production", file=sys.stderr)
        return 1
    portraits = FilePortraits(get_settings().portrait_dir)
    added = asyncio.run(with_uow(lambda uow: seed_demo(uow, portraits)))
    holder = DEMO_PEOPLE[0]
    print(f"Demo data: {added} people added.")
    print(
        f"Demo sign-in: ID number {holder.id_number}, password {holder.password}, PIN {holder.pin}"
    )
    for staff in ALL_DEMO_STAFF:
        print(
            f"Demo staff: {staff.number}, password {staff.password}; for the first passkey, an "
            f"enrolment code from: python -m app.cli staff-enrolment-code {staff.number}"
        )
    kiosk = DEMO_KIOSK
    print(f"Demo self-service machine {kiosk.code}: open /kiosk and enter the key {kiosk.key}")
    return 0


def _kiosk_key(code: str) -> int:
    """Printed once: only its hash is kept. Type it into the machine's browser at /kiosk."""
    try:
        key = asyncio.run(with_uow(lambda uow: kiosks.new_key(uow, code, utcnow())))
    except kiosks.NoSuchKiosk:
        print(f"no self-service machine {code}", file=sys.stderr)
        return 1
    print(key)
    print(f"Type it into {code}'s browser at /kiosk; the machine's earlier key stops working.")
    return 0


def _staff_enrolment_code(number: str) -> int:
    """Printed once: only its hash is kept. Give it to the staff member in person."""
    now = utcnow()
    try:
        code = asyncio.run(
            with_uow(lambda uow: staff_service.issue_enrolment_code(uow, number, now))
        )
    except staff_service.UnknownStaff:
        print(f"no staff member {number}", file=sys.stderr)
        return 1
    except staff_service.AlreadyEnrolled:
        print(f"{number} already has a passkey: the code is for the first one", file=sys.stderr)
        return 1
    hours = get_settings().policy.staff_enrolment_code_hours
    print(display_code(code))
    print(f"For {number}'s first passkey: valid once, for {hours} hours.")
    return 0


def _add_holder(args: list[str]) -> int:
    name, raw_id, password, *rest = args
    try:
        number = parse_id_number(raw_id)
    except InvalidIdNumber as error:
        print(f"invalid ID number ({error.reason})", file=sys.stderr)
        return 2
    pin = rest[0] if rest else None
    asyncio.run(
        with_uow(lambda uow: add_holder(uow, name=name, number=number, password=password, pin=pin))
    )
    print(f"Holder {name} ready.")
    return 0


def _face_problem(photo: bytes) -> str | None:
    """Why a registry portrait could never be matched (no face, several...), or None."""
    policy = get_settings().policy
    try:
        check_one_face(
            photo,
            image="reference",
            max_side=policy.face_max_side_pixels,
            min_face=policy.face_min_face_pixels,
        )
    except UnusablePhoto as problem:
        return problem.reason
    except OSError:
        return None  # not an image at all: refused with its reason when it is stored
    return None


def _add_person(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.cli add-person")
    parser.add_argument("name")
    parser.add_argument("id_number")
    parser.add_argument("--portrait", type=Path)
    parser.add_argument("--household-of", dest="household_of")
    options = parser.parse_args(args)
    try:
        number = parse_id_number(options.id_number)
        household_of = parse_id_number(options.household_of) if options.household_of else None
    except InvalidIdNumber as error:
        print(f"invalid ID number ({error.reason})", file=sys.stderr)
        return 2
    portrait = options.portrait.read_bytes() if options.portrait else None
    problem = _face_problem(portrait) if portrait else None
    if problem:
        print(f"--portrait: not one usable face ({problem})", file=sys.stderr)
        return 1
    portraits = FilePortraits(get_settings().portrait_dir)

    async def add(uow: UnitOfWork) -> UUID:
        return await registry.add_person(
            uow,
            portraits,
            name=options.name,
            number=number,
            portrait=portrait,
            household_of=household_of,
        )

    try:
        print(asyncio.run(with_uow(add)))
    except registry.AlreadyRegistered:
        print("already in the registry", file=sys.stderr)
        return 1
    except registry.NotRegistered:
        print("--household-of: no such person in the registry", file=sys.stderr)
        return 1
    except ImageRejected as rejected:
        print(f"--portrait: not a usable photo ({rejected.reason})", file=sys.stderr)
        return 1
    return 0


def _open_binding(args: list[str]) -> int:
    holder, member, relationship, proof, *face = args
    store = DocumentStore(get_settings().upload_dir)
    proof_bytes = Path(proof).read_bytes()
    face_bytes = Path(face[0]).read_bytes() if face else None
    problem = _face_problem(face_bytes) if face_bytes else None
    if problem:
        print(f"FACE_PHOTO: not one usable face ({problem})", file=sys.stderr)
        return 1

    async def open_it(uow: UnitOfWork) -> UUID:
        return await open_binding_directly(
            uow,
            store,
            holder=parse_id_number(holder),
            member=parse_id_number(member),
            relationship=relationship,
            proof=proof_bytes,
            face_photo=face_bytes,
        )

    print(asyncio.run(with_uow(open_it)))
    return 0


def _certified(args: list[str]) -> int:
    raw_id, day = args

    async def record(uow: UnitOfWork) -> None:
        person = await uow.people.by_id_number(parse_id_number(raw_id))
        if person is None:
            raise LookupError("not in the registry")
        person.last_certified_on = date.fromisoformat(day)
        uow.audit.record("certification.recorded", at=utcnow(), actor=None, subject=person.id)
        await uow.commit()

    asyncio.run(with_uow(record))
    return 0


def _add_bill(args: list[str]) -> int:
    raw_id, reference, clinic, kind, scheme, *parts = args
    try:
        pooled, personal, other, cash = (to_fen(Decimal(part)) for part in parts)
        bill = Bill(reference, pooled + personal + other + cash, pooled, personal, other, cash)
    except (InvalidOperation, ValueError) as error:
        print(f"the parts must be amounts in yuan, to the fen: {error}", file=sys.stderr)
        return 2

    async def add(uow: UnitOfWork) -> UUID:
        person = await uow.people.by_id_number(parse_id_number(raw_id))
        if person is None:
            raise LookupError("not in the registry")
        row = await medical_bills.receive(
            uow, person.id, bill, provider_name=clinic, kind=kind, scheme=scheme, now=utcnow()
        )
        await uow.commit()
        return row.id

    print(asyncio.run(with_uow(add)))
    return 0


def _tidy() -> int:
    store = DocumentStore(get_settings().upload_dir)
    done = asyncio.run(with_uow(lambda uow: tidy(uow, store, utcnow())))
    print(
        f"Expired drafts {done.drafts}, bindings {done.bindings}; "
        f"deleted selfies {done.selfies}; spent credentials purged {done.credentials}; "
        f"limit counters forgotten {done.counters}."
    )
    return 0


def main(argv: list[str]) -> int:
    command, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    if command == "seed" and not args:
        return _seed()
    if command == "add-holder" and len(args) in (3, 4):
        return _add_holder(args)
    if command == "add-person" and args:
        return _add_person(args)
    if command == "open-binding" and len(args) in (4, 5):
        return _open_binding(args)
    if command == "tidy" and not args:
        return _tidy()
    if command == "certified" and len(args) == 2:
        return _certified(args)
    if command == "add-bill" and len(args) == 9:
        return _add_bill(args)
    if command == "staff-enrolment-code" and len(args) == 1:
        return _staff_enrolment_code(args[0])
    if command == "kiosk-key" and len(args) == 1:
        return _kiosk_key(args[0])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""Test-only set-up for the end-to-end journeys: what the operators' command line (app.cli)
does not offer. The tests run it in the server's environment (conftest's LiveServer.run_setup):

python -m e2e.setup_commands add-people JSON               registry people with a household code,
                                                           a sign-in for those given a password
python -m e2e.setup_commands add-staff JSON                a service-centre staff member
python -m e2e.setup_commands add-stored-passkey STAFF_NUMBER
                                                           a stand-in for a passkey added earlier
python -m e2e.setup_commands mark-needs-in-person BINDING_ID
                                                           as after too many failed face matches;
                                                           prints the failure count
python -m e2e.setup_commands remove-bindings HOLDER_ID MEMBER_ID...
                                                           the holder's bindings with each member,
                                                           their checks and codes
python -m e2e.setup_commands remove-card ID_NUMBER         the person back without an e-card
python -m e2e.setup_commands remove-transfers ID_NUMBER    the person's transfers (conversions too,
                                                           with their face checks) and drafts
python -m e2e.setup_commands add-history ID_NUMBER JSON     an employee contribution history
python -m e2e.setup_commands refund-payments ID_NUMBER    the person's payments refunded as staff
                                                           would (through the gateway, reversing
                                                           entries); open ones closed
python -m e2e.setup_commands remove-enrolments ID_NUMBER  the person's enrolments made here
python -m e2e.setup_commands end-aid ID_NUMBER            the family mutual aid the person gives,
                                                           ended (the unused quota returns)
python -m e2e.setup_commands last-certified ID_NUMBER      prints the date (empty: never)
python -m e2e.setup_commands restore-last-certified ID_NUMBER [DATE]
                                                           puts a date back (none: never)

JSON: add-people takes a list of {"name", "id_number", "household", "password", "pin"} (an
empty password: no sign-in), with an optional "portrait" (a photo file: the registry's
portrait of them); add-staff takes {"number", "name", "region", "password"}; add-history a list
of jobs {"first": "YYYY-MM", "last": "YYYY-MM" or "last-month", "region", "employer", "index"}
(as the demo histories are written, app/services/demo_histories.py).
The services the portal uses do the work wherever there is one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

import anyio
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.payments import sandbox_provider
from app.adapters.portraits import FilePortraits
from app.cli import with_uow
from app.config import get_settings
from app.db.models import (
    AffinityBinding,
    ConversionDraft,
    ECard,
    FaceCheck,
    HandoffCode,
    InsuranceTransfer,
    Person,
    StaffPasskey,
    TransferDraft,
    TransferEvent,
)
from app.domain.affinity import BindingEvent
from app.domain.contributions import Period
from app.domain.identity import parse_id_number
from app.domain.payments import PaymentState
from app.services import face, mutual_aid, payment_rounds
from app.services.affinity import discard_references
from app.services.context import UnitOfWork
from app.services.demo_histories import Job, employee_records, last_month
from app.services.payment_confirmations import left_unpaid
from app.services.payment_refunds import refund_by_staff
from app.services.registry import set_portrait
from app.services.seed import add_holder
from app.services.staff import add_staff

Step = Callable[[UnitOfWork], Awaitable[str | None]]  # what it returns is printed


async def _person(uow: UnitOfWork, raw_id: str) -> Person:
    person = await uow.people.by_id_number(parse_id_number(raw_id))
    if person is None:
        raise LookupError(f"not in the registry: {raw_id}")
    return person


# --- people and staff ------------------------------------------------------------------------


def add_people(people_json: str) -> Step:
    """The service the CLI's add-holder and seed commands use, with the household code they do
    not expose (and people without a sign-in)."""

    async def step(uow: UnitOfWork) -> None:
        portraits = FilePortraits(get_settings().portrait_dir)
        for p in json.loads(people_json):
            number = parse_id_number(p["id_number"])
            added = await add_holder(
                uow,
                name=p["name"],
                number=number,
                password=p["password"],
                pin=p["pin"],
                household=p["household"],
            )
            if not added:
                raise ValueError(f"already in the registry: {p['name']}")
            person = await _person(uow, number.value)
            if p.get("portrait"):
                image = await anyio.Path(p["portrait"]).read_bytes()
                await set_portrait(uow, portraits, person.id, image)

    return step


def add_staff_member(staff_json: str) -> Step:
    async def step(uow: UnitOfWork) -> None:
        s = json.loads(staff_json)
        added = await add_staff(
            uow,
            number=s["number"],
            name=s["name"],
            region_prefix=s["region"],
            password=s["password"],
        )
        if not added:
            raise ValueError(f"staff number already taken: {s['number']}")

    return step


def add_stored_passkey(staff_number: str) -> Step:
    """Stands in for a passkey registered earlier (in a browser the test does not have): enough
    for the sign-in to ask for a passkey rather than offer to add one."""

    async def step(uow: UnitOfWork) -> None:
        member = await uow.staff.by_number(staff_number)
        if member is None:
            raise LookupError(f"no staff member {staff_number}")
        await uow.staff.add_passkey(
            StaffPasskey(
                staff_id=member.id,
                credential_id=os.urandom(32),
                public_key=os.urandom(77),
                sign_count=0,
            )
        )
        await uow.commit()

    return step


# --- bindings --------------------------------------------------------------------------------


async def fail_face_too_often(uow: UnitOfWork, binding: AffinityBinding) -> None:
    """What too many failed face matches leave behind (app.services.face): the count, and the
    state by the transition table's own event."""
    binding.face_failures_total = uow.policy.face_failures_before_in_person
    binding.face_failures_recent = 0
    await uow.bindings.apply(binding, BindingEvent.FACE_FAILED_TOO_OFTEN, utcnow())
    face.give_reference(binding)


def mark_needs_in_person(binding_id: str) -> Step:
    async def step(uow: UnitOfWork) -> str:
        binding = await uow.bindings.get(UUID(binding_id))
        if binding is None:
            raise LookupError(f"no binding {binding_id}")
        await fail_face_too_often(uow, binding)
        await uow.commit()
        return str(binding.face_failures_total)

    return step


def remove_bindings(holder_id: str, member_ids: Sequence[str]) -> Step:
    """Delete the holder's bindings with each member, in any state, with their face checks and
    hand-off codes; their reference images go as when a binding ends."""

    async def step(uow: UnitOfWork) -> None:
        holder = await _person(uow, holder_id)
        members = {(await _person(uow, member_id)).id for member_id in member_ids}
        store = DocumentStore(get_settings().upload_dir)
        for binding in await uow.bindings.of_holder(holder.id):
            if binding.member_person_id not in members:
                continue
            await discard_references(store, binding)
            await uow.db.execute(delete(FaceCheck).where(FaceCheck.binding_id == binding.id))
            await uow.db.execute(delete(HandoffCode).where(HandoffCode.binding_id == binding.id))
            await uow.db.delete(binding)
        await uow.commit()

    return step


# --- e-cards and certification ----------------------------------------------------------------


def remove_card(raw_id: str) -> Step:
    async def step(uow: UnitOfWork) -> None:
        person = await _person(uow, raw_id)
        await uow.db.execute(delete(ECard).where(ECard.person_id == person.id))
        await uow.commit()

    return step


def add_history(raw_id: str, jobs_json: str) -> Step:
    async def step(uow: UnitOfWork) -> None:
        person = await _person(uow, raw_id)
        recent = last_month(date.today())

        def period(text: str) -> Period:
            if text == "last-month":
                return recent
            year, month = text.split("-")
            return Period(int(year), int(month))

        jobs = [
            Job(
                period(j["first"]),
                period(j["last"]),
                j["region"],
                j["employer"],
                Decimal(j["index"]),
            )
            for j in json.loads(jobs_json)
        ]
        await uow.contributions.add_many(employee_records(person.id, jobs))
        await uow.commit()

    return step


def remove_transfers(raw_id: str) -> Step:
    """The person's transfers (their steps go with them) and application drafts: journeys that
    apply start from none."""

    async def step(uow: UnitOfWork) -> None:
        person = await _person(uow, raw_id)
        theirs = select(InsuranceTransfer.id).where(InsuranceTransfer.person_id == person.id)
        await uow.db.execute(delete(TransferEvent).where(TransferEvent.transfer_id.in_(theirs)))
        await uow.db.execute(delete(FaceCheck).where(FaceCheck.transfer_id.in_(theirs)))
        await uow.db.execute(
            delete(InsuranceTransfer).where(InsuranceTransfer.person_id == person.id)
        )
        await uow.db.execute(delete(TransferDraft).where(TransferDraft.person_id == person.id))
        await uow.db.execute(delete(ConversionDraft).where(ConversionDraft.person_id == person.id))
        await uow.commit()

    return step


def refund_payments(raw_id: str) -> Step:
    """A journey that pays starts from an unpaid bill: the person's payments that stand are
    refunded as service-centre staff would refund them (the gateway gives the money back,
    reversing entries are posted: the ledger is never edited), and open ones are closed."""

    async def step(uow: UnitOfWork) -> str:
        person = await _person(uow, raw_id)
        now = utcnow()
        for payment in await uow.payments.of_beneficiary(person.id):
            if payment.state == PaymentState.PAID:
                await refund_by_staff(uow, payment.id, now, staff_id=None)
            elif payment.state == PaymentState.CREATED:
                await left_unpaid(uow, payment.id, PaymentState.EXPIRED, now)
        await uow.commit()
        settings = get_settings()
        assert settings.payment_site_url, "the gateway is reached over HTTP from here"
        provider = sandbox_provider(
            merchant=settings.payment_merchant_id,
            secret_key=settings.secret_key,
            configured_secret=settings.payment_sandbox_secret,
            site_url=settings.payment_site_url,
            app=lambda: None,
        )
        sessions = async_sessionmaker(uow.db.bind, expire_on_commit=False)

        def new_uow() -> UnitOfWork:
            return UnitOfWork(db=sessions(), cipher=uow.cipher, policy=uow.policy)

        return str(await payment_rounds.refund_due(new_uow, provider, now))

    return step


def remove_enrolments(raw_id: str) -> Step:
    """A journey that enrols starts from none made here."""

    async def step(uow: UnitOfWork) -> str:
        person = await _person(uow, raw_id)
        removed = await uow.enrolments.remove_for(person.id)
        await uow.commit()
        return str(removed)

    return step


def end_aid(raw_id: str) -> Step:
    async def step(uow: UnitOfWork) -> str:
        person = await _person(uow, raw_id)
        return str(await mutual_aid.end_for_person(uow, person.id, utcnow(), "ended"))

    return step


def last_certified(raw_id: str) -> Step:
    async def step(uow: UnitOfWork) -> str:
        person = await _person(uow, raw_id)
        return person.last_certified_on.isoformat() if person.last_certified_on else ""

    return step


def restore_last_certified(raw_id: str, day: str | None) -> Step:
    """Put back a date read with last-certified (the CLI's certified records a new one)."""

    async def step(uow: UnitOfWork) -> None:
        person = await _person(uow, raw_id)
        person.last_certified_on = date.fromisoformat(day) if day else None
        await uow.commit()

    return step


# --- the command -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m e2e.setup_commands",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("add-people").add_argument("people_json", metavar="JSON")
    commands.add_parser("add-staff").add_argument("staff_json", metavar="JSON")
    commands.add_parser("add-stored-passkey").add_argument("staff_number")
    commands.add_parser("mark-needs-in-person").add_argument("binding_id")
    remove = commands.add_parser("remove-bindings")
    remove.add_argument("holder_id")
    remove.add_argument("member_ids", nargs="+")
    commands.add_parser("remove-card").add_argument("id_number")
    commands.add_parser("remove-transfers").add_argument("id_number")
    history = commands.add_parser("add-history")
    history.add_argument("id_number")
    history.add_argument("jobs_json", metavar="JSON")
    commands.add_parser("refund-payments").add_argument("id_number")
    commands.add_parser("remove-enrolments").add_argument("id_number")
    commands.add_parser("end-aid").add_argument("id_number")
    commands.add_parser("last-certified").add_argument("id_number")
    restore = commands.add_parser("restore-last-certified")
    restore.add_argument("id_number")
    restore.add_argument("day", nargs="?", metavar="DATE")
    return parser


def _step(args: argparse.Namespace) -> Step:
    match args.command:
        case "add-people":
            return add_people(args.people_json)
        case "add-staff":
            return add_staff_member(args.staff_json)
        case "add-stored-passkey":
            return add_stored_passkey(args.staff_number)
        case "mark-needs-in-person":
            return mark_needs_in_person(args.binding_id)
        case "remove-bindings":
            return remove_bindings(args.holder_id, args.member_ids)
        case "remove-card":
            return remove_card(args.id_number)
        case "remove-transfers":
            return remove_transfers(args.id_number)
        case "add-history":
            return add_history(args.id_number, args.jobs_json)
        case "remove-enrolments":
            return remove_enrolments(args.id_number)
        case "end-aid":
            return end_aid(args.id_number)
        case "refund-payments":
            return refund_payments(args.id_number)
        case "last-certified":
            return last_certified(args.id_number)
        case "restore-last-certified":
            return restore_last_certified(args.id_number, args.day)
    raise AssertionError(args.command)  # argparse accepts only the commands above


def main(argv: Sequence[str] | None = None) -> int:
    out = asyncio.run(with_uow(_step(_parser().parse_args(argv))))
    if out is not None:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())

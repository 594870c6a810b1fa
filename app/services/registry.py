"""The registry of people as operators and the demo seed fill it: a person, their portrait
(the photo the authorities hold) and their household link."""

from __future__ import annotations

import secrets
from uuid import UUID

import anyio

from app.adapters.clock import utcnow
from app.adapters.images import normalise_image
from app.adapters.portraits import FilePortraits
from app.domain.identity import IdNumber
from app.services.context import UnitOfWork


class AlreadyRegistered(Exception):
    pass


class NotRegistered(Exception):
    """The person named for the household link is not in the registry."""


async def add_person(
    uow: UnitOfWork,
    portraits: FilePortraits,
    *,
    name: str,
    number: IdNumber,
    portrait: bytes | None = None,
    household_of: IdNumber | None = None,
) -> UUID:
    """Register a person; returns their id. Raises AlreadyRegistered, NotRegistered, or
    ImageRejected for a portrait that is not a usable JPG or PNG. The household link joins
    the other person's household (one is made for them if they have none)."""
    if await uow.people.by_id_number(number):
        raise AlreadyRegistered
    household = await _household(uow, household_of) if household_of else None
    clean = await _clean(uow, portrait) if portrait is not None else None
    person = await uow.people.add(name=name, number=number, household_code=household)
    if clean is not None:
        await portraits.save(person.id, clean)
    uow.audit.record("registry.person_added", at=utcnow(), actor=None, subject=person.id)
    return person.id


async def _household(uow: UnitOfWork, number: IdNumber) -> str:
    other = await uow.people.by_id_number(number)
    if other is None:
        raise NotRegistered
    if other.household_code is None:
        other.household_code = f"hh-{secrets.token_hex(8)}"
    return other.household_code


async def _clean(uow: UnitOfWork, image: bytes) -> bytes:
    """Checked and re-encoded like an upload (no metadata kept); CPU work, off the loop."""
    policy = uow.policy
    clean, _extension = await anyio.to_thread.run_sync(
        lambda: normalise_image(
            image, max_bytes=policy.upload_max_bytes, max_pixels=policy.upload_max_pixels
        )
    )
    return clean


async def set_portrait(
    uow: UnitOfWork, portraits: FilePortraits, person_id: UUID, image: bytes
) -> None:
    """Store a registry person's portrait (raises ImageRejected)."""
    await portraits.save(person_id, await _clean(uow, image))

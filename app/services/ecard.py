"""Applying for an e-card, for oneself or for an active member (after the holder's PIN step-up)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError

from app.db.models import ECard
from app.domain.views import CardView
from app.services.context import UnitOfWork
from app.services.subject import Subject, record

ACTIVE = "active"
CHINA = ZoneInfo("Asia/Shanghai")  # the card's issue date is the date where it is issued
NUMBER_ATTEMPTS = 10  # 100 000 numbers per region: a clash is rare, ten in a row is a fault


class CardExists(Exception):
    """The subject has a card already: nothing is issued twice."""


def usable(card: ECard | CardView | None) -> bool:
    """Only an active card can be used; a lost, locked or cancelled one cannot (§1 Card state)."""
    return card is not None and card.status == ACTIVE


def china_date(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def new_card_number(region_code: str) -> str:
    """ "A", the six-digit region code of the ID number, five random digits."""
    return f"A{region_code}{secrets.randbelow(10**5):05d}"


async def viewed(uow: UnitOfWork, subject: Subject, now: datetime) -> None:
    """The holder looked at a member's card (audited; nothing for one's own card)."""
    record(uow, subject, "card.viewed", now)


async def apply(uow: UnitOfWork, subject: Subject, now: datetime) -> ECard:
    """Raises CardExists. The route asks for the holder's PIN first (the step-up)."""
    person_id, holder_id = subject.person.id, subject.holder.id
    region = uow.id_number_of(subject.person).region_code
    if await uow.cards.for_person(person_id):
        raise CardExists
    for _attempt in range(NUMBER_ATTEMPTS):
        if await uow.cards.for_person(person_id):
            raise CardExists
        number = new_card_number(region)
        if await uow.cards.number_taken(number):
            continue
        card = ECard(
            person_id=person_id, card_number=number, status=ACTIVE, issued_on=china_date(now)
        )
        try:
            async with uow.savepoint():
                await uow.cards.add(card)
        except IntegrityError:  # a request at the same moment: the loop looks again
            continue
        # Recorded for oneself too: issuing a card is worth a trace whoever asked.
        uow.audit.record("ecard.applied", at=now, actor=holder_id, subject=person_id)
        return card
    raise RuntimeError("no free card number")

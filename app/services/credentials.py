"""QR credentials: issued on the card page, accepted once at a service counter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from app.db.views import person_view
from app.domain import credential
from app.domain.credential import CredentialRefused
from app.domain.views import CardView, PersonView
from app.services.context import UnitOfWork
from app.services.ecard import usable
from app.services.subject import Subject, record


class CardNotUsable(Exception):
    """No card, or one that is lost, locked or cancelled: no QR code is shown for it."""


@dataclass(frozen=True, slots=True)
class ShownCode:
    token: str
    expires_at: datetime

    @property
    def grouped(self) -> str:
        return credential.grouped(self.token)


@dataclass(frozen=True, slots=True)
class Presented:
    """What the counter sees for an accepted code."""

    person: PersonView
    masked_id: str
    card: CardView | None

    @property
    def usable(self) -> bool:
        return usable(self.card)


async def show_code(uow: UnitOfWork, subject: Subject, now: datetime) -> ShownCode:
    """A fresh code; each one shown for a member is audited."""
    if not usable(subject.person.card):
        raise CardNotUsable
    token, claims = credential.issue(
        subject.person.id,
        now=now,
        valid_seconds=uow.policy.qr_valid_seconds,
        mac=uow.cipher.credential_mac,
    )
    record(uow, subject, "qr.shown", now)
    return ShownCode(token=token, expires_at=claims.expires_at)


async def accept(uow: UnitOfWork, staff_id: UUID, raw: str, now: datetime) -> Presented:
    """Reads the code and spends it; raises CredentialRefused (malformed, forged, expired,
    used, unknown). A code for a card that cannot be used is spent too: it was presented."""
    claims = credential.read(raw, now=now, mac=uow.cipher.credential_mac)
    if await uow.spent_credentials.is_spent(claims.nonce_key):
        raise CredentialRefused("used")
    person = await uow.people.get(claims.person_id)
    if person is None:
        raise CredentialRefused("unknown")
    try:
        async with uow.savepoint():
            await uow.spent_credentials.spend(claims.nonce_key, claims.expires_at)
    except IntegrityError:  # spent by another counter at the same moment
        raise CredentialRefused("used") from None
    card = person.card
    action = "qr.accepted" if usable(card) else "qr.card_not_usable"
    detail = "none" if card is None else card.status  # the card status the counter saw
    uow.audit.record(action, at=now, actor=None, subject=person.id, staff=staff_id, detail=detail)
    shown = person_view(person)
    return Presented(person=shown, masked_id=uow.masked_id_of(person), card=shown.card)

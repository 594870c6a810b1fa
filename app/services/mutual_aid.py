"""Family mutual aid (issue 14 point 5; domain-rules §9): a holder in the employee medical
insurance sets a quota from their personal medical account for a close relative among their
members; it pays the relative's self-paid costs after the relative's own account, and the
holder cannot spend it while it is set aside. Ending it returns what is unused; so does either
side's insurance ending or moving (end_for_person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from app.db.models import MutualAid
from app.domain.affinity import Relationship
from app.domain.mutual_aid import AidRefused, is_close_relative, refusal
from app.domain.views import AidView, Holder
from app.services.context import UnitOfWork
from app.services.payments import employee_insured
from app.services.subject import Subject, own, record


@dataclass(frozen=True, slots=True)
class AidOffer:
    relation: str
    close_relative: bool
    giver_insured: bool
    relative_insured: bool
    balance_fen: int  # the holder's personal medical account
    spendable_fen: int  # less what is set aside (this link's unused quota counted back in)
    link: AidView | None

    @property
    def open(self) -> bool:
        return self.close_relative and self.giver_insured and self.relative_insured


async def relative_insured(uow: UnitOfWork, subject: Subject, today: date) -> bool:
    """In either medical scheme: an employee (or retired one), or residents' cover this year."""
    if await employee_insured(uow, subject, today):
        return True
    years = await uow.contributions.paid_years(subject.person.id, "medical", "resident")
    return today.year in years


async def offer(uow: UnitOfWork, account: Holder, subject: Subject, today: date) -> AidOffer:
    assert subject.binding is not None, "mutual aid is for a member"
    giver = own(account)
    found = await uow.medical_accounts.get(account.person_id)
    link = await uow.aid_links.active(account.person_id, subject.person.id)
    balance = found.balance_fen if found else 0
    set_aside = found.set_aside_fen if found else 0
    unused = link.left_fen if link else 0
    return AidOffer(
        relation=subject.binding.relation,
        close_relative=is_close_relative(Relationship(subject.binding.relation)),
        giver_insured=found is not None and await employee_insured(uow, giver, today),
        relative_insured=await relative_insured(uow, subject, today),
        balance_fen=balance,
        spendable_fen=balance - set_aside + unused,
        link=link,
    )


async def set_quota(
    uow: UnitOfWork, account: Holder, subject: Subject, quota_fen: int, now: datetime
) -> AidView | AidRefused:
    """Set (or change) the quota for this relative: the previous one's unused part returns
    first, then the new one is set aside, out of what the holder may spend."""
    found = await offer(uow, account, subject, now.date())
    problem = refusal(
        Relationship(found.relation),
        giver_employee_insured=found.giver_insured,
        relative_insured=found.relative_insured,
        quota=Decimal(quota_fen),
        spendable=Decimal(found.spendable_fen),
    )
    if problem is not None:
        return problem
    if found.link is not None:
        await _end(uow, found.link, now, "changed")
    if not await uow.medical_accounts.set_aside(account.person_id, quota_fen):
        return AidRefused.QUOTA_OVER_BALANCE  # spent or set aside meanwhile
    link = await uow.aid_links.add(
        MutualAid(
            giver_person_id=account.person_id,
            relative_person_id=subject.person.id,
            relation=found.relation,
            quota_fen=quota_fen,
            used_fen=0,
        )
    )
    record(uow, subject, "aid.set", now, detail=f"quota_fen={quota_fen}")
    view = await uow.aid_links.active(account.person_id, subject.person.id)
    assert view is not None and view.id == link.id
    return view


async def _end(uow: UnitOfWork, link: AidView, now: datetime, reason: str) -> AidView | None:
    ended = await uow.aid_links.end(link.id, now, reason)
    if ended is not None and ended.left_fen:
        await uow.medical_accounts.release(ended.giver_person_id, ended.left_fen)
    return ended


async def end(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> bool:
    link = await uow.aid_links.active(account.person_id, subject.person.id)
    if link is None or await _end(uow, link, now, "ended") is None:
        return False
    record(uow, subject, "aid.ended", now, detail=f"returned_fen={link.left_fen}")
    return True


async def end_for_person(uow: UnitOfWork, person_id: UUID, now: datetime, reason: str) -> int:
    """Either side's insurance ended or moved: every link of theirs ends by itself, and the
    unused quota returns to each giver. How many ended."""
    ended = 0
    for link in await uow.aid_links.active_of(person_id):
        if await _end(uow, link, now, reason) is not None:
            uow.audit.record(
                "aid.ended_by_itself",
                at=now,
                actor=None,
                subject=link.relative_person_id,
                detail=f"reason={reason} returned_fen={link.left_fen}",
            )
            ended += 1
    return ended

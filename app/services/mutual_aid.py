"""Family mutual aid (issue 14 point 5; domain-rules §9): a holder in the employee medical
insurance sets a quota from their personal medical account for a close relative among their
members; it pays the relative's self-paid costs after the relative's own account, and the
holder cannot spend it while it is set aside. Ending it returns what is unused; so does either
side's insurance ending (end_lapsed, checked whenever a link is about to be shown or used, and
swept by the periodic tidy-up) or moving (end_for_person, when a medical transfer completes),
and the end of the binding it was set through (end_between)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from app.db.models import MutualAid
from app.domain.affinity import Relationship
from app.domain.mutual_aid import AidEnd, AidRefused, is_close_relative, lapse, refusal
from app.domain.views import AidView, Holder
from app.services.context import UnitOfWork
from app.services.insured import employee_insured, medically_insured
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
    ended: AidView | None = None  # the last link that ended, when none stands

    @property
    def open(self) -> bool:
        return self.close_relative and self.giver_insured and self.relative_insured


async def relative_insured(uow: UnitOfWork, subject: Subject, today: date) -> bool:
    return await medically_insured(uow, subject.person, today)


async def offer(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> AidOffer:
    """What the aid page shows; a link whose giver or relative is no longer insured ends here
    first, so the page never shows (nor lets anyone use) a quota that has lapsed."""
    assert subject.binding is not None, "mutual aid is for a member"
    giver, today = own(account), now.date()
    found = await uow.medical_accounts.get(account.person_id)
    giver_insured = found is not None and await employee_insured(uow, giver.person, today)
    insured = await relative_insured(uow, subject, today)
    link = await uow.aid_links.active(account.person_id, subject.person.id)
    if link is not None:
        why = lapse(giver_employee_insured=giver_insured, relative_insured=insured)
        if why is not None and await _end_by_itself(uow, link, now, why):
            link, found = None, await uow.medical_accounts.get(account.person_id)
    balance = found.balance_fen if found else 0
    set_aside = found.set_aside_fen if found else 0
    unused = link.left_fen if link else 0
    last = None if link else await uow.aid_links.last_ended(account.person_id, subject.person.id)
    return AidOffer(
        relation=subject.binding.relation,
        close_relative=is_close_relative(Relationship(subject.binding.relation)),
        giver_insured=giver_insured,
        relative_insured=insured,
        balance_fen=balance,
        spendable_fen=balance - set_aside + unused,
        link=link,
        ended=last,
    )


def _refusal(found: AidOffer, quota_fen: int) -> AidRefused | None:
    return refusal(
        Relationship(found.relation),
        giver_employee_insured=found.giver_insured,
        relative_insured=found.relative_insured,
        quota=Decimal(quota_fen),
        spendable=Decimal(found.spendable_fen),
    )


async def quota_refusal(
    uow: UnitOfWork, account: Holder, subject: Subject, quota_fen: int, now: datetime
) -> AidRefused | None:
    """Why this quota could not be set now, before the PIN is asked for it (set_quota checks
    again: the account may change meanwhile)."""
    return _refusal(await offer(uow, account, subject, now), quota_fen)


async def set_quota(
    uow: UnitOfWork, account: Holder, subject: Subject, quota_fen: int, now: datetime
) -> AidView | AidRefused:
    """Set (or change) the quota for this relative: the previous one's unused part returns
    first, then the new one is set aside, out of what the holder may spend. The route has
    checked the PIN step-up: the quota leaves what the holder may spend."""
    found = await offer(uow, account, subject, now)
    problem = _refusal(found, quota_fen)
    if problem is not None:
        return problem
    if found.link is not None:
        await _end(uow, found.link, now, AidEnd.CHANGED)
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


async def _end(uow: UnitOfWork, link: AidView, now: datetime, reason: AidEnd) -> AidView | None:
    """End the link once; what is unused comes back to what the giver may spend (the money
    never left their personal account: only the part set aside for the relative shrinks)."""
    ended = await uow.aid_links.end(link.id, now, reason.value)
    if ended is not None and ended.left_fen:
        await uow.medical_accounts.release(ended.giver_person_id, ended.left_fen)
    return ended


async def end(uow: UnitOfWork, account: Holder, subject: Subject, now: datetime) -> bool:
    link = await uow.aid_links.active(account.person_id, subject.person.id)
    if link is None or await _end(uow, link, now, AidEnd.ENDED) is None:
        return False
    record(uow, subject, "aid.ended", now, detail=f"returned_fen={link.left_fen}")
    return True


async def _end_by_itself(uow: UnitOfWork, link: AidView, now: datetime, reason: AidEnd) -> bool:
    """End a link nobody ended by hand, audited for both sides."""
    ended = await _end(uow, link, now, reason)
    if ended is None:
        return False  # ended meanwhile by another request
    detail = f"reason={reason.value} returned_fen={ended.left_fen}"
    for person_id in (ended.relative_person_id, ended.giver_person_id):
        uow.audit.record(
            "aid.ended_by_itself", at=now, actor=None, subject=person_id, detail=detail
        )
    return True


async def end_for_person(uow: UnitOfWork, person_id: UUID, now: datetime, reason: str) -> int:
    """Either side's insurance ended or moved: every link of theirs ends by itself, and the
    unused quota returns to each giver. How many ended."""
    ended = 0
    for link in await uow.aid_links.active_of(person_id):
        ended += await _end_by_itself(uow, link, now, AidEnd(reason))
    return ended


async def end_between(uow: UnitOfWork, giver: UUID, relative: UUID, now: datetime) -> bool:
    """The binding the aid was set through ended: nobody could see or end the link any more,
    so it ends with it and the unused quota returns."""
    link = await uow.aid_links.active(giver, relative)
    return link is not None and await _end_by_itself(uow, link, now, AidEnd.UNBOUND)


async def lapsed(uow: UnitOfWork, link: AidView, today: date) -> AidEnd | None:
    """Why this link ends by itself today, if it does (§9: either side's insurance ended)."""
    giver = await uow.views.person(link.giver_person_id)
    relative = await uow.views.person(link.relative_person_id)
    if giver is None or relative is None:  # pragma: no cover - people are never deleted
        return AidEnd.RELATIVE_UNINSURED if giver else AidEnd.GIVER_UNINSURED
    return lapse(
        giver_employee_insured=await employee_insured(uow, giver, today),
        relative_insured=await medically_insured(uow, relative, today),
    )


async def standing(uow: UnitOfWork, links: list[AidView], now: datetime) -> list[AidView]:
    """The links that still stand; the lapsed ones end here, before anything uses them."""
    kept = []
    for link in links:
        why = await lapsed(uow, link, now.date())
        if why is None:
            kept.append(link)
        else:
            await _end_by_itself(uow, link, now, why)
    return kept


async def sweep(uow: UnitOfWork, now: datetime) -> int:
    """End every link whose giver or relative is no longer insured. How many this call ended
    (another process may end the same link first: it returns the quota, this one does not)."""
    ended = 0
    for link in await uow.aid_links.all_active():
        why = await lapsed(uow, link, now.date())
        if why is not None:
            ended += await _end_by_itself(uow, link, now, why)
    return ended

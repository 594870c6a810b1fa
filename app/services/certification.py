"""Eligibility certification (待遇资格认证, domain-rules §7) for a pensioner: the state of the
yearly cycle, and certifying by face recognition against the binding's reference image.

A member the holder acts for is checked against the registry portrait (under 16, the face photo
given when binding them; never a document the holder chose), counted on the binding. A pensioner
certifies themself on /my once it is due, against their own registry portrait, counted on
them. Whoever the registry holds no portrait of certifies in person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from app.adapters.document_store import DocumentStore
from app.adapters.portraits import PortraitSource
from app.db.models import AffinityBinding, FaceCheck
from app.domain.certification import (
    CertificationState,
    certification_state,
    days_left,
    due_date,
    next_valid_until,
)
from app.domain.views import FaceCheckView
from app.services import face
from app.services.context import UnitOfWork
from app.services.subject import Subject, record, refreshed


class NotCertifiable(Exception):
    """Not a pensioner, or (certifying oneself) not due yet: no face check is offered here."""


@dataclass(frozen=True, slots=True)
class CertificationView:
    subject: Subject
    pensioner: bool
    state: CertificationState | None = None
    last_certified: date | None = None
    valid_until: date | None = None  # the due date: the last day the certification counts
    days_left: int | None = None
    online: bool = False  # a face check can be done here (a member; oneself once due)
    no_reference: bool = False  # no registry portrait: in person (or 12333) only
    in_person: bool = False  # too many failed checks: certify at a service centre
    wait_until: datetime | None = None
    tries_before_wait: int = 0


async def _binding_of(uow: UnitOfWork, subject: Subject) -> AffinityBinding | None:
    """The binding row as it is now: a background check may have decided since the request
    began."""
    return await uow.bindings.get(subject.binding.id) if subject.binding else None


async def _counted_of(uow: UnitOfWork, subject: Subject) -> face.Counted | None:
    """Whose face check counters apply: the member's binding, or the person's own row."""
    if subject.acting_for:
        return await _binding_of(uow, subject)
    return await uow.people.fresh(subject.person.id)


async def reference_available(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    subject: Subject,
    now: datetime,
) -> bool:
    if not subject.acting_for:
        return await face.has_own_reference(portraits, subject.person.id)
    binding = await _binding_of(uow, subject)
    return binding is not None and await face.has_reference(uow, store, portraits, binding, now)


async def describe(
    uow: UnitOfWork, subject: Subject, now: datetime, *, has_reference: bool = True
) -> CertificationView:
    """The state on `now`'s date (UTC, as the family dashboard counts it)."""
    subject = await refreshed(uow, subject)
    person = subject.person
    today = now.date()
    if not person.is_pensioner:
        return CertificationView(subject=subject, pensioner=False)
    last = person.last_certified_on
    state = certification_state(last, today)
    counted = await _counted_of(uow, subject)
    attempts = face.attempts_of(counted) if counted else None
    # Oneself: only once due (a member's holder may certify them early).
    offered = counted is not None and (subject.acting_for or state is not CertificationState.VALID)
    return CertificationView(
        subject=subject,
        pensioner=True,
        state=state,
        last_certified=last,
        valid_until=due_date(last) if last else None,
        days_left=days_left(last, today) if last else None,
        online=offered and has_reference,
        no_reference=offered and not has_reference,
        in_person=counted is not None and face.certification_in_person(counted, uow.policy),
        wait_until=attempts.wait_until if attempts and attempts.waiting(now) else None,
        tries_before_wait=attempts.tries_before_wait(uow.policy.face_failures_before_wait)
        if attempts
        else 0,
    )


async def view(uow: UnitOfWork, subject: Subject, now: datetime, page: str = "") -> None:
    """Every page shown for a member is audited (`page` says which, never an ID number)."""
    record(uow, subject, "certification.viewed", now, detail=page)


async def _certifiable(uow: UnitOfWork, subject: Subject) -> AffinityBinding:
    binding = await _binding_of(uow, subject)
    if binding is None or not face.expects(binding, face.CERTIFICATION):
        raise NotCertifiable
    return binding


async def start(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    subject: Subject,
    selfie: bytes,
    now: datetime,
) -> FaceCheck:
    """Raises NotCertifiable, ImageRejected, FaceWait, CertifyInPerson, NoReference or
    CheckPending."""
    if not subject.acting_for:
        try:
            return await face.start_own_check(uow, store, portraits, subject.person.id, selfie, now)
        except face.NotAwaitingFace:
            raise NotCertifiable from None
    binding = await _certifiable(uow, subject)
    return await face.start_check(
        uow, store, portraits, binding, selfie, now, purpose=face.CERTIFICATION
    )


async def handoff(uow: UnitOfWork, subject: Subject, now: datetime) -> str:
    """A code for the member's own phone. Raises NotCertifiable or CertifyInPerson."""
    binding = await _certifiable(uow, subject)
    if face.certification_in_person(binding, uow.policy):
        raise face.CertifyInPerson
    return await face.create_handoff(uow, binding, now, purpose=face.CERTIFICATION)


async def check_of(uow: UnitOfWork, subject: Subject, check_id: UUID) -> FaceCheckView | None:
    """This member's certification check, or the person's own (describe() then reads the
    binding and person as fresh as it)."""
    check = await face.check_view(uow, check_id)
    if check is None or check.purpose != face.CERTIFICATION:
        return None
    if subject.binding is not None:
        return check if check.binding_id == subject.binding.id else None
    return check if check.person_id == subject.person.id else None


def valid_until_after(check: FaceCheckView) -> date | None:
    """Until when a passed check keeps payments going."""
    if check.state != face.MATCHED or check.decided_at is None:
        return None
    return next_valid_until(check.decided_at.date())


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a decided certification means for the member, on their own phone."""

    valid_until: date | None
    resumed: bool  # suspended payments resume
    in_person: bool  # too many failures: certify at a service centre


async def outcome(uow: UnitOfWork, check: FaceCheckView) -> Outcome:
    binding = await uow.bindings.get(check.binding_id) if check.binding_id else None
    return Outcome(
        valid_until=valid_until_after(check),
        resumed=check.reason == face.RESUMED,
        in_person=binding is not None and face.certification_in_person(binding, uow.policy),
    )

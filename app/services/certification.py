"""Eligibility certification (待遇资格认证, domain-rules §7) for a pensioner: the state of the
yearly cycle, and certifying by face recognition against the binding's reference image.

Only a member the holder acts for can be checked here, against the registry portrait (under 16,
the face photo given when binding them; never a document the holder chose). The holder themself
certifies elsewhere, and so does a member the registry holds no portrait of.
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
    """Not a pensioner, or the holder themself: no face check is offered here."""


@dataclass(frozen=True, slots=True)
class CertificationView:
    subject: Subject
    pensioner: bool
    state: CertificationState | None = None
    last_certified: date | None = None
    valid_until: date | None = None  # the due date: the last day the certification counts
    days_left: int | None = None
    online: bool = False  # a face check can be done here (a pensioner member)
    no_reference: bool = False  # a member, but no registry portrait: in person only
    in_person: bool = False  # too many failed checks: certify at a service centre
    wait_until: datetime | None = None
    tries_before_wait: int = 0


async def _binding_of(uow: UnitOfWork, subject: Subject) -> AffinityBinding | None:
    """The binding row as it is now: a background check may have decided since the request
    began."""
    return await uow.bindings.get(subject.binding.id) if subject.binding else None


async def reference_available(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    subject: Subject,
    now: datetime,
) -> bool:
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
    binding = await _binding_of(uow, subject)
    attempts = face.attempts_of(binding) if binding else None
    return CertificationView(
        subject=subject,
        pensioner=True,
        state=certification_state(last, today),
        last_certified=last,
        valid_until=due_date(last) if last else None,
        days_left=days_left(last, today) if last else None,
        online=binding is not None and has_reference,
        no_reference=binding is not None and not has_reference,
        in_person=binding is not None and face.certification_in_person(binding, uow.policy),
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
    """Raises NotCertifiable, ImageRejected, FaceWait, CertifyInPerson or NoReference."""
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
    """This member's certification check (describe() then reads the binding and person as
    fresh as it)."""
    binding = subject.binding
    check = await face.check_view(uow, check_id)
    if (
        binding is None
        or check is None
        or check.binding_id != binding.id
        or check.purpose != face.CERTIFICATION
    ):
        return None
    return check


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
    binding = await uow.bindings.get(check.binding_id)
    return Outcome(
        valid_until=valid_until_after(check),
        resumed=check.reason == face.RESUMED,
        in_person=binding is not None and face.certification_in_person(binding, uow.policy),
    )

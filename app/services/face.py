"""Face recognition of the family member (or of a person themself: certifying, or proving who
forgot their PIN or password): start a check, match in the background, decide."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.portraits import PortraitSource
from app.db.models import AffinityBinding, FaceCheck, HandoffCode, Person
from app.db.views import face_check_view
from app.domain.affinity import BindingEvent, BindingState, IllegalTransition, face_reference
from app.domain.certification import CertificationState, certification_state
from app.domain.face import Attempts, UnusablePhoto, is_match
from app.domain.handoff import new_code
from app.domain.in_person import new_reference
from app.domain.policy import Policy
from app.domain.views import FaceCheckView
from app.services.affinity import replace_document
from app.services.context import UnitOfWork
from app.services.conversion_confirm import CONVERSION
from app.services.conversion_confirm import confirm as confirm_conversion

PENDING, MATCHED, FAILED, UNUSABLE = "pending", "matched", "failed", "unusable"
ERROR = "error"  # the matching job kept failing: nothing is counted against the member
NO_REFERENCE = "no_reference"  # an error's reason: nothing to match the selfie against
log = logging.getLogger("essc.face")
# Why a face check is made: to open a binding, or the member's yearly eligibility
# certification (domain-rules §7) once it is open; or, a person's own, to reset a forgotten
# PIN or password (domain-rules §10; app/services/resets.py).
BINDING, CERTIFICATION = "binding", "certification"
PIN_RESET, PASSWORD_RESET = "pin_reset", "password_reset"
RESETS = frozenset({PIN_RESET, PASSWORD_RESET})
_BINDING_STATE_FOR = {
    BINDING: BindingState.AWAITING_FACE.value,
    CERTIFICATION: BindingState.ACTIVE.value,
}
# The reason kept on a passed certification that ended a suspension of payments.
RESUMED = "resumed"


class FaceWait(Exception):
    def __init__(self, until: datetime) -> None:
        super().__init__(until.isoformat())
        self.until = until


class NotAwaitingFace(Exception):
    """The binding does not expect a face check for this purpose (see `expects`)."""


class NoReference(Exception):
    """The registry holds no portrait of the member (or, under 16, no face photo was given):
    face recognition cannot be done online, only the in-person check."""


class CertifyInPerson(Exception):
    """Certification failed policy.face_failures_before_in_person times: not online any more.
    The binding stays active; the member certifies at a service centre."""


def expects(binding: AffinityBinding, purpose: str) -> bool:
    """Binding: while it awaits the face. Certification: while active, for a pensioner."""
    if binding.state != _BINDING_STATE_FOR.get(purpose):
        return False
    return purpose == BINDING or binding.member.is_pensioner


# Whose counters a check counts on: the binding's (a member checked by the holder), or the
# person's own (a pensioner certifying themself, with no binding).
Counted = AffinityBinding | Person


def certification_in_person(counted: Counted, policy: Policy) -> bool:
    return attempts_of(counted).needs_in_person(policy.face_failures_before_in_person)


def _action(purpose: str, what: str) -> str:
    """Audit names: face.* for the binding; pin_reset.face_* and password_reset.face_* for a
    reset; conversion.face_* for confirming a conversion; certification.* (matched = passed)
    otherwise."""
    if purpose == BINDING:
        return f"face.{what}"
    if purpose in RESETS:
        return f"{purpose}.face_{what}"
    if purpose == CONVERSION:
        return f"conversion.face_{what}"
    return "certification." + ("passed" if what == MATCHED else what)


def _own_actor(purpose: str, person_id: UUID) -> UUID | None:
    """Who acts in a person's own check: the person, signed in; for a forgotten password
    nobody is signed in and anyone may type the ID number, so nobody until a reset is done."""
    return None if purpose == PASSWORD_RESET else person_id


def attempts_of(counted: Counted) -> Attempts:
    return Attempts(
        total=counted.face_failures_total,
        recent=counted.face_failures_recent,
        wait_until=counted.face_wait_until,
    )


def _store_attempts(counted: Counted, attempts: Attempts) -> None:
    counted.face_failures_total = attempts.total
    counted.face_failures_recent = attempts.recent
    counted.face_wait_until = attempts.wait_until


async def reference_image(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    binding: AffinityBinding,
    now: datetime,
) -> bytes | None:
    """The face the member's selfie is matched against: from 16 on, only the registry
    portrait; under 16, the face photo the holder uploaded. Never the relationship document
    (the holder chose it). None when there is no reference: the member is checked in person."""
    number = uow.id_number_of(binding.member)
    if face_reference(number, now.date(), uow.policy) == "registry_portrait":
        return await portraits.portrait(binding.member_person_id)
    if binding.face_photo_file is None:
        return None
    return await store.read(binding.face_photo_file)


async def has_reference(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    binding: AffinityBinding,
    now: datetime,
) -> bool:
    return await reference_image(uow, store, portraits, binding, now) is not None


async def has_own_reference(portraits: PortraitSource, person_id: UUID) -> bool:
    """A pensioner certifying themself is matched against their registry portrait only."""
    return await portraits.portrait(person_id) is not None


async def purge_selfies(uow: UnitOfWork, store: DocumentStore, now: datetime) -> int:
    """Delete selfies kept past policy.selfie_retention_days after their decision."""
    cutoff = now - timedelta(days=uow.policy.selfie_retention_days)
    checks = await uow.face_checks.kept_selfies(cutoff)
    for check in checks:
        await store.delete(check.selfie_file)
        check.selfie_file = None
    return len(checks)


async def start_check(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    binding: AffinityBinding,
    selfie: bytes,
    now: datetime,
    *,
    purpose: str = BINDING,
    handoff: HandoffCode | None = None,
) -> FaceCheck:
    """Store the selfie (raises ImageRejected) and record a pending check; raises FaceWait
    while the binding must wait after repeated failures (both purposes share the counters),
    CertifyInPerson once certification has failed too often, NoReference when there is
    nothing to match against, CheckPending while another check of the binding runs. A
    hand-off code is spent with the check, or HandoffInvalid if another request spent it first."""
    await uow.bindings.claim(binding)  # one start at a time per binding, on fresh counters
    if not expects(binding, purpose):
        raise NotAwaitingFace
    if not await has_reference(uow, store, portraits, binding, now):
        raise NoReference
    attempts = attempts_of(binding)
    if purpose == CERTIFICATION and certification_in_person(binding, uow.policy):
        raise CertifyInPerson
    if attempts.waiting(now) and attempts.wait_until is not None:
        raise FaceWait(attempts.wait_until)
    if pending := await uow.face_checks.pending_for(binding.id):
        raise CheckPending(pending.id)
    await purge_selfies(uow, store, now)  # each new check also clears out expired ones
    selfie_file = await replace_document(uow, store, None, selfie)
    if handoff is not None and not await uow.handoffs.spend(handoff.id, now):
        await store.delete(selfie_file)
        raise HandoffInvalid
    # The claim keeps a second pending check out; a unique index in the database holds it too.
    check = await uow.face_checks.add(
        FaceCheck(
            binding_id=binding.id,
            state=PENDING,
            selfie_file=selfie_file,
            purpose=purpose,
            turn=await uow.face_checks.next_turn(binding.holder_person_id),
        )
    )
    uow.audit.record(
        _action(purpose, "started"),
        at=now,
        actor=binding.holder_person_id,
        subject=binding.member_person_id,
    )
    return check


async def start_own_check(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    person_id: UUID,
    selfie: bytes,
    now: datetime,
    *,
    transfer_id: UUID | None = None,
) -> FaceCheck:
    """A person's own check (no binding), against their registry portrait, under the same
    limits as a member's, counted on the person: a pensioner certifying themself, or, with
    ``transfer_id``, someone confirming their own conversion (which the caller found awaiting
    them; the pass confirms it only if it still does). Raises NotAwaitingFace while the
    certification is valid (or they receive no pension), and otherwise as start_check."""
    purpose = CERTIFICATION if transfer_id is None else CONVERSION
    person = await uow.people.claim(person_id)  # one start at a time, on fresh counters
    if person is None or (purpose == CERTIFICATION and not own_certification_due(person, now)):
        raise NotAwaitingFace
    if await portraits.portrait(person.id) is None:
        raise NoReference
    attempts = attempts_of(person)
    if certification_in_person(person, uow.policy):
        raise CertifyInPerson
    if attempts.waiting(now) and attempts.wait_until is not None:
        raise FaceWait(attempts.wait_until)
    if pending := await uow.face_checks.pending_of_person(person.id):
        raise CheckPending(pending.id)
    # The claim keeps a second pending check out; a unique index in the database holds it too.
    check = await _pending_check(uow, store, person.id, selfie, now, purpose, transfer_id)
    detail = f"transfer={transfer_id}" if transfer_id else ""
    uow.audit.record(
        _action(purpose, "started"), at=now, actor=person.id, subject=person.id, detail=detail
    )
    return check


async def _pending_check(
    uow: UnitOfWork,
    store: DocumentStore,
    person_id: UUID,
    selfie: bytes,
    now: datetime,
    purpose: str,
    transfer_id: UUID | None = None,
) -> FaceCheck:
    """The person's new check, pending, with the selfie stored (old selfies purged first) and
    a turn of the person's own in the fair queue."""
    await purge_selfies(uow, store, now)
    selfie_file = await replace_document(uow, store, None, selfie)
    return await uow.face_checks.add(
        FaceCheck(
            person_id=person_id,
            state=PENDING,
            selfie_file=selfie_file,
            purpose=purpose,
            transfer_id=transfer_id,
            turn=await uow.face_checks.next_turn(person_id),
        )
    )


async def start_reset_check(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    person_id: UUID,
    selfie: bytes,
    now: datetime,
    *,
    purpose: str,
) -> FaceCheck:
    """Whoever forgot their PIN or password proves who they are against the person's registry
    portrait (never a photo anyone uploaded). The caller limits the attempts (services.limits,
    per person and per address): the face counters are left alone, so that a stranger's tries
    cannot hold up the person's own certification. Raises NoReference, CheckPending while
    another check of the person runs, or ImageRejected."""
    assert purpose in RESETS
    person = await uow.people.claim(person_id)  # one start at a time per person
    if person is None or await portraits.portrait(person.id) is None:
        raise NoReference
    if pending := await uow.face_checks.pending_of_person(person.id):
        raise CheckPending(pending.id)
    check = await _pending_check(uow, store, person.id, selfie, now, purpose)
    actor = _own_actor(purpose, person.id)
    uow.audit.record(_action(purpose, "started"), at=now, actor=actor, subject=person.id)
    return check


def own_certification_due(person: Person, now: datetime) -> bool:
    """A pensioner certifies themself here once the certification is due or overdue."""
    state = certification_state(person.last_certified_on, now.date())
    return person.is_pensioner and state is not CertificationState.VALID


async def pending_checks(uow: UnitOfWork) -> list[UUID]:
    """Checks still waiting for their match: enqueued again when a server starts."""
    return await uow.face_checks.pending_ids()


@dataclass(frozen=True)
class Parties:
    """Who a check is about: the member checked, whose counters it counts on, who acted (the
    holder, or the person themself) and the binding if there is one."""

    member: Person
    counted: Counted
    actor: UUID | None
    binding: AffinityBinding | None = None


async def _parties(uow: UnitOfWork, check: FaceCheck) -> Parties | None:
    if check.binding_id is not None:
        binding = await uow.bindings.get(check.binding_id)
        if binding is None:
            return None
        return Parties(binding.member, binding, binding.holder_person_id, binding)
    person = await uow.people.get(check.person_id) if check.person_id else None
    if person is None:
        return None
    return Parties(person, person, _own_actor(check.purpose, person.id))


async def _reference_of(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    parties: Parties,
    now: datetime,
) -> bytes | None:
    if parties.binding is not None:
        return await reference_image(uow, store, portraits, parties.binding, now)
    return await portraits.portrait(parties.member.id)  # a pensioner: over 16, the registry's


@dataclass(frozen=True)
class Runs:
    """How the matching jobs run checks: a lease outlasts the longest run (the queue stops a
    run at its time limit), a failed run is tried again after a growing delay, and a check is
    given up after `most` runs."""

    most: int
    lease: timedelta
    retry_seconds: float

    def backoff(self, runs: int) -> float:
        return self.retry_seconds * 2.0 ** (runs - 1)


async def run_next(
    new_uow: Callable[[], UnitOfWork],
    store: DocumentStore,
    portraits: PortraitSource,
    matcher: FaceMatcher,
    runs: Runs,
) -> float | None:
    """One turn of a matching job: claim the pending check that comes first between holders
    (not the one the job was queued for: one job is queued per check, so every check gets a
    turn, in fair order) and run it. Returns None when done, or seconds after which the job
    should look again: a failed run's back-off, or the end of a lease another worker holds
    (it may have crashed)."""
    uow = new_uow()
    try:
        now = utcnow()
        claimed = await uow.face_checks.claim_fairest(now, now + runs.lease)
        ends = None if claimed else await uow.face_checks.first_lease_end(now)
        await uow.commit()
        if claimed is None:
            return None if ends is None else max((ends - now).total_seconds(), 0.0)
        return await _run_claimed(uow, store, portraits, matcher, runs, *claimed)
    finally:
        await uow.db.close()


async def _run_claimed(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    matcher: FaceMatcher,
    runs: Runs,
    check_id: UUID,
    run: int,
) -> float | None:
    """The run is counted in the database before it starts, so a check that keeps failing (or
    kills its process) is given up after `runs.most`, even across restarts."""
    if run > runs.most:
        await _give_up(uow, store, check_id, run)
        return None
    try:
        await _match(uow, store, portraits, matcher, check_id)
    except Exception:
        await uow.db.rollback()
        if run < runs.most:
            delay = runs.backoff(run)
            log.exception(
                "face check %s failed on run %d, tried again in %.1f s", check_id, run, delay
            )
            await uow.face_checks.hold(check_id, utcnow() + timedelta(seconds=delay))
            await uow.commit()
            return delay
        log.exception("face check %s failed on its last run (%d)", check_id, run)
        await _give_up(uow, store, check_id, run)
    return None


async def _match(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    matcher: FaceMatcher,
    check_id: UUID,
) -> None:
    """Match the selfie against the reference and decide."""
    check = await uow.face_checks.get(check_id)
    parties = await _parties(uow, check) if check else None
    if check is None or parties is None or check.state != PENDING or not check.selfie_file:
        return
    reference = await _reference_of(uow, store, portraits, parties, utcnow())
    if reference is None:  # the registry lost it since the check began: nothing is counted
        await _give_up(uow, store, check.id, 0, reason=NO_REFERENCE)
        return
    try:
        distance = await matcher.distance(await store.read(check.selfie_file), reference)
    except UnusablePhoto as problem:
        await _decide(uow, store, parties, check, state=UNUSABLE, reason=problem.reason)
        return
    matched = is_match(distance, uow.policy.face_match_threshold)
    await _decide(
        uow, store, parties, check, state=MATCHED if matched else FAILED, distance=distance
    )


async def _give_up(
    uow: UnitOfWork, store: DocumentStore, check_id: UUID, runs: int, *, reason: str = ERROR
) -> None:
    """The user is told the photo could not be checked and asked to try again; it is not
    counted as a failed match."""
    check = await uow.face_checks.get(check_id)
    parties = await _parties(uow, check) if check else None
    if check is None or parties is None or check.state != PENDING:
        return
    await store.delete(check.selfie_file)
    check.state, check.reason, check.selfie_file = ERROR, reason, None
    check.decided_at = utcnow()
    uow.audit.record(
        _action(check.purpose, ERROR),
        at=check.decided_at,
        actor=parties.actor,
        subject=parties.member.id,
        detail=f"runs={runs}" if reason == ERROR else reason,
    )
    await uow.commit()


async def _decide(
    uow: UnitOfWork,
    store: DocumentStore,
    parties: Parties,
    check: FaceCheck,
    *,
    state: str,
    reason: str | None = None,
    distance: float | None = None,
) -> None:
    now = utcnow()
    policy = uow.policy
    check.state, check.reason, check.distance, check.decided_at = state, reason, distance, now
    if policy.selfie_retention_days == 0:
        await store.delete(check.selfie_file)
        check.selfie_file = None
    detail = (
        f"distance={distance:.3f} threshold={policy.face_match_threshold}"
        if distance
        else (reason or "")
    )
    if check.purpose not in RESETS:  # a reset's attempts are limited where they are sent
        _count_unusable(parties.counted, state, policy, now)
    if check.purpose == CERTIFICATION:
        _certification_outcome(parties, check, policy, now)
        if check.reason == RESUMED:
            detail += " payments_resumed"
    elif check.purpose == CONVERSION:
        await _conversion_outcome(uow, parties, check, now)
    elif parties.binding is not None:
        await _binding_outcome(uow, parties.binding, state, now)
    uow.audit.record(
        _action(check.purpose, state),
        at=now,
        actor=parties.actor,
        subject=parties.member.id,
        detail=detail,
    )
    await uow.commit()


def _count_unusable(counted: Counted, state: str, policy: Policy, now: datetime) -> None:
    """Unusable photos in a row count towards their own cap; reaching it imposes the failures'
    wait. Any photo that could be compared ends the row."""
    if state != UNUSABLE:
        counted.face_unusable_recent = 0
        return
    counted.face_unusable_recent += 1
    if counted.face_unusable_recent >= policy.face_unusable_before_wait:
        counted.face_unusable_recent = 0
        counted.face_wait_until = now + timedelta(minutes=policy.face_wait_minutes)


def _count_failure(counted: Counted, policy: Policy, now: datetime) -> Attempts:
    attempts = attempts_of(counted).after_failure(
        now,
        before_wait=policy.face_failures_before_wait,
        wait=timedelta(minutes=policy.face_wait_minutes),
    )
    _store_attempts(counted, attempts)
    return attempts


async def _binding_outcome(
    uow: UnitOfWork, binding: AffinityBinding, state: str, now: datetime
) -> None:
    """A match opens the binding; too many failures send it to staff. Only while it still
    awaits the face: one cancelled or expired while the check ran stays ended (the check
    and a failure's count are kept all the same)."""
    event = None
    if state == MATCHED:
        event = BindingEvent.FACE_MATCHED
    elif state == FAILED:
        attempts = _count_failure(binding, uow.policy, now)
        if attempts.needs_in_person(uow.policy.face_failures_before_in_person):
            event = BindingEvent.FACE_FAILED_TOO_OFTEN
    if event is None:
        return
    try:
        await uow.bindings.apply(binding, event, now)
    except IllegalTransition:
        return
    if event is BindingEvent.FACE_MATCHED:
        binding.activated_at = now
    else:
        give_reference(binding)


def give_reference(binding: AffinityBinding) -> None:
    """The code on the holder's slip, which staff find the binding by. 31^8 codes: a clash
    is as unlikely as guessing one, and the unique index refuses it rather than mix two up."""
    binding.in_person_reference = new_reference()


async def _conversion_outcome(
    uow: UnitOfWork, parties: Parties, check: FaceCheck, now: datetime
) -> None:
    """A pass confirms the conversion it was taken for (once) and clears the counters; a
    failure counts as any other."""
    if check.state == MATCHED:
        _store_attempts(parties.counted, Attempts())
        await confirm_conversion(uow, check, now)
    elif check.state == FAILED:
        _count_failure(parties.counted, uow.policy, now)


def _certification_outcome(
    parties: Parties, check: FaceCheck, policy: Policy, now: datetime
) -> None:
    """A pass certifies the member today and clears the counters (the member has just proved
    who they are). A failure counts like one for the binding, but never changes its state:
    after too many, the member certifies in person while the binding stays active."""
    if check.state == MATCHED:
        member = parties.member
        if certification_state(member.last_certified_on, now.date()).suspends_payments:
            check.reason = RESUMED
        member.last_certified_on = now.date()
        _store_attempts(parties.counted, Attempts())
    elif check.state == FAILED:
        _count_failure(parties.counted, policy, now)


# ---- hand-off to the member's own phone ------------------------------------------------


class CheckPending(Exception):
    """A check of this binding is still running: one at a time, so a burst of selfies cannot
    outrun the failure count. Carries the running check's id (None if it just ended)."""

    def __init__(self, check_id: UUID | None) -> None:
        super().__init__(str(check_id))
        self.check_id = check_id


class HandoffInvalid(Exception):
    """Unknown, used or expired: one error for all, so codes cannot be probed."""


async def create_handoff(
    uow: UnitOfWork, binding: AffinityBinding, now: datetime, *, purpose: str = BINDING
) -> str:
    """A new single-use code (returned once, stored hashed), valid policy.handoff_code_minutes."""
    if not expects(binding, purpose):
        raise NotAwaitingFace
    code = new_code()
    await uow.handoffs.add(
        HandoffCode(
            binding_id=binding.id,
            code_hash=uow.cipher.token_hash(code),
            purpose=purpose,
            expires_at=now + timedelta(minutes=uow.policy.handoff_code_minutes),
        )
    )
    uow.audit.record(
        _action(purpose, "handoff_created"),
        at=now,
        actor=binding.holder_person_id,
        subject=binding.member_person_id,
    )
    return code


async def open_handoff(
    uow: UnitOfWork, code: str, now: datetime
) -> tuple[HandoffCode, AffinityBinding]:
    """Raises HandoffInvalid."""
    handoff = await uow.handoffs.by_hash(uow.cipher.token_hash(code))
    if handoff is None or handoff.used_at is not None or handoff.expires_at <= now:
        raise HandoffInvalid
    binding = await uow.bindings.get(handoff.binding_id)
    if binding is None or not expects(binding, handoff.purpose):
        raise HandoffInvalid
    return handoff, binding


async def start_check_by_handoff(
    uow: UnitOfWork,
    store: DocumentStore,
    portraits: PortraitSource,
    code: str,
    selfie: bytes,
    now: datetime,
) -> FaceCheck:
    """The member's own phone: the code is spent once a selfie is accepted for checking."""
    handoff, binding = await open_handoff(uow, code, now)
    return await start_check(
        uow, store, portraits, binding, selfie, now, purpose=handoff.purpose, handoff=handoff
    )


async def check_view(uow: UnitOfWork, check_id: UUID) -> FaceCheckView | None:
    """A check as it is now (the matching job decides it in another transaction)."""
    check = await uow.face_checks.get(check_id)
    return None if check is None else face_check_view(check)


async def choose_in_person(uow: UnitOfWork, binding: AffinityBinding, now: datetime) -> bool:
    """The holder takes the in-person route (no registry portrait, or the member cannot do
    face recognition): the binding joins the staff queue of the member's region. False if it
    no longer awaits the face."""
    try:
        await uow.bindings.apply(binding, BindingEvent.CHOSE_IN_PERSON, now)
    except IllegalTransition:
        return False
    give_reference(binding)
    uow.audit.record(
        "affinity.chose_in_person",
        at=now,
        actor=binding.holder_person_id,
        subject=binding.member_person_id,
    )
    return True

"""Affinity services: the add-member wizard (a draft in the database), bindings, unbinding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

import anyio

from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.images import ImageRejected, normalise_image
from app.db.models import AffinityBinding, AffinityDraft, Person
from app.db.repositories import DraftDocument
from app.db.views import binding_detail, draft_view, person_view
from app.domain.affinity import (
    LIVE_STATES,
    NOTICE_VERSION,
    WIZARD,
    BindingState,
    DraftProgress,
    HeldBinding,
    IllegalTransition,
    Relationship,
    Step,
    answers_digest,
    check_new_member,
    details_change_clears_documents,
    ending_event,
    initial_state,
    names_match,
    needs_face_photo,
)
from app.domain.face import Attempts, UnusablePhoto
from app.domain.identity import IdNumber
from app.domain.views import BindingDetail, DoneFor, DraftView, Holder, PersonView
from app.services import mutual_aid
from app.services.context import UnitOfWork
from app.services.limits import REGISTRY_LOOKUP_HOLDER, REGISTRY_LOOKUP_IP, Limits


class NameMismatch(Exception):
    """The name does not match the registry record for that ID number, or there is no such
    record: one error for both, so the form does not reveal who is in the registry."""


class DraftIncomplete(Exception):
    pass


@dataclass(frozen=True, slots=True)
class Upload:
    data: bytes | None  # None: nothing chosen this time
    keep: bool = False  # keep the file already uploaded


# ---- the draft -------------------------------------------------------------------------


def progress_of(draft: AffinityDraft | DraftView) -> DraftProgress:
    return DraftProgress(
        notice_accepted=draft.notice_accepted_at is not None,
        details_done=draft.details_done,
        documents_done=draft.documents_done,
    )


def member_number(uow: UnitOfWork, draft: AffinityDraft | DraftView) -> IdNumber | None:
    if draft.id_number_cipher is None:
        return None
    return IdNumber(uow.cipher.decrypt(draft.id_number_cipher))


def draft_needs_face_photo(uow: UnitOfWork, draft: AffinityDraft | DraftView, today: date) -> bool:
    number = member_number(uow, draft)
    return number is not None and needs_face_photo(number, today, uow.policy)


def _touch(uow: UnitOfWork, draft: AffinityDraft, now: datetime) -> None:
    draft.expires_at = now + timedelta(hours=uow.policy.draft_expiry_hours)


async def discard_draft(uow: UnitOfWork, draft: AffinityDraft, store: DocumentStore) -> None:
    await store.delete(draft.proof_file)
    await store.delete(draft.face_photo_file)
    await uow.drafts.remove(draft)


async def open_draft(uow: UnitOfWork, account: Holder, now: datetime) -> DraftView | None:
    """The holder's unfinished, unexpired draft, if any (for the lists; creates nothing)."""
    draft = await uow.drafts.for_account(account.account_id)
    return draft_view(draft) if draft is not None and draft.expires_at > now else None


class DraftGone(LookupError):
    """Submitted or discarded by another request of the same holder meanwhile."""


async def _row(uow: UnitOfWork, draft: DraftView) -> AffinityDraft:
    """The draft's row, for the use cases that change it (the page holds a read model)."""
    row = await uow.drafts.get(draft.id)
    if row is None:
        raise DraftGone(str(draft.id))
    return row


async def current_draft(
    uow: UnitOfWork, account: Holder, store: DocumentStore, now: datetime
) -> DraftView:
    """The holder's draft; a new one when there is none or it has expired."""
    return draft_view(await _current_row(uow, account, store, now))


async def _current_row(
    uow: UnitOfWork, account: Holder, store: DocumentStore, now: datetime
) -> AffinityDraft:
    """The holder's draft; a new one when there is none or it has expired."""
    draft = await uow.drafts.for_account(account.account_id)
    if draft is not None and draft.expires_at <= now:
        await discard_draft(uow, draft, store)
        uow.audit.record("affinity.draft_expired", at=now, actor=account.person_id)
        draft = None
    if draft is None:
        draft = await uow.drafts.add(
            AffinityDraft(
                holder_account_id=account.account_id,
                expires_at=now + timedelta(hours=uow.policy.draft_expiry_hours),
            )
        )
        uow.audit.record("affinity.draft_started", at=now, actor=account.person_id)
    return draft


async def mark_pin_verified(
    uow: UnitOfWork, account: Holder, draft: DraftView, now: datetime
) -> None:
    """The holder has just passed the PIN step-up for adding a member (the session keeps it)."""
    _touch(uow, await _row(uow, draft), now)
    uow.audit.record("affinity.pin_verified", at=now, actor=account.person_id)


async def accept_notice(uow: UnitOfWork, account: Holder, view: DraftView, now: datetime) -> None:
    draft = await _row(uow, view)
    draft.notice_version = NOTICE_VERSION
    draft.notice_accepted_at = now
    _touch(uow, draft, now)
    uow.audit.record(
        "affinity.notice_accepted", at=now, actor=account.person_id, detail=NOTICE_VERSION
    )


async def _held_bindings(uow: UnitOfWork, holder: PersonView) -> list[HeldBinding]:
    return [
        HeldBinding(
            member_id_number=uow.id_number_of(binding.member).value,
            relationship=Relationship(binding.relation),
            state=BindingState(binding.state),
        )
        for binding in await uow.bindings.of_holder(holder.id)
    ]


async def _check_rules(
    uow: UnitOfWork, account: Holder, member: Person, relationship: Relationship
) -> None:
    """Raises BindingRefused."""
    check_new_member(
        holder=uow.id_number_of(account.person),
        member=uow.id_number_of(member),
        relationship=relationship,
        holder_bindings=await _held_bindings(uow, account.person),
        member_live_holder_count=await uow.bindings.live_holder_count(member.id, LIVE_STATES),
        policy=uow.policy,
    )


async def _registry_match(uow: UnitOfWork, number: IdNumber, name: str) -> Person:
    person = await uow.people.by_id_number(number)
    if person is None or not names_match(person.name, name):
        raise NameMismatch
    return person


@dataclass(frozen=True, slots=True)
class Lookup:
    """A look-up of a name and ID number the holder typed, counted against its limits."""

    limits: Limits
    ip: str


async def _look_up(
    uow: UnitOfWork,
    account: Holder,
    number: IdNumber,
    name: str,
    lookup: Lookup | None,
    now: datetime,
) -> Person:
    """The registry person, counted first when the holder typed the pair (raises
    TooManyAttempts before any look-up); a miss is audited, without what was typed."""
    if lookup is None:  # chosen from the household: nothing typed, nothing to guess
        return await _registry_match(uow, number, name)
    counted = await lookup.limits.count(
        now, (REGISTRY_LOOKUP_HOLDER, str(account.account_id)), (REGISTRY_LOOKUP_IP, lookup.ip)
    )
    try:
        member = await _registry_match(uow, number, name)
    except NameMismatch:
        uow.audit.record("affinity.lookup_missed", at=now, actor=account.person_id)
        raise
    await counted.succeeded()
    return member


async def submit_details(
    uow: UnitOfWork,
    account: Holder,
    view: DraftView,
    store: DocumentStore,
    *,
    name: str,
    number: IdNumber,
    relationship: Relationship,
    now: datetime,
    lookup: Lookup | None = None,
) -> None:
    """Raises NameMismatch, BindingRefused or TooManyAttempts. A changed ID number or
    relationship clears the documents, which were checked against the old answers."""
    draft = await _row(uow, view)
    member = await _look_up(uow, account, number, name, lookup, now)
    await _check_rules(uow, account, member, relationship)
    old_number = member_number(uow, draft)
    old_relationship = Relationship(draft.relation) if draft.relation else None
    if details_change_clears_documents(
        old_number.value if old_number else None, old_relationship, number.value, relationship
    ):
        for step in WIZARD.undone_by(Step.DETAILS.value):
            await _undo(draft, Step(step), store)
    draft.name = member.name
    draft.id_number_cipher = uow.cipher.encrypt(number.value)
    draft.relation = relationship.value
    draft.details_done = True
    _touch(uow, draft, now)
    uow.audit.record("affinity.details_entered", at=now, actor=account.person_id, subject=member.id)


async def _undo(draft: AffinityDraft, step: Step, store: DocumentStore) -> None:
    """Void a step's answers (the graph says which a change undoes)."""
    if step is Step.DOCUMENTS:
        await store.delete(draft.proof_file)
        await store.delete(draft.face_photo_file)
        draft.proof_file = draft.face_photo_file = None
        draft.documents_done = False


async def _clean_image(uow: UnitOfWork, data: bytes) -> tuple[bytes, str]:
    """Raises ImageRejected. Decoding is CPU work: off the event loop."""
    policy = uow.policy
    return await anyio.to_thread.run_sync(
        lambda: normalise_image(
            data, max_bytes=policy.upload_max_bytes, max_pixels=policy.upload_max_pixels
        )
    )


async def _store_image(uow: UnitOfWork, store: DocumentStore, data: bytes) -> str:
    """Raises ImageRejected."""
    clean, extension = await _clean_image(uow, data)
    return await store.save(clean, extension)


async def replace_document(
    uow: UnitOfWork, store: DocumentStore, current: str | None, data: bytes
) -> str:
    """Store a new upload (raises ImageRejected) and drop the file it replaces."""
    name = await _store_image(uow, store, data)
    await store.delete(current)
    return name


async def attach_documents(
    uow: UnitOfWork,
    store: DocumentStore,
    view: DraftView,
    uploads: dict[str, bytes],
    matcher: FaceMatcher,
) -> dict[str, ImageRejected | UnusablePhoto]:
    """Store the proof and the face photo ("proof", "face_photo"), each replacing the one
    before. The face photo is the member's face reference: one that shows no usable face, or
    several, could never be matched, so it is refused now. What did upload is kept even if the
    other file is refused; returns the refusals."""
    draft = await _row(uow, view)
    refused: dict[str, ImageRejected | UnusablePhoto] = {}
    for field, data in uploads.items():
        try:
            clean, extension = await _clean_image(uow, data)
            if field == "face_photo":
                await matcher.check_reference(clean)
        except (ImageRejected, UnusablePhoto) as rejected:
            refused[field] = rejected
            continue
        name = await store.save(clean, extension)
        await _swap_document(
            uow, store, draft, "proof_file" if field == "proof" else "face_photo_file", name
        )
    return refused


async def _swap_document(
    uow: UnitOfWork, store: DocumentStore, draft: AffinityDraft, field: DraftDocument, name: str
) -> None:
    """Make the stored file `name` the draft's document, and delete the file it replaces
    once that is committed. If another request replaced it meanwhile, its file stands and
    this one is deleted: either way no file is left that no draft points at."""
    current: str | None = getattr(draft, field)
    if await uow.drafts.swap_document(draft, field, current, name):
        uow.after_commit(lambda: store.delete(current))
        return
    await store.delete(name)
    await uow.db.refresh(draft)  # the winner's file


async def finish_documents(
    uow: UnitOfWork, account: Holder, view: DraftView, *, today: date, now: datetime
) -> None:
    """Raises DraftIncomplete when a required document is missing."""
    draft = await _row(uow, view)
    if draft.proof_file is None:
        raise DraftIncomplete("proof")
    if draft_needs_face_photo(uow, draft, today) and draft.face_photo_file is None:
        raise DraftIncomplete("face_photo")
    draft.documents_done = True
    _touch(uow, draft, now)
    uow.audit.record("affinity.documents_uploaded", at=now, actor=account.person_id)


class AnswersChanged(Exception):
    """The answers changed (in another tab, say) after the holder checked them."""


def draft_digest(uow: UnitOfWork, draft: AffinityDraft | DraftView) -> str | None:
    """The digest of the answers as the check page shows them; None while incomplete."""
    number = member_number(uow, draft)
    if not (number and draft.name and draft.relation and draft.proof_file):
        return None
    return answers_digest(
        member_id_number=number.value,
        name=draft.name,
        relationship=Relationship(draft.relation),
        proof_ref=draft.proof_file,
        face_photo_ref=draft.face_photo_file,
        notice_version=draft.notice_version or NOTICE_VERSION,
    )


async def _pair_failures(uow: UnitOfWork, holder_id: UUID, member_id: UUID) -> Attempts:
    """Failed face matches belong to the holder-member pair: a binding cancelled and added
    again starts where the last one left off, wait included (each new binding carries them)."""
    earlier = [
        b for b in await uow.bindings.of_holder(holder_id) if b.member_person_id == member_id
    ]
    if not earlier:
        return Attempts()
    last = max(earlier, key=lambda b: b.submitted_at)
    return Attempts(
        total=last.face_failures_total,
        recent=last.face_failures_recent,
        wait_until=last.face_wait_until,
    )


async def submit_binding(
    uow: UnitOfWork,
    account: Holder,
    view: DraftView,
    *,
    checked_digest: str,
    now: datetime,
) -> AffinityBinding:
    """Create the binding: awaiting the member's face recognition when the registry links
    holder and member in one household, else awaiting staff review of the relationship
    document (domain.affinity.initial_state). The declaration covers exactly the answers the
    holder checked (their digest); the rules are checked again, since another holder may have
    bound the member after the details step."""
    draft = await _row(uow, view)
    number = member_number(uow, draft)
    digest = draft_digest(uow, draft)
    if not (number and digest and draft.name and draft.relation and draft.proof_file):
        raise DraftIncomplete("answers")
    if draft.notice_accepted_at is None:
        raise DraftIncomplete("notice")
    if checked_digest != digest:
        raise AnswersChanged
    if draft_needs_face_photo(uow, draft, now.date()) and draft.face_photo_file is None:
        raise DraftIncomplete("face_photo")
    member = await _registry_match(uow, number, draft.name)
    relationship = Relationship(draft.relation)
    await _check_rules(uow, account, member, relationship)
    state = initial_state(relationship, same_household=same_household(account.person, member))
    notice_version = draft.notice_version or NOTICE_VERSION
    carried = await _pair_failures(uow, account.person_id, member.id)
    binding = await uow.bindings.add(
        AffinityBinding(
            holder_person_id=account.person_id,
            member_person_id=member.id,
            relation=relationship.value,
            state=state.value,
            notice_version=notice_version,
            notice_accepted_at=draft.notice_accepted_at,
            declaration_digest=digest,
            proof_file=draft.proof_file,
            face_photo_file=draft.face_photo_file,
            submitted_at=now,
            face_failures_total=carried.total,
            face_failures_recent=carried.recent,
            face_wait_until=carried.wait_until,
        )
    )
    await uow.drafts.remove(draft)  # its files now belong to the binding
    uow.audit.record(
        "affinity.submitted", at=now, actor=account.person_id, subject=member.id, detail=state
    )
    return binding


def same_household(holder: Person | PersonView, member: Person) -> bool:
    """The registry's household link: the only evidence of a relationship no staff check."""
    return holder.household_code is not None and holder.household_code == member.household_code


# ---- way in B: choose a family member from the household ------------------------------


async def household_members(uow: UnitOfWork, account: Holder) -> list[PersonView]:
    """The household list of way in B, as the page shows it."""
    return [person_view(p) for p in await household_choices(uow, account)]


async def household_choices(uow: UnitOfWork, account: Holder) -> list[Person]:
    """People the registry links to the holder's household, not yet bound by them."""
    live = {
        b.member_person_id
        for b in await uow.bindings.of_holder(account.person_id)
        if b.state in LIVE_STATES
    }
    return [p for p in await uow.people.household_of(account.person) if p.id not in live]


async def start_for_household_member(
    uow: UnitOfWork, account: Holder, store: DocumentStore, person_id: UUID, now: datetime
) -> bool:
    """Fill the draft's name and ID number from the registry; False if not in the household."""
    choices = {p.id: p for p in await household_choices(uow, account)}
    member = choices.get(person_id)
    if member is None:
        return False
    draft = await _current_row(uow, account, store, now)
    number = uow.id_number_of(member)
    if member_number(uow, draft) != number:
        await store.delete(draft.proof_file)
        await store.delete(draft.face_photo_file)
        draft.proof_file = draft.face_photo_file = None
        draft.relation = None
        draft.details_done = draft.documents_done = False
    draft.prefilled = True
    draft.name = member.name
    draft.id_number_cipher = uow.cipher.encrypt(number.value)
    _touch(uow, draft, now)
    uow.audit.record("affinity.member_chosen", at=now, actor=account.person_id, subject=member.id)
    return True


# ---- bindings ---------------------------------------------------------------------------


async def holder_binding(
    uow: UnitOfWork, account: Holder, binding_id: UUID
) -> AffinityBinding | None:
    """The binding if this holder owns it; None otherwise (the caller answers 404)."""
    binding = await uow.bindings.get(binding_id)
    if binding is None or binding.holder_person_id != account.person_id:
        return None
    return binding


async def discard_references(store: DocumentStore, binding: AffinityBinding) -> None:
    """Reference images live only as long as the binding. The names stay as a record of
    what was checked; the files are gone."""
    await store.delete(binding.proof_file)
    await store.delete(binding.face_photo_file)


async def end_binding(
    uow: UnitOfWork,
    store: DocumentStore,
    binding: AffinityBinding,
    *,
    by: PersonView,
    now: datetime,
) -> bool:
    """Cancel a pending binding or revoke an active one, at once. False if already ended,
    or if another request moved it first (its outcome stands)."""
    state = BindingState(binding.state)
    if state not in LIVE_STATES:
        return False
    event = ending_event(state, by_holder=by.id == binding.holder_person_id)
    try:
        ended = await uow.bindings.apply(binding, event, now)
    except IllegalTransition:
        return False
    binding.ended_at = now
    binding.ended_by_person_id = by.id
    if state is BindingState.ACTIVE:
        await mutual_aid.end_between(uow, binding.holder_person_id, binding.member_person_id, now)
    # The files go once the end is committed: a failed request must not lose them.
    uow.after_commit(lambda: discard_references(store, binding))
    uow.audit.record(
        f"affinity.{ended.value}",
        at=now,
        actor=by.id,
        subject=binding.member_person_id
        if by.id == binding.holder_person_id
        else binding.holder_person_id,
    )
    return True


async def bound_by_others(uow: UnitOfWork, account: Holder) -> list[BindingDetail]:
    """Live bindings in which this account's person is the member."""
    bindings = await uow.bindings.of_member(account.person_id)
    return [binding_detail(b) for b in bindings if b.state in LIVE_STATES]


NOT_ME = "affinity.reported_not_me"  # the audit action staff see as a report


async def report_not_me(
    uow: UnitOfWork, store: DocumentStore, member: Holder, binding_id: UUID, now: datetime
) -> bool:
    """The member says they never agreed: the binding is revoked at once, and the report is
    recorded for the staff of the member's region (audited, with the holder as its subject).
    False if it is not theirs, or had already ended."""
    binding = await uow.bindings.get(binding_id)
    if binding is None or binding.member_person_id != member.person_id:
        return False
    if not await end_binding(uow, store, binding, by=member.person, now=now):
        return False
    uow.audit.record(NOT_ME, at=now, actor=member.person_id, subject=binding.holder_person_id)
    return True


@dataclass(frozen=True, slots=True)
class CoHolder:
    """Another holder who can also act for one of this holder's members."""

    member_name: str
    holder_name: str
    since: datetime


async def co_holders(uow: UnitOfWork, account: Holder) -> list[CoHolder]:
    """Who else is bound to the members this holder acts for: nobody is bound behind the
    back of the family."""
    pairs = await uow.bindings.active_with_other_holders(
        account.person_id, BindingState.ACTIVE.value
    )
    return [
        CoHolder(
            member_name=theirs.member.name,
            holder_name=theirs.holder.name,
            since=theirs.activated_at or theirs.submitted_at,
        )
        for _mine, theirs in pairs
    ]


def member_under_age(uow: UnitOfWork, binding: AffinityBinding, today: date) -> bool:
    """Whether the member is young enough that the holder's face photo is their reference."""
    return needs_face_photo(uow.id_number_of(binding.member), today, uow.policy)


async def revoke_as_member(
    uow: UnitOfWork, store: DocumentStore, member: Holder, binding_id: UUID, now: datetime
) -> bool:
    """The member ends a holder's affinity service for them. False if it is not theirs to end
    (unknown, or another person's: both read the same)."""
    binding = await uow.bindings.get(binding_id)
    if binding is None or binding.member_person_id != member.person_id:
        return False
    await end_binding(uow, store, binding, by=member.person, now=now)
    return True


async def done_for(uow: UnitOfWork, holder: Holder) -> list[DoneFor]:
    """What others (holders or staff) did for this holder, newest first, with their names."""
    return [
        DoneFor(action=event.action, at=event.at, actor=actor, staff=staff, detail=event.detail)
        for event, actor, staff in await uow.audit.done_for(holder.person_id)
    ]

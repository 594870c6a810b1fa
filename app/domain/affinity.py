"""Affinity (family) bindings: who a holder may bind, and the add-member wizard (domain-rules §1)."""

from __future__ import annotations

import enum
import hashlib
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Literal

import msgspec

from app.domain.flow import FlowGraph, StepInfo
from app.domain.identity import IdNumber
from app.domain.policy import Policy

NOTICE_VERSION: str = "2025-01"  # version of the "Add affinity account notice" text

_DEFAULT_POLICY = Policy()
# The default policy's cap, for callers without settings; the running portal checks the
# configured one (Settings.policy), which the environment may change.
MAX_MEMBERS: int = _DEFAULT_POLICY.max_members_per_holder


class Relationship(enum.StrEnum):
    """The member, as seen from the holder: PARENT means the member is the holder's parent."""

    SPOUSE = "spouse"
    PARENT = "parent"
    CHILD = "child"
    GRANDPARENT = "grandparent"
    GRANDCHILD = "grandchild"
    SIBLING = "sibling"
    OTHER = "other"


class BindingState(enum.StrEnum):
    # Submitted without a household link in the registry (or as `other`): staff review the
    # document supporting the relationship before face recognition counts.
    DOCUMENTS_REVIEW = "documents_review"
    AWAITING_FACE = "awaiting_face"  # submitted; the member must pass face recognition
    ACTIVE = "active"
    REVOKED = "revoked"  # unbound by the holder or the member
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # the holder withdrew a pending binding
    NEEDS_IN_PERSON = "needs_in_person"  # too many failed face matches: staff must check
    REJECTED = "rejected"  # staff refused it after the in-person check


# A pending binding holds its slot too, so a holder cannot overshoot a cap with parallel wizards.
LIVE_STATES: frozenset[BindingState] = frozenset(
    {
        BindingState.DOCUMENTS_REVIEW,
        BindingState.AWAITING_FACE,
        BindingState.NEEDS_IN_PERSON,
        BindingState.ACTIVE,
    }
)
# Still pending: ending one cancels the request rather than revoking a service.
PENDING_STATES: frozenset[BindingState] = frozenset(
    {BindingState.DOCUMENTS_REVIEW, BindingState.AWAITING_FACE}
)

# A binding starts in one of these (initial_state says which): submitting is not a transition.
INITIAL_STATES: frozenset[BindingState] = PENDING_STATES


class BindingEvent(enum.StrEnum):
    DOCUMENTS_APPROVED = "documents_approved"  # staff accept the relationship document
    DOCUMENTS_REJECTED = "documents_rejected"
    FACE_MATCHED = "face_matched"
    FACE_FAILED_TOO_OFTEN = "face_failed_too_often"  # policy.face_failures_before_in_person
    CHOSE_IN_PERSON = "chose_in_person"  # the holder picks a service centre over the camera
    STAFF_APPROVED = "staff_approved"
    STAFF_REJECTED = "staff_rejected"
    EXPIRED = "expired"  # no face recognition within policy.awaiting_face_expiry_days
    CANCELLED_BY_HOLDER = "cancelled_by_holder"
    CANCELLED_BY_MEMBER = "cancelled_by_member"
    REVOKED_BY_HOLDER = "revoked_by_holder"
    REVOKED_BY_MEMBER = "revoked_by_member"


_S, _E = BindingState, BindingEvent
# (from, event) -> to. Anything not listed is illegal; the ended states have no way out.
TRANSITIONS: Mapping[tuple[BindingState, BindingEvent], BindingState] = MappingProxyType(
    {
        (_S.DOCUMENTS_REVIEW, _E.DOCUMENTS_APPROVED): _S.AWAITING_FACE,
        (_S.DOCUMENTS_REVIEW, _E.DOCUMENTS_REJECTED): _S.REJECTED,
        (_S.DOCUMENTS_REVIEW, _E.EXPIRED): _S.EXPIRED,
        (_S.DOCUMENTS_REVIEW, _E.CANCELLED_BY_HOLDER): _S.CANCELLED,
        (_S.DOCUMENTS_REVIEW, _E.CANCELLED_BY_MEMBER): _S.CANCELLED,
        (_S.AWAITING_FACE, _E.FACE_MATCHED): _S.ACTIVE,
        (_S.AWAITING_FACE, _E.FACE_FAILED_TOO_OFTEN): _S.NEEDS_IN_PERSON,
        (_S.AWAITING_FACE, _E.CHOSE_IN_PERSON): _S.NEEDS_IN_PERSON,
        (_S.AWAITING_FACE, _E.EXPIRED): _S.EXPIRED,
        (_S.AWAITING_FACE, _E.CANCELLED_BY_HOLDER): _S.CANCELLED,
        (_S.AWAITING_FACE, _E.CANCELLED_BY_MEMBER): _S.CANCELLED,
        (_S.NEEDS_IN_PERSON, _E.STAFF_APPROVED): _S.ACTIVE,
        (_S.NEEDS_IN_PERSON, _E.STAFF_REJECTED): _S.REJECTED,
        (_S.NEEDS_IN_PERSON, _E.REVOKED_BY_HOLDER): _S.REVOKED,
        (_S.NEEDS_IN_PERSON, _E.REVOKED_BY_MEMBER): _S.REVOKED,
        (_S.ACTIVE, _E.REVOKED_BY_HOLDER): _S.REVOKED,
        (_S.ACTIVE, _E.REVOKED_BY_MEMBER): _S.REVOKED,
    }
)


class IllegalTransition(ValueError):
    """The event does not apply to a binding in that state (or another request moved the
    binding first)."""

    def __init__(self, state: BindingState, event: BindingEvent) -> None:
        super().__init__(f"{event.value} from {state.value}")
        self.state = state
        self.event = event


def next_state(state: BindingState, event: BindingEvent) -> BindingState:
    """The state after the event; raises IllegalTransition for a pair not in TRANSITIONS."""
    try:
        return TRANSITIONS[state, event]
    except KeyError:
        raise IllegalTransition(state, event) from None


def ending_event(state: BindingState, *, by_holder: bool) -> BindingEvent:
    """Ending a binding at once, by the holder or the member: a pending one (under review or
    awaiting the face) is cancelled, one that got further is revoked."""
    if state in PENDING_STATES:
        return BindingEvent.CANCELLED_BY_HOLDER if by_holder else BindingEvent.CANCELLED_BY_MEMBER
    return BindingEvent.REVOKED_BY_HOLDER if by_holder else BindingEvent.REVOKED_BY_MEMBER


RefusalReason = Literal[
    "self",
    "duplicate",
    "too_many_members",
    "too_many_spouses",
    "too_many_holders",
    "must_be_older",
    "must_be_younger",
]

_OLDER = frozenset({Relationship.PARENT, Relationship.GRANDPARENT})
_YOUNGER = frozenset({Relationship.CHILD, Relationship.GRANDCHILD})


class BindingRefused(ValueError):
    """Raised with a reason code the web layer turns into a translated message."""

    def __init__(self, reason: RefusalReason) -> None:
        super().__init__(reason)
        self.reason: RefusalReason = reason


class HeldBinding(msgspec.Struct, frozen=True):
    """One of the holder's existing bindings, as the rules need to see it."""

    member_id_number: str  # the 18-character value
    relationship: Relationship
    state: BindingState


def check_new_member(
    *,
    holder: IdNumber,
    member: IdNumber,
    relationship: Relationship,
    holder_bindings: Sequence[HeldBinding],
    member_live_holder_count: int,
    policy: Policy,
) -> None:
    """Return None when the holder may bind this member, or raise BindingRefused with the first
    rule broken, in this order: self, duplicate, too_many_members, too_many_spouses,
    too_many_holders, must_be_older, must_be_younger.

    Only live bindings (LIVE_STATES) count: revoked, expired and cancelled ones neither fill a
    slot nor block binding the same person again.
    """
    if member.value == holder.value:
        raise BindingRefused("self")
    live = [b for b in holder_bindings if b.state in LIVE_STATES]
    # Stored values are upper-case, but a lower-case check "x" must not let a duplicate through.
    if any(b.member_id_number.upper() == member.value.upper() for b in live):
        raise BindingRefused("duplicate")
    if len(live) >= policy.max_members_per_holder:
        raise BindingRefused("too_many_members")
    if relationship == Relationship.SPOUSE:
        spouses = sum(1 for b in live if b.relationship == Relationship.SPOUSE)
        if spouses >= policy.max_spouses_per_holder:
            raise BindingRefused("too_many_spouses")
    if member_live_holder_count >= policy.max_holders_per_member:
        raise BindingRefused("too_many_holders")
    if relationship in _OLDER and not member.birth_date < holder.birth_date:
        raise BindingRefused("must_be_older")
    if relationship in _YOUNGER and not member.birth_date > holder.birth_date:
        raise BindingRefused("must_be_younger")


def initial_state(relationship: Relationship, *, same_household: bool) -> BindingState:
    """Where a submitted binding starts. A household link in the registry between holder and
    member confirms the declared relationship; without one, and always for `other` (which no
    household link can confirm), staff review the document first (domain-rules, project
    decisions: relationship evidence)."""
    if same_household and relationship is not Relationship.OTHER:
        return BindingState.AWAITING_FACE
    return BindingState.DOCUMENTS_REVIEW


FaceReference = Literal["registry_portrait", "face_photo"]


def face_reference(member: IdNumber, on: date, policy: Policy = _DEFAULT_POLICY) -> FaceReference:
    """What a member's selfie is matched against: the registry portrait from 16 on; under 16,
    the face photo the holder uploaded (domain-rules: face recognition). Never the document."""
    return "face_photo" if needs_face_photo(member, on, policy) else "registry_portrait"


def needs_face_photo(member: IdNumber, on: date, policy: Policy = _DEFAULT_POLICY) -> bool:
    """True when the member is under policy.face_photo_under_age (16) on that day.

    On the 16th birthday itself the member is 16, so does live face recognition instead.
    """
    return member.age_on(on) < policy.face_photo_under_age


# Minority names are written with a separating dot that input methods render differently:
# the middle dot, the bullet, the katakana middle dot (and its half-width form, which NFKC
# folds into it), the hyphenation point and the two mathematical dot operators.
_NAME_DOTS = str.maketrans(dict.fromkeys("\u2022\u30fb\u2027\u2219\u22c5", "\u00b7"))


def _name_key(name: str) -> str:
    # NFKC first: it turns full-width letters into ASCII and U+3000 into an ordinary space,
    # which the whitespace split then drops along with every other kind of space.
    text = unicodedata.normalize("NFKC", name)
    return "".join(text.split()).translate(_NAME_DOTS).casefold()


def names_match(registry_name: str, typed_name: str) -> bool:
    """Compare a typed name with the registry's: ignore surrounding and inner whitespace
    (including the ideographic space U+3000), NFKC-normalise (full-width letters), and compare
    case-insensitively (for names in Latin letters). Middle dots · and • are treated alike.

    A name that is empty after normalisation matches nothing, not even another empty name.
    """
    key = _name_key(typed_name)
    return bool(key) and key == _name_key(registry_name)


class Step(enum.StrEnum):
    PIN = "pin"
    NOTICE = "notice"
    DETAILS = "details"
    DOCUMENTS = "documents"
    CHECK = "check"


# The add-member wizard as a declared step graph: each step opens once every step before it is
# done, and a material change of the details (ID number or relationship) voids the documents.
WIZARD = FlowGraph(
    "affinity",
    [
        StepInfo(Step.PIN.value),
        StepInfo(Step.NOTICE.value),
        StepInfo(Step.DETAILS.value, undoes=(Step.DOCUMENTS.value,)),
        StepInfo(Step.DOCUMENTS.value),
        StepInfo(Step.CHECK.value, final=True),
    ],
)
STEPS: tuple[Step, ...] = tuple(Step(s.name) for s in WIZARD.steps)


class DraftProgress(msgspec.Struct, frozen=True):
    """What a wizard draft has done so far."""

    pin_verified: bool = False
    notice_accepted: bool = False
    details_done: bool = False
    documents_done: bool = False

    @property
    def done(self) -> frozenset[str]:
        flags = (self.pin_verified, self.notice_accepted, self.details_done, self.documents_done)
        return frozenset(step.value for step, flag in zip(STEPS, flags, strict=False) if flag)


def first_incomplete(progress: DraftProgress) -> Step:
    """The first step not yet done (CHECK when all four are done)."""
    return Step(WIZARD.first_incomplete(progress.done).name)


def may_open(step: Step, progress: DraftProgress) -> bool:
    """A step may be opened when every step before it is done (nobody deep-links past the PIN)."""
    return WIZARD.may_open(step.value, progress.done)


def step_number(step: Step) -> int:
    """1-based position for the "step n of 5" indicator: PIN is 1, CHECK is 5."""
    return WIZARD.number(step.value)


def previous_step(step: Step) -> Step | None:
    """The target of the Back link; None for PIN, the first step."""
    before = WIZARD.previous(step.value)
    return Step(before.name) if before else None


def _id_key(value: str) -> str:
    return "".join(value.split()).upper()


def details_change_clears_documents(
    old_id_number: str | None,
    old_relationship: Relationship | None,
    new_id_number: str,
    new_relationship: Relationship,
) -> bool:
    """Changing the member's ID number or relationship voids the uploaded proof and face photo
    (they were checked against the old answers).

    The first answers (no old ones) clear nothing: there is nothing uploaded yet. A change of
    name alone keeps the documents; the name is checked against the registry, not the photos.
    """
    if old_id_number is None and old_relationship is None:
        return False
    same_id = old_id_number is not None and _id_key(old_id_number) == _id_key(new_id_number)
    return not same_id or old_relationship != new_relationship


# Leads the digested list, so a digest of these answers can never equal one of another layout.
_DIGEST_TAG = "affinity-answers/1"


def answers_digest(
    *,
    member_id_number: str,
    name: str,
    relationship: Relationship,
    proof_ref: str,
    face_photo_ref: str | None,
    notice_version: str,
) -> str:
    """A SHA-256 hex digest of the checked answers, stored with the declaration, so a later
    change of any answer voids it.

    The fields are JSON-encoded as a list, so no value can run into the next, and a missing
    face photo (null) differs from an empty reference ("").
    """
    fields = [
        _DIGEST_TAG,
        member_id_number,
        name,
        relationship.value,
        proof_ref,
        face_photo_ref,
        notice_version,
    ]
    return hashlib.sha256(msgspec.json.encode(fields)).hexdigest()

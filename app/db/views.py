"""The read models of app/domain/views.py, each loaded with one Core select (no ORM identity
map, no lazy loads): the signed-in holder and the subject of every page come from here.

The selects are built once, with bound parameters: building one costs more than running it.
They run through Reads (no transaction) when the unit of work has them: every view here is
read at the start of a request or after someone else's commit, never after the request's own
writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any, Protocol, TypeVar
from uuid import UUID

from sqlalchemy import Executable, RowMapping, Select, and_, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db.models import (
    AffinityBinding,
    AffinityDraft,
    ContributionRecord,
    ECard,
    FaceCheck,
    HolderAccount,
    PasskeyCredential,
    Person,
    SignedInSession,
    StaffMember,
)
from app.db.reads import Reads
from app.domain.affinity import BindingState
from app.domain.face import Attempts
from app.domain.views import (
    BindingDetail,
    BindingView,
    CardView,
    DraftView,
    FaceCheckView,
    Holder,
    PasskeyView,
    PersonView,
    RecordView,
    StaffView,
)

_PERSON = (
    Person.id,
    Person.name,
    Person.id_number_cipher,
    Person.birth_date,
    Person.sex,
    Person.region_code,
    Person.household_code,
    Person.is_pensioner,
    Person.retired_on,
    Person.pension_monthly,
    Person.last_certified_on,
    ECard.card_number,
    ECard.status,
    ECard.issued_on,
)


def _with_person(*columns: Any, of: Any = None, on: Any = None) -> Select[Any]:
    """The columns, the person's and their card's, from `of` joined to the person `on`."""
    query = select(*columns, *_PERSON)
    query = query.select_from(of).join(Person, on) if of is not None else query.select_from(Person)
    return query.outerjoin(ECard, ECard.person_id == Person.id)


_M = "m_"  # a member's columns, beside the holder's of the same name (_HOLDER_SIGNED_IN)
_PERSON_FIELDS = tuple(f.name for f in fields(PersonView) if f.name != "card")
_CARD_FIELDS = tuple(f.name for f in fields(CardView))
# The column names of each, by prefix: every signed-in page builds the holder from a row.
_KEYS = {
    prefix: (tuple(prefix + f for f in _PERSON_FIELDS), tuple(prefix + f for f in _CARD_FIELDS))
    for prefix in ("", _M)
}


def _person(row: RowMapping, prefix: str = "") -> PersonView:
    """The person (and card) of a row; `prefix` names a second person's columns in it."""
    person, card = _KEYS[prefix]
    number, status, issued_on = (row[key] for key in card)
    id_, name, cipher, born, sex, region, household, pensioner, retired, pension, certified = (
        row[key] for key in person
    )
    return PersonView(
        id_,
        name,
        cipher,
        born,
        sex,
        region,
        household,
        pensioner,
        retired,
        pension,
        certified,
        None if number is None else CardView(number, status, issued_on),
    )


_BINDING = (
    AffinityBinding.id.label("binding_id"),
    # Labelled: outside a session, rows are keyed by column name ("relationship").
    AffinityBinding.relation.label("relation"),
    AffinityBinding.state.label("binding_state"),
    AffinityBinding.activated_at.label("activated_at"),
)


def _binding(row: RowMapping) -> BindingView:
    return BindingView(
        id=row["binding_id"],
        relation=row["relation"],
        state=row["binding_state"],
        activated_at=row["activated_at"],
    )


_IS_ACTIVE = AffinityBinding.state == BindingState.ACTIVE.value
_ACTIVE = _with_person(
    *_BINDING, of=AffinityBinding, on=Person.id == AffinityBinding.member_person_id
).where(AffinityBinding.holder_person_id == bindparam("holder_person_id"), _IS_ACTIVE)
_HOLDER_COLUMNS = (
    HolderAccount.id.label("account_id"),
    HolderAccount.pin_hash.is_not(None).label("has_pin"),
    HolderAccount.pin_locked_until,
)
_HOLDER = _with_person(
    *_HOLDER_COLUMNS, of=HolderAccount, on=Person.id == HolderAccount.person_id
).where(HolderAccount.id == bindparam("account_id"))

# The signed-in holder with the members they act for, in one statement: every signed-in page
# needs the first, and the hub, the family dashboard and the act-for switch the second.
_MEMBER = aliased(Person, name="member")
_MEMBER_CARD = aliased(ECard, name="member_card")
_MEMBER_COLUMNS = tuple(
    getattr(_MEMBER if column.table is Person.__table__ else _MEMBER_CARD, column.key).label(
        _M + column.key
    )
    for column in _PERSON
)
_HOLDER_SIGNED_IN = (
    _with_person(
        *_HOLDER_COLUMNS,
        *_BINDING,
        *_MEMBER_COLUMNS,
        of=HolderAccount,
        on=Person.id == HolderAccount.person_id,
    )
    .join(SignedInSession, SignedInSession.account_id == HolderAccount.id)
    .outerjoin(AffinityBinding, and_(AffinityBinding.holder_person_id == Person.id, _IS_ACTIVE))
    .outerjoin(_MEMBER, _MEMBER.id == AffinityBinding.member_person_id)
    .outerjoin(_MEMBER_CARD, _MEMBER_CARD.person_id == _MEMBER.id)
    .add_columns(AffinityBinding.submitted_at.label("binding_submitted_at"))
    .where(
        HolderAccount.id == bindparam("account_id"),
        SignedInSession.id == bindparam("session_id"),
        SignedInSession.ended_at.is_(None),
    )
)
_PERSON_BY_ID = _with_person().where(Person.id == bindparam("person_id"))
_ACTIVE_MEMBER = _ACTIVE.where(AffinityBinding.id == bindparam("binding_id"))
_ACTIVE_MEMBERS = _ACTIVE.order_by(AffinityBinding.submitted_at.desc())
_STAFF = select(
    StaffMember.id, StaffMember.staff_number, StaffMember.name, StaffMember.region_prefix
).where(StaffMember.id == bindparam("staff_id"))

Members = list[tuple[BindingView, PersonView]]


class Session(Protocol):
    """The request's session, opened when first used (services.context.UnitOfWork)."""

    @property
    def db(self) -> AsyncSession: ...

    def in_transaction(self) -> bool: ...


class Views:
    def __init__(
        self,
        session: Session,
        reads: Reads | None = None,
        members_read: dict[UUID, Members] | None = None,
    ) -> None:
        self.session = session
        self.reads = reads
        # Active members read with the holder, by holder person: the request's own, shared by
        # its Views (see active_members for when they are still good).
        self.members_read = {} if members_read is None else members_read

    async def _rows(self, query: Executable, **params: Any) -> Sequence[RowMapping]:
        if self.reads is not None:
            return await self.reads.rows(query, params)
        return (await self.session.db.execute(query, params)).mappings().all()

    async def _one(self, query: Executable, **params: Any) -> RowMapping | None:
        rows = await self._rows(query, **params)
        return rows[0] if rows else None

    async def holder(self, account_id: UUID, session_id: UUID | None = None) -> Holder | None:
        """The account's holder; with `session_id`, only while that sign-in is not ended (and
        their active members with them, for active_members)."""
        if session_id is None:
            row = await self._one(_HOLDER, account_id=account_id)
            return None if row is None else _holder(row)
        rows = await self._rows(_HOLDER_SIGNED_IN, account_id=account_id, session_id=session_id)
        if not rows:
            return None
        holder = _holder(rows[0])
        # Newest first, as _ACTIVE_MEMBERS orders them. Sorted here, not by the statement: on
        # SQLite the statement runs with the interpreter lock released, and a sort makes that
        # longer; under granian its own thread takes the lock meanwhile, and the request waits.
        bound = sorted(
            (row for row in rows if row["binding_id"] is not None),
            key=lambda row: row["binding_submitted_at"],
            reverse=True,
        )
        self.members_read[holder.person.id] = [(_binding(row), _person(row, _M)) for row in bound]
        return holder

    async def person(self, person_id: UUID) -> PersonView | None:
        row = await self._one(_PERSON_BY_ID, person_id=person_id)
        return None if row is None else _person(row)

    async def active_member(
        self, binding_id: UUID, holder_person_id: UUID
    ) -> tuple[BindingView, PersonView] | None:
        """The holder's active binding and its member, or None (unknown, another holder's,
        or not active all read the same)."""
        row = await self._one(
            _ACTIVE_MEMBER, binding_id=binding_id, holder_person_id=holder_person_id
        )
        return None if row is None else (_binding(row), _person(row))

    async def active_members(self, holder_person_id: UUID) -> Members:
        """Those read with the holder while the request has not touched its own transaction
        (it has written nothing they could miss); otherwise read now."""
        read = self.members_read.get(holder_person_id)
        if read is not None and not self.session.in_transaction():
            return list(read)
        rows = await self._rows(_ACTIVE_MEMBERS, holder_person_id=holder_person_id)
        return [(_binding(row), _person(row)) for row in rows]

    async def staff(self, staff_id: UUID) -> StaffView | None:
        row = await self._one(_STAFF, staff_id=staff_id)
        if row is None:
            return None
        return StaffView(row["id"], row["staff_number"], row["name"], row["region_prefix"])


def _holder(row: RowMapping) -> Holder:
    return Holder(
        account_id=row["account_id"],
        person=_person(row),
        has_pin=bool(row["has_pin"]),
        pin_locked_until=row["pin_locked_until"],
    )


def staff_view(member: StaffMember) -> StaffView:
    return _copied(StaffView, member)


V = TypeVar("V")


def _copied(view: type[V], row: object) -> V:
    """A read model whose fields are the row's own, by name."""
    return view(**{f.name: getattr(row, f.name) for f in fields(view)})  # type: ignore[arg-type]


def person_view(person: Person) -> PersonView:
    """A person row already loaded (with its card), as a read model."""
    card = person.card
    return PersonView(
        id=person.id,
        name=person.name,
        id_number_cipher=person.id_number_cipher,
        birth_date=person.birth_date,
        sex=person.sex,
        region_code=person.region_code,
        household_code=person.household_code,
        is_pensioner=person.is_pensioner,
        retired_on=person.retired_on,
        pension_monthly=person.pension_monthly,
        last_certified_on=person.last_certified_on,
        card=None
        if card is None
        else CardView(card_number=card.card_number, status=card.status, issued_on=card.issued_on),
    )


def binding_detail(binding: AffinityBinding) -> BindingDetail:
    """A binding row already loaded (with its member and holder), as a read model."""
    return BindingDetail(
        id=binding.id,
        state=binding.state,
        relation=binding.relation,
        member=person_view(binding.member),
        holder=person_view(binding.holder),
        submitted_at=binding.submitted_at,
        activated_at=binding.activated_at,
        attempts=Attempts(
            total=binding.face_failures_total,
            recent=binding.face_failures_recent,
            wait_until=binding.face_wait_until,
        ),
        in_person_reference=binding.in_person_reference,
    )


def draft_view(draft: AffinityDraft) -> DraftView:
    return _copied(DraftView, draft)


def passkey_view(passkey: PasskeyCredential) -> PasskeyView:
    return _copied(PasskeyView, passkey)


def record_view(row: ContributionRecord) -> RecordView:
    return _copied(RecordView, row)


def face_check_view(check: FaceCheck) -> FaceCheckView:
    return _copied(FaceCheckView, check)

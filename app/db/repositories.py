"""Repositories: the only place that builds queries."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Generic, Literal, TypeVar
from uuid import UUID

from sqlalchemy import and_, case, delete, func, literal, null, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from app.db import fair_turns
from app.db.models import (
    AffinityBinding,
    AffinityDraft,
    AuditEvent,
    ContributionRecord,
    ConversionDraft,
    ECard,
    FaceCheck,
    HandoffCode,
    HolderAccount,
    InsuranceTransfer,
    PasskeyCredential,
    Person,
    SignedInSession,
    SpentCredential,
    StaffEnrolmentCode,
    StaffMember,
    StaffPasskey,
    TransferDraft,
    TransferEvent,
)
from app.db.pii import PiiCipher
from app.domain.affinity import BindingEvent, BindingState, IllegalTransition, next_state
from app.domain.face import next_turn
from app.domain.identity import IdNumber
from app.domain.origin import NOWHERE, Origin
from app.domain.views import PersonView

DraftDocument = Literal["proof_file", "face_photo_file"]


class People:
    def __init__(self, session: AsyncSession, cipher: PiiCipher) -> None:
        self.session = session
        self.cipher = cipher

    async def by_id_number(self, number: IdNumber) -> Person | None:
        return await self.by_lookup_hash(self.cipher.lookup_hash(number.value))

    async def by_lookup_hash(self, digest: str) -> Person | None:
        """By the ID number's lookup hash (kept where the number itself must not be)."""
        return await self.session.scalar(select(Person).where(Person.id_number_hmac == digest))

    async def get(self, person_id: UUID) -> Person | None:
        return await self.session.get(Person, person_id)

    async def fresh(self, person_id: UUID) -> Person | None:
        """The person's row as it is now (a background check may have changed it)."""
        person = await self.session.get(Person, person_id)
        if person is not None:
            await self.session.refresh(person)
        return person

    async def claim(self, person_id: UUID) -> Person | None:
        """Lock the person's row until the transaction ends and read it afresh (as
        Bindings.claim does): one start of their own face check at a time."""
        await self.session.execute(
            update(Person)
            .where(Person.id == person_id)
            .values(updated_at=Person.updated_at)
            .execution_options(synchronize_session=False)
        )
        return await self.fresh(person_id)

    async def household_of(self, person: Person | PersonView) -> list[Person]:
        """Others whom the registry links to this person's household."""
        if not person.household_code:
            return []
        rows = await self.session.scalars(
            select(Person)
            .where(Person.household_code == person.household_code, Person.id != person.id)
            .order_by(Person.birth_date)
        )
        return list(rows)

    async def add(
        self,
        *,
        name: str,
        number: IdNumber,
        household_code: str | None = None,
        is_pensioner: bool = False,
    ) -> Person:
        person = Person(
            name=name,
            id_number_cipher=self.cipher.encrypt(number.value),
            id_number_hmac=self.cipher.lookup_hash(number.value),
            birth_date=number.birth_date,
            region_code=number.region_code,
            sex=number.sex.value,
            household_code=household_code,
            is_pensioner=is_pensioner,
        )
        self.session.add(person)
        await self.session.flush()
        return person


class Accounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, account_id: UUID) -> HolderAccount | None:
        return await self.session.get(HolderAccount, account_id)

    async def signed_in(self, account_id: UUID, session_id: UUID) -> HolderAccount | None:
        """The account, if its session `session_id` has not been ended (one query)."""
        return await self.session.scalar(
            select(HolderAccount)
            .join(SignedInSession, SignedInSession.account_id == HolderAccount.id)
            .where(
                HolderAccount.id == account_id,
                SignedInSession.id == session_id,
                SignedInSession.ended_at.is_(None),
            )
        )

    async def set_password(self, account_id: UUID, password_hash: str) -> None:
        await self.session.execute(
            update(HolderAccount)
            .where(HolderAccount.id == account_id)
            .values(password_hash=password_hash)
            .execution_options(synchronize_session=False)
        )

    async def for_person(self, person_id: UUID) -> HolderAccount | None:
        return await self.session.scalar(
            select(HolderAccount).where(HolderAccount.person_id == person_id)
        )

    async def by_webauthn_user_id(self, user_id: bytes) -> HolderAccount | None:
        return await self.session.scalar(
            select(HolderAccount).where(HolderAccount.webauthn_user_id == user_id)
        )

    async def add(self, account: HolderAccount) -> HolderAccount:
        self.session.add(account)
        await self.session.flush()
        return account

    async def count_pin_attempt(
        self, account: HolderAccount, now: datetime, *, max_failures: int, lock_until: datetime
    ) -> int | None:
        """One conditional UPDATE ... RETURNING: count a PIN attempt unless PIN use is locked
        (None then); the attempt that reaches max_failures sets the lock in the same statement,
        and an expired lock starts the count afresh (domain.pin.PinLockState's rule)."""
        locked_until = HolderAccount.pin_locked_until
        count = case((locked_until.is_(None), HolderAccount.pin_failures + 1), else_=1)
        lock = literal(lock_until, locked_until.type)
        row = (
            await self.session.execute(
                update(HolderAccount)
                .where(
                    HolderAccount.id == account.id, or_(locked_until.is_(None), locked_until <= now)
                )
                .values(
                    pin_failures=count,
                    pin_locked_until=case((count >= max_failures, lock), else_=null()),
                )
                .returning(HolderAccount.pin_failures, HolderAccount.pin_locked_until)
                .execution_options(synchronize_session=False)
            )
        ).one_or_none()
        if row is None:
            await self.session.refresh(account, ["pin_failures", "pin_locked_until"])
            return None
        _seen(account, failures=row.pin_failures, locked_until=row.pin_locked_until)
        return int(row.pin_failures)

    async def reset_pin(self, account: HolderAccount, pin_hash: str) -> None:
        """A new PIN after its owner proved who they are: the count and any lock go with
        the old one."""
        await self.session.execute(
            update(HolderAccount)
            .where(HolderAccount.id == account.id)
            .values(pin_hash=pin_hash, pin_failures=0, pin_locked_until=None)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(account, "pin_hash", pin_hash)
        _seen(account, failures=0, locked_until=None)

    async def clear_pin_failures(self, account: HolderAccount) -> None:
        """A right PIN: the count and any lock are gone."""
        await self.session.execute(
            update(HolderAccount)
            .where(HolderAccount.id == account.id)
            .values(pin_failures=0, pin_locked_until=None)
            .execution_options(synchronize_session=False)
        )
        _seen(account, failures=0, locked_until=None)


def _seen(account: HolderAccount, *, failures: int, locked_until: datetime | None) -> None:
    """Tell the loaded account what its row now holds, without another write or a reload."""
    set_committed_value(account, "pin_failures", failures)
    set_committed_value(account, "pin_locked_until", locked_until)


class Passkeys:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_account(self, account_id: UUID) -> list[PasskeyCredential]:
        rows = await self.session.scalars(
            select(PasskeyCredential)
            .where(PasskeyCredential.account_id == account_id)
            .order_by(PasskeyCredential.created_at)
        )
        return list(rows)

    async def by_credential_id(self, credential_id: bytes) -> PasskeyCredential | None:
        return await self.session.scalar(
            select(PasskeyCredential).where(PasskeyCredential.credential_id == credential_id)
        )

    async def add(self, credential: PasskeyCredential) -> None:
        self.session.add(credential)
        await self.session.flush()

    async def remove(self, account_id: UUID, passkey_id: UUID) -> bool:
        result = await self.session.execute(
            delete(PasskeyCredential).where(
                PasskeyCredential.id == passkey_id, PasskeyCredential.account_id == account_id
            )
        )
        return bool(getattr(result, "rowcount", 0))


class Cards:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_person(self, person_id: UUID) -> ECard | None:
        return await self.session.scalar(select(ECard).where(ECard.person_id == person_id))

    async def add(self, card: ECard) -> None:
        self.session.add(card)
        await self.session.flush()

    async def number_taken(self, card_number: str) -> bool:
        found = await self.session.scalar(select(ECard.id).where(ECard.card_number == card_number))
        return found is not None


class Audit:
    def __init__(self, session: AsyncSession, origin: Origin = NOWHERE) -> None:
        self.session = session
        self.origin = origin

    def record(
        self,
        action: str,
        *,
        at: datetime,
        actor: UUID | None,
        subject: UUID | None = None,
        detail: str = "",
        staff: UUID | None = None,
    ) -> None:
        self.session.add(
            AuditEvent(
                action=action,
                at=at,
                actor_staff_id=staff,
                actor_person_id=actor,
                subject_person_id=subject if subject is not None else actor,
                detail=detail,
                source_address=self.origin.address,
                user_agent=self.origin.user_agent,
            )
        )

    async def done_for(
        self, subject: UUID, limit: int = 50
    ) -> list[tuple[AuditEvent, str | None, str | None]]:
        """What others (holders or staff) did for this person, newest first, with the actor's
        name and the staff member's name."""
        actor = aliased(Person)
        rows = await self.session.execute(
            select(AuditEvent, actor.name, StaffMember.name)
            .outerjoin(actor, actor.id == AuditEvent.actor_person_id)
            .outerjoin(StaffMember, StaffMember.id == AuditEvent.actor_staff_id)
            .where(
                AuditEvent.subject_person_id == subject,
                or_(
                    and_(
                        AuditEvent.actor_person_id.is_not(None),
                        AuditEvent.actor_person_id != subject,
                    ),
                    AuditEvent.actor_staff_id.is_not(None),
                ),
            )
            .order_by(AuditEvent.at.desc())
            .limit(limit)
        )
        return [(event, name, staff) for event, name, staff in rows]

    async def reports_in_region(
        self, action: str, region_prefix: str, limit: int = 50
    ) -> list[tuple[AuditEvent, str, str]]:
        """Events of this action whose actor lives in the region, newest first, with the
        actor's and the subject's names (for staff: what members reported)."""
        actor, subject = aliased(Person), aliased(Person)
        rows = await self.session.execute(
            select(AuditEvent, actor.name, subject.name)
            .join(actor, actor.id == AuditEvent.actor_person_id)
            .join(subject, subject.id == AuditEvent.subject_person_id)
            .where(AuditEvent.action == action, actor.region_code.startswith(region_prefix))
            .order_by(AuditEvent.at.desc())
            .limit(limit)
        )
        return [(event, a, s) for event, a, s in rows]

    async def about(
        self, subject: UUID, actions: Iterable[str], limit: int = 20
    ) -> list[AuditEvent]:
        """Events of these actions about this person, whoever acted, newest first."""
        rows = await self.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_person_id == subject, AuditEvent.action.in_(list(actions)))
            .order_by(AuditEvent.at.desc())
            .limit(limit)
        )
        return list(rows)

    async def for_actor(self, actor: UUID) -> list[AuditEvent]:
        rows = await self.session.scalars(
            select(AuditEvent).where(AuditEvent.actor_person_id == actor).order_by(AuditEvent.at)
        )
        return list(rows)


class SignedInSessions:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, row: SignedInSession) -> SignedInSession:
        self.session.add(row)
        await self.session.flush()
        return row

    async def live(
        self, account_id: UUID, *, started_after: datetime, seen_after: datetime
    ) -> list[SignedInSession]:
        """The account's sessions not ended and within their absolute and idle limits, the
        most recently seen first."""
        rows = await self.session.scalars(
            select(SignedInSession)
            .where(
                SignedInSession.account_id == account_id,
                SignedInSession.ended_at.is_(None),
                SignedInSession.started_at > started_after,
                SignedInSession.seen_at > seen_after,
            )
            .order_by(SignedInSession.seen_at.desc())
        )
        return list(rows)

    async def end(
        self, account_id: UUID, now: datetime, *, only: UUID | None = None, keep: UUID | None = None
    ) -> int:
        """End the account's session `only`, or all but `keep`: a conditional update, so a
        session is ended once (the row count says how many this call ended)."""
        conditions = [SignedInSession.account_id == account_id, SignedInSession.ended_at.is_(None)]
        if only is not None:
            conditions.append(SignedInSession.id == only)
        if keep is not None:
            conditions.append(SignedInSession.id != keep)
        result = await self.session.execute(
            update(SignedInSession)
            .where(*conditions)
            .values(ended_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def seen(self, session_id: UUID, now: datetime) -> None:
        await self.session.execute(
            update(SignedInSession)
            .where(SignedInSession.id == session_id)
            .values(seen_at=now)
            .execution_options(synchronize_session=False)
        )

    async def purge(self, before: datetime) -> int:
        """Forget sessions that ended, or began, before `before`."""
        result = await self.session.execute(
            delete(SignedInSession).where(
                or_(SignedInSession.ended_at < before, SignedInSession.started_at < before)
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)


class Drafts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, draft_id: UUID) -> AffinityDraft | None:
        return await self.session.get(AffinityDraft, draft_id)

    async def for_account(self, account_id: UUID) -> AffinityDraft | None:
        return await self.session.scalar(
            select(AffinityDraft).where(AffinityDraft.holder_account_id == account_id)
        )

    async def add(self, draft: AffinityDraft) -> AffinityDraft:
        self.session.add(draft)
        await self.session.flush()
        return draft

    async def expired(self, now: datetime) -> list[AffinityDraft]:
        rows = await self.session.scalars(
            select(AffinityDraft).where(AffinityDraft.expires_at <= now)
        )
        return list(rows)

    async def remove(self, draft: AffinityDraft) -> None:
        await self.session.delete(draft)
        await self.session.flush()

    async def swap_document(
        self, draft: AffinityDraft, field: DraftDocument, old: str | None, new: str
    ) -> bool:
        """Point the draft's `field` at the file `new` if it still points at `old`: of two
        requests replacing the same document at once only one wins, and the loser knows its
        file is nobody's (a conditional update checked by its row count)."""
        column = getattr(AffinityDraft, field)
        result = await self.session.execute(
            update(AffinityDraft)
            .where(AffinityDraft.id == draft.id, column.is_(None) if old is None else column == old)
            .values({field: new})
            .execution_options(synchronize_session=False)
        )
        if int(getattr(result, "rowcount", 0) or 0) != 1:
            return False
        set_committed_value(draft, field, new)
        return True


class Bindings:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, binding_id: UUID) -> AffinityBinding | None:
        return await self.session.get(AffinityBinding, binding_id)

    async def claim(self, binding: AffinityBinding) -> None:
        """Lock the binding's row until the transaction ends (a write that changes nothing,
        so it works alike on SQLite and PostgreSQL), then read it again: what others decided
        before is seen, and they wait for what this transaction decides."""
        await self.session.execute(
            update(AffinityBinding)
            .where(AffinityBinding.id == binding.id)
            .values(updated_at=AffinityBinding.updated_at)
            .execution_options(synchronize_session=False)
        )
        await self.session.refresh(binding)

    async def of_holder(self, holder_person_id: UUID) -> list[AffinityBinding]:
        rows = await self.session.scalars(
            select(AffinityBinding)
            .where(AffinityBinding.holder_person_id == holder_person_id)
            .order_by(AffinityBinding.submitted_at.desc())
        )
        return list(rows)

    async def of_member(self, member_person_id: UUID) -> list[AffinityBinding]:
        rows = await self.session.scalars(
            select(AffinityBinding)
            .where(AffinityBinding.member_person_id == member_person_id)
            .order_by(AffinityBinding.submitted_at.desc())
        )
        return list(rows)

    async def in_state_since(self, state: str, before: datetime) -> list[AffinityBinding]:
        rows = await self.session.scalars(
            select(AffinityBinding).where(
                AffinityBinding.state == state, AffinityBinding.submitted_at < before
            )
        )
        return list(rows.unique())

    async def active_with_other_holders(
        self, holder_person_id: UUID, active: str
    ) -> list[tuple[AffinityBinding, AffinityBinding]]:
        """(mine, theirs): each active binding of this holder, with each other holder's active
        binding to the same member."""
        theirs = aliased(AffinityBinding)
        rows = await self.session.execute(
            select(AffinityBinding, theirs)
            .join(theirs, theirs.member_person_id == AffinityBinding.member_person_id)
            .where(
                AffinityBinding.holder_person_id == holder_person_id,
                AffinityBinding.state == active,
                theirs.state == active,
                theirs.holder_person_id != holder_person_id,
            )
            .order_by(theirs.activated_at.desc())
        )
        return [(mine, other) for mine, other in rows.unique()]

    async def live_holder_count(self, member_person_id: UUID, live_states: Iterable[str]) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(AffinityBinding)
            .where(
                AffinityBinding.member_person_id == member_person_id,
                AffinityBinding.state.in_(list(live_states)),
            )
        )
        return int(count or 0)

    async def add(self, binding: AffinityBinding) -> AffinityBinding:
        self.session.add(binding)
        await self.session.flush()
        return binding

    async def apply(
        self, binding: AffinityBinding, event: BindingEvent, at: datetime
    ) -> BindingState:
        """Move the binding by the event, or raise IllegalTransition; returns the new state.

        The update only matches while the row is still in the state this session saw, so of
        two requests moving the same binding at once exactly one wins (on PostgreSQL the
        loser waits for the winner's commit, then matches nothing); the loser's binding is
        reloaded, so it shows the winner's state.
        """
        state = BindingState(binding.state)
        to = next_state(state, event)
        result = await self.session.execute(
            update(AffinityBinding)
            .where(AffinityBinding.id == binding.id, AffinityBinding.state == state.value)
            .values(state=to.value, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        if not isinstance(result, CursorResult) or result.rowcount != 1:
            await self.session.refresh(binding)
            raise IllegalTransition(BindingState(binding.state), event)
        # Already written: record it as loaded, so the next flush does not write it again.
        set_committed_value(binding, "state", to.value)
        set_committed_value(binding, "updated_at", at)
        return to


class FaceChecks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def kept_selfies(self, decided_before: datetime) -> list[FaceCheck]:
        rows = await self.session.scalars(
            select(FaceCheck).where(
                FaceCheck.selfie_file.is_not(None), FaceCheck.decided_at < decided_before
            )
        )
        return list(rows)

    async def get(self, check_id: UUID) -> FaceCheck | None:
        return await self.session.get(FaceCheck, check_id)

    async def claim_fairest(self, now: datetime, lease_until: datetime) -> tuple[UUID, int] | None:
        """Lease the free pending check whose turn comes first (fair_turns) and count one more
        run of it; None when no check is free. The claim is one conditional UPDATE, so two
        workers never hold one check: of workers racing for the same one, the losers update
        nothing and look again. Returns the id and the runs so far."""
        while True:
            fairest = fair_turns.fairest_free(now)
            claimed = (
                await self.session.execute(
                    update(FaceCheck)
                    .where(
                        FaceCheck.id == fairest,
                        FaceCheck.state == fair_turns.PENDING,
                        fair_turns.is_free(FaceCheck.running_until, now),
                    )
                    .values(running_until=lease_until, attempts=FaceCheck.attempts + 1)
                    .returning(FaceCheck.id, FaceCheck.attempts)
                    .execution_options(synchronize_session=False)
                )
            ).one_or_none()
            if claimed is not None:
                return claimed[0], claimed[1]
            if await self.session.scalar(select(fairest)) is None:
                return None

    async def next_turn(self, holder_id: UUID) -> int:
        """The turn of a new check of the holder's (domain.face.next_turn)."""
        row = (
            await self.session.execute(
                select(fair_turns.serving(), fair_turns.holders_last(holder_id))
            )
        ).one()
        return next_turn(row[0], row[1])

    async def hold(self, check_id: UUID, until: datetime) -> None:
        """Keep a pending check from being claimed until then (a failed run's back-off)."""
        await self.session.execute(
            update(FaceCheck)
            .where(FaceCheck.id == check_id, FaceCheck.state == fair_turns.PENDING)
            .values(running_until=until)
            .execution_options(synchronize_session=False)
        )

    async def first_lease_end(self, now: datetime) -> datetime | None:
        """When the first lease on a pending check runs out, if any is held."""
        end: datetime | None = await self.session.scalar(
            select(func.min(FaceCheck.running_until)).where(
                FaceCheck.state == fair_turns.PENDING, FaceCheck.running_until > now
            )
        )
        return end

    async def pending_for(self, binding_id: UUID) -> FaceCheck | None:
        return await self.session.scalar(
            select(FaceCheck).where(
                FaceCheck.binding_id == binding_id, FaceCheck.state == "pending"
            )
        )

    async def pending_of_person(self, person_id: UUID) -> FaceCheck | None:
        """A person's own pending check (certifying themself)."""
        return await self.session.scalar(
            select(FaceCheck).where(FaceCheck.person_id == person_id, FaceCheck.state == "pending")
        )

    async def spend(
        self,
        check_id: UUID,
        *,
        person_id: UUID,
        purpose: str,
        decided_after: datetime,
        now: datetime,
    ) -> bool:
        """Mark a passed check of this person and purpose used, if it is not yet and was
        passed after `decided_after`: a conditional update checked by its row count, so of
        requests sent at once only one spends it."""
        result = await self.session.execute(
            update(FaceCheck)
            .where(
                FaceCheck.id == check_id,
                FaceCheck.person_id == person_id,
                FaceCheck.purpose == purpose,
                FaceCheck.state == "matched",
                FaceCheck.used_at.is_(None),
                FaceCheck.decided_at > decided_after,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def pending_ids(self) -> list[UUID]:
        rows = await self.session.scalars(
            select(FaceCheck.id).where(FaceCheck.state == "pending").order_by(FaceCheck.created_at)
        )
        return list(rows)

    async def add(self, check: FaceCheck) -> FaceCheck:
        self.session.add(check)
        await self.session.flush()
        return check


class Handoffs:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_hash(self, code_hash: str) -> HandoffCode | None:
        return await self.session.scalar(
            select(HandoffCode).where(HandoffCode.code_hash == code_hash)
        )

    async def add(self, code: HandoffCode) -> HandoffCode:
        self.session.add(code)
        await self.session.flush()
        return code

    async def spend(self, code_id: UUID, now: datetime) -> bool:
        """Mark the code used, if nobody has and it has not expired: a conditional update
        checked by its row count, so of requests sent at once only one can spend it."""
        result = await self.session.execute(
            update(HandoffCode)
            .where(
                HandoffCode.id == code_id,
                HandoffCode.used_at.is_(None),
                HandoffCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1


class Staff:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, staff_id: UUID) -> StaffMember | None:
        return await self.session.get(StaffMember, staff_id)

    async def by_number(self, number: str) -> StaffMember | None:
        return await self.session.scalar(
            select(StaffMember).where(StaffMember.staff_number == number)
        )

    async def add(self, member: StaffMember) -> StaffMember:
        self.session.add(member)
        await self.session.flush()
        return member

    async def passkeys(self, staff_id: UUID) -> list[StaffPasskey]:
        rows = await self.session.scalars(
            select(StaffPasskey).where(StaffPasskey.staff_id == staff_id)
        )
        return list(rows)

    async def passkey(self, credential_id: bytes) -> StaffPasskey | None:
        return await self.session.scalar(
            select(StaffPasskey).where(StaffPasskey.credential_id == credential_id)
        )

    async def add_passkey(self, passkey: StaffPasskey) -> None:
        self.session.add(passkey)
        await self.session.flush()

    async def enrolment_code(self, code_hash: str) -> StaffEnrolmentCode | None:
        return await self.session.scalar(
            select(StaffEnrolmentCode).where(StaffEnrolmentCode.code_hash == code_hash)
        )

    async def replace_enrolment_code(self, code: StaffEnrolmentCode) -> None:
        """A new code; any unused one issued before it is void."""
        await self.session.execute(
            delete(StaffEnrolmentCode).where(
                StaffEnrolmentCode.staff_id == code.staff_id, StaffEnrolmentCode.used_at.is_(None)
            )
        )
        self.session.add(code)
        await self.session.flush()

    async def spend_enrolment_code(self, code_id: UUID, staff_id: UUID, now: datetime) -> bool:
        """Mark the code used, if nobody has and it has not expired: a conditional update
        checked by its row count, so of requests sent at once only one can spend it."""
        result = await self.session.execute(
            update(StaffEnrolmentCode)
            .where(
                StaffEnrolmentCode.id == code_id,
                StaffEnrolmentCode.staff_id == staff_id,
                StaffEnrolmentCode.used_at.is_(None),
                StaffEnrolmentCode.expires_at > now,
            )
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0) == 1

    async def in_person_queue(
        self, region_prefix: str, states: Iterable[str]
    ) -> list[AffinityBinding]:
        rows = await self.session.scalars(
            select(AffinityBinding)
            .join(Person, Person.id == AffinityBinding.member_person_id)
            .where(
                AffinityBinding.state.in_(list(states)),
                Person.region_code.startswith(region_prefix),
            )
            .order_by(AffinityBinding.submitted_at)
        )
        return list(rows.unique())


class Contributions:
    """The contribution records of the rights and benefits list, read a page of years at a time."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_many(self, records: Iterable[ContributionRecord]) -> None:
        self.session.add_all(list(records))
        await self.session.flush()

    async def remove_for(self, person_id: UUID) -> None:
        await self.session.execute(
            delete(ContributionRecord).where(ContributionRecord.person_id == person_id)
        )

    async def mark_refunded(
        self, person_id: UUID, line: str, scheme: str, year: int, month: int, amount_fen: int
    ) -> None:
        """A payment given back: the year (or month) it paid is no longer paid."""
        await self.session.execute(
            update(ContributionRecord)
            .where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.scheme == scheme,
                ContributionRecord.year == year,
                ContributionRecord.month == month,
                ContributionRecord.status == "paid",
                ContributionRecord.individual_part == Decimal(amount_fen) / 100,
            )
            .values(status="refunded")
            .execution_options(synchronize_session=False)
        )

    async def years(self, person_id: UUID, line: str | None = None) -> list[int]:
        """Every year with a record, newest first."""
        query = select(ContributionRecord.year).where(ContributionRecord.person_id == person_id)
        if line:
            query = query.where(ContributionRecord.line == line)
        rows = await self.session.scalars(query.distinct().order_by(ContributionRecord.year.desc()))
        return list(rows)

    async def in_years(
        self, person_id: UUID, years: Iterable[int], line: str | None = None
    ) -> list[ContributionRecord]:
        query = select(ContributionRecord).where(
            ContributionRecord.person_id == person_id, ContributionRecord.year.in_(list(years))
        )
        if line:
            query = query.where(ContributionRecord.line == line)
        rows = await self.session.scalars(
            query.order_by(
                ContributionRecord.year.desc(),
                ContributionRecord.month.desc(),
                ContributionRecord.line,
            )
        )
        return list(rows)

    async def months(self, person_id: UUID) -> list[tuple[str, str, int, int, int, str]]:
        """(line, scheme, year, month, months covered, status) of every record: the columns the
        summaries need, without loading whole rows."""
        rows = await self.session.execute(
            select(
                ContributionRecord.line,
                ContributionRecord.scheme,
                ContributionRecord.year,
                ContributionRecord.month,
                ContributionRecord.months_covered,
                ContributionRecord.status,
            ).where(ContributionRecord.person_id == person_id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    async def yearly_individual(
        self, person_id: UUID, line: str, scheme: str = "employee"
    ) -> list[tuple[int, Decimal]]:
        """Paid individual contributions per year: what goes into the personal account."""
        rows = await self.session.execute(
            select(ContributionRecord.year, func.sum(ContributionRecord.individual_part))
            .where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.scheme == scheme,
                ContributionRecord.status == "paid",
            )
            .group_by(ContributionRecord.year)
            .order_by(ContributionRecord.year)
        )
        return [(int(year), Decimal(total or 0)) for year, total in rows]

    async def paid_bases(
        self, person_id: UUID, line: str = "pension", scheme: str = "employee"
    ) -> list[tuple[int, int, Decimal, str]]:
        """(year, month, base, region code) of every paid month, oldest first: what the
        contribution index is averaged over."""
        rows = await self.session.execute(
            select(
                ContributionRecord.year,
                ContributionRecord.month,
                ContributionRecord.base,
                ContributionRecord.region_code,
            )
            .where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.scheme == scheme,
                ContributionRecord.status == "paid",
            )
            .order_by(ContributionRecord.year, ContributionRecord.month)
        )
        return [(int(y), int(m), Decimal(base), str(region)) for y, m, base, region in rows]

    async def month_regions(
        self, person_id: UUID, line: str
    ) -> list[tuple[int, int, str, str, str]]:
        """(year, month, scheme, status, region code) of every record of a line."""
        rows = await self.session.execute(
            select(
                ContributionRecord.year,
                ContributionRecord.month,
                ContributionRecord.scheme,
                ContributionRecord.status,
                ContributionRecord.region_code,
            ).where(ContributionRecord.person_id == person_id, ContributionRecord.line == line)
        )
        return [(int(y), int(m), str(sc), str(st), str(r)) for y, m, sc, st, r in rows]

    async def back_payments(
        self, person_id: UUID, line: str = "pension", scheme: str = "employee"
    ) -> list[tuple[date, bool, int, int, Decimal]]:
        """(paid on, documented, year, month, individual part) of every month paid later in
        a lump sum."""
        rows = await self.session.execute(
            select(
                ContributionRecord.back_paid_on,
                ContributionRecord.back_pay_documented,
                ContributionRecord.year,
                ContributionRecord.month,
                ContributionRecord.individual_part,
            ).where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.scheme == scheme,
                ContributionRecord.status == "paid",
                ContributionRecord.back_paid_on.is_not(None),
            )
        )
        return [
            (on, bool(documented), int(y), int(m), Decimal(part))
            for on, documented, y, m, part in rows
            if on is not None
        ]

    async def paid_years(self, person_id: UUID, line: str, scheme: str) -> set[int]:
        rows = await self.session.scalars(
            select(ContributionRecord.year)
            .where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.scheme == scheme,
                ContributionRecord.status == "paid",
            )
            .distinct()
        )
        return set(rows)

    async def paid_months(
        self, person_id: UUID, line: str
    ) -> list[tuple[int, int, str, Decimal, Decimal, Decimal, str, date | None, bool]]:
        """(year, month, scheme, base, employer part, individual part, region code, back paid
        on, documented) of every paid month of a line, oldest first: what a transfer moves."""
        rows = await self.session.execute(
            select(
                ContributionRecord.year,
                ContributionRecord.month,
                ContributionRecord.scheme,
                ContributionRecord.base,
                ContributionRecord.employer_part,
                ContributionRecord.individual_part,
                ContributionRecord.region_code,
                ContributionRecord.back_paid_on,
                ContributionRecord.back_pay_documented,
            )
            .where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.status == "paid",
            )
            .order_by(ContributionRecord.year, ContributionRecord.month)
        )
        return [
            (int(y), int(m), str(sc), Decimal(b), Decimal(e), Decimal(i), str(r), on, bool(d))
            for y, m, sc, b, e, i, r, on, d in rows
        ]

    async def resident_payments(
        self, person_id: UUID, line: str = "pension"
    ) -> list[tuple[int, int, int, Decimal, Decimal, str]]:
        """(year, month, months covered, individual part, subsidy, region code) of every paid
        residents' contribution of a line, oldest first (the subsidy is kept as the employer
        part: nobody else pays into a resident's account)."""
        rows = await self.session.execute(
            select(
                ContributionRecord.year,
                ContributionRecord.month,
                ContributionRecord.months_covered,
                ContributionRecord.individual_part,
                ContributionRecord.employer_part,
                ContributionRecord.region_code,
            )
            .where(
                ContributionRecord.person_id == person_id,
                ContributionRecord.line == line,
                ContributionRecord.scheme == "resident",
                ContributionRecord.status == "paid",
            )
            .order_by(ContributionRecord.year, ContributionRecord.month)
        )
        return [
            (int(y), int(m), int(c), Decimal(i), Decimal(e), str(r)) for y, m, c, i, e, r in rows
        ]

    async def arrears_months(self, person_id: UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(ContributionRecord)
            .where(
                ContributionRecord.person_id == person_id, ContributionRecord.status == "arrears"
            )
        )
        return int(count or 0)


class SpentCredentials:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def is_spent(self, nonce: str) -> bool:
        found = await self.session.scalar(
            select(SpentCredential.id).where(SpentCredential.nonce == nonce)
        )
        return found is not None

    async def spend(self, nonce: str, expires_at: datetime) -> None:
        """Raises IntegrityError if another request spent it first."""
        self.session.add(SpentCredential(nonce=nonce, expires_at=expires_at))
        await self.session.flush()

    async def purge(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(SpentCredential).where(SpentCredential.expires_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)


class Transfers:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def open_for(self, person_id: UUID) -> list[InsuranceTransfer]:
        """Transfers not yet completed or rejected."""
        rows = await self.session.scalars(
            select(InsuranceTransfer).where(
                InsuranceTransfer.person_id == person_id,
                InsuranceTransfer.closed_on.is_(None),
            )
        )
        return list(rows)

    async def add(self, transfer: InsuranceTransfer) -> InsuranceTransfer:
        self.session.add(transfer)
        await self.session.flush()
        return transfer

    async def of_person(self, person_id: UUID) -> list[InsuranceTransfer]:
        """Every transfer of the person, the latest application first."""
        rows = await self.session.scalars(
            select(InsuranceTransfer)
            .where(InsuranceTransfer.person_id == person_id)
            .order_by(InsuranceTransfer.applied_on.desc(), InsuranceTransfer.created_at.desc())
        )
        return list(rows)

    async def open_of(self, person_ids: Iterable[UUID]) -> list[InsuranceTransfer]:
        """The open transfers of several people at once (the family dashboard)."""
        rows = await self.session.scalars(
            select(InsuranceTransfer).where(
                InsuranceTransfer.person_id.in_(list(person_ids)),
                InsuranceTransfer.closed_on.is_(None),
            )
        )
        return list(rows)

    async def one_of(self, transfer_id: UUID, person_id: UUID) -> InsuranceTransfer | None:
        """The transfer only if it is this person's: anyone else's looks like none."""
        return await self.session.scalar(
            select(InsuranceTransfer).where(
                InsuranceTransfer.id == transfer_id, InsuranceTransfer.person_id == person_id
            )
        )

    async def get(self, transfer_id: UUID) -> InsuranceTransfer | None:
        return await self.session.get(InsuranceTransfer, transfer_id)

    async def open_in_region(self, region_prefix: str) -> list[InsuranceTransfer]:
        """Open transfers from or to the region (address codes starting with the prefix),
        oldest application first: what its agency may have to act on."""
        pattern = f"{region_prefix}%"
        rows = await self.session.scalars(
            select(InsuranceTransfer)
            .where(
                InsuranceTransfer.closed_on.is_(None),
                or_(
                    InsuranceTransfer.from_region.like(pattern),
                    InsuranceTransfer.to_region.like(pattern),
                ),
            )
            .order_by(InsuranceTransfer.applied_on, InsuranceTransfer.created_at)
        )
        return list(rows)

    async def closed_in_region(
        self, region_prefix: str, states: Iterable[str], limit: int
    ) -> list[InsuranceTransfer]:
        """Closed transfers in one of ``states`` from or to the region, the latest closed
        first, at most ``limit``."""
        pattern = f"{region_prefix}%"
        rows = await self.session.scalars(
            select(InsuranceTransfer)
            .where(
                InsuranceTransfer.closed_on.is_not(None),
                InsuranceTransfer.state.in_(list(states)),
                or_(
                    InsuranceTransfer.from_region.like(pattern),
                    InsuranceTransfer.to_region.like(pattern),
                ),
            )
            .order_by(InsuranceTransfer.closed_on.desc(), InsuranceTransfer.updated_at.desc())
            .limit(limit)
        )
        return list(rows)

    async def confirm(
        self, transfer_id: UUID, person_id: UUID, check_id: UUID, on: date, waiting: str, to: str
    ) -> bool:
        """A conversion the person confirmed: moved from ``waiting`` to ``to`` only while it
        still waits, with the check that confirmed it (unique: a check confirms once). Of
        confirmations at once, one updates the row; the others update nothing."""
        result = await self.session.execute(
            update(InsuranceTransfer)
            .where(
                InsuranceTransfer.id == transfer_id,
                InsuranceTransfer.person_id == person_id,
                InsuranceTransfer.state == waiting,
                InsuranceTransfer.confirmed_check_id.is_(None),
            )
            .values(state=to, applied_on=on, confirmed_check_id=check_id)
            .execution_options(synchronize_session=False)
        )
        return isinstance(result, CursorResult) and result.rowcount == 1

    async def events(self, transfer_id: UUID) -> list[TransferEvent]:
        rows = await self.session.scalars(
            select(TransferEvent)
            .where(TransferEvent.transfer_id == transfer_id)
            .order_by(TransferEvent.done_on, TransferEvent.created_at)
        )
        return list(rows)

    async def add_event(self, event: TransferEvent) -> None:
        self.session.add(event)
        await self.session.flush()

    async def move(
        self, transfer: InsuranceTransfer, before: str, after: str, closed_on: date | None
    ) -> bool:
        """Set the state only while the row is still in ``before``: of two agency actions at
        once one wins; the loser's row is reloaded and False returned."""
        result = await self.session.execute(
            update(InsuranceTransfer)
            .where(InsuranceTransfer.id == transfer.id, InsuranceTransfer.state == before)
            .values(state=after, closed_on=closed_on)
            .execution_options(synchronize_session=False)
        )
        if not isinstance(result, CursorResult) or result.rowcount != 1:
            await self.session.refresh(transfer)
            return False
        set_committed_value(transfer, "state", after)
        set_committed_value(transfer, "closed_on", closed_on)
        return True


SubjectDraft = TypeVar("SubjectDraft", TransferDraft, ConversionDraft)


class SubjectDrafts(Generic[SubjectDraft]):
    """A holder's drafts of one kind, one per subject (unique on the pair): a transfer
    application's, a conversion application's."""

    def __init__(self, session: AsyncSession, model: type[SubjectDraft]) -> None:
        self.session = session
        self.model: type[SubjectDraft] = model

    async def of(self, account_id: UUID, person_id: UUID) -> SubjectDraft | None:
        return await self.session.scalar(
            select(self.model).where(
                self.model.holder_account_id == account_id,
                self.model.person_id == person_id,
            )
        )

    async def add(self, draft: SubjectDraft) -> SubjectDraft:
        self.session.add(draft)
        await self.session.flush()
        return draft

    async def remove(self, draft: SubjectDraft) -> None:
        await self.session.delete(draft)
        await self.session.flush()

    async def purge(self, now: datetime) -> int:
        result = await self.session.execute(delete(self.model).where(self.model.expires_at <= now))
        return int(getattr(result, "rowcount", 0) or 0)


class TransferDrafts(SubjectDrafts[TransferDraft]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, TransferDraft)


class ConversionDrafts(SubjectDrafts[ConversionDraft]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session, ConversionDraft)

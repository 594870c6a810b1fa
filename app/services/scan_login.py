"""Scan login's use cases (rules: app/domain/scan_login.py): a screen asks to be signed in; a
signed-in holder's phone finds the request by scanning its QR code or typing its code, checks
the number, chooses whom to sign in and approves with the PIN; the screen then signs in, once.

Every step is audited for the person signed in, with the place (a kiosk's name and hall, or
the browser's description), so a family member sees on "Who acted for me" where and when
someone signed in for them, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from app.db.models import ScanLogin
from app.domain import scan_login as rules
from app.domain.device import describe
from app.domain.scan_login import Place, ScanRefused, ScanState
from app.domain.views import Holder, KioskView, PersonView, ScanLoginView
from app.services import subject as subjects
from app.services.context import UnitOfWork
from app.services.limits import SCAN_CODE_ACCOUNT, SCAN_CODE_IP, SCAN_REQUEST, Limits
from app.services.subject import Subject

CODE_ATTEMPTS = 5  # new typed codes tried when one is taken by a live request
SELF = "self"  # the holder signs in as themself; otherwise a binding's id


@dataclass(frozen=True, slots=True)
class Asked:
    """A new request, as its screen keeps it: the token and the typed code are shown only
    there (the database keeps their hashes)."""

    id: UUID
    token: str
    typed_code: str


class NotYet(Exception):
    """Nobody has approved the request on a phone yet."""


class NotActive(Exception):
    """The family member chosen is not one the holder may act for (any longer)."""


@dataclass(frozen=True, slots=True)
class SignedIn:
    """Whom the screen is signed in as: the approving holder's account, for `person` (the
    holder, or the member of `binding_id`)."""

    account_id: UUID
    holder: PersonView
    person: PersonView
    binding_id: UUID | None
    kiosk: KioskView | None


def place(request: ScanLoginView) -> Place:
    if request.kiosk is not None:
        return Place(kiosk_name=request.kiosk.name, hall=request.kiosk.hall)
    browser, system = describe(request.user_agent)
    return Place(browser=browser or "", system=system or "", city=request.source_city)


def _hash(uow: UnitOfWork, kind: str, value: str) -> str:
    return uow.cipher.token_hash(f"scan-{kind}:{value}")


async def ask(
    uow: UnitOfWork, now: datetime, kiosk: KioskView | None = None, city: str = ""
) -> Asked:
    """A new request from this browser (the unit of work's origin, in `city` when known), or
    this machine."""
    token, secret = rules.new_token(), rules.new_secret()
    for _attempt in range(CODE_ATTEMPTS):
        code = rules.TYPED.new()
        row = ScanLogin(
            token_hash=_hash(uow, "token", token),
            typed_code_hash=_hash(uow, "code", code),
            secret=secret,
            started_at=now,
            expires_at=rules.expires_at(now, uow.policy.scan_login_seconds),
            kiosk_id=kiosk.id if kiosk else None,
            user_agent=uow.origin.user_agent,
            source_address=uow.origin.address,
            source_city="" if kiosk else city,
            state=ScanState.PENDING.value,
        )
        try:
            async with uow.savepoint():
                await uow.scan_logins.add(row)
        except IntegrityError:  # the typed code is another request's: draw again
            continue
        return Asked(row.id, token, code)
    raise RuntimeError("no free typed code")


async def replace(
    uow: UnitOfWork,
    limits: Limits,
    old: UUID | None,
    now: datetime,
    kiosk: KioskView | None = None,
    city: str = "",
) -> Asked:
    """A new code for the screen: its request still pending is cancelled. Counted first, per
    machine or per address (TooManyAttempts): each request is a row and a code to guess at."""
    window = int(now.timestamp()) // (uow.policy.scan_request_window_minutes * 60)
    asker = f"kiosk:{kiosk.id}" if kiosk else f"ip:{uow.origin.address}"
    await limits.count(now, (SCAN_REQUEST, f"{asker}:{window}"))
    if old is not None:
        await uow.scan_logins.cancel(old, now)
    return await ask(uow, now, kiosk, city)


async def request(uow: UnitOfWork, request_id: UUID) -> ScanLoginView | None:
    return await uow.scan_logins.get(request_id)


# ---- the phone ---------------------------------------------------------------------------------


def _approvable(found: ScanLoginView | None, now: datetime) -> ScanLoginView:
    if found is None:
        raise ScanRefused("unknown")
    reason = rules.approvable(found.state, found.expires_at, now)
    if reason is not None:
        raise ScanRefused(reason)
    return found


async def by_scan(uow: UnitOfWork, raw: str, now: datetime) -> ScanLoginView:
    """The request of a QR code just scanned: known, pending, and its code drawn within the
    last seconds (ScanRefused: unknown, expired, used, mismatched, cancelled or stale)."""
    scanned = rules.read_payload(raw)
    if scanned is None:
        raise ScanRefused("unknown")
    found = _approvable(
        await uow.scan_logins.by_token_hash(_hash(uow, "token", scanned.token)), now
    )
    fresh = rules.code_is_fresh(
        found.secret,
        scanned,
        started_at=found.started_at,
        now=now,
        tolerance=uow.policy.scan_code_tolerance_seconds,
    )
    if not fresh:
        raise ScanRefused("stale")
    return found


async def by_typed_code(
    uow: UnitOfWork, limits: Limits, holder: Holder, address: str, typed: str, now: datetime
) -> ScanLoginView:
    """The request of a code typed on the phone. Counted per holder and per address before it
    is looked at (TooManyAttempts); a real code gives its count back."""
    counted = await limits.count(
        now, (SCAN_CODE_ACCOUNT, str(holder.account_id)), (SCAN_CODE_IP, address)
    )
    code = rules.TYPED.normalise(typed)
    found = await uow.scan_logins.by_typed_code_hash(_hash(uow, "code", code)) if code else None
    if found is None:
        raise ScanRefused("unknown")
    await counted.succeeded()
    return _approvable(found, now)


async def claimed(uow: UnitOfWork, request_id: UUID, now: datetime) -> ScanLoginView:
    """The request the phone found, while a phone may still approve it (ScanRefused)."""
    return _approvable(await uow.scan_logins.get(request_id), now)


async def choices(uow: UnitOfWork, holder: Holder) -> list[Subject]:
    """Whom the holder may sign in: themself, then each active family member."""
    return [subjects.own(holder), *await subjects.active_members(uow, holder)]


async def chosen(uow: UnitOfWork, holder: Holder, who: str) -> Subject:
    """The subject of the answer to "who signs in" (NotActive for a binding the holder may
    not, or no longer, act through)."""
    if who == SELF:
        return subjects.own(holder)
    try:
        binding_id = UUID(who)
    except ValueError:
        raise NotActive from None
    try:
        return await subjects.member(uow, holder, binding_id)
    except subjects.NoSuchSubject:
        raise NotActive from None


async def check_number(
    uow: UnitOfWork,
    holder: Holder,
    found: ScanLoginView,
    number: str,
    subject_id: UUID | None,
    now: datetime,
) -> None:
    """A wrong number ends the request (ScanRefused "mismatched"), audited for whoever was
    to be signed in."""
    if rules.number_matches(found.secret, number):
        return
    await uow.scan_logins.mismatch(found.id, now)
    uow.audit.record(
        "scan_login.mismatched",
        at=now,
        actor=holder.person_id,
        subject=subject_id or holder.person_id,
        detail=place(found).detail(),
    )
    raise ScanRefused("mismatched")


async def approve(
    uow: UnitOfWork, holder: Holder, found: ScanLoginView, subject: Subject, now: datetime
) -> None:
    """Approve, once: of approvals sent at once, one gets through; the others are refused
    with why (ScanRefused)."""
    approved = await uow.scan_logins.approve(
        found.id,
        now,
        account_id=holder.account_id,
        subject_person_id=subject.person.id,
        binding_id=subject.binding.id if subject.binding else None,
    )
    if not approved:
        now_found = await uow.scan_logins.get(found.id)
        reason = (
            None
            if now_found is None
            else rules.approvable(now_found.state, now_found.expires_at, now)
        )
        raise ScanRefused(reason or "used")
    uow.audit.record(
        "scan_login.approved",
        at=now,
        actor=holder.person_id,
        subject=subject.person.id,
        detail=place(found).detail(),
    )


# ---- the screen signs in -------------------------------------------------------------------


async def complete(uow: UnitOfWork, request_id: UUID, now: datetime) -> SignedIn:
    """Sign the screen in, once (ScanRefused, or NotYet while nobody has approved). A member
    whom the holder can no longer act for is refused ("withdrawn")."""
    found = await uow.scan_logins.get(request_id)
    if found is None:
        raise ScanRefused("unknown")
    lifetime = uow.policy.scan_login_seconds
    reason = rules.completable(found.state, found.decided_at, now, lifetime)
    if reason is not None:
        raise ScanRefused(reason)
    if found.state == ScanState.PENDING:
        raise NotYet
    account = await uow.accounts.get(found.account_id) if found.account_id else None
    if account is None:
        raise ScanRefused("unknown")
    holder = await uow.views.person(account.person_id)
    person = holder
    if found.binding_id is not None:
        member = await uow.views.active_member(found.binding_id, account.person_id)
        if member is None:
            raise ScanRefused("withdrawn")
        person = member[1]
    if holder is None or person is None:
        raise ScanRefused("unknown")
    if not await uow.scan_logins.use(
        found.id, now, decided_after=now - timedelta(seconds=lifetime)
    ):
        raise ScanRefused("used")
    uow.audit.record(
        "scan_login.signed_in",
        at=now,
        actor=holder.id,
        subject=person.id,
        detail=place(found).detail(),
    )
    return SignedIn(account.id, holder, person, found.binding_id, found.kiosk)


Ending = Literal["finished", "timed_out"]


def ended(
    uow: UnitOfWork,
    *,
    holder_id: UUID,
    subject_id: UUID,
    kiosk: KioskView | None,
    how: Ending,
    now: datetime,
) -> None:
    """A session signed in by scanning ended at the machine ("Finish", or nobody there)."""
    where = Place(kiosk_name=kiosk.name, hall=kiosk.hall) if kiosk else Place()
    uow.audit.record(
        f"scan_login.{how}", at=now, actor=holder_id, subject=subject_id, detail=where.detail()
    )

"""A holder's own controls: their sign-ins (one row per signed-in session, listed and ended
from /account/sessions) and changing their password with the current one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from app.adapters.hashing import hash_secret
from app.db.models import SignedInSession
from app.domain.views import SecurityEvent
from app.services.context import UnitOfWork
from app.services.limits import Limits
from app.services.signin import check_account_password


@dataclass(frozen=True, slots=True)
class SessionView:
    """One signed-in session, as the sessions page lists it."""

    id: UUID
    user_agent: str
    started_at: datetime
    seen_at: datetime
    current: bool


# What the account page's history lists: changes to the password and the PIN, the PIN's
# lock, and face checks for a reset that did not match (someone may be trying).
SECURITY_ACTIONS = (
    "password.changed",
    "password.reset",
    "password_reset.face_failed",
    "pin.set",
    "pin.changed",
    "pin.reset",
    "pin.locked",
    "pin_reset.face_failed",
)
HISTORY_SHOWN = 20  # the latest this many


class WrongPassword(Exception):
    """The current password typed is not right (the attempt was counted and audited)."""


async def begin(uow: UnitOfWork, account_id: UUID, now: datetime) -> UUID:
    """Record a new sign-in, with the device's user agent; its id goes in the session."""
    row = await uow.signed_in_sessions.add(
        SignedInSession(
            account_id=account_id,
            user_agent=uow.origin.user_agent,
            source_address=uow.origin.address,
            started_at=now,
            seen_at=now,
        )
    )
    return row.id


async def seen(uow: UnitOfWork, session_id: UUID, now: datetime) -> None:
    """The session was used (noted as often as the session itself notes it)."""
    await uow.signed_in_sessions.seen(session_id, now)


async def live_sessions(
    uow: UnitOfWork, account_id: UUID, current: UUID, now: datetime
) -> list[SessionView]:
    """The account's sessions still usable, the current one first."""
    policy = uow.policy
    rows = await uow.signed_in_sessions.live(
        account_id,
        started_after=now - timedelta(hours=policy.session_absolute_hours),
        seen_after=now - timedelta(minutes=policy.session_idle_minutes),
    )
    views = [
        SessionView(r.id, r.user_agent, r.started_at, r.seen_at, current=r.id == current)
        for r in rows
    ]
    return sorted(views, key=lambda v: not v.current)


async def end_session(
    uow: UnitOfWork, account_id: UUID, person_id: UUID, session_id: UUID, now: datetime
) -> bool:
    """End one of the account's sessions: its next request is signed out. False if it was
    not theirs or had ended already."""
    ended = await uow.signed_in_sessions.end(account_id, now, only=session_id)
    if ended:
        uow.audit.record("session.ended", at=now, actor=person_id)
    return ended == 1


async def signed_out(uow: UnitOfWork, account_id: UUID, session_id: UUID, now: datetime) -> None:
    """The holder signed out: the session's row ends with it."""
    await uow.signed_in_sessions.end(account_id, now, only=session_id)


async def change_password(
    uow: UnitOfWork,
    limits: Limits,
    *,
    account_id: UUID,
    current: str,
    new: str,
    keep_session: UUID,
    now: datetime,
) -> int:
    """Check the current password (counted against the password check's limit first: raises
    TooManyAttempts; WrongPassword when wrong), set the new one, and end every other session,
    since whoever knew the old password may be signed in elsewhere. Returns how many ended."""
    account = await uow.accounts.get(account_id)
    if account is None or not await check_account_password(uow, limits, account, current, now):
        raise WrongPassword
    await uow.accounts.set_password(account_id, hash_secret(new))
    ended = await uow.signed_in_sessions.end(account_id, now, keep=keep_session)
    uow.audit.record(
        "password.changed", at=now, actor=account.person_id, detail=f"sessions_ended={ended}"
    )
    return ended


async def security_history(uow: UnitOfWork, person_id: UUID) -> list[SecurityEvent]:
    """The latest changes to the holder's password and PIN (and attempts), newest first."""
    events = await uow.audit.about(person_id, SECURITY_ACTIONS, HISTORY_SHOWN)
    return [SecurityEvent(action=event.action, at=event.at) for event in events]

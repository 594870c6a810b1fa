"""Signed-in sessions, holders' and staff's alike: started with a new id, ended after the
policy's idle or absolute limit (auth_core.session_expired), and the one-use passkey challenge."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Request

from app.adapters.clock import utcnow
from app.domain.policy import Policy
from app.routes.security import rotate_session
from app.services.auth_core import session_expired

STARTED = "auth_at"
SEEN = "seen_at"
# A session's own idle limit, in seconds, when it is shorter than the policy's (a kiosk's).
IDLE = "idle_s"
# A session signed in by scanning that is limited (app/routes/scan_scope.py): whom it acts
# for and who signed it in, as its banner shows them.
SCAN = "scan"
# Writing the session on every request costs a store write each time; this often is enough
# (an eighth of a shorter idle limit).
SEEN_AT_GRANULARITY_SECONDS = 30


class SignInRequired(Exception):
    def __init__(self, reason: str = "") -> None:
        super().__init__(reason)
        self.reason = reason


class SessionExpired(Exception):
    """Past the idle or the absolute limit: the session has been cleared."""


def start(request: Request[Any, Any, Any], **values: Any) -> None:
    """A new session, under a new id, for someone who has just proved who they are; both
    clocks start now."""
    now = utcnow().timestamp()
    rotate_session(request)
    request.clear_session()
    request.set_session({**values, STARTED: now, SEEN: now})


def signed_in(
    request: Request[Any, Any, Any], key: str, policy: Policy, now: datetime
) -> UUID | None:
    """The id the session holds under `key`, or None. Raises SessionExpired (and clears the
    session) once it has been idle, or open, for too long; otherwise notes that it was seen."""
    session = request.session
    raw = session.get(key)
    if not raw:
        return None
    started, seen, now_s = (
        float(session.get(STARTED, 0)),
        float(session.get(SEEN, 0)),
        now.timestamp(),
    )
    idle = idle_seconds(session)
    if session_expired(policy, started_at=started, seen_at=seen, now=now_s, idle_seconds=idle):
        request.clear_session()
        raise SessionExpired
    granularity = (
        min(SEEN_AT_GRANULARITY_SECONDS, idle // 8) if idle else SEEN_AT_GRANULARITY_SECONDS
    )
    if now_s - seen > granularity:
        session[SEEN] = now_s  # not every request: most then need no session write
    return UUID(str(raw))


def idle_seconds(session: Mapping[str, Any]) -> int | None:
    """The session's own idle limit, if it has one."""
    raw = session.get(IDLE)
    return int(raw) if isinstance(raw, int) and raw > 0 else None


def still_here(request: Request[Any, Any, Any]) -> None:
    """The idle warning's "Stay signed in": the idle clock restarts (the absolute one does not)."""
    request.session[SEEN] = utcnow().timestamp()


def keep_challenge(request: Request[Any, Any, Any], name: str, challenge: bytes) -> None:
    request.session[name] = base64.b64encode(challenge).decode()


def take_challenge(request: Request[Any, Any, Any], name: str) -> bytes | None:
    """The challenge, once: a replayed answer finds none."""
    stored = request.session.pop(name, None)
    return base64.b64decode(stored) if stored else None

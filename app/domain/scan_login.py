"""Signing in on another screen with the phone (扫码登录), domain-rules §10.

A browser or a self-service machine asks to be signed in. The request lives
`policy.scan_login_seconds` and is used once. Its screen shows a QR code whose payload carries
the request's login token and a code that changes every second, HMAC-SHA256(secret, seconds
since the request began), as BankID's animated QR code does: a screenshot relayed to someone
else is stale at once. A phone that cannot scan types the request's short code instead.

The phone then shows where the sign-in happens and asks three things: which of three numbers
the screen shows (number matching: a wrong choice ends the request), whom to sign in (the
holder, or a family member they act for), and the PIN.

A session started this way at a self-service machine, or acting for a family member, is
limited: it may view, print and certify, nothing else (SessionScope).
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from app.domain.codes import CodeKind

SECRET_BYTES = 32
TOKEN_BYTES = 16
_TOKEN = re.compile(r"[A-Z2-7]{26}")  # base32 of TOKEN_BYTES, unpadded
_CODE = re.compile(r"[0-9a-f]{64}")
_SECONDS_MAX_DIGITS = 6
PAYLOAD_MAX = 120

# The code typed on a phone that cannot scan: digits, for the phone's number pad.
TYPED = CodeKind(8, 20, alphabet="0123456789")


def rotating_code(secret: bytes, seconds: int) -> str:
    """The QR code's code for this second of the request: lower-case hex HMAC-SHA256."""
    return hmac.new(secret, str(seconds).encode(), hashlib.sha256).hexdigest()


def new_secret() -> bytes:
    return secrets.token_bytes(SECRET_BYTES)


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(TOKEN_BYTES)).decode("ascii").rstrip("=")


def seconds_since(started_at: datetime, now: datetime) -> int:
    """Whole seconds since the request began (never negative)."""
    return max(int((now - started_at).total_seconds()), 0)


# ---- the QR code's payload ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scanned:
    """What a QR code said: the request's token, the second it was drawn, and its code."""

    token: str
    seconds: int
    code: str


def payload(token: str, secret: bytes, seconds: int) -> str:
    return f"{token}.{seconds}.{rotating_code(secret, seconds)}"


def read_payload(raw: str) -> Scanned | None:
    """The parts of a payload, or None when it cannot be one."""
    if len(raw) > PAYLOAD_MAX:
        return None
    parts = raw.split(".")
    if len(parts) != 3:
        return None
    token, seconds, code = parts
    if not (_TOKEN.fullmatch(token) and _CODE.fullmatch(code)):
        return None
    if not (seconds.isascii() and seconds.isdigit() and len(seconds) <= _SECONDS_MAX_DIGITS):
        return None
    return Scanned(token, int(seconds), code)


def code_is_fresh(
    secret: bytes, scanned: Scanned, *, started_at: datetime, now: datetime, tolerance: int
) -> bool:
    """The code is the request's, drawn at most `tolerance` seconds ago (the time to scan and
    open the page); one second ahead is allowed for clocks a little apart."""
    elapsed = seconds_since(started_at, now)
    if not elapsed - tolerance <= scanned.seconds <= elapsed + 1:
        return False
    return hmac.compare_digest(scanned.code, rotating_code(secret, scanned.seconds))


# ---- number matching ----------------------------------------------------------------------


def _stream(secret: bytes, label: bytes) -> bytes:
    return hmac.new(secret, label, hashlib.sha256).digest()


def match_number(secret: bytes) -> str:
    """The two digits the screen shows (10 to 99)."""
    return str(10 + _stream(secret, b"number")[0] % 90)


def number_choices(secret: bytes) -> tuple[str, str, str]:
    """The three numbers the phone offers: the screen's and two others, in an order fixed for
    the request (offering new ones on each visit would give the right one away: it is the one
    that is always there)."""
    right = match_number(secret)
    chosen = [right]
    for byte in _stream(secret, b"decoys"):
        candidate = str(10 + byte % 90)
        if candidate not in chosen:
            chosen.append(candidate)
        if len(chosen) == 3:
            break
    place = _stream(secret, b"order")[0] % 3
    others = chosen[1:]
    others.insert(place, right)
    return others[0], others[1], others[2]


def number_matches(secret: bytes, chosen: str) -> bool:
    return hmac.compare_digest(chosen.encode(), match_number(secret).encode())


# ---- the request's life -------------------------------------------------------------------


class ScanState(enum.StrEnum):
    PENDING = "pending"  # shown, waiting for a phone
    APPROVED = "approved"  # confirmed on a phone: the screen may sign in, once
    USED = "used"  # the screen signed in
    MISMATCHED = "mismatched"  # the phone chose a wrong number: ended
    CANCELLED = "cancelled"  # the screen asked for a new code instead


# Why a request is refused, each with its own message: its time is over, it has been used
# (approved or signed in already), a wrong number ended it, nobody knows it, the QR code read
# was an old one (a relayed picture), it was replaced by a new code, or whoever approved it
# can no longer act for the family member chosen.
Reason = Literal["expired", "used", "mismatched", "unknown", "stale", "cancelled", "withdrawn"]


class ScanRefused(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def expires_at(started_at: datetime, lifetime_seconds: int) -> datetime:
    return started_at + timedelta(seconds=lifetime_seconds)


def approvable(state: str, expires: datetime, now: datetime) -> Reason | None:
    """Why a phone may not approve the request now, or None: it may."""
    if state == ScanState.PENDING:
        return "expired" if now >= expires else None
    return _ended(state)


def completable(
    state: str, decided_at: datetime | None, now: datetime, lifetime_seconds: int
) -> Reason | None:
    """Why the screen may not sign in now, or None. An approval gives the screen a lifetime of
    its own to sign in (without JavaScript someone has to press a button)."""
    if state == ScanState.APPROVED and decided_at is not None:
        return "expired" if now >= expires_at(decided_at, lifetime_seconds) else None
    if state == ScanState.PENDING:
        return None  # not yet: the caller says so
    return _ended(state)


def _ended(state: str) -> Reason:
    ended: dict[str, Reason] = {
        ScanState.APPROVED: "used",
        ScanState.USED: "used",
        ScanState.MISMATCHED: "mismatched",
        ScanState.CANCELLED: "cancelled",
    }
    return ended.get(state, "unknown")


# ---- where the sign-in happens --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Place:
    """A self-service machine (its name and service hall), or a browser (its description and
    network address), as the phone and the audit trail show it."""

    kiosk_name: str = ""
    hall: str = ""
    browser: str = ""
    system: str = ""
    city: str = ""

    @property
    def is_kiosk(self) -> bool:
        return bool(self.kiosk_name)

    def detail(self) -> str:
        """As the audit trail keeps it."""
        if self.is_kiosk:
            return f"kiosk|{self.kiosk_name}|{self.hall}"[:300]
        return f"browser|{self.browser}|{self.system}|{self.city}"[:300]


def place_of(detail: str) -> Place | None:
    """A place kept by Place.detail, or None."""
    kind, _, rest = detail.partition("|")
    first, _, rest = rest.partition("|")
    second, _, third = rest.partition("|")
    if kind == "kiosk" and first:
        return Place(kiosk_name=first, hall=second)
    if kind == "browser":
        return Place(browser=first, system=second, city=third)
    return None


# ---- what a limited session may do ------------------------------------------------------------

# What a route does, as a limited session sees it (the route declares it): view, print and
# certify a subject's pages, or "session" (end the session, change the language).
Capability = Literal["view", "print", "certify", "session"]
LIMITED_MAY: frozenset[str] = frozenset({"view", "print", "certify", "session"})


@dataclass(frozen=True, slots=True)
class SessionScope:
    """A session started by scanning at a self-service machine, or acting for a family member.

    binding_id: the family member's binding it acts for, or None: the holder themself. Anything
    a route does not declare (unbinding, PIN, password and passkeys, paying, applying,
    enrolling) is
    refused, and a subject's pages only for its own subject."""

    binding_id: UUID | None
    kiosk: bool

    def allows(self, capability: str | None, page_binding: UUID | None) -> bool:
        """May this session use a route that declares `capability`, for the subject whose
        binding is `page_binding` (None: the holder's own /my pages, or no subject at all)?"""
        if capability not in LIMITED_MAY:
            return False
        if capability == "session":
            return True
        return page_binding == self.binding_id


def is_limited(binding_id: UUID | None, kiosk: bool) -> bool:
    """Acting for a family member, or at a self-service machine: limited."""
    return binding_id is not None or kiosk

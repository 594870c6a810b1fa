"""A passkey sign-in challenge that needs no server session.

Asking for passkey options must not make a session (or any other row) for an anonymous
visitor. So the challenge carries its own proof: a random nonce, its expiry, and a MAC of
both. The browser's answer names the challenge it signed; its MAC and expiry are checked,
and the nonce is spent once, by whoever then proves a passkey (see app/services/passkeys.py).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

_PURPOSE = b"passkey-signin:"
NONCE_BYTES = 15
_EXPIRY_BYTES = 4
_MAC_BYTES = 13
CHALLENGE_BYTES = NONCE_BYTES + _EXPIRY_BYTES + _MAC_BYTES  # 32, as webauthn suggests
VALID_SECONDS = 300

Mac = Callable[[bytes], bytes]


class ChallengeRefused(Exception):
    """Not one of ours, or expired."""


@dataclass(frozen=True, slots=True)
class Challenge:
    nonce: bytes
    expires_at: datetime

    @property
    def nonce_key(self) -> str:
        """How the spent nonce is stored (apart from QR nonces, which are shorter)."""
        return "p" + self.nonce.hex()


def issue(*, now: datetime, mac: Mac, valid_seconds: int = VALID_SECONDS) -> bytes:
    body = secrets.token_bytes(NONCE_BYTES) + (int(now.timestamp()) + valid_seconds).to_bytes(
        _EXPIRY_BYTES, "big"
    )
    return body + mac(_PURPOSE + body)[:_MAC_BYTES]


def read(challenge: bytes, *, now: datetime, mac: Mac) -> Challenge:
    """The challenge's nonce and expiry if it is genuine and unexpired; ChallengeRefused."""
    if len(challenge) != CHALLENGE_BYTES:
        raise ChallengeRefused("length")
    body, tag = challenge[:-_MAC_BYTES], challenge[-_MAC_BYTES:]
    if not hmac.compare_digest(tag, mac(_PURPOSE + body)[:_MAC_BYTES]):
        raise ChallengeRefused("forged")
    expires_at = datetime.fromtimestamp(int.from_bytes(body[NONCE_BYTES:], "big"), UTC)
    if now >= expires_at:
        raise ChallengeRefused("expired")
    return Challenge(nonce=body[:NONCE_BYTES], expires_at=expires_at)

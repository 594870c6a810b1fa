"""The dynamic QR credential: a signed, short-lived, single-use token naming a person.

Format: "E1." + base32(person UUID 16 bytes | expiry 4 bytes | nonce 8 bytes) + "." +
base32(first 16 bytes of an HMAC-SHA256 over "E1." + payload). Base32 (A-Z, 2-7, no padding)
rather than base64url: the whole token is then in the QR alphanumeric set (a smaller code),
and case does not matter when it is typed by hand or by a scanner with Caps Lock on.

The expiry is in whole Unix seconds: issued at t, the token is valid while now < floor(t) +
valid_seconds and expired from that second on (so at most valid_seconds, shown as "valid
until" that second). Single use is the caller's part: it keeps the spent nonces.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

VERSION = "E1"
_PERSON_BYTES = 16
_EXPIRY_BYTES = 4
NONCE_BYTES = 8
MAC_BYTES = 16
PAYLOAD_BYTES = _PERSON_BYTES + _EXPIRY_BYTES + NONCE_BYTES
MAX_INPUT = 120  # the token grouped for reading, with room for stray spaces
GROUP = 5

# malformed, forged and expired come from reading the token; used and unknown from storage.
Reason = Literal["malformed", "forged", "expired", "used", "unknown"]
Mac = Callable[[bytes], bytes]


class CredentialRefused(Exception):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


@dataclass(frozen=True, slots=True)
class Claims:
    person_id: UUID
    expires_at: datetime
    nonce: bytes

    @property
    def nonce_key(self) -> str:
        """How the spent nonce is stored."""
        return self.nonce.hex()


def _b32(data: bytes) -> str:
    return base64.b32encode(data).decode("ascii").rstrip("=")


def _unb32(text: str) -> bytes:
    """Strict: only the one canonical spelling of each byte string is accepted."""
    data = base64.b32decode(text + "=" * (-len(text) % 8))
    if _b32(data) != text:
        raise ValueError("not canonical")
    return data


def _tag(payload: bytes, mac: Mac) -> bytes:
    return mac(f"{VERSION}.".encode() + payload)[:MAC_BYTES]


def issue(
    person_id: UUID,
    *,
    now: datetime,
    valid_seconds: int,
    mac: Mac,
    nonce: bytes | None = None,
) -> tuple[str, Claims]:
    expiry = int(now.timestamp()) + valid_seconds
    nonce = nonce if nonce is not None else secrets.token_bytes(NONCE_BYTES)
    if len(nonce) != NONCE_BYTES:
        raise ValueError("nonce length")
    payload = person_id.bytes + expiry.to_bytes(_EXPIRY_BYTES, "big") + nonce
    token = f"{VERSION}.{_b32(payload)}.{_b32(_tag(payload, mac))}"
    return token, _claims(payload)


def normalise(raw: str) -> str:
    """Without the whitespace a scanner or a typist adds (Enter, Tab, grouping spaces)."""
    return "".join(raw.split()).upper()


def read(raw: str, *, now: datetime, mac: Mac) -> Claims:
    """The claims of a genuine, unexpired token; CredentialRefused otherwise. The MAC is
    checked before anything in the payload is believed, so a forged token is never "expired"."""
    if len(raw) > MAX_INPUT:
        raise CredentialRefused("malformed")
    parts = normalise(raw).split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise CredentialRefused("malformed")
    try:
        payload, tag = _unb32(parts[1]), _unb32(parts[2])
    except (binascii.Error, ValueError):
        raise CredentialRefused("malformed") from None
    if len(payload) != PAYLOAD_BYTES or len(tag) != MAC_BYTES:
        raise CredentialRefused("malformed")
    if not hmac.compare_digest(tag, _tag(payload, mac)):
        raise CredentialRefused("forged")
    claims = _claims(payload)
    if now >= claims.expires_at:
        raise CredentialRefused("expired")
    return claims


def _claims(payload: bytes) -> Claims:
    expiry = int.from_bytes(payload[_PERSON_BYTES : _PERSON_BYTES + _EXPIRY_BYTES], "big")
    return Claims(
        person_id=UUID(bytes=payload[:_PERSON_BYTES]),
        expires_at=datetime.fromtimestamp(expiry, UTC),
        nonce=payload[_PERSON_BYTES + _EXPIRY_BYTES :],
    )


def grouped(token: str) -> str:
    """For reading aloud or typing: groups of five; read() ignores the spaces."""
    parts = token.split(".")
    return ". ".join(
        " ".join(part[i : i + GROUP] for i in range(0, len(part), GROUP)) for part in parts
    )

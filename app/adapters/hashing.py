"""argon2id for passwords and PINs."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when no account matches, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("no account has this password")


def hash_secret(secret: str) -> str:
    return _hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, secret) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False

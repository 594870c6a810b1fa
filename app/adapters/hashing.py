"""argon2id for passwords and PINs."""

from __future__ import annotations

from functools import cached_property
from typing import Literal

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

HashProfile = Literal["rfc9106-low-memory", "cheapest"]
_PROFILES = {
    "rfc9106-low-memory": profiles.RFC_9106_LOW_MEMORY,  # the library's recommended default
    "cheapest": profiles.CHEAPEST,  # tests only: the settings refuse it in production
}


class _Hashing:
    def __init__(self, profile: HashProfile) -> None:
        self.profile = profile
        self.hasher = PasswordHasher.from_parameters(_PROFILES[profile])

    @cached_property
    def dummy(self) -> str:
        """Verified against when no account matches, so a miss costs as long as a wrong
        password. Made by `configure` when an app starts (so the first miss costs no more
        than later ones), not on import: the command line and the face-matching workers
        import this module and never need it."""
        return self.hasher.hash("no account has this password")


_current = _Hashing("rfc9106-low-memory")


def configure(profile: HashProfile) -> None:
    """New hashes use this profile; existing ones verify with the parameters they carry."""
    global _current
    if profile != _current.profile:
        _current = _Hashing(profile)
    _current.dummy  # noqa: B018 -- made now, at start-up


def hash_secret(secret: str) -> str:
    return _current.hasher.hash(secret)


def verify_secret(stored_hash: str | None, secret: str) -> bool:
    try:
        return _current.hasher.verify(stored_hash or _current.dummy, secret) and (
            stored_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False

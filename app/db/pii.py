"""ID numbers at rest: AES-GCM for storage, HMAC-SHA256 for lookup; keys derived from SECRET_KEY."""

from __future__ import annotations

import hashlib
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.domain.identity import mask_id_number

_NONCE_BYTES = 12
# Masked numbers kept by ciphertext: every signed-in page shows the holder's, and a decryption
# costs more than the rest of that line. Only the masked form (8 of 18 characters) is kept.
MASKED_KEPT = 4096
_AAD = b"people.id_number"


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )


class PiiCipher:
    def __init__(self, secret_key: str) -> None:
        self._aead = AESGCM(_derive(secret_key, b"essc id-number encryption v1"))
        self._lookup_key = _derive(secret_key, b"essc id-number lookup v1")
        self._token_key = _derive(secret_key, b"essc one-time token v1")
        self._credential_key = _derive(secret_key, b"essc qr credential v1")
        self.masked = lru_cache(maxsize=MASKED_KEPT)(self._masked)

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), _AAD)

    def decrypt(self, blob: bytes) -> str:
        nonce, ciphertext = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
        return self._aead.decrypt(nonce, ciphertext, _AAD).decode()

    def _masked(self, blob: bytes) -> str:
        """The number as pages show it, 1101**********0224 (kept: see MASKED_KEPT)."""
        return mask_id_number(self.decrypt(blob))

    def lookup_hash(self, plaintext: str) -> str:
        return hmac.new(self._lookup_key, plaintext.encode(), hashlib.sha256).hexdigest()

    def token_hash(self, token: str) -> str:
        """One-time codes are stored only as this keyed hash."""
        return hmac.new(self._token_key, token.encode(), hashlib.sha256).hexdigest()

    def credential_mac(self, data: bytes) -> bytes:
        """HMAC-SHA256 that signs QR credentials (a key of its own, derived from SECRET_KEY)."""
        return hmac.new(self._credential_key, data, hashlib.sha256).digest()

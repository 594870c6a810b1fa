"""The ID-number cipher: what a page may show of a number, decrypted once per ciphertext."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag

from app.db.pii import PiiCipher

NUMBER = "110105198503140224"


def test_masked_keeps_the_first_and_last_four() -> None:
    cipher = PiiCipher("a-secret-key")
    assert cipher.masked(cipher.encrypt(NUMBER)) == "1101**********0224"


def test_a_number_shown_again_is_not_decrypted_again(monkeypatch: pytest.MonkeyPatch) -> None:
    cipher = PiiCipher("a-secret-key")
    blob = cipher.encrypt(NUMBER)
    decrypted: list[bytes] = []
    real = cipher.decrypt

    def counting(value: bytes) -> str:
        decrypted.append(value)
        return real(value)

    monkeypatch.setattr(cipher, "decrypt", counting)
    assert {cipher.masked(blob) for _ in range(5)} == {"1101**********0224"}
    assert decrypted == [blob]


def test_another_key_does_not_read_a_kept_number() -> None:
    """Each cipher keeps its own: a portal's kept values never answer for another key."""
    mine, other = PiiCipher("a-secret-key"), PiiCipher("another-key")
    blob = mine.encrypt(NUMBER)
    mine.masked(blob)
    with pytest.raises(InvalidTag):
        other.masked(blob)

"""The QR credential token: format, signature, expiry boundary, and what a scanner or typist adds."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from uuid import UUID

import pytest

from app.domain import credential
from app.domain.credential import CredentialRefused

PERSON = UUID("6f1c2d3e-4a5b-4c6d-8e7f-90a1b2c3d4e5")
NOW = datetime(2025, 3, 14, 8, 30, 0, tzinfo=UTC)


def mac(data: bytes) -> bytes:
    return hmac.new(b"k" * 32, data, hashlib.sha256).digest()


def other_mac(data: bytes) -> bytes:
    return hmac.new(b"x" * 32, data, hashlib.sha256).digest()


def issue(now: datetime = NOW, nonce: bytes | None = None) -> tuple[str, credential.Claims]:
    return credential.issue(PERSON, now=now, valid_seconds=60, mac=mac, nonce=nonce)


def reason(token: str, now: datetime = NOW, key: credential.Mac = mac) -> str:
    with pytest.raises(CredentialRefused) as refused:
        credential.read(token, now=now, mac=key)
    return refused.value.reason


def test_round_trip() -> None:
    token, claims = issue()
    read = credential.read(token, now=NOW, mac=mac)
    assert read == claims
    assert read.person_id == PERSON
    assert read.expires_at == NOW + timedelta(seconds=60)
    assert len(read.nonce) == credential.NONCE_BYTES


def test_format_is_compact_and_in_the_qr_alphanumeric_set() -> None:
    token, _claims = issue()
    assert token.startswith("E1.")
    assert len(token) == 75
    alphanumeric = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%*+-./:")
    assert set(token) <= alphanumeric


def test_each_code_is_different() -> None:
    assert issue()[0] != issue()[0]


def test_expiry_boundary_is_exclusive() -> None:
    """Valid for the whole 60 s after the second it was issued in; refused from +60 s on."""
    token, _claims = issue(NOW + timedelta(milliseconds=700))  # counted from the whole second
    credential.read(token, now=NOW + timedelta(seconds=59, microseconds=999_999), mac=mac)
    assert reason(token, NOW + timedelta(seconds=60)) == "expired"
    assert reason(token, NOW + timedelta(days=1)) == "expired"


def test_every_tampered_character_is_refused() -> None:
    token, _claims = issue()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    ends = {i - 1 for i, ch in enumerate(token) if ch == "."} | {len(token) - 1}
    for i, ch in enumerate(token):
        if ch == "." or i < 3:
            continue
        tampered = token[:i] + alphabet[(alphabet.index(ch) + 1) % 32] + token[i + 1 :]
        # the last character of a part has unused bits: a change there may only be a
        # second spelling of the same bytes, which is refused as not canonical
        expected = ("forged", "malformed") if i in ends else ("forged",)
        assert reason(tampered) in expected, i


def test_another_key_is_forged() -> None:
    token, _claims = issue()
    assert reason(token, key=other_mac) == "forged"


def test_forged_beats_expired() -> None:
    """Nothing in an unsigned payload is believed, not even its expiry."""
    token, _claims = issue()
    assert reason(token, NOW + timedelta(hours=1), key=other_mac) == "forged"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "hello",
        "E1.",
        "E1..",
        "E2.AAAA.AAAA",
        "E1.!!!!.AAAA",
        "E1.AAAA.AAAA.AAAA",
        "https://example.com/E1",
        "E1." + "A" * 200,
    ],
)
def test_garbage_is_malformed(garbage: str) -> None:
    assert reason(garbage) == "malformed"


def test_truncated_is_malformed() -> None:
    token, _claims = issue()
    assert reason(token[:-1]) == "malformed"
    assert reason(token[:40]) == "malformed"
    assert reason(token.rsplit(".", 1)[0]) == "malformed"


def test_spaces_newlines_and_case_are_ignored() -> None:
    token, claims = issue()
    typed = "  " + credential.grouped(token).lower() + "\r\n\t"
    assert credential.read(typed, now=NOW, mac=mac) == claims
    assert credential.read(token.replace(".", ".\u3000"), now=NOW, mac=mac) == claims


def test_grouped_fits_the_counter_field() -> None:
    token, _claims = issue()
    shown = credential.grouped(token)
    assert shown.startswith("E1. ") and len(shown) <= credential.MAX_INPUT
    assert credential.normalise(shown) == token


def test_too_long_input_is_malformed_before_any_work() -> None:
    token, _claims = issue()
    assert reason(token + " " * credential.MAX_INPUT) == "malformed"


def test_nonce_key_fits_the_spent_table() -> None:
    _token, claims = issue(nonce=bytes(range(8)))
    assert claims.nonce_key == "0001020304050607"
    assert len(claims.nonce_key) <= 32

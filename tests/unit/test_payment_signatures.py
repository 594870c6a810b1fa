"""How notifications are authenticated: the sandbox's HMAC on the raw body, and the room left
for RSA-signed (Alipay) and AES-GCM-encrypted (WeChat Pay v3) ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.adapters.payments import (
    AesGcmResource,
    ForgedNotification,
    HmacSignature,
    RsaSha256Signature,
    SandboxProvider,
    sandbox_signature,
)

SECRET = b"shared-secret"
BODY = b'{"merchant":"m","reference":"r","amount_fen":40000,"status":"paid"}'


def test_sandbox_signature_is_lower_hex_hmac_sha256() -> None:
    expected = hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    assert sandbox_signature(SECRET, BODY) == expected
    assert expected == expected.lower() and len(expected) == 64
    # the RFC 4231 test case 2
    assert (
        sandbox_signature(b"Jefe", b"what do ya want for nothing?")
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


def test_the_raw_body_is_what_is_signed() -> None:
    check = HmacSignature(SECRET)
    assert check.open({"pay-signature": sandbox_signature(SECRET, BODY)}, BODY) == BODY
    reformatted = BODY.replace(b",", b", ")  # the same JSON, other bytes
    with pytest.raises(ForgedNotification):
        check.open({"pay-signature": sandbox_signature(SECRET, BODY)}, reformatted)


@pytest.mark.parametrize(
    "headers",
    [{}, {"pay-signature": ""}, {"pay-signature": "00" * 32}, {"pay-signature": "zz"}],
)
def test_unsigned_or_wrongly_signed_is_forged(headers: dict[str, str]) -> None:
    with pytest.raises(ForgedNotification):
        HmacSignature(SECRET).open(headers, BODY)


def test_signed_with_another_secret_is_forged() -> None:
    with pytest.raises(ForgedNotification):
        HmacSignature(SECRET).open({"pay-signature": sandbox_signature(b"other", BODY)}, BODY)


def test_the_sandbox_reads_a_verified_notice() -> None:
    provider = SandboxProvider("m", SECRET, client=lambda: None)  # type: ignore[arg-type,return-value]
    notice = provider.read_notification({"pay-signature": sandbox_signature(SECRET, BODY)}, BODY)
    assert (notice.merchant, notice.reference, notice.amount_fen) == ("m", "r", 40000)
    junk = b"not json"
    with pytest.raises(ForgedNotification):
        provider.read_notification({"pay-signature": sandbox_signature(SECRET, junk)}, junk)


def test_rsa_signed_notices() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signature = base64.b64encode(key.sign(BODY, padding.PKCS1v15(), hashes.SHA256())).decode()
    check = RsaSha256Signature(key.public_key(), "x-signature")
    assert check.open({"x-signature": signature}, BODY) == BODY
    with pytest.raises(ForgedNotification):
        check.open({"x-signature": signature}, BODY + b" ")
    with pytest.raises(ForgedNotification):
        check.open({"x-signature": "not base64!"}, BODY)


def test_aes_gcm_encrypted_notices() -> None:
    key, nonce = os.urandom(32), "0123456789ab"
    sealed = AESGCM(key).encrypt(nonce.encode(), BODY, b"transaction")
    resource = {
        "ciphertext": base64.b64encode(sealed).decode(),
        "nonce": nonce,
        "associated_data": "transaction",
    }
    body = json.dumps({"resource": resource}).encode()
    assert AesGcmResource(key).open({}, body) == BODY
    with pytest.raises(ForgedNotification):
        AesGcmResource(os.urandom(32)).open({}, body)
    # with a signature layer in front: the signature is checked on the encrypted body
    signed = AesGcmResource(key, signature=HmacSignature(SECRET))
    assert signed.open({"pay-signature": sandbox_signature(SECRET, body)}, body) == BODY
    with pytest.raises(ForgedNotification):
        signed.open({}, body)

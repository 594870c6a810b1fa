"""Payment providers behind one small interface (domain-rules §8).

The portal sends the browser to the provider's own page with a signed order, and learns that money
was taken only from the provider's server: a notification it verifies on the raw body, or a query
whose answer it verifies the same way. The return of the browser proves nothing.

How a notification is authenticated differs between gateways, so it is a part of its own:
- the sandbox (shipped): `Pay-Signature: hex(HMAC-SHA256(secret, raw body))`;
- RSA-signed (Alipay, and the signature layer of WeChat Pay v3): RsaSha256Signature;
- AES-GCM-encrypted (the resource of a WeChat Pay v3 notification): AesGcmResource.
A real gateway's provider class composes these with its own field names.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol
from urllib.parse import urlencode

import httpx
import msgspec
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SIGNATURE_HEADER = "Pay-Signature"
SANDBOX_PATH = "/sandbox-pay"
SANDBOX_NAME = "sandbox"


def sandbox_signature(secret: bytes, body: bytes) -> str:
    """Lower-case hex HMAC-SHA256 of the raw body."""
    return hmac.new(secret, body, hashlib.sha256).hexdigest()


def request_message(method: str, path: str, body: bytes) -> bytes:
    """What a merchant signs in a request to the sandbox's server: method, path and body."""
    return f"{method.upper()} {path}\n".encode() + body


class ForgedNotification(Exception):
    """The signature (or the encryption) does not hold: nothing in the body can be trusted."""


class ProviderUnavailable(Exception):
    """The provider did not answer (or answered something unverifiable): try again later."""


class ProviderPayment(msgspec.Struct, frozen=True, kw_only=True):
    """What the provider's server says about one order, once verified."""

    merchant: str
    reference: str  # the portal's order reference (out_trade_no)
    amount_fen: int
    status: Literal["paid", "pending", "closed"]
    transaction_id: str | None = None  # the provider's, once paid: unique per payment
    paid_at: datetime | None = None


class RefundAnswer(msgspec.Struct, frozen=True, kw_only=True):
    merchant: str
    reference: str
    refund_reference: str
    amount_fen: int
    status: Literal["refunded", "refused"]


@dataclass(frozen=True, slots=True)
class Order:
    """What the portal asks the provider to collect."""

    reference: str
    amount_fen: int
    description: str
    notify_url: str  # where the provider's server posts its notification
    return_url: str  # where the provider's page sends the browser back
    expires_at: datetime


# --- authenticating a notification -----------------------------------------------------------


class NotificationOpener(Protocol):
    def open(self, headers: Mapping[str, str], body: bytes) -> bytes:
        """The verified (and if need be decrypted) payload, or ForgedNotification."""


@dataclass(frozen=True)
class HmacSignature:
    secret: bytes
    header: str = SIGNATURE_HEADER

    def sign(self, body: bytes) -> str:
        return sandbox_signature(self.secret, body)

    def open(self, headers: Mapping[str, str], body: bytes) -> bytes:
        given = headers.get(self.header.lower()) or headers.get(self.header) or ""
        if not hmac.compare_digest(given.encode(), self.sign(body).encode()):
            raise ForgedNotification("signature does not match the body")
        return body


@dataclass(frozen=True)
class RsaSha256Signature:
    """RSA PKCS#1 v1.5 over SHA-256, base64 in a header, with the gateway's public key. `message`
    builds what was signed (the raw body for Alipay-style notices; for WeChat Pay v3
    "timestamp\\nnonce\\nbody\\n" from its Wechatpay-* headers)."""

    public_key: rsa.RSAPublicKey
    header: str
    message: Callable[[Mapping[str, str], bytes], bytes] = lambda headers, body: body

    @classmethod
    def from_pem(cls, pem: bytes, header: str) -> RsaSha256Signature:
        key = serialization.load_pem_public_key(pem)
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("not an RSA public key")
        return cls(key, header)

    def open(self, headers: Mapping[str, str], body: bytes) -> bytes:
        try:
            signature = base64.b64decode(headers.get(self.header.lower(), ""), validate=True)
            self.public_key.verify(
                signature, self.message(headers, body), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError) as error:
            raise ForgedNotification("RSA signature does not hold") from error
        return body


class _Resource(msgspec.Struct):
    ciphertext: str
    nonce: str
    associated_data: str = ""


class _Encrypted(msgspec.Struct):
    resource: _Resource


@dataclass(frozen=True)
class AesGcmResource:
    """A WeChat Pay v3-style body: {"resource": {ciphertext (base64), nonce, associated_data}}
    encrypted with AES-256-GCM under the merchant's API key; run after the signature check."""

    key: bytes
    signature: NotificationOpener | None = None

    def open(self, headers: Mapping[str, str], body: bytes) -> bytes:
        if self.signature is not None:
            body = self.signature.open(headers, body)
        try:
            resource = msgspec.json.decode(body, type=_Encrypted).resource
            return AESGCM(self.key).decrypt(
                resource.nonce.encode(),
                base64.b64decode(resource.ciphertext),
                resource.associated_data.encode(),
            )
        except (msgspec.DecodeError, InvalidTag, ValueError) as error:
            raise ForgedNotification("the resource does not decrypt") from error


# --- the provider interface ------------------------------------------------------------------


class PaymentProvider(Protocol):
    name: str
    merchant: str

    def checkout_url(self, order: Order) -> str:
        """Where to send the browser to pay."""

    def read_notification(self, headers: Mapping[str, str], body: bytes) -> ProviderPayment:
        """The verified notification, or ForgedNotification (unsigned, tampered, unreadable)."""

    async def query(self, reference: str) -> ProviderPayment | None:
        """The provider's verified word on an order (None: it never saw it), or
        ProviderUnavailable."""

    async def refund(self, reference: str, refund_reference: str, amount_fen: int) -> bool:
        """Ask for the money back (idempotent on refund_reference): True once refunded."""


def _decode_payment(payload: bytes) -> ProviderPayment:
    try:
        return msgspec.json.decode(payload, type=ProviderPayment)
    except msgspec.DecodeError as error:
        raise ForgedNotification("the payload is not a payment notice") from error


@dataclass(frozen=True)
class SandboxProvider:
    """The sandbox gateway (app/services/sandbox_gateway.py, mounted at /sandbox-pay) as a
    merchant sees it: the same shape as a real gateway's client. Requests to its server go
    through `client` (HTTP, or the app itself in-process)."""

    merchant: str
    secret: bytes
    client: Callable[[], httpx.AsyncClient]
    name: str = SANDBOX_NAME

    @property
    def _signature(self) -> HmacSignature:
        return HmacSignature(self.secret)

    def checkout_url(self, order: Order) -> str:
        params = {
            "merchant": self.merchant,
            "reference": order.reference,
            "amount_fen": str(order.amount_fen),
            "description": order.description,
            "notify_url": order.notify_url,
            "return_url": order.return_url,
            "expires_at": order.expires_at.isoformat(),
        }
        query = urlencode(sorted(params.items()))
        signed = urlencode({"sign": self._signature.sign(query.encode())})
        return f"{SANDBOX_PATH}/checkout?{query}&{signed}"

    def read_notification(self, headers: Mapping[str, str], body: bytes) -> ProviderPayment:
        return _decode_payment(self._signature.open(headers, body))

    async def _signed_call(self, method: str, path: str, body: bytes = b"") -> httpx.Response:
        signature = self._signature.sign(request_message(method, path, body))
        headers = {SIGNATURE_HEADER: signature, "content-type": "application/json"}
        try:
            async with self.client() as client:
                return await client.request(method, path, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise ProviderUnavailable(str(error)) from error

    def _verified(self, answer: httpx.Response) -> bytes:
        try:
            return self._signature.open(answer.headers, answer.content)
        except ForgedNotification as error:
            raise ProviderUnavailable("the answer's signature does not hold") from error

    async def query(self, reference: str) -> ProviderPayment | None:
        path = f"{SANDBOX_PATH}/api/orders/{self.merchant}/{reference}"
        answer = await self._signed_call("GET", path)
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise ProviderUnavailable(f"query answered {answer.status_code}")
        try:
            return _decode_payment(self._verified(answer))
        except ForgedNotification as error:
            raise ProviderUnavailable(str(error)) from error

    async def refund(self, reference: str, refund_reference: str, amount_fen: int) -> bool:
        body = msgspec.json.encode(
            {
                "merchant": self.merchant,
                "reference": reference,
                "refund_reference": refund_reference,
                "amount_fen": amount_fen,
            }
        )
        answer = await self._signed_call("POST", f"{SANDBOX_PATH}/api/refunds", body)
        if answer.status_code != 200:
            raise ProviderUnavailable(f"refund answered {answer.status_code}")
        try:
            found = msgspec.json.decode(self._verified(answer), type=RefundAnswer)
        except msgspec.DecodeError as error:
            raise ProviderUnavailable("unreadable refund answer") from error
        return found.status == "refunded" and found.refund_reference == refund_reference


def sandbox_secret(secret_key: str, configured: str) -> bytes:
    """The shared secret of merchant and sandbox: configured, or derived from SECRET_KEY."""
    if configured:
        return configured.encode()
    return hmac.new(secret_key.encode(), b"essc payment sandbox v1", hashlib.sha256).digest()


CLIENT_TIMEOUT_SECONDS = 10.0


def http_clients(site_url: str, app: Callable[[], Any]) -> Callable[[], httpx.AsyncClient]:
    """Clients for the calls between the portal and the gateway's server: over HTTP to
    `site_url`, or (none set) into the ASGI application `app()` itself, through the same path
    an HTTP request takes (its middleware, its routes)."""
    if site_url:
        return lambda: httpx.AsyncClient(base_url=site_url, timeout=CLIENT_TIMEOUT_SECONDS)
    return lambda: httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app()),
        base_url="http://localhost",
        timeout=CLIENT_TIMEOUT_SECONDS,
    )


def sandbox_provider(
    *,
    merchant: str,
    secret_key: str,
    configured_secret: str,
    site_url: str,
    app: Callable[[], Any],
) -> SandboxProvider:
    """The portal's client of the sandbox gateway, as the settings describe it."""
    secret = sandbox_secret(secret_key, configured_secret)
    return SandboxProvider(merchant, secret, http_clients(site_url, app))

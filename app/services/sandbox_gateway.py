"""The sandbox payment gateway: the provider's side, as real mobile-payment gateways behave.

- The merchant sends the browser to the gateway's own page with a signed order; the gateway
  checks the signature and keeps the order (once per merchant and reference).
- Paying there marks the order paid with a transaction id of the gateway's, then sends the
  browser back to the merchant's return address (which proves nothing).
- The gateway's server notifies the merchant asynchronously: a POST of the order's state to the
  merchant's notify address, signed `Pay-Signature: hex(HMAC-SHA256(secret, raw body))`, sent
  until the merchant answers 2xx (with a growing wait, for a day), and then once or more again
  anyway: delivered at least once, possibly more than once, in any order.
- Its query and refund endpoints answer signed requests with signed bodies.

It lives in this application for demonstration and tests, with its own table; the portal talks
to it only as it would to a real gateway (app/adapters/payments.SandboxProvider), over HTTP or
the same ASGI path an HTTP request takes.
"""

from __future__ import annotations

import enum
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit
from uuid import UUID

import httpx
import msgspec

from app.adapters.payments import (
    SIGNATURE_HEADER,
    ForgedNotification,
    HmacSignature,
    ProviderPayment,
    RefundAnswer,
    request_message,
)
from app.db.models import SandboxOrder
from app.services.context import UnitOfWork

log = logging.getLogger(__name__)
DELIVERY_DAY = timedelta(days=1)  # how long a notification is retried (as Alipay and WeChat Pay)
EXTRA_COPY_DELAY = timedelta(seconds=1)
DESCRIPTION_MAX = 200
URL_MAX = 300
REFERENCE_MAX = 64


class OrderState(enum.StrEnum):
    AWAITING = "awaiting"
    PAID = "paid"
    REFUNDED = "refunded"


class CheckoutRefused(enum.StrEnum):
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_MERCHANT = "unknown_merchant"
    CHANGED = "changed"  # the reference was used for another amount
    EXPIRED = "expired"


@dataclass(frozen=True)
class Gateway:
    secret: bytes
    merchants: frozenset[str]
    clients: Callable[[], httpx.AsyncClient]  # to reach the merchants' notify addresses
    extra_copies: int = 1  # notifications sent again after the merchant acknowledged one

    @property
    def signature(self) -> HmacSignature:
        return HmacSignature(self.secret)


class _Checkout(msgspec.Struct):
    merchant: str
    reference: str
    amount_fen: int
    description: str
    notify_url: str
    return_url: str
    expires_at: datetime


def _read_checkout(query: Mapping[str, str]) -> _Checkout | None:
    try:
        found = msgspec.convert(dict(query), _Checkout, strict=False)
    except msgspec.ValidationError:
        return None
    too_long = (
        len(found.reference) > REFERENCE_MAX
        or len(found.description) > DESCRIPTION_MAX
        or max(len(found.notify_url), len(found.return_url)) > URL_MAX
    )
    return None if too_long or found.amount_fen <= 0 else found


async def open_checkout(
    uow: UnitOfWork, gateway: Gateway, query: Mapping[str, str], now: datetime
) -> SandboxOrder | CheckoutRefused:
    """The order a merchant's signed checkout link asks for (made on the first visit)."""
    params = {k: v for k, v in query.items() if k != "sign"}
    signed = urlencode(sorted(params.items())).encode()
    try:
        gateway.signature.open({SIGNATURE_HEADER: query.get("sign", "")}, signed)
    except ForgedNotification:
        return CheckoutRefused.BAD_SIGNATURE
    asked = _read_checkout(params)
    if asked is None:
        return CheckoutRefused.BAD_SIGNATURE
    if asked.merchant not in gateway.merchants:
        return CheckoutRefused.UNKNOWN_MERCHANT
    order = await uow.sandbox_orders.get(asked.merchant, asked.reference)
    if order is None:
        order = SandboxOrder(
            merchant=asked.merchant,
            reference=asked.reference,
            amount_fen=asked.amount_fen,
            description=asked.description,
            notify_url=asked.notify_url,
            return_url=asked.return_url,
            expires_at=asked.expires_at,
            state=OrderState.AWAITING.value,
        )
        await uow.sandbox_orders.add(order)
    if order.amount_fen != asked.amount_fen:
        return CheckoutRefused.CHANGED
    if order.state == OrderState.AWAITING and now >= order.expires_at:
        return CheckoutRefused.EXPIRED
    return order


async def order_by_id(uow: UnitOfWork, order_id: UUID) -> SandboxOrder | None:
    return await uow.db.get(SandboxOrder, order_id, populate_existing=True)


async def pay(
    uow: UnitOfWork, gateway: Gateway, order_id: UUID, now: datetime
) -> SandboxOrder | None:
    """Take the money (once: a double click pays once) and make the notification due now.
    An order past its time can no longer be paid here."""
    order = await order_by_id(uow, order_id)
    if order is None:
        return None
    if order.state == OrderState.AWAITING and now < order.expires_at:
        await uow.sandbox_orders.change(
            order,
            OrderState.AWAITING.value,
            state=OrderState.PAID.value,
            transaction_id=f"SBX{secrets.token_hex(12)}",
            paid_at=now,
            notify_due_at=now,
            extra_copies=gateway.extra_copies,
        )
    return await order_by_id(uow, order_id)


def _word(order: SandboxOrder, now: datetime) -> ProviderPayment:
    """The order as the gateway reports it: paid (a refund does not unpay it), awaiting
    payment, or closed once its time is up unpaid."""
    status = "paid" if order.state != OrderState.AWAITING else "pending"
    if status == "pending" and order.expires_at <= now:
        status = "closed"
    return ProviderPayment(
        merchant=order.merchant,
        reference=order.reference,
        amount_fen=order.amount_fen,
        status=status,  # type: ignore[arg-type]
        transaction_id=order.transaction_id,
        paid_at=order.paid_at,
    )


def notification_body(order: SandboxOrder, now: datetime) -> bytes:
    return msgspec.json.encode(_word(order, now))


async def _deliver(gateway: Gateway, order: SandboxOrder, now: datetime) -> bool:
    """One POST of the notification; True if the merchant acknowledged it (2xx)."""
    body = notification_body(order, now)
    headers = {SIGNATURE_HEADER: gateway.signature.sign(body), "content-type": "application/json"}
    try:
        async with gateway.clients() as client:
            answer = await client.post(order.notify_url, content=body, headers=headers)
    except httpx.HTTPError as error:
        log.info("sandbox notification not delivered: %s", error)
        return False
    return 200 <= answer.status_code < 300


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


async def deliver_due(new_uow: Callable[[], UnitOfWork], gateway: Gateway, now: datetime) -> int:
    """Send every notification that is due; returns how many were acknowledged."""
    uow = new_uow()
    try:
        due = await uow.sandbox_orders.due(now)
        await uow.commit()
        acknowledged = 0
        for order in due:
            if not await uow.sandbox_orders.claim_delivery(
                order, now, now + _backoff(order.notify_attempts)
            ):
                continue  # another round took it
            await uow.commit()
            if await _deliver(gateway, order, now):
                acknowledged += 1
                await _after_ack(uow, order, now)
            elif order.paid_at is not None and now - order.paid_at > DELIVERY_DAY:
                await uow.sandbox_orders.set(order, notify_due_at=None)  # given up, as gateways do
            await uow.commit()
        return acknowledged
    finally:
        await uow.db.close()


async def _after_ack(uow: UnitOfWork, order: SandboxOrder, now: datetime) -> None:
    fresh = await order_by_id(uow, order.id)
    assert fresh is not None
    extra = fresh.extra_copies
    await uow.sandbox_orders.set(
        fresh,
        acknowledged_at=fresh.acknowledged_at or now,
        extra_copies=max(extra - 1, 0),
        notify_due_at=now + EXTRA_COPY_DELAY if extra > 0 else None,
    )


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    signature: str


def _signed(gateway: Gateway, status: int, payload: object) -> Answer:
    body = msgspec.json.encode(payload)
    return Answer(status, body, gateway.signature.sign(body))


def _verified_request(
    gateway: Gateway, method: str, path: str, body: bytes, signature: str
) -> bool:
    try:
        gateway.signature.open({SIGNATURE_HEADER: signature}, request_message(method, path, body))
    except ForgedNotification:
        return False
    return True


async def query_answer(
    uow: UnitOfWork,
    gateway: Gateway,
    merchant: str,
    reference: str,
    path: str,
    signature: str,
    now: datetime,
) -> Answer:
    if not _verified_request(gateway, "GET", path, b"", signature):
        return _signed(gateway, 401, {"error": "signature"})
    order = await uow.sandbox_orders.get(merchant, reference)
    if order is None:
        return _signed(gateway, 404, {"error": "no such order"})
    return _signed(gateway, 200, _word(order, now))


class _RefundAsked(msgspec.Struct):
    merchant: str
    reference: str
    refund_reference: str
    amount_fen: int


async def refund_answer(
    uow: UnitOfWork, gateway: Gateway, path: str, body: bytes, signature: str, now: datetime
) -> Answer:
    """Refund a paid order in full (the same refund reference again: the same answer)."""
    if not _verified_request(gateway, "POST", path, body, signature):
        return _signed(gateway, 401, {"error": "signature"})
    try:
        asked = msgspec.json.decode(body, type=_RefundAsked)
    except msgspec.DecodeError:
        return _signed(gateway, 400, {"error": "body"})
    order = await uow.sandbox_orders.get(asked.merchant, asked.reference)
    done = order is not None and asked.amount_fen == order.amount_fen
    if done and order is not None and order.state == OrderState.PAID:
        done = await uow.sandbox_orders.change(
            order,
            OrderState.PAID.value,
            state=OrderState.REFUNDED.value,
            refund_reference=asked.refund_reference,
            refunded_at=now,
        )
        order = await order_by_id(uow, order.id)
    done = done and order is not None and order.refund_reference == asked.refund_reference
    answer = RefundAnswer(
        merchant=asked.merchant,
        reference=asked.reference,
        refund_reference=asked.refund_reference,
        amount_fen=asked.amount_fen,
        status="refunded" if done else "refused",
    )
    return _signed(gateway, 200, answer)


def return_address(order: SandboxOrder) -> str:
    """Where the browser goes back to: the merchant's own address (a path on this site)."""
    parts = urlsplit(order.return_url)
    path = parts.path if parts.path.startswith("/") and not parts.path.startswith("//") else "/"
    return path + (f"?{parts.query}" if parts.query else "")

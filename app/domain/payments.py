"""Payments (domain-rules §8, §9): what is paid, its states, and what a confirmation does.

Money is confirmed only server-side, by a verified notification or a verified query: the
browser's return proves nothing. States only move forward. A genuine confirmation that comes
late (the order expired) or pays a bill already paid is booked and refunded; a repeated one
changes nothing.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass
from decimal import Decimal

IDEMPOTENCY_KEY_MAX = 255  # GOV.UK Pay and Stripe both take up to 255 characters


class Purpose(enum.StrEnum):
    RESIDENT_MEDICAL_PREMIUM = "resident_medical_premium"
    RESIDENT_PENSION_CONTRIBUTION = "resident_pension_contribution"
    FLEXIBLE_PENSION_CONTRIBUTION = "flexible_pension_contribution"
    MEDICAL_BILL = "medical_bill"  # only its cash part is a payment


class PaymentState(enum.StrEnum):
    CREATED = "created"  # sent to the provider, not confirmed
    EXPIRED = "expired"  # not paid in time
    FAILED = "failed"  # closed at the provider without payment
    PAID = "paid"  # confirmed server-side and booked
    REFUND_DUE = "refund_due"  # booked, and the money goes back (late, twice, or by staff)
    REFUNDED = "refunded"  # the provider returned it; the reversing entries are posted


# How far along each state is: a transition always moves to a higher rank.
RANK = {
    PaymentState.CREATED: 0,
    PaymentState.EXPIRED: 1,
    PaymentState.FAILED: 1,
    PaymentState.PAID: 2,
    PaymentState.REFUND_DUE: 3,
    PaymentState.REFUNDED: 4,
}

TRANSITIONS: dict[PaymentState, frozenset[PaymentState]] = {
    PaymentState.CREATED: frozenset(
        {PaymentState.PAID, PaymentState.EXPIRED, PaymentState.FAILED, PaymentState.REFUND_DUE}
    ),
    PaymentState.EXPIRED: frozenset({PaymentState.REFUND_DUE}),  # paid late after all
    PaymentState.FAILED: frozenset({PaymentState.REFUND_DUE}),
    PaymentState.PAID: frozenset({PaymentState.REFUND_DUE}),  # refunded by staff
    PaymentState.REFUND_DUE: frozenset({PaymentState.REFUNDED}),
    PaymentState.REFUNDED: frozenset(),
}

OPEN = frozenset({PaymentState.CREATED})
SETTLED = frozenset({PaymentState.PAID, PaymentState.REFUND_DUE, PaymentState.REFUNDED})


class IllegalPaymentTransition(Exception):
    pass


def advance(current: PaymentState, target: PaymentState) -> PaymentState:
    if target not in TRANSITIONS[current]:
        raise IllegalPaymentTransition(f"{current.value} -> {target.value}")
    return target


class Confirmation(enum.Enum):
    """What a verified "paid" from the provider does to a payment."""

    BOOK = "book"
    BOOK_AND_REFUND = "book_and_refund"  # late, or a second payment of one bill
    ALREADY_DONE = "already_done"  # a repeated notification: nothing more


def on_paid(state: PaymentState, bill_paid_by_another: bool) -> Confirmation:
    if state in SETTLED:
        return Confirmation.ALREADY_DONE
    if state is PaymentState.CREATED and not bill_paid_by_another:
        return Confirmation.BOOK
    return Confirmation.BOOK_AND_REFUND


class Mismatch(enum.StrEnum):
    """Why a notice that is signed right is still refused."""

    MERCHANT = "merchant"
    AMOUNT = "amount"
    UNKNOWN_ORDER = "unknown_order"


def mismatch(
    *, merchant: str, expected_merchant: str, amount_fen: int, expected_fen: int
) -> Mismatch | None:
    if merchant != expected_merchant:
        return Mismatch.MERCHANT
    if amount_fen != expected_fen:
        return Mismatch.AMOUNT
    return None


def to_fen(amount: Decimal) -> int:
    fen = amount * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise ValueError(f"{amount} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class MedicalBill:
    """A bill as a designated clinic sends it (医保移动支付): the total and its split, in fen.
    Only the cash part is paid through a provider; the fund parts are fund spending."""

    reference: str
    total: int
    pooled: int  # the pooled fund
    personal: int  # the personal account (may come from family mutual aid)
    other: int  # other funds (critical illness insurance, medical aid)
    cash: int

    def __post_init__(self) -> None:
        parts = (self.pooled, self.personal, self.other, self.cash)
        if min(parts) < 0:
            raise ValueError("no part of a bill is negative")
        if sum(parts) != self.total:
            raise ValueError("the parts of a bill add up to its total")


def content_digest(*parts: str) -> str:
    """What a payment's form asked for, to tell the same request from a different one sent
    with the same idempotency key."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def valid_idempotency_key(key: str) -> bool:
    return 0 < len(key) <= IDEMPOTENCY_KEY_MAX and key.isprintable() and key.isascii()

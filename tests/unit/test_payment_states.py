"""Payment states only move forward; what a verified "paid" does; bills and fen."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from app.domain.payments import (
    RANK,
    TRANSITIONS,
    Confirmation,
    IllegalPaymentTransition,
    MedicalBill,
    Mismatch,
    PaymentState,
    advance,
    content_digest,
    from_fen,
    mismatch,
    on_paid,
    to_fen,
    valid_idempotency_key,
)


@pytest.mark.parametrize(("a", "b"), list(itertools.product(PaymentState, PaymentState)))
def test_states_only_move_forward(a: PaymentState, b: PaymentState) -> None:
    if b in TRANSITIONS[a]:
        assert RANK[b] > RANK[a]
        assert advance(a, b) is b
    else:
        with pytest.raises(IllegalPaymentTransition):
            advance(a, b)


def test_nothing_leaves_refunded() -> None:
    assert TRANSITIONS[PaymentState.REFUNDED] == frozenset()


def test_every_state_is_reachable_from_created() -> None:
    seen, todo = {PaymentState.CREATED}, [PaymentState.CREATED]
    while todo:
        for nxt in TRANSITIONS[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(PaymentState)


def test_a_first_paid_notice_books() -> None:
    assert on_paid(PaymentState.CREATED, bill_paid_by_another=False) is Confirmation.BOOK


def test_a_late_payment_is_booked_and_refunded() -> None:
    assert on_paid(PaymentState.EXPIRED, False) is Confirmation.BOOK_AND_REFUND
    assert on_paid(PaymentState.FAILED, False) is Confirmation.BOOK_AND_REFUND


def test_a_second_payment_of_one_bill_is_booked_and_refunded() -> None:
    assert on_paid(PaymentState.CREATED, bill_paid_by_another=True) is Confirmation.BOOK_AND_REFUND


@pytest.mark.parametrize(
    "state", [PaymentState.PAID, PaymentState.REFUND_DUE, PaymentState.REFUNDED]
)
def test_a_repeated_notice_does_nothing(state: PaymentState) -> None:
    assert on_paid(state, False) is Confirmation.ALREADY_DONE
    assert on_paid(state, True) is Confirmation.ALREADY_DONE


def test_merchant_and_amount_must_match() -> None:
    ok = {"merchant": "m", "expected_merchant": "m", "amount_fen": 400, "expected_fen": 400}
    assert mismatch(**ok) is None  # type: ignore[arg-type]
    assert mismatch(**{**ok, "merchant": "x"}) is Mismatch.MERCHANT  # type: ignore[arg-type]
    assert mismatch(**{**ok, "amount_fen": 399}) is Mismatch.AMOUNT  # type: ignore[arg-type]


def test_fen() -> None:
    assert to_fen(Decimal("400")) == 40000
    assert to_fen(Decimal("12.34")) == 1234
    assert from_fen(40000) == Decimal("400.00")
    with pytest.raises(ValueError):
        to_fen(Decimal("0.001"))
    with pytest.raises(ValueError):
        to_fen(Decimal("-1"))


def test_a_bill_adds_up() -> None:
    bill = MedicalBill("RX1", total=10000, pooled=5000, personal=2000, other=1000, cash=2000)
    assert bill.cash == 2000
    with pytest.raises(ValueError):
        MedicalBill("RX1", total=10000, pooled=5000, personal=2000, other=1000, cash=1999)
    with pytest.raises(ValueError):
        MedicalBill("RX1", total=0, pooled=-1, personal=0, other=0, cash=1)


def test_idempotency_keys() -> None:
    assert valid_idempotency_key("a" * 255)
    assert not valid_idempotency_key("a" * 256)
    assert not valid_idempotency_key("")
    assert not valid_idempotency_key("key\n")
    assert content_digest("a", "b") != content_digest("ab")
    assert content_digest("a", "b") == content_digest("a", "b")

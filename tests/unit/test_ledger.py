"""Balanced double entry per fund; reversals; statutory flows only; nothing for administration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.funds import EarmarkViolation, Fund
from app.domain.ledger import (
    Account,
    Line,
    Posting,
    UnbalancedPosting,
    flow,
    receipt,
    spending,
    totals,
)

FEN = st.integers(min_value=1, max_value=10**12)


@given(fund=st.sampled_from(list(Fund)), fen=FEN)
def test_a_receipt_balances_in_its_fund(fund: Fund, fen: int) -> None:
    posting = receipt(fund, fen, "resident_medical_premium")
    assert totals(posting.lines) == {fund: (fen, fen)}
    assert posting.funds == {fund}


@given(fen=FEN)
def test_a_reversal_undoes_a_posting(fen: int) -> None:
    posting = receipt(Fund.RES_MEDICAL, fen, "resident_medical_premium")
    both = posting.lines + posting.reversing().lines
    balance: dict[tuple[Fund, Account], int] = {}
    for line in both:
        key = (line.fund, line.account)
        balance[key] = balance.get(key, 0) + line.debit - line.credit
    assert set(balance.values()) == {0}


def test_an_unbalanced_posting_is_refused() -> None:
    with pytest.raises(UnbalancedPosting):
        Posting(
            "resident_medical_premium",
            (
                Line(Fund.RES_MEDICAL, Account.BANK, debit=40000),
                Line(Fund.RES_MEDICAL, Account.CONTRIBUTIONS, credit=39999),
            ),
        )


def test_balanced_overall_but_not_within_each_fund_is_refused() -> None:
    """Each fund keeps its own books (art. 64): one fund's debit cannot be another's credit."""
    with pytest.raises(UnbalancedPosting):
        Posting(
            "resident_medical_premium",
            (
                Line(Fund.EMP_MEDICAL, Account.BANK, debit=40000),
                Line(Fund.RES_MEDICAL, Account.CONTRIBUTIONS, credit=40000),
            ),
        )


@pytest.mark.parametrize(("debit", "credit"), [(0, 0), (5, 5), (-1, 0), (0, -3)])
def test_a_line_is_one_positive_side(debit: int, credit: int) -> None:
    with pytest.raises(UnbalancedPosting):
        Line(Fund.RES_MEDICAL, Account.BANK, debit=debit, credit=credit)


def test_nothing_is_posted_for_administration() -> None:
    with pytest.raises(EarmarkViolation):
        receipt(Fund.RES_MEDICAL, 100, "administration")


@given(fen=FEN)
def test_mutual_aid_pays_a_relatives_premium_across_funds(fen: int) -> None:
    posting = flow(
        Fund.EMP_MEDICAL,
        Fund.RES_MEDICAL,
        fen,
        "relative_resident_medical_premium",
        Account.PERSONAL_ACCOUNTS,
    )
    assert totals(posting.lines) == {Fund.EMP_MEDICAL: (fen, fen), Fund.RES_MEDICAL: (fen, fen)}


def test_a_flow_that_is_not_statutory_is_refused() -> None:
    with pytest.raises(EarmarkViolation):
        flow(Fund.EMP_PENSION, Fund.EMP_MEDICAL, 100, "transfer", Account.BANK)


def test_fund_spending_of_a_bill() -> None:
    posting = spending(
        Fund.EMP_MEDICAL,
        [(Account.POOLED_BENEFITS, 6000), (Account.PERSONAL_ACCOUNTS, 1500), (Account.BANK, 0)],
        "employee_medical_bill",
    )
    assert totals(posting.lines) == {Fund.EMP_MEDICAL: (7500, 7500)}


def test_a_split_receipt_balances_in_its_fund() -> None:
    from app.domain.ledger import split_receipt

    posting = split_receipt(
        Fund.EMP_PENSION,
        [(Account.PERSONAL_ACCOUNTS, 800), (Account.CONTRIBUTIONS, 1200)],
        "flexible_pension_contribution",
    )
    assert totals(posting.lines) == {Fund.EMP_PENSION: (2000, 2000)}


def test_a_bill_is_spent_by_the_patients_fund_and_the_givers_account() -> None:
    from app.domain.ledger import bill_spending

    employee = bill_spending(Fund.EMP_MEDICAL, 6000, 1200, 3000, "employee_medical_bill")
    assert employee is not None
    assert totals(employee.lines) == {Fund.EMP_MEDICAL: (10200, 10200)}
    # A resident relative: their fund pays the pooled part, the giver's employee account the aid.
    resident = bill_spending(Fund.RES_MEDICAL, 5000, 0, 2000, "resident_medical_bill")
    assert resident is not None
    assert totals(resident.lines) == {
        Fund.RES_MEDICAL: (5000, 5000),
        Fund.EMP_MEDICAL: (2000, 2000),
    }
    assert bill_spending(Fund.EMP_MEDICAL, 0, 0, 0, "employee_medical_bill") is None

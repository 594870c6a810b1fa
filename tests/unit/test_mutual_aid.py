"""Family mutual aid (§9): who counts as a close relative, the quota, and how a bill is met."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.affinity import Relationship
from app.domain.mutual_aid import (
    AidEnd,
    AidRefused,
    Settlement,
    is_close_relative,
    lapse,
    refusal,
    settle,
    spendable,
)

MONEY = st.decimals(min_value=0, max_value=10**7, places=2, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize(
    ("relationship", "close"),
    [
        (Relationship.SPOUSE, True),
        (Relationship.PARENT, True),
        (Relationship.CHILD, True),
        (Relationship.SIBLING, True),  # added by 国办发〔2024〕38号
        (Relationship.GRANDPARENT, True),
        (Relationship.GRANDCHILD, True),
        (Relationship.OTHER, False),
    ],
)
def test_the_civil_code_list(relationship: Relationship, close: bool) -> None:
    assert is_close_relative(relationship) is close


def test_own_account_first_then_the_quota_then_cash() -> None:
    assert settle(Decimal(100), Decimal(30), Decimal(50)) == Settlement(
        own=Decimal(30), aid=Decimal(50), cash=Decimal(20)
    )
    s = settle(Decimal("80.50"), Decimal(0), Decimal(200))
    assert (s.own, s.aid, s.cash) == (Decimal(0), Decimal("80.50"), Decimal(0))
    s = settle(Decimal(10), Decimal(40), Decimal(200))
    assert (s.own, s.aid, s.cash) == (Decimal(10), Decimal(0), Decimal(0))


@given(bill=MONEY, own=MONEY, quota=MONEY)
def test_settlement_adds_up_and_stays_within_each_source(
    bill: Decimal, own: Decimal, quota: Decimal
) -> None:
    s = settle(bill, own, quota)
    assert s.own + s.aid + s.cash == bill
    assert 0 <= s.own <= own and 0 <= s.aid <= quota and s.cash >= 0
    assert s.aid == 0 or s.own == min(bill, own)  # the quota only after the own account
    assert s.cash == 0 or (s.own == own and s.aid == quota)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        settle(Decimal(-1), Decimal(0), Decimal(0))


def _refusal(relationship: Relationship = Relationship.PARENT, **kw: object) -> AidRefused | None:
    args: dict[str, object] = {
        "giver_employee_insured": True,
        "relative_insured": True,
        "quota": Decimal(500),
        "spendable": Decimal(1000),
    }
    args.update(kw)
    return refusal(relationship, **args)  # type: ignore[arg-type]


def test_who_may_set_a_quota_for_whom() -> None:
    assert _refusal() is None
    assert _refusal(Relationship.OTHER) is AidRefused.NOT_CLOSE_RELATIVE
    assert _refusal(giver_employee_insured=False) is AidRefused.GIVER_NOT_EMPLOYEE_INSURED
    assert _refusal(relative_insured=False) is AidRefused.RELATIVE_NOT_INSURED
    assert _refusal(quota=Decimal(0)) is AidRefused.QUOTA_NOT_POSITIVE
    assert _refusal(quota=Decimal("1000.01")) is AidRefused.QUOTA_OVER_BALANCE
    assert _refusal(quota=Decimal(1000)) is None


def test_the_part_set_aside_cannot_be_spent() -> None:
    assert spendable(Decimal(1000), Decimal(300)) == Decimal(700)
    assert spendable(Decimal(100), Decimal(300)) == Decimal(0)


def test_a_link_lapses_when_either_side_is_insured_no_more() -> None:
    assert lapse(giver_employee_insured=True, relative_insured=True) is None
    assert lapse(giver_employee_insured=False, relative_insured=True) is AidEnd.GIVER_UNINSURED
    assert lapse(giver_employee_insured=True, relative_insured=False) is (AidEnd.RELATIVE_UNINSURED)
    assert lapse(giver_employee_insured=False, relative_insured=False) is (AidEnd.GIVER_UNINSURED)

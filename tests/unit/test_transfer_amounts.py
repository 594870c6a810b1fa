"""What an application moves (issue 13 point 3): the pension's personal account and the pooled
fund's 12 % from the old place's months only, lump sums without documents staying behind, the
temporary account's all contributions with interest, medical's employee account."""

from datetime import date
from decimal import Decimal

from app.domain.contributions import DEFAULT_RATES, account_balance
from app.domain.transfer import pooled_fund_amount, temporary_account_amount
from app.domain.transfer_amounts import PaidMonth, amounts
from app.domain.transfer_steps import Scheme, TransferLine

PENSION, MEDICAL = TransferLine.PENSION, TransferLine.MEDICAL
E, R = Scheme.EMPLOYEE, Scheme.RESIDENT


def _month(year, month, region, base="5000.00", *, scheme=E, back=None, documented=False):
    base = Decimal(base)
    return PaidMonth(year, month, scheme, base, base * Decimal("0.16"), base * Decimal("0.08"),
                     region, back, documented)  # fmt: skip


GUANGZHOU = [_month(1997, 12, "440106"), *(_month(1998, m, "440106") for m in range(1, 13))]
BEIJING = [_month(2015, m, "110105", "9000.00") for m in range(1, 4)]


def test_pension_moves_the_old_places_account_and_its_twelve_percent():
    found = amounts(PENSION, GUANGZHOU + BEIJING, "440100", "110100")
    # 12 % of the twelve bases of 1998 (not December 1997): 12 × 5000 × 0.12.
    assert (
        found.pooled
        == Decimal("7200.00")
        == pooled_fund_amount((date(m.year, m.month, 1), m.base) for m in GUANGZHOU)
    )
    expected = account_balance([(1997, Decimal("400.00")), (1998, Decimal("4800.00"))])
    assert found.account == expected and found.months == 13 and not found.temporary


def test_the_twelve_percent_is_rounded_once_half_up():
    odd = [_month(2020, 1, "440106", "1234.56"), _month(2020, 2, "440106", "0.04")]
    # (1234.56 + 0.04) × 0.12 = 148.152 → 148.15; by month it would be 148.15 + 0.00.
    assert amounts(PENSION, odd, "440100", "110100").pooled == Decimal("148.15")
    half = [_month(2020, 1, "440106", "0.125")]  # 0.015 → 0.02 half-up
    assert amounts(PENSION, half, "440100", "110100").pooled == Decimal("0.02")


def test_a_lump_sum_of_three_years_without_documents_stays_behind():
    back = date(2010, 6, 1)
    lump = [_month(2005 + i // 12, 1 + i % 12, "440106", back=back) for i in range(36)]
    found = amounts(PENSION, GUANGZHOU + lump, "440100", "110100")
    assert found.months_staying == 36 and found.pooled == Decimal("7200.00")
    documented = [_month(m.year, m.month, m.region, back=back, documented=True) for m in lump]
    found = amounts(PENSION, GUANGZHOU + documented, "440100", "110100")
    assert found.months_staying == 0 and found.pooled == Decimal("7200.00") + Decimal("21600.00")


def test_a_temporary_account_moves_all_its_contributions_with_interest():
    found = amounts(PENSION, GUANGZHOU + BEIJING, "440100", "110100", temporary=True)
    both = Decimal("9000.00") * Decimal("0.24") * 3
    assert found.temporary and found.pooled is None
    assert found.account == temporary_account_amount([(2015, both)], DEFAULT_RATES)


def test_medical_moves_the_employee_account_and_residents_have_none():
    employee = [_month(2024, m, "440106") for m in range(1, 4)]
    found = amounts(MEDICAL, employee, "440100", "110100")
    assert found.account == Decimal("1200.00") and found.pooled is None
    resident = [_month(2024, 1, "440106", "0", scheme=R)]
    assert amounts(MEDICAL, resident, "440100", "110100").account is None

"""Relationship transfer rules (domain-rules §6; 国办发〔2009〕66号 art. 4, 5, 6)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.contributions import DEFAULT_RATES, account_balance
from app.domain.identity import Sex
from app.domain.policy import Policy
from app.domain.regions import CITIES, MAINLAND, PROVINCE_BY_CODE, PROVINCES, province_of
from app.domain.transfer import (
    DEFAULT_RULES,
    LumpSum,
    TransferKind,
    benefit_place,
    full_years,
    pooled_fund_amount,
    provincial_history,
    rules_for,
    temporary_account_amount,
    transfer_or_temporary,
)

BJ, GD, SH, JS = "11", "44", "31", "32"
T, TEMP = TransferKind.TRANSFER, TransferKind.TEMPORARY_ACCOUNT


def test_the_kinds_have_the_values_qa_reads():
    assert TransferKind.TRANSFER == "transfer"
    assert TransferKind.TEMPORARY_ACCOUNT == "temporary_account"


# --- transfer or temporary account (art. 5) ---------------------------------------------------


@pytest.mark.parametrize(
    ("sex", "born", "starts", "expected"),
    [
        # A man turns 50 on the start day: temporary account; the day before: transfer.
        (Sex.MALE, date(1976, 3, 15), date(2026, 3, 15), TEMP),
        (Sex.MALE, date(1976, 3, 15), date(2026, 3, 14), T),
        # A woman turns 40 on the start day: temporary; one day short: transfer.
        (Sex.FEMALE, date(1986, 3, 15), date(2026, 3, 15), TEMP),
        (Sex.FEMALE, date(1986, 3, 15), date(2026, 3, 14), T),
        # A man of 45 is not 50, a woman of 45 is past 40.
        (Sex.MALE, date(1981, 1, 1), date(2026, 6, 1), T),
        (Sex.FEMALE, date(1981, 1, 1), date(2026, 6, 1), TEMP),
        # Born on 29 February: a full year older on 1 March of a common year.
        (Sex.MALE, date(1976, 2, 29), date(2026, 2, 28), T),
        (Sex.MALE, date(1976, 2, 29), date(2026, 3, 1), TEMP),
    ],
)
def test_ages_on_the_start_day(sex, born, starts, expected):
    assert transfer_or_temporary(sex, born, starts, hukou=BJ, to=GD) is expected


def test_returning_to_the_hukou_province_is_always_a_transfer():
    assert transfer_or_temporary(Sex.MALE, date(1960, 1, 1), date(2026, 1, 5), GD, GD) is T
    assert transfer_or_temporary(Sex.FEMALE, date(1970, 1, 1), date(2026, 1, 5), BJ, BJ) is T


def test_an_approved_official_transfer_is_a_transfer():
    old = (Sex.MALE, date(1960, 1, 1), date(2026, 1, 5), BJ, GD)
    assert transfer_or_temporary(*old) is TEMP
    assert transfer_or_temporary(*old, approved=True) is T
    assert transfer_or_temporary(*old, True) is T


def test_longer_address_codes_count_by_their_province():
    # 110105 (Chaoyang, Beijing) and 110108 are one province: returning home.
    assert transfer_or_temporary(Sex.MALE, date(1960, 1, 1), date(2026, 1, 5), "110105", "110108")
    assert (
        transfer_or_temporary(Sex.MALE, date(1960, 1, 1), date(2026, 1, 5), "110105", "440106")
        is TEMP
    )


@pytest.mark.parametrize("bad", ["", "1", "99", "ab", "١١", "1101051"])
def test_an_unknown_province_code_is_refused(bad):
    with pytest.raises(ValueError, match="GB/T 2260"):
        transfer_or_temporary(Sex.MALE, date(1960, 1, 1), date(2026, 1, 5), BJ, bad)


def test_the_policy_moves_the_age_lines():
    rules = rules_for(Policy(transfer_temporary_age_men=55, transfer_temporary_age_women=45))
    assert rules.kind(Sex.MALE, date(1974, 1, 1), date(2026, 1, 1), BJ, GD) is T  # 52
    assert rules.kind(Sex.FEMALE, date(1984, 1, 1), date(2026, 1, 1), BJ, GD) is T  # 42
    assert rules_for(Policy()) == DEFAULT_RULES


@given(
    st.sampled_from(list(Sex)),
    st.dates(min_value=date(1940, 1, 1), max_value=date(2008, 12, 31)),
    st.dates(min_value=date(2010, 1, 1), max_value=date(2040, 12, 31)),
    st.sampled_from([p.code for p in MAINLAND]),
    st.sampled_from([p.code for p in MAINLAND]),
)
def test_temporary_exactly_when_old_enough_and_not_home(sex, born, starts, hukou, to):
    line = 50 if sex is Sex.MALE else 40
    expected = TEMP if full_years(born, starts) >= line and hukou != to else T
    assert transfer_or_temporary(sex, born, starts, hukou, to) is expected


# --- where the pension is paid (art. 6) -------------------------------------------------------


@pytest.mark.parametrize(
    ("hukou", "current", "history", "expected"),
    [
        # The relationship is at the hukou place: paid there, however short.
        (BJ, BJ, [(GD, 200), (BJ, 12)], BJ),
        # Not at the hukou place, 10 years cumulative at the current place: paid there.
        (BJ, GD, [(BJ, 60), (GD, 120)], GD),
        # 10 years cumulative in two stints at the current place count together.
        (BJ, GD, [(GD, 60), (SH, 24), (GD, 60)], GD),
        # One month short at the current place: back to the last place with 10 years.
        (BJ, GD, [(SH, 130), (GD, 119)], SH),
        # Several earlier places with 10 years: the most recent one.
        (BJ, JS, [(SH, 130), (GD, 125), (JS, 30)], GD),
        (BJ, JS, [(GD, 125), (SH, 130), (JS, 30)], SH),
        # "Most recent" by the latest stint, cumulative over all stints.
        (BJ, JS, [(GD, 100), (SH, 130), (GD, 20), (JS, 30)], GD),
        # Nowhere 10 years: collected at the hukou place.
        (BJ, JS, [(SH, 119), (GD, 100), (JS, 30)], BJ),
        (BJ, GD, [], BJ),
        # 张伟 today: hukou Beijing, in Beijing: Beijing.
        (BJ, BJ, [(GD, 114), (BJ, 8), (BJ, 135)], BJ),
        # A Beijing hukou who worked 10 years in Guangdong and then moved to Shanghai.
        (BJ, SH, [(GD, 114), (SH, 0)], BJ),
        (BJ, SH, [(GD, 120), (SH, 3)], GD),
    ],
)
def test_the_ten_year_rule(hukou, current, history, expected):
    assert benefit_place(hukou, current, history) == expected


def test_city_codes_count_by_their_province():
    assert benefit_place("110105", "440106", [("440106", 60), ("440305", 60)]) == GD


def test_negative_months_are_refused():
    with pytest.raises(ValueError, match="negative"):
        benefit_place(BJ, GD, [(GD, -1)])


def test_the_policy_moves_the_ten_years():
    rules = rules_for(Policy(transfer_place_of_payment_months=60))
    assert rules.place(BJ, GD, [(GD, 60)]) == GD


def test_provincial_history_in_runs():
    months = [
        (2015, 1, "110105"), (2014, 11, "440106"), (2014, 12, "440106"),
        (2015, 9, "110108"), (2016, 1, "440305"), (2015, 2, "110105"), (2015, 2, "110105"),
    ]  # fmt: skip
    assert provincial_history(months) == [(GD, 2), (BJ, 3), (GD, 1)]
    assert provincial_history([]) == []


# --- what moves (art. 4, 5) -----------------------------------------------------------------


def test_pooled_fund_starts_at_1998_01():
    bases = [
        (date(1997, 12, 31), Decimal("5000.00")),
        (date(1997, 12, 1), Decimal("5000.00")),
        (date(1998, 1, 1), Decimal("3000.00")),
        (date(1998, 2, 1), Decimal("3000.00")),
    ]
    assert pooled_fund_amount(bases) == Decimal("720.00")


def test_pooled_fund_rounds_half_up_to_the_fen():
    assert pooled_fund_amount([(date(2020, 1, 1), Decimal("0.125"))]) == Decimal("0.02")  # 0.015
    assert pooled_fund_amount([(date(2020, 1, 1), Decimal("1000.05"))]) == Decimal("120.01")
    # 0.0012 a month: no rounding per month, the sum is rounded once (0.0024 -> 0.00).
    two = [(date(2020, 1, 1), Decimal("0.01")), (date(2020, 2, 1), Decimal("0.01"))]
    assert pooled_fund_amount(two) == Decimal("0.00")
    assert pooled_fund_amount([(date(2020, 1, 1), Decimal("0.0625"))]) == Decimal("0.01")  # .0075


def test_pooled_fund_of_nothing():
    assert pooled_fund_amount([]) == Decimal("0.00")
    assert pooled_fund_amount([(date(1997, 1, 1), Decimal(9000))]) == Decimal("0.00")
    assert pooled_fund_amount(iter([(date(2000, 1, 1), Decimal(100))])) == Decimal("12.00")


def test_a_negative_base_is_refused():
    with pytest.raises(ValueError, match="negative"):
        pooled_fund_amount([(date(2020, 1, 1), Decimal(-1))])


@given(st.lists(st.integers(min_value=0, max_value=10**8), max_size=40))
def test_pooled_fund_is_twelve_per_cent_of_the_sum(fens):
    bases = [(date(2000 + k % 20, 1 + k % 12, 1), Decimal(f) / 100) for k, f in enumerate(fens)]
    total = sum((b for _, b in bases), Decimal(0))
    expected = (total * Decimal("0.12")).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert pooled_fund_amount(bases) == expected


def test_a_temporary_account_moves_both_parts_with_interest():
    yearly = [(2023, Decimal("24000")), (2024, Decimal("24000"))]  # employer + individual
    moved = temporary_account_amount(yearly)
    assert moved == account_balance(yearly, Decimal(0), DEFAULT_RATES)
    assert moved > Decimal(48000)


def test_lump_sums_of_three_years_without_documents_do_not_move():
    sums = [
        LumpSum(months=36, documented=False),
        LumpSum(months=35, documented=False),
        LumpSum(months=48, documented=True),
        LumpSum(months=40, documented=False),
    ]
    assert DEFAULT_RULES.months_not_moving(sums) == 76
    assert DEFAULT_RULES.months_not_moving([]) == 0


# --- GB/T 2260 data -------------------------------------------------------------------------


def test_the_province_list():
    assert len(PROVINCES) == 34 and len(MAINLAND) == 31
    assert PROVINCE_BY_CODE["11"].name_zh == "北京市"
    assert PROVINCE_BY_CODE["44"].name_en == "Guangdong"
    assert len({p.code for p in PROVINCES}) == 34


def test_every_city_lies_in_a_listed_province():
    for city in CITIES:
        assert len(city.code) == 4 and city.province in PROVINCE_BY_CODE
    assert {c.province for c in CITIES} == {p.code for p in MAINLAND}


def test_the_id_number_prefixes_agree():
    from app.domain.identity import PROVINCE_PREFIXES

    assert {p.code for p in PROVINCES} == PROVINCE_PREFIXES
    assert province_of("440106") == GD

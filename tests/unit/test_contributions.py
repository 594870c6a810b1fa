from decimal import Decimal

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.contributions import (
    DEFAULT_RATES,
    DEPOSIT_RATES_BEFORE_2016,
    OFFICIAL_RATES,
    BalanceStep,
    Coverage,
    Line,
    Period,
    RateTable,
    Status,
    account_balance,
    balance_steps,
    clamp_base,
    coverage,
    money,
    pension_split,
)

D = Decimal


# --- the personal account (§3) -------------------------------------------------------------


def test_worked_example_from_section_3() -> None:
    # base 6,000 → 8% a month → 480 × 12 = 5,760 a year; 50,000 opening at 2.62% (2024)
    c_year = pension_split(D("6000"), D("8000")).to_account * 12
    assert c_year == D("5760.00")
    assert account_balance([(2024, c_year)], opening=D("50000")) == D("57151.72")


def test_worked_example_step_by_step() -> None:
    [step] = balance_steps([(2024, D("5760"))], opening=D("50000"))
    assert step == BalanceStep(
        year=2024,
        opening=D("50000"),
        contributions=D("5760"),
        rate=D("2.62"),
        interest_on_opening=D("1310.0000"),
        interest_on_contributions=D("81.718848"),
        closing=D("57151.72"),
    )


def test_a_year_without_contributions_still_earns_interest() -> None:
    steps = balance_steps([(2024, D("5760")), (2022, D("5760"))])
    assert [s.year for s in steps] == [2022, 2023, 2024]
    assert [s.contributions for s in steps] == [D("5760"), D(0), D("5760")]
    assert [s.rate for s in steps] == [D("6.12"), D("3.97"), D("2.62")]
    # 2022: 5760 × (1 + 0.0612 × 0.5415) = 5950.885248
    # 2023: 5950.89 × 1.0397 = 6187.140333
    # 2024: 6187.14 × 1.0262 + 5841.718848 = 12190.961916
    assert [s.closing for s in steps] == [D("5950.89"), D("6187.14"), D("12190.96")]
    assert [s.opening for s in steps] == [D(0), D("5950.89"), D("6187.14")]
    assert account_balance([(2022, D("5760")), (2024, D("5760"))]) == D("12190.96")


def test_the_balance_is_rounded_to_the_fen_every_year() -> None:
    # 2016: 1 × 1.04499865 → 1.04; 2017: 1.04 × 1.0712 = 1.114048 → 1.11.
    # Carrying the unrounded 1.04499865 would give 1.1194... → 1.12.
    assert account_balance([(2016, D(1)), (2017, D(0))]) == D("1.11")


def test_a_year_given_twice_is_summed() -> None:
    assert account_balance([(2024, D("2000")), (2024, D("3760"))], D("50000")) == D("57151.72")


def test_no_years_leaves_the_opening() -> None:
    assert balance_steps([], D("123.4")) == []
    assert account_balance([], D("123.4")) == D("123.40")
    assert account_balance([]) == D("0.00")


def test_negative_contributions_are_refused() -> None:
    with pytest.raises(ValueError):
        account_balance([(2024, D("-1"))])


def test_official_rates() -> None:
    assert dict(OFFICIAL_RATES) == {
        2016: D("8.31"),
        2017: D("7.12"),
        2018: D("8.29"),
        2019: D("7.61"),
        2020: D("6.04"),
        2021: D("6.69"),
        2022: D("6.12"),
        2023: D("3.97"),
        2024: D("2.62"),
        2025: D("1.50"),
    }
    assert DEFAULT_RATES.rate(2016) == D("0.0831")
    assert DEFAULT_RATES.rate(2021) == D("0.0669")
    assert DEFAULT_RATES.rate(2024) == D("0.0262")
    assert DEFAULT_RATES.rate(2025) == D("0.015")


def test_year_end_deposit_rates_before_2016() -> None:
    expected = "10.98 7.47 5.67 3.78 2.25 2.25 2.25 1.98 1.98 2.25 2.25 2.52 4.14 2.25 2.25 2.75 3.50 3.00 3.00 2.75 1.50"
    by_year = dict(zip(range(1995, 2016), map(D, expected.split()), strict=True))
    assert dict(DEPOSIT_RATES_BEFORE_2016) == by_year


def test_2010_uses_the_deposit_rate() -> None:
    assert DEFAULT_RATES.rate_percent(2010) == D("2.75")
    assert DEFAULT_RATES.rate(2015) == D("0.015")
    # 1000 × (1 + 0.0275 × 1.083 × 0.5) = 1014.89125
    assert account_balance([(2010, D("1000"))]) == D("1014.89")


def test_years_before_the_table_use_its_earliest_rate() -> None:
    assert DEFAULT_RATES.rate_percent(1990) == D("10.98")
    assert account_balance([(1990, D(0))], D("1000")) == D("1109.80")


def test_a_later_year_uses_the_latest_rate() -> None:
    assert DEFAULT_RATES.rate_percent(2027) == D("1.50")
    assert account_balance([(2026, D(0)), (2027, D(0))], D("10000")) == D("10302.25")


def test_overriding_the_2025_rate_carries_into_later_years() -> None:
    rates = DEFAULT_RATES.with_overrides(rate_2025=D("1.80"))
    assert rates.rate(2025) == D("0.018")
    assert rates.rate(2027) == D("0.018")
    assert rates.rate(2024) == D("0.0262")
    assert account_balance([(2027, D(0))], D("10000"), rates) == D("10180.00")
    assert DEFAULT_RATES.rate(2025) == D("0.015")  # the default is untouched


def test_an_explicit_later_default() -> None:
    rates = RateTable(official=OFFICIAL_RATES, before_2016={2015: D(1)}, later_default=D("2.00"))
    assert rates.rate(2025) == D("0.015")
    assert rates.rate(2026) == D("0.02")
    assert rates.rate(2010) == D("0.01")


def test_a_flat_rate_before_2016() -> None:
    rates = DEFAULT_RATES.with_overrides(flat_before_2016=D("2.00"))
    assert rates.rate(1990) == D("0.02")
    assert rates.rate(2007) == D("0.02")
    assert rates.rate(2015) == D("0.02")
    assert rates.rate(2016) == D("0.0831")


def test_a_rate_table_needs_both_parts() -> None:
    with pytest.raises(ValueError):
        RateTable(official={}, before_2016=DEPOSIT_RATES_BEFORE_2016)
    with pytest.raises(ValueError):
        RateTable(official={2015: D(1)}, before_2016=DEPOSIT_RATES_BEFORE_2016)


amounts = st.decimals(min_value=0, max_value=200_000, places=2)
years = st.integers(min_value=1990, max_value=2030)
yearly_lists = st.lists(st.tuples(years, amounts), max_size=8)


@given(yearly=yearly_lists, extra=st.tuples(years, amounts), opening=amounts)
def test_adding_contributions_never_lowers_the_balance(
    yearly: list[tuple[int, Decimal]], extra: tuple[int, Decimal], opening: Decimal
) -> None:
    before = account_balance(yearly, opening)
    after = account_balance([*yearly, extra], opening)
    if yearly:
        assert after >= before
    else:
        assert after >= opening


@given(yearly=yearly_lists, opening=amounts)
def test_each_closing_is_the_rounded_sum_of_its_parts(
    yearly: list[tuple[int, Decimal]], opening: Decimal
) -> None:
    steps = balance_steps(yearly, opening)
    balance = opening
    for step in steps:
        assert step.opening == balance
        parts = step.opening + step.contributions
        assert step.closing == money(
            parts + step.interest_on_opening + step.interest_on_contributions
        )
        balance = step.closing
    assert account_balance(reversed(yearly), opening) == money(balance)


# --- months, lines and coverage ----------------------------------------------------------


def test_line_and_status_values() -> None:
    assert [line.value for line in Line] == ["pension", "medical", "work_injury", "unemployment"]
    assert [status.value for status in Status] == ["paid", "arrears", "interrupted"]


def test_period_text_and_index() -> None:
    p = Period.parse("2015-03")
    assert p == Period(2015, 3)
    assert str(p) == "2015-03"
    assert p.index == 2015 * 12 + 2
    assert Period.from_index(p.index) == p
    assert Period(2015, 12).next() == Period(2016, 1)
    assert Period(2015, 3).next() == Period(2015, 4)
    assert Period(2014, 12) < Period(2015, 1) < Period(2015, 2)
    assert msgspec.json.encode(p) == b'{"year":2015,"month":3}'


@pytest.mark.parametrize("text", ["2015-3", "2015-13", "2015-00", "15-03", "2015/03", ""])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        Period.parse(text)


@given(st.integers(min_value=12, max_value=9999 * 12 + 10))
def test_period_index_round_trips(index: int) -> None:
    p = Period.from_index(index)
    assert p.index == index
    assert Period.parse(str(p)) == p
    assert p.next().index == index + 1


def test_years_outside_1_to_9999_are_refused() -> None:
    with pytest.raises(ValueError):
        Period(10000, 1)
    with pytest.raises(ValueError):
        Period.from_index(11)


def _months(start: str, end: str, status: Status) -> list[tuple[Period, Status]]:
    first, last = Period.parse(start), Period.parse(end)
    return [(Period.from_index(i), status) for i in range(first.index, last.index + 1)]


def test_an_interrupted_run_is_one_gap() -> None:
    records = [
        *_months("2015-01", "2015-04", Status.PAID),
        *_months("2015-05", "2015-08", Status.INTERRUPTED),
        *_months("2015-09", "2015-12", Status.PAID),
    ]
    assert coverage(Line.PENSION, records) == Coverage(
        line=Line.PENSION,
        months=8,
        first=Period(2015, 1),
        last=Period(2015, 12),
        gaps=[(Period(2015, 5), Period(2015, 8))],
        arrears_months=0,
    )


def test_missing_months_are_gaps_too() -> None:
    records = [
        *_months("2015-06", "2015-07", Status.PAID),
        *_months("2015-01", "2015-03", Status.PAID),
        *_months("2015-11", "2016-01", Status.PAID),
    ]
    result = coverage(Line.MEDICAL, records)
    assert result.months == 8
    assert result.gaps == [
        (Period(2015, 4), Period(2015, 5)),
        (Period(2015, 8), Period(2015, 10)),
    ]
    assert (result.first, result.last) == (Period(2015, 1), Period(2016, 1))


def test_arrears_are_counted_and_are_gaps() -> None:
    records = [
        (Period(2016, 1), Status.PAID),
        (Period(2016, 2), Status.ARREARS),
        (Period(2016, 3), Status.ARREARS),
        (Period(2016, 4), Status.PAID),
        (Period(2016, 5), Status.INTERRUPTED),
        # 2016-06 missing
        (Period(2016, 7), Status.PAID),
        (Period(2016, 8), Status.ARREARS),  # after the last paid month: counted, not a gap
    ]
    result = coverage(Line.UNEMPLOYMENT, records)
    assert result.months == 3
    assert result.arrears_months == 3
    assert result.gaps == [
        (Period(2016, 2), Period(2016, 3)),
        (Period(2016, 5), Period(2016, 6)),
    ]
    assert result.last == Period(2016, 7)


def test_a_month_recorded_twice_counts_once_and_paid_wins() -> None:
    records = [
        (Period(2020, 1), Status.ARREARS),
        (Period(2020, 1), Status.PAID),
        (Period(2020, 1), Status.PAID),
        (Period(2020, 2), Status.INTERRUPTED),
        (Period(2020, 2), Status.ARREARS),
        (Period(2020, 3), Status.PAID),
        (Period(2020, 3), Status.INTERRUPTED),
    ]
    result = coverage(Line.WORK_INJURY, records)
    assert result.months == 2
    assert result.arrears_months == 1
    assert result.gaps == [(Period(2020, 2), Period(2020, 2))]


def test_no_paid_months() -> None:
    assert coverage(Line.PENSION, []) == Coverage(Line.PENSION, 0, None, None, [], 0)
    only_arrears = coverage(Line.PENSION, _months("2021-01", "2021-03", Status.ARREARS))
    assert only_arrears == Coverage(Line.PENSION, 0, None, None, [], 3)


# --- contribution bases (§3) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "avg_wage", "clamped"),
    [
        ("3000", "8000", "4800.00"),  # raised to 60%
        ("4800", "8000", "4800.00"),
        ("6000", "8000", "6000.00"),
        ("24000", "8000", "24000.00"),
        ("30000", "8000", "24000.00"),  # the part above 300% is ignored
        ("1", "7001.01", "4200.61"),  # 4200.606 rounds half-up
        ("6000.005", "8000", "6000.01"),
    ],
)
def test_clamp_base(base: str, avg_wage: str, clamped: str) -> None:
    assert clamp_base(D(base), D(avg_wage)) == D(clamped)


def test_clamp_base_needs_a_positive_wage() -> None:
    with pytest.raises(ValueError):
        clamp_base(D("5000"), D(0))


def test_pension_split() -> None:
    employee = pension_split(D("6000"), D("8000"))
    assert (employee.individual, employee.employer, employee.to_account) == (
        D("480.00"),
        D("960.00"),
        D("480.00"),
    )
    flexible = pension_split(D("3000"), D("8000"), flexible=True)
    assert flexible.base == D("4800.00")
    assert (flexible.individual, flexible.employer, flexible.to_account) == (
        D("960.00"),
        D("0.00"),
        D("384.00"),
    )

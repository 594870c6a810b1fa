"""Earmarking (Social Insurance Law art. 64, 48, 69; domain-rules §9): the categories, the funds,
what each payment is earmarked for, and the only flows allowed between funds."""

from __future__ import annotations

import itertools

import pytest

from app.domain.funds import Category, EarmarkViolation, Fund, check_flow, fund_for


def test_four_categories_of_art_64() -> None:
    assert {c.name for c in Category} == {
        "PENSION",
        "MEDICAL_MATERNITY",
        "WORK_INJURY",
        "UNEMPLOYMENT",
    }


@pytest.mark.parametrize(
    ("fund", "category"),
    [
        (Fund.EMP_PENSION, Category.PENSION),
        (Fund.RES_PENSION, Category.PENSION),
        (Fund.EMP_MEDICAL, Category.MEDICAL_MATERNITY),
        (Fund.RES_MEDICAL, Category.MEDICAL_MATERNITY),
        (Fund.WORK_INJURY, Category.WORK_INJURY),
        (Fund.UNEMPLOYMENT, Category.UNEMPLOYMENT),
    ],
)
def test_each_fund_sits_in_its_category(fund: Fund, category: Category) -> None:
    assert fund.category is category


def test_every_fund_has_a_category() -> None:
    assert {f.category for f in Fund} == set(Category)


@pytest.mark.parametrize(
    ("purpose", "fund"),
    [
        ("resident_medical_premium", Fund.RES_MEDICAL),
        ("resident_pension_contribution", Fund.RES_PENSION),
        ("flexible_pension_contribution", Fund.EMP_PENSION),
        ("maternity", Fund.EMP_MEDICAL),  # merged into employee medical (国办发〔2019〕10号)
        ("work_injury_contribution", Fund.WORK_INJURY),
        ("unemployment_contribution", Fund.UNEMPLOYMENT),
    ],
)
def test_what_a_payment_is_earmarked_for(purpose: str, fund: Fund) -> None:
    assert fund_for(purpose) is fund


@pytest.mark.parametrize("purpose", ["administration", "staff_canteen", ""])
def test_nothing_is_earmarked_for_administration_or_the_unknown(purpose: str) -> None:
    with pytest.raises(EarmarkViolation):
        fund_for(purpose)


ALLOWED = {
    ("relative_resident_medical_premium", Fund.EMP_MEDICAL, Fund.RES_MEDICAL),
    ("unemployed_medical_premium", Fund.UNEMPLOYMENT, Fund.EMP_MEDICAL),
    ("scheme_conversion", Fund.EMP_PENSION, Fund.RES_PENSION),
    ("scheme_conversion", Fund.RES_PENSION, Fund.EMP_PENSION),
}
PURPOSES = [
    "relative_resident_medical_premium",
    "unemployed_medical_premium",
    "scheme_conversion",
    "transfer",
    "administration",
    "resident_medical_premium",
]


@pytest.mark.parametrize(
    ("purpose", "source", "target"),
    [(p, s, t) for p in PURPOSES for s, t in itertools.product(Fund, Fund) if s is not t],
)
def test_money_crosses_funds_only_by_a_statutory_flow(
    purpose: str, source: Fund, target: Fund
) -> None:
    if (purpose, source, target) in ALLOWED:
        check_flow(source, target, purpose)
    else:
        with pytest.raises(EarmarkViolation):
            check_flow(source, target, purpose)


@pytest.mark.parametrize("fund", list(Fund))
def test_the_same_fund_between_regions(fund: Fund) -> None:
    check_flow(fund, fund, "transfer")


@pytest.mark.parametrize("fund", list(Fund))
def test_never_for_administration_even_inside_one_fund(fund: Fund) -> None:
    with pytest.raises(EarmarkViolation):
        check_flow(fund, fund, "administration")


def test_the_unemployment_fund_pays_no_residents_premium() -> None:
    """Art. 48 names the employee medical insurance of people drawing unemployment benefit."""
    with pytest.raises(EarmarkViolation):
        check_flow(Fund.UNEMPLOYMENT, Fund.RES_MEDICAL, "unemployed_medical_premium")


def test_mutual_aid_goes_one_way() -> None:
    with pytest.raises(EarmarkViolation):
        check_flow(Fund.RES_MEDICAL, Fund.EMP_MEDICAL, "relative_resident_medical_premium")

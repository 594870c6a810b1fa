"""The social insurance funds and what may cross between them (domain-rules §9).

Social Insurance Law art. 64: the funds are earmarked; basic medical and maternity share one set
of accounts, every other type of insurance has its own. 《社会保险基金财务制度》 (财社〔2017〕144号)
keeps the funds below inside those four categories; maternity was merged into employee medical
by 国办发〔2019〕10号. Money crosses funds only by the statutory flows named here, and never for
administration, staff, premises or running costs (art. 69).
"""

from __future__ import annotations

import enum


class EarmarkViolation(Exception):
    """A posting or a flow the earmarking of the funds does not allow."""


class Category(enum.Enum):
    """The four categories of art. 64 (medical and maternity combined)."""

    PENSION = "pension"
    MEDICAL_MATERNITY = "medical_maternity"
    WORK_INJURY = "work_injury"
    UNEMPLOYMENT = "unemployment"


class Fund(enum.Enum):
    """The funds the accounts really keep."""

    EMP_PENSION = "emp_pension"
    RES_PENSION = "res_pension"
    EMP_MEDICAL = "emp_medical"  # pooled and personal-account sub-ledgers
    RES_MEDICAL = "res_medical"
    WORK_INJURY = "work_injury"
    UNEMPLOYMENT = "unemployment"

    @property
    def category(self) -> Category:
        return _CATEGORY[self]


_CATEGORY = {
    Fund.EMP_PENSION: Category.PENSION,
    Fund.RES_PENSION: Category.PENSION,
    Fund.EMP_MEDICAL: Category.MEDICAL_MATERNITY,
    Fund.RES_MEDICAL: Category.MEDICAL_MATERNITY,
    Fund.WORK_INJURY: Category.WORK_INJURY,
    Fund.UNEMPLOYMENT: Category.UNEMPLOYMENT,
}

# What each kind of money paid in is earmarked for.
_EARMARKS = {
    "resident_medical_premium": Fund.RES_MEDICAL,
    "resident_pension_contribution": Fund.RES_PENSION,
    "flexible_pension_contribution": Fund.EMP_PENSION,
    "employee_pension_contribution": Fund.EMP_PENSION,
    "employee_medical_contribution": Fund.EMP_MEDICAL,
    "maternity": Fund.EMP_MEDICAL,  # merged into employee medical (国办发〔2019〕10号)
    "employee_medical_bill": Fund.EMP_MEDICAL,
    "resident_medical_bill": Fund.RES_MEDICAL,
    "work_injury_contribution": Fund.WORK_INJURY,
    "unemployment_contribution": Fund.UNEMPLOYMENT,
}

ADMINISTRATION = "administration"

# The statutory flows between two different funds: purpose -> the (source, target) pairs.
STATUTORY_FLOWS: dict[str, frozenset[tuple[Fund, Fund]]] = {
    # 国办发〔2024〕38号: an employee's personal medical account pays a close relative's
    # residents' medical premium (family mutual aid).
    "relative_resident_medical_premium": frozenset({(Fund.EMP_MEDICAL, Fund.RES_MEDICAL)}),
    # Art. 48: the unemployment fund pays the employee medical premiums of people drawing
    # unemployment benefit.
    "unemployed_medical_premium": frozenset({(Fund.UNEMPLOYMENT, Fund.EMP_MEDICAL)}),
    # 人社部发〔2014〕17号: the personal account follows a conversion between the schemes.
    "scheme_conversion": frozenset(
        {(Fund.EMP_PENSION, Fund.RES_PENSION), (Fund.RES_PENSION, Fund.EMP_PENSION)}
    ),
}


def fund_for(purpose: str) -> Fund:
    """The fund money paid in for `purpose` is earmarked for."""
    if purpose == ADMINISTRATION:
        raise EarmarkViolation("nothing is posted for administration (art. 69)")
    try:
        return _EARMARKS[purpose]
    except KeyError:
        raise EarmarkViolation(f"no fund is earmarked for {purpose!r}") from None


def check_flow(source: Fund, target: Fund, purpose: str) -> None:
    """Raise EarmarkViolation unless money may go from `source` to `target` for `purpose`.

    Within one fund money may move (between regions: "transfer"; between its sub-ledgers);
    between two funds only by a statutory flow; for administration never.
    """
    if purpose == ADMINISTRATION:
        raise EarmarkViolation("social insurance funds never pay for administration (art. 69)")
    if source is target:
        return
    if (source, target) not in STATUTORY_FLOWS.get(purpose, frozenset()):
        raise EarmarkViolation(
            f"{source.value} may not pay {target.value} for {purpose!r} (art. 64: earmarked)"
        )

"""Contribution histories and benefits in payment for the demo family (seeded by `make run`).

The figures are plausible, not official:
- Average monthly wage (the base for 60%-300% limits): app.domain.wages (an approximation).
- Employee rates, as a share of the monthly base:
  pension: individual 8% (all to the personal account); employer 20% until 2016-04, 19% until
  2019-04, 16% from 2019-05 (the national cut of 国办发〔2019〕13号);
  medical with maternity (one ledger, art. 64): individual 2% + 3 CNY, employer 9.8%;
  work injury: employer 0.4%, no individual part;
  unemployment: individual 0.5%, employer 0.5%.
- Residents' medical insurance (a child): one premium a year covering 12 months, at the national
  individual minimum of that year (2016 150 ... 2024-2026 400 CNY); the subsidy is not shown.
- Residents' pension (张德明): one contribution a year covering 12 months, at a chosen grade
  (§5: 100 ... 2000 CNY), with the government subsidy (30 CNY, 60 from the 500 grade) kept as
  the employer part: both go to the residents' personal account.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from app.db.models import ContributionRecord
from app.domain.contributions import Line, Period, Status, clamp_base, money
from app.domain.wages import average_wage

BEIJING, GUANGZHOU = "110105", "440106"
RESIDENT_PREMIUMS = {
    2016: 150, 2017: 180, 2018: 220, 2019: 250, 2020: 280, 2021: 320,
    2022: 350, 2023: 380, 2024: 400, 2025: 400, 2026: 400,
}  # fmt: skip


def _pension_employer_rate(period: Period) -> Decimal:
    if period < Period(2016, 5):
        return Decimal("0.20")
    return Decimal("0.19") if period < Period(2019, 5) else Decimal("0.16")


def _parts(line: Line, base: Decimal, period: Period) -> tuple[Decimal, Decimal]:
    """(employer part, individual part) of one month."""
    rates = {
        Line.PENSION: (_pension_employer_rate(period), Decimal("0.08"), Decimal(0)),
        Line.MEDICAL: (Decimal("0.098"), Decimal("0.02"), Decimal(3)),
        Line.WORK_INJURY: (Decimal("0.004"), Decimal(0), Decimal(0)),
        Line.UNEMPLOYMENT: (Decimal("0.005"), Decimal("0.005"), Decimal(0)),
    }
    employer, individual, fixed = rates[line]
    return money(base * employer), money(base * individual + fixed)


@dataclass(frozen=True)
class Job:
    """A stretch of employment: months first..last inclusive, at `index` times the average."""

    first: Period
    last: Period
    region: str
    employer: str
    index: Decimal
    status: Status = Status.PAID


def _months(first: Period, last: Period) -> Iterator[Period]:
    period = first
    while period <= last:
        yield period
        period = period.next()


def employee_records(person_id: UUID, jobs: list[Job]) -> list[ContributionRecord]:
    records = []
    for job in jobs:
        for period in _months(job.first, job.last):
            wage = average_wage(period.year, job.region)
            paid = job.status != Status.INTERRUPTED
            base = clamp_base(wage * job.index, wage) if paid else Decimal("0.00")
            for line in Line:
                employer, individual = _parts(line, base, period) if paid else (base, base)
                records.append(
                    ContributionRecord(
                        person_id=person_id,
                        line=line.value,
                        scheme="employee",
                        year=period.year,
                        month=period.month,
                        base=base,
                        employer_part=employer,
                        individual_part=individual,
                        status=job.status.value,
                        region_code=job.region,
                        employer=job.employer if paid else "",
                    )
                )
    return records


def resident_medical_records(
    person_id: UUID, first_year: int, last_year: int, region: str
) -> list[ContributionRecord]:
    return [
        ContributionRecord(
            person_id=person_id,
            line=Line.MEDICAL.value,
            scheme="resident",
            year=year,
            month=1,
            months_covered=12,
            base=Decimal("0.00"),
            employer_part=Decimal("0.00"),
            individual_part=Decimal(RESIDENT_PREMIUMS.get(year, 400)),
            status=Status.PAID.value,
            region_code=region,
        )
        for year in range(first_year, last_year + 1)
    ]


def resident_pension_records(
    person_id: UUID, first_year: int, last_year: int, region: str, grade: int
) -> list[ContributionRecord]:
    subsidy = Decimal(60 if grade >= 500 else 30)
    return [
        ContributionRecord(
            person_id=person_id,
            line=Line.PENSION.value,
            scheme="resident",
            year=year,
            month=1,
            months_covered=12,
            base=Decimal("0.00"),
            employer_part=subsidy,
            individual_part=Decimal(grade),
            status=Status.PAID.value,
            region_code=region,
        )
        for year in range(first_year, last_year + 1)
    ]


def last_month(today: date) -> Period:
    """Contributions are recorded up to the month before this one."""
    previous = today.replace(day=1) - timedelta(days=1)
    return Period(previous.year, previous.month)


@dataclass(frozen=True)
class Retirement:
    retired_on: date
    pension_monthly: Decimal
    last_certified_on: date


def histories(today: date) -> dict[str, tuple[list[Job], Retirement | None]]:
    """Employee histories by ID number (the child in the residents' scheme: CHILD_RESIDENT)."""
    now = last_month(today)
    year_ago = date(today.year - 1, today.month, min(today.day, 28))
    return {
        # 王芳: employed in Beijing since 2007.
        "110105198503140224": (
            [Job(Period(2007, 7), now, BEIJING, "北京示例信息技术有限公司", Decimal("1.4"))],
            None,
        ),
        # 张伟: Guangzhou 2005-2014, then Beijing, with a 4-month gap in 2015.
        "110105198309210137": (
            [
                Job(Period(2005, 7), Period(2014, 12), GUANGZHOU, "广州示例贸易有限公司",
                    Decimal("1.1")),
                Job(Period(2015, 1), Period(2015, 4), BEIJING, "北京示例物流有限公司",
                    Decimal("1.2")),
                Job(Period(2015, 5), Period(2015, 8), BEIJING, "", Decimal(0),
                    Status.INTERRUPTED),
                Job(Period(2015, 9), now, BEIJING, "北京示例建设工程有限公司", Decimal("1.3")),
            ],
            None,
        ),
        # 李秀英: retired in 2008; her certification falls due within 30 days.
        "110105195806070426": (
            [Job(Period(1993, 1), Period(2008, 6), BEIJING, "北京示例纺织厂", Decimal("0.9"))],
            Retirement(date(2008, 7, 1), Decimal("3286.40"), year_ago + timedelta(days=20)),
        ),
        # 王建国: retired in 2016; his certification is overdue, so payments are suspended.
        "110105195611200171": (
            [Job(Period(1993, 1), Period(2016, 11), BEIJING, "北京示例机械厂", Decimal("1.0"))],
            Retirement(date(2016, 12, 1), Decimal("4712.85"), year_ago - timedelta(days=25)),
        ),
        # 陈明 (another holder): employed in Guangzhou since 2014.
        "440106199207150513": (
            [Job(Period(2014, 7), now, GUANGZHOU, "广州示例软件有限公司", Decimal("1.0"))],
            None,
        ),
        # 张德明 (张伟's father): a migrant worker in Guangzhou 2003-01 .. 2010-06, then the
        # residents' pension at home in Beijing (RESIDENT_PENSION); 60 in 2023-08, not yet drawing.
        "110105196308150137": (
            [Job(Period(2003, 1), Period(2010, 6), GUANGZHOU, "广州示例制衣厂", Decimal("0.6"))],
            None,
        ),
        # 周强 (Jiangsu hukou): Guangzhou 2000-2024, Beijing since 2025, where he began at 54.
        "320102197003150413": (
            [
                Job(Period(2000, 1), Period(2024, 12), GUANGZHOU, "广州示例电子有限公司",
                    Decimal("1.0")),
                Job(Period(2025, 1), now, BEIJING, "北京示例咨询有限公司", Decimal("1.0")),
            ],
            None,
        ),
    }  # fmt: skip


# 张浩: residents' medical, paid each year from 2016 to last year; this year's premium was missed,
# so his cover has lapsed and his mother enrols him again (with the waiting period of a lapse).
CHILD_RESIDENT = ("11010520150402035X", 2016, BEIJING)
# 张德明: residents' pension in Beijing 2010-2023 at the 500 grade. 2010-01..06 were paid in both
# schemes: with 90 employee months (under 15 years) his employee account joins the residents'
# scheme, and 250 CNY (half of 2010's 500) is refunded.
RESIDENT_PENSION = ("110105196308150137", 2010, 2023, BEIJING, 500)


# Employee personal medical account balances (职工医保个人账户), fen: plausible, not official
# (a year or two of the 2 % individual part; a retiree's yearly allotment, partly spent).
MEDICAL_BALANCES = {
    "110105198503140224": 320000,  # 王芳
    "110105198309210137": 260000,  # 张伟
    "110105195806070426": 12000,  # 李秀英: little left this year
    "110105195611200171": 45000,  # 王建国
}


@dataclass(frozen=True)
class DemoBill:
    """A bill as a designated clinic or pharmacy would send it (fen)."""

    id_number: str
    reference: str
    provider_name: str
    kind: str
    scheme: str
    pooled: int
    personal: int
    other: int
    cash: int

    @property
    def total(self) -> int:
        return self.pooled + self.personal + self.other + self.cash


DEMO_BILLS = (
    # 李秀英's medicines: her account would cover 280 yuan of it, but holds 120.
    DemoBill("110105195806070426", "RX-DEMO-0001", "北京示例大药房", "pharmacy", "employee",
             0, 28000, 0, 20000),
)  # fmt: skip

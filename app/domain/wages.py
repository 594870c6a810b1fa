"""The local average wage series: the default C of the pension formula and the yardstick of
the contribution index (domain-rules §3).

Average wages are published once a year by each province and no table of them is bundled
here, so the default is a stated approximation, not an official figure:

- Beijing 11,937 CNY a month in 2024 (the reference point);
- 8% less for each year before 2024 and 4% more for each year after it (the later rate is
  also the default future wage growth of the pension estimate);
- Guangdong at 75% of Beijing, every other province at 80%.

Pages that use it say so and let the reader enter the published figure instead.
"""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

from app.domain.contributions import money

REFERENCE_YEAR = 2024
REFERENCE_WAGE = Decimal("11937")  # Beijing, CNY a month, in REFERENCE_YEAR
GROWTH_UP_TO_REFERENCE = Decimal("1.08")  # a year, for years up to the reference year
GROWTH_AFTER_REFERENCE = Decimal("1.04")  # a year, for years after it
DEFAULT_WAGE_GROWTH_PERCENT = Decimal("4")  # the same 4%, as a percentage
# Share of the Beijing figure, by province (the first two digits of an address code).
REGION_SHARE: dict[str, Decimal] = {"11": Decimal("1"), "44": Decimal("0.75")}
OTHER_REGION_SHARE = Decimal("0.8")


def average_wage(year: int, region_code: str) -> Decimal:
    """The series' monthly average wage of a year in the province of ``region_code``, in CNY."""
    growth = GROWTH_UP_TO_REFERENCE if year <= REFERENCE_YEAR else GROWTH_AFTER_REFERENCE
    wage = REFERENCE_WAGE * growth ** (year - REFERENCE_YEAR)
    return money(wage * REGION_SHARE.get(region_code[:2], OTHER_REGION_SHARE))


class PaidMonth(NamedTuple):
    """One paid month of pension contributions: when, where, on what base."""

    year: int
    month: int
    base: Decimal
    region_code: str


def month_index(paid: PaidMonth) -> Decimal:
    """The month's base as a multiple of that year's average wage where it was paid."""
    return paid.base / average_wage(paid.year, paid.region_code)


def average_index(months: list[PaidMonth]) -> Decimal:
    """The mean contribution index over the paid months (each month counted once).

    Not rounded: the pension formula rounds the money once. A month recorded twice counts
    with its first base only, so a duplicate row cannot weigh twice.
    """
    seen: dict[tuple[int, int], PaidMonth] = {}
    for paid in months:
        seen.setdefault((paid.year, paid.month), paid)
    if not seen:
        raise ValueError("no paid months to average")
    return sum((month_index(p) for p in seen.values()), Decimal(0)) / len(seen)

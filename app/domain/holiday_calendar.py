"""The official working-day calendar of the mainland: data only, one entry per year.

An operator adds next year's entry when the General Office of the State Council publishes its
holiday notice (国务院办公厅关于部分节假日安排的通知, usually in November): the public holidays
as inclusive ranges (the days off, weekends within them included) and the weekend days that
are working days instead (调休上班). A year without an entry has no known calendar: deadlines
that fall in it are provisional (app.domain.transfer.CalendarUnknown).

tests/unit/test_transfer_calendar.py checks every entry: make-up days fall on weekends and
never inside a holiday, ranges run forwards within their year.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


class OfficialYear(NamedTuple):
    notice: str  # the notice the dates come from
    holidays: tuple[tuple[date, date], ...]  # (first day off, last day off), inclusive
    make_up_days: tuple[date, ...]  # weekend days that are working days


OFFICIAL_YEARS: dict[int, OfficialYear] = {
    2025: OfficialYear(
        notice="国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号），2024-11-12",
        holidays=(
            (date(2025, 1, 1), date(2025, 1, 1)),  # 元旦
            (date(2025, 1, 28), date(2025, 2, 4)),  # 春节
            (date(2025, 4, 4), date(2025, 4, 6)),  # 清明节
            (date(2025, 5, 1), date(2025, 5, 5)),  # 劳动节
            (date(2025, 5, 31), date(2025, 6, 2)),  # 端午节
            (date(2025, 10, 1), date(2025, 10, 8)),  # 国庆节、中秋节
        ),
        make_up_days=(
            date(2025, 1, 26),
            date(2025, 2, 8),
            date(2025, 4, 27),
            date(2025, 9, 28),
            date(2025, 10, 11),
        ),
    ),
    2026: OfficialYear(
        notice="国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号），2025-11-04",
        holidays=(
            (date(2026, 1, 1), date(2026, 1, 3)),  # 元旦
            (date(2026, 2, 15), date(2026, 2, 23)),  # 春节
            (date(2026, 4, 4), date(2026, 4, 6)),  # 清明节
            (date(2026, 5, 1), date(2026, 5, 5)),  # 劳动节
            (date(2026, 6, 19), date(2026, 6, 21)),  # 端午节
            (date(2026, 9, 25), date(2026, 9, 27)),  # 中秋节
            (date(2026, 10, 1), date(2026, 10, 7)),  # 国庆节
        ),
        make_up_days=(
            date(2026, 1, 4),
            date(2026, 2, 14),
            date(2026, 2, 28),
            date(2026, 5, 9),
            date(2026, 9, 20),
            date(2026, 10, 10),
        ),
    ),
}

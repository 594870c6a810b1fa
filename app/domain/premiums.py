"""Residents' medical insurance premiums (domain-rules §8): paid once a year, collected in a
window at the end of the previous year."""

from __future__ import annotations

from datetime import date

from app.domain.policy import Policy


def collection_window(year: int, window: str) -> tuple[date, date]:
    """The window for the premium of `year`, e.g. "09-01/12-31" of the year before."""
    start, end = (part.split("-") for part in window.split("/"))
    return (
        date(year - 1, int(start[0]), int(start[1])),
        date(year - 1, int(end[0]), int(end[1])),
    )


def premium_year_open(today: date, window: str) -> int | None:
    """The premium year being collected today, if a collection window is open."""
    first, last = collection_window(today.year + 1, window)
    return today.year + 1 if first <= today <= last else None


def premium_amount(year: int, policy: Policy) -> int | None:
    """The individual premium for a year, where the policy knows it."""
    known = {
        2024: policy.residents_medical_premium_2024,
        2025: policy.residents_medical_premium_2025,
    }
    return known.get(year, known[max(known)] if year > max(known) else None)

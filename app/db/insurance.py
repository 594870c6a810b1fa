"""Reads of a person's insurance (the records summed per year) and the enrolments made here."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ContributionRecord, Enrolment
from app.domain.insurance import Enrolled, YearRecords


class InsuranceRecords:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_year(self, person_ids: Iterable[UUID]) -> dict[UUID, list[YearRecords]]:
        """Each person's records summed per line, scheme, status, region and year: a few
        dozen rows a person, whatever the length of their history."""
        record = ContributionRecord
        rows = await self.session.execute(
            select(
                record.person_id,
                record.line,
                record.scheme,
                record.status,
                record.region_code,
                record.year,
                func.sum(record.months_covered),
                func.max(record.month + record.months_covered - 1),
            )
            .where(record.person_id.in_(list(person_ids)))
            .group_by(
                record.person_id,
                record.line,
                record.scheme,
                record.status,
                record.region_code,
                record.year,
            )
        )
        found: dict[UUID, list[YearRecords]] = {}
        for person, line, scheme, status, region, year, months, last in rows:
            found.setdefault(person, []).append(
                YearRecords(
                    str(line),
                    str(scheme),
                    str(status),
                    str(region),
                    int(year),
                    int(months),
                    min(int(last), 12),
                )
            )
        return found


class Enrolments:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, enrolment: Enrolment) -> Enrolment:
        self.session.add(enrolment)
        await self.session.flush()
        return enrolment

    async def one(self, person_id: UUID, scheme: str, first_year: int) -> Enrolment | None:
        return await self.session.scalar(
            select(Enrolment).where(
                Enrolment.person_id == person_id,
                Enrolment.scheme == scheme,
                Enrolment.first_year == first_year,
            )
        )

    async def of(self, person_ids: Iterable[UUID]) -> dict[UUID, list[Enrolled]]:
        rows = await self.session.execute(
            select(
                Enrolment.person_id, Enrolment.scheme, Enrolment.first_year, Enrolment.enrolled_on
            ).where(Enrolment.person_id.in_(list(person_ids)))
        )
        found: dict[UUID, list[Enrolled]] = {}
        for person, scheme, first_year, on in rows:
            line = "medical" if scheme == "resident_medical" else "pension"
            found.setdefault(person, []).append(Enrolled(line, int(first_year), on))
        return found

    async def remove_for(self, person_id: UUID) -> int:
        """Test and demo set-up: forget the person's enrolments."""
        result = await self.session.execute(
            delete(Enrolment).where(Enrolment.person_id == person_id)
        )
        return int(getattr(result, "rowcount", 0) or 0)

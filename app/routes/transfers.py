"""The transfer pre-check of a subject: {base}/transfers (domain-rules §6).

"What happens if … takes a job in another province?" A GET form (fields `to`, `starts`,
`approved`): without JS the browser sends it and gets the page with the answer; with JS the
boosted <main> swaps in the same page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.domain.regions import MAINLAND
from app.domain.transfer import full_years, rules_for
from app.routes.benefits import province_names
from app.routes.conversion import confirm_context
from app.routes.i18n import _
from app.routes.scan_scope import VIEW
from app.routes.web import FormErrors, page
from app.services import transfer_check as service
from app.services import transfer_timeline as timelines
from app.services.context import UnitOfWork
from app.services.subject import Subject

FIELD_MAX = 20  # longer answers are refused, and shown back only this far
PAST_DAYS = 366  # a job that began up to a year ago can still be asked about
FUTURE_YEARS = 5

BLOCKED_TEXTS = {
    service.Blocked.PENSIONER: lambda: _(
        "People who already draw a pension do not transfer their pension insurance."
    ),
    service.Blocked.NO_RECORDS: lambda: _(
        "There are no employee pension contributions on record, so there is nothing to transfer."
    ),
    service.Blocked.OPEN_TRANSFER: lambda: _(
        "A transfer of the pension insurance is already under way. Wait until it is completed."
    ),
}


@dataclass
class Question:
    """The answers as typed (to show back) and as understood (None until all are right)."""

    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)
    to: str | None = None
    starts: date | None = None
    approved: bool = False


def _raw(params: Any, name: str) -> str | None:
    value = params.get(name)
    return None if value is None else str(value).strip()[: FIELD_MAX + 1]


def _province(raw: str | None, errors: FormErrors) -> str | None:
    if raw in {p.code for p in MAINLAND}:
        return raw
    errors.add("to", _("Select the province of the new job"))
    return None


def _starts(raw: str | None, today: date, errors: FormErrors) -> date | None:
    first = today - timedelta(days=PAST_DAYS)
    last = date(today.year + FUTURE_YEARS, today.month, min(today.day, 28))
    try:
        day = date.fromisoformat(raw or "") if raw and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        errors.add("starts", _("Enter the start date as a date, for example 2026-03-01"))
    elif not first <= day <= last:
        errors.add(
            "starts",
            _("The start date must be between %(first)s and %(last)s")
            % {"first": first.isoformat(), "last": last.isoformat()},
        )
        day = None
    return day


def parse(params: Any, today: date) -> Question | None:
    """None when nothing was asked yet (the page opens with the empty form)."""
    raw_to, raw_starts = _raw(params, "to"), _raw(params, "starts")
    if raw_to is None and raw_starts is None:
        return None
    errors = FormErrors()
    to = _province(raw_to, errors)
    starts = _starts(raw_starts, today, errors)
    approved = _raw(params, "approved") == "yes"
    values = {
        "to": (raw_to or "")[:FIELD_MAX],
        "starts": (raw_starts or "")[:FIELD_MAX],
        "approved": "yes" if approved else "",
    }
    return Question(values, errors, to, starts, approved)


def _detail(question: Question | None, blocked: service.Blocked | None) -> str:
    """For the audit trail: what was asked (never who it is about)."""
    if blocked is not None:
        return f"blocked={blocked.value}"
    if question is None or question.errors:
        return "form"
    return f"to={question.to} starts={question.starts} approved={question.approved}"


def _context(subject: Subject, today: date) -> dict[str, Any]:
    names = province_names()
    return {
        "subject": subject,
        "provinces": [(p.code, names[p.code]) for p in MAINLAND],
        "province": names.get,
        "example_day": (today + timedelta(days=30)).isoformat(),
    }


class TransferController(Controller):
    path = "/transfers"

    @get("/", opt=VIEW)
    async def precheck(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        now = utcnow()
        today = now.date()
        records = await service.load(uow, subject)
        question = parse(request.query_params, today)
        blocked = records if isinstance(records, service.Blocked) else None
        service.viewed(uow, subject, now, _detail(question, blocked))
        context = _context(subject, today)
        context["transfers"] = await timelines.of_subject(uow, subject, today)
        if isinstance(records, service.Blocked):
            context["blocked"] = BLOCKED_TEXTS[records]()
            return page(request, "pages/subject/transfers.html", context)
        context |= {
            "records": records,
            "question": question,
            "answer": None,
            "age_on": lambda day: full_years(records.born, day),
        }
        if question is None:
            return page(request, "pages/subject/transfers.html", context)
        context |= {"values": question.values, "errors": question.errors}
        if question.errors or question.to is None or question.starts is None:
            return page(request, "pages/subject/transfers.html", context, status=422)
        rules = rules_for(uow.policy)
        context["answer"] = service.answer(
            records, rules, question.to, question.starts, question.approved
        )
        return page(request, "pages/subject/transfers.html", context)

    @get("/{transfer_id:uuid}", opt=VIEW)
    async def timeline(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        transfer_id: FromPath[UUID],
    ) -> Response[str]:
        """One timeline for the person and the holder; another's transfer is a 404."""
        polled = request.query_params.get("refresh") == "poll"
        transfer = await timelines.one(uow, subject, transfer_id, utcnow(), audit=not polled)
        if transfer is None:
            raise NotFoundException
        path = f"{subject.base}/transfers/{transfer.id}"
        context = {
            "subject": subject,
            "transfer": transfer,
            "request_path": path,
            "poll_url": f"{path}?refresh=poll",
        }
        if transfer.conversion:
            context |= await confirm_context(request, uow, subject, transfer)
        return page(request, "pages/transfers/timeline.html", context)

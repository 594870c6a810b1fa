"""The pension estimate of a subject: {base}/pension and {base}/pension/print.

A GET form: the page reads its what-if answers from the query, so one URL serves the page
without JS, the whole of <main> for a boosted request, and just the result region (with
out-of-band error messages and the month list) when the form updates it as the reader types.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from app.adapters.clock import utcnow
from app.domain.contributions import OFFICIAL_RATES
from app.domain.pension_chart import Chart, Datum, build
from app.domain.retirement import Age, Job, YearMonth, age_at_month, minimum_contribution_months
from app.domain.wages import REFERENCE_WAGE, REFERENCE_YEAR
from app.routes.i18n import _, format_moment, format_number, ngettext
from app.routes.scan_scope import PRINT, VIEW
from app.routes.web import FormErrors, is_htmx, page
from app.services import pension_estimate as service
from app.services import people
from app.services.context import UnitOfWork
from app.services.subject import Subject

RESULT_ID = "pension-result"
FIELD_MAX = 20  # longer answers are refused, and shown back only this far
_NUMBER = re.compile(r"[+-]?[0-9]{1,7}(\.[0-9]{1,6})?")
_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0d": "-", ",": "", " ": ""})

REASON_PAGES = {
    service.Reason.RETIRED: "pages/subject/pension_retired.html",
    service.Reason.TOO_YOUNG: "pages/subject/pension_too_young.html",
    service.Reason.TRANSFER: "pages/subject/pension_transfer.html",
    service.Reason.FEW_RECORDS: "pages/subject/pension_few_records.html",
    service.Reason.PAST_WINDOW: "pages/subject/pension_past_window.html",
    service.Reason.SHORT: "pages/subject/pension_short.html",
}


@dataclass(frozen=True, slots=True)
class Bound:
    """A what-if number: its limits and what to say when it is not a number or out of range."""

    name: str
    low: Decimal
    high: Decimal
    not_number: Callable[[], str]
    out_of_range: Callable[[], str]


BOUNDS = (
    Bound(
        "wage_growth",
        Decimal(-5),
        Decimal(15),
        lambda: _("Enter the yearly wage growth as a number, for example 3.5"),
        lambda: _("The yearly wage growth must be between −5 and 15 per cent"),
    ),
    Bound(
        "index",
        service.INDEX_LOW,
        service.INDEX_HIGH,
        lambda: _("Enter the average contribution index as a number, for example 1.2"),
        lambda: _("The average contribution index must be between 0.6 and 3.0"),
    ),
    Bound(
        "avg_wage",
        Decimal(1000),
        Decimal(100000),
        lambda: _("Enter the local average wage in yuan a month, for example 12000"),
        lambda: _("The local average wage must be between 1,000 and 100,000 yuan a month"),
    ),
    Bound(
        "interest",
        Decimal(0),
        Decimal(10),
        lambda: _("Enter the account interest rate as a number, for example 1.5"),
        lambda: _("The account interest rate must be between 0 and 10 per cent"),
    ),
)


def ym(month: YearMonth) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def age_text(age: Age) -> str:
    return _("%(years)s years %(months)s months") % {"years": age.years, "months": age.months}


def months_text(months: int) -> str:
    """A contribution period: months, and from a year on the years and months they make."""
    if months < 12:
        return ngettext("%(num)s month", "%(num)s months", months) % {"num": months}
    years, rest = divmod(months, 12)
    return _("%(total)s months (%(years)s years %(months)s months)") % {
        "total": months,
        "years": years,
        "months": rest,
    }


def parse_number(raw: str) -> Decimal | None:
    """A decimal as people type it: full-width digits, a typographic minus, a % sign, commas."""
    text = unicodedata.normalize("NFKC", raw).translate(_MINUS).removesuffix("%")
    if len(raw) > FIELD_MAX or not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def parse_month(raw: str) -> YearMonth | None:
    match = _MONTH.fullmatch(raw.strip()) if len(raw) <= FIELD_MAX else None
    if match is None or not 1 <= int(match[2]) <= 12:
        return None
    return YearMonth(int(match[1]), int(match[2]))


@dataclass
class Form:
    """The answers as typed (to show back) and as understood."""

    inputs: service.Inputs
    window: service.Window
    month: YearMonth  # the chosen month, or the default one when the choice is wrong
    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)


def _raw(params: Mapping[str, Any], name: str) -> str | None:
    """One character more than a field may hold, so that an over-long answer is refused
    rather than cut to something that happens to be valid."""
    value = params.get(name)
    return None if value is None else str(value)[: FIELD_MAX + 1]


def _numbers(
    params: Mapping[str, Any], defaults: service.Inputs, errors: FormErrors
) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Each what-if number: the default when absent, else what was typed, checked."""
    numbers: dict[str, Decimal] = {}
    values: dict[str, str] = {}
    for bound in BOUNDS:
        default: Decimal = getattr(defaults, bound.name)
        raw = _raw(params, bound.name)
        values[bound.name] = str(default) if raw is None else raw[:FIELD_MAX]
        numbers[bound.name] = default  # also when the answer is wrong: it is not used
        if raw is None:
            continue
        number = parse_number(raw)
        if number is None:
            errors.add(bound.name, bound.not_number())
        elif not bound.low <= number <= bound.high:
            errors.add(bound.name, bound.out_of_range())
        else:
            numbers[bound.name] = number
    return numbers, values


def _job(params: Mapping[str, Any], basis: service.EmployeeBasis, errors: FormErrors) -> Job:
    """Only a woman's original age depends on her job; for a man the answer is ignored."""
    raw = _raw(params, "job")
    if basis.sex == "male" or raw is None:
        return Job.CADRE
    if raw in {job.value for job in Job}:
        return Job(raw)
    errors.add("job", _("Select the type of post"))
    return Job.CADRE


def _month(
    params: Mapping[str, Any], job: Job, found: service.Window, errors: FormErrors
) -> tuple[YearMonth | None, str]:
    """The chosen month, unless the list it came from was built for another job: then the
    new list's default month (a changed job is not a wrong answer)."""
    raw = _raw(params, "retire_at")
    listed_for = _raw(params, "window_for")
    if raw is None or (listed_for is not None and listed_for != job.value):
        return None, ""
    month = parse_month(raw)
    if month is None or month not in found.choices:
        errors.add(
            "retire_at",
            _("Choose a retirement month from the list: from %(first)s to %(last)s")
            % {"first": ym(found.choices[0]), "last": ym(found.choices[-1])},
        )
        return None, raw[:FIELD_MAX]
    return month, raw


def parse(
    params: Mapping[str, Any], basis: service.EmployeeBasis, defaults: service.Inputs
) -> Form | service.NoEstimate:
    errors = FormErrors()
    job = _job(params, basis, errors)
    found = service.window(basis, job)
    missing = service.unavailable(basis, found)
    if missing is not None:
        return missing
    month, raw_month = _month(params, job, found, errors)
    numbers, values = _numbers(params, defaults, errors)
    chosen = month or service.default_month(found)
    values |= {"job": job.value, "retire_at": raw_month or ym(chosen)}
    inputs = service.Inputs(job=job, retire_at=month, **numbers)
    return Form(inputs=inputs, window=found, month=chosen, values=values, errors=errors)


def _without_errors(
    params: Mapping[str, Any], basis: service.EmployeeBasis, defaults: service.Inputs
) -> Form | service.NoEstimate:
    """For the print view: a wrong answer prints with its default instead."""
    form = parse(params, basis, defaults)
    if isinstance(form, service.NoEstimate) or not form.errors:
        return form
    kept = {k: v for k, v in params.items() if k not in form.errors.fields}
    return parse(kept, basis, defaults)


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the chart's table and one point of its line."""

    month: YearMonth
    age: Age
    total: Decimal
    chosen: bool
    statutory: bool


def _rows(basis: service.EmployeeBasis, form: Form, mode: str) -> list[Row]:
    statutory = form.window.statutory.year_month
    rows = []
    for month in service.chart_months(form.window, form.month):
        projection = service.project(basis, form.inputs, month, mode)
        rows.append(
            Row(
                month=month,
                age=projection.age,
                total=projection.estimate.total,
                chosen=month == form.month,
                statutory=month == statutory,
            )
        )
    return rows


def _chart(rows: list[Row]) -> Chart:
    return build(
        [
            Datum(key=r.month.year * 12 + r.month.month - 1, label=ym(r.month), value=r.total,
                  chosen=r.chosen)
            for r in rows
        ]
    )  # fmt: skip


def _query(form: Form) -> str:
    """The answers as understood, for the print link."""
    inputs = form.inputs
    return urlencode(
        {
            "retire_at": ym(form.month),
            "job": inputs.job.value,
            "wage_growth": inputs.wage_growth,
            "index": inputs.index,
            "avg_wage": inputs.avg_wage,
            "interest": inputs.interest,
        }
    )


def _labels(subject: Subject) -> dict[str, Any]:
    return {
        "subject": subject,
        "ym": ym,
        "age_text": age_text,
        "months_text": months_text,
        "result_id": RESULT_ID,
        "wage_source": {"year": REFERENCE_YEAR, "wage": format_number(REFERENCE_WAGE)},
    }


def _context(
    uow: UnitOfWork,
    subject: Subject,
    basis: service.EmployeeBasis,
    form: Form,
    defaults: service.Inputs,
) -> dict[str, Any]:
    def age_at(month: YearMonth) -> Age:
        return age_at_month(basis.birth, month.year, month.month)

    context = _labels(subject) | {
        "basis": basis,
        "form": form,
        "defaults": defaults,
        "age_at": age_at,
        "rate_2025": uow.policy.account_interest_rate_2025,
        "projection": None,
        "window": form.window,
        "values": form.values,
        "errors": form.errors,
        "minimum": minimum_contribution_months(form.month.year),
        "months_then": service.months_at(basis, form.month),
        "latest_rate_year": max(OFFICIAL_RATES),
        "divisor_mode": uow.policy.fractional_age_divisor,
    }
    if not form.errors:
        mode = uow.policy.fractional_age_divisor
        rows = _rows(basis, form, mode)
        projection = service.project(basis, form.inputs, form.month, mode)
        context |= {
            "projection": projection,
            "rows": rows,
            "chart": _chart(rows),
            "print_url": f"{subject.base}/pension/print?{_query(form)}",
            "back_url": f"{subject.base}/pension?{_query(form)}",
        }
    return context


def _wants_result_only(request: Request[Any, Any, Any]) -> bool:
    return is_htmx(request) and request.headers.get("hx-target") == RESULT_ID


def _no_estimate(
    request: Request[Any, Any, Any], subject: Subject, missing: service.NoEstimate
) -> Response[str]:
    context = _labels(subject) | {"missing": missing}
    response = page(request, REASON_PAGES[missing.reason], context)
    if _wants_result_only(request):  # a page of its own, not a result inside the form's page
        response.headers |= {"hx-retarget": "#main", "hx-reswap": "innerHTML show:window:top"}
    return response


def _detail(outcome: service.Basis | service.NoEstimate | Form, what: str) -> str:
    """For the audit trail: what was shown (never who it is about)."""
    if isinstance(outcome, service.NoEstimate):
        return f"{what} reason={outcome.reason.value}"
    if isinstance(outcome, Form):
        return f"{what} retire_at={ym(outcome.month)}"
    return f"{what} residents"


async def _estimate(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    subject: Subject,
    basis: service.EmployeeBasis,
    now: datetime,
) -> Response[str]:
    defaults = service.defaults(basis, uow.policy, now.date())
    form = parse(request.query_params, basis, defaults)
    await service.viewed(uow, subject, now, _detail(form, "estimate"))
    if isinstance(form, service.NoEstimate):
        return _no_estimate(request, subject, form)
    status = 422 if form.errors else 200
    context = _context(uow, subject, basis, form, defaults)
    if _wants_result_only(request):
        return page(request, "partials/pension_fragment.html", context, status=status)
    return page(request, "pages/subject/pension.html", context, status=status)


async def _printed(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    subject: Subject,
    basis: service.Basis,
    now: datetime,
) -> Response[str]:
    context = _labels(subject) | {
        "printed": format_moment(now),
        "masked_id": people.masked(uow, subject.person),
        "back_url": f"{subject.base}/pension",
    }
    if isinstance(basis, service.ResidentBasis):
        await service.viewed(uow, subject, now, _detail(basis, "print"))
        context["resident"] = service.residents(basis, uow.policy)
        return page(request, "pages/subject/pension_print.html", context)
    defaults = service.defaults(basis, uow.policy, now.date())
    form = _without_errors(request.query_params, basis, defaults)
    await service.viewed(uow, subject, now, _detail(form, "print"))
    if isinstance(form, service.NoEstimate):
        return _no_estimate(request, subject, form)
    context |= _context(uow, subject, basis, form, defaults)
    return page(request, "pages/subject/pension_print.html", context)


class PensionController(Controller):
    path = "/pension"

    @get("/", opt=VIEW)
    async def index(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        now = utcnow()
        basis = await service.load(uow, subject, now.date())
        if isinstance(basis, service.EmployeeBasis):
            return await _estimate(request, uow, subject, basis, now)
        await service.viewed(uow, subject, now, _detail(basis, "estimate"))
        if isinstance(basis, service.NoEstimate):
            return _no_estimate(request, subject, basis)
        context = _labels(subject) | {"resident": service.residents(basis, uow.policy)}
        return page(request, "pages/subject/pension_residents.html", context)

    @get("/print", opt=PRINT)
    async def print_view(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        """The answers as given; a wrong one prints with its default instead."""
        now = utcnow()
        basis = await service.load(uow, subject, now.date())
        if isinstance(basis, service.NoEstimate):
            await service.viewed(uow, subject, now, _detail(basis, "print"))
            return _no_estimate(request, subject, basis)
        return await _printed(request, uow, subject, basis, now)

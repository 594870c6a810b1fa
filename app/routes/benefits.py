"""The rights and benefits list (权益单) of a subject: {base}/benefits and {base}/benefits/print.

One URL serves the page, the whole of <main> for a boosted request, and just the records
region when the filter form or a page link targets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency

from app.adapters.clock import utcnow
from app.domain.contributions import Line, Period
from app.routes.i18n import _, format_moment
from app.routes.punctuation import bracket
from app.routes.scan_scope import PRINT, VIEW
from app.routes.web import FormErrors, is_htmx, page
from app.services import benefits, people
from app.services.context import UnitOfWork
from app.services.subject import Subject

RESULTS_ID = "benefits-results"
MIN_YEAR = 1951  # the national labour insurance regulations: no record can be older
QUERY_VALUE_MAX = 20  # a longer value is kept only this far, to show it back
PAGE_DIGITS_MAX = 6


def province_names() -> dict[str, str]:
    """GB/T 2260 province-level divisions by the first two digits of an address code."""
    return {
        "11": _("Beijing"),
        "12": _("Tianjin"),
        "13": _("Hebei"),
        "14": _("Shanxi"),
        "15": _("Inner Mongolia"),
        "21": _("Liaoning"),
        "22": _("Jilin"),
        "23": _("Heilongjiang"),
        "31": _("Shanghai"),
        "32": _("Jiangsu"),
        "33": _("Zhejiang"),
        "34": _("Anhui"),
        "35": _("Fujian"),
        "36": _("Jiangxi"),
        "37": _("Shandong"),
        "41": _("Henan"),
        "42": _("Hubei"),
        "43": _("Hunan"),
        "44": _("Guangdong"),
        "45": _("Guangxi"),
        "46": _("Hainan"),
        "50": _("Chongqing"),
        "51": _("Sichuan"),
        "52": _("Guizhou"),
        "53": _("Yunnan"),
        "54": _("Xizang"),
        "61": _("Shaanxi"),
        "62": _("Gansu"),
        "63": _("Qinghai"),
        "64": _("Ningxia"),
        "65": _("Xinjiang"),
        "71": _("Taiwan"),
        "81": _("Hong Kong"),
        "82": _("Macao"),
    }


def line_labels() -> dict[str, str]:
    return {
        Line.PENSION.value: _("Pension"),
        Line.MEDICAL.value: _("Medical (with maternity)"),
        Line.WORK_INJURY.value: _("Work injury"),
        Line.UNEMPLOYMENT.value: _("Unemployment"),
    }


class Labels:
    """Translated text for stored values, built once per request (the locale is fixed by then)."""

    def __init__(self) -> None:
        self.provinces = province_names()
        self.lines = line_labels()
        self.statuses = {
            "paid": _("Paid"),
            "arrears": _("Arrears"),
            "interrupted": _("Interrupted"),
        }

    def line(self, value: str) -> str:
        return self.lines.get(value, value)

    def status(self, value: str) -> str:
        return self.statuses.get(value, value)

    def region(self, code: str) -> str:
        name = self.provinces.get(code[:2])
        return bracket(name, code) if name else code

    def span(self, first: Period | int, last: Period | int) -> str:
        """A run of months or years: "2015-05 to 2015-08", or one alone."""
        if first == last:
            return str(first)
        return _("{first} to {last}").format(first=first, last=last)

    def period(self, year: int, month: int, months_covered: int) -> str:
        """A record's month, or the run of months a yearly premium covers."""
        covered = benefits.expand(year, month, months_covered)
        return self.span(covered[0], covered[-1])


@dataclass
class Query:
    """The filter as asked (values, to show back) and as understood (filters)."""

    filters: benefits.Filters
    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)


def _line(raw: str, errors: FormErrors) -> Line | None:
    if raw in ("", "all"):
        return None
    if raw in {line.value for line in Line}:
        return Line(raw)
    errors.add("line", _("Select a type of insurance from the list"))
    return None


def _year(raw: str, last: int, errors: FormErrors) -> int | None:
    if not raw:
        return None
    if not (len(raw) == 4 and raw.isascii() and raw.isdigit()):
        errors.add("year", _("Enter the year as 4 digits, for example 2024"))
        return None
    year = int(raw)
    if not MIN_YEAR <= year <= last:
        errors.add(
            "year", _("Enter a year from {first} to {last}").format(first=MIN_YEAR, last=last)
        )
        return None
    return year


def _page(raw: str) -> int:
    """A page link is not typed in: anything odd shows the first page."""
    if raw.isascii() and raw.isdigit() and len(raw) <= PAGE_DIGITS_MAX:
        return max(int(raw), 1)
    return 1


def parse_query(request: Request[Any, Any, Any], last_year: int) -> Query:
    params = request.query_params
    raw_line = str(params.get("line") or "").strip()[:QUERY_VALUE_MAX]
    raw_year = str(params.get("year") or "").strip()[:QUERY_VALUE_MAX]
    errors = FormErrors()
    line = _line(raw_line, errors)
    year = _year(raw_year, last_year, errors)
    filters = benefits.Filters(line=line, year=year, page=_page(str(params.get("page") or "")))
    values = {"line": line.value if line else "all", "year": raw_year}
    return Query(filters=filters, values=values, errors=errors)


def _urls(subject: Subject, filters: benefits.Filters) -> dict[str, Any]:
    """Links that keep the filter: a page of years, and the print view of the same years."""
    base = f"{subject.base}/benefits"
    kept = {"line": filters.line.value if filters.line else "all", "year": filters.year or ""}

    def page_url(number: int) -> str:
        return f"{base}?{urlencode({**kept, 'page': number})}"

    print_url = f"{base}/print" + (f"?year={filters.year}" if filters.year else "")
    return {"page_url": page_url, "print_url": print_url}


def _context(subject: Subject, query: Query) -> dict[str, Any]:
    labels = Labels()
    return {
        "subject": subject,
        "filters": query.filters,
        "values": query.values,
        "errors": query.errors,
        "labels": labels,
        "lines": [("all", _("All types")), *labels.lines.items()],
        "results_id": RESULTS_ID,
        **_urls(subject, query.filters),
    }


def _wants_results_only(request: Request[Any, Any, Any]) -> bool:
    return is_htmx(request) and request.headers.get("hx-target") == RESULTS_ID


class BenefitsController(Controller):
    path = "/benefits"

    @get("/", opt=VIEW)
    async def index(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        now = utcnow()
        query = parse_query(request, now.year + 1)  # next year's residents' premium is sold now
        status = 422 if query.errors else 200
        context = _context(subject, query)
        context["conversion"] = await benefits.completed_conversion(uow, subject, now.date())
        if _wants_results_only(request):
            records = await benefits.view_records(uow, subject, query.filters, now)
            context |= {"records": records}
            return page(request, "partials/benefits_fragment.html", context, status=status)
        result = await benefits.view(uow, subject, query.filters, now)
        context |= {
            "records": result.records,
            "summaries": result.summaries,
            "account": result.account,
        }
        return page(request, "pages/subject/benefits.html", context, status=status)

    @get("/print", opt=PRINT)
    async def print_view(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        """Every line; the records of the chosen year, or of all years. A bad year prints all."""
        now = utcnow()
        query = parse_query(request, now.year + 1)
        year = None if "year" in query.errors.fields else query.filters.year
        result = await benefits.view_print(uow, subject, year, now)
        context = _context(subject, Query(filters=benefits.Filters(year=year))) | {
            "conversion": await benefits.completed_conversion(uow, subject, now.date()),
            "records": result.records,
            "summaries": result.summaries,
            "account": result.account,
            "year": year,
            "masked_id": people.masked(uow, subject.person),
            "printed": format_moment(now),
        }
        return page(request, "pages/subject/benefits_print.html", context)

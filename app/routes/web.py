"""Rendering: one template per page; an HTMX request gets it inside fragment.html, not layout.html."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, NoReturn

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import FormMultiDict
from litestar.enums import MediaType
from litestar.response import Redirect
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from app.domain.policy import Policy
from app.routes.i18n import (
    HTML_LANG,
    LANG_COOKIE,
    LOCALES,
    choose_locale,
    current_locale,
    format_fen,
    format_megabytes,
    format_moment,
    format_money,
    format_number,
    gettext,
    in_chinese,
    locale_display_name,
    ngettext,
)
from app.routes.insurance_labels import JINJA_GLOBALS as INSURANCE_LABELS
from app.routes.labels import relationship_label, state_label
from app.routes.payment_labels import (
    aid_end_label,
    fund_account_label,
    fund_label,
    payment_state_label,
    posting_label,
    provider_label,
    purpose_label,
    refund_reason_label,
)
from app.routes.punctuation import JOINS
from app.routes.sessions import IDLE, SCAN
from app.routes.template_i18n import CompiledGettext
from app.routes.transfer_labels import (
    agency_label,
    conversion_label,
    line_label,
    months_label,
    region_label,
    step_label,
    transfer_title,
)
from app.routes.transfer_labels import state_label as transfer_state_label

# The idle warning comes this long before an ordinary session ends (its text says so).
IDLE_WARNING_SECONDS = 120
TEMPLATES = __import__("pathlib").Path(__file__).resolve().parent.parent / "templates"


class _Environment(Environment):
    """Templates' globals as one plain dict each. Jinja's own, a ChainMap over the
    environment's, is walked key by key in Python by every context a page makes (the page, and
    each include), which cost more than rendering a small page. set_template_global keeps the
    loaded templates' copies up to date."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


def _build_env(locale: str) -> Environment:
    env = _Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n", CompiledGettext],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.gettext_locale = locale  # type: ignore[attr-defined]
    env.install_gettext_callables(gettext, ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["megabytes"] = format_megabytes
    env.filters["money"] = format_money
    env.filters["number"] = format_number
    env.filters["zh"] = in_chinese
    env.filters["fen"] = format_fen
    env.filters["moment"] = format_moment
    env.globals["relationship_label"] = relationship_label
    env.globals["state_label"] = state_label
    env.globals["line_label"] = line_label
    env.globals["region_label"] = region_label
    env.globals["step_label"] = step_label
    env.globals["agency_label"] = agency_label
    env.globals["transfer_state_label"] = transfer_state_label
    env.globals["transfer_title"] = transfer_title
    env.globals["conversion_label"] = conversion_label
    env.globals["months_label"] = months_label
    env.globals["purpose_label"] = purpose_label
    env.globals["payment_state_label"] = payment_state_label
    env.globals["fund_label"] = fund_label
    env.globals["fund_account_label"] = fund_account_label
    env.globals["refund_reason_label"] = refund_reason_label
    env.globals["posting_label"] = posting_label
    env.globals["provider_label"] = provider_label
    env.globals["aid_end_label"] = aid_end_label
    env.globals.update(JOINS)
    env.globals.update(INSURANCE_LABELS)
    env.globals["locales"] = [(code, locale_display_name(code)) for code in LOCALES]
    return env


# One environment per language, each with its constant texts translated as it compiles.
jinja_envs = {locale: _build_env(locale) for locale in LOCALES}


def templates() -> Environment:
    """The templates in the language of the request being served."""
    return jinja_envs[current_locale.get()]


def set_template_global(name: str, value: Any) -> None:
    for env in jinja_envs.values():
        env.globals[name] = value
        for template in (env.cache or {}).values():
            template.globals[name] = value


def configure_templates(*, reload: bool) -> None:
    """Whether templates are checked for changes on disk at each render: in development,
    so edits show; not in production, where that check is a file system call per page."""
    for env in jinja_envs.values():
        env.auto_reload = reload


@dataclass
class FormErrors:
    """Field name -> translated message, in the order the fields appear on the page."""

    fields: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.fields)


def locale_for(request: Request[Any, Any, Any]) -> str:
    return choose_locale(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def is_htmx(request: Request[Any, Any, Any]) -> bool:
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def policy_of(request: Request[Any, Any, Any]) -> Policy:
    """The policy in force: every page gets it as `policy`; messages are given it."""
    policy: Policy = request.app.state.settings.policy
    return policy


def page(
    request: Request[Any, Any, Any],
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> Response[str]:
    csrf = ScopeState.from_scope(request.scope).csrf_token
    csrf_token = csrf if isinstance(csrf, str) else ""
    # Set here too: the router's own 404s never pass through the locale middleware.
    locale = locale_for(request)
    current_locale.set(locale)
    session = request.session if "session" in request.scope else {}
    scan = session.get(SCAN)
    policy = policy_of(request)
    ctx = {
        "request": request,
        "csrf_token": csrf_token,
        "csrf_input": Markup('<input type="hidden" name="_csrf_token" value="{}">').format(
            csrf_token
        ),
        "locale": locale,
        "html_lang": HTML_LANG[locale],
        "errors": FormErrors(),
        "values": {},
        "fragment": is_htmx(request),
        "layout": "fragment.html" if is_htmx(request) else "layout.html",
        "policy": policy,
        "signed_in": "account_id" in session,
        # A limited session signed in by scanning (its banner), and its own idle limit.
        "scan_session": scan if isinstance(scan, dict) else None,
        "kiosk_mode": isinstance(scan, dict) and bool(scan.get("kiosk")),
        "idle_seconds": session.get(IDLE) or policy.session_idle_minutes * 60,
        "idle_warning_seconds": policy.kiosk_idle_warning_seconds
        if session.get(IDLE)
        else IDLE_WARNING_SECONDS,
        **(context or {}),
    }
    headers: dict[str, str] = {"vary": "HX-Request, Accept-Language, Cookie"}
    if ctx["fragment"]:
        # The address bar shows what a full page load would: path and query.
        query = request.url.query
        where = f"{request.url.path}?{query}" if query else request.url.path
        headers["hx-push-url"] = where if request.method == "GET" else "false"
    body = jinja_envs[locale].get_template(template).render(ctx)
    return Response(body, media_type=MediaType.HTML, status_code=status, headers=headers)


def see_other(path: str) -> Redirect:
    return Redirect(path, status_code=303)


NEXT_MAX = 200


def safe_next(value: str | None, default: str = "/") -> str:
    """Only local paths, so `next` cannot send anyone to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value[:NEXT_MAX]
    return default


def page_address(request: Request[Any, Any, Any]) -> str:
    """The page shown, with its query (the filters chosen), to come back to; the path alone
    when the query is too long to be kept whole."""
    path, query = request.url.path, request.url.query
    full = f"{path}?{query}" if query else path
    return full if len(full) <= NEXT_MAX else path


set_template_global("page_address", page_address)


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


async def refuse(connection: ASGIConnection[Any, Any, Any, Any], refusal: Exception) -> NoReturn:
    """Raise a guard's refusal, first closing the uploaded files of a form already read (the
    CSRF check reads a form to find its token): Litestar closes them once the handler is done,
    but not when a guard refuses, and their temporary files would stay open until collected."""
    form = ScopeState.from_scope(connection.scope).form
    if form is not Empty:
        await FormMultiDict.from_form_data(form).close()
    raise refusal

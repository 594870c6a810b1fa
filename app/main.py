"""create_app(): plugins, middleware, stores, routes; nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
    SQLAlchemyPlugin,
)
from litestar import Litestar, Request, Response
from litestar.app import DEFAULT_OPENAPI_CONFIG
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import (
    ClientException,
    HTTPException,
    InternalServerException,
    NotFoundException,
)
from litestar.plugins.htmx import HTMXPlugin
from redis.asyncio import Redis

from app.adapters import hashing
from app.adapters.assets import Assets
from app.adapters.assets import build as build_assets
from app.adapters.background import Background
from app.adapters.cities import Cities
from app.adapters.document_store import DocumentStore
from app.adapters.face_matcher import FaceMatcher
from app.adapters.job_queue import JobQueue
from app.adapters.payments import SandboxProvider, http_clients, sandbox_secret
from app.adapters.portraits import FilePortraits
from app.adapters.redis_counters import RedisCounters
from app.adapters.redis_sessions import RedisSessions
from app.adapters.session_files import SessionFiles
from app.config import ROOT, Settings, get_settings
from app.db import sqlite
from app.db.pii import PiiCipher
from app.db.reads import reads_for
from app.heap import settle_heap
from app.jobs import face_jobs, resume
from app.routes.account import AccountController, PinSetupController
from app.routes.account_security import PasswordController, SessionsController
from app.routes.affinity import AffinityController
from app.routes.affinity_wizard import AffinityWizardController
from app.routes.auth import AuthController
from app.routes.benefits import BenefitsController
from app.routes.card import CardController
from app.routes.certification import CertificationController
from app.routes.compression import WholeBodyBrotli
from app.routes.conversion import ConversionConfirmController, ConversionController
from app.routes.conversion_apply import (
    MemberConversionApplyController,
    OwnConversionApplyController,
)
from app.routes.counter import CounterController
from app.routes.deps import (
    PinSetupRequired,
    background_uow_factory,
    close_database,
    provide_uow,
    start_maintenance,
    start_payment_rounds,
    stop_maintenance,
    stop_payment_rounds,
)
from app.routes.ecard import SubjectCardController
from app.routes.family import FamilyController, SubjectHomeController
from app.routes.i18n import LocaleMiddleware
from app.routes.insurance import InsuranceController
from app.routes.kiosk import KioskController, is_kiosk
from app.routes.password_reset import PasswordResetController
from app.routes.payment_notify import payment_notice
from app.routes.payments import (
    FlexiblePaymentController,
    PaymentController,
    PaymentsOffline,
    PensionPaymentController,
    payments_offline,
)
from app.routes.pension import PensionController
from app.routes.pin_reset import PinResetController
from app.routes.request_log import (
    install_log_filters,
    log_server_error,
    request_id,
    request_id_middleware,
)
from app.routes.sandbox_gateway import SandboxGatewayController
from app.routes.scan_login import ScanLoginController
from app.routes.scan_phone import ScanPhoneController
from app.routes.scan_scope import NotInThisSession, home_of, limited_session_guard
from app.routes.security import RotatingSessionConfig, security_headers
from app.routes.sessions import SignInRequired
from app.routes.staff import StaffAuthController, StaffQueueController, StaffSignInRequired
from app.routes.staff_funds import StaffFundsController
from app.routes.staff_transfers import StaffTransferController
from app.routes.static_files import static_route
from app.routes.step_up import StepUpRequired
from app.routes.subject import subject_controllers
from app.routes.system import accessibility, healthz, set_language
from app.routes.transfer_apply import (
    MemberTransferApplyController,
    OwnTransferApplyController,
)
from app.routes.transfers import TransferController
from app.routes.verify import VerifyController
from app.routes.web import configure_templates, is_htmx, page, see_other, set_template_global
from app.services.my_bindings import NotYours
from app.services.sandbox_gateway import Gateway

LOCAL_SITE = "http://localhost"  # the portal's address in-process (any host reaches the app)

# Regular expressions searched in the path: anchored, or /affinity/add/healthz would match too.
UNSESSIONED = ["^/static/", "^/healthz$", "^/payments/notify/", "^/sandbox-pay/"]
# Requests from a payment provider's server carry its signature, not a CSRF token.
PROVIDER_CALLS = ["^/payments/notify/", "^/sandbox-pay/api/"]
# The same pages for the holder (/my/...) and for an active member (/family/{binding_id}/...).
SUBJECT_PAGES = [
    SubjectHomeController,
    SubjectCardController,
    BenefitsController,
    CertificationController,
    PensionController,
    TransferController,
    ConversionController,
    ConversionConfirmController,
    PaymentController,
    PensionPaymentController,
    FlexiblePaymentController,
    InsuranceController,
]


def _sessions_store(settings: Settings, redis: Redis | None) -> RedisSessions | SessionFiles:
    if redis is not None:
        return RedisSessions(redis, namespace=f"{settings.redis_namespace}:sessions")
    return SessionFiles(Path(settings.state_dir) / "sessions")


# Pages as the browser receives them: brotli for browsers that take it (all current ones),
# gzip level 6 for the rest (half of level 9's time, a few bytes larger). Brotli's 256 KB
# window holds any page; the default 4 MB one costs its allocation on every response.
COMPRESSION = CompressionConfig(
    backend="brotli",
    brotli_quality=5,
    brotli_lgwin=18,
    brotli_gzip_fallback=True,
    gzip_compress_level=6,
    minimum_size=500,
    exclude_opt_key="static",  # compressed once, ahead of time (app/adapters/assets.py)
)
COMPRESSION.compression_facade = WholeBodyBrotli  # set after the config picks its own


def db_config(settings: Settings) -> SQLAlchemyAsyncConfig:
    # A pool as large as the expected concurrency, so busy moments reuse connections
    # instead of opening and closing overflow ones (on SQLite each one is also a thread).
    engine = (
        EngineConfig(pool_size=20, max_overflow=10)
        if "postgresql" in settings.database_url
        # SQLite: the session has already rolled back when it returns its connection, so the
        # pool's own reset would be a second round trip to aiosqlite's thread per request.
        else EngineConfig(pool_size=20, max_overflow=10, pool_reset_on_return=None)  # type: ignore[arg-type]  # SQLAlchemy accepts None
    )
    config = SQLAlchemyAsyncConfig(
        connection_string=settings.database_url,
        engine_config=engine,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        alembic_config=AlembicAsyncConfig(
            script_location=str(ROOT / "migrations"),
            script_config=str(ROOT / "alembic.ini"),
            render_as_batch=True,
        ),
        create_all=False,
    )
    sqlite.tune(config.get_engine())  # WAL and a busy timeout; nothing on PostgreSQL
    return config


def _session_config(settings: Settings) -> RotatingSessionConfig:
    prod = settings.is_production
    return RotatingSessionConfig(
        key="__Host-session" if prod else "session",
        store="sessions",
        max_age=settings.policy.session_absolute_hours * 3600,
        httponly=True,
        secure=prod,
        samesite="lax",
        exclude=UNSESSIONED,
    )


def _csrf_config(settings: Settings) -> CSRFConfig:
    prod = settings.is_production
    return CSRFConfig(
        secret=settings.secret_key,
        cookie_name="__Host-csrftoken" if prod else "csrftoken",
        cookie_secure=prod,
        cookie_httponly=True,
        cookie_samesite="lax",
        header_name="x-csrftoken",
        exclude=[*UNSESSIONED[:2], *PROVIDER_CALLS],
    )


def _redirect(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """For HTMX, a full-page redirect: the header and menu must change too, not just <main>."""
    if is_htmx(request):
        return Response(None, status_code=204, headers={"hx-redirect": path})
    return see_other(path)


def _sign_in_redirect(request: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    if isinstance(exc, StaffSignInRequired):
        return _redirect(request, "/staff/login")
    if is_kiosk(request):  # a self-service machine starts again for the next person
        return _redirect(request, "/kiosk?ended=timed_out" if exc.reason == "expired" else "/kiosk")
    target = _return_to(request)
    query = {"expired": "1"} if exc.reason == "expired" else {}
    if target != "/":
        query["next"] = target
    return _redirect(request, f"/login?{urlencode(query, safe='/')}" if query else "/login")


def _return_to(request: Request[Any, Any, Any]) -> str:
    """Where to come back after signing in again: the page asked for, or for a form sent
    after the session ended, the page it was sent from (a wizard's answers wait in its draft)."""
    if request.method == "GET":
        query = request.url.query
        return f"{request.url.path}?{query}" if query else request.url.path
    sent_from = urlsplit(request.headers.get("referer", ""))
    if sent_from.netloc == request.url.netloc and sent_from.path.startswith("/"):
        return f"{sent_from.path}?{sent_from.query}" if sent_from.query else sent_from.path
    return "/"


def _not_in_this_session(request: Request[Any, Any, Any], exc: NotInThisSession) -> Response[Any]:
    """A limited session (scan login) asked for what it may not do: the way back to its pages."""
    context = {"home": home_of(request.session)}
    return page(request, "pages/scan/not_here.html", context, status=403)


def _pin_setup_redirect(request: Request[Any, Any, Any], exc: PinSetupRequired) -> Response[Any]:
    return _redirect(request, "/pin/set")


def _step_up_redirect(request: Request[Any, Any, Any], exc: StepUpRequired) -> Response[Any]:
    return _redirect(request, exc.pin_page)


async def _start_jobs(app: Litestar) -> None:
    """Start the face-matching queue and give it every check still pending (a restart resumes)."""
    jobs: JobQueue = app.state.jobs
    await jobs.start()
    await resume(jobs, background_uow_factory(app.state))


async def _stop_jobs(app: Litestar) -> None:
    jobs: JobQueue = app.state.jobs
    await jobs.stop()


def _error_page(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    reference = None
    if exc.status_code >= 500:
        reference = request_id.get() if isinstance(exc, _Logged) else log_server_error(request, exc)
    if request.headers.get("accept", "").startswith("application/json") and not is_htmx(request):
        return Response(
            {"status_code": exc.status_code, "detail": exc.detail}, status_code=exc.status_code
        )
    context = {"status": exc.status_code, "reference": reference}
    return page(request, "pages/error.html", context, status=exc.status_code)


def _not_found(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Another holder's binding, or none: a 404, never a 403 that confirms the id exists."""
    return _error_page(request, NotFoundException())


def _server_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Anything unexpected: logged with its traceback and request id, then the error page."""
    log_server_error(request, exc)
    return _error_page(request, _Logged())


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """JSON nested deeper than the decoder goes is the sender's fault: 400, not 500."""
    if request.headers.get("content-type", "").startswith("application/json"):
        return _error_page(request, ClientException("The request body is nested too deeply."))
    return _server_error(request, exc)


class _Logged(InternalServerException):
    """A 500 whose cause has been logged already."""


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    hashing.configure(settings.argon2_profile)
    configure_templates(reload=not settings.is_production)
    install_log_filters()
    Path(settings.upload_dir).mkdir(parents=True, exist_ok=True)
    database = db_config(settings)
    policy = settings.policy
    matcher = FaceMatcher(
        workers=policy.face_workers,
        max_side=policy.face_max_side_pixels,
        min_face=policy.face_min_face_pixels,
    )
    # One Redis client, when there is Redis, for the sessions and the limits' counters.
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    counters = RedisCounters(redis, f"{settings.redis_namespace}:limits") if redis else None
    sessions = _sessions_store(settings, redis)
    reads = reads_for(database.get_engine())
    assets = Assets(build_assets(ROOT / "static", ROOT / "var" / "static-build"))
    set_template_global("asset", assets.url)
    state = State(
        {
            "database": database,
            "matcher": matcher,
            "settings": settings,
            "cipher": PiiCipher(settings.secret_key),
            "counters": counters,
            "documents": DocumentStore(settings.upload_dir),
            "reads": reads,
            "cities": Cities(settings.geoip_city_db),
            "make_session": database.create_session_maker(),
            "portraits": FilePortraits(settings.portrait_dir),
        }
    )
    _payments(state, settings)
    state.jobs = face_jobs(
        settings,
        background_uow_factory(state),
        state.documents,
        state.portraits,
        matcher,
        run_here=settings.jobs_in_process or not settings.redis_url,
    )
    app = Litestar(
        route_handlers=[
            AuthController,
            ScanLoginController,
            ScanPhoneController,
            KioskController,
            CardController,
            AffinityController,
            AffinityWizardController,
            OwnTransferApplyController,
            MemberTransferApplyController,
            OwnConversionApplyController,
            MemberConversionApplyController,
            VerifyController,
            StaffAuthController,
            StaffQueueController,
            StaffTransferController,
            StaffFundsController,
            CounterController,
            FamilyController,
            *subject_controllers(SUBJECT_PAGES),
            AccountController,
            PasswordController,
            SessionsController,
            PinSetupController,
            PinResetController,
            PasswordResetController,
            payment_notice,
            *([SandboxGatewayController] if settings.serves_sandbox_gateway else []),
            healthz,
            accessibility,
            set_language,
            static_route(assets),
        ],
        dependencies={"uow": Provide(provide_uow)},
        guards=[limited_session_guard],
        plugins=[SQLAlchemyPlugin(config=database), HTMXPlugin()],
        on_startup=[start_maintenance, _start_jobs, start_payment_rounds, settle_heap],
        on_shutdown=[
            stop_payment_rounds,
            stop_maintenance,
            _stop_jobs,
            close_database,
            reads.close,
            lambda: matcher.close(),
            state.cities.close,
            *([sessions.close] if isinstance(sessions, RedisSessions) else []),
            *([redis.aclose] if redis is not None else []),
        ],
        middleware=[
            request_id_middleware,
            LocaleMiddleware,
            _session_config(settings).middleware,
        ],
        before_send=[security_headers(hsts=settings.is_production)],
        csrf_config=_csrf_config(settings),
        compression_config=COMPRESSION,
        stores={"sessions": sessions},
        state=state,
        exception_handlers={
            SignInRequired: _sign_in_redirect,
            NotInThisSession: _not_in_this_session,
            PinSetupRequired: _pin_setup_redirect,
            PaymentsOffline: payments_offline,
            StepUpRequired: _step_up_redirect,
            NotFoundException: _error_page,
            NotYours: _not_found,
            HTTPException: _error_page,
            RecursionError: _too_deep,
            Exception: _server_error,
        },
        # The API schema is for development; production does not publish it.
        openapi_config=None if settings.is_production else DEFAULT_OPENAPI_CONFIG,
        debug=False,
    )
    state.app = app  # the sandbox gateway and the portal reach each other through it in-process
    return app


def _payments(state: State, settings: Settings) -> None:
    """The payment provider (the sandbox gateway's client) and the gateway itself, which share
    a secret and reach each other over HTTP, or in-process through the application."""
    secret = sandbox_secret(settings.secret_key, settings.payment_sandbox_secret)
    clients = http_clients(settings.payment_site_url, lambda: state.app)
    merchant = settings.payment_merchant_id
    state.payment_provider = SandboxProvider(merchant, secret, clients)  # the portal's client
    state.sandbox_gateway = (
        Gateway(
            secret,
            frozenset({merchant}),
            clients,
            extra_copies=settings.payment_sandbox_extra_notifications,
        )
        if settings.serves_sandbox_gateway
        else None
    )
    state.payment_site = settings.payment_site_url.rstrip("/") or LOCAL_SITE
    state.background = Background()

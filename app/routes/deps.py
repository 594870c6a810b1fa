"""Dependencies resolved once per request: the unit of work, the signed-in holder."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar import Litestar, Request
from litestar.datastructures import State
from litestar.di import NamedDependency

from app.adapters.background import Background
from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.payments import PaymentProvider
from app.adapters.portraits import PortraitSource
from app.config import Settings
from app.domain.origin import Origin
from app.domain.views import Holder
from app.routes import sessions
from app.routes.sessions import SessionExpired, SignInRequired
from app.routes.web import client_ip
from app.services import (
    account_security,
    accounts,
    maintenance,
    payment_rounds,
    sandbox_gateway,
)
from app.services.auth_core import RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import Counters, Limits, limits_for
from app.services.sandbox_gateway import Gateway

ACCOUNT = "account_id"  # the session key of a signed-in holder
SIGNED_IN = "sid"  # and of their sign-in's row (account_security), which ending it ends


class PinSetupRequired(Exception):
    pass


def settings_of(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


async def provide_uow(request: Request[Any, Any, Any]) -> AsyncGenerator[UnitOfWork, None]:
    """The request's one unit of work: committed once the handler has made its response, rolled
    back if it raised (routes and services never commit it themselves). A request whose reads
    all went outside the transaction (app/db/reads.py) never opens its session, and so has
    nothing to commit or close.

    The app's state is read from the request: a `state` parameter would have Litestar copy it
    (a new State and its lock) for every request."""
    state = request.app.state
    origin = Origin.of(client_ip(request), request.headers.get("user-agent", ""))
    uow = UnitOfWork(
        make_db=state.make_session,
        cipher=state.cipher,
        policy=settings_of(state).policy,
        origin=origin,
        reads=state.reads,
    )
    try:
        yield uow
    except BaseException:
        await uow.rollback()
        await uow.close()
        raise
    if uow.in_transaction() or uow.has_after_commit:
        try:
            await uow.commit()
        finally:
            await uow.close()
    else:
        await uow.close()  # opened for a read that ended its own transaction, or not at all


async def provide_limits(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> Limits:
    shared: Counters | None = request.app.state.counters  # Redis's, when REDIS_URL is set
    return limits_for(uow, shared)


async def provide_rp(request: Request[Any, Any, Any]) -> RelyingParty:
    s = settings_of(request.app.state)
    return RelyingParty(
        rp_id=s.webauthn_rp_id, rp_name=s.webauthn_rp_name, origin=s.webauthn_origin
    )


async def start_session(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account_id: UUID,
    *,
    by_password: bool,
    **extra: Any,
) -> None:
    """`extra`: more of the new session (a scan login's limits, a kiosk's idle limit)."""
    now = utcnow()
    sid = await account_security.begin(uow, account_id, now)
    sessions.start(
        request,
        **{
            ACCOUNT: str(account_id),
            SIGNED_IN: str(sid),
            "password_at": now.timestamp() if by_password else 0,
            **extra,
        },
    )


def signed_in_session(request: Request[Any, Any, Any]) -> UUID | None:
    """The id of this session's sign-in row, if signed in."""
    raw = request.session.get(SIGNED_IN)
    return UUID(str(raw)) if raw else None


async def load_account(request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]) -> Holder:
    """The signed-in holder, with their person and card in one query, while their sign-in has
    not been ended; or SignInRequired (idle 15 min, or 12 h since sign-in, ends it)."""
    now = utcnow()
    seen_before = request.session.get(sessions.SEEN)
    try:
        account_id = sessions.signed_in(request, ACCOUNT, uow.policy, now)
    except SessionExpired:
        raise SignInRequired("expired") from None
    sid = signed_in_session(request)
    if account_id is None or sid is None:
        raise SignInRequired
    account = await accounts.holder(uow, account_id, sid)  # None once the session is ended
    if account is None:
        request.clear_session()
        raise SignInRequired
    if request.session.get(sessions.SEEN) != seen_before:  # as often as the session notes it
        await account_security.seen(uow, sid, now)
    return account


async def provide_account(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> Holder:
    """For every page of a signed-in holder: a holder without a PIN sets one first."""
    account = await load_account(request, uow)
    if not account.has_pin:
        raise PinSetupRequired
    return account


async def provide_account_without_pin(
    request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]
) -> Holder:
    return await load_account(request, uow)


def background_uow_factory(state: State) -> Callable[[], UnitOfWork]:
    """Units of work for tasks that outlive the request (face matching)."""
    database: SQLAlchemyAsyncConfig = state.database
    make_session = database.create_session_maker()
    cipher = state.cipher

    def new_uow() -> UnitOfWork:  # the settings as they are when the task runs
        return UnitOfWork(db=make_session(), cipher=cipher, policy=settings_of(state).policy)

    return new_uow


async def provide_store(request: Request[Any, Any, Any]) -> DocumentStore:
    store: DocumentStore = request.app.state.documents
    return store


async def provide_portraits(request: Request[Any, Any, Any]) -> PortraitSource:
    portraits: PortraitSource = request.app.state.portraits
    return portraits


def start_maintenance(app: Litestar) -> None:
    """Clear out expired drafts, bindings, selfies, credentials and (in the embedded set-up,
    where nothing else forgets them) session files on a timer."""
    interval = settings_of(app.state).policy.maintenance_interval_seconds
    if interval > 0:
        sessions_store = app.stores.get("sessions")
        sweep = getattr(sessions_store, "delete_expired", None)  # Redis forgets by itself
        stopping = asyncio.Event()
        work = maintenance.keep_tidy(
            background_uow_factory(app.state), app.state.documents, interval, stopping, sweep=sweep
        )
        app.state.maintenance = (asyncio.create_task(work), stopping)


async def stop_maintenance(app: Litestar) -> None:
    """Let a round in progress finish before the database closes."""
    running: tuple[asyncio.Task[None], asyncio.Event] | None = getattr(
        app.state, "maintenance", None
    )
    if running is not None:
        task, stopping = running
        stopping.set()
        await task


async def close_database(app: Litestar) -> None:
    """Close the pooled connections. advanced-alchemy does so only for the first database
    config made in a process: it renames the state key of later ones, then looks for the
    original name. Disposing twice is harmless."""
    database: SQLAlchemyAsyncConfig = app.state.database
    await database.get_engine().dispose()


# --- payments ----------------------------------------------------------------------------


def payment_uow_factory(app: Litestar) -> Callable[[], UnitOfWork]:
    factory: Callable[[], UnitOfWork] = app.state.new_uow
    return factory


def refund_soon(app: Litestar, uow: UnitOfWork) -> None:
    """Once this request has committed, refund what is due (without holding up the answer)."""
    background: Background = app.state.background
    provider: PaymentProvider = app.state.payment_provider
    new_uow = payment_uow_factory(app)

    async def start() -> None:
        background.start(lambda: payment_rounds.refund_due(new_uow, provider, utcnow()))

    uow.after_commit(start)


def deliver_soon(app: Litestar, uow: UnitOfWork) -> None:
    """Once the sandbox gateway has committed a payment, send its notification."""
    background: Background = app.state.background
    gateway: Gateway = app.state.sandbox_gateway
    new_uow = payment_uow_factory(app)

    async def start() -> None:
        background.start(lambda: sandbox_gateway.deliver_due(new_uow, gateway, utcnow()))

    uow.after_commit(start)


def start_payment_rounds(app: Litestar) -> None:
    """Ask the provider about unconfirmed payments, expire the stale, refund what is due, and
    (the sandbox gateway) deliver due notifications, on a timer."""
    app.state.new_uow = background_uow_factory(app.state)
    interval = settings_of(app.state).policy.payment_query_interval_seconds
    if interval > 0:
        gateway: Gateway | None = app.state.sandbox_gateway  # None: not served here
        new_uow = payment_uow_factory(app)
        stopping = asyncio.Event()
        work = payment_rounds.keep_confirming(
            new_uow,
            app.state.payment_provider,
            interval,
            stopping,
            also=None
            if gateway is None
            else lambda now: sandbox_gateway.deliver_due(new_uow, gateway, now),
        )
        app.state.payment_rounds = (asyncio.create_task(work), stopping)


async def stop_payment_rounds(app: Litestar) -> None:
    running: tuple[asyncio.Task[None], asyncio.Event] | None = getattr(
        app.state, "payment_rounds", None
    )
    if running is not None:
        task, stopping = running
        stopping.set()
        await task
    background: Background = app.state.background
    await background.drain()

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
from sqlalchemy.ext.asyncio import AsyncSession

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.views import Holder
from app.routes import sessions
from app.routes.sessions import SessionExpired, SignInRequired
from app.services import accounts, maintenance
from app.services.auth_core import RelyingParty
from app.services.context import UnitOfWork
from app.services.limits import Counters, Limits, limits_for

ACCOUNT = "account_id"  # the session key of a signed-in holder


class PinSetupRequired(Exception):
    pass


def settings_of(state: State) -> Settings:
    settings: Settings = state.settings
    return settings


async def provide_uow(
    db_session: NamedDependency[AsyncSession], state: State
) -> AsyncGenerator[UnitOfWork, None]:
    """The request's one unit of work: committed once the handler has made its response, rolled
    back if it raised (routes and services never commit it themselves)."""
    uow = UnitOfWork(
        db=db_session, cipher=state.cipher, policy=settings_of(state).policy, reads=state.reads
    )
    try:
        yield uow
    except BaseException:
        await uow.rollback()
        raise
    await uow.commit()


async def provide_limits(state: State, uow: NamedDependency[UnitOfWork]) -> Limits:
    shared: Counters | None = state.counters  # Redis's, when REDIS_URL is set
    return limits_for(uow, shared)


async def provide_rp(state: State) -> RelyingParty:
    s = settings_of(state)
    return RelyingParty(
        rp_id=s.webauthn_rp_id, rp_name=s.webauthn_rp_name, origin=s.webauthn_origin
    )


def start_session(request: Request[Any, Any, Any], account_id: UUID, *, by_password: bool) -> None:
    now = utcnow().timestamp()
    sessions.start(request, **{ACCOUNT: str(account_id), "password_at": now if by_password else 0})


async def load_account(request: Request[Any, Any, Any], uow: NamedDependency[UnitOfWork]) -> Holder:
    """The signed-in holder, with their person and card in one query, or SignInRequired
    (idle 15 min, or 12 h since sign-in, ends it)."""
    try:
        account_id = sessions.signed_in(request, ACCOUNT, uow.policy, utcnow())
    except SessionExpired:
        raise SignInRequired("expired") from None
    if account_id is None:
        raise SignInRequired
    account = await accounts.holder(uow, account_id)
    if account is None:
        request.clear_session()
        raise SignInRequired
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


async def provide_store(state: State) -> DocumentStore:
    store: DocumentStore = state.documents
    return store


def start_maintenance(app: Litestar) -> None:
    """Clear out expired drafts, bindings, selfies and credentials on a timer."""
    interval = settings_of(app.state).policy.maintenance_interval_seconds
    if interval > 0:
        work = maintenance.keep_tidy(
            background_uow_factory(app.state), app.state.documents, interval
        )
        app.state.maintenance = asyncio.create_task(work)


async def stop_maintenance(app: Litestar) -> None:
    task: asyncio.Task[None] | None = getattr(app.state, "maintenance", None)
    if task is not None:
        task.cancel()


async def close_database(app: Litestar) -> None:
    """Close the pooled connections. advanced-alchemy does so only for the first database
    config made in a process: it renames the state key of later ones, then looks for the
    original name. Disposing twice is harmless."""
    database: SQLAlchemyAsyncConfig = app.state.database
    await database.get_engine().dispose()

"""The subject of a page, resolved once: `/my/...` is the holder, `/family/{binding_id}/...`
an active member of theirs. The same controllers are mounted under both."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from litestar import Router
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.types import ControllerRouterHandler

from app.domain.views import Holder
from app.routes.deps import provide_account
from app.services import subject as subjects
from app.services.context import UnitOfWork
from app.services.subject import Subject


async def provide_own_subject(account: NamedDependency[Holder]) -> Subject:
    return subjects.own(account)


async def provide_member_subject(
    binding_id: FromPath[UUID],
    account: NamedDependency[Holder],
    uow: NamedDependency[UnitOfWork],
) -> Subject:
    """404, never 403: the answer must not confirm that the binding exists."""
    try:
        return await subjects.member(uow, account, binding_id)
    except subjects.NoSuchSubject:
        raise NotFoundException from None


def subject_routers(handlers: Sequence[ControllerRouterHandler]) -> list[Router]:
    return [
        Router(
            "/my",
            route_handlers=list(handlers),
            dependencies={
                "account": Provide(provide_account),
                "subject": Provide(provide_own_subject),
            },
        ),
        Router(
            "/family/{binding_id:uuid}",
            route_handlers=list(handlers),
            dependencies={
                "account": Provide(provide_account),
                "subject": Provide(provide_member_subject),
            },
        ),
    ]

"""The subject of a page, resolved once: `/my/...` is the holder, `/family/{binding_id}/...`
an active member of theirs. The same controllers are mounted under both."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from litestar import Controller
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.types import Dependencies
from litestar.utils import join_paths

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
    return await subject_at(uow, account, binding_id)


async def subject_at(uow: UnitOfWork, account: Holder, binding_id: UUID | None) -> Subject:
    """Whose page it is: the holder's own under /my (no binding), else the active member of
    the binding under /family/{binding_id}; 404, never 403, so the answer does not confirm
    that the binding exists."""
    if binding_id is None:
        return subjects.own(account)
    try:
        return await subjects.member(uow, account, binding_id)
    except subjects.NoSuchSubject:
        raise NotFoundException from None


_MOUNTS = {
    "/my": {"account": Provide(provide_account), "subject": Provide(provide_own_subject)},
    "/family/{binding_id:uuid}": {
        "account": Provide(provide_account),
        "subject": Provide(provide_member_subject),
    },
}


def subject_controllers(controllers: Sequence[type[Controller]]) -> list[type[Controller]]:
    """Each controller under both mounts, as a subclass with the mount's path and subject.

    Not two Routers: Litestar deep-copies a Router as it registers it, with all that has been
    registered on it, which took nearly half the time of building the app. A controller class
    is registered without copying."""
    return [
        _mounted(controller, prefix, dependencies)
        for prefix, dependencies in _MOUNTS.items()
        for controller in controllers
    ]


def _mounted(
    controller: type[Controller], prefix: str, dependencies: Dependencies
) -> type[Controller]:
    # Class attributes where the controller declares them; Controller's slots otherwise.
    path = getattr(controller, "path")  # noqa: B009
    own = getattr(controller, "dependencies")  # noqa: B009
    return type(
        controller.__name__,
        (controller,),
        {
            "path": join_paths([prefix, path if isinstance(path, str) else "/"]),
            # The controller's own dependencies win, as they did over a router's.
            "dependencies": {**dependencies, **(own if isinstance(own, dict) else {})},
        },
    )

"""The holder's e-card, card details, card-face services, and the affinity services list."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide

from app.domain.views import Holder
from app.routes.deps import provide_account
from app.routes.web import page
from app.services import people
from app.services import subject as subjects
from app.services.context import UnitOfWork


async def _card_context(uow: UnitOfWork, account: Holder) -> dict[str, Any]:
    person = account.person
    return {
        "person": person,
        "masked_id": people.masked(uow, person),
        "card": person.card,
    }


class CardController(Controller):
    dependencies = {"account": Provide(provide_account)}

    @get("/")
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        """The service hub: the e-card, whom the holder may act for, and their services."""
        context = await _card_context(uow, account)
        context["subject"] = subjects.own(account)
        context["members"] = await subjects.active_members(uow, account)
        return page(request, "pages/card/home.html", context)

    @get("/card")
    async def details(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        return page(request, "pages/card/details.html", await _card_context(uow, account))

    @get("/card/services")
    async def services(
        self, request: Request[Any, Any, Any], account: NamedDependency[Holder]
    ) -> Response[str]:
        return page(request, "pages/card/services.html")

"""The family dashboard (the holder and each active member, with what needs doing) and each
subject's own services page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide

from app.adapters.clock import utcnow
from app.domain.views import Holder
from app.routes.deps import provide_account
from app.routes.scan_scope import VIEW
from app.routes.web import page
from app.services import dashboard, insurance
from app.services.context import UnitOfWork
from app.services.subject import Subject, active_members


class FamilyController(Controller):
    path = "/family"
    dependencies = {"account": Provide(provide_account)}

    @get("/")
    async def overview(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        now = utcnow()
        rows = await dashboard.family(uow, account, now)
        matrix = await insurance.family(uow, account, now)
        return page(request, "pages/subject/family.html", {"rows": rows, "matrix": matrix})


class SubjectHomeController(Controller):
    """/my and /family/{binding_id}: what can be done for this person."""

    @get("/", opt=VIEW)
    async def home(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        row = await dashboard.for_subject(uow, subject, utcnow(), audit=True)
        members = await active_members(uow, account)
        context = {"subject": subject, "row": row, "members": members}
        return page(request, "pages/subject/home.html", context)

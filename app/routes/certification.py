"""Eligibility certification (待遇资格认证) under /my and /family/{binding_id}: the state of the
yearly cycle and, for a member, face recognition on this phone or through a hand-off code."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.portraits import PortraitSource
from app.routes.deps import provide_portraits, provide_store
from app.routes.face_check import (
    HelperSelfieForm,
    OwnSelfieForm,
    handoff_shown,
    keep_handoff,
    start_face_check,
)
from app.routes.flow import MAX_UPLOAD_FIELD
from app.routes.i18n import format_moment
from app.routes.messages import photo_problem_message
from app.routes.scan_scope import CERTIFY, VIEW
from app.routes.web import FormErrors, page, see_other
from app.services import certification as service
from app.services import face as face_service
from app.services.context import UnitOfWork
from app.services.subject import Subject

# Automatic polls of a check's status are not page views: they are not audited one by one.
_POLL = "poll"


def _moment(value: datetime | None) -> str | None:
    return format_moment(value) if value else None


async def _certification_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    subject: Subject,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    now = utcnow()
    state = request.app.state
    available = await service.reference_available(
        uow, state.documents, state.portraits, subject, now
    )
    info = await service.describe(uow, subject, now, has_reference=available)
    context = {
        "subject": subject,
        "info": info,
        "wait_until": _moment(info.wait_until),
        "errors": errors,
    }
    return page(request, "pages/subject/certification.html", context, status=status)


class CertificationController(Controller):
    path = "/certification"
    dependencies = {"store": Provide(provide_store), "portraits": Provide(provide_portraits)}

    @get("/", opt=VIEW)
    async def show(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        await service.view(uow, subject, utcnow())
        return await _certification_page(request, uow, subject, FormErrors())

    @post("/", request_max_body_size=MAX_UPLOAD_FIELD + 100_000, opt=CERTIFY)
    async def certify(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        store: NamedDependency[DocumentStore],
        portraits: NamedDependency[PortraitSource],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        """On this phone: consent, then the selfie (of the member, or of oneself once due);
        matching runs in the background."""
        base = f"{subject.base}/certification"
        errors = FormErrors()
        try:
            started = await start_face_check(
                request,
                uow,
                HelperSelfieForm if subject.acting_for else OwnSelfieForm,
                lambda selfie: service.start(uow, store, portraits, subject, selfie, utcnow()),
            )
        except service.NotCertifiable:
            return see_other(base)
        except face_service.CheckPending as running:  # its page says to wait for it
            return see_other(f"{base}/checks/{running.check_id}" if running.check_id else base)
        except (face_service.FaceWait, face_service.CertifyInPerson, face_service.NoReference):
            pass  # the page shows the wait or the way to certify in person
        else:
            if not isinstance(started, FormErrors):
                return see_other(f"{base}/checks/{started.id}")
            errors = started
        await service.view(uow, subject, utcnow(), page="form")
        return await _certification_page(request, uow, subject, errors, status=422)

    @get("/checks/{check_id:uuid}", opt=CERTIFY)
    async def check_status(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        store: NamedDependency[DocumentStore],
        subject: NamedDependency[Subject],
        check_id: FromPath[UUID],
    ) -> Response[str]:
        check = await service.check_of(uow, subject, check_id)
        if check is None:
            raise NotFoundException
        now = utcnow()
        if _POLL not in request.query_params:
            await service.view(uow, subject, now, page="check")
        info = await service.describe(uow, subject, now)
        context = {
            "subject": subject,
            "check": check,
            "info": info,
            "valid_until": service.valid_until_after(check),
            "resumed": check.reason == face_service.RESUMED,
            "problem": photo_problem_message(check.reason)
            if check.state == face_service.UNUSABLE and check.reason
            else None,
            "wait_until": _moment(info.wait_until),
        }
        return page(request, "pages/subject/certification_check.html", context)

    @post("/handoff")
    async def handoff_create(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        """ "Send a link": a new single-use code, kept in the session only to show it."""
        base = f"{subject.base}/certification"
        try:
            code = await service.handoff(uow, subject, utcnow())
        except (service.NotCertifiable, face_service.CertifyInPerson):
            return see_other(base)
        keep_handoff(request, base, code)
        return see_other(f"{base}/handoff")

    @get("/handoff")
    async def handoff_show(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[Any]:
        base = f"{subject.base}/certification"
        shown = handoff_shown(request, base, subject.person.name)
        if shown is None or not subject.acting_for:
            return see_other(base)
        await service.view(uow, subject, utcnow(), page="handoff")
        context = {"subject": subject, **shown}
        return page(request, "pages/subject/certification_handoff.html", context)

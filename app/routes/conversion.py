"""Urban–rural conversion pages of a subject (issue 13 point 8; 人社部发〔2014〕17号):

- {base}/transfers/conversion: which way the schemes would join and what moves, counts and is
  refunded, from the subject's own records, or the rule that refuses it; the way to apply
  (app/routes/conversion_apply.py);
- on a conversion's timeline ({base}/transfers/{id}, app/routes/transfers.py), while it awaits
  the person: on their own page the face check that confirms it, on a holder's the word that it
  waits for them; for both, withdrawing it;
- {base}/transfers/{id}/confirm (POST, the person's own pages only: a holder gets a 404) and
  the check's status page, {base}/transfers/{id}/checks/{check_id}.
"""

from __future__ import annotations

from contextlib import suppress
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
from app.routes.face_check import OwnSelfieForm, start_face_check
from app.routes.flow import MAX_UPLOAD_FIELD
from app.routes.i18n import format_moment
from app.routes.messages import photo_problem_message
from app.routes.transfer_labels import conversion_refusal_message
from app.routes.web import FormErrors, page, see_other
from app.services import face as face_service
from app.services import scheme_conversion as service
from app.services import transfer_timeline as timelines
from app.services.context import UnitOfWork
from app.services.subject import Subject
from app.services.transfer_timeline import TransferView

_POLL = "poll"  # a status page's own refreshes are not audited one by one


def _moment(value: datetime | None) -> str | None:
    return format_moment(value) if value else None


class ConversionController(Controller):
    path = "/transfers/conversion"

    @get("/")
    async def explain(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
    ) -> Response[str]:
        now = utcnow()
        found = await service.prospect(uow, subject, now.date())
        service.viewed(uow, subject, now, "explained")
        context = {
            "subject": subject,
            "prospect": found,
            "conversion": found.conversion,
            "refusal": conversion_refusal_message(found.refusal, found.retirement)
            if found.refusal
            else None,
        }
        return page(request, "pages/conversion/explain.html", context)


async def confirm_context(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    subject: Subject,
    transfer: TransferView,
    errors: FormErrors | None = None,
) -> dict[str, Any]:
    """What a conversion's timeline shows beyond a transfer's: its words, and while it awaits
    the person, their face check (their own page) or who it waits for (a holder's)."""
    context: dict[str, Any] = {}
    if not transfer.awaiting_member or subject.acting_for:
        return context
    attempts = await service.can_check_face(uow, request.app.state.portraits, subject, utcnow())
    policy = uow.policy
    wait = attempts.wait_until if attempts and attempts.waiting(utcnow()) else None
    context |= {
        "no_reference": attempts is None,
        "in_person": attempts is not None
        and attempts.needs_in_person(policy.face_failures_before_in_person),
        "wait_until": _moment(wait),
        "errors": errors or FormErrors(),
    }
    return context


class ConversionConfirmController(Controller):
    path = "/transfers/{transfer_id:uuid}"
    dependencies = {"store": Provide(provide_store), "portraits": Provide(provide_portraits)}

    @post("/confirm", request_max_body_size=MAX_UPLOAD_FIELD + 100_000)
    async def confirm(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        store: NamedDependency[DocumentStore],
        portraits: NamedDependency[PortraitSource],
        subject: NamedDependency[Subject],
        transfer_id: FromPath[UUID],
    ) -> Response[Any]:
        """The person's own consent and selfie; the match confirms the conversion."""
        if subject.acting_for:
            raise NotFoundException  # only the person confirms: a holder has no such page
        here = f"{subject.base}/transfers/{transfer_id}"
        errors = FormErrors()
        try:
            started = await start_face_check(
                request,
                uow,
                OwnSelfieForm,
                lambda selfie: service.start_confirmation(
                    uow, store, portraits, subject, transfer_id, selfie, utcnow()
                ),
            )
        except service.NotConfirmable:
            return see_other(here)
        except face_service.CheckPending as running:
            return see_other(f"{here}/checks/{running.check_id}" if running.check_id else here)
        except (face_service.FaceWait, face_service.CertifyInPerson, face_service.NoReference):
            pass  # the page shows the wait, or the way to confirm in person
        else:
            if not isinstance(started, FormErrors):
                return see_other(f"{here}/checks/{started.id}")
            errors = started
        transfer = await timelines.one(uow, subject, transfer_id, utcnow(), audit=False)
        if transfer is None:
            raise NotFoundException
        context = {
            "subject": subject,
            "transfer": transfer,
            "request_path": here,
            "poll_url": f"{here}?refresh=poll",
            **await confirm_context(request, uow, subject, transfer, errors),
        }
        return page(request, "pages/transfers/timeline.html", context, status=422)

    @get("/checks/{check_id:uuid}")
    async def check_status(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        transfer_id: FromPath[UUID],
        check_id: FromPath[UUID],
    ) -> Response[str]:
        check = await service.check_of(uow, subject, transfer_id, check_id)
        if check is None:
            raise NotFoundException
        polled = _POLL in request.query_params
        transfer = await timelines.one(uow, subject, transfer_id, utcnow(), audit=False)
        assert transfer is not None  # the check is of this person's conversion
        attempts = await service.can_check_face(uow, request.app.state.portraits, subject, utcnow())
        policy = uow.policy
        wait = attempts.wait_until if attempts and attempts.waiting(utcnow()) else None
        context = {
            "subject": subject,
            "check": check,
            "transfer": transfer,
            "polled": polled,
            "problem": photo_problem_message(check.reason)
            if check.state == face_service.UNUSABLE and check.reason
            else None,
            "wait_until": _moment(wait),
            "in_person": attempts is not None
            and attempts.needs_in_person(policy.face_failures_before_in_person),
            "tries_before_wait": attempts.tries_before_wait(policy.face_failures_before_wait)
            if attempts
            else 0,
        }
        return page(request, "pages/conversion/check.html", context)

    @post("/withdraw")
    async def withdraw(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        subject: NamedDependency[Subject],
        transfer_id: FromPath[UUID],
    ) -> Response[Any]:
        """The person, or a holder acting for them, withdraws it while it still awaits the
        person; otherwise (confirmed meanwhile, or not theirs) the timeline says how it is."""
        with suppress(service.NotConfirmable):
            await service.withdraw(uow, subject, transfer_id, utcnow())
        return see_other(f"{subject.base}/transfers/{transfer_id}")

"""One face check, wherever it is asked for (opening a binding, /verify on the member's own
phone, the yearly certification): the consent and selfie form, starting the check with its
errors next to the fields, and handing it to the matching queue. The status region is one
template macro (partials/face_check.html)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Protocol
from uuid import UUID

import msgspec
from litestar import Request

from app.adapters.images import ImageRejected
from app.adapters.job_queue import JobQueue
from app.domain.handoff import display_code
from app.routes import formspec as fs
from app.routes.flow import MAX_UPLOAD_FIELD, read_values
from app.routes.formspec import N_, parse_form
from app.routes.i18n import _
from app.routes.messages import image_message
from app.routes.qr import qr_svg
from app.routes.web import FormErrors
from app.services.context import UnitOfWork


class HelperSelfieForm(msgspec.Struct):
    """On the holder's phone: the holder photographs the family member."""

    consent: Annotated[
        str, fs.accept(missing=N_("Confirm that the family member agrees to face recognition"))
    ] = ""
    selfie: Annotated[
        bytes | None,
        fs.upload(
            MAX_UPLOAD_FIELD, missing=N_("Take or choose a photo of the family member's face")
        ),
    ] = None


class OwnSelfieForm(msgspec.Struct):
    """On the member's own phone (a hand-off code)."""

    consent: Annotated[str, fs.accept(missing=N_("Confirm that you agree to face recognition"))] = (
        ""
    )
    selfie: Annotated[
        bytes | None, fs.upload(MAX_UPLOAD_FIELD, missing=N_("Take or choose a photo of your face"))
    ] = None


SelfieForm = HelperSelfieForm | OwnSelfieForm


class Started(Protocol):
    """A check the use case has recorded: its status page is found by its id."""

    @property
    def id(self) -> UUID: ...


Start = Callable[[bytes], Awaitable[Started]]


def schedule_check(request: Request[Any, Any, Any], uow: UnitOfWork, check_id: UUID) -> None:
    """Hand the check to the face-matching queue (durable: see app/adapters/job_queue.py) once
    the request's work is committed: the job reads the check from the database."""
    jobs: JobQueue = request.app.state.jobs
    uow.after_commit(lambda: jobs.enqueue(check_id))


async def start_face_check(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    form: type[HelperSelfieForm] | type[OwnSelfieForm],
    start: Start,
) -> Started | FormErrors:
    """Read consent and selfie, start the check (`start` stores the selfie and records it) and
    queue it; or the form's errors. The use case's own refusals (a wait, in person only, a
    spent code) propagate to the caller, which knows what to say."""
    parsed = parse_form(form, await read_values(request))
    if parsed.form is None or parsed.form.selfie is None:
        return parsed.errors
    try:
        check = await start(parsed.form.selfie)
    except ImageRejected as rejected:
        errors = FormErrors()
        errors.add("selfie", image_message("selfie", rejected, uow.policy))
        return errors
    schedule_check(request, uow, check.id)
    return check


# ---- "Send a link": a hand-off code for the member's own phone ------------------------------

_HANDOFF = "handoff_shown"


def keep_handoff(request: Request[Any, Any, Any], owner: str, code: str) -> None:
    """A new code, kept in the session only to be shown on the next page (POST, then GET);
    `owner` is the page it was made for (a binding's or a certification's)."""
    request.session[_HANDOFF] = {"for": owner, "code": code}


def handoff_shown(request: Request[Any, Any, Any], owner: str, name: str) -> dict[str, Any] | None:
    """The code made for `owner`, its link and the link's QR code; None when there is none."""
    shown = request.session.get(_HANDOFF) or {}
    if shown.get("for") != owner:
        return None
    code = str(shown["code"])
    origin = request.app.state.settings.webauthn_origin.rstrip("/")
    link = f"{origin}/verify/{code}"
    label = _("QR code of the link for {name}").format(name=name)
    return {"code": display_code(code), "link": link, "qr": qr_svg(link, label)}

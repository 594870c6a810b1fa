"""Affinity services: the list, the add-member wizard (both ways in), the member page, unbinding."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from markupsafe import Markup

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.adapters.portraits import PortraitSource
from app.domain.affinity import (
    LIVE_STATES,
    BindingState,
)
from app.domain.in_person import display_reference
from app.domain.views import BindingDetail, Holder
from app.routes import step_up
from app.routes.deps import (
    provide_account,
    provide_portraits,
    provide_store,
)
from app.routes.face_check import (
    HelperSelfieForm,
    handoff_shown,
    keep_handoff,
    start_face_check,
)
from app.routes.flow import MAX_UPLOAD_FIELD
from app.routes.forms import read_form
from app.routes.i18n import _, format_moment, with_names
from app.routes.labels import relationship_label, state_label
from app.routes.messages import (
    photo_problem_message,
)
from app.routes.step_up import pin_page, requires_step_up
from app.routes.web import FormErrors, page, see_other
from app.services import affinity as service
from app.services import face as face_service
from app.services import my_bindings as mine
from app.services import people
from app.services.context import UnitOfWork

NAME_MAX = 50
UNBIND = "affinity.unbind"
UNBIND_PIN_PAGE = "/affinity/{binding_id}/unbind"


def _next_action(binding: BindingDetail) -> Markup:
    name = binding.member.name
    if binding.state == BindingState.DOCUMENTS_REVIEW.value:
        return with_names(
            _(
                "Staff of a social insurance service centre check the document that shows how you are related to {name}. Face recognition comes after that"
            ),
            name=name,
        )
    if binding.state == BindingState.AWAITING_FACE.value:
        return with_names(_("Ask {name} to complete face recognition"), name=name)
    if binding.state == BindingState.NEEDS_IN_PERSON.value:
        return with_names(
            _(
                "Staff at a social insurance service centre check {name} in person. Go there together with the slip and the documents it lists"
            ),
            name=name,
        )
    if binding.state == BindingState.ACTIVE.value:
        return with_names(_("You can act for {name}"), name=name)
    return with_names(_("Nothing to do. You can add {name} again if you need to"), name=name)


LABELS = {"relationship_label": relationship_label, "state_label": state_label}


class AffinityController(Controller):
    path = "/affinity"
    dependencies = {
        "account": Provide(provide_account),
        "store": Provide(provide_store),
        "portraits": Provide(provide_portraits),
    }

    @get("/")
    async def index(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        bindings = await mine.all_of(uow, account)
        draft = await service.open_draft(uow, account, utcnow())
        context = {
            "members": bindings,
            "co_holders": await service.co_holders(uow, account),
            "format_moment": format_moment,
            "draft": draft,
            "masked": lambda person: people.masked(uow, person),
            "next_action": _next_action,
            "notice": _list_notice(request),
            **LABELS,
        }
        return page(request, "pages/affinity/list.html", context)

    @get("/open")
    async def open_choices(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
    ) -> Response[str]:
        """Way in B: card-face services -> affinity services -> open -> choose the member."""
        bindings = await mine.all_of(uow, account)
        pending = [b for b in bindings if b.state == BindingState.AWAITING_FACE.value]
        draft = await service.open_draft(uow, account, utcnow())
        context = {
            "choices": await service.household_members(uow, account),
            "pending": pending,
            "draft": draft,
            "masked": lambda person: people.masked(uow, person),
            "age": lambda person: people.age(uow, person, date.today()),
            **LABELS,
        }
        return page(request, "pages/affinity/open.html", context)

    @post("/open")
    async def open_choose(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
    ) -> Response[Any]:
        values = await read_form(request)
        try:
            person_id = UUID(values.get("person_id", "")[:40])
        except ValueError:
            return see_other("/affinity/open")
        chosen = await service.start_for_household_member(uow, account, store, person_id, utcnow())
        return see_other("/affinity/add" if chosen else "/affinity/open")

    @get("/{binding_id:uuid}")
    async def member(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[str]:
        return await _member_page(request, uow, account, binding_id, FormErrors())

    @post("/{binding_id:uuid}/face", request_max_body_size=MAX_UPLOAD_FIELD + 100_000)
    async def face_start(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        portraits: NamedDependency[PortraitSource],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        """ "Do it now on this phone": consent, then the selfie; matching runs in the background."""
        await mine.one(uow, account, binding_id)  # 404 before reading the upload
        errors = FormErrors()
        try:
            started = await start_face_check(
                request,
                uow,
                HelperSelfieForm,
                lambda selfie: mine.start_face(
                    uow, store, portraits, account, binding_id, selfie, utcnow()
                ),
            )
        except (face_service.FaceWait, face_service.NoReference):
            pass  # the member page shows the wait, or the in-person route
        except face_service.NotAwaitingFace:
            return see_other(f"/affinity/{binding_id}")
        except face_service.CheckPending as running:  # its page says to wait for it
            return see_other(f"/affinity/{binding_id}/face/{running.check_id or ''}".rstrip("/"))
        else:
            if not isinstance(started, FormErrors):
                return see_other(f"/affinity/{binding_id}/face/{started.id}")
            errors = started
        return await _member_page(request, uow, account, binding_id, errors, status=422)

    @get("/{binding_id:uuid}/face")
    async def face_form(self, binding_id: FromPath[UUID]) -> Response[Any]:
        """A reload after a refused photo (JS off) lands on the member page's form again."""
        return see_other(f"/affinity/{binding_id}")

    @get("/{binding_id:uuid}/face/{check_id:uuid}")
    async def face_status(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
        check_id: FromPath[UUID],
    ) -> Response[str]:
        # The check first: the binding read after it is at least as new (they change together).
        check = await face_service.check_view(uow, check_id)
        binding = await mine.one(uow, account, binding_id)
        if check is None or check.binding_id != binding.id or check.purpose != "binding":
            raise NotFoundException
        attempts = binding.attempts
        policy = uow.policy
        context = {
            "binding": binding,
            "check": check,
            "problem": photo_problem_message(check.reason) if check.reason else None,
            "tries_before_wait": attempts.tries_before_wait(policy.face_failures_before_wait),
            "wait_until": format_moment(attempts.wait_until)
            if attempts.waiting(utcnow()) and attempts.wait_until
            else None,
            **LABELS,
        }
        return page(request, "pages/affinity/face_status.html", context)

    @post("/{binding_id:uuid}/handoff")
    async def handoff_create(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        """ "Send a link": a new single-use code, kept in the session only to show it."""
        try:
            code = await mine.handoff(uow, account, binding_id, utcnow())
        except face_service.NotAwaitingFace:
            return see_other(f"/affinity/{binding_id}")
        keep_handoff(request, f"/affinity/{binding_id}", code)
        return see_other(f"/affinity/{binding_id}/handoff")

    @get("/{binding_id:uuid}/handoff")
    async def handoff_show(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        binding = await mine.one(uow, account, binding_id)
        shown = handoff_shown(request, f"/affinity/{binding_id}", binding.member.name)
        if shown is None:
            return see_other(f"/affinity/{binding_id}")
        context = {"binding": binding, **shown, **LABELS}
        return page(request, "pages/affinity/handoff.html", context)

    @post("/{binding_id:uuid}/in-person")
    async def choose_in_person(
        self,
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        """Staff check the member in person instead of face recognition (no registry portrait,
        or the member cannot do it); the member page then shows the slip."""
        await mine.choose_in_person(uow, account, binding_id, utcnow())
        return see_other(f"/affinity/{binding_id}")

    @get("/{binding_id:uuid}/slip")
    async def slip(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        """The printable slip for the service centre: the reference code and what to bring."""
        binding = await mine.one(uow, account, binding_id)
        if (
            binding.in_person_reference is None
            or binding.state != BindingState.NEEDS_IN_PERSON.value
        ):
            return see_other(f"/affinity/{binding_id}")
        context = {
            "binding": binding,
            "reference": display_reference(binding.in_person_reference),
            "printed": format_moment(utcnow()),
            **LABELS,
        }
        return page(request, "pages/affinity/slip.html", context)

    @post("/{binding_id:uuid}/cancel")
    async def cancel(
        self,
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        await mine.cancel(uow, store, account, binding_id, utcnow())
        return see_other("/affinity?cancelled=1")

    @get("/{binding_id:uuid}/unbind")
    async def unbind_pin_form(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        binding = await mine.one(uow, account, binding_id)
        if binding.state not in LIVE_STATES:
            return see_other(f"/affinity/{binding_id}")
        return _unbind_pin_page(request, account, binding, FormErrors())

    @post("/{binding_id:uuid}/unbind")
    async def unbind_pin(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        binding = await mine.one(uow, account, binding_id)
        if binding.state not in LIVE_STATES:
            return see_other(f"/affinity/{binding_id}")
        pin_page = UNBIND_PIN_PAGE.format(binding_id=binding_id)
        checked = await step_up.verify(request, uow, account, UNBIND, pin_page)
        if checked.passed:
            return see_other(f"/affinity/{binding_id}/unbind/confirm")
        errors = checked.errors
        return _unbind_pin_page(request, account, binding, errors, status=422)

    @get("/{binding_id:uuid}/unbind/confirm", guards=[requires_step_up(UNBIND, UNBIND_PIN_PAGE)])
    async def unbind_confirm_form(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        binding = await mine.one(uow, account, binding_id)
        if binding.state not in LIVE_STATES:
            return see_other(f"/affinity/{binding_id}")
        context = {"binding": binding, **LABELS}
        return page(request, "pages/affinity/unbind_confirm.html", context)

    @post("/{binding_id:uuid}/unbind/confirm", guards=[requires_step_up(UNBIND, UNBIND_PIN_PAGE)])
    async def unbind_confirm(
        self,
        request: Request[Any, Any, Any],
        uow: NamedDependency[UnitOfWork],
        account: NamedDependency[Holder],
        store: NamedDependency[DocumentStore],
        binding_id: FromPath[UUID],
    ) -> Response[Any]:
        step_up.spend(request, UNBIND, UNBIND_PIN_PAGE.format(binding_id=binding_id))
        await mine.unbind(uow, store, account, binding_id, utcnow())
        return see_other("/affinity?unbound=1")


async def _member_page(
    request: Request[Any, Any, Any],
    uow: UnitOfWork,
    account: Holder,
    binding_id: UUID,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    now = utcnow()
    state = request.app.state
    shown = await mine.member_page(uow, state.documents, state.portraits, account, binding_id, now)
    binding, attempts = shown.binding, shown.binding.attempts
    context = {
        "no_reference": shown.no_reference,
        "under_age": shown.under_age,
        "binding": binding,
        "errors": errors,
        "masked_id": shown.masked_id,
        "next_action": _next_action(binding),
        "live": binding.state in LIVE_STATES,
        "submitted": format_moment(binding.submitted_at),
        "face_wait_until": format_moment(attempts.wait_until)
        if attempts.waiting(now) and attempts.wait_until
        else None,
        "reference": display_reference(binding.in_person_reference)
        if binding.in_person_reference
        else None,
        **LABELS,
    }
    return page(request, "pages/affinity/member.html", context, status=status)


def _list_notice(request: Request[Any, Any, Any]) -> str | None:
    if request.query_params.get("cancelled"):
        return _("The request was cancelled.")
    if request.query_params.get("unbound"):
        return _("The affinity service has ended. The family member's own e-card is not affected.")
    return None


def _unbind_pin_page(
    request: Request[Any, Any, Any],
    account: Holder,
    binding: BindingDetail,
    errors: FormErrors,
    *,
    status: int = 200,
) -> Response[str]:
    context = {"binding": binding, **LABELS}
    return pin_page(
        request, account, "pages/affinity/unbind_pin.html", context, errors, status=status
    )

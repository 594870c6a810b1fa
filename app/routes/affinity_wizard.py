"""The add-member wizard, declared on the flow kit: /affinity/add/{pin,notice,details,documents,check}.

The graph is app/domain/affinity.WIZARD; the draft is the holder's row in affinity_drafts
(app/services/affinity.py). URLs and field names are QA's contract.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import msgspec
from litestar.di import Provide

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.domain.affinity import WIZARD, BindingRefused, Relationship, Step
from app.domain.face import UnusablePhoto
from app.domain.identity import parse_id_number
from app.domain.views import DraftView
from app.routes import formspec as fs
from app.routes.deps import provide_account
from app.routes.flow import (
    MAX_UPLOAD_FIELD,
    Flow,
    FlowStep,
    StepCall,
    StepError,
    StepErrors,
    flow_controller,
)
from app.routes.formspec import N_
from app.routes.i18n import _, format_moment
from app.routes.labels import relationship_label, state_label
from app.routes.messages import (
    binding_refused_message,
    face_photo_message,
    image_message,
)
from app.routes.step_up import PinForm, check_pin, is_fresh, pin_step_view
from app.routes.web import FormErrors, client_ip
from app.services import affinity as service
from app.services.limits import TooManyAttempts, limits_for

NAME_MAX = 50
ACTION = "affinity.add"
RELATIONSHIPS = tuple(r.value for r in Relationship)
_RELATIONSHIP_MISSING = N_("Select how the family member is related to you")


class NoticeForm(msgspec.Struct):
    accept: Annotated[
        str, fs.accept(missing=N_("Confirm that you have read and accept the notice"))
    ] = ""


class DetailsForm(msgspec.Struct):
    name: Annotated[str, fs.text(NAME_MAX, missing=N_("Enter the family member's name"))] = ""
    id_number: Annotated[str, fs.id_number()] = ""
    relationship: Annotated[str, fs.choice(RELATIONSHIPS, missing=_RELATIONSHIP_MISSING)] = ""


class ChangeDetailsForm(msgspec.Struct):
    """Back from "Check your answers": the number is saved, so an empty field keeps it
    (nobody is made to type it again, WCAG 3.3.7); a number typed replaces it."""

    name: Annotated[str, fs.text(NAME_MAX, missing=N_("Enter the family member's name"))] = ""
    id_number: Annotated[str, fs.id_number(missing="")] = ""
    relationship: Annotated[str, fs.choice(RELATIONSHIPS, missing=_RELATIONSHIP_MISSING)] = ""


class RelationshipForm(msgspec.Struct):
    """Way in B: the member was chosen from the household, so only the relationship is asked."""

    relationship: Annotated[str, fs.choice(RELATIONSHIPS, missing=_RELATIONSHIP_MISSING)] = ""


class DocumentsForm(msgspec.Struct):
    proof: Annotated[bytes | None, fs.upload(MAX_UPLOAD_FIELD)] = None
    face_photo: Annotated[bytes | None, fs.upload(MAX_UPLOAD_FIELD)] = None


class CheckForm(msgspec.Struct):
    checked: Annotated[str, fs.hidden(64)] = ""


def _store(call: StepCall[Any]) -> DocumentStore:
    store: DocumentStore = call.request.app.state.documents
    return store


async def _load(call: StepCall[None]) -> DraftView:
    return await service.current_draft(call.uow, call.account, _store(call), utcnow())


def _done(call: StepCall[DraftView]) -> frozenset[str]:
    """The PIN step counts as done only while this session's step-up for this draft is fresh
    (minutes, not the draft's 24 hours: a new draft asks again); the other steps are the draft's."""
    done = service.progress_of(call.draft).done
    return done | {Step.PIN.value} if is_fresh(call.request, ACTION, str(call.draft.id)) else done


def _common(call: StepCall[DraftView]) -> dict[str, Any]:
    number = service.member_number(call.uow, call.draft)
    today = date.today()
    return {
        "member_masked": number.masked if number else "",
        "member_age": number.age_on(today) if number else None,
        "needs_face_photo": service.draft_needs_face_photo(call.uow, call.draft, today),
        "relationships": list(RELATIONSHIPS),
        "relationship_label": relationship_label,
        "state_label": state_label,
    }


# ---- what saving each step does --------------------------------------------------------


async def _save_pin(call: StepCall[DraftView], form: PinForm) -> str | None:
    draft_id = str(call.draft.id)
    checked = await check_pin(call.request, call.uow, call.account, form.pin, ACTION, draft_id)
    if not checked.passed:
        raise StepErrors(checked.errors)
    await service.mark_pin_verified(call.uow, call.account, call.draft, utcnow())
    return None


async def _save_notice(call: StepCall[DraftView], form: NoticeForm) -> str | None:
    await service.accept_notice(call.uow, call.account, call.draft, utcnow())
    return None


async def _save_details(call: StepCall[DraftView], form: Any) -> str | None:
    draft, uow = call.draft, call.uow
    lookup = None
    if isinstance(form, DetailsForm | ChangeDetailsForm):
        saved = service.member_number(uow, draft)
        typed = form.id_number
        name = form.name
        number = parse_id_number(typed) if typed or saved is None else saved
        shared = call.request.app.state.counters
        lookup = service.Lookup(limits_for(uow, shared), client_ip(call.request))
    else:  # a prefilled draft always has its member's number
        name, prefilled = draft.name or "", service.member_number(uow, draft)
        assert prefilled is not None
        number = prefilled
    try:
        await service.submit_details(
            uow,
            call.account,
            draft,
            _store(call),
            name=name,
            number=number,
            relationship=Relationship(form.relationship),
            now=utcnow(),
            lookup=lookup,
        )
    except TooManyAttempts as wait:
        message = _(
            "Too many details that did not match. You can try again after {time} (China Standard Time)."
        ).format(time=format_moment(wait.until))
        raise StepError("name", message, status=429) from None
    except service.NameMismatch:
        raise StepError(
            "name", _("The name and ID number do not match a social insurance record. Check both")
        ) from None
    except BindingRefused as refused:
        on_relationship = refused.reason.startswith("must_be") or refused.reason in {
            "too_many_spouses"
        }
        field = "relationship" if on_relationship or draft.prefilled else "id_number"
        raise StepError(field, binding_refused_message(refused, uow.policy)) from None
    return None


async def _save_documents(call: StepCall[DraftView], form: DocumentsForm) -> str | None:
    draft, uow = call.draft, call.uow
    errors = FormErrors()
    needs_photo = service.draft_needs_face_photo(uow, draft, date.today())
    chosen = {"proof": form.proof, "face_photo": form.face_photo if needs_photo else None}
    uploads = {field: data for field, data in chosen.items() if data is not None}
    matcher = call.request.app.state.matcher
    refused = await service.attach_documents(uow, _store(call), draft, uploads, matcher)
    for field, rejected in refused.items():
        errors.add(
            field,
            face_photo_message(rejected.reason)
            if isinstance(rejected, UnusablePhoto)
            else image_message(field, rejected, uow.policy),
        )
    if errors:
        raise StepErrors(errors)
    try:
        await service.finish_documents(uow, call.account, draft, today=date.today(), now=utcnow())
    except service.DraftIncomplete as missing:
        field = str(missing)
        message = (
            _("Choose a photo of the document that shows how you are related")
            if field == "proof"
            else _("Choose a frontal face photo of the family member")
        )
        raise StepError(field, message) from None
    return None


async def _save_check(call: StepCall[DraftView], form: CheckForm) -> str | None:
    uow = call.uow
    try:
        binding = await service.submit_binding(
            uow, call.account, call.draft, checked_digest=form.checked, now=utcnow()
        )
    except (service.DraftIncomplete, service.NameMismatch):
        return "/affinity/add"
    except service.AnswersChanged:
        raise StepError(
            "submit", _("Your answers changed after you checked them. Check them again")
        ) from None
    except BindingRefused as refused:
        raise StepError("submit", binding_refused_message(refused, uow.policy)) from None
    return f"/affinity/{binding.id}"


def _details_form(call: StepCall[DraftView]) -> type[msgspec.Struct]:
    draft = call.draft
    if draft.prefilled and draft.name:
        return RelationshipForm
    return ChangeDetailsForm if draft.id_number_cipher is not None else DetailsForm


WIZARD_FLOW: Flow[DraftView] = Flow(
    graph=WIZARD,
    base="/affinity/add",
    steps=(
        FlowStep(
            Step.PIN.value,
            "pages/affinity/step_pin.html",
            PinForm,
            _save_pin,
            view=pin_step_view,
        ),
        FlowStep(Step.NOTICE.value, "pages/affinity/step_notice.html", NoticeForm, _save_notice),
        FlowStep(
            Step.DETAILS.value,
            "pages/affinity/step_details.html",
            DetailsForm,
            _save_details,
            form_for=_details_form,
        ),
        FlowStep(
            Step.DOCUMENTS.value,
            "pages/affinity/step_documents.html",
            DocumentsForm,
            _save_documents,
        ),
        FlowStep(Step.CHECK.value, "pages/affinity/step_check.html", CheckForm, _save_check),
    ),
    load=_load,
    done=_done,
    view=_common,
    digest=lambda call: service.draft_digest(call.uow, call.draft) or "",
)

AffinityWizardController = flow_controller(
    WIZARD_FLOW, Provide(provide_account), max_body=2 * MAX_UPLOAD_FIELD + 100_000
)

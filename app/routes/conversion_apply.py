"""Applying for an urban–rural conversion, declared on the flow kit (issue 13 point 8):
{base}/transfers/conversion/apply/{check,pin}, where {base} is /my or /family/{binding_id}.

The check page shows, from the subject's own records, which way the schemes join and what
moves, counts and is refunded, and asks the holder to declare that they understand it cannot be
undone; the PIN step-up sends it. It then waits for the person's own face check (the timeline
says so), whoever applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.di import Provide

from app.adapters.clock import utcnow
from app.domain.flow import FlowGraph, StepInfo
from app.domain.scheme_conversion import Refusal
from app.routes import formspec as fs
from app.routes.deps import provide_account
from app.routes.flow import Flow, FlowStep, StepCall, StepError, StepErrors, flow_controller
from app.routes.formspec import N_
from app.routes.i18n import _
from app.routes.step_up import check_pin, pin_step_view, spend
from app.routes.subject import subject_at
from app.routes.transfer_labels import conversion_refusal_message
from app.services import conversion_drafts as drafts
from app.services import scheme_conversion as service
from app.services.subject import Subject

ACTION = "conversion.apply"
# Declaring the check page read comes first; the PIN sends. Nothing on the check page can be
# changed (it is all from the records), so the graph undoes nothing.
APPLY = FlowGraph("conversion", (StepInfo("check"), StepInfo("pin", final=True)))


class CheckForm(msgspec.Struct):
    understood: Annotated[
        str,
        fs.accept(missing=N_("Confirm that you understand that the conversion cannot be undone")),
    ] = ""


class PinCheckForm(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""
    checked: Annotated[str, fs.hidden(200)] = ""


@dataclass(frozen=True)
class ConversionDraft:
    subject: Subject
    draft: drafts.DraftView
    prospect: service.Prospect

    @property
    def digest(self) -> str:
        found = self.prospect.conversion
        return service.digest(found) if found else ""


async def _subject(call: StepCall[Any]) -> Subject:
    return await subject_at(call.uow, call.account, call.params.get("binding_id"))


async def _load(call: StepCall[None]) -> ConversionDraft:
    subject = await _subject(call)
    now = utcnow()
    draft = await drafts.current(call.uow, call.account, subject, now)
    return ConversionDraft(subject, draft, await service.prospect(call.uow, subject, now.date()))


def _refused(loaded: ConversionDraft, field: str, refusal: Refusal) -> StepError:
    return StepError(field, conversion_refusal_message(refusal, loaded.prospect.retirement))


async def _save_check(call: StepCall[ConversionDraft], form: CheckForm) -> str | None:
    loaded = call.draft
    if loaded.prospect.refusal is not None:
        raise _refused(loaded, "understood", loaded.prospect.refusal)
    await drafts.declare(call.uow, call.account, loaded.subject, utcnow())
    return None


async def _save_pin(call: StepCall[ConversionDraft], form: PinCheckForm) -> str | None:
    loaded, request = call.draft, call.request
    scope = str(loaded.draft.id)
    checked = await check_pin(request, call.uow, call.account, form.pin, ACTION, scope)
    if not checked.passed:
        raise StepErrors(checked.errors)
    spend(request, ACTION, scope)  # one application per PIN entry
    if form.checked != loaded.digest:
        raise StepError(
            "submit", _("Your answers changed after you checked them. Check them again")
        )
    result = await service.apply(call.uow, loaded.subject, utcnow())
    if isinstance(result, Refusal):  # the records changed, or another application came first
        raise _refused(loaded, "submit", result)
    await drafts.discard(call.uow, call.account, loaded.subject)
    return f"{loaded.subject.base}/transfers/{result.id}"


def _common(call: StepCall[ConversionDraft]) -> dict[str, Any]:
    loaded = call.draft
    refusal = loaded.prospect.refusal
    return {
        "subject": loaded.subject,
        "prospect": loaded.prospect,
        "conversion": loaded.prospect.conversion,
        "refusal": conversion_refusal_message(refusal, loaded.prospect.retirement)
        if refusal
        else None,
    }


def _flow(base: str) -> Flow[ConversionDraft]:
    return Flow(
        graph=APPLY,
        base=base,
        steps=(
            FlowStep("check", "pages/conversion/apply_check.html", CheckForm, _save_check),
            FlowStep(
                "pin",
                "pages/conversion/apply_pin.html",
                PinCheckForm,
                _save_pin,
                view=pin_step_view,
            ),
        ),
        load=_load,
        done=lambda call: call.draft.draft.done,
        view=_common,
        digest=lambda call: call.draft.digest,
    )


OWN_APPLY = _flow("/my/transfers/conversion/apply")
MEMBER_APPLY = _flow("/family/{binding_id:uuid}/transfers/conversion/apply")
OwnConversionApplyController = flow_controller(
    OWN_APPLY, Provide(provide_account), max_body=10_000, name="OwnConversionApply"
)
MemberConversionApplyController = flow_controller(
    MEMBER_APPLY, Provide(provide_account), max_body=10_000, name="MemberConversionApply"
)

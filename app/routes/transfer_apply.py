"""Applying for a transfer, declared on the flow kit (issue 13 points 2, 3 and 5):
{base}/transfers/apply/{line,regions,check,pin}, where {base} is /my or /family/{binding_id}.

The graph is app/domain/transfer_steps.APPLY; the draft is the holder's row in transfer_drafts for
this subject (app/services/transfer_drafts.py). Each refusal says its rule; where the
temporary-account rule applies, the regions page offers to open that account instead. The PIN
step-up submits: the application, its amounts and its first deadline are shown on its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar.di import Provide

from app.adapters.clock import utcnow
from app.domain.regions import CITY_BY_CODE
from app.domain.transfer import TransferKind
from app.domain.transfer_amounts import Amounts
from app.domain.transfer_steps import APPLY, Refusal, TimelineStep, TransferLine, timeline
from app.routes import formspec as fs
from app.routes.deps import provide_account
from app.routes.flow import Flow, FlowStep, StepCall, StepError, StepErrors, flow_controller
from app.routes.formspec import N_
from app.routes.i18n import _
from app.routes.step_up import check_pin, pin_step_view, spend
from app.routes.subject import subject_at
from app.routes.transfer_labels import (
    REFUSAL_FIELD,
    city_choices,
    line_label,
    refusal_message,
    region_label,
    step_label,
)
from app.services import transfer_apply as applying
from app.services import transfer_drafts as drafts
from app.services.subject import Subject

ACTION = "transfer.apply"
LINES = tuple(line.value for line in TransferLine)
CITY_CODES = tuple(CITY_BY_CODE)


class LineForm(msgspec.Struct):
    line: Annotated[str, fs.choice(LINES, missing=N_("Select the insurance to transfer"))] = ""


class RegionsForm(msgspec.Struct):
    from_city: Annotated[
        str, fs.choice(CITY_CODES, missing=N_("Select the city the insurance moves from"))
    ] = ""
    to_city: Annotated[
        str, fs.choice(CITY_CODES, missing=N_("Select the city the insurance moves to"))
    ] = ""
    temporary: Annotated[str, fs.hidden(3)] = ""


class PinCheckForm(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""
    checked: Annotated[str, fs.hidden(64)] = ""


@dataclass(frozen=True)
class ApplyDraft:
    """The subject, their draft, and what the pages after the regions show."""

    subject: Subject
    draft: drafts.DraftView
    prefill: str | None = None  # the from-city the records suggest
    amounts: Amounts | None = None

    @property
    def request(self) -> applying.Request:
        draft = self.draft
        assert draft.line and draft.from_region and draft.to_region
        return applying.Request(
            draft.line, draft.from_region, draft.to_region, temporary=draft.temporary
        )


def _region(city: str) -> str:
    return f"{city}00"


async def _subject(call: StepCall[Any]) -> Subject:
    return await subject_at(call.uow, call.account, call.params.get("binding_id"))


async def _load(call: StepCall[None]) -> ApplyDraft:
    subject = await _subject(call)
    draft = await drafts.current(call.uow, call.account, subject, utcnow())
    loaded = ApplyDraft(subject, draft)
    if draft.line is not None and not draft.regions_done:
        prefill = await drafts.prefilled_from(call.uow, subject, draft.line)
        return ApplyDraft(subject, draft, prefill=prefill)
    if draft.regions_done:
        found = await applying.amounts_of(call.uow, subject, loaded.request)
        return ApplyDraft(subject, draft, amounts=found)
    return loaded


def _done(call: StepCall[ApplyDraft]) -> frozenset[str]:
    return call.draft.draft.done


def _refused(refusal: Refusal, line: TransferLine, regions: tuple[str, str]) -> StepError:
    message = refusal_message(refusal, line, *regions)
    offer = refusal is Refusal.TEMPORARY_ACCOUNT
    return StepError(REFUSAL_FIELD[refusal], message, context={"temporary_offer": offer})


async def _save_line(call: StepCall[ApplyDraft], form: LineForm) -> str | None:
    line, subject = TransferLine(form.line), call.draft.subject
    found = await applying.line_refusal(call.uow, subject, line)
    if found is not None:
        raise _refused(found, line, ("", ""))
    await drafts.choose_line(call.uow, call.account, subject, line, utcnow())
    return None


async def _save_regions(call: StepCall[ApplyDraft], form: RegionsForm) -> str | None:
    subject, line = call.draft.subject, call.draft.draft.line
    assert line is not None
    regions = (_region(form.from_city), _region(form.to_city))
    temporary = form.temporary == "yes" and line is TransferLine.PENSION
    asked = applying.Request(line, *regions, temporary=temporary)
    found, asked = await applying.checked(call.uow, subject, asked, utcnow().date())
    if found is not None:
        raise _refused(found, line, regions)
    await drafts.choose_regions(call.uow, call.account, subject, regions, asked.temporary, utcnow())
    return None


async def _save_check(call: StepCall[ApplyDraft], form: None) -> str | None:
    await drafts.mark_checked(call.uow, call.account, call.draft.subject, utcnow())
    return None


async def _save_pin(call: StepCall[ApplyDraft], form: PinCheckForm) -> str | None:
    loaded, request = call.draft, call.request
    scope = str(loaded.draft.id)
    checked = await check_pin(request, call.uow, call.account, form.pin, ACTION, scope)
    if not checked.passed:
        raise StepErrors(checked.errors)
    spend(request, ACTION, scope)  # one application per PIN entry
    if form.checked != loaded.draft.digest:
        raise StepError(
            "submit", _("Your answers changed after you checked them. Check them again")
        )
    asked = loaded.request
    result = await applying.apply(call.uow, loaded.subject, asked, utcnow())
    if isinstance(result, Refusal):  # the records changed since the regions were checked
        message = refusal_message(result, asked.line, asked.from_region, asked.to_region)
        raise StepError("submit", message)
    await drafts.discard(call.uow, call.account, loaded.subject)
    return f"{loaded.subject.base}/transfers/{result.id}"


def _preview(call: StepCall[ApplyDraft]) -> list[TimelineStep]:
    """The steps with their deadlines were the application sent today."""
    draft = call.draft.draft
    if draft.line is None:
        return []
    kind = TransferKind.TEMPORARY_ACCOUNT if draft.temporary else TransferKind.TRANSFER
    today = utcnow().date()
    return timeline(draft.line, kind, today, [], today)


def _common(call: StepCall[ApplyDraft]) -> dict[str, Any]:
    loaded = call.draft
    return {
        "subject": loaded.subject,
        "apply": loaded,
        "lines": LINES,
        "line_label": line_label,
        "region_label": region_label,
        "step_label": step_label,
    }


def _regions_view(call: StepCall[ApplyDraft]) -> dict[str, Any]:
    draft = call.draft.draft
    return {
        "cities": city_choices(),
        "chosen_from": (draft.from_region or "")[:4] or call.draft.prefill or "",
        "chosen_to": (draft.to_region or "")[:4],
    }


def _flow(base: str) -> Flow[ApplyDraft]:
    return Flow(
        graph=APPLY,
        base=base,
        steps=(
            FlowStep("line", "pages/transfers/apply_line.html", LineForm, _save_line),
            FlowStep(
                "regions",
                "pages/transfers/apply_regions.html",
                RegionsForm,
                _save_regions,
                view=_regions_view,
            ),
            FlowStep(
                "check",
                "pages/transfers/apply_check.html",
                None,
                _save_check,
                view=lambda call: {"preview": _preview(call)},
            ),
            FlowStep(
                "pin",
                "pages/transfers/apply_pin.html",
                PinCheckForm,
                _save_pin,
                view=pin_step_view,
            ),
        ),
        load=_load,
        done=_done,
        view=_common,
        digest=lambda call: call.draft.draft.digest,
    )


OWN_APPLY = _flow("/my/transfers/apply")
MEMBER_APPLY = _flow("/family/{binding_id:uuid}/transfers/apply")
OwnTransferApplyController = flow_controller(
    OWN_APPLY, Provide(provide_account), max_body=10_000, name="OwnTransferApply"
)
MemberTransferApplyController = flow_controller(
    MEMBER_APPLY, Provide(provide_account), max_body=10_000, name="MemberTransferApply"
)

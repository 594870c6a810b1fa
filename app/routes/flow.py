"""One controller for every multi-step flow declared as a step graph (app/domain/flow.py).

A flow names its base URL, its graph, how to load its draft (kept in the database, so a restart
or another device loses nothing) and, per step, a template, a form struct (app/routes/formspec)
and what saving it does. The controller serves each step:

- GET shows the step if the graph lets it open, else redirects to the first step still to do;
- POST parses the form; errors re-render the step (422) with what was typed, next to each field
  and in the error summary; otherwise the step is saved and the browser redirected (PRG) to the
  next step, or wherever the save says;
- an HTMX request gets the same page as a fragment (app/routes/web.page), and focus moves to
  the new heading or the error summary (static/js/app.js);
- each page gets "Step n of m", a Back link, `step_url` for Change links and, on the final step,
  the digest of the answers it shows (posted back as `checked`, so a change made meanwhile in
  another tab voids the declaration).

A base may hold path parameters (`/family/{binding_id:uuid}/transfers/apply`): the controller is
mounted there, and every URL the flow makes is filled in from the request's own parameters.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from app.domain.flow import FlowGraph, UnknownStep
from app.domain.views import Holder
from app.routes.formspec import parse_form
from app.routes.web import FormErrors, page, see_other
from app.services.context import UnitOfWork

DraftT = TypeVar("DraftT")
MAX_UPLOAD_FIELD = 6 * 1024 * 1024  # read at most this much of a file field, then say "too large"
_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")  # a path parameter in a base: {name} or {name:type}


class StepError(Exception):
    """Raised by a step's save: the message goes next to the field and in the error summary."""

    def __init__(
        self,
        field: str,
        message: str,
        *,
        status: int = 422,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.errors = FormErrors()
        self.errors.add(field, message)
        self.status = status
        self.context = context or {}  # what else the page shows with it (an offer, say)


class StepErrors(Exception):
    def __init__(self, errors: FormErrors) -> None:
        super().__init__(", ".join(errors.fields))
        self.errors = errors
        self.status = 422
        self.context: Mapping[str, Any] = {}


@dataclass
class StepCall(Generic[DraftT]):
    """What a step's hooks see: the request, the unit of work, the holder, and the draft."""

    request: Request[Any, Any, Any]
    uow: UnitOfWork
    account: Holder
    draft: DraftT

    @property
    def params(self) -> Mapping[str, Any]:
        """The path parameters of the request (what a base with parameters is filled from)."""
        return self.request.path_params


Save = Callable[[StepCall[Any], Any], Awaitable[str | None]]
View = Callable[[StepCall[Any]], Mapping[str, Any]]


async def _no_save(call: StepCall[Any], form: Any) -> str | None:
    return None


def _no_view(call: StepCall[Any]) -> Mapping[str, Any]:
    return {}


@dataclass(frozen=True)
class FlowStep:
    name: str  # the graph's step of the same name
    template: str
    form: type[msgspec.Struct] | None = None
    # Saving a valid form: returns where to go (None: the next step), or raises StepError.
    save: Save = _no_save
    view: View = _no_view  # what this step's page shows beyond the common context
    # When the fields asked depend on the draft (a member chosen from the household, say).
    form_for: Callable[[StepCall[Any]], type[msgspec.Struct]] | None = None


@dataclass(frozen=True)
class Flow(Generic[DraftT]):
    graph: FlowGraph
    base: str  # the URL of the flow; its steps are {base}/{step}
    steps: tuple[FlowStep, ...]
    load: Callable[[StepCall[None]], Awaitable[DraftT]]  # the current draft (made if need be)
    done: Callable[[StepCall[DraftT]], frozenset[str]]  # the steps its draft has done
    view: View = _no_view  # common to every step's page
    digest: Callable[[StepCall[Any]], str] | None = None  # of the answers the final step shows

    def __post_init__(self) -> None:
        names = [s.name for s in self.graph.steps]
        assert [s.name for s in self.steps] == names, f"{self.base}: one FlowStep per step"

    def url(self, params: Mapping[str, Any] | None = None, name: str | None = None) -> str:
        """The flow's URL (or a step's), its base's parameters filled from ``params``."""
        base = _PARAMETER.sub(lambda found: str((params or {})[found.group(1)]), self.base)
        return base if name is None else f"{base}/{name}"

    def step_url(self, name: str, params: Mapping[str, Any] | None = None) -> str:
        return self.url(params, name)

    def spec(self, name: str) -> FlowStep:
        return next(s for s in self.steps if s.name == name)


async def read_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form: strings as they are, files as bytes (None when none was chosen)."""
    form = await request.form()
    values: dict[str, Any] = {}
    for name, value in form.items():
        if isinstance(value, UploadFile):
            values[name] = await value.read(MAX_UPLOAD_FIELD + 1) if value.filename else None
        elif name != "_csrf_token":
            values[name] = value
    return values


class _Served(Generic[DraftT]):
    """The GET and POST of one flow, with the draft loaded and the graph consulted."""

    def __init__(self, flow: Flow[DraftT]) -> None:
        self.flow = flow

    async def call(
        self, request: Request[Any, Any, Any], uow: UnitOfWork, account: Holder
    ) -> StepCall[DraftT]:
        draft = await self.flow.load(StepCall(request, uow, account, None))
        return StepCall(request, uow, account, draft)

    def where(self, call: StepCall[DraftT], wanted: str) -> str:
        try:
            return self.flow.graph.where_to(wanted, self.flow.done(call)).name
        except UnknownStep:
            raise NotFoundException from None

    def render(
        self,
        call: StepCall[DraftT],
        name: str,
        errors: FormErrors | None = None,
        values: Mapping[str, str] | None = None,
        *,
        status: int = 200,
        extra: Mapping[str, Any] | None = None,
    ) -> Response[str]:
        graph, step = self.flow.graph, self.flow.spec(name)
        back = graph.previous(name)
        params = call.params

        def step_url(target: str) -> str:
            return self.flow.step_url(target, params)

        context: dict[str, Any] = {
            "step": name,
            "step_number": graph.number(name),
            "step_count": graph.count,
            "back_url": step_url(back.name) if back else self.flow.url(params).rsplit("/", 1)[0],
            "step_url": step_url,
            "flow_url": self.flow.url(params),
            "draft": call.draft,
            "errors": errors or FormErrors(),
            "values": values or {},
            **self.flow.view(call),
            **step.view(call),
            **(extra or {}),
        }
        if graph.step(name).final and self.flow.digest is not None:
            context["checked"] = self.flow.digest(call)
        return page(call.request, step.template, context, status=status)

    async def post(self, call: StepCall[DraftT], name: str) -> Response[Any]:
        step = self.flow.spec(name)
        values = await read_values(call.request)
        form: Any = None
        shown: dict[str, str] = {}
        form_type = step.form_for(call) if step.form_for else step.form
        if form_type is not None:
            parsed = parse_form(form_type, values)
            shown = parsed.shown
            if parsed.form is None:
                return self.render(call, name, parsed.errors, shown, status=422)
            form = parsed.form
        try:
            target = await step.save(call, form)
        except (StepError, StepErrors) as error:
            # A refused save may still have changed the draft (one of two photos kept, say).
            fresh = await self.call(call.request, call.uow, call.account)
            return self.render(
                fresh, name, error.errors, shown, status=error.status, extra=error.context
            )
        following = self.flow.graph.next(name)
        default = self.flow.step_url(following.name, call.params) if following else "/"
        return see_other(target or default)


def flow_controller(
    flow: Flow[Any], account: Provide, *, max_body: int, name: str | None = None
) -> type[Controller]:
    """A controller serving `flow` at its base URL, for the holder `account` provides (`name`
    tells apart two mounts of one graph)."""
    served = _Served(flow)

    class FlowController(Controller):
        path = flow.base
        dependencies = {"account": account}

        @get("/")
        async def start(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            account: NamedDependency[Holder],
        ) -> Redirect:
            call = await served.call(request, uow, account)
            first = flow.graph.first_incomplete(flow.done(call))
            return see_other(flow.step_url(first.name, call.params))

        @get("/{step:str}")
        async def show(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            account: NamedDependency[Holder],
            step: FromPath[str],
        ) -> Response[Any]:
            call = await served.call(request, uow, account)
            where = served.where(call, step)
            if where != step:
                return see_other(flow.step_url(where, call.params))
            return served.render(call, step)

        @post("/{step:str}", request_max_body_size=max_body)
        async def submit(
            self,
            request: Request[Any, Any, Any],
            uow: NamedDependency[UnitOfWork],
            account: NamedDependency[Holder],
            step: FromPath[str],
        ) -> Response[Any]:
            call = await served.call(request, uow, account)
            where = served.where(call, step)
            if where != step:
                return see_other(flow.step_url(where, call.params))
            return await served.post(call, step)

    title = name or f"{flow.graph.name.title()}Flow"
    FlowController.__name__ = FlowController.__qualname__ = title
    return FlowController

"""Multi-step flows as declared step graphs (the add-member wizard, transfers, payments).

A flow is an ordered list of steps. Each step names the steps that must be done before it opens
(by default every step before it: nobody deep-links past a PIN step) and the later steps whose
answers a change to it voids. The web layer serves any flow declared this way; this module only
decides, from the set of steps done, what may open, where Back goes and what a change undoes.
"""

from __future__ import annotations

from collections.abc import Iterable, Set

import msgspec


class StepInfo(msgspec.Struct, frozen=True):
    name: str  # also its URL segment
    requires: tuple[str, ...] | None = None  # None: every step before it
    undoes: tuple[str, ...] = ()  # later steps a change here voids
    final: bool = False  # check answers: never "done", submitting it ends the flow


class UnknownStep(LookupError):
    pass


class FlowGraph:
    def __init__(self, name: str, steps: Iterable[StepInfo]) -> None:
        self.name = name
        self.steps: tuple[StepInfo, ...] = tuple(steps)
        self._index = {step.name: i for i, step in enumerate(self.steps)}
        if len(self._index) != len(self.steps):
            raise ValueError(f"{name}: step names must be unique")
        for i, step in enumerate(self.steps):
            earlier = {s.name for s in self.steps[:i]}
            later = {s.name for s in self.steps[i + 1 :]}
            if not set(step.requires or ()) <= earlier:
                raise ValueError(f"{name}.{step.name}: a step can only require earlier steps")
            if not set(step.undoes) <= later:
                raise ValueError(f"{name}.{step.name}: a step can only undo later steps")
        if any(step.final for step in self.steps[:-1]):
            raise ValueError(f"{name}: only the last step can be final")

    def step(self, name: str) -> StepInfo:
        try:
            return self.steps[self._index[name]]
        except KeyError:
            raise UnknownStep(name) from None

    def required_before(self, name: str) -> tuple[str, ...]:
        step = self.step(name)
        if step.requires is not None:
            return step.requires
        return tuple(s.name for s in self.steps[: self._index[name]])

    def may_open(self, name: str, done: Set[str]) -> bool:
        return all(required in done for required in self.required_before(name))

    def first_incomplete(self, done: Set[str]) -> StepInfo:
        """The first step not yet done; the final step when all others are."""
        return next((s for s in self.steps if s.name not in done or s.final), self.steps[-1])

    def where_to(self, name: str, done: Set[str]) -> StepInfo:
        """The step to show for a request of `name`: itself if it may open, else the first
        step still to do (a deep link goes back to where the flow really is)."""
        return self.step(name) if self.may_open(name, done) else self.first_incomplete(done)

    def number(self, name: str) -> int:
        """1-based, for "Step n of m"."""
        return self._index[self.step(name).name] + 1

    @property
    def count(self) -> int:
        return len(self.steps)

    def previous(self, name: str) -> StepInfo | None:
        """The Back link's target; None on the first step."""
        index = self._index[self.step(name).name]
        return self.steps[index - 1] if index else None

    def next(self, name: str) -> StepInfo | None:
        index = self._index[self.step(name).name]
        return self.steps[index + 1] if index + 1 < len(self.steps) else None

    def undone_by(self, name: str) -> frozenset[str]:
        """Every step a change to `name` voids: what it undoes, and what those undo in turn."""
        undone: set[str] = set()
        pending = list(self.step(name).undoes)
        while pending:
            step = pending.pop()
            if step not in undone:
                undone.add(step)
                pending.extend(self.step(step).undoes)
        return frozenset(undone)

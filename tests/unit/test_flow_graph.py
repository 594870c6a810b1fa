"""The declared step graph that every multi-step flow is served from."""

from __future__ import annotations

import pytest

from app.domain.flow import FlowGraph, StepInfo, UnknownStep

GRAPH = FlowGraph(
    "example",
    [
        StepInfo("pin"),
        StepInfo("notice"),
        StepInfo("details", undoes=("documents",)),
        StepInfo("documents", undoes=("extra",)),
        StepInfo("extra", requires=("pin",)),
        StepInfo("check", final=True),
    ],
)


def test_a_step_opens_only_when_every_earlier_step_is_done() -> None:
    assert GRAPH.may_open("pin", set())
    assert not GRAPH.may_open("details", {"pin"})
    assert GRAPH.may_open("details", {"pin", "notice"})
    assert not GRAPH.may_open("check", {"pin", "notice", "details", "documents"})


def test_declared_requirements_replace_the_default() -> None:
    assert GRAPH.may_open("extra", {"pin"})
    assert not GRAPH.may_open("extra", set())


def test_a_deep_link_goes_to_the_first_step_still_to_do() -> None:
    assert GRAPH.where_to("check", {"pin"}).name == "notice"
    assert GRAPH.where_to("notice", {"pin"}).name == "notice"
    assert GRAPH.where_to("pin", {"pin", "notice"}).name == "pin"  # Back and Change work


def test_the_final_step_is_never_done() -> None:
    everything = {s.name for s in GRAPH.steps}
    assert GRAPH.first_incomplete(everything).name == "check"
    assert GRAPH.first_incomplete(set()).name == "pin"


def test_numbers_back_and_next() -> None:
    assert (GRAPH.number("pin"), GRAPH.number("check"), GRAPH.count) == (1, 6, 6)
    assert GRAPH.previous("pin") is None
    assert GRAPH.previous("notice") == GRAPH.step("pin")
    assert GRAPH.next("check") is None
    assert GRAPH.next("details") == GRAPH.step("documents")


def test_a_change_undoes_what_it_declares_and_what_that_undoes() -> None:
    assert GRAPH.undone_by("details") == {"documents", "extra"}
    assert GRAPH.undone_by("pin") == frozenset()


def test_unknown_steps() -> None:
    with pytest.raises(UnknownStep):
        GRAPH.step("nope")
    with pytest.raises(UnknownStep):
        GRAPH.may_open("nope", set())


@pytest.mark.parametrize(
    "steps",
    [
        [StepInfo("a"), StepInfo("a")],
        [StepInfo("a", requires=("b",)), StepInfo("b")],
        [StepInfo("a"), StepInfo("b", undoes=("a",))],
        [StepInfo("a", final=True), StepInfo("b")],
    ],
    ids=["duplicate", "requires-later", "undoes-earlier", "final-not-last"],
)
def test_a_malformed_graph_is_refused_when_declared(steps: list[StepInfo]) -> None:
    with pytest.raises(ValueError):
        FlowGraph("bad", steps)

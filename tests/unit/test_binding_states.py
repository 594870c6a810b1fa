import itertools

import pytest

from app.domain.affinity import (
    INITIAL_STATES,
    LIVE_STATES,
    TRANSITIONS,
    BindingEvent,
    BindingState,
    IllegalTransition,
    ending_event,
    next_state,
)

S, E = BindingState, BindingEvent

# Written out again rather than read from TRANSITIONS, so a change to the table shows here.
LEGAL: dict[tuple[BindingState, BindingEvent], BindingState] = {
    (S.DOCUMENTS_REVIEW, E.DOCUMENTS_APPROVED): S.AWAITING_FACE,
    (S.DOCUMENTS_REVIEW, E.DOCUMENTS_REJECTED): S.REJECTED,
    (S.DOCUMENTS_REVIEW, E.EXPIRED): S.EXPIRED,
    (S.DOCUMENTS_REVIEW, E.CANCELLED_BY_HOLDER): S.CANCELLED,
    (S.DOCUMENTS_REVIEW, E.CANCELLED_BY_MEMBER): S.CANCELLED,
    (S.AWAITING_FACE, E.FACE_MATCHED): S.ACTIVE,
    (S.AWAITING_FACE, E.FACE_FAILED_TOO_OFTEN): S.NEEDS_IN_PERSON,
    (S.AWAITING_FACE, E.CHOSE_IN_PERSON): S.NEEDS_IN_PERSON,
    (S.AWAITING_FACE, E.EXPIRED): S.EXPIRED,
    (S.AWAITING_FACE, E.CANCELLED_BY_HOLDER): S.CANCELLED,
    (S.AWAITING_FACE, E.CANCELLED_BY_MEMBER): S.CANCELLED,
    (S.NEEDS_IN_PERSON, E.STAFF_APPROVED): S.ACTIVE,
    (S.NEEDS_IN_PERSON, E.STAFF_REJECTED): S.REJECTED,
    (S.NEEDS_IN_PERSON, E.REVOKED_BY_HOLDER): S.REVOKED,
    (S.NEEDS_IN_PERSON, E.REVOKED_BY_MEMBER): S.REVOKED,
    (S.ACTIVE, E.REVOKED_BY_HOLDER): S.REVOKED,
    (S.ACTIVE, E.REVOKED_BY_MEMBER): S.REVOKED,
}
ILLEGAL = [pair for pair in itertools.product(BindingState, BindingEvent) if pair not in LEGAL]
ENDED = [state for state in BindingState if state not in LIVE_STATES]


def test_the_table_is_exactly_the_legal_transitions() -> None:
    assert dict(TRANSITIONS) == LEGAL


@pytest.mark.parametrize(("state", "event"), list(LEGAL), ids=lambda v: str(v))
def test_every_legal_transition(state: BindingState, event: BindingEvent) -> None:
    assert next_state(state, event) is LEGAL[state, event]


@pytest.mark.parametrize(("state", "event"), ILLEGAL, ids=lambda v: str(v))
def test_every_other_pair_is_illegal(state: BindingState, event: BindingEvent) -> None:
    with pytest.raises(IllegalTransition) as raised:
        next_state(state, event)
    assert (raised.value.state, raised.value.event) == (state, event)


def test_the_product_is_covered() -> None:
    assert len(LEGAL) + len(ILLEGAL) == len(BindingState) * len(BindingEvent)


def test_every_event_is_used() -> None:
    assert {event for _, event in LEGAL} == set(BindingEvent)


@pytest.mark.parametrize("state", ENDED)
def test_an_ended_binding_never_moves(state: BindingState) -> None:
    for event in BindingEvent:
        with pytest.raises(IllegalTransition):
            next_state(state, event)


def test_every_state_is_reachable_from_the_initial_ones() -> None:
    reached, frontier = set(INITIAL_STATES), list(INITIAL_STATES)
    while frontier:
        state = frontier.pop()
        for (source, _), target in TRANSITIONS.items():
            if source is state and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(BindingState)


def test_a_binding_starts_under_review_or_awaiting_the_face() -> None:
    assert {S.DOCUMENTS_REVIEW, S.AWAITING_FACE} == INITIAL_STATES


def test_face_recognition_does_not_count_before_the_review() -> None:
    with pytest.raises(IllegalTransition):
        next_state(S.DOCUMENTS_REVIEW, E.FACE_MATCHED)


def test_the_table_cannot_be_changed() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[S.REVOKED, E.STAFF_APPROVED] = S.ACTIVE  # type: ignore[index]


@pytest.mark.parametrize(
    ("state", "by_holder", "event"),
    [
        (S.DOCUMENTS_REVIEW, True, E.CANCELLED_BY_HOLDER),
        (S.DOCUMENTS_REVIEW, False, E.CANCELLED_BY_MEMBER),
        (S.AWAITING_FACE, True, E.CANCELLED_BY_HOLDER),
        (S.AWAITING_FACE, False, E.CANCELLED_BY_MEMBER),
        (S.NEEDS_IN_PERSON, True, E.REVOKED_BY_HOLDER),
        (S.NEEDS_IN_PERSON, False, E.REVOKED_BY_MEMBER),
        (S.ACTIVE, True, E.REVOKED_BY_HOLDER),
        (S.ACTIVE, False, E.REVOKED_BY_MEMBER),
    ],
)
def test_ending_cancels_a_pending_binding_and_revokes_a_later_one(
    state: BindingState, by_holder: bool, event: BindingEvent
) -> None:
    assert ending_event(state, by_holder=by_holder) is event
    pending = state in (S.AWAITING_FACE, S.DOCUMENTS_REVIEW)
    assert next_state(state, event) is (S.CANCELLED if pending else S.REVOKED)

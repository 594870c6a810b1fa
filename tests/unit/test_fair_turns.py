"""The matcher queue's turns (domain.face.next_turn), played out on a model of the queue: pending
checks are matched in order of turn, then age, one at a time."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.domain.face import next_turn


class Queue:
    def __init__(self) -> None:
        self.pending: list[tuple[int, int, str]] = []  # turn, age, holder
        self.age = 0

    def submit(self, holder: str, n: int = 1) -> None:
        for _ in range(n):
            serving = min((turn for turn, _, _ in self.pending), default=None)
            theirs = [turn for turn, _, who in self.pending if who == holder]
            self.pending.append((next_turn(serving, max(theirs, default=None)), self.age, holder))
            self.age += 1

    def match(self, n: int | None = None) -> list[str]:
        done = []
        while self.pending and (n is None or len(done) < n):
            self.pending.sort()
            done.append(self.pending.pop(0)[2])
        return done


def test_a_burst_does_not_hold_back_a_later_check() -> None:
    queue = Queue()
    queue.submit("A", 10)
    queue.submit("B")
    assert queue.match() == ["A", "B"] + ["A"] * 9


def test_a_check_sent_during_a_burst_joins_the_round_being_served() -> None:
    queue = Queue()
    queue.submit("A", 10)
    assert queue.match(4) == ["A"] * 4
    queue.submit("B")
    queue.submit("C", 3)
    assert queue.match() == ["A", "B", "C", "A", "C", "A", "C"] + ["A"] * 3


def test_an_empty_queue_starts_again_from_the_first_round() -> None:
    queue = Queue()
    queue.submit("A", 2)
    queue.match()
    queue.submit("B", 2)
    queue.submit("A")
    assert queue.match() == ["B", "A", "B"]


@given(st.lists(st.sampled_from("ABCD"), min_size=1, max_size=40))
def test_no_holder_is_served_twice_while_another_waits_for_a_first(order: list[str]) -> None:
    """Checks sent in any order before matching starts: among holders still waiting, the
    counts of matched checks never differ by more than one."""
    queue = Queue()
    for holder in order:
        queue.submit(holder)
    sent = {holder: order.count(holder) for holder in set(order)}
    matched = dict.fromkeys(sent, 0)
    for holder in queue.match():
        matched[holder] += 1
        waiting = [matched[h] for h in sent if matched[h] < sent[h]]
        assert not waiting or max(waiting) - min(waiting) <= 1

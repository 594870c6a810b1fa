from datetime import UTC, datetime, timedelta

import pytest

from app.domain.pin import PinLockState, WeakPin, check_pin_policy

HOLDER_ID = "110105198503140224"


def test_a_good_pin_passes() -> None:
    assert check_pin_policy("258369", id_number=HOLDER_ID) is None


@pytest.mark.parametrize(
    ("pin", "reason"),
    [
        ("", "format"),
        ("12345", "format"),
        ("1234567", "format"),
        ("12a456", "format"),
        ("１２３４５６", "format"),
        ("111111", "repeated"),
        ("000000", "repeated"),
        ("123456", "sequence"),
        ("456789", "sequence"),
        ("654321", "sequence"),
        ("987654", "sequence"),
        ("110105", "from_id_number"),
        ("198503", "from_id_number"),
        ("140224", "from_id_number"),
        ("031402", "from_id_number"),
    ],
)
def test_weak_pins_are_refused_with_a_reason(pin: str, reason: str) -> None:
    with pytest.raises(WeakPin) as caught:
        check_pin_policy(pin, id_number=HOLDER_ID)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_a_run_that_wraps_is_not_a_sequence() -> None:
    assert check_pin_policy("890123", id_number=HOLDER_ID) is None


NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
LOCK = timedelta(hours=24)


def test_six_wrong_pins_lock_for_24_hours() -> None:
    state = PinLockState()
    for attempt in range(1, 6):
        state = state.after_failure(NOW, max_failures=6, lock_for=LOCK)
        assert not state.is_locked(NOW)
        assert state.remaining(6) == 6 - attempt
    state = state.after_failure(NOW, max_failures=6, lock_for=LOCK)
    assert state.is_locked(NOW)
    assert state.is_locked(NOW + LOCK - timedelta(seconds=1))
    assert not state.is_locked(NOW + LOCK)


def test_a_right_pin_resets_the_count() -> None:
    state = PinLockState()
    for _ in range(5):
        state = state.after_failure(NOW, max_failures=6, lock_for=LOCK)
    state = state.after_success()
    state = state.after_failure(NOW, max_failures=6, lock_for=LOCK)
    assert not state.is_locked(NOW)
    assert state.remaining(6) == 5

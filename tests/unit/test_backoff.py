from datetime import UTC, datetime, timedelta

from app.domain.backoff import Throttle

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
RULES = {"free_failures": 10, "base_wait": timedelta(seconds=30), "max_wait": timedelta(hours=1)}


def _fail(times: int) -> Throttle:
    throttle = Throttle()
    for _ in range(times):
        throttle = throttle.after_failure(NOW)
    return throttle


def test_nine_failures_do_not_slow_anyone_down() -> None:
    assert _fail(9).blocked_until(NOW, **RULES) is None


def test_the_tenth_failure_starts_the_wait() -> None:
    assert _fail(10).blocked_until(NOW, **RULES) == NOW + timedelta(seconds=30)


def test_each_further_failure_doubles_the_wait_up_to_the_cap() -> None:
    assert _fail(11).blocked_until(NOW, **RULES) == NOW + timedelta(seconds=60)
    assert _fail(12).blocked_until(NOW, **RULES) == NOW + timedelta(seconds=120)
    assert _fail(40).blocked_until(NOW, **RULES) == NOW + timedelta(hours=1)


def test_after_the_wait_a_try_is_allowed() -> None:
    assert _fail(10).blocked_until(NOW + timedelta(seconds=30), **RULES) is None

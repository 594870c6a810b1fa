from datetime import UTC, datetime, timedelta

from app.domain.face import Attempts, is_match
from app.domain.handoff import ALPHABET, display_code, mask_name, new_code, normalise_code

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
WAIT = timedelta(minutes=30)


def _fail(times: int, start: Attempts | None = None) -> Attempts:
    attempts = start or Attempts()
    for _ in range(times):
        attempts = attempts.after_failure(NOW, before_wait=5, wait=WAIT)
    return attempts


def test_the_threshold_is_strict() -> None:
    assert is_match(0.59, 0.6)
    assert not is_match(0.6, 0.6)


def test_five_failures_start_a_30_minute_wait() -> None:
    assert not _fail(4).waiting(NOW)
    five = _fail(5)
    assert five.waiting(NOW) and five.waiting(NOW + WAIT - timedelta(seconds=1))
    assert not five.waiting(NOW + WAIT)


def test_twenty_failures_in_total_need_an_in_person_check() -> None:
    assert not _fail(19).needs_in_person(20)
    assert _fail(20).needs_in_person(20)


def test_codes_are_eight_easily_typed_characters() -> None:
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 8 and set(code) <= set(ALPHABET)
        assert not set(code) & set("01OIL")
        assert normalise_code(display_code(code).lower()) == code
        assert normalise_code(f" {code[:4]} {code[4:]} ") == code


def test_bad_codes_are_none() -> None:
    for raw in ("", "ABC", "ABCDEFGHJ", "ABCD-EFG0", "x" * 1000):
        assert normalise_code(raw) is None


def test_the_member_sees_only_the_family_name() -> None:
    assert mask_name("王芳") == "王*"
    assert mask_name("欧阳娜娜") == "欧***"


def test_tries_left_before_the_wait() -> None:
    assert _fail(0).tries_before_wait(5) == 5
    assert _fail(4).tries_before_wait(5) == 1
    assert _fail(5).tries_before_wait(5) == 5  # after a wait the count starts again

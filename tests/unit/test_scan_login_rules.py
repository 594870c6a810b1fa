"""Scan login's rules (app/domain/scan_login.py): the rotating code, the payload, the lifetimes,
number matching, and what a limited session may do."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain import scan_login as rules
from app.domain.policy import Policy
from app.domain.scan_login import Place, ScanState, SessionScope

START = datetime(2026, 12, 6, 10, 0, 0, tzinfo=UTC)
SECRET = bytes(range(32))
TOKEN = "A" * 26


# ---- the rotating code ------------------------------------------------------------------------


def test_the_rotating_code_is_hmac_sha256_of_the_seconds_in_lower_case_hex() -> None:
    # Known answers, computed apart from Python (openssl dgst -sha256 -hmac KEY).
    assert rules.rotating_code(b"key", 0) == (
        "089c386a9149b5cce5972bfe0f05c8d6e92de22e902457b3a23a69a79f85fa97"
    )
    assert rules.rotating_code(b"e-SSC", 42) == (
        "9f8fe981b43ad277c0e8907addeb5ca83a28d11dbcaf6087304e659ad5d3fba0"
    )
    assert rules.rotating_code(SECRET, 7) == hmac.new(SECRET, b"7", hashlib.sha256).hexdigest()


@given(st.integers(min_value=0, max_value=10_000))
def test_each_second_has_its_own_code(seconds: int) -> None:
    assert rules.rotating_code(SECRET, seconds) != rules.rotating_code(SECRET, seconds + 1)
    assert rules.rotating_code(SECRET, seconds) != rules.rotating_code(b"other", seconds)


def test_seconds_since_the_request_began() -> None:
    assert rules.seconds_since(START, START) == 0
    assert rules.seconds_since(START, START + timedelta(milliseconds=999)) == 0
    assert rules.seconds_since(START, START + timedelta(seconds=1)) == 1
    assert rules.seconds_since(START, START - timedelta(seconds=3)) == 0  # never negative


# ---- the payload ------------------------------------------------------------------------------


def test_a_payload_reads_back() -> None:
    raw = rules.payload(TOKEN, SECRET, 12)
    scanned = rules.read_payload(raw)
    assert scanned == rules.Scanned(TOKEN, 12, rules.rotating_code(SECRET, 12))


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "x",
        f"{TOKEN}.12",
        f"{TOKEN.lower()}.12.{'0' * 64}",
        f"{TOKEN}.-1.{'0' * 64}",
        f"{TOKEN}.1234567.{'0' * 64}",
        f"{TOKEN}.12.{'0' * 63}",
        f"{TOKEN}.12.{'A' * 64}",
        f"{TOKEN}.１２.{'0' * 64}",  # full-width digits
        f"{TOKEN}.12.{'0' * 64}.x",
        "A" * 200,
    ],
)
def test_anything_else_is_no_payload(raw: str) -> None:
    assert rules.read_payload(raw) is None


def _fresh(seconds: int, elapsed: float, tolerance: int = 5, secret: bytes = SECRET) -> bool:
    scanned = rules.Scanned(TOKEN, seconds, rules.rotating_code(secret, seconds))
    now = START + timedelta(seconds=elapsed)
    return rules.code_is_fresh(SECRET, scanned, started_at=START, now=now, tolerance=tolerance)


def test_a_code_is_fresh_for_the_tolerance_only() -> None:
    assert _fresh(10, 10.2)
    assert _fresh(10, 15.9)  # 5 seconds later
    assert not _fresh(10, 16)  # 6: a picture relayed
    assert _fresh(11, 10.5)  # a second ahead: clocks a little apart
    assert not _fresh(12, 10.5)
    assert not _fresh(10, 10, secret=b"another request's secret")


# ---- lifetimes ----------------------------------------------------------------------------------


def test_a_request_lives_the_policy_s_seconds() -> None:
    lifetime = Policy().scan_login_seconds
    assert lifetime == 60
    expires = rules.expires_at(START, lifetime)
    assert rules.approvable(ScanState.PENDING, expires, expires - timedelta(microseconds=1)) is None
    assert rules.approvable(ScanState.PENDING, expires, expires) == "expired"


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        (ScanState.APPROVED, "used"),
        (ScanState.USED, "used"),
        (ScanState.MISMATCHED, "mismatched"),
        (ScanState.CANCELLED, "cancelled"),
        ("nonsense", "unknown"),
    ],
)
def test_only_a_pending_request_can_be_approved(state: str, reason: str) -> None:
    assert rules.approvable(state, START + timedelta(hours=1), START) == reason


def test_an_approval_gives_the_screen_a_lifetime_to_sign_in_once() -> None:
    decided = START + timedelta(seconds=59)
    assert (
        rules.completable(ScanState.APPROVED, decided, decided + timedelta(seconds=59), 60) is None
    )
    assert rules.completable(ScanState.APPROVED, decided, decided + timedelta(seconds=60), 60) == (
        "expired"
    )
    assert rules.completable(ScanState.PENDING, None, START, 60) is None  # not yet
    assert rules.completable(ScanState.USED, decided, decided, 60) == "used"
    assert rules.completable(ScanState.MISMATCHED, decided, decided, 60) == "mismatched"


# ---- number matching ----------------------------------------------------------------------------


@given(st.binary(min_size=32, max_size=32))
def test_three_different_two_digit_choices_one_of_them_the_screen_s(secret: bytes) -> None:
    shown = rules.match_number(secret)
    choices = rules.number_choices(secret)
    assert len(shown) == 2 and shown.isdigit() and 10 <= int(shown) <= 99
    assert len(set(choices)) == 3 and shown in choices
    assert all(len(c) == 2 and c.isdigit() for c in choices)
    assert rules.number_choices(secret) == choices  # the same on every visit
    assert rules.number_matches(secret, shown)
    assert not any(rules.number_matches(secret, c) for c in choices if c != shown)


def test_the_right_number_is_not_always_in_one_place() -> None:
    places = {
        rules.number_choices(bytes([n]) * 32).index(rules.match_number(bytes([n]) * 32))
        for n in range(40)
    }
    assert places == {0, 1, 2}


# ---- the place -----------------------------------------------------------------------------------


def test_a_place_is_kept_in_the_audit_detail_and_read_back() -> None:
    kiosk = Place(kiosk_name="1号自助服务一体机", hall="北京市东城区社会保险服务大厅")
    browser = Place(browser="Chrome", system="Windows")
    assert rules.place_of(kiosk.detail()) == kiosk
    assert rules.place_of(browser.detail()) == browser
    assert rules.place_of("none") is None and rules.place_of("") is None


# ---- what a limited session may do ----------------------------------------------------------------


def test_a_kiosk_session_for_a_member_may_view_print_and_certify_for_her_only() -> None:
    member, other = uuid4(), uuid4()
    scope = SessionScope(binding_id=member, kiosk=True)
    for capability in ("view", "print", "certify"):
        assert scope.allows(capability, member)
        assert not scope.allows(capability, None)  # the holder's own pages
        assert not scope.allows(capability, other)  # another member's
    assert scope.allows("session", None) and scope.allows("session", member)
    # A route that says nothing (unbinding, PIN, password, passkeys, paying) is refused.
    for undeclared in (None, "pay", "unbind", "pin", "VIEW", ""):
        assert not scope.allows(undeclared, member)


def test_a_kiosk_session_of_the_holder_themself_keeps_to_their_own_pages() -> None:
    scope = SessionScope(binding_id=None, kiosk=True)
    assert scope.allows("view", None) and scope.allows("certify", None)
    assert not scope.allows("view", uuid4())
    assert not scope.allows(None, None)


def test_which_sessions_are_limited() -> None:
    assert rules.is_limited(uuid4(), kiosk=False)  # acting for a member, in a browser
    assert rules.is_limited(None, kiosk=True)  # anyone at a self-service machine
    assert not rules.is_limited(None, kiosk=False)  # the holder in their own browser


def test_the_typed_code_is_eight_digits() -> None:
    code = rules.TYPED.new()
    assert len(code) == 8 and code.isdigit()
    assert rules.TYPED.normalise(rules.TYPED.display(code)) == code
    assert rules.TYPED.normalise("１２３４ ５６７８") == "12345678"  # full-width, spaced
    assert rules.TYPED.normalise("1234567") is None
    assert rules.TYPED.normalise("ABCD5678") is None

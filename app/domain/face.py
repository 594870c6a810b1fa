"""Face recognition rules: the reasons a photo cannot be used, the match decision, attempts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

import msgspec

PhotoProblem = Literal["no_face", "several_faces", "too_small", "too_dark", "blurred"]


class UnusablePhoto(ValueError):
    """The photo cannot be matched: which image ("selfie" or "reference") and why."""

    def __init__(self, reason: PhotoProblem, image: str = "selfie") -> None:
        super().__init__(f"{image}: {reason}")
        self.reason: PhotoProblem = reason
        self.image = image


def is_match(distance: float, threshold: float) -> bool:
    """dlib's descriptors put the same person below about 0.6 (L2) and others above."""
    return distance < threshold


class Attempts(msgspec.Struct, frozen=True):
    """Failed matches for one binding; never reset by restarting the flow or a new code."""

    total: int = 0
    recent: int = 0  # failures since the last wait
    wait_until: datetime | None = None

    def waiting(self, now: datetime) -> bool:
        return self.wait_until is not None and now < self.wait_until

    def after_failure(self, now: datetime, *, before_wait: int, wait: timedelta) -> Attempts:
        recent = self.recent + 1
        if recent >= before_wait:
            return Attempts(total=self.total + 1, recent=0, wait_until=now + wait)
        return Attempts(total=self.total + 1, recent=recent, wait_until=None)

    def tries_before_wait(self, before_wait: int) -> int:
        return max(before_wait - self.recent, 0)

    def needs_in_person(self, limit: int) -> bool:
        return self.total >= limit


def next_turn(serving: int | None, holders_last: int | None) -> int:
    """The matcher queue's turn of a new check (start-time fair queuing between holders):
    checks are matched in order of turn, so a holder with several pending checks gets one
    turn per round while another holder's new check joins the round being served.
    `serving`: the lowest turn still pending (None: nothing pending); `holders_last`: the
    highest turn of the same holder's pending checks (None: none)."""
    now = serving or 0
    return now if holders_last is None else max(now, holders_last + 1)

"""Journey 5: six wrong current PINs lock PIN use for 24 hours; the right PIN is then refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from playwright.sync_api import Page, expect

from e2e.helpers import (
    Holder,
    expect_error_summary,
    expect_field_error,
    path_is,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

WRONG_PIN = "135790"
NEW_PIN = "469207"
CHINA = ZoneInfo("Asia/Shanghai")


def _change_pin(page: Page, old_pin: str) -> None:
    page.locator("input[name=old_pin]").fill(old_pin)
    page.locator("input[name=new_pin]").fill(NEW_PIN)
    page.locator("input[name=confirm_pin]").fill(NEW_PIN)
    submit(page, "Change PIN")


def _lock_dates(start: datetime, end: datetime) -> set[str]:
    """The day (China Standard Time, as the page shows it) the lock ends, 24 h after it began."""
    return {
        format_date((moment + timedelta(hours=24)).astimezone(CHINA), "medium", locale="en")
        for moment in (start, end)
    }


def _expect_locked(page: Page, dates: set[str]) -> None:
    warning = page.locator(".warning[role=alert]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("PIN use is locked")
    expect(warning).to_contain_text(
        re.compile(r"You can use it again after .+\(China Standard Time\)")
    )
    text = warning.inner_text()
    assert any(day in text for day in dates), f"lock end should fall on {dates}: {text!r}"
    expect(page.locator("input[name=old_pin]")).to_have_count(0)


def test_six_wrong_pins_lock_pin_use(
    open_page: Callable[..., Page], js: bool, make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder(pin="702418")
    assert holder.pin is not None
    page = open_page(js=js)
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/account/pin")
    visit_check(page)
    expect(page.locator("h1")).to_have_text("Change your PIN")

    # A second tab with the form open, for the attempt after the lock.
    other_tab = page.context.new_page()
    other_tab.goto("/account/pin")
    expect(other_tab.locator("input[name=old_pin]")).to_be_visible()
    page.bring_to_front()  # background tabs get no animation frames, which waits rely on

    started = datetime.now(UTC)
    for attempt in range(1, 6):
        _change_pin(page, WRONG_PIN)
        remaining = 6 - attempt
        message = f"The PIN is not right. You have {remaining} more tries before PIN use is locked for 24 hours"
        expect_error_summary(page, message)
        expect_field_error(page, "old_pin", message)
        expect(page).to_have_url(path_is("/account/pin"))
        visit_check(page)

    _change_pin(page, WRONG_PIN)  # the sixth
    dates = _lock_dates(started, datetime.now(UTC))
    _expect_locked(page, dates)
    expect(page).to_have_url(path_is("/account/pin"))
    visit_check(page)

    # The seventh attempt, with the right PIN, from the form still open in the other tab.
    other_tab.bring_to_front()
    _change_pin(other_tab, holder.pin)
    expect(other_tab).to_have_url(path_is("/account/pin"))
    _expect_locked(other_tab, dates)
    expect(other_tab.locator(".notice")).to_have_count(0)
    visit_check(other_tab)

    # Still locked on a fresh visit; the PIN was not changed.
    page.goto("/account/pin")
    _expect_locked(page, dates)
    visit_check(page)
    page.goto("/account")
    visit_check(page)
    expect(page.locator(".notice")).to_have_count(0)

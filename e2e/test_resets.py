"""A forgotten PIN and a forgotten password (刷脸找回), on a 375 px phone, with real photographs
and real matching against the holder's registry portrait (conftest.make_family: biden2.jpg, so
a selfie of her is biden.jpg):

- six wrong PINs at the add-member wizard's PIN step lock PIN use; its "Forgotten your PIN?"
  leads to face recognition and a new PIN, which unlocks it, and back to the wizard, where the
  new PIN is taken;
- signed out, /login's "Forgotten your password?" leads to the ID number, face recognition and
  a new password, with which she then signs in (and not with the old one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    FACES,
    PHONE,
    Family,
    assert_no_horizontal_scroll,
    do_pin_step,
    expect_error_summary,
    expect_field_error,
    expect_wizard_step,
    follow_link,
    js_enabled,
    mask,
    path_is,
    sign_in,
    submit,
    visit_check,
    wait_for_face_result,
    with_wrong_check_char,
)

pytestmark = pytest.mark.e2e

PHONE_375: dict[str, Any] = {
    **PHONE,
    "viewport": {"width": 375, "height": 812},
    "screen": {"width": 375, "height": 812},
}
HER_SELFIE = FACES / "biden.jpg"  # her registry portrait is biden2.jpg
WRONG_PIN = "135790"
NEW_PIN = "581730"
NEW_PASSWORD = "lanterns-over-the-river-2026"
PIN_HEADING = "Reset your PIN"
PASSWORD_HEADING = "Reset your password"


def _status(path: str) -> re.Pattern[str]:
    """A check's status page (a pattern of its path), with any query ("Check again")."""
    return re.compile(r"^https?://[^/]+" + path + r"(\?[^#]*)?$")


def _send_selfie(page: Page, consent: str) -> None:
    main = page.locator("main")
    box = main.get_by_label(consent, exact=True)
    expect(box).not_to_be_checked()
    box.check()
    photo = main.get_by_label("Photo of your face", exact=True)
    expect(photo).to_have_attribute("capture", "user")
    photo.set_input_files(HER_SELFIE)
    submit(page, "Check the photo")


def _expect_page(page: Page, path: str, heading: str) -> None:
    page.wait_for_url(path_is(path))
    visit_check(page)
    expect(page.locator("main h1")).to_have_text(heading)
    assert_no_horizontal_scroll(page)


def test_a_forgotten_pin_is_reset_with_her_face_and_unlocks_pin_use(
    open_page: Callable[..., Page], js: bool, make_family: Callable[[], Family]
) -> None:
    holder = make_family().holder
    page = open_page(js=js, **PHONE_375)
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/affinity/add/pin")
    expect_wizard_step(page, "pin", swapped=False)

    for attempt in range(1, 6):
        do_pin_step(page, WRONG_PIN)
        message = (
            f"The PIN is not right. You have {6 - attempt} more tries before PIN use is "
            "locked for 24 hours"
        )
        expect_error_summary(page, message)
        expect_field_error(page, "pin", message)
        visit_check(page)
    do_pin_step(page, WRONG_PIN)  # the sixth: locked
    visit_check(page)
    main = page.locator("main")
    expect(main.locator(".warning[role=alert]")).to_contain_text("PIN use is locked")
    expect(main.locator("input[name=pin]")).to_have_count(0)
    forgotten = main.get_by_role("link", name="Forgotten your PIN?", exact=True)
    expect(forgotten).to_have_attribute("href", "/account/pin/forgotten?next=/affinity/add/pin")

    follow_link(page, "Forgotten your PIN?", "/account/pin/forgotten")
    _expect_page(page, "/account/pin/forgotten", PIN_HEADING)
    expect(main.locator(".warning")).to_contain_text("PIN use is locked until")
    # Without consent: the error beside the box and in the summary, nothing started.
    main.get_by_label("Photo of your face", exact=True).set_input_files(HER_SELFIE)
    submit(page, "Check the photo")
    visit_check(page)
    consent_message = "Confirm that you agree to face recognition"
    expect_error_summary(page, consent_message)
    expect_field_error(page, "consent", consent_message)

    _send_selfie(page, "I agree to face recognition to reset my e-card PIN")
    status = _status(r"/account/pin/forgotten/checks/[0-9a-f-]{36}")
    region, _seen = wait_for_face_result(page, status, PIN_HEADING, title=PIN_HEADING)
    expect(region).to_contain_text("The photo matches. You can now set a new PIN.")
    check_path = str(page.evaluate("() => location.pathname"))
    region.get_by_role("link", name="Set a new PIN", exact=True).click()
    _expect_page(page, f"{check_path}/new", "Set a new PIN")

    # Taken from her ID number: refused beside the field, nothing typed shown again.
    page.locator("input[name=new_pin]").fill(holder.id_number[-6:])
    page.locator("input[name=confirm_pin]").fill(holder.id_number[-6:])
    submit(page, "Set PIN")
    visit_check(page)
    weak = "The PIN cannot be taken from your ID number"
    expect_error_summary(page, weak)
    expect_field_error(page, "new_pin", weak)
    expect(page.locator("input[name=new_pin]")).to_have_value("")

    page.locator("input[name=new_pin]").fill(NEW_PIN)
    page.locator("input[name=confirm_pin]").fill(NEW_PIN)
    submit(page, "Set PIN")
    page.wait_for_url(re.compile(r"/account\?pin_reset=1"))
    visit_check(page)
    expect(page.locator("[data-notice]")).to_have_text(
        "Your PIN has been reset. You can use the new PIN now."
    )
    history = page.locator("#security-history + table")
    expect(history).to_contain_text("Reset your forgotten e-card PIN after face recognition")
    expect(history).to_contain_text("PIN use was locked after too many wrong PINs")
    assert_no_horizontal_scroll(page)

    # Back to the wizard: the lock is gone and the new PIN is taken.
    page.locator("main").get_by_role("link", name="Go back to what you were doing").click()
    expect_wizard_step(page, "pin", swapped=js_enabled(page))
    expect(page.locator("main .warning[role=alert]")).to_have_count(0)
    do_pin_step(page, NEW_PIN)
    expect_wizard_step(page, "notice")


def test_a_forgotten_password_is_reset_with_the_id_number_and_her_face(
    open_page: Callable[..., Page], js: bool, make_family: Callable[[], Family]
) -> None:
    holder = make_family().holder
    page = open_page(js=js, **PHONE_375)
    page.goto("/login")
    visit_check(page)
    page.locator("main").get_by_role("link", name="Forgotten your password?").click()
    _expect_page(page, "/password/forgotten", PASSWORD_HEADING)

    typo = with_wrong_check_char(holder.id_number)
    page.locator("input[name=id_number]").fill(typo)
    submit(page, "Continue")
    visit_check(page)
    message = "This ID number is not valid. Check it for a typing mistake"
    expect_error_summary(page, message)
    expect_field_error(page, "id_number", message)
    expect(page.locator("input[name=id_number]")).to_have_value(typo)  # kept as typed

    spaced = f"{holder.id_number[:6]} {holder.id_number[6:14]} {holder.id_number[14:]}"
    page.locator("input[name=id_number]").fill(spaced)
    submit(page, "Continue")
    _expect_page(page, "/password/forgotten/face", PASSWORD_HEADING)
    main = page.locator("main")
    expect(main.locator("dl")).to_contain_text(mask(holder.id_number))
    assert holder.id_number not in page.content(), "the full ID number must never be shown"

    _send_selfie(page, "I agree to face recognition to reset my password")
    status = _status(re.escape("/password/forgotten/check"))
    region, _seen = wait_for_face_result(page, status, PASSWORD_HEADING, title=PASSWORD_HEADING)
    expect(region).to_contain_text("The photo matches. You can now set a new password.")
    region.get_by_role("link", name="Set a new password", exact=True).click()
    _expect_page(page, "/password/forgotten/new", "Set a new password")

    page.locator("input[name=new_password]").fill("too-short")
    page.locator("input[name=confirm_password]").fill("too-short")
    submit(page, "Set password")
    visit_check(page)
    short = "Your new password must be at least 10 characters"
    expect_error_summary(page, short)
    expect_field_error(page, "new_password", short)

    page.locator("input[name=new_password]").fill(NEW_PASSWORD)
    page.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
    submit(page, "Set password")
    page.wait_for_url(path_is("/login"))
    visit_check(page)
    expect(page.locator("[data-notice]")).to_have_text(
        "Your password has been reset. Sign in with your new password."
    )

    sign_in(page, holder.id_number, holder.password)  # the old one no longer works
    expect_error_summary(page, "The ID number or password is not right")
    sign_in(page, holder.id_number, NEW_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)

"""Journey: a holder signed in on two devices changes their password on one (a mistake
first), which signs the other out; then signs in again elsewhere and, from the sessions page,
ends that other session. JavaScript on and off, axe on every page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    Holder,
    expect_error_summary,
    expect_field_error,
    follow_link,
    follow_menu_link,
    path_is,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "quiet harbour lantern 88"
LAPTOP_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"


def _second_device(open_page: Callable[..., Page], js: bool, holder: Holder, password: str) -> Page:
    laptop = open_page(js=js, user_agent=LAPTOP_UA)
    sign_in(laptop, holder.id_number, password)
    expect(laptop).to_have_url(path_is("/"))
    return laptop


def _expect_signed_out(device: Page) -> None:
    device.goto("/account")
    expect(device).to_have_url(path_is("/login"))
    visit_check(device)


def test_change_the_password_and_end_another_session(
    page: Page, open_page: Callable[..., Page], js: bool, make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder()
    laptop = _second_device(open_page, js, holder, holder.password)
    sign_in(page, holder.id_number, holder.password)
    follow_menu_link(page, "Account and security", "/account")
    follow_link(page, "Change your password", "/account/password")
    expect(page.locator("h1")).to_have_text("Change your password")

    # A wrong current password: the error next to the field and in the summary.
    page.locator("input[name=current_password]").fill("not-my-password")
    page.locator("input[name=new_password]").fill(NEW_PASSWORD)
    page.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
    submit(page, "Change password")
    visit_check(page)
    expect_error_summary(page, "The password is not right")
    expect_field_error(page, "current_password", "The password is not right")

    page.locator("input[name=current_password]").fill(holder.password)
    page.locator("input[name=new_password]").fill(NEW_PASSWORD)
    page.locator("input[name=confirm_password]").fill(NEW_PASSWORD)
    submit(page, "Change password")
    expect(page).to_have_url(path_is("/account"))
    visit_check(page)
    expect(page.locator(".notice[role=status]")).to_contain_text("Your password has been changed")
    _expect_signed_out(laptop)  # the other device was signed out by the change

    # Signed in again on the laptop with the new password; the phone ends that session.
    laptop = _second_device(open_page, js, holder, NEW_PASSWORD)
    follow_link(page, "Where you are signed in", "/account/sessions")
    expect(page.locator("h1")).to_have_text("Where you are signed in")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("This device")
    expect(rows.nth(1)).to_contain_text("Firefox on Windows")
    rows.nth(1).get_by_role("button", name="End session").click()
    page.wait_for_url(path_is("/account/sessions"))
    visit_check(page)
    expect(page.locator(".notice[role=status]")).to_contain_text("That session has been ended")
    expect(page.locator("main tbody tr")).to_have_count(1)
    expect(page.locator("main")).to_contain_text("You are not signed in anywhere else")
    _expect_signed_out(laptop)

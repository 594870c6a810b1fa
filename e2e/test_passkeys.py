"""Journey 3: passkeys through Chromium's virtual authenticator (JS only), and without JS."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    Holder,
    add_virtual_authenticator,
    authenticator_credentials,
    expect_error_summary,
    expect_field_error,
    path_is,
    sign_in,
    sign_out,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e


def _passkey_sign_in(page: Page) -> None:
    page.goto("/login")
    visit_check(page)
    button = page.locator("[data-passkey-login]")
    expect(button).to_be_visible()
    expect(button).to_have_accessible_name("Sign in with a passkey")
    button.click()


def test_add_sign_in_with_and_remove_a_passkey(
    open_page: Callable[..., Page], make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder()
    page = open_page(js=True)
    session, authenticator = add_virtual_authenticator(page)

    # Signed in with the password just now, so no second password check is asked for.
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/account")
    visit_check(page)
    passkeys = page.locator("section[aria-labelledby=passkeys]")
    expect(passkeys).to_contain_text("You have no passkeys.")
    expect(page.locator("[data-passkey-unsupported]")).to_be_hidden()
    register = page.locator("[data-passkey-register]")
    expect(register).to_be_visible()
    register.click()

    page.wait_for_url(path_is("/account"))
    expect(page.locator(".notice[role=status]")).to_contain_text("Passkey added")
    visit_check(page)
    rows = passkeys.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(re.compile(r"Passkey added on \d{4}-\d{2}-\d{2}"))
    expect(rows.first).to_contain_text("Not used yet")
    assert len(authenticator_credentials(session, authenticator)) == 1, (
        "the authenticator holds the new passkey"
    )

    sign_out(page)

    # Sign in with the passkey: a discoverable credential, so no ID number is typed.
    _passkey_sign_in(page)
    page.wait_for_url(path_is("/"))
    visit_check(page)
    expect(page.locator("section.ecard")).to_contain_text(holder.name)
    expect(page.locator("section.ecard")).to_contain_text(holder.masked_id)

    # Signed in by passkey: adding another passkey first asks for the password again.
    page.goto("/account")
    visit_check(page)
    expect(rows.first).not_to_contain_text("Not used yet")
    expect(register).to_have_count(0)
    password = page.locator("[data-passkey-add] input[name=password]")
    expect(password).to_be_visible()
    password.fill("wrong-password")
    submit(page, "Confirm password")
    expect_error_summary(page, "The password is not right")
    expect_field_error(page, "password", "The password is not right")
    visit_check(page)
    page.locator("[data-passkey-add] input[name=password]").fill(holder.password)
    submit(page, "Confirm password")
    expect(page).to_have_url(path_is("/account"))
    expect(page.locator("[data-passkey-register]")).to_be_visible()
    visit_check(page)

    # Remove it.
    remove = passkeys.get_by_role("button", name=re.compile(r"^Remove Passkey added on "))
    expect(remove).to_have_count(1)
    remove.click()
    expect(page.locator(".notice[role=status]")).to_contain_text("Passkey removed.")
    expect(page).to_have_url(path_is("/account"))
    visit_check(page)
    expect(passkeys).to_contain_text("You have no passkeys.")
    expect(rows).to_have_count(0)

    # The authenticator still holds the credential, but the portal no longer accepts it.
    sign_out(page)
    _passkey_sign_in(page)
    error = page.locator("[data-passkey-signin] [data-passkey-error]")
    expect(error).to_be_visible()
    expect(error).to_have_text("Passkey sign-in did not work. Try again.")
    expect(page).to_have_url(path_is("/login"))
    visit_check(page)
    session.detach()


def test_without_javascript_there_is_no_passkey_button(
    open_page: Callable[..., Page], make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder()
    page = open_page(js=False)
    page.goto("/login")
    visit_check(page)
    expect(page.locator("[data-passkey-login]")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign in with a passkey")).to_have_count(0)

    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    page.goto("/account")
    visit_check(page)
    expect(page.locator("[data-passkey-register]")).to_be_hidden()
    expect(page.locator("[data-passkey-add]")).to_be_hidden()
    expect(page.locator("[data-passkey-unsupported]")).to_be_visible()

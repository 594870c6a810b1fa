"""Journey 1: password sign-in, the e-card pages, sign-out; and the sign-in form's errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    DEMO_CARD_NUMBER,
    DEMO_ID,
    DEMO_MASKED_ID,
    DEMO_NAME,
    DEMO_PASSWORD,
    expect_error_summary,
    expect_field_error,
    follow_link,
    follow_menu_link,
    id_number,
    path_is,
    sign_in,
    sign_out,
    submit,
    visit_check,
    with_wrong_check_char,
)

pytestmark = pytest.mark.e2e

GENERIC = "The ID number or password is not right"


def test_sign_in_see_the_card_and_sign_out(page: Page) -> None:
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    expect(page.locator("h1")).to_have_text("My e-card")
    card = page.locator("section.ecard")
    expect(card).to_contain_text(DEMO_NAME)
    expect(card).to_contain_text(DEMO_MASKED_ID)
    expect(card).to_contain_text(DEMO_CARD_NUMBER)
    assert DEMO_ID not in page.content(), "the full ID number must never be shown"

    follow_link(page, "Card details", "/card")
    expect(page.locator("h1")).to_have_text("Card details")
    expect(page).to_have_title("Card details – e-SSC affinity services")
    expect(page.locator("main")).to_contain_text(DEMO_MASKED_ID)
    follow_link(page, "Card-face services", "/card/services")
    expect(page.locator("h1")).to_have_text("Card-face services")

    follow_menu_link(page, "Affinity services", "/affinity")
    expect(page.locator("h1")).to_have_text("Affinity services")
    # Other journeys bind 王芳's family in the same server, so the list may not be empty.
    expect(page.locator("main").get_by_role("link", name=re.compile(r"^Add\b"))).to_be_visible()

    follow_menu_link(page, "Account and security", "/account")
    expect(page.locator("h1")).to_have_text("Account and security")
    follow_menu_link(page, "My e-card", "/")

    sign_out(page)
    page.goto("/card")  # signed out for real: a protected page sends you to sign in
    expect(page).to_have_url(path_is("/login"))
    visit_check(page)


def test_wrong_password_gives_one_generic_message(page: Page) -> None:
    sign_in(page, DEMO_ID, "not-the-password")
    expect(page).to_have_url(path_is("/login"))
    expect_error_summary(page, GENERIC)
    expect_field_error(page, "id_number", GENERIC)
    expect(page.locator("input[name=id_number]")).to_have_value(DEMO_ID)
    expect(page.locator("input[name=password]")).to_have_value("")
    visit_check(page)

    # An ID number with no account gets exactly the same answer: the form reveals no one.
    page.locator("input[name=id_number]").fill(id_number())
    page.locator("input[name=password]").fill("not-the-password")
    submit(page, "Sign in")
    expect_error_summary(page, GENERIC)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    visit_check(page)


@pytest.mark.parametrize(
    ("number", "password", "field", "message"),
    [
        pytest.param(
            with_wrong_check_char(DEMO_ID),
            DEMO_PASSWORD,
            "id_number",
            "This ID number is not valid. Check it for a typing mistake",
            id="bad-check-char",
        ),
        pytest.param(DEMO_ID, "", "password", "Enter your password", id="empty-password"),
        pytest.param(
            DEMO_ID,
            "p" * 10_000,
            "password",
            "Your password must be 128 characters or fewer",
            id="10000-char-password",
        ),
    ],
)
def test_sign_in_form_errors(
    page: Page, number: str, password: str, field: str, message: str
) -> None:
    page.goto("/login")
    visit_check(page)
    page.locator("input[name=id_number]").fill(number)
    page.locator("input[name=password]").fill(password)
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith("/login")
    ) as answer:
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert answer.value.status == 422, f"expected 422, got {answer.value.status}"
    page.wait_for_load_state("load")
    expect(page).to_have_url(path_is("/login"))
    expect_error_summary(page, message)
    expect_field_error(page, field, message)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    visit_check(page)

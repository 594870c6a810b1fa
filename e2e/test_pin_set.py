"""Journey 2: a holder without a PIN sets one at first sign-in; weak PINs are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
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

GOOD_PIN = "702418"


def _from_id_number(number: str) -> str:
    """Six digits taken from the ID number that break no other rule (not repeated, not a run)."""
    for start in range(len(number) - 5):
        part = number[start : start + 6]
        if (
            part.isdigit()
            and len(set(part)) > 1
            and part not in "0123456789"
            and part not in "9876543210"
        ):
            return part
    raise AssertionError(f"no usable 6 digits in {number}")


def _try_pin(page: Page, pin: str, confirm: str | None = None) -> None:
    page.locator("input[name=pin]").fill(pin)
    page.locator("input[name=confirm_pin]").fill(pin if confirm is None else confirm)
    submit(page, "Set PIN")


def test_first_sign_in_sets_a_pin(page: Page, make_holder: Callable[..., Holder]) -> None:
    holder = make_holder(pin=None)
    assert GOOD_PIN not in holder.id_number
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/pin/set"))
    visit_check(page)
    expect(page.locator("h1")).to_have_text("Set your e-card PIN")
    pin_input = page.locator("input[name=pin]")
    expect(pin_input).to_have_attribute("inputmode", "numeric")

    # Until a PIN is set, every other page sends the holder back here.
    page.goto("/account")
    expect(page).to_have_url(path_is("/pin/set"))
    visit_check(page)

    weak = [
        ("123456", "The PIN cannot be a run of digits such as 123456 or 654321"),
        ("111111", "The PIN cannot be the same digit 6 times"),
        (_from_id_number(holder.id_number), "The PIN cannot be taken from your ID number"),
    ]
    for pin, message in weak:
        _try_pin(page, pin)
        expect(page).to_have_url(path_is("/pin/set"))
        expect_error_summary(page, message)
        expect_field_error(page, "pin", message)
        visit_check(page)

    _try_pin(page, GOOD_PIN, confirm="702419")
    expect_error_summary(page, "The two PINs do not match")
    expect_field_error(page, "confirm_pin", "The two PINs do not match")
    visit_check(page)

    _try_pin(page, GOOD_PIN)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    expect(page.locator("h1")).to_have_text("My e-card")
    expect(page.locator("section.ecard")).to_contain_text(holder.name)
    expect(page.locator("section.ecard")).to_contain_text(holder.masked_id)

    # Set once: the page now sends the holder home.
    page.goto("/pin/set")
    expect(page).to_have_url(path_is("/"))
    visit_check(page)

"""The add-member wizard's errors, step by step, and its guard against deep links."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    PROOF_PHOTO,
    Family,
    Holder,
    do_details_step,
    do_documents_step,
    do_pin_step,
    expect_error_summary,
    expect_field_error,
    expect_wizard_step,
    id_number,
    path_is,
    sign_in,
    submit,
    visit_check,
    with_wrong_check_char,
)

pytestmark = pytest.mark.e2e

NO_MATCH = "The name and ID number do not match a social insurance record. Check both"


def _expect_only_error(page: Page, field: str, message: str) -> None:
    expect_error_summary(page, message)
    expect_field_error(page, field, message)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    visit_check(page)


def test_each_step_says_what_is_wrong(
    page: Page, make_family: Callable[[], Family], tmp_path: Path
) -> None:
    family = make_family()
    holder, mother = family.holder, family.mother
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    page.goto("/affinity/add")
    expect_wizard_step(page, "pin", swapped=False)

    # PIN: a wrong one counts down the tries.
    do_pin_step(page, "135790")
    expect(page).to_have_url(path_is("/affinity/add/pin"))
    _expect_only_error(
        page,
        "pin",
        "The PIN is not right. You have 5 more tries before PIN use is locked for 24 hours",
    )
    assert holder.pin is not None
    do_pin_step(page, holder.pin)
    expect_wizard_step(page, "notice")

    # Notice: the box must be ticked.
    submit(page, "Continue")
    expect(page).to_have_url(path_is("/affinity/add/notice"))
    _expect_only_error(page, "accept", "Confirm that you have read and accept the notice")
    page.get_by_label("I have read the notice and I accept it").check()
    submit(page, "Continue")
    expect_wizard_step(page, "details")

    # Details: a typing mistake in the ID number; what was typed stays in the form.
    typo = with_wrong_check_char(mother.id_number)
    do_details_step(page, mother.name, typo, "parent")
    expect(page).to_have_url(path_is("/affinity/add/details"))
    _expect_only_error(
        page, "id_number", "This ID number is not valid. Check it for a typing mistake"
    )
    expect(page.locator("input[name=id_number]")).to_have_value(typo)
    expect(page.locator("input[name=name]")).to_have_value(mother.name)
    expect(page.locator("input[name=relationship][value=parent]")).to_be_checked()

    # A name that is not the registry's for that number, and a number the registry does not
    # have: one and the same message, so the form reveals nobody.
    do_details_step(page, "刘淑芬", mother.id_number, "parent")
    _expect_only_error(page, "name", NO_MATCH)
    expect(page.locator("input[name=name]")).to_have_value("刘淑芬")
    expect(page.locator("input[name=id_number]")).to_have_value(mother.id_number)
    do_details_step(page, mother.name, id_number("19600607"), "parent")
    _expect_only_error(page, "name", NO_MATCH)

    # Yourself.
    do_details_step(page, holder.name, holder.id_number, "other")
    _expect_only_error(
        page, "id_number", "You cannot add yourself. Enter a family member's details"
    )

    # A relationship the dates of birth rule out: the error is on the radio group.
    message = "A child or grandchild must be younger than you. Check the relationship"
    do_details_step(page, mother.name, mother.id_number, "child")
    expect_error_summary(page, message)
    expect(page.locator("#relationship-error")).to_contain_text(message)
    expect(page.locator("fieldset#relationship")).to_have_attribute(
        "aria-describedby", "relationship-error"
    )
    # The summary's link leads to the first radio, where an answer can be chosen.
    link = page.locator("[data-error-summary] a[href='#relationship-spouse']")
    expect(link).to_have_text(message)
    link.click()
    expect(page.locator("#relationship-spouse")).to_be_focused()
    visit_check(page)

    do_details_step(page, mother.name, mother.id_number, "parent")
    expect_wizard_step(page, "documents")

    # Documents: nothing chosen, then a PDF where a photo should be.
    submit(page, "Continue")
    _expect_only_error(
        page, "proof", "Choose a photo of the document that shows how you are related"
    )
    pdf = tmp_path / "id-card.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n")
    do_documents_step(page, proof=pdf)
    expect(page).to_have_url(path_is("/affinity/add/documents"))
    _expect_only_error(page, "proof", "The relationship document must be a JPG or PNG")
    expect(page.locator("#proof-hint")).not_to_contain_text("already uploaded")

    do_documents_step(page, proof=PROOF_PHOTO)
    expect_wizard_step(page, "check")


def test_no_step_opens_before_the_ones_before_it(
    page: Page, make_holder: Callable[..., Holder]
) -> None:
    holder = make_holder()
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))

    # A new holder deep-linking to the last step lands on the first.
    for step in ("check", "documents", "details", "notice"):
        page.goto(f"/affinity/add/{step}")
        expect_wizard_step(page, "pin", swapped=False)

    # With the PIN done, later steps still send them to the notice.
    assert holder.pin is not None
    do_pin_step(page, holder.pin)
    expect_wizard_step(page, "notice")
    for step in ("check", "details"):
        page.goto(f"/affinity/add/{step}")
        expect_wizard_step(page, "notice", swapped=False)
    # Posting to a later step is refused the same way, and submits nothing.
    token = page.evaluate(
        "() => JSON.parse(document.body.getAttribute('hx-headers'))['x-csrftoken']"
    )
    answer = page.request.post(
        "/affinity/add/check", headers={"x-csrftoken": token}, max_redirects=0
    )
    assert answer.status == 303, answer.status
    assert answer.headers["location"].endswith("/affinity/add/notice"), answer.headers
    page.goto("/affinity")
    visit_check(page)
    expect(page.locator("main")).to_contain_text("You have not added any family members yet.")

    # Steps already done stay open.
    page.goto("/affinity/add/pin")
    expect_wizard_step(page, "pin", swapped=False)
    page.goto("/affinity/add")
    expect_wizard_step(page, "notice", swapped=False)

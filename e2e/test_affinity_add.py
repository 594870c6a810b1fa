"""Add a family member, way in A (the affinity services list): an adult, then a child under 16.

Each test has its own holder and registry family (conftest.make_family): the wizard draft is
per holder and a member cannot be added twice, so no test depends on another.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.helpers import (
    AWAITING_FACE,
    FACE_PHOTO,
    PHONE,
    Family,
    assert_no_horizontal_scroll,
    check_answer,
    do_details_step,
    do_documents_step,
    do_notice_step,
    do_pin_step,
    expect_error_summary,
    expect_field_error,
    expect_member_page,
    expect_wizard_step,
    follow_link,
    follow_menu_link,
    js_enabled,
    path_is,
    sign_in,
    submit,
    visit_check,
    wizard_to_check,
)

pytestmark = pytest.mark.e2e


def _member_row(page: Page, name: str) -> Locator:
    return page.locator("main table tbody tr").filter(has=page.get_by_role("link", name=name))


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_add_a_parent_then_cancel_the_request(
    open_page: Callable[..., Page], js: bool, make_family: Callable[[], Family], screen: str
) -> None:
    family = make_family()
    holder, mother = family.holder, family.mother
    page = open_page(js=js, **(PHONE if screen == "phone" else {}))

    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    assert_no_horizontal_scroll(page)

    # Home -> the "Affinity services" link -> the list -> "Add a family member".
    follow_link(page, "Affinity services", "/affinity")
    expect(page.locator("main")).to_contain_text("You have not added any family members yet.")
    assert_no_horizontal_scroll(page)
    page.locator("main").get_by_role("link", name="Add a family member", exact=True).click()
    expect_wizard_step(page, "pin")  # /affinity/add sends a new draft to its first step
    expect(page.locator("input[name=pin]")).to_have_attribute("inputmode", "numeric")

    wizard_to_check(page, holder, mother)

    # Check your answers: every answer, each with its Change link.
    expect(check_answer(page, "Notice")).to_contain_text("Read and accepted")
    expect(check_answer(page, "Name")).to_have_text(mother.name)
    expect(check_answer(page, "ID number")).to_have_text(mother.masked_id)
    expect(check_answer(page, "Age")).to_have_text(str(mother.age))
    expect(check_answer(page, "Relationship")).to_have_text("Parent")
    expect(check_answer(page, "Relationship document")).to_have_text("Uploaded")
    expect(page.locator("dl.check-list dt", has_text="Face photo")).to_have_count(0)
    main = page.locator("main")
    for name, path in [
        ("Change notice", "notice"),
        ("Change name", "details"),
        ("Change ID number", "details"),
        ("Change relationship", "details"),
        ("Change relationship document", "documents"),
    ]:
        link = main.get_by_role("link", name=name, exact=True)
        expect(link).to_have_attribute("href", f"/affinity/add/{path}")
    assert mother.id_number not in page.content(), "the full ID number must never be shown"
    expect(main).to_contain_text(f"{mother.name} must pass face recognition")

    submit(page, "Accept and send")
    member_path = expect_member_page(page, mother)

    # The list shows the request; the member page is one click away.
    follow_link(page, "Back", "/affinity")
    row = _member_row(page, mother.name)
    expect(row).to_contain_text(AWAITING_FACE)
    expect(row).to_contain_text(mother.masked_id)
    expect(row).to_contain_text(f"Ask {mother.name} to complete face recognition")
    expect(page.locator("main")).not_to_contain_text("You have not finished adding")
    assert_no_horizontal_scroll(page)
    page.locator("main").get_by_role("link", name=mother.name, exact=True).click()
    assert expect_member_page(page, mother) == member_path

    # Cancel the request: back to the list, which says so.
    submit(page, "Cancel this request")
    expect(page).to_have_url(path_is("/affinity"))
    visit_check(page)
    expect(page.locator(".notice[role=status]")).to_have_text("The request was cancelled.")
    if js_enabled(page):  # after a swap, read out from the live region that was already there
        expect(page.locator("#announcer")).to_have_text("The request was cancelled.")
    row = _member_row(page, mother.name)
    expect(row).to_contain_text("Request cancelled")
    expect(row).to_contain_text(f"You can add {mother.name} again")
    assert_no_horizontal_scroll(page)
    page.goto(member_path)
    visit_check(page)
    expect(page.locator("main .tag")).to_have_text("Request cancelled")
    expect(page.get_by_role("button", name="Cancel this request")).to_have_count(0)


def test_a_child_under_16_needs_a_face_photo(page: Page, make_family: Callable[[], Family]) -> None:
    family = make_family()
    holder, son = family.holder, family.son
    assert son.age < 16
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)

    # This time through the header's "My" menu.
    follow_menu_link(page, "Affinity services", "/affinity")
    page.locator("main").get_by_role("link", name="Add a family member", exact=True).click()
    expect_wizard_step(page, "pin")
    assert holder.pin is not None
    do_pin_step(page, holder.pin)
    expect_wizard_step(page, "notice")
    do_notice_step(page)
    expect_wizard_step(page, "details")
    do_details_step(page, son.name, son.id_number, "child")
    expect_wizard_step(page, "documents")
    main = page.locator("main")
    expect(main).to_contain_text(f"{son.name}, {son.masked_id}, age {son.age}.")
    expect(main).to_contain_text("Because they are under 16, a face photo is needed as well.")
    face_input = page.get_by_label(f"Frontal face photo of {son.name}")
    expect(face_input).to_have_attribute("name", "face_photo")
    expect(face_input).to_have_attribute("type", "file")

    # The proof alone is not enough: the face photo is asked for, the proof is kept.
    message = "Choose a frontal face photo of the family member"
    do_documents_step(page)
    expect(page).to_have_url(path_is("/affinity/add/documents"))
    expect_error_summary(page, message)
    expect_field_error(page, "face_photo", message)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    expect(page.locator("#proof-hint")).to_contain_text("A photo is already uploaded")
    visit_check(page)

    do_documents_step(page, proof=None, face_photo=FACE_PHOTO)
    expect_wizard_step(page, "check")
    expect(check_answer(page, "Name")).to_have_text(son.name)
    expect(check_answer(page, "Age")).to_have_text(str(son.age))
    expect(check_answer(page, "Relationship")).to_have_text("Child")
    expect(check_answer(page, "Relationship document")).to_have_text("Uploaded")
    expect(check_answer(page, "Face photo")).to_have_text("Uploaded")
    expect(
        page.locator("main").get_by_role("link", name="Change face photo", exact=True)
    ).to_have_attribute("href", "/affinity/add/documents")

    submit(page, "Accept and send")
    expect_member_page(page, son)
    follow_link(page, "Back", "/affinity")
    expect(_member_row(page, son.name)).to_contain_text(AWAITING_FACE)
    # The same family can still go on: the draft is gone, the next "Add" starts afresh.
    page.locator("main").get_by_role("link", name="Add a family member", exact=True).click()
    expect_wizard_step(page, "pin")

"""Moving about the add-member wizard: Back links, leaving and coming back, and "Change" on the
check-answers page (a different member voids the documents uploaded for the first)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    Family,
    check_answer,
    do_details_step,
    do_documents_step,
    expect_wizard_step,
    follow_link,
    path_is,
    sign_in,
    submit,
    visit_check,
    wizard_to_check,
)

pytestmark = pytest.mark.e2e


def _back(page: Page, step: str) -> None:
    page.locator("main").get_by_role("link", name="Back", exact=True).click()
    expect_wizard_step(page, step)


def test_back_links_and_changing_the_member(page: Page, make_family: Callable[[], Family]) -> None:
    family = make_family()
    holder, mother, father = family.holder, family.mother, family.father
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    follow_link(page, "Affinity services", "/affinity")
    page.locator("main").get_by_role("link", name="Add a family member", exact=True).click()
    expect_wizard_step(page, "pin")
    wizard_to_check(page, holder, mother)

    # Each Back link goes to the step before; what was done stays done.
    _back(page, "documents")
    expect(page.locator("#proof-hint")).to_contain_text("A photo is already uploaded")
    _back(page, "details")
    expect(page.locator("input[name=name]")).to_have_value(mother.name)
    expect(page.locator("input[name=relationship][value=parent]")).to_be_checked()
    expect(page.locator("#id_number-hint")).to_contain_text(f"Saved: {mother.masked_id}")
    _back(page, "notice")
    _back(page, "pin")
    follow_link(page, "Back", "/affinity")

    # The list offers to continue, which goes straight back to the check-answers page.
    expect(page.locator("main .notice")).to_contain_text(
        f"You have not finished adding {mother.name}."
    )
    page.locator("main").get_by_role("link", name="Continue", exact=True).click()
    expect_wizard_step(page, "check")
    expect(check_answer(page, "Name")).to_have_text(mother.name)

    # "Change" leads to the details step; another member there voids the proof uploaded
    # for the first, so the documents step must be done again.
    page.locator("main").get_by_role("link", name="Change ID number", exact=True).click()
    expect_wizard_step(page, "details")
    do_details_step(page, father.name, father.id_number, "parent")
    expect_wizard_step(page, "documents")
    expect(page.locator("main")).to_contain_text(f"{father.name}, {father.masked_id}")
    expect(page.locator("#proof-hint")).not_to_contain_text("already uploaded")
    page.goto("/affinity/add/check")  # not before the documents are done again
    expect_wizard_step(page, "documents", swapped=False)
    submit(page, "Continue")
    expect(page.locator("#proof-error")).to_contain_text(
        "Choose a photo of the document that shows how you are related"
    )
    visit_check(page)

    do_documents_step(page)
    expect_wizard_step(page, "check")
    expect(check_answer(page, "Name")).to_have_text(father.name)
    expect(check_answer(page, "ID number")).to_have_text(father.masked_id)
    expect(check_answer(page, "Age")).to_have_text(str(father.age))
    expect(check_answer(page, "Relationship document")).to_have_text("Uploaded")
    expect(page.locator("main")).not_to_contain_text(mother.name)

    # "Change" on the notice row opens the notice; the wizard still resumes at the check page.
    page.locator("main").get_by_role("link", name="Change notice", exact=True).click()
    expect_wizard_step(page, "notice")
    page.goto("/affinity/add")
    expect_wizard_step(page, "check", swapped=False)

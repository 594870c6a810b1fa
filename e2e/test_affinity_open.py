"""Add a family member, way in B: the card's card-face services -> "Open affinity services" ->
choose someone of the registry household; the wizard then knows their name and ID number."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from e2e.helpers import (
    Family,
    check_answer,
    choose_relationship,
    do_documents_step,
    do_notice_step,
    do_pin_step,
    expect_member_page,
    expect_wizard_step,
    follow_link,
    path_is,
    sign_in,
    submit,
    visit_check,
)

pytestmark = pytest.mark.e2e


def _open_affinity_services(page: Page) -> None:
    """Home -> Card details -> Card-face services -> Open affinity services."""
    follow_link(page, "Card details", "/card")
    follow_link(page, "Card-face services", "/card/services")
    follow_link(page, "Open affinity services", "/affinity/open")
    expect(page.locator("main h1")).to_have_text("Open affinity services")


def test_choose_a_household_member_from_the_card(
    page: Page, make_family: Callable[[], Family]
) -> None:
    family = make_family()
    holder, father = family.holder, family.father
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    _open_affinity_services(page)

    # One button per member of the household, oldest first, each with the masked ID and age.
    main = page.locator("main")
    choices = main.get_by_role("button", name=re.compile(r"^Choose "))
    expect(choices).to_have_text(
        [f"Choose {m.name}" for m in (family.father, family.mother, family.son)]
    )
    for member in (family.father, family.mother, family.son):
        item = main.locator("li").filter(has_text=f"Choose {member.name}")
        expect(item).to_contain_text(f"{member.masked_id} · age {member.age}")
        expect(item.get_by_role("button")).to_have_attribute("name", "person_id")
    expect(main).not_to_contain_text(holder.name)  # not the holder themself
    assert father.id_number not in page.content(), "the full ID number must never be shown"

    main.get_by_role("button", name=f"Choose {father.name}", exact=True).click()
    expect_wizard_step(page, "pin")
    assert holder.pin is not None
    do_pin_step(page, holder.pin)
    expect_wizard_step(page, "notice")
    do_notice_step(page)
    expect_wizard_step(page, "details")

    # The name and ID number are known: shown (masked), not asked; only the relationship is.
    summary = main.locator("dl.summary-list")
    expect(summary).to_contain_text(father.name)
    expect(summary).to_contain_text(father.masked_id)
    expect(summary).to_contain_text(str(father.age))
    expect(page.locator("input[name=name]")).to_have_count(0)
    expect(page.locator("input[name=id_number]")).to_have_count(0)
    expect(page.locator("input[name=relationship]")).to_have_count(7)
    expect(main.locator("fieldset legend")).to_have_text("How are they related to you?")
    assert father.id_number not in page.content(), "the full ID number must never be shown"
    choose_relationship(page, "parent")
    submit(page, "Continue")

    expect_wizard_step(page, "documents")
    expect(main).to_contain_text(f"{father.name}, {father.masked_id}, age {father.age}.")
    expect(page.locator("input[name=face_photo]")).to_have_count(0)  # an adult
    do_documents_step(page)
    expect_wizard_step(page, "check")
    expect(check_answer(page, "Name")).to_have_text(father.name)
    expect(check_answer(page, "ID number")).to_have_text(father.masked_id)
    expect(check_answer(page, "Relationship")).to_have_text("Parent")

    submit(page, "Accept and send")
    member_path = expect_member_page(page, father)

    # Back on the open page, the father waits for face recognition and is no longer a choice.
    page.goto("/affinity/open")
    visit_check(page)
    expect(main.get_by_role("heading", name="Waiting for face recognition")).to_be_visible()
    expect(main.get_by_role("link", name=father.name, exact=True)).to_have_attribute(
        "href", member_path
    )
    expect(main.get_by_role("button", name=f"Choose {father.name}")).to_have_count(0)
    expect(main.get_by_role("button", name=f"Choose {family.mother.name}")).to_be_visible()

    # Cancelling the request makes him a choice again.
    follow_link(page, father.name, member_path)
    submit(page, "Cancel this request")
    expect(page).to_have_url(path_is("/affinity"))
    visit_check(page)
    expect(page.locator(".notice[role=status]")).to_have_text("The request was cancelled.")
    page.goto("/affinity/open")
    visit_check(page)
    expect(main.get_by_role("button", name=f"Choose {father.name}", exact=True)).to_be_visible()
    expect(main.get_by_role("heading", name="Waiting for face recognition")).to_have_count(0)

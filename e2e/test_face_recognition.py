"""Face recognition of the family member on the holder's phone, with real photographs and real
matching (dlib, in the server's worker process): the member page's "Do it now on this phone",
then the status page, polled by HTMX with JavaScript on and "Check again" without it.

The reference is the registry portrait for members of 16 and over, the uploaded face photo for
members under 16 (he has no portrait); never the relationship document, which here shows
someone else's face (the mismatch below is a photo of that face). Each test has its own family
(conftest.make_family), one registry household, so no document review is needed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from e2e.helpers import (
    AWAITING_FACE,
    FACES,
    Family,
    Member,
    consent_label,
    expect_error_summary,
    expect_field_error,
    expect_member_page,
    expect_wizard_step,
    face_status_pattern,
    follow_link,
    path_is,
    send_selfie,
    sign_in,
    submit,
    visit_check,
    wait_for_face_result,
    wizard_to_check,
)

pytestmark = pytest.mark.e2e

NO_CONSENT = "Confirm that the family member agrees to face recognition"
SEVERAL_FACES = "The photo has more than one face. Only the family member should be in it"
NO_MATCH = "The photo does not match the reference photo."
STATUS_TITLE = "Face recognition"  # the status page's title; its heading names the member


def face_heading(member: Member) -> str:
    return f"Face recognition of {member.name}"


def _add_member(
    page: Page, family: Family, member: Member, *, proof: Path, face_photo: Path | None = None
) -> str:
    """Sign in, go to the affinity services list, add the member; returns the member page."""
    holder = family.holder
    sign_in(page, holder.id_number, holder.password)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    follow_link(page, "Affinity services", "/affinity")
    page.locator("main").get_by_role("link", name="Add a family member", exact=True).click()
    expect_wizard_step(page, "pin")
    wizard_to_check(page, holder, member, proof=proof, face_photo=face_photo)
    submit(page, "Accept and send")
    member_path = expect_member_page(page, member)
    main = page.locator("main")
    expect(main.get_by_role("heading", name="Do it now on this phone", exact=True)).to_be_visible()
    expect(main).to_contain_text(f"Hand the phone to {member.name}.")
    return member_path


def _member_row(page: Page, name: str) -> Locator:
    return page.locator("main table tbody tr").filter(has=page.get_by_role("link", name=name))


def _expect_active(page: Page, member: Member, member_path: str) -> None:
    """From the result of a match: the list and the member page both say "Active"."""
    follow_link(page, "Go to your family members", "/affinity")
    row = _member_row(page, member.name)
    expect(row.locator(".tag")).to_have_text("Active")
    act_for = row.get_by_role("link", name=f"Act for {member.name}", exact=True)
    expect(act_for).to_have_attribute("href", member_path.replace("/affinity/", "/family/"))
    follow_link(page, member.name, member_path)
    main = page.locator("main")
    expect(main.locator(".tag")).to_have_text("Active")
    expect(main.locator(".next-action")).to_have_text(f"You can act for {member.name}")
    expect(main.get_by_role("heading", name="Do it now on this phone")).to_have_count(0)
    expect(main.get_by_role("button", name="Check the photo")).to_have_count(0)
    expect(main.get_by_role("button", name="Cancel this request")).to_have_count(0)
    expect(
        main.get_by_role("link", name=f"End affinity services for {member.name}", exact=True)
    ).to_have_attribute("href", f"{member_path}/unbind")


def test_a_parent_passes_after_a_missing_consent_a_group_photo_and_a_mismatch(
    page: Page, js: bool, make_family: Callable[[], Family]
) -> None:
    family = make_family()
    mother = family.mother
    assert mother.age >= 16
    member_path = _add_member(page, family, mother, proof=FACES / "biden.jpg")
    seen_checking: list[bool] = []

    # No consent: the member page again (422), with the error summary and the field's error.
    with page.expect_response(
        lambda r: r.request.method == "POST" and r.url.endswith(f"{member_path}/face")
    ) as answer:
        send_selfie(page, mother, FACES / "obama2.jpg", consent=False)
    assert answer.value.status == 422
    # With JS on the address bar keeps the member page (the form's answer is not pushed).
    expect(page).to_have_url(path_is(member_path if js else f"{member_path}/face"))
    visit_check(page)
    expect_error_summary(page, NO_CONSENT)
    expect_field_error(page, "consent", NO_CONSENT)
    expect(page.locator("[data-error-summary] li")).to_have_count(1)
    expect(page.locator("main .tag")).to_have_text(AWAITING_FACE)

    # Two people in the photo: it cannot be used; back to the member page to try again.
    send_selfie(page, mother, FACES / "two_people.jpg")
    result, seen = wait_for_face_result(
        page, face_status_pattern(member_path), face_heading(mother), title=STATUS_TITLE
    )
    seen_checking.append(seen)
    expect(result).to_contain_text(SEVERAL_FACES)
    expect(result).not_to_contain_text(NO_MATCH)
    follow_link(page, "Try again", member_path)
    expect_member_page(page, mother)

    # Someone else's face: no match, 4 more tries before the wait (an unusable photo is not a
    # try); the member page still offers the form.
    send_selfie(page, mother, FACES / "biden.jpg")
    result, seen = wait_for_face_result(
        page, face_status_pattern(member_path), face_heading(mother), title=STATUS_TITLE
    )
    seen_checking.append(seen)
    expect(result).to_contain_text(NO_MATCH)
    expect(result).to_contain_text("You can try 4 more times before a 30-minute wait.")
    follow_link(page, f"Back to {mother.name}", member_path)
    expect_member_page(page, mother)
    expect(page.get_by_role("button", name="Check the photo", exact=True)).to_be_visible()

    # Another photo of the face of her registry portrait: a match. Affinity services are open.
    send_selfie(page, mother, FACES / "obama2.jpg")
    result, seen = wait_for_face_result(
        page, face_status_pattern(member_path), face_heading(mother), title=STATUS_TITLE
    )
    seen_checking.append(seen)
    expect(result).to_contain_text(
        f"The photo matches. Affinity services for {mother.name} are now open."
    )
    _expect_active(page, mother, member_path)

    # Matching takes long enough for the page to be seen (and axe-checked) while it checks.
    assert any(seen_checking), "the status page was never seen while checking"


def test_a_child_under_16_is_matched_against_the_face_photo(
    page: Page, make_family: Callable[[], Family]
) -> None:
    family = make_family()
    son = family.son
    assert son.age < 16
    # The proof shows someone else: only the face photo can match the selfie.
    member_path = _add_member(
        page, family, son, proof=FACES / "biden.jpg", face_photo=FACES / "obama.jpg"
    )
    send_selfie(page, son, FACES / "obama3.jpg")
    result, _ = wait_for_face_result(
        page, face_status_pattern(member_path), face_heading(son), title=STATUS_TITLE
    )
    expect(result).to_contain_text(
        f"The photo matches. Affinity services for {son.name} are now open."
    )
    _expect_active(page, son, member_path)


def test_a_large_camera_photo_is_shrunk_before_it_is_sent(
    open_page: Callable[..., Page], make_family: Callable[[], Family], tmp_path: Path
) -> None:
    """With JS, a camera-sized selfie goes at the matcher's size, and still matches."""
    family = make_family()
    mother = family.mother
    page = open_page(js=True)
    member_path = _add_member(page, family, mother, proof=FACES / "biden.jpg")
    large = tmp_path / "camera.jpg"
    with Image.open(FACES / "obama2.jpg") as photo:
        size = (photo.width * 3, photo.height * 3)  # as a camera takes it: about 7 megapixels
        photo.convert("RGB").resize(size).save(large, "JPEG", quality=95)
    photo_input = page.locator("#selfie")
    photo_input.set_input_files(large)
    expect(photo_input).to_have_attribute("data-shrunk", re.compile(r"^\d+x\d+$"))
    width, height = map(int, str(photo_input.get_attribute("data-shrunk")).split("x"))
    assert max(width, height) == 1024, (width, height)
    sent = page.evaluate("() => document.getElementById('selfie').files[0].size")
    assert sent < large.stat().st_size / 4, (sent, large.stat().st_size)
    page.get_by_label(consent_label(mother), exact=True).check()
    submit(page, "Check the photo")
    result, _ = wait_for_face_result(
        page, face_status_pattern(member_path), face_heading(mother), title=STATUS_TITLE
    )
    expect(result).to_contain_text(
        f"The photo matches. Affinity services for {mother.name} are now open."
    )

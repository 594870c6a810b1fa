"""The service hub: 王芳 (the demo holder) signs in on a 375 px phone and, only by tapping from
home, reaches her mother 李秀英's rights and benefits list, QR credential, eligibility
certification and pension estimate through the "Act for" switch, then switches back to herself.

The binding between them is opened directly (app.cli open-binding) and removed afterwards,
since other journeys count the demo holder's family members.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import LiveServer
from e2e.helpers import (
    DEMO_ID,
    DEMO_MOTHER,
    DEMO_PASSWORD,
    FACES,
    assert_no_horizontal_scroll,
    open_binding,
    path_is,
    remove_bindings,
    sign_in,
    visit_check,
)

pytestmark = pytest.mark.e2e

PHONE_375 = {"viewport": {"width": 375, "height": 740}, "has_touch": True, "is_mobile": True}
SERVICES = {  # the tile's name, the page's path under the member's base, its heading
    "Rights and benefits list": ("/benefits", f"Rights and benefits list for {DEMO_MOTHER.name}"),
    "Show code": ("/card", None),
    "Eligibility certification": ("/certification", None),
    "Pension estimate": ("/pension", None),
}


@pytest.fixture(scope="module")
def mother_base(live_server: LiveServer) -> Iterator[str]:
    binding_id = open_binding(
        live_server,
        DEMO_ID,
        DEMO_MOTHER.id_number,
        DEMO_MOTHER.relationship,
        str(FACES / "obama.jpg"),
    )
    yield f"/family/{binding_id}"
    remove_bindings(live_server, DEMO_MOTHER)


def tap(page: Page, where: str, name: str, path: str) -> None:
    page.locator(where).get_by_role("link", name=name, exact=True).tap()
    page.wait_for_url(path_is(path))
    visit_check(page)
    assert_no_horizontal_scroll(page)


def act_for(page: Page, name: str, path: str) -> None:
    tap(page, "nav.act-for", name, path)
    current = page.locator("nav.act-for a[aria-current=page]")
    expect(current).to_have_text(name)


def test_from_home_by_tapping_to_a_members_services_and_back(
    open_page: Callable[..., Page], js: bool, mother_base: str
) -> None:
    page = open_page(js=js, **PHONE_375)
    sign_in(page, DEMO_ID, DEMO_PASSWORD)
    expect(page).to_have_url(path_is("/"))
    visit_check(page)
    assert_no_horizontal_scroll(page)
    expect(page.locator("nav.act-for a[aria-current=page]")).to_have_text("Me")
    for tile, (path, heading) in SERVICES.items():
        act_for(page, DEMO_MOTHER.name, mother_base)
        expect(page.locator("main h1")).to_have_text(f"Services for {DEMO_MOTHER.name}")
        tap(page, "ul.service-grid", tile, mother_base + path)
        banner = page.get_by_role("region", name="Acting for a family member", exact=True)
        expect(banner).to_contain_text(f"You are acting for {DEMO_MOTHER.name}")
        if heading:
            expect(page.locator("main h1")).to_have_text(heading)
        tap(page, "header", "e-SSC affinity services", "/")  # home, from any page
    act_for(page, DEMO_MOTHER.name, mother_base)
    act_for(page, "Me", "/")
    expect(page.locator("main h1")).to_have_text("My e-card")

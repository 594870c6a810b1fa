"""A flow's base may hold path parameters: its URLs are filled from the request's; a base
without any (the add-member wizard's) is unchanged."""

from uuid import UUID

from app.routes.affinity_wizard import WIZARD_FLOW
from app.routes.transfer_apply import MEMBER_APPLY, OWN_APPLY

BINDING = UUID("5b735e95-1193-406e-b7ef-7f90c4391992")


def test_a_base_with_a_parameter_is_filled_from_the_path():
    params = {"binding_id": BINDING}
    assert MEMBER_APPLY.url(params) == f"/family/{BINDING}/transfers/apply"
    assert MEMBER_APPLY.step_url("pin", params) == f"/family/{BINDING}/transfers/apply/pin"
    assert OWN_APPLY.step_url("line") == "/my/transfers/apply/line"


def test_the_wizards_urls_are_unchanged():
    assert WIZARD_FLOW.url() == "/affinity/add"
    assert WIZARD_FLOW.step_url("details") == "/affinity/add/details"

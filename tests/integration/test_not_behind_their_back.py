"""Nobody is bound behind their back: the member sees who can act for them and ends it in one
step ("This was not me"), which staff of the region see; every other holder of the same member
sees it on their affinity list."""

from __future__ import annotations

from uuid import UUID

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.services import staff as staff_service
from app.services.affinity import NOT_ME
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.conftest import shown, sign_in
from tests.integration.test_affinity_wizard import EN, _post, face

Client = AsyncTestClient[Litestar]
HOLDER = "110105198503140224"  # 王芳
HUSBAND = ("110105198309210137", "family-demo-2025")  # 张伟
MOTHER = ("110105195806070426", "mother-demo-2025")  # 李秀英, who has a sign-in


async def _active(uow: UnitOfWork, settings: Settings, holder: str, relation: str) -> UUID:
    return await open_binding_directly(
        uow,
        DocumentStore(settings.upload_dir),
        holder=parse_id_number(holder),
        member=parse_id_number(MOTHER[0]),
        relationship=relation,
        proof=face("biden.jpg"),
    )


async def test_this_was_not_me_revokes_at_once_and_tells_staff(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    binding_id = await _active(seeded, migrated, HOLDER, "parent")
    await sign_in(client, *MOTHER)
    page = await client.get("/account", headers=EN)
    assert "王芳 can act for you through affinity services" in shown(page.text)
    assert f'action="/account/bound-by/{binding_id}/not-me"' in page.text
    response = await _post(client, f"/account/bound-by/{binding_id}/not-me", {})
    assert response.headers["location"] == "/account?reported=1#bound-by"  # type: ignore[attr-defined]
    binding = await seeded.bindings.get(binding_id)
    assert binding
    await seeded.db.refresh(binding)
    assert binding.state == "revoked" and binding.ended_at is not None
    mother = await seeded.people.by_id_number(parse_id_number(MOTHER[0]))
    assert mother
    actions = [e.action for e in await seeded.audit.for_actor(mother.id)]
    assert "affinity.revoked" in actions and NOT_ME in actions
    staff = await seeded.staff.by_number("BJ0001")
    assert staff
    reports = await staff_service.reports(seeded, staff)
    assert [(r.member_name, r.holder_name) for r in reports] == [("李秀英", "王芳")]
    # Posting again (a second tab) changes nothing and reports nothing more.
    await _post(client, f"/account/bound-by/{binding_id}/not-me", {})
    assert len(await staff_service.reports(seeded, staff)) == 1
    # Nobody else can report someone else's binding.
    other = await _active(seeded, migrated, HUSBAND[0], "other")
    await sign_in(client, *HUSBAND)
    refused = await _post(client, f"/account/bound-by/{other}/not-me", {})
    assert refused.status_code == 404  # type: ignore[attr-defined]


async def test_other_holders_of_the_member_see_it_on_their_list(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    await _active(seeded, migrated, HOLDER, "parent")
    await _active(seeded, migrated, HUSBAND[0], "other")
    await sign_in(client)
    page = await client.get("/affinity", headers=EN)
    assert "张伟 can also act for 李秀英, since" in shown(page.text)
    await sign_in(client, *HUSBAND)
    page = await client.get("/affinity", headers=EN)
    assert "王芳 can also act for 李秀英, since" in shown(page.text)

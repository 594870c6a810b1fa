"""The subject of /family/{binding_id}/...: resolved once, 404 unless the binding is active and
the signed-in holder's; the dashboard; "Who acted for me"."""

from __future__ import annotations

import re
from uuid import UUID, uuid4

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.domain.identity import parse_id_number
from app.domain.premiums import premium_year_open
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.conftest import csrf_token, shown, sign_in
from tests.integration.test_affinity_wizard import EN, MOTHER, SON, _bind_mother, face

Client = AsyncTestClient[Litestar]
WANG_FANG = parse_id_number("110105198503140224")
FATHER = parse_id_number("110105195611200171")


def family_routes(app: Litestar) -> list[tuple[str, str]]:
    """(method, path template) of every route mounted under /family/{binding_id}."""
    routes = []
    for route in app.routes:
        if not route.path.startswith("/family/{binding_id"):
            continue
        for method in sorted(getattr(route, "methods", {"GET"}) - {"HEAD", "OPTIONS"}):
            routes.append((method, route.path))
    return routes


async def _status_everywhere(client: Client, app: Litestar, binding_id: UUID) -> set[int]:
    token = await csrf_token(client, "/account")
    statuses = set()
    for method, template in family_routes(app):
        path = re.sub(
            r"\{(\w+):uuid\}",
            lambda m: str(binding_id) if m[1] == "binding_id" else str(uuid4()),
            template,
        )
        path = re.sub(r"\{\w+(:\w+)?\}", "x", path)
        if method == "GET":
            response = await client.get(path)
        else:
            response = await client.request(
                method, path, data={"_csrf_token": token}, follow_redirects=False
            )
        statuses.add(response.status_code)
        assert response.status_code == 404, f"{method} {path} answered {response.status_code}"
    return statuses


async def _open(seeded: UnitOfWork, settings: Settings, member: str, relationship: str) -> UUID:
    return await open_binding_directly(
        seeded,
        DocumentStore(settings.upload_dir),
        holder=WANG_FANG,
        member=parse_id_number(member),
        relationship=relationship,
        proof=face(),
    )


async def test_every_family_route_is_404_unless_active_and_owned(
    app: Litestar, client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    routes = family_routes(app)
    assert len(routes) >= 4, routes  # home, card, benefits, certification at least
    await sign_in(client)
    pending_url = await _bind_mother(client)  # submitted, awaiting face recognition
    pending = UUID(pending_url.rsplit("/", 1)[1])
    await _status_everywhere(client, app, pending)
    await _status_everywhere(client, app, uuid4())

    father = await _open(seeded, migrated, FATHER.value, "parent")
    assert (await client.get(f"/family/{father}")).status_code == 200
    token = await csrf_token(client, "/account")
    await client.post(f"/affinity/{father}/unbind", data={"_csrf_token": token, "pin": "258369"})
    await client.post(f"/affinity/{father}/unbind/confirm", data={"_csrf_token": token})
    binding = await seeded.bindings.get(father)
    await seeded.db.refresh(binding)
    assert binding and binding.state == "revoked"
    await _status_everywhere(client, app, father)

    son = await _open(seeded, migrated, SON[1], "child")
    assert (await client.get(f"/family/{son}")).status_code == 200
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/account")})
    await sign_in(client, "440106199207150513", "second-demo-2025")  # 陈明
    await _status_everywhere(client, app, son)
    await _status_everywhere(client, app, pending)


@pytest.mark.usefixtures("histories")
async def test_the_dashboard_lists_each_member_with_what_needs_doing(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    mother = await _open(seeded, migrated, MOTHER[1], "parent")
    father = await _open(seeded, migrated, FATHER.value, "parent")
    son = await _open(seeded, migrated, SON[1], "child")
    await sign_in(client)
    page = shown((await client.get("/family", headers=EN)).text)
    assert "王芳 (you)" in page
    for binding in (mother, father, son):
        assert f'href="/family/{binding}"' in page
    assert f'href="/family/{mother}/certification">Eligibility certification due by' in page
    assert f'href="/family/{father}/certification">Eligibility certification overdue' in page
    # Payments held back look urgent and come first; the rest is listed as it is.
    father_todos = page.split(f'href="/family/{father}"', 1)[1].split("</ul>", 1)[0]
    first = father_todos.split('<li class="todo', 2)[1]
    assert first.startswith(" todo-certification_overdue todo-urgent")
    assert '<strong class="todo-flag">Urgent:</strong>' in first
    assert f'href="/family/{son}/card">No e-card yet' in page
    assert "todo-no_card todo-urgent" not in page
    year = premium_year_open(utcnow().date(), seeded.policy.medical_collection_window)
    if year:  # the son pays residents' medical insurance; the next year's is being collected
        assert f"premium for {year} not paid yet" in page

    member_page = shown((await client.get(f"/family/{mother}", headers=EN)).text)
    assert "You are acting for 李秀英" in member_page
    assert 'href="/family">Switch back' in member_page
    own = (await client.get("/my", headers=EN)).text
    assert "You are acting for" not in own and "My services" in own


async def test_the_member_sees_who_acted_for_them(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    mother = await _open(seeded, migrated, MOTHER[1], "parent")
    await sign_in(client)
    await client.get(f"/family/{mother}")
    await client.get(f"/family/{mother}")
    await client.get("/my")  # the holder's own services are not "for" anyone else
    await client.post("/logout", data={"_csrf_token": await csrf_token(client, "/account")})
    await sign_in(client, MOTHER[1], "mother-demo-2025")
    account = (await client.get("/account", headers=EN)).text
    section = account.split('id="acted-for-me"', 1)[1].split("</section>", 1)[0]
    assert section.count("王芳") == 2 and section.count("Opened your services") == 2

"""Who may act for whom is proven against the registry: the face reference is the registry
portrait (never the holder's upload), and a relationship the registry does not show waits for
staff to review its document. Faces are matched for real."""

from __future__ import annotations

from uuid import UUID

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.adapters.clock import utcnow
from app.adapters.document_store import DocumentStore
from app.config import Settings
from app.db.models import AffinityBinding, AuditEvent, FaceCheck
from app.domain.identity import parse_id_number
from app.services import staff as staff_service
from app.services.context import UnitOfWork
from app.services.seed import open_binding_directly
from tests.conftest import committed, shown, sign_in
from tests.integration.test_affinity_wizard import (
    EN,
    MOTHER,
    _checked,
    _details,
    _documents,
    _post,
    face,
)
from tests.integration.test_face_recognition import _result, _selfie
from tests.passkey_device import SoftwareAuthenticator
from tests.staff_journey import enrol

Client = AsyncTestClient[Litestar]
HOLDER = ("110105198503140224", "family-demo-2025", "258369")  # 王芳
STRANGER = ("440106199207150513", "second-demo-2025", "864213")  # 陈明, unrelated
FATHER = ("王建国", "110105195611200171")  # registry portrait: obama3.jpg


async def _bind(
    client: Client,
    holder: tuple[str, str, str],
    member: tuple[str, str],
    relation: str,
    **files: bytes,
) -> str:
    """The whole wizard as this holder; returns the member page's path."""
    await sign_in(client, holder[0], holder[1])
    await client.get("/affinity/add")
    await _post(client, "/affinity/add/pin", {"pin": holder[2]})
    await _post(client, "/affinity/add/notice", {"accept": "yes"})
    await _details(client, *member, relation)
    await _documents(client, **files)
    check = await client.get("/affinity/add/check")
    response = await _post(client, "/affinity/add/check", {"checked": _checked(check.text)})
    return str(response.headers["location"])  # type: ignore[attr-defined]


async def _binding(uow: UnitOfWork, member_url: str) -> AffinityBinding:
    binding = await uow.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding
    await uow.db.refresh(binding)
    return binding


async def _checks(uow: UnitOfWork, binding_id: UUID) -> list[FaceCheck]:
    return list(await uow.db.scalars(select(FaceCheck).where(FaceCheck.binding_id == binding_id)))


async def _staff_actions(uow: UnitOfWork) -> list[tuple[str, str]]:
    rows = await uow.db.execute(
        select(AuditEvent.action, AuditEvent.detail)
        .where(AuditEvent.action.like("staff.document%"))
        .order_by(AuditEvent.at)
    )
    return [(action, detail) for action, detail in rows]


async def _decide(
    uow: UnitOfWork, settings: Settings, binding: AffinityBinding, *, approve: bool, reason: str
) -> None:
    staff = await uow.staff.by_number("BJ0001")
    assert staff
    store = DocumentStore(settings.upload_dir)
    await staff_service.decide(
        uow, store, staff, binding.id, approve=approve, reason=reason, now=utcnow()
    )
    await uow.commit()  # as the request's unit of work would


async def test_a_strangers_binding_with_their_own_photos_never_opens(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    # 陈明 declares 王建国 a relative and uploads his own photo as the "document".
    member_url = await _bind(client, STRANGER, FATHER, "other", proof=face("biden.jpg"))
    binding = await _binding(seeded, member_url)
    assert binding.state == "documents_review"
    page = await client.get(member_url, headers=EN)
    assert "Documents under review" in page.text and 'name="selfie"' not in page.text
    # Face recognition does not count before the review: no check is even started.
    refused = await _selfie(client, member_url, face("biden.jpg"))
    assert refused.headers["location"] == member_url
    assert await _checks(seeded, binding.id) == []

    # Even if staff wrongly approve the document, his selfie (the very photo he uploaded) is
    # matched against 王建国's registry portrait, and fails.
    await _decide(seeded, migrated, binding, approve=True, reason="looked plausible")
    response = await _selfie(client, member_url, face("biden.jpg"))
    assert "does not match" in await _result(client, response.headers["location"])
    binding = await _binding(seeded, member_url)
    assert binding.state == "awaiting_face" and binding.face_failures_total == 1
    assert (await client.get(f"/family/{binding.id}", headers=EN)).status_code == 404


async def test_a_stranger_cannot_certify_anyone(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    # Suppose a binding of 王建国 were open to 陈明: certification still matches the registry
    # portrait, so his own face never certifies 王建国.
    binding_id = await open_binding_directly(
        seeded,
        DocumentStore(migrated.upload_dir),
        holder=parse_id_number(STRANGER[0]),
        member=parse_id_number(FATHER[1]),
        relationship="other",
        proof=face("biden.jpg"),
    )
    father = await seeded.people.by_id_number(parse_id_number(FATHER[1]))
    assert father
    before = father.last_certified_on
    await sign_in(client, STRANGER[0], STRANGER[1])
    family_url = f"/family/{binding_id}"
    for selfie in ("biden.jpg", "biden2.jpg"):
        token_page = await client.get(f"{family_url}/certification", headers=EN)
        assert 'name="selfie"' in token_page.text
        response = await _post_certification(client, family_url, face(selfie))
        assert "does not match" in await _result(client, response.headers["location"])
    await seeded.db.refresh(father)
    assert father.last_certified_on == before
    # His own certification has no reference here at all.
    mine = await client.get("/my/certification", headers=EN)
    assert 'name="selfie"' not in mine.text


async def _post_certification(client: Client, family_url: str, photo: bytes):  # type: ignore[no-untyped-def]
    from tests.integration.test_certification import _certify

    return await _certify(client, family_url, photo)


async def test_other_waits_for_review_and_approval_lets_the_face_count(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    # One household in the registry, but `other` is always reviewed.
    member_url = await _bind(client, HOLDER, MOTHER, "other", proof=face("biden.jpg"))
    binding = await _binding(seeded, member_url)
    assert binding.state == "documents_review"
    staff = await seeded.staff.by_number("BJ0001")
    assert staff and [b.id for b in await staff_service.queue(seeded, staff)] == [binding.id]
    document = await staff_service.document(
        seeded, DocumentStore(migrated.upload_dir), staff, binding.id, utcnow()
    )
    assert document == (await DocumentStore(migrated.upload_dir).read(binding.proof_file))
    # Staff of another region neither see it queued nor can read the document.
    await staff_service.add_staff(
        seeded, number="GZ0001", name="广州", region_prefix="44", password="x" * 12
    )
    guangzhou = await seeded.staff.by_number("GZ0001")
    assert guangzhou and await staff_service.queue(seeded, guangzhou) == []
    store = DocumentStore(migrated.upload_dir)
    assert await staff_service.document(seeded, store, guangzhou, binding.id, utcnow()) is None
    await _decide(seeded, migrated, binding, approve=True, reason="household register page")
    assert binding.state == "awaiting_face"
    assert await _staff_actions(seeded) == [
        ("staff.document_viewed", ""),
        ("staff.documents_approved", "household register page"),
    ]
    response = await _selfie(client, member_url, face("obama2.jpg"))  # her portrait: obama.jpg
    assert "matches" in await _result(client, response.headers["location"])
    assert (await _binding(seeded, member_url)).state == "active"


async def test_a_rejected_document_ends_the_request(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    member_url = await _bind(client, STRANGER, FATHER, "sibling", proof=face("biden.jpg"))
    binding = await _binding(seeded, member_url)
    assert binding.state == "documents_review"  # no household link: reviewed
    proof = binding.proof_file
    await _decide(seeded, migrated, binding, approve=False, reason="not a relative")
    assert binding.state == "rejected" and binding.ended_at is not None
    assert await _staff_actions(seeded) == [("staff.documents_rejected", "not a relative")]
    assert not (migrated.portrait_dir.parent / "uploads" / proof).exists()  # not kept
    page = await client.get(member_url, headers=EN)
    assert "Refused by the service centre" in page.text


async def test_a_household_link_confirms_the_relationship(
    client: Client, seeded: UnitOfWork
) -> None:
    member_url = await _bind(client, HOLDER, MOTHER, "parent", proof=face("biden.jpg"))
    assert (await _binding(seeded, member_url)).state == "awaiting_face"


async def test_staff_see_the_document_over_http_and_others_do_not(
    client: Client, seeded: UnitOfWork
) -> None:
    member_url = await _bind(client, HOLDER, MOTHER, "other", proof=face("biden.jpg"))
    binding_id = member_url.rsplit("/", 1)[1]
    holder_cookies = httpx.Cookies(client.cookies)
    # The holder herself cannot open the staff's copy.
    mine = await client.get(f"/staff/bindings/{binding_id}/document", follow_redirects=False)
    assert mine.headers["location"] == "/staff/login"
    client.cookies.clear()
    code = await committed(seeded, staff_service.issue_enrolment_code(seeded, "BJ0001", utcnow()))
    await enrol(client, SoftwareAuthenticator(), code)
    queue = await client.get("/staff/queue", headers=EN)
    assert "Documents under review" in queue.text and binding_id in queue.text
    page = await client.get(f"/staff/bindings/{binding_id}", headers=EN)
    assert "Relationship document for 李秀英" in shown(page.text)
    assert f'src="/staff/bindings/{binding_id}/document"' in page.text
    document = await client.get(f"/staff/bindings/{binding_id}/document")
    assert document.status_code == 200 and document.headers["content-type"] == "image/jpeg"
    assert document.headers["cache-control"] == "no-store"
    client.cookies = holder_cookies


async def test_no_portrait_means_the_in_person_route(
    client: Client, seeded: UnitOfWork, migrated: Settings
) -> None:
    from app.adapters.portraits import FilePortraits
    from app.services.registry import add_person

    aunt = ("王秀兰", "110105196002020022")
    await add_person(
        seeded,
        FilePortraits(migrated.portrait_dir),
        name=aunt[0],
        number=parse_id_number(aunt[1]),
        household_of=parse_id_number(HOLDER[0]),
    )
    await seeded.commit()  # as the command's unit of work would
    member_url = await _bind(client, HOLDER, aunt, "parent", proof=face("biden.jpg"))
    page = await client.get(member_url, headers=EN)
    assert "The registry holds no photo of 王秀兰" in shown(page.text)
    assert 'name="selfie"' not in page.text and "Get a code and link" not in page.text
    refused = await _selfie(client, member_url, face("obama.jpg"))
    assert refused.status_code == 422
    binding = await _binding(seeded, member_url)
    assert await _checks(seeded, binding.id) == []
    chosen = await _post(client, f"{member_url}/in-person", {})
    assert chosen.headers["location"] == member_url  # type: ignore[attr-defined]
    assert (await _binding(seeded, member_url)).state == "needs_in_person"

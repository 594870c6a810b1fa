"""The add-member wizard through HTTP: both ways in, each step, its guards, list and unbinding."""

from __future__ import annotations

import io
import re
from pathlib import Path

from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image

from app.services.context import UnitOfWork
from tests.conftest import csrf_token, shown, sign_in

Client = AsyncTestClient[Litestar]
EN = {"Accept-Language": "en"}
FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
MOTHER = ("李秀英", "110105195806070426")
SON = ("张浩", "11010520150402035X")


def _checked(check_page: str) -> str:
    match = re.search(r'name="checked" value="([0-9a-f]{64})"', check_page)
    assert match, "the check page carries the digest of the answers it shows"
    return match.group(1)


def face(name: str = "obama.jpg") -> bytes:
    return (FACES / name).read_bytes()


async def _post(client: Client, path: str, data: dict[str, str], **kw: object) -> object:
    token = await csrf_token(client, "/account")
    return await client.post(
        path, data={"_csrf_token": token, **data}, headers=EN, follow_redirects=False, **kw
    )  # type: ignore[arg-type]


async def _through_notice(client: Client) -> None:
    await sign_in(client)
    start = await client.get("/affinity/add", follow_redirects=False)
    assert start.headers["location"] == "/affinity/add/pin"
    response = await _post(client, "/affinity/add/pin", {"pin": "258369"})
    assert response.headers["location"] == "/affinity/add/notice"  # type: ignore[attr-defined]
    response = await _post(client, "/affinity/add/notice", {"accept": "yes"})
    assert response.headers["location"] == "/affinity/add/details"  # type: ignore[attr-defined]


async def _details(client: Client, name: str, id_number: str, relationship: str):  # type: ignore[no-untyped-def]
    return await _post(
        client,
        "/affinity/add/details",
        {"name": name, "id_number": id_number, "relationship": relationship},
    )


async def _documents(client: Client, **files: bytes):  # type: ignore[no-untyped-def]
    token = await csrf_token(client, "/account")
    return await client.post(
        "/affinity/add/documents",
        data={"_csrf_token": token},
        files={name: (f"{name}.jpg", data, "image/jpeg") for name, data in files.items()},
        headers=EN,
        follow_redirects=False,
    )


async def test_no_step_can_be_opened_before_the_earlier_ones(client: Client) -> None:
    await sign_in(client)
    for step in ("notice", "details", "documents", "check"):
        response = await client.get(f"/affinity/add/{step}", follow_redirects=False)
        assert response.headers["location"] == "/affinity/add/pin"
        posted = await _post(client, f"/affinity/add/{step}", {"accept": "yes"})
        assert posted.headers["location"] == "/affinity/add/pin"  # type: ignore[attr-defined]
    assert (await client.get("/affinity/add/nonsense")).status_code == 404


async def test_way_in_a_for_an_adult_parent(client: Client, seeded: UnitOfWork) -> None:
    await _through_notice(client)
    page = await client.get("/affinity/add/details", headers=EN)
    assert "Step 3 of 5" in page.text

    response = await _details(client, *MOTHER, "parent")
    assert response.headers["location"] == "/affinity/add/documents"  # type: ignore[attr-defined]
    documents = await client.get("/affinity/add/documents", headers=EN)
    assert 'name="proof"' in documents.text
    assert 'name="face_photo"' not in documents.text  # 68 years old: no face photo asked

    response = await _documents(client, proof=face())
    assert response.headers["location"] == "/affinity/add/check"
    check = await client.get("/affinity/add/check", headers=EN)
    assert "李秀英" in shown(check.text) and "1101**********0426" in check.text
    assert check.text.count(">Change<") >= 4

    response = await _post(client, "/affinity/add/check", {"checked": _checked(check.text)})
    location = response.headers["location"]  # type: ignore[attr-defined]
    assert re.fullmatch(r"/affinity/[0-9a-f-]{36}", location)
    member = await client.get(location, headers=EN)
    assert "Awaiting face recognition" in member.text
    assert "Ask 李秀英 to complete face recognition" in shown(member.text)
    assert "110105195806070426" not in member.text

    listing = await client.get("/affinity", headers=EN)
    assert "李秀英" in shown(listing.text) and "Awaiting face recognition" in listing.text

    actions = [
        e.action
        for e in await seeded.audit.for_actor(
            (
                await seeded.people.by_id_number(
                    __import__("app.domain.identity", fromlist=["parse_id_number"]).parse_id_number(
                        "110105198503140224"
                    )
                )
            ).id
        )
    ]  # type: ignore[union-attr]
    for action in (
        "affinity.pin_verified",
        "affinity.notice_accepted",
        "affinity.details_entered",
        "affinity.documents_uploaded",
        "affinity.submitted",
    ):
        assert action in actions


async def test_a_child_under_16_needs_a_face_photo(client: Client) -> None:
    await _through_notice(client)
    response = await _details(client, *SON, "child")
    assert response.headers["location"] == "/affinity/add/documents"  # type: ignore[attr-defined]
    page = await client.get("/affinity/add/documents", headers=EN)
    assert 'name="face_photo"' in page.text
    response = await _documents(client, proof=face("biden.jpg"))
    assert response.status_code == 422
    assert "Choose a frontal face photo" in response.text
    # the proof already uploaded is kept: only the face photo is needed now
    response = await _documents(client, face_photo=face("obama2.jpg"))
    assert response.headers["location"] == "/affinity/add/check"


def _no_face() -> bytes:
    """The lower third of a real portrait: suit and background, no face."""
    with Image.open(FACES / "obama.jpg") as image:
        crop = image.convert("RGB").crop((0, image.height * 2 // 3, image.width, image.height))
    out = io.BytesIO()
    crop.save(out, "JPEG")
    return out.getvalue()


async def test_a_face_photo_that_cannot_serve_is_refused_at_upload(client: Client) -> None:
    await _through_notice(client)
    await _details(client, *SON, "child")
    cases = [
        (face("two_people.jpg"), "The face photo shows more than one face"),
        (_no_face(), "No face was found in the face photo"),
    ]
    for photo, message in cases:
        response = await _documents(client, proof=face("biden.jpg"), face_photo=photo)
        assert response.status_code == 422
        summary = response.text.split("data-error-summary", 1)[1].split("</div>", 1)[0]
        assert 'href="#face_photo"' in summary and message in summary
        field = response.text.split('id="face_photo-error"', 1)[1].split("</p>", 1)[0]
        assert message in field
        # the relationship document uploaded with it is kept; only the face photo is asked again
        assert 'id="proof-error"' not in response.text
        assert "A photo is already uploaded" in response.text.split('id="proof-hint"', 1)[1]
    response = await _documents(client, face_photo=face("obama2.jpg"))
    assert response.headers["location"] == "/affinity/add/check"


async def test_back_from_the_check_page_the_saved_id_number_is_kept(client: Client) -> None:
    """WCAG 3.3.7: changing one answer does not mean typing the ID number again."""
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    await _documents(client, proof=face())
    details = await client.get("/affinity/add/details", headers=EN)
    assert 'name="id_number"' in details.text and MOTHER[1] not in details.text
    assert "Saved: 1101**********0426" in details.text
    assert "Leave the field empty to keep it" in details.text
    response = await _details(client, MOTHER[0], "", "parent")
    assert response.status_code == 303  # type: ignore[attr-defined]
    check = await client.get("/affinity/add/check", headers=EN)  # nothing to do again
    assert check.status_code == 200
    assert "1101**********0426" in check.text and "Uploaded" in check.text
    # Another relationship with the field left empty: the same member, a new document asked.
    response = await _details(client, MOTHER[0], "", "grandparent")
    assert response.headers["location"] == "/affinity/add/documents"  # type: ignore[attr-defined]
    documents = await client.get("/affinity/add/documents", headers=EN)
    assert "李秀英, 1101**********0426, age" in shown(documents.text)
    # A number typed still replaces the saved one, and is checked.
    response = await _details(client, MOTHER[0], "110105195806070425", "parent")
    assert response.status_code == 422 and "not valid" in response.text  # type: ignore[attr-defined]


async def test_a_relationship_error_links_to_the_first_radio(client: Client) -> None:
    await _through_notice(client)
    response = await _details(client, *MOTHER, "child")
    assert response.status_code == 422  # type: ignore[attr-defined]
    summary = response.text.split("data-error-summary", 1)[1].split("</div>", 1)[0]  # type: ignore[attr-defined]
    assert '<a href="#relationship-spouse">A child or grandchild must be younger' in summary
    assert 'id="relationship-spouse"' in response.text  # type: ignore[attr-defined]


async def test_details_errors(client: Client) -> None:
    await _through_notice(client)
    cases = [
        (("李秀英", "110105195806070425", "parent"), "not valid"),
        (("王秀英", MOTHER[1], "parent"), "do not match a social insurance record"),
        (("某人", "11010519491231002X", "parent"), "do not match a social insurance record"),
        (("王芳", "110105198503140224", "sibling"), "cannot add yourself"),
        ((*MOTHER, "child"), "must be younger than you"),
        ((*SON, "parent"), "must be older than you"),
        (("", "", ""), "Enter the family member&#39;s name"),
        (("名" * 51, MOTHER[1], "parent"), "50 characters or fewer"),
        ((*MOTHER, "cousin"), "Select how the family member is related"),
    ]
    for (name, number, relationship), message in cases:
        response = await _details(client, name, number, relationship)
        assert response.status_code == 422, (name, number)  # type: ignore[attr-defined]
        assert message in response.text, (message, response.text[:3000])  # type: ignore[attr-defined]
        if number:
            assert f'value="{number}"' in response.text  # type: ignore[attr-defined]


async def test_bad_uploads_are_refused_clearly(client: Client) -> None:
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    png = io.BytesIO()
    Image.new("RGB", (8001, 5001), "white").save(png, "PNG")
    cases = [
        (b"", None),
        (b"%PDF-1.4 not an image", "must be a JPG or PNG"),
        (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "smaller than 5 MB"),
        (png.getvalue(), "at most 40 megapixels"),
    ]
    for data, message in cases:
        response = await _documents(client, proof=data)
        assert response.status_code == 422
        assert message is None or message in response.text
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    response = await _documents(client, proof=gif.getvalue())
    assert "must be a JPG or PNG" in response.text


async def test_uploads_are_reencoded_without_exif(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    original = Image.open(FACES / "obama.jpg")
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    tagged = io.BytesIO()
    original.save(tagged, "JPEG", exif=exif.tobytes())
    assert b"SecretCamera" in tagged.getvalue()
    await _documents(client, proof=tagged.getvalue())
    stored = list(Path(settings.upload_dir).glob("*.jpg"))
    assert len(stored) == 1
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", stored[0].name)
    assert b"SecretCamera" not in stored[0].read_bytes()
    with Image.open(stored[0]) as reopened:  # reading EXIF alone leaves the file open
        assert not reopened.getexif()


async def test_changing_the_member_clears_the_uploads(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    await _documents(client, proof=face())
    assert len(list(Path(settings.upload_dir).iterdir())) == 1
    response = await _details(client, "王建国", "110105195611200171", "parent")
    assert response.headers["location"] == "/affinity/add/documents"  # type: ignore[attr-defined]
    assert list(Path(settings.upload_dir).iterdir()) == []
    check = await client.get("/affinity/add/check", follow_redirects=False)
    assert check.headers["location"] == "/affinity/add/documents"


async def test_way_in_b_prefills_the_household_member(client: Client) -> None:
    await sign_in(client)
    services = await client.get("/card/services", headers=EN)
    assert 'href="/affinity/open"' in services.text
    choices = await client.get("/affinity/open", headers=EN)
    for name in ("李秀英", "王建国", "张伟", "张浩"):
        assert name in choices.text
    assert "陈明" not in shown(choices.text) and "赵丽" not in shown(choices.text)
    person_id = re.search(
        r'name="person_id" value="([0-9a-f-]{36})"[^>]*>[^<]*李秀英', shown(choices.text)
    )
    assert person_id
    response = await _post(client, "/affinity/open", {"person_id": person_id.group(1)})
    assert response.headers["location"] == "/affinity/add"  # type: ignore[attr-defined]
    await _post(client, "/affinity/add/pin", {"pin": "258369"})
    await _post(client, "/affinity/add/notice", {"accept": "yes"})
    details = await client.get("/affinity/add/details", headers=EN)
    assert "李秀英" in shown(details.text) and 'name="id_number"' not in details.text
    response = await _post(client, "/affinity/add/details", {"relationship": "parent"})
    assert response.headers["location"] == "/affinity/add/documents"  # type: ignore[attr-defined]


async def test_someone_outside_the_household_cannot_be_chosen(
    client: Client, seeded: UnitOfWork
) -> None:
    from app.domain.identity import parse_id_number

    await sign_in(client)
    stranger = await seeded.people.by_id_number(parse_id_number("320102199001010889"))
    assert stranger
    response = await _post(client, "/affinity/open", {"person_id": str(stranger.id)})
    assert response.headers["location"] == "/affinity/open"  # type: ignore[attr-defined]


async def _bind_mother(client: Client) -> str:
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    await _documents(client, proof=face())
    check = await client.get("/affinity/add/check")
    response = await _post(client, "/affinity/add/check", {"checked": _checked(check.text)})
    return str(response.headers["location"])  # type: ignore[attr-defined]


async def test_binding_twice_is_refused_and_cancel_frees_it(client: Client) -> None:
    member_url = await _bind_mother(client)
    await _post(client, "/affinity/add/pin", {"pin": "258369"})
    await _post(client, "/affinity/add/notice", {"accept": "yes"})
    response = await _details(client, *MOTHER, "parent")
    assert "already added this family member" in response.text  # type: ignore[attr-defined]
    response = await _post(client, f"{member_url}/cancel", {})
    assert response.headers["location"] == "/affinity?cancelled=1"  # type: ignore[attr-defined]
    assert "Request cancelled" in (await client.get(member_url, headers=EN)).text
    response = await _details(client, *MOTHER, "parent")
    assert response.headers["location"] == "/affinity/add/documents"  # type: ignore[attr-defined]


async def test_another_holders_binding_is_not_found(client: Client) -> None:
    member_url = await _bind_mother(client)
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})
    await sign_in(client, "440106199207150513", "second-demo-2025")
    assert (await client.get(member_url)).status_code == 404
    assert (await _post(client, f"{member_url}/cancel", {})).status_code == 404  # type: ignore[attr-defined]
    assert (await client.get("/affinity/00000000-0000-0000-0000-000000000000")).status_code == 404


async def _activate(seeded: UnitOfWork, member_url: str) -> None:
    """Face recognition is the next capability; here the binding is made active directly."""
    from uuid import UUID

    binding = await seeded.bindings.get(UUID(member_url.rsplit("/", 1)[1]))
    assert binding
    binding.state = "active"
    await seeded.commit()


async def test_unbinding_needs_the_pin_and_a_confirmation(
    client: Client, seeded: UnitOfWork
) -> None:
    member_url = await _bind_mother(client)
    await _activate(seeded, member_url)
    member = await client.get(member_url, headers=EN)
    assert "Active" in member.text and f'href="{member_url}/unbind"' in member.text
    confirm = await client.get(f"{member_url}/unbind/confirm", follow_redirects=False)
    assert confirm.headers["location"] == f"{member_url}/unbind"  # no skipping the PIN
    wrong = await _post(client, f"{member_url}/unbind", {"pin": "000001"})
    assert wrong.status_code == 422 and "5 more tries" in wrong.text  # type: ignore[attr-defined]
    right = await _post(client, f"{member_url}/unbind", {"pin": "258369"})
    assert right.headers["location"] == f"{member_url}/unbind/confirm"  # type: ignore[attr-defined]
    page = await client.get(f"{member_url}/unbind/confirm", headers=EN)
    assert "End affinity services for 李秀英?" in shown(page.text)
    done = await _post(client, f"{member_url}/unbind/confirm", {})
    assert done.headers["location"] == "/affinity?unbound=1"  # type: ignore[attr-defined]
    assert "Revoked" in (await client.get(member_url, headers=EN)).text
    again = await _post(client, f"{member_url}/unbind/confirm", {})  # posted twice
    assert again.headers["location"] == f"{member_url}/unbind"  # type: ignore[attr-defined]


async def test_a_member_with_an_account_can_revoke(client: Client, seeded: UnitOfWork) -> None:
    # 王芳 binds her husband 张伟, who has his own sign-in
    await _through_notice(client)
    await _details(client, "张伟", "110105198309210137", "spouse")
    await _documents(client, proof=face())
    check = await client.get("/affinity/add/check")
    member_url = str(
        (await _post(client, "/affinity/add/check", {"checked": _checked(check.text)})).headers[
            "location"
        ]
    )  # type: ignore[attr-defined]
    await _activate(seeded, member_url)
    token = await csrf_token(client, "/account")
    await client.post("/logout", data={"_csrf_token": token})

    await sign_in(client, "110105198309210137", "family-demo-2025")
    account = await client.get("/account", headers=EN)
    assert "王芳 can act for you through affinity services" in shown(account.text)
    binding_id = member_url.rsplit("/", 1)[1]
    response = await _post(client, f"/account/bound-by/{binding_id}/revoke", {})
    assert response.headers["location"].startswith("/account?revoked=1")  # type: ignore[attr-defined]
    assert "Nobody has affinity services for you" in (await client.get("/account", headers=EN)).text


async def test_a_draft_expires_after_24_hours(client: Client, seeded: UnitOfWork) -> None:
    from datetime import timedelta

    from app.adapters.clock import utcnow
    from app.db.models import AffinityDraft

    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    draft = (await seeded.db.execute(__import__("sqlalchemy").select(AffinityDraft))).scalar_one()
    draft.expires_at = utcnow() - timedelta(seconds=1)
    await seeded.commit()
    response = await client.get("/affinity/add/details", follow_redirects=False)
    assert response.headers["location"] == "/affinity/add/pin"


async def test_a_restart_loses_nothing(client: Client, migrated) -> None:  # type: ignore[no-untyped-def]
    from app.main import create_app

    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    restarted = create_app(migrated)  # a new process: nothing kept in memory
    async with AsyncTestClient(app=restarted, base_url="http://localhost") as again:
        again.cookies = client.cookies
        response = await again.get("/affinity/add", follow_redirects=False)
        assert response.headers["location"] == "/affinity/add/documents"


async def test_answers_changed_after_checking_void_the_declaration(client: Client) -> None:
    await _through_notice(client)
    await _details(client, *MOTHER, "parent")
    await _documents(client, proof=face())
    check = await client.get("/affinity/add/check")
    seen = _checked(check.text)
    await _documents(client, proof=face("obama2.jpg"))  # another tab replaces the proof
    response = await _post(client, "/affinity/add/check", {"checked": seen})
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "changed after you checked them" in response.text  # type: ignore[attr-defined]
    fresh = _checked(response.text)  # type: ignore[attr-defined]
    response = await _post(client, "/affinity/add/check", {"checked": fresh})
    assert re.fullmatch(r"/affinity/[0-9a-f-]{36}", response.headers["location"])  # type: ignore[attr-defined]


async def test_reference_images_go_with_the_binding(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    member_url = await _bind_mother(client)
    assert len(list(Path(settings.upload_dir).iterdir())) == 1
    await _post(client, f"{member_url}/cancel", {})
    assert list(Path(settings.upload_dir).iterdir()) == []

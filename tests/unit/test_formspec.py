"""Forms declared as msgspec structs: limits, messages in field order, what was typed kept."""

from __future__ import annotations

from typing import Annotated

import msgspec
import pytest

from app.routes import formspec as fs
from app.routes.formspec import N_, parse_form
from app.routes.i18n import current_locale


class Example(msgspec.Struct):
    pin: Annotated[str, fs.pin(missing=N_("Enter your e-card PIN"))] = ""
    name: Annotated[str, fs.text(5, missing=N_("Enter the family member's name"))] = ""
    id_number: Annotated[str, fs.id_number()] = ""
    relationship: Annotated[
        str,
        fs.choice(
            ("parent", "child"), missing=N_("Select how the family member is related to you")
        ),
    ] = ""
    accept: Annotated[
        str, fs.accept(missing=N_("Confirm that you have read and accept the notice"))
    ] = ""
    checked: Annotated[str, fs.hidden(8)] = ""
    proof: Annotated[bytes | None, fs.upload(100)] = None


@pytest.fixture(autouse=True)
def english() -> None:
    current_locale.set("en")


def test_a_good_form_becomes_the_struct() -> None:
    parsed = parse_form(
        Example,
        {
            "pin": " 258 369 ",
            "name": " 王芳 ",
            "id_number": "110105198503140224",
            "relationship": "parent",
            "accept": "yes",
            "checked": "0123456789abcdef",
            "proof": b"jpeg",
        },
    )
    assert parsed.form == Example(
        "258369", "王芳", "110105198503140224", "parent", "yes", "01234567", b"jpeg"
    )
    assert not parsed.errors


def test_every_field_gets_its_own_message_in_page_order_and_typing_is_kept() -> None:
    parsed = parse_form(
        Example,
        {
            "pin": "12345",
            "name": "abcdef",
            "id_number": "11010519850314022X",
            "relationship": "boss",
        },
    )
    assert parsed.form is None
    assert list(parsed.errors.fields.items()) == [
        ("pin", "The PIN must be exactly 6 digits"),
        ("name", "This must be 5 characters or fewer"),
        ("id_number", "This ID number is not valid. Check it for a typing mistake"),
        ("relationship", "Select how the family member is related to you"),
        ("accept", "Confirm that you have read and accept the notice"),
    ]
    assert parsed.shown["name"] == "abcdef" and parsed.shown["id_number"] == "11010519850314022X"
    assert parsed.shown["pin"] == ""  # a PIN is never written back into the page


def test_empty_and_missing_fields() -> None:
    parsed = parse_form(Example, {"proof": b""})
    assert parsed.errors.fields["pin"] == "Enter your e-card PIN"
    assert parsed.errors.fields["name"] == "Enter the family member's name"
    assert parsed.errors.fields["id_number"] == "Enter the ID number"
    assert "proof" not in parsed.errors.fields and "checked" not in parsed.errors.fields


def test_a_huge_value_is_an_error_not_a_crash() -> None:
    parsed = parse_form(
        Example, {k: "9" * 100_000 for k in ("pin", "name", "id_number", "relationship")}
    )
    assert set(parsed.errors.fields) == {"pin", "name", "id_number", "relationship", "accept"}
    assert len(parsed.shown["name"]) == fs.SHOWN_MAX


def test_a_struct_field_without_a_declaration_is_refused() -> None:
    class Bare(msgspec.Struct):
        name: str = ""

    with pytest.raises(AssertionError):
        parse_form(Bare, {})

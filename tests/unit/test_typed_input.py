"""Full-width digits and letters (全角, from Chinese input methods), spaces and dashes are
accepted wherever a number or a code is typed."""

from __future__ import annotations

from app.domain import handoff, staff_enrolment
from app.domain.identity import parse_id_number
from app.domain.typed import compact
from app.routes.formspec import parse_form
from app.routes.step_up import PinForm


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def test_full_width_forms_fold_to_ascii_and_separators_go() -> None:
    assert compact("ａｂ—ｃｄ") == "ABCD"
    assert compact("12\u201334") == "1234"
    assert compact("１２\u3000３４") == "1234"


def test_an_id_number_typed_in_full_width() -> None:
    assert parse_id_number(_full_width("110105198503140224")).value == "110105198503140224"
    assert parse_id_number("110105 19850314 0224").value == "110105198503140224"
    assert parse_id_number(_full_width("11010519491231002x")).value == "11010519491231002X"


def test_a_pin_typed_in_full_width() -> None:
    parsed = parse_form(PinForm, {"pin": _full_width("258 369")})
    assert parsed.form is not None and parsed.form.pin == "258369"


def test_codes_typed_in_full_width_with_dashes() -> None:
    code = handoff.new_code()
    typed = _full_width(f"{code[:4]}-{code[4:]}".lower())
    assert handoff.normalise_code(typed) == code
    enrolment = staff_enrolment.new_code()
    assert staff_enrolment.normalise_code(_full_width(staff_enrolment.display_code(enrolment))) == (
        enrolment
    )

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.identity import (
    PROVINCE_PREFIXES,
    InvalidIdNumber,
    Sex,
    check_char,
    mask_id_number,
    parse_id_number,
)

TODAY = date(2026, 11, 25)


def test_qa_contract_example() -> None:
    n = parse_id_number(" 110105198503140224 ")
    assert n.value == "110105198503140224"
    assert n.birth_date == date(1985, 3, 14)
    assert n.sex is Sex.FEMALE
    assert n.region_code == "110105"
    assert n.age_on(date(2026, 3, 13)) == 40
    assert n.age_on(date(2026, 3, 14)) == 41


@pytest.mark.parametrize(
    ("number", "check"),
    [("11010519491231002X", "X"), ("440524188001010014", "4"), ("34052419800101001X", "X")],
)
def test_worked_examples_from_the_standard(number: str, check: str) -> None:
    assert check_char(number[:17]) == check


def test_a_birth_before_1900_is_refused_even_with_a_right_check_digit() -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number("440524188001010014", today=TODAY)
    assert caught.value.reason == "birth_date"


def test_lower_case_x_and_inner_spaces_are_accepted() -> None:
    assert parse_id_number("110105 19491231 002x").value == "11010519491231002X"


def test_legacy_15_digit_number_is_upgraded() -> None:
    n = parse_id_number("110105491231002")
    assert n.value == "11010519491231002X"
    assert n.sex is Sex.FEMALE


def test_sex_comes_from_the_17th_character() -> None:
    assert parse_id_number("110105195611200171").sex is Sex.MALE


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("", "format"),
        ("11010519850314022", "format"),
        ("1101051985031402AB", "format"),
        ("11010519850314022\u0664", "format"),  # an Arabic-Indic 4: not folded to ASCII
        ("1" * 1000, "format"),
        ("110105198503140225", "checksum"),
        ("110105198502300221", "birth_date"),
        ("110105189912310010", "birth_date"),
        ("990105198503140224", "region"),
        ("160105198503140224", "region"),
    ],
)
def test_invalid_numbers_say_why(raw: str, reason: str) -> None:
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(raw, today=TODAY)
    assert caught.value.reason == reason
    assert isinstance(caught.value, ValueError)


def test_a_birth_date_in_the_future_is_refused() -> None:
    body = "11010520271231001"
    with pytest.raises(InvalidIdNumber) as caught:
        parse_id_number(body + check_char(body), today=TODAY)
    assert caught.value.reason == "birth_date"


def test_masking_keeps_four_and_four() -> None:
    assert mask_id_number("110105198503140224") == "1101**********0224"
    assert parse_id_number("110105198503140224").masked == "1101**********0224"


bodies = st.builds(
    lambda province, rest, born, seq: f"{province}{rest}{born:%Y%m%d}{seq}",
    st.sampled_from(sorted(PROVINCE_PREFIXES)),
    st.from_regex(r"[0-9]{4}", fullmatch=True),
    st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    st.from_regex(r"[0-9]{3}", fullmatch=True),
)


@given(bodies)
def test_every_number_with_a_correct_check_digit_parses(body: str) -> None:
    number = body + check_char(body)
    parsed = parse_id_number(number, today=TODAY)
    assert parsed.value == number
    assert parsed.birth_date.strftime("%Y%m%d") == body[6:14]


@given(bodies, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_changing_any_single_digit_makes_it_fail(body: str, position: int, delta: int) -> None:
    number = body + check_char(body)
    changed_digit = str((int(number[position]) + delta) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    with pytest.raises(InvalidIdNumber):
        parse_id_number(changed, today=TODAY)


@given(bodies, st.sampled_from("0123456789X"))
def test_changing_the_check_character_makes_it_fail(body: str, other: str) -> None:
    right = check_char(body)
    if other != right:
        with pytest.raises(InvalidIdNumber) as caught:
            parse_id_number(body + other, today=TODAY)
        assert caught.value.reason == "checksum"

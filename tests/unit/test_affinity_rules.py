import itertools
from collections.abc import Sequence
from datetime import date, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.affinity import (
    LIVE_STATES,
    MAX_MEMBERS,
    NOTICE_VERSION,
    STEPS,
    BindingRefused,
    BindingState,
    DraftProgress,
    HeldBinding,
    Relationship,
    Step,
    answers_digest,
    check_new_member,
    details_change_clears_documents,
    first_incomplete,
    may_open,
    names_match,
    needs_face_photo,
    previous_step,
    step_number,
)
from app.domain.identity import IdNumber, check_char, parse_id_number
from app.domain.policy import Policy

# The demo family (seed data).
HOLDER = IdNumber("110105198503140224")  # born 1985-03-14
MOTHER = IdNumber("110105195806070426")
FATHER = IdNumber("110105195611200171")
HUSBAND = IdNumber("110105198309210137")
SON = IdNumber("11010520150402035X")  # born 2015-04-02

POLICY = Policy()  # 8 members, 1 spouse, 5 holders, face photo under 16
NOT_LIVE = (
    BindingState.REVOKED,
    BindingState.EXPIRED,
    BindingState.CANCELLED,
    BindingState.REJECTED,
)
OLDER = (Relationship.PARENT, Relationship.GRANDPARENT)
YOUNGER = (Relationship.CHILD, Relationship.GRANDCHILD)
ANY_AGE = (Relationship.SPOUSE, Relationship.SIBLING, Relationship.OTHER)


def make_id(born: date, seq: int = 1) -> IdNumber:
    """A valid Beijing Chaoyang number for someone born on ``born``."""
    first17 = f"110105{born:%Y%m%d}{seq:03d}"
    return IdNumber(first17 + check_char(first17))


def fillers(count: int, *, state: BindingState = BindingState.ACTIVE) -> list[HeldBinding]:
    """``count`` bindings to distinct siblings (born 1990) who are not otherwise in the tests."""
    return [
        HeldBinding(make_id(date(1990, 1, 1), 500 + n).value, Relationship.SIBLING, state)
        for n in range(count)
    ]


def refusal(
    member: IdNumber,
    relationship: Relationship,
    bindings: Sequence[HeldBinding] = (),
    holders: int = 0,
    policy: Policy = POLICY,
    holder: IdNumber = HOLDER,
) -> str | None:
    """The reason the binding is refused, or None when it is allowed."""
    try:
        check_new_member(
            holder=holder,
            member=member,
            relationship=relationship,
            holder_bindings=bindings,
            member_live_holder_count=holders,
            policy=policy,
        )
    except BindingRefused as refused:
        assert isinstance(refused, ValueError)
        assert str(refused) == refused.reason
        return refused.reason
    return None


def test_the_helpers_build_valid_numbers() -> None:
    for value in (HOLDER, MOTHER, FATHER, HUSBAND, SON, make_id(date(1990, 1, 1), 500)):
        assert parse_id_number(value.value, today=date(2026, 1, 1)) == value


def test_the_live_states_are_pending_and_active() -> None:
    # waiting for a document review or an in-person check is still pending: it keeps its slot
    assert sorted(LIVE_STATES) == [
        BindingState.ACTIVE,
        BindingState.AWAITING_FACE,
        BindingState.DOCUMENTS_REVIEW,
        BindingState.NEEDS_IN_PERSON,
    ]
    assert set(BindingState) == LIVE_STATES | set(NOT_LIVE)


# --- the demo family binds cleanly -------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "relationship"),
    [
        (MOTHER, Relationship.PARENT),
        (FATHER, Relationship.PARENT),
        (HUSBAND, Relationship.SPOUSE),
        (SON, Relationship.CHILD),
    ],
)
def test_the_demo_family_may_be_bound(member: IdNumber, relationship: Relationship) -> None:
    assert refusal(member, relationship) is None


def test_the_whole_demo_family_binds_one_after_another() -> None:
    family = [
        (MOTHER, Relationship.PARENT),
        (FATHER, Relationship.PARENT),
        (HUSBAND, Relationship.SPOUSE),
        (SON, Relationship.CHILD),
    ]
    held: list[HeldBinding] = []
    for member, relationship in family:
        assert refusal(member, relationship, held) is None
        held.append(HeldBinding(member.value, relationship, BindingState.AWAITING_FACE))
    assert len(held) == 4


# --- self ------------------------------------------------------------------------------------


@pytest.mark.parametrize("relationship", list(Relationship))
def test_a_holder_cannot_bind_themselves(relationship: Relationship) -> None:
    assert refusal(HOLDER, relationship) == "self"


def test_self_comes_before_every_other_rule() -> None:
    # Bound to themselves already (somehow), full up and with a full member: still "self".
    bindings = [
        HeldBinding(HOLDER.value, Relationship.SPOUSE, BindingState.ACTIVE),
        *fillers(POLICY.max_members_per_holder - 1),
    ]
    assert refusal(HOLDER, Relationship.SPOUSE, bindings, holders=5) == "self"
    assert refusal(HOLDER, Relationship.PARENT, bindings, holders=5) == "self"


# --- duplicate -------------------------------------------------------------------------------


@pytest.mark.parametrize("state", sorted(LIVE_STATES))
@pytest.mark.parametrize("relationship", list(Relationship))
def test_a_live_binding_to_the_same_member_is_a_duplicate(
    state: BindingState, relationship: Relationship
) -> None:
    # Whatever relationship is claimed the second time, it is still the same person.
    bindings = [HeldBinding(MOTHER.value, Relationship.PARENT, state)]
    assert refusal(MOTHER, relationship, bindings) == "duplicate"


@pytest.mark.parametrize("state", NOT_LIVE)
def test_a_binding_that_ended_does_not_block_binding_again(state: BindingState) -> None:
    bindings = [HeldBinding(MOTHER.value, Relationship.PARENT, state)] * 3
    assert refusal(MOTHER, Relationship.PARENT, bindings) is None


def test_a_lower_case_check_character_is_still_a_duplicate() -> None:
    bindings = [HeldBinding(SON.value.lower(), Relationship.CHILD, BindingState.ACTIVE)]
    assert refusal(SON, Relationship.CHILD, bindings) == "duplicate"


def test_a_binding_to_someone_else_is_not_a_duplicate() -> None:
    bindings = [HeldBinding(FATHER.value, Relationship.PARENT, BindingState.ACTIVE)]
    assert refusal(MOTHER, Relationship.PARENT, bindings) is None


def test_duplicate_comes_before_the_member_cap() -> None:
    bindings = [
        HeldBinding(MOTHER.value, Relationship.PARENT, BindingState.ACTIVE),
        *fillers(POLICY.max_members_per_holder - 1),
    ]
    assert refusal(MOTHER, Relationship.PARENT, bindings) == "duplicate"


# --- too_many_members ------------------------------------------------------------------------


def test_the_default_member_cap_is_eight() -> None:
    assert POLICY.max_members_per_holder == 8
    assert refusal(MOTHER, Relationship.PARENT, fillers(7)) is None
    assert refusal(MOTHER, Relationship.PARENT, fillers(8)) == "too_many_members"
    assert refusal(MOTHER, Relationship.PARENT, fillers(9)) == "too_many_members"


def test_pending_bindings_fill_member_slots() -> None:
    pending = fillers(8, state=BindingState.AWAITING_FACE)
    assert refusal(MOTHER, Relationship.PARENT, pending) == "too_many_members"
    mixed = fillers(4) + fillers(4, state=BindingState.AWAITING_FACE)[::-1]
    assert refusal(MOTHER, Relationship.PARENT, mixed) == "too_many_members"


@pytest.mark.parametrize("state", NOT_LIVE)
def test_ended_bindings_do_not_fill_member_slots(state: BindingState) -> None:
    bindings = fillers(7) + fillers(20, state=state)
    assert refusal(MOTHER, Relationship.PARENT, bindings) is None


def test_the_member_cap_comes_from_policy() -> None:
    policy = msgspec.structs.replace(POLICY, max_members_per_holder=3)
    assert refusal(MOTHER, Relationship.PARENT, fillers(2), policy=policy) is None
    assert refusal(MOTHER, Relationship.PARENT, fillers(3), policy=policy) == "too_many_members"
    roomy = msgspec.structs.replace(POLICY, max_members_per_holder=10)
    assert refusal(MOTHER, Relationship.PARENT, fillers(9), policy=roomy) is None
    assert refusal(MOTHER, Relationship.PARENT, fillers(10), policy=roomy) == "too_many_members"


def test_the_member_cap_comes_before_the_spouse_cap() -> None:
    bindings = [
        HeldBinding(make_id(date(1984, 1, 1)).value, Relationship.SPOUSE, BindingState.ACTIVE),
        *fillers(7),
    ]
    assert refusal(HUSBAND, Relationship.SPOUSE, bindings) == "too_many_members"


# --- too_many_spouses ------------------------------------------------------------------------

OTHER_SPOUSE = make_id(date(1984, 6, 1), 11)


@pytest.mark.parametrize("state", sorted(LIVE_STATES))
def test_a_second_live_spouse_is_refused(state: BindingState) -> None:
    assert POLICY.max_spouses_per_holder == 1
    bindings = [HeldBinding(OTHER_SPOUSE.value, Relationship.SPOUSE, state)]
    assert refusal(HUSBAND, Relationship.SPOUSE, bindings) == "too_many_spouses"


def test_the_first_spouse_is_allowed_beside_other_members() -> None:
    assert refusal(HUSBAND, Relationship.SPOUSE, fillers(7)) is None


@pytest.mark.parametrize("state", NOT_LIVE)
def test_a_former_spouse_does_not_count(state: BindingState) -> None:
    bindings = [HeldBinding(OTHER_SPOUSE.value, Relationship.SPOUSE, state)]
    assert refusal(HUSBAND, Relationship.SPOUSE, bindings) is None


@pytest.mark.parametrize("relationship", [r for r in Relationship if r != Relationship.SPOUSE])
def test_the_spouse_cap_only_applies_to_a_new_spouse(relationship: Relationship) -> None:
    member = {**dict.fromkeys(OLDER, MOTHER), **dict.fromkeys(YOUNGER, SON)}.get(
        relationship, make_id(date(1987, 7, 7), 21)
    )
    bindings = [HeldBinding(HUSBAND.value, Relationship.SPOUSE, BindingState.ACTIVE)]
    assert refusal(member, relationship, bindings) is None


def test_the_spouse_cap_comes_from_policy() -> None:
    two = msgspec.structs.replace(POLICY, max_spouses_per_holder=2)
    one_held = [HeldBinding(OTHER_SPOUSE.value, Relationship.SPOUSE, BindingState.ACTIVE)]
    two_held = [
        *one_held,
        HeldBinding(make_id(date(1984, 6, 2), 13).value, Relationship.SPOUSE, BindingState.ACTIVE),
    ]
    assert refusal(HUSBAND, Relationship.SPOUSE, one_held, policy=two) is None
    assert refusal(HUSBAND, Relationship.SPOUSE, two_held, policy=two) == "too_many_spouses"
    none = msgspec.structs.replace(POLICY, max_spouses_per_holder=0)
    assert refusal(HUSBAND, Relationship.SPOUSE, policy=none) == "too_many_spouses"


def test_the_spouse_cap_comes_before_the_holder_cap() -> None:
    bindings = [HeldBinding(OTHER_SPOUSE.value, Relationship.SPOUSE, BindingState.ACTIVE)]
    assert refusal(HUSBAND, Relationship.SPOUSE, bindings, holders=5) == "too_many_spouses"


# --- too_many_holders ------------------------------------------------------------------------


def test_the_default_holder_cap_is_five() -> None:
    assert POLICY.max_holders_per_member == 5
    assert refusal(SON, Relationship.CHILD, holders=4) is None
    assert refusal(SON, Relationship.CHILD, holders=5) == "too_many_holders"
    assert refusal(SON, Relationship.CHILD, holders=6) == "too_many_holders"


def test_the_holder_cap_comes_from_policy() -> None:
    policy = msgspec.structs.replace(POLICY, max_holders_per_member=2)
    assert refusal(SON, Relationship.CHILD, holders=1, policy=policy) is None
    assert refusal(SON, Relationship.CHILD, holders=2, policy=policy) == "too_many_holders"


def test_the_holder_cap_comes_before_the_age_rules() -> None:
    assert refusal(SON, Relationship.PARENT, holders=5) == "too_many_holders"
    assert refusal(MOTHER, Relationship.CHILD, holders=5) == "too_many_holders"


# --- age order -------------------------------------------------------------------------------

HOLDER_BORN = HOLDER.birth_date
DAY = timedelta(days=1)


@pytest.mark.parametrize("relationship", OLDER)
def test_a_parent_or_grandparent_must_be_born_strictly_before_the_holder(
    relationship: Relationship,
) -> None:
    assert refusal(make_id(HOLDER_BORN - DAY), relationship) is None
    assert refusal(make_id(HOLDER_BORN), relationship) == "must_be_older"
    assert refusal(make_id(HOLDER_BORN + DAY), relationship) == "must_be_older"
    assert refusal(SON, relationship) == "must_be_older"
    assert refusal(MOTHER, relationship) is None


@pytest.mark.parametrize("relationship", YOUNGER)
def test_a_child_or_grandchild_must_be_born_strictly_after_the_holder(
    relationship: Relationship,
) -> None:
    assert refusal(make_id(HOLDER_BORN + DAY), relationship) is None
    assert refusal(make_id(HOLDER_BORN), relationship) == "must_be_younger"
    assert refusal(make_id(HOLDER_BORN - DAY), relationship) == "must_be_younger"
    assert refusal(MOTHER, relationship) == "must_be_younger"
    assert refusal(SON, relationship) is None


@pytest.mark.parametrize("relationship", ANY_AGE)
@pytest.mark.parametrize("born", [HOLDER_BORN - DAY, HOLDER_BORN, HOLDER_BORN + DAY])
def test_spouses_siblings_and_others_may_be_any_age(relationship: Relationship, born: date) -> None:
    assert refusal(make_id(born, 7), relationship) is None


# --- the order of precedence, over every combination of broken rules ---------------------------

ORDER = (
    "self",
    "duplicate",
    "too_many_members",
    "too_many_spouses",
    "too_many_holders",
    "must_be_older",
    "must_be_younger",
)
# Born well clear of the holder, on the right side for each relationship.
FITTING_BIRTH = {
    Relationship.SPOUSE: date(1984, 1, 1),
    Relationship.PARENT: date(1955, 1, 1),
    Relationship.GRANDPARENT: date(1930, 1, 1),
    Relationship.CHILD: date(2012, 1, 1),
    Relationship.GRANDCHILD: date(2020, 1, 1),
    Relationship.SIBLING: date(1988, 1, 1),
    Relationship.OTHER: date(1970, 1, 1),
}


@pytest.mark.parametrize("relationship", list(Relationship))
def test_the_first_broken_rule_wins(relationship: Relationship) -> None:
    for flags in itertools.product([False, True], repeat=5):
        self_, duplicate, members, spouses, holders = flags
        for same_birthday in (False, True):
            member = (
                HOLDER
                if self_
                else make_id(HOLDER_BORN if same_birthday else FITTING_BIRTH[relationship], 99)
            )
            bindings: list[HeldBinding] = []
            if duplicate:
                bindings.append(HeldBinding(member.value, Relationship.OTHER, BindingState.ACTIVE))
            if spouses:
                bindings.append(
                    HeldBinding(OTHER_SPOUSE.value, Relationship.SPOUSE, BindingState.AWAITING_FACE)
                )
            live = len(bindings)
            if members:
                bindings += fillers(POLICY.max_members_per_holder - live)
            bindings += fillers(3, state=BindingState.REVOKED)  # never matter
            broken = {
                "self": self_,
                "duplicate": duplicate,
                "too_many_members": members,
                "too_many_spouses": spouses and relationship == Relationship.SPOUSE,
                "too_many_holders": holders,
                # A member sharing the holder's birthday (or the holder) is neither older nor younger.
                "must_be_older": (same_birthday or self_) and relationship in OLDER,
                "must_be_younger": (same_birthday or self_) and relationship in YOUNGER,
            }
            expected = next((reason for reason in ORDER if broken[reason]), None)
            got = refusal(member, relationship, bindings, holders=5 if holders else 0)
            assert got == expected, (flags, same_birthday)


# --- face photo age line ---------------------------------------------------------------------


def test_the_demo_son_needs_a_face_photo_until_his_16th_birthday() -> None:
    assert POLICY.face_photo_under_age == 16
    assert needs_face_photo(SON, date(2015, 4, 2), POLICY)
    assert needs_face_photo(SON, date(2026, 11, 25), POLICY)
    assert needs_face_photo(SON, date(2031, 4, 1), POLICY)
    assert not needs_face_photo(SON, date(2031, 4, 2), POLICY)
    assert not needs_face_photo(SON, date(2031, 4, 3), POLICY)


@pytest.mark.parametrize("adult", [HOLDER, MOTHER, FATHER, HUSBAND])
def test_adults_need_no_face_photo(adult: IdNumber) -> None:
    assert not needs_face_photo(adult, date(2026, 11, 25), POLICY)


def test_the_face_photo_age_comes_from_policy() -> None:
    eighteen = msgspec.structs.replace(POLICY, face_photo_under_age=18)
    assert needs_face_photo(SON, date(2031, 4, 2), eighteen)
    assert needs_face_photo(SON, date(2033, 4, 1), eighteen)
    assert not needs_face_photo(SON, date(2033, 4, 2), eighteen)


def test_someone_born_on_29_february_turns_16_on_29_february() -> None:
    leapling = make_id(date(2016, 2, 29))
    assert needs_face_photo(leapling, date(2032, 2, 28), POLICY)
    assert not needs_face_photo(leapling, date(2032, 2, 29), POLICY)


# --- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("registry", "typed"),
    [
        ("王芳", "王芳"),
        ("王芳", "  王芳  "),
        ("王芳", "王 芳"),
        ("王芳", "王\u3000芳"),
        ("王芳", "\u3000王芳\u3000"),
        ("王芳", "\t王\n芳 "),
        ("王 芳", "王芳"),  # whitespace in the registry value is ignored too
        ("Wang Fang", "WANG FANG"),
        ("Wang Fang", "wangfang"),
        ("Wang Fang", "Ｗａｎｇ　Ｆａｎｇ"),  # full-width letters and U+3000
        ("WANG FANG", "ｗａｎｇ ｆａｎｇ"),
        ("Müller", "MÜLLER"),
        ("阿卜杜·热合曼", "阿卜杜•热合曼"),
        ("阿卜杜•热合曼", "阿卜杜·热合曼"),
        ("阿卜杜·热合曼", "阿卜杜 · 热合曼"),
        ("阿卜杜·热合曼", "阿卜杜・热合曼"),  # katakana middle dot, as some input methods type it
        ("阿卜杜·热合曼", "阿卜杜･热合曼"),  # its half-width form
        ("阿卜杜·热合曼", "阿卜杜‧热合曼"),  # hyphenation point
    ],
)
def test_names_that_match(registry: str, typed: str) -> None:
    assert names_match(registry, typed)
    assert names_match(typed, registry)


@pytest.mark.parametrize(
    ("registry", "typed"),
    [
        ("王芳", "王方"),
        ("王芳", "王芳芳"),
        ("王芳", "芳王"),
        ("张伟", "張偉"),  # simplified and traditional are different characters
        ("阿卜杜·热合曼", "阿卜杜热合曼"),  # the dot is part of the name
        ("阿卜杜·热合曼", "阿卜杜-热合曼"),
        ("Wang Fang", "Wang Fan"),
        ("王芳", ""),
        ("王芳", " \u3000 "),
        ("", ""),  # an empty name matches nothing
        ("\u3000", " "),
    ],
)
def test_names_that_do_not_match(registry: str, typed: str) -> None:
    assert not names_match(registry, typed)


NAME_TEXT = st.text(
    alphabet=st.sampled_from("王芳张伟李娜阿卜杜热合曼·•WangFangw \u3000"), min_size=1, max_size=12
)


@given(NAME_TEXT, NAME_TEXT)
def test_names_match_is_symmetric(a: str, b: str) -> None:
    assert names_match(a, b) == names_match(b, a)


@given(NAME_TEXT)
def test_a_name_matches_itself_unless_it_is_blank(name: str) -> None:
    assert names_match(name, name) == bool(name.strip())


# --- the wizard's step graph -----------------------------------------------------------------

FLAGS = ("pin_verified", "notice_accepted", "details_done", "documents_done")
PROGRESS = st.builds(DraftProgress, st.booleans(), st.booleans(), st.booleans(), st.booleans())


def test_the_steps_in_order() -> None:
    assert STEPS == (Step.PIN, Step.NOTICE, Step.DETAILS, Step.DOCUMENTS, Step.CHECK)
    assert [step_number(step) for step in STEPS] == [1, 2, 3, 4, 5]
    assert [previous_step(step) for step in STEPS] == [
        None,
        Step.PIN,
        Step.NOTICE,
        Step.DETAILS,
        Step.DOCUMENTS,
    ]
    assert [str(step) for step in STEPS] == ["pin", "notice", "details", "documents", "check"]


def test_first_incomplete_walks_forward() -> None:
    assert first_incomplete(DraftProgress()) is Step.PIN
    assert first_incomplete(DraftProgress(pin_verified=True)) is Step.NOTICE
    assert first_incomplete(DraftProgress(True, True)) is Step.DETAILS
    assert first_incomplete(DraftProgress(True, True, True)) is Step.DOCUMENTS
    assert first_incomplete(DraftProgress(True, True, True, True)) is Step.CHECK


def test_a_gap_stops_progress_at_the_gap() -> None:
    # Documents done but details cleared (the ID number changed): back to details.
    progress = DraftProgress(pin_verified=True, notice_accepted=True, documents_done=True)
    assert first_incomplete(progress) is Step.DETAILS
    assert not may_open(Step.DOCUMENTS, progress)
    assert not may_open(Step.CHECK, progress)
    # Everything but the PIN: nothing past the PIN step opens.
    no_pin = DraftProgress(notice_accepted=True, details_done=True, documents_done=True)
    assert first_incomplete(no_pin) is Step.PIN
    assert [step for step in STEPS if may_open(step, no_pin)] == [Step.PIN]


@pytest.mark.parametrize("flags", list(itertools.product([False, True], repeat=4)))
def test_may_open_for_every_combination(flags: tuple[bool, bool, bool, bool]) -> None:
    progress = DraftProgress(**dict(zip(FLAGS, flags, strict=True)))
    for index, step in enumerate(STEPS):
        assert may_open(step, progress) == all(flags[:index]), step


@given(PROGRESS)
def test_may_open_agrees_with_first_incomplete(progress: DraftProgress) -> None:
    first = first_incomplete(progress)
    assert may_open(Step.PIN, progress)
    assert may_open(first, progress)
    for step in STEPS:
        assert may_open(step, progress) == (step_number(step) <= step_number(first))


@given(PROGRESS)
def test_the_back_link_always_leads_to_an_openable_step(progress: DraftProgress) -> None:
    for step in STEPS:
        back = previous_step(step)
        if may_open(step, progress) and back is not None:
            assert may_open(back, progress)
            assert step_number(back) == step_number(step) - 1


# --- changing details ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old_id", "old_relationship", "new_id", "new_relationship", "clears"),
    [
        (None, None, SON.value, Relationship.CHILD, False),  # first answers: nothing to clear
        (SON.value, Relationship.CHILD, SON.value, Relationship.CHILD, False),
        (SON.value.lower(), Relationship.CHILD, SON.value, Relationship.CHILD, False),
        (SON.value, Relationship.CHILD, MOTHER.value, Relationship.CHILD, True),
        (SON.value, Relationship.CHILD, SON.value, Relationship.GRANDCHILD, True),
        (SON.value, Relationship.CHILD, MOTHER.value, Relationship.PARENT, True),
        (MOTHER.value, Relationship.PARENT, FATHER.value, Relationship.PARENT, True),
        (HUSBAND.value, Relationship.SPOUSE, HUSBAND.value, Relationship.OTHER, True),
        (SON.value, None, SON.value, Relationship.CHILD, True),
        (None, Relationship.CHILD, SON.value, Relationship.CHILD, True),
    ],
)
def test_details_change_clears_documents(
    old_id: str | None,
    old_relationship: Relationship | None,
    new_id: str,
    new_relationship: Relationship,
    clears: bool,
) -> None:
    assert (
        details_change_clears_documents(old_id, old_relationship, new_id, new_relationship)
        is clears
    )


# --- the declaration digest ------------------------------------------------------------------

ANSWERS: dict[str, object] = {
    "member_id_number": SON.value,
    "name": "张小明",
    "relationship": Relationship.CHILD,
    "proof_ref": "proof-7f3a",
    "face_photo_ref": "face-91cc",
    "notice_version": NOTICE_VERSION,
}


def digest(**changes: object) -> str:
    return answers_digest(**{**ANSWERS, **changes})  # type: ignore[arg-type]


def test_the_notice_version() -> None:
    assert NOTICE_VERSION == "2025-01"


def test_the_digest_is_a_stable_sha256_hex() -> None:
    value = digest()
    assert len(value) == 64
    assert int(value, 16) >= 0
    assert value == value.lower()
    assert digest() == value


@pytest.mark.parametrize(
    ("field", "other"),
    [
        ("member_id_number", MOTHER.value),
        ("name", "张小明 "),
        ("name", "张晓明"),
        ("relationship", Relationship.GRANDCHILD),
        ("proof_ref", "proof-7f3b"),
        ("face_photo_ref", "face-91cd"),
        ("face_photo_ref", None),
        ("face_photo_ref", ""),
        ("notice_version", "2026-01"),
    ],
)
def test_changing_any_answer_changes_the_digest(field: str, other: object) -> None:
    assert digest(**{field: other}) != digest()


def test_no_photo_and_an_empty_photo_reference_differ() -> None:
    assert digest(face_photo_ref=None) != digest(face_photo_ref="")
    assert digest(face_photo_ref=None) != digest(face_photo_ref="null")


def test_values_cannot_slide_between_fields() -> None:
    assert digest(proof_ref="p1", face_photo_ref="") != digest(proof_ref="p", face_photo_ref="1")
    assert digest(proof_ref="a", face_photo_ref="b") != digest(proof_ref="b", face_photo_ref="a")
    assert digest(member_id_number="1101", name="05张小明") != digest(
        member_id_number="110105", name="张小明"
    )
    assert digest(name='a","b') != digest(name="a", proof_ref="b")


@given(st.text(max_size=20), st.text(max_size=20))
def test_distinct_names_give_distinct_digests(a: str, b: str) -> None:
    assert (digest(name=a) == digest(name=b)) == (a == b)


# ---- callers without settings: the default policy -------------------------------------------


def test_max_members_is_the_default_policys_member_cap() -> None:
    assert MAX_MEMBERS == Policy().max_members_per_holder == 8


def test_needs_face_photo_defaults_to_the_default_policy() -> None:
    assert needs_face_photo(SON, on=date(2031, 4, 1))
    assert not needs_face_photo(SON, on=date(2031, 4, 2))
    for day in (date(2015, 4, 2), date(2031, 4, 1), date(2031, 4, 2), date(2040, 1, 1)):
        assert needs_face_photo(SON, on=day) == needs_face_photo(SON, day, Policy())

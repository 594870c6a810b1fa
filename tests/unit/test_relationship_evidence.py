"""Who needs review, and which face a member's selfie is matched against (domain-rules:
relationship evidence, face recognition)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.affinity import (
    BindingState,
    Relationship,
    face_reference,
    initial_state,
)
from app.domain.identity import IdNumber
from app.domain.policy import Policy

SON = IdNumber("11010520150402035X")  # born 2015-04-02
MOTHER = IdNumber("110105195806070426")


@pytest.mark.parametrize("relationship", [r for r in Relationship if r is not Relationship.OTHER])
def test_a_household_link_confirms_the_declared_relationship(relationship: Relationship) -> None:
    assert initial_state(relationship, same_household=True) is BindingState.AWAITING_FACE


@pytest.mark.parametrize("relationship", list(Relationship))
def test_without_a_household_link_staff_review_the_document(relationship: Relationship) -> None:
    assert initial_state(relationship, same_household=False) is BindingState.DOCUMENTS_REVIEW


@pytest.mark.parametrize("same_household", [True, False])
def test_other_always_needs_review(same_household: bool) -> None:
    state = initial_state(Relationship.OTHER, same_household=same_household)
    assert state is BindingState.DOCUMENTS_REVIEW


def test_from_16_the_registry_portrait_is_the_only_reference() -> None:
    assert face_reference(MOTHER, date(2026, 12, 1)) == "registry_portrait"
    assert face_reference(SON, date(2031, 4, 2)) == "registry_portrait"  # his 16th birthday


def test_under_16_the_uploaded_face_photo_is_the_reference() -> None:
    assert face_reference(SON, date(2026, 12, 1)) == "face_photo"
    assert face_reference(SON, date(2031, 4, 1)) == "face_photo"  # the day before


@given(st.dates(min_value=date(2015, 4, 2), max_value=date(2100, 1, 1)), st.integers(1, 30))
def test_the_reference_follows_the_age_line_of_the_policy(on: date, line: int) -> None:
    policy = Policy(face_photo_under_age=line)
    expected = "face_photo" if SON.age_on(on) < line else "registry_portrait"
    assert face_reference(SON, on, policy) == expected

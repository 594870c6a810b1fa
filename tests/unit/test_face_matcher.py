"""The matcher on real photos (the test fixtures): same people below the threshold, others above."""

from __future__ import annotations

import asyncio
import io
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from app.adapters.face_matcher import FaceMatcher, describe, distance_between
from app.domain.face import UnusablePhoto, is_match
from app.domain.policy import Policy

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
THRESHOLD = Policy().face_match_threshold
PEOPLE = {"obama": ["obama.jpg", "obama2.jpg", "obama3.jpg"], "biden": ["biden.jpg", "biden2.jpg"]}
OPTIONS = {"max_side": 1024, "min_face": 80}


def _photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def _edited(name: str, edit) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    edit(Image.open(FACES / name).convert("RGB")).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def descriptors() -> dict[str, np.ndarray]:  # type: ignore[type-arg]
    names = [n for files in PEOPLE.values() for n in files]
    return {n: describe(_photo(n), image="selfie", **OPTIONS) for n in names}


def test_every_same_person_pair_is_below_the_threshold(descriptors) -> None:  # type: ignore[no-untyped-def]
    for files in PEOPLE.values():
        for a, b in itertools.combinations(files, 2):
            distance = float(np.linalg.norm(descriptors[a] - descriptors[b]))
            assert is_match(distance, THRESHOLD), (a, b, distance)


def test_every_different_person_pair_is_above_the_threshold(descriptors) -> None:  # type: ignore[no-untyped-def]
    for a, b in itertools.product(PEOPLE["obama"], PEOPLE["biden"]):
        distance = float(np.linalg.norm(descriptors[a] - descriptors[b]))
        assert not is_match(distance, THRESHOLD), (a, b, distance)


def test_two_people_is_several_faces() -> None:
    with pytest.raises(UnusablePhoto) as caught:
        describe(_photo("two_people.jpg"), image="selfie", **OPTIONS)
    assert caught.value.reason == "several_faces"


def test_a_photo_without_a_face_is_no_face() -> None:
    # the lower part of a real portrait: suit and background, no face
    def lower_third(image: Image.Image) -> Image.Image:
        return image.crop((0, image.height * 2 // 3, image.width, image.height))

    with pytest.raises(UnusablePhoto) as caught:
        describe(_edited("obama.jpg", lower_third), image="selfie", **OPTIONS)
    assert caught.value.reason == "no_face"


def test_a_tiny_face_is_too_small() -> None:
    def shrink(image: Image.Image) -> Image.Image:
        return image.resize((image.width // 6, image.height // 6))

    with pytest.raises(UnusablePhoto) as caught:
        describe(_edited("obama.jpg", shrink), image="selfie", **OPTIONS)
    assert caught.value.reason == "too_small"


def test_a_dark_photo_is_too_dark() -> None:
    def darken(image: Image.Image) -> Image.Image:
        return ImageEnhance.Brightness(image).enhance(0.25)

    with pytest.raises(UnusablePhoto) as caught:
        describe(_edited("obama2.jpg", darken), image="selfie", **OPTIONS)
    assert caught.value.reason == "too_dark"


def test_a_blurred_photo_is_refused() -> None:
    def blur(image: Image.Image) -> Image.Image:
        return image.filter(ImageFilter.GaussianBlur(6))

    with pytest.raises(UnusablePhoto) as caught:
        describe(_edited("obama2.jpg", blur), image="selfie", **OPTIONS)
    assert caught.value.reason == "blurred"


def test_the_reference_is_named_when_it_is_the_problem() -> None:
    with pytest.raises(UnusablePhoto) as caught:
        distance_between(_photo("obama.jpg"), _photo("two_people.jpg"), **OPTIONS)
    assert caught.value.image == "reference"


async def test_the_worker_pool_matches_off_the_event_loop() -> None:
    matcher = FaceMatcher(workers=1)
    try:
        same = await matcher.distance(_photo("obama2.jpg"), _photo("obama.jpg"))
        other = await matcher.distance(_photo("biden.jpg"), _photo("obama.jpg"))
    finally:
        matcher.close()
    assert same < THRESHOLD < other


def _started_with_the_models() -> bool:
    """In a pool's worker: whether it was forked with the models loaded (only the fork
    server imports face_models)."""
    preloaded = sys.modules.get("app.adapters.face_models")
    return preloaded is not None and bool(preloaded.PRELOADED)


async def test_a_new_pools_workers_start_with_the_models_loaded() -> None:
    for _ in range(2):  # a restart's new pool as well
        matcher = FaceMatcher(workers=1)
        try:
            pool = matcher._executor()
            loop = asyncio.get_running_loop()
            assert await loop.run_in_executor(pool, _started_with_the_models)
        finally:
            matcher.close()

"""Offline face matching with dlib: HOG detection, 5-point alignment, 128-d ResNet descriptors.

The weights ship in the face-recognition-models package; it is located, not imported (its
__init__ needs pkg_resources). Matching runs in worker processes, each loading the models
once, with bounded concurrency, so the event loop and other pages stay responsive.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageOps

from app.domain.face import UnusablePhoto

_MODELS: dict[str, Any] = {}
DARK_MEAN = 45.0  # mean grey level (0-255) of the face below which it is too dark
BLUR_VARIANCE = 20.0  # variance of the Laplacian of the face below which it is blurred


def models_dir() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("face-recognition-models is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def load_models() -> None:
    """Load the models in this process, unless it was forked with them already loaded."""
    if _MODELS:
        return
    import dlib

    folder = models_dir()
    _MODELS["detector"] = dlib.get_frontal_face_detector()
    _MODELS["shape"] = dlib.shape_predictor(str(folder / "shape_predictor_5_face_landmarks.dat"))
    _MODELS["encoder"] = dlib.face_recognition_model_v1(
        str(folder / "dlib_face_recognition_resnet_model_v1.dat")
    )


def _pixels(data: bytes, max_side: int) -> np.ndarray[Any, Any]:
    with Image.open(io.BytesIO(data)) as image:
        upright = ImageOps.exif_transpose(image).convert("RGB")
    upright.thumbnail((max_side, max_side))  # downscale before detection: speed, same accuracy
    return np.asarray(upright)


def _check_quality(rgb: np.ndarray[Any, Any], box: Any, image: str) -> None:
    top, bottom = max(box.top(), 0), min(box.bottom(), rgb.shape[0])
    left, right = max(box.left(), 0), min(box.right(), rgb.shape[1])
    grey = rgb[top:bottom, left:right].mean(axis=2)
    if grey.size == 0 or grey.mean() < DARK_MEAN:
        raise UnusablePhoto("too_dark", image)
    laplacian = (
        grey[1:-1, :-2] + grey[1:-1, 2:] + grey[:-2, 1:-1] + grey[2:, 1:-1] - 4 * grey[1:-1, 1:-1]
    )
    if laplacian.var() < BLUR_VARIANCE:
        raise UnusablePhoto("blurred", image)


def _one_face(data: bytes, image: str, max_side: int, min_face: int) -> tuple[Any, Any]:
    """The pixels and the box of the one usable face in the photo, or UnusablePhoto."""
    load_models()
    rgb = _pixels(data, max_side)
    faces = _MODELS["detector"](rgb, 1)
    if len(faces) == 0:
        raise UnusablePhoto("no_face", image)
    if len(faces) > 1:
        raise UnusablePhoto("several_faces", image)
    box = faces[0]
    if min(box.width(), box.height()) < min_face:
        raise UnusablePhoto("too_small", image)
    _check_quality(rgb, box, image)
    return rgb, box


def check_one_face(data: bytes, *, image: str, max_side: int, min_face: int) -> None:
    """Raises UnusablePhoto unless the photo shows one usable face (detection only)."""
    _one_face(data, image, max_side, min_face)


def describe(data: bytes, *, image: str, max_side: int, min_face: int) -> np.ndarray[Any, Any]:
    """The 128-d descriptor of the one usable face in the photo, or UnusablePhoto."""
    rgb, box = _one_face(data, image, max_side, min_face)
    shape = _MODELS["shape"](rgb, box)
    return np.asarray(_MODELS["encoder"].compute_face_descriptor(rgb, shape, 1))


def distance_between(selfie: bytes, reference: bytes, *, max_side: int, min_face: int) -> float:
    """L2 distance of the two faces' descriptors. Runs in a worker process."""
    a = describe(selfie, image="selfie", max_side=max_side, min_face=min_face)
    b = describe(reference, image="reference", max_side=max_side, min_face=min_face)
    return float(np.linalg.norm(a - b))


def _fork_server() -> multiprocessing.context.ForkServerContext:
    """Workers forked from a server process that loaded the models once (app.adapters.
    face_models), so a new pool's workers start ready, not after 0.6 s of loading each.
    A fork server, not a fork of this process: the server process has threads (database,
    file I/O), and forking a threaded process can leave a lock held in the child."""
    context = multiprocessing.get_context("forkserver")
    # Read when the fork server starts (once per process); nothing else here uses one.
    context.set_forkserver_preload(["app.adapters.face_models"])
    return context


@dataclass
class FaceMatcher:
    """Bounded pool of worker processes, each started with the models loaded."""

    workers: int = 1
    max_side: int = 1024
    min_face: int = 80

    def __post_init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(self.workers)

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=load_models, mp_context=_fork_server()
            )
        return self._pool

    async def distance(self, selfie: bytes, reference: bytes) -> float:
        """Raises UnusablePhoto."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(
                self._executor(),
                _distance_call,
                selfie,
                reference,
                self.max_side,
                self.min_face,
            )

    async def check_reference(self, photo: bytes) -> None:
        """Raises UnusablePhoto (image "reference") unless the photo shows one usable face:
        a face photo that could never be matched is refused when it is uploaded."""
        async with self._slots:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(
                self._executor(), _check_call, photo, self.max_side, self.min_face
            )

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
        self._slots = asyncio.Semaphore(self.workers)  # a new start may run on a new event loop


def _distance_call(selfie: bytes, reference: bytes, max_side: int, min_face: int) -> float:
    return distance_between(selfie, reference, max_side=max_side, min_face=min_face)


def _check_call(photo: bytes, max_side: int, min_face: int) -> None:
    check_one_face(photo, image="reference", max_side=max_side, min_face=min_face)

"""Uploaded images, crafted here: huge declared sizes are refused before decoding, a large JPEG
is decoded at a reduced scale, decodes at once are bounded, and the copy kept carries no
metadata at all."""

from __future__ import annotations

import io
import struct
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from app.adapters import images
from app.adapters.images import DECODE_MAX_PIXELS, ImageRejected, normalise_image

FACES = Path(__file__).resolve().parents[1] / "fixtures" / "faces"
LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_pixels": 40_000_000}
SECRETS = (b"SecretCamera", b"Hidden comment", b"xmp-secret", b"png-text-secret")


def _png_declaring(width: int, height: int) -> bytes:
    """A small valid PNG whose header then claims another size (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


@pytest.mark.parametrize("size", [(100_000, 100_000), (9_000, 9_000)])
def test_a_huge_declared_size_is_refused_before_decoding(size: tuple[int, int]) -> None:
    with pytest.raises(ImageRejected) as refused:
        normalise_image(_png_declaring(*size), **LIMITS)
    assert refused.value.reason == "too_many_pixels"


def test_a_png_larger_than_the_decode_budget_is_refused() -> None:
    out = io.BytesIO()
    Image.new("RGB", (2500, 2000), "white").save(out, "PNG")  # 5 MP: no reduced decode
    with pytest.raises(ImageRejected) as refused:
        normalise_image(out.getvalue(), **LIMITS)
    assert refused.value.reason == "png_too_large"


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.BytesIO()
    Image.new("RGB", (8000, 5000), "skyblue").save(out, "JPEG", quality=50)  # 40 MP
    loaded: list[tuple[int, int]] = []
    original = Image.Image.load

    def load(self: Image.Image) -> Any:
        loaded.append(self.size)
        return original(self)

    monkeypatch.setattr(Image.Image, "load", load)
    clean, extension = normalise_image(out.getvalue(), **LIMITS)
    assert extension == ".jpg"
    assert loaded and all(w * h <= DECODE_MAX_PIXELS for w, h in loaded)
    with Image.open(io.BytesIO(clean)) as kept:
        assert kept.size == (2000, 1250)  # a quarter on each side


def test_a_real_photo_keeps_its_size() -> None:
    clean, _ = normalise_image((FACES / "obama.jpg").read_bytes(), **LIMITS)
    with Image.open(FACES / "obama.jpg") as original, Image.open(io.BytesIO(clean)) as kept:
        assert kept.size == original.size


def _with_metadata(image_format: str) -> bytes:
    with Image.open(FACES / "obama.jpg") as photo:
        photo.load()
    exif = Image.Exif()
    exif[0x010F] = "SecretCamera"  # Make
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    if image_format == "JPEG":
        photo.save(
            out,
            "JPEG",
            exif=exif.tobytes(),
            icc_profile=icc,
            comment=b"Hidden comment",
            xmp=b"<x:xmpmeta>xmp-secret</x:xmpmeta>",
        )
    else:
        text = PngImagePlugin.PngInfo()
        text.add_text("Comment", "png-text-secret")
        photo.save(out, "PNG", exif=exif.tobytes(), icc_profile=icc, pnginfo=text)
    return out.getvalue() + b"Hidden comment after the end"


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_reencoding_drops_every_kind_of_metadata(image_format: str) -> None:
    tagged = _with_metadata(image_format)
    assert sum(secret in tagged for secret in SECRETS) >= 2  # the crafted file carries them
    clean, _ = normalise_image(tagged, **LIMITS)
    assert not any(secret in clean for secret in SECRETS)
    with Image.open(io.BytesIO(clean)) as kept:
        assert not kept.getexif()
        leftovers = {"exif", "icc_profile", "comment", "xmp", "XML:com.adobe.xmp", "Comment"}
        assert not leftovers & set(kept.info)


def test_only_so_many_decodes_run_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    inside, most, lock = 0, 0, threading.Lock()
    original = images._normalise

    def counted(data: bytes, max_pixels: int) -> tuple[bytes, str]:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        try:
            time.sleep(0.05)  # a slow decode: without the bound all eight would be inside
            return original(data, max_pixels)
        finally:
            with lock:
                inside -= 1

    monkeypatch.setattr(images, "_normalise", counted)
    photo = (FACES / "obama.jpg").read_bytes()
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: normalise_image(photo, **LIMITS), range(8)))
    assert len(results) == 8
    assert most == 2  # as many as DECODE_SLOTS, never more

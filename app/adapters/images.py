"""Uploaded photos: checked by their content, decoded, and re-encoded without EXIF."""

from __future__ import annotations

import io
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

Reason = Literal["empty", "too_large", "wrong_type", "too_many_pixels", "unreadable"]
FORMATS = {"JPEG": ".jpg", "PNG": ".png"}


class ImageRejected(ValueError):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def normalise_image(data: bytes, *, max_bytes: int, max_pixels: int) -> tuple[bytes, str]:
    """Return the re-encoded image and its extension, or raise ImageRejected.

    The pixel count is read from the header before any decoding, so a decompression bomb is
    refused without being expanded. Re-encoding drops EXIF (location, device) and anything
    hidden after the image data."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in FORMATS:
                raise ImageRejected("wrong_type")
            width, height = image.size
            if width * height > max_pixels:
                raise ImageRejected("too_many_pixels")
            image.load()
            return _reencode(image, image.format), FORMATS[image.format]
    except UnidentifiedImageError:
        raise ImageRejected("wrong_type") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
        if isinstance(error, ImageRejected):
            raise
        raise ImageRejected("unreadable") from None


def _reencode(image: Image.Image, image_format: str) -> bytes:
    upright = ImageOps.exif_transpose(image)  # apply the orientation before EXIF is dropped
    out = io.BytesIO()
    if image_format == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    else:
        upright.save(out, "PNG", optimize=True)
    return out.getvalue()

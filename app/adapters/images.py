"""Uploaded photos: checked by their content, decoded small, and re-encoded without metadata.

Memory is bounded three ways: the pixel count is read from the header before anything is
decoded; a JPEG is decoded at a reduced scale (libjpeg's DCT scaling, "draft" mode), so no
more than DECODE_MAX_PIXELS are ever held; and only DECODE_SLOTS decodes run at once, whatever
the number of requests. A PNG cannot be decoded at a reduced scale, so one larger than the
budget is refused. The copy kept is made from the pixels alone: no EXIF (location, device),
ICC profile, XMP, comments or text chunks, and nothing hidden after the image data.
"""

from __future__ import annotations

import io
import threading
import warnings
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

Reason = Literal[
    "empty", "too_large", "wrong_type", "too_many_pixels", "png_too_large", "unreadable"
]
FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
DECODE_MAX_PIXELS = 4_000_000
# Decodes at once in this process (one per core of the target machine); the others wait.
DECODE_SLOTS = threading.BoundedSemaphore(2)
# A backstop for every decode in the process: Pillow refuses (here: warns, made an error
# below) to open an image declaring more pixels than this.
Image.MAX_IMAGE_PIXELS = 64_000_000
_JPEG_SCALES = (1, 2, 4, 8)  # the reductions libjpeg can decode at


class ImageRejected(ValueError):
    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason: Reason = reason


def normalise_image(data: bytes, *, max_bytes: int, max_pixels: int) -> tuple[bytes, str]:
    """Return the re-encoded image and its extension, or raise ImageRejected."""
    if not data:
        raise ImageRejected("empty")
    if len(data) > max_bytes:
        raise ImageRejected("too_large")
    with DECODE_SLOTS:
        return _normalise(data, max_pixels)


def _normalise(data: bytes, max_pixels: int) -> tuple[bytes, str]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                image_format = image.format or ""
                if image_format not in FORMATS:
                    raise ImageRejected("wrong_type")
                if image.width * image.height > max_pixels:
                    raise ImageRejected("too_many_pixels")
                _reduce_before_load(image, image_format)
                image.load()
                return _reencode(image, image_format), FORMATS[image_format]
    except UnidentifiedImageError:
        raise ImageRejected("wrong_type") from None
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise ImageRejected("too_many_pixels") from None
    except (OSError, SyntaxError, ValueError) as error:
        if isinstance(error, ImageRejected):
            raise
        raise ImageRejected("unreadable") from None


def _reduce_before_load(image: Image.Image, image_format: str) -> None:
    """Ask the decoder for at most DECODE_MAX_PIXELS: the smallest JPEG reduction that fits."""
    pixels = image.width * image.height
    if pixels <= DECODE_MAX_PIXELS:
        return
    if image_format != "JPEG":
        raise ImageRejected("png_too_large")
    scale = next((s for s in _JPEG_SCALES if pixels <= DECODE_MAX_PIXELS * s * s), None)
    if scale is None:
        raise ImageRejected("too_many_pixels")
    wanted = (-(-image.width // scale), -(-image.height // scale))  # rounded up
    image.draft("RGB", wanted)
    if image.width * image.height > DECODE_MAX_PIXELS:  # the decoder did not reduce
        raise ImageRejected("too_many_pixels")


def _reencode(image: Image.Image, image_format: str) -> bytes:
    upright = ImageOps.exif_transpose(image)  # apply the orientation before EXIF is dropped
    mode = "RGBA" if image_format == "PNG" and upright.has_transparency_data else "RGB"
    pixels = upright.convert(mode)
    bare = Image.frombytes(mode, pixels.size, pixels.tobytes())  # the pixels, nothing else
    out = io.BytesIO()
    if image_format == "JPEG":
        bare.save(out, "JPEG", quality=88, optimize=True)
    else:
        bare.save(out, "PNG", optimize=True)
    return out.getvalue()

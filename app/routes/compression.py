"""Brotli for pages, compressed in one call once the body is whole.

Litestar's brotli facade feeds a streaming encoder, which cannot know the body's size and so
sets up tables for the largest input its window allows: about a megabyte, allocated and cleared
for every response, cold in the cache. That cost several times the compression itself. Told the
whole body at once, the encoder sizes its tables to the page. The app streams no responses
(static files are compressed ahead of time), so holding the body until it ends costs nothing;
a streamed one would still be sent whole, only later.
"""

from __future__ import annotations

from io import BytesIO
from typing import TYPE_CHECKING, ClassVar

import brotli
from litestar.enums import CompressionEncoding

if TYPE_CHECKING:
    from litestar.config.compression import CompressionConfig

_MODES = {"generic": brotli.MODE_GENERIC, "text": brotli.MODE_TEXT, "font": brotli.MODE_FONT}


class WholeBodyBrotli:
    """A CompressionFacade: collects the body and compresses it when it closes."""

    __slots__ = ("buffer", "config", "parts")

    encoding: ClassVar[str] = CompressionEncoding.BROTLI

    def __init__(
        self,
        buffer: BytesIO,
        compression_encoding: CompressionEncoding | str,
        config: CompressionConfig,
    ) -> None:
        self.buffer = buffer
        self.config = config
        self.parts: list[bytes] = []

    def write(self, body: bytes) -> None:
        self.parts.append(body)

    def close(self) -> None:
        if not self.parts:
            return
        body = b"".join(self.parts)
        self.parts.clear()
        self.buffer.write(
            brotli.compress(
                body,
                mode=_MODES[self.config.brotli_mode],
                quality=self.config.brotli_quality,
                lgwin=self.config.brotli_lgwin,
            )
        )

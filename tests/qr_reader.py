"""Read what a QR code drawn by the portal says, as a phone's camera would: from the inline SVG
the page carries (segno's drawing: one path of dark runs, row by row) to the modules, then
the QR decoding of ISO/IEC 18004 (format, unmasking, the codeword order, the blocks, the
segments). A perfect drawing needs no error correction, so none is done; a drawing that does
not decode fails the test.

The tables (block sizes, alignment positions, count lengths) are segno's own."""

from __future__ import annotations

import re

from segno import consts

_PATH = re.compile(r'<path[^>]*\bd="([^"]+)"')
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')
_MOVE = re.compile(r"([Mmhv])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?")
QUIET = 4  # segno's default border, in modules


def modules(svg: str) -> list[list[bool]]:
    """The dark modules of segno's SVG drawing (scale 1, default border)."""
    size = int(_VIEWBOX.search(svg).group(1))  # type: ignore[union-attr]
    path = _PATH.search(svg).group(1)  # type: ignore[union-attr]
    n = size - 2 * QUIET
    grid = [[False] * n for _ in range(n)]
    x = y = 0.0
    for op, a, b in _MOVE.findall(path):
        if op == "M":
            x, y = float(a), float(b)
        elif op == "m":
            x, y = x + float(a), y + float(b)
        elif op == "h":  # a dark run from x along the row y (a line centred on the row)
            row = int(y - 0.5) - QUIET
            for col in range(int(x), int(x + float(a))):
                grid[row][col - QUIET] = True
            x += float(a)
    return grid


def _format(grid: list[list[bool]]) -> tuple[int, int]:
    """(error level, mask) from the format information beside the top-left finder."""
    bits = 0
    cells = (
        [(8, i) for i in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(i, 8) for i in range(5, -1, -1)]
    )
    for row, col in cells:
        bits = (bits << 1) | grid[row][col]
    index = consts.FORMAT_INFO.index(bits)  # ordered M, L, H, Q; eight masks each
    return index // 8, index % 8


def _function_modules(version: int) -> list[list[bool]]:
    n = 17 + 4 * version
    used = [[False] * n for _ in range(n)]

    def block(top: int, left: int, height: int, width: int) -> None:
        for r in range(max(top, 0), min(top + height, n)):
            for c in range(max(left, 0), min(left + width, n)):
                used[r][c] = True

    block(0, 0, 9, 9)  # finders, separators and format information
    block(0, n - 8, 9, 8)
    block(n - 8, 0, 8, 9)
    block(6, 0, 1, n)  # timing patterns
    block(0, 6, n, 1)
    if version >= 2:
        centres = consts.ALIGNMENT_POS[version - 2]
        last = centres[-1]
        for r in centres:
            for c in centres:
                if (r, c) in ((6, 6), (6, last), (last, 6)):
                    continue  # where the finders are
                block(r - 2, c - 2, 5, 5)
    if version >= 7:
        block(0, n - 11, 6, 3)
        block(n - 11, 0, 3, 6)
    return used


_MASKS = (
    lambda i, j: (i + j) % 2 == 0,
    lambda i, j: i % 2 == 0,
    lambda i, j: j % 3 == 0,
    lambda i, j: (i + j) % 3 == 0,
    lambda i, j: (i // 2 + j // 3) % 2 == 0,
    lambda i, j: (i * j) % 2 + (i * j) % 3 == 0,
    lambda i, j: ((i * j) % 2 + (i * j) % 3) % 2 == 0,
    lambda i, j: ((i + j) % 2 + (i * j) % 3) % 2 == 0,
)


def _codewords(grid: list[list[bool]], version: int, mask: int) -> list[int]:
    n = len(grid)
    used = _function_modules(version)
    bits: list[int] = []
    upward = True
    col = n - 1
    while col > 0:
        if col == 6:
            col -= 1  # the vertical timing pattern takes a whole column
        for step in range(n):
            row = n - 1 - step if upward else step
            for c in (col, col - 1):
                if not used[row][c]:
                    bits.append(int(grid[row][c] ^ _MASKS[mask](row, c)))
        upward = not upward
        col -= 2
    return [int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits) - 7, 8)]


def _data(codewords: list[int], version: int, level: int) -> list[int]:
    """The data codewords in order (the blocks are interleaved on the symbol)."""
    sizes = [ec.num_data for ec in consts.ECC[version][level] for _ in range(ec.num_blocks)]
    blocks: list[list[int]] = [[] for _ in sizes]
    it = iter(codewords)
    for i in range(max(sizes)):
        for b, size in enumerate(sizes):
            if i < size:
                blocks[b].append(next(it))
    return [word for block in blocks for word in block]


_ALNUM = consts.ALPHANUMERIC_CHARS.decode()


def _segments(data: list[int], version: int) -> str:
    bits = "".join(f"{word:08b}" for word in data)
    pos = 0
    out = []
    band = 1 if version <= 9 else 2 if version <= 26 else 3

    def take(count: int) -> int:
        nonlocal pos
        value = int(bits[pos : pos + count], 2)
        pos += count
        return value

    while pos + 4 <= len(bits):
        mode = take(4)
        if mode == 0:
            break
        length = take(consts.CHAR_COUNT_INDICATOR_LENGTH[mode][band])
        if mode == consts.MODE_BYTE:
            out.append(bytes(take(8) for _ in range(length)).decode("iso-8859-1"))
        elif mode == consts.MODE_ALPHANUMERIC:
            chars = []
            for _ in range(length // 2):
                pair = take(11)
                chars += [_ALNUM[pair // 45], _ALNUM[pair % 45]]
            if length % 2:
                chars.append(_ALNUM[take(6)])
            out.append("".join(chars))
        elif mode == consts.MODE_NUMERIC:
            digits = []
            for start in range(0, length, 3):
                width = min(3, length - start)
                digits.append(str(take({3: 10, 2: 7, 1: 4}[width])).zfill(width))
            out.append("".join(digits))
        else:
            raise ValueError(f"mode {mode} is not read here")
    return "".join(out)


def read_qr(svg: str) -> str:
    """What the QR code drawn in this SVG says."""
    grid = modules(svg)
    version = (len(grid) - 17) // 4
    level, mask = _format(grid)
    return _segments(_data(_codewords(grid, version, mask), version, level), version)

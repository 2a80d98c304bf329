"""segno's QR codes with the data mask chosen by whole-matrix bytes operations.

Why: segno 1.6.6 spends ~85 % of ``segno.make`` in
``encoder.find_and_apply_best_mask``, which masks the matrix 8 times with a
Python call per module and scores each result with the pure-Python
``mask_scores`` (penalty rules N1-N4 of ISO/IEC 18004, 7.8.3.1). A district
build makes 2,000 door codes.

How: the unmasked matrix is laid out as one bytes string, one byte a module,
each row between four pad bytes ``\\x03`` (and a second string of the
columns), read as one big int too. Applying a mask is one XOR with an int
made once per size by segno itself; N1 (runs) and N2 (2x2 blocks) compare
the int with itself shifted by one module and by one row; N3 (1:1:3:1:1) is
a regular expression over the bytes; N4 is ``bytes.count``. The scores are
segno's exactly, quirks included: the matrix is scored without format,
version and dark module (all light then), a 1:1:3:1:1 pattern counts when
light on *either* side (the quiet zone counts as light), and after a
counted one the search goes on past its end (an overlapping one is not
counted). Ties go to the lower mask number. tests/test_qrmask.py compares
every score and every symbol with segno's own.

The steps before the mask are replaced too (:func:`make_final_message`,
:func:`add_codewords`): the Reed-Solomon remainder kept as one int, a
step one XOR from a table; the bits placed by one getter per version,
found by running segno's own placement once with numbered bits. Their
results are segno's exactly, for every version and error level
(tests/test_qrmask.py). Micro QR is left to segno throughout.

:func:`make` installs these in ``segno.encoder`` for the one call only:
the build runs segno in worker processes, never in threads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import segno
from segno import encoder

# Each row (column) of a layout sits between 4 pad bytes, neither light (0)
# nor dark (1): a run stops at it, and N3 takes it for the light quiet zone.
_PAD = b"\x03" * 4
# N3: dark-light-dark-dark-dark-light-dark with 4 light modules (or pads)
# after or before it; 40 each. Pattern first: re searches a literal prefix fast.
_FINDER_LIKE = re.compile(rb"\x01\x00\x01\x01\x01\x00\x01(?:(?=[\x00\x03]{4})|(?<=[\x00\x03]{4}[\x00\x01]{7}))")

_SEGNO_CHOOSER: Callable[..., tuple[int, tuple[bytearray, ...]]] = encoder.find_and_apply_best_mask


def _laid_out(rows: Sequence[bytes | bytearray], size: int, pad: bytes = _PAD) -> tuple[bytes, bytes]:
    """The rows, and the columns, each between pads."""
    flat = b"".join(rows)
    return pad.join([b"", *rows, b""]), pad.join([b"", *(flat[j::size] for j in range(size)), b""])


@dataclass(frozen=True)
class _Size:
    """What depends on the symbol's size only: per mask pattern the XORs that
    apply it to the rows and to the columns layout (0 on the pads); a 0x01
    in every byte of a layout (``ones``) and where a 2x2 block can end, at
    row and column >= 1 (``block_ends``)."""

    masks: tuple[tuple[int, int], ...]
    ones: int
    block_ends: int


@functools.cache
def _size(size: int) -> _Size:
    masks = []
    for pattern in range(8):
        # segno itself masks an all-light matrix: its own encoding region.
        _, rows = _SEGNO_CHOOSER(tuple(bytearray(size) for _ in range(size)), size, size, pattern)
        by_rows, by_columns = _laid_out(rows, size, pad=b"\x00" * 4)
        masks.append((int.from_bytes(by_rows), int.from_bytes(by_columns)))
    block_ends, _ = _laid_out([bytes(size), *[b"\x00" + b"\x01" * (size - 1)] * (size - 1)], size, pad=b"\x00" * 4)
    return _Size(tuple(masks), int.from_bytes(b"\x01" * len(block_ends)), int.from_bytes(block_ends))


def _same(layout: int, shift: int, ones: int) -> int:
    """0x01 in each byte of ``layout`` equal to the byte ``shift`` before it
    (module values 0, 1 and pad 3 differ in bit 0 or 1)."""
    differ = layout ^ (layout >> 8 * shift)
    return (differ | differ >> 1) & ones ^ ones


def _n1(same_left: int, ones: int) -> int:
    """N1 of a layout: a run of n >= 5 modules scores n - 2, i.e. one for
    each of its n - 4 windows of 5 equal modules, and 2 more where it starts."""
    two = same_left & same_left >> 8
    five = two & two >> 16  # modules k-4..k equal
    return five.bit_count() + 2 * (five & (same_left >> 32 ^ ones)).bit_count()


def mask_scores(matrix: Sequence[bytes | bytearray]) -> list[tuple[bytes, tuple[int, int, int, int]]]:
    """For each of the 8 masks: the masked rows (laid out between pads) and
    segno's penalty scores (N1, N2, N3, N4) of the unmasked ``matrix``."""
    size = len(matrix)
    fixed = _size(size)
    ones = fixed.ones
    by_rows, by_columns = _laid_out(matrix, size)
    length = len(by_rows)
    rows_int, columns_int = int.from_bytes(by_rows), int.from_bytes(by_columns)
    results = []
    for row_mask, column_mask in fixed.masks:
        masked, masked_columns = rows_int ^ row_mask, columns_int ^ column_mask
        rows, columns = masked.to_bytes(length), masked_columns.to_bytes(length)
        same_left = _same(masked, 1, ones)
        n1 = _n1(same_left, ones) + _n1(_same(masked_columns, 1, ones), ones)
        n2 = 3 * (same_left & same_left >> 8 * (size + 4) & _same(masked, size + 4, ones) & fixed.block_ends).bit_count()
        n3 = 40 * (len(_FINDER_LIKE.findall(rows)) + len(_FINDER_LIKE.findall(columns)))
        # segno's float arithmetic, so that a border case rounds the same way.
        n4 = 10 * int(abs(float(rows.count(1)) / (size**2) * 100 - 50) / 5)
        results.append((rows, (n1, n2, n3, n4)))
    return results


def find_and_apply_best_mask(
    matrix: tuple[bytearray, ...], width: int, height: int, proposed_mask: int | None = None
) -> tuple[int, tuple[bytearray, ...]]:
    """Drop-in for segno's ``encoder.find_and_apply_best_mask`` (QR, not Micro
    QR, with no mask given): the mask with the lowest penalty, and the masked
    matrix."""
    if proposed_mask is not None or width != height or width < 21:
        return _SEGNO_CHOOSER(matrix, width, height, proposed_mask)
    scored = mask_scores(matrix)
    best = min(range(len(scored)), key=lambda k: sum(scored[k][1]))
    rows, stride = scored[best][0], width + 4
    return best, tuple(bytearray(rows[4 + i * stride : 4 + i * stride + width]) for i in range(height))


# segno's steps before the mask, each replaced below for QR (not Micro QR).
# py-spy of a cold build at bench scale L, the door-notice worker's 472
# samples in its 2,001 QR codes: the mask 105 (above), placing the bits
# (add_codewords, a Python loop over every module) 86, the final message
# (make_final_message: the codewords read from bits through a string each,
# and written back to bits through generators) 86.
_SEGNO_PLACER: Callable[..., None] = encoder.add_codewords
_SEGNO_FINAL: Callable[..., encoder.Buffer] = encoder.make_final_message

# Each byte's 8 bits, most significant first, one byte a bit (segno's Buffer).
_BITS = tuple(bytes((value >> k) & 1 for k in range(7, -1, -1)) for value in range(256))
_ASCII_BITS = bytes.maketrans(b"\x00\x01", b"01")


@functools.cache
def _placement(version: int) -> tuple[Callable[[bytes], tuple[int, ...]], int, int]:
    """Where add_codewords puts each bit in a symbol of ``version``, found by
    running segno's own on its empty matrix with the bits numbered: a getter
    that takes a whole matrix (row after row) out of the empty matrix's
    bytes followed by the bits, the number of bits, and the side."""
    import operator

    size = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(size, size)
    encoder.add_finder_patterns(matrix, size, size)
    encoder.add_alignment_patterns(matrix, size, size)
    empty = b"".join(matrix)
    free = empty.count(2)
    numbered = [list(row) for row in matrix]
    _SEGNO_PLACER(numbered, range(1000, 1000 + free), version)
    flat = [value for row in numbered for value in row]
    source = [len(empty) + value - 1000 if value >= 1000 else k for k, value in enumerate(flat)]
    return operator.itemgetter(*source), free, size


def add_codewords(matrix: tuple[bytearray, ...], codewords: encoder.Buffer, version: int) -> None:
    """Drop-in for segno's ``encoder.add_codewords`` (QR, not Micro QR): the
    bits placed by :func:`_placement`'s getter, whole rows at a time."""
    if version < 1:
        _SEGNO_PLACER(matrix, codewords, version)
        return
    take, free, size = _placement(version)
    bits = codewords.getbits()
    if len(bits) != free or len(matrix) != size:  # pragma: no cover - segno raises for this itself
        _SEGNO_PLACER(matrix, codewords, version)
        return
    placed = bytes(take(b"".join(matrix) + bits))
    for i, row in enumerate(matrix):
        row[:] = placed[i * size : (i + 1) * size]


@functools.cache
def _division(error_words: int) -> tuple[int, ...]:
    """For each leading coefficient, what one step of segno's division
    (make_blocks) XORs into the next ``error_words`` codewords, as one int."""
    from segno import consts

    gen_poly: Any = consts.GEN_POLY  # untyped in segno
    gen, log, exp = gen_poly[error_words], consts.GALIOS_LOG, consts.GALIOS_EXP
    return (0, *(int.from_bytes(bytes(exp[log[coef] + g] for g in gen)) for coef in range(1, 256)))


def _blocks(ec_infos: Any, codewords: bytes) -> tuple[list[bytearray], list[bytearray]]:
    """segno's ``make_blocks``: the data blocks and their error correction
    codewords (Reed-Solomon: the remainder of each block divided by the
    generator polynomial), the remainder kept as one int and each step one
    XOR from :func:`_division` instead of a Python loop over the codewords."""
    data_blocks, error_blocks = [], []
    at = 0
    for info in ec_infos:
        count = info.num_total - info.num_data
        step, top, keep = _division(count), 8 * (count - 1), (1 << 8 * (count - 1)) - 1
        for _ in range(info.num_blocks):
            block = bytearray(codewords[at : at + info.num_data])
            at += info.num_data
            rest = 0
            for value in block:
                rest = (rest & keep) << 8 ^ step[value ^ rest >> top]
            data_blocks.append(block)
            error_blocks.append(bytearray(rest.to_bytes(count)))
    return data_blocks, error_blocks


def _codewords(buff: encoder.Buffer) -> bytes:
    """A Buffer's bits as codewords, read as one binary number (segno's
    ``Buffer.toints`` makes a string of each codeword's 8 bits)."""
    bits = bytes(buff.getbits())
    bits += b"\x00" * (-len(bits) % 8)
    return int(bits.translate(_ASCII_BITS), 2).to_bytes(len(bits) // 8) if bits else b""


def make_final_message(version: int, error: int, buff: encoder.Buffer) -> encoder.Buffer:
    """Drop-in for segno's ``encoder.make_final_message`` (QR, not Micro QR):
    the same blocks (:func:`_blocks`), interleaved the same way, the bits
    written from a table."""
    from itertools import chain, zip_longest

    from segno import consts

    if version < 1:
        return _SEGNO_FINAL(version, error, buff)
    ecc: Any = consts.ECC  # untyped in segno
    data_blocks, error_blocks = _blocks(ecc[version][error], _codewords(buff))
    bits = [_BITS[x] for blocks in (data_blocks, error_blocks) for x in chain.from_iterable(zip_longest(*blocks)) if x is not None]
    # ISO/IEC 18004:2015(E) 7.6: remainder bits, as segno adds them.
    remainder = 7 if 2 <= version <= 6 else 3 if 14 <= version <= 20 or 28 <= version <= 34 else 4 if 21 <= version <= 27 else 0
    return encoder.Buffer(b"".join(bits) + b"\x00" * remainder)


def make(content: str, error: str = "m") -> segno.QRCode:
    """``segno.make(content, error=error, micro=False)``, the same symbol, faster."""
    encoder.find_and_apply_best_mask = find_and_apply_best_mask
    encoder.add_codewords = add_codewords
    encoder.make_final_message = make_final_message
    try:
        return segno.make(content, error=error, micro=False)
    finally:
        encoder.find_and_apply_best_mask = _SEGNO_CHOOSER
        encoder.add_codewords = _SEGNO_PLACER
        encoder.make_final_message = _SEGNO_FINAL


# A run of dark modules in a row of segno's matrix (0 light, anything else dark).
_DARK_RUN = re.compile(rb"[^\x00]+")


def svg_inline(qr: segno.QRCode, *, scale: float, unit: str, border: int, title: str) -> str:
    """``qr.svg_inline(scale=scale, unit=unit, border=border, light="#fff",
    title=title)``, the same string: the dark modules as one path of
    horizontal lines, behind them the white quiet zone and background.

    Why: segno walks the matrix module by module in Python and formats each
    line through a generator (py-spy of a cold build at bench scale L:
    ``svg_inline`` 55 of the door-notice worker's 196 samples in the QR
    codes). Here each row's runs are found by one regular expression.
    tests/test_qrmask.py compares the strings for a few hundred symbols.
    Made here only as the door notices ask for it (a unit, a scale other
    than 1: the path inside a scaled group, a viewBox); anything else, and a
    symbol whose first module is light (never a QR code's: it is a finder
    pattern's corner, and segno's path would start differently), goes to segno."""
    from xml.sax.saxutils import escape

    matrix = qr.matrix
    if not unit or scale == 1 or not matrix or not matrix[0] or not matrix[0][0]:
        return str(qr.svg_inline(scale=scale, unit=unit, border=border, light="#fff", title=title))
    segments = []
    last_x, last_y = 0, 0.0
    y = border + 0.5
    for row in matrix:
        for run in _DARK_RUN.finditer(row):
            x1, x2 = border + run.start(), border + run.end()
            dy = y - last_y
            segments.append(f"m{x1 - last_x} {int(dy) if int(dy) == dy else dy}h{x2 - x1}")
            last_x, last_y = x2, y
        y += 1
    dark = '<path class="qrline" stroke="#000" d="M' + "".join(segments)[1:] + '"/>'
    width = (len(matrix) + 2 * border) * scale
    side = width // scale  # the symbol's side in modules, as segno works it out (a float)
    back = f'<path fill="#fff" d="M0 0h{side}v{side}h-{side}z"/>'
    paths = "".join(sorted((back, dark), key=len))
    return (f'<svg width="{width}{unit}" height="{width}{unit}" viewBox="0 0 {width} {width}" class="segno">'
            f"<title>{escape(title)}</title><g transform=\"scale({scale})\">{paths}</g></svg>")

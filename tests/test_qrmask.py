"""generator.qrmask chooses segno's mask with bytes operations: every one of
its penalty scores, the chosen mask, the matrix and the door notice's SVG and
PNG must be exactly segno's own (segno is pinned; these tests are what fails
if its internals change under us)."""

from __future__ import annotations

import base64
import io
import random
from collections.abc import Iterator
from typing import Any

import pytest
import segno
from markupsafe import Markup
from segno import encoder

from generator import notices, qrmask


def _strings() -> Iterator[str]:
    """Several hundred contents, 1..300 characters: URLs like the doors',
    numeric and alphanumeric mode, byte mode, non-ASCII (UTF-8 or Kanji mode),
    and repetitive ones whose matrices have long runs and many 1:1:3:1:1."""
    rng = random.Random(18004)
    for i in range(60):
        yield f"https://example.gov.cn/buildings/c{i % 40:02d}-e{i % 9:02d}-b{i:02d}/" + "abcdefghij-"[: i % 11] * (i % 13)
    alphabets = [
        "0123456789",
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:",
        "abcdefghijklmnopqrstuvwxyz0123456789-/.:?=&",
        "楼门公示科普活动社区街道-1",
        "点茗漢字",
    ]
    for i in range(200):
        yield "".join(rng.choice(alphabets[i % len(alphabets)]) for _ in range(rng.randint(1, 300)))
    for length in [*range(1, 40), *range(40, 301, 13)]:
        yield "0" * length if length % 2 else "a" * length


STRINGS = list(_strings())


def _unmasked(content: str) -> tuple[segno.QRCode, list[bytearray]]:
    """segno's own symbol, and the matrix it chose the mask for."""
    seen: list[list[bytearray]] = []
    segno_chooser = encoder.find_and_apply_best_mask

    def spy(matrix: Any, width: int, height: int, proposed_mask: int | None = None) -> Any:
        seen.append([bytearray(row) for row in matrix])
        return segno_chooser(matrix, width, height, proposed_mask)

    encoder.find_and_apply_best_mask = spy
    try:
        qr = segno.make(content, error="m", micro=False)
    finally:
        encoder.find_and_apply_best_mask = segno_chooser
    return qr, seen[0]


def _segno_scores(matrix: list[bytearray]) -> list[tuple[int, int, int, int]]:
    """segno's (N1, N2, N3, N4) of each mask (segno masks the given mask alone)."""
    size = len(matrix)
    masked = (encoder.find_and_apply_best_mask([bytearray(row) for row in matrix], size, size, k)[1] for k in range(8))
    return [encoder.mask_scores(m, size, size) for m in masked]


def test_the_strings_cover_versions_and_modes() -> None:
    codes = [segno.make(s, error="m", micro=False) for s in STRINGS]
    versions = {int(qr.version) for qr in codes}
    assert versions >= set(range(1, 14)) and max(versions) >= 20
    assert {qr.mode for qr in codes} == {"numeric", "alphanumeric", "byte", "kanji"}
    assert {qr.mask for qr in codes} == set(range(8))


@pytest.mark.parametrize("chunk", range(4))
def test_scores_mask_and_matrix_are_segnos(chunk: int) -> None:
    for content in STRINGS[chunk::4]:
        reference, unmasked = _unmasked(content)
        scored = qrmask.mask_scores(unmasked)
        assert [scores for _, scores in scored] == _segno_scores(unmasked), content
        qr = qrmask.make(content)
        assert (qr.mask, qr.version, qr.error, qr.mode) == (reference.mask, reference.version, reference.error, reference.mode), content
        assert qr.matrix == reference.matrix, content


def test_make_uses_the_fast_chooser_once_and_puts_segnos_back() -> None:
    """If segno stopped calling encoder.find_and_apply_best_mask, make would
    still be right but slow: this is the test that says so."""
    segno_chooser = encoder.find_and_apply_best_mask
    calls = []
    fast_chooser = qrmask.find_and_apply_best_mask

    def counting(*args: Any) -> Any:
        calls.append(args[1])
        return fast_chooser(*args)

    qrmask.find_and_apply_best_mask = counting  # type: ignore[assignment]
    try:
        qrmask.make("https://example.gov.cn/buildings/c07-e03-b12/")
    finally:
        qrmask.find_and_apply_best_mask = fast_chooser  # type: ignore[assignment]
    assert calls == [33]  # version 4
    assert encoder.find_and_apply_best_mask is segno_chooser


def test_make_uses_the_fast_steps_once_and_puts_segnos_back() -> None:
    segno_steps = (encoder.add_codewords, encoder.make_final_message)
    calls: list[str] = []
    fast = (qrmask.add_codewords, qrmask.make_final_message)

    def placing(*args: Any) -> Any:
        calls.append("place")
        return fast[0](*args)

    def finishing(*args: Any) -> Any:
        calls.append("final")
        return fast[1](*args)

    qrmask.add_codewords, qrmask.make_final_message = placing, finishing  # type: ignore[assignment]
    try:
        qrmask.make("https://example.gov.cn/buildings/c07-e03-b12/")
    finally:
        qrmask.add_codewords, qrmask.make_final_message = fast  # type: ignore[assignment]
    assert calls == ["final", "place"]
    assert (encoder.add_codewords, encoder.make_final_message) == segno_steps


# Every QR version (Micro QR stays segno's: version < 1).
@pytest.mark.parametrize("version", range(1, 41))
def test_the_final_message_is_segnos_for_every_version_and_level(version: int) -> None:
    # The codewords and their Reed-Solomon blocks, interleaved, as bits:
    # random data of the version's length, and all zeros and all ones.
    from segno import consts

    rng = random.Random(version)
    for error in range(4):
        length = sum(info.num_blocks * info.num_data for info in consts.ECC[version][error])
        for data in (bytes(rng.randrange(256) for _ in range(length)), bytes(length), b"\xff" * length):
            bits = [(byte >> k) & 1 for byte in data for k in range(7, -1, -1)]
            ours = qrmask.make_final_message(version, error, encoder.Buffer(bits)).getbits()
            assert ours == encoder.make_final_message(version, error, encoder.Buffer(bits)).getbits(), (version, error)


@pytest.mark.parametrize("version", range(1, 41))
def test_the_bits_are_placed_as_segno_places_them_for_every_version(version: int) -> None:
    size = encoder.calc_matrix_size(version)

    def empty() -> tuple[bytearray, ...]:
        matrix = encoder.make_matrix(size, size)
        encoder.add_finder_patterns(matrix, size, size)
        encoder.add_alignment_patterns(matrix, size, size)
        return matrix

    free = b"".join(empty()).count(2)
    rng = random.Random(version)
    for bits in ([rng.randrange(2) for _ in range(free)], [1] * free, [0, 1] * (free // 2) + [1] * (free % 2)):
        ours, theirs = empty(), empty()
        qrmask.add_codewords(ours, encoder.Buffer(bits), version)
        encoder.add_codewords(theirs, encoder.Buffer(bits), version)
        assert ours == theirs, version
        assert 2 not in b"".join(ours)


def _qr_code_before(url: str) -> tuple[str, str]:
    """notices.qr_code as it was, with plain segno.make."""
    from PIL import Image

    qr = segno.make(url, error="m", micro=False)
    size = qr.symbol_size(border=4)[0]
    svg = Markup(qr.svg_inline(scale=notices.LAYOUT["qr_mm"] / size, unit="mm", border=4, light="#fff", title=url))
    quiet, side = b"\xff" * 4, b"\xff" * int(size)
    rows = [side] * 4 + [quiet + bytes(row).translate(notices._MODULE_GREY) + quiet for row in qr.matrix] + [side] * 4
    png = io.BytesIO()
    Image.frombytes("L", (int(size), int(size)), b"".join(rows)).save(png, format="PNG")
    return svg, "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def test_door_notice_svg_and_png_are_unchanged() -> None:
    for url in STRINGS[:60] + STRINGS[60::7]:
        notices.qr_code.cache_clear()
        qr = notices.qr_code(url)
        assert (qr.svg, qr.png) == _qr_code_before(url), url


def test_svg_inline_is_segnos_string() -> None:
    # Every content (versions 1-40, all modes), other scales, units, borders
    # and titles with characters XML escapes.
    for i, content in enumerate(STRINGS):
        qr = qrmask.make(content)
        border = (4, 2, 0, 7)[i % 4]
        scale = (40.0 / qr.symbol_size(border=border)[0], 1.5, 3, 0.1)[i % 4]
        unit = ("mm", "px", "in", "")[i % 4]
        title = (content, "楼 <1> & 'x'", "", "a\"b")[i % 4]
        expected = qr.svg_inline(scale=scale, unit=unit, border=border, light="#fff", title=title)
        assert qrmask.svg_inline(qr, scale=scale, unit=unit, border=border, title=title) == expected, content

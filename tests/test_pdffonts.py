"""Compact font subsets in the notice PDFs (generator.pdffonts).

The notices are built for real (the crowded fixture: Chinese, digits, a URL
in Latin letters, full-width punctuation, the bold headline, 【已取消】 and
【已延期】 badges), WeasyPrint's own PDF is kept on the side, and every page
of every output is compared with it: poppler's two rasterisers (Splash and
Cairo) must give the same pixels, pdftotext the same text. Then the fonts
themselves are read with fontTools, and the guards are tried one by one.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from conftest import FIXTURES, TODAY, make_project_at, run_cli
from test_notices import _tool, doors_in_place_order, pdf_pages_text

pytestmark = pytest.mark.pdf

# A one-page notice with WeasyPrint's subsets: ~300 KB. With the page's own
# glyphs: ~20-35 KB.
DOOR_PDF_MAX = 60_000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The notices of the crowded fixture, and WeasyPrint's PDF of them as
    WeasyPrint writes it alone (its own font subsets, no compaction; 7
    doors laid out as one document, though the build makes one per
    community)."""
    from generator import notices

    seen: list[bytes] = []
    real = notices.write_compact_split

    def keep_plain(document: object, **options: object) -> tuple[bytes, list[bytes]]:
        seen.append(document.write_pdf(**options))  # type: ignore[attr-defined]
        return real(document, **options)  # type: ignore[arg-type]

    tmp = tmp_path_factory.mktemp("compact")
    project = make_project_at(tmp / "p", FIXTURES / "crowded" / "content")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(notices, "write_compact_split", keep_plain)
        mp.setattr(notices, "_spans", lambda doors: [(0, len(doors))])
        assert run_cli("notices", "--today", TODAY, "--out", "out", cwd=project) == 0
    assert len(seen) == 1
    raw = tmp / "weasyprint.pdf"
    raw.write_bytes(seen[0])
    return project / "out", raw


def door_pdf(out: Path, key: str) -> Path:
    return out / key / f"notice-{key.replace('/', '-')}.pdf"


def pixels(pdf: Path, page: int, tool: str = "pdftoppm") -> bytes:
    """Page ``page`` (1-based) at 100 dpi as raw RGB, by poppler's Splash
    (pdftoppm) or Cairo (pdftocairo) rasteriser."""
    from PIL import Image

    args = [_tool(tool), "-r", "100", "-png", "-singlefile", "-f", str(page), "-l", str(page), str(pdf)]
    if tool == "pdftocairo":
        args.append("-")  # stdout (pdftoppm writes there without a file name)
    png = subprocess.run(args, capture_output=True, check=True).stdout
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return image.size[0].to_bytes(4, "big") + image.tobytes()


def fonts_of(pdf: Path) -> list[list[str]]:
    lines = subprocess.run([_tool("pdffonts"), str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return [re.split(r"\s{2,}|\s(?=yes|no)", line.strip()) for line in lines]


# --------------------------------------------------------------------------
# Same look, same text, far fewer bytes


@pytest.mark.parametrize("tool", ["pdftoppm", "pdftocairo"])
def test_every_page_renders_exactly_as_weasyprint_drew_it(built: tuple[Path, Path], tool: str) -> None:
    out, raw = built
    doors = doors_in_place_order()
    for number, door in enumerate(doors, start=1):
        drawn = pixels(raw, number, tool)
        assert pixels(door_pdf(out, door.key), 1, tool) == drawn, (tool, door.key)
        assert pixels(out / "all-notices.pdf", number, tool) == drawn, (tool, door.key)


def test_text_is_unchanged(built: tuple[Path, Path]) -> None:
    out, raw = built
    drawn = pdf_pages_text(raw)
    assert pdf_pages_text(out / "all-notices.pdf") == drawn
    for number, door in enumerate(doors_in_place_order()):
        assert pdf_pages_text(door_pdf(out, door.key)) == [drawn[number]], door.key
    mixed = drawn[[d.building for d in doors_in_place_order()].index("mixed")]
    assert "【已取消】" in mixed and "https://crowd.example.cn/buildings/mixed/" in mixed and "027-55550000" in mixed


def test_door_pdfs_are_small_and_embed_their_own_subsets(built: tuple[Path, Path]) -> None:
    out, raw = built
    tags: dict[str, set[str]] = {}
    for door in doors_in_place_order():
        pdf = door_pdf(out, door.key)
        assert pdf.stat().st_size < DOOR_PDF_MAX, (door.key, pdf.stat().st_size)
        fonts = fonts_of(pdf)
        assert len(fonts) == 2  # regular and bold
        for name, kind, encoding, emb, sub, uni, *_ in fonts:
            assert "CJK" in name and re.fullmatch(r"[A-Z]{6}\+\S+", name), name
            assert kind == "CID Type 0C" and encoding == "Identity-H"
            assert (emb, sub, uni) == ("yes", "yes", "yes")
            tags.setdefault(name.split("+")[1], set()).add(name)
    # Each door has its own subset, so its own tag: a tag never names two
    # different glyph sets (a viewer may cache fonts by name).
    assert all(len(names) > 1 for names in tags.values())
    assert (out / "all-notices.pdf").stat().st_size < 3 * DOOR_PDF_MAX
    assert (out / "all-notices.pdf").stat().st_size < raw.stat().st_size / 3


def test_each_door_pdf_carries_only_the_image_it_draws(built: tuple[Path, Path]) -> None:
    """WeasyPrint's pages share one resource dict holding every door's QR
    image: a door's own PDF keeps just its own."""
    from pypdf import PdfReader

    out, raw = built
    doors = doors_in_place_order()
    buildings = {d.building for d in doors}  # a building's entrances share its code
    shared = PdfReader(raw).pages[0]["/Resources"]["/XObject"]
    assert len(shared) == len(buildings)  # the trap: every code on every page
    seen = set()
    for door in doors:
        images = PdfReader(door_pdf(out, door.key)).pages[0]["/Resources"]["/XObject"]
        assert len(images) == 1, door.key
        image = next(iter(images.values())).get_object()
        assert image["/Subtype"] == "/Image" and image["/Interpolate"].value is False  # pixelated
        seen.add(image.get_data())
    assert len(seen) == len(buildings)  # each building its own code


def test_an_image_drawn_through_a_form_is_kept() -> None:
    from pypdf.generic import DecodedStreamObject, NameObject

    from generator.pdffonts import _drop_undrawn_images, read_page

    page, _fonts = _page(b"q /Fm1 Do Q", {"/Fm1": (b"/Im1 Do", {})})
    xobjects = page["/Resources"]["/XObject"]
    for name in ("/Im1", "/Im2"):
        image = DecodedStreamObject()
        image[NameObject("/Subtype")] = NameObject("/Image")
        xobjects[NameObject(name)] = image
    scan = read_page(page)
    assert scan is not None
    _drop_undrawn_images(page, scan)
    assert sorted(page["/Resources"]["/XObject"]) == ["/Fm1", "/Im1"]


def _embedded(pdf: Path) -> list[tuple[object, object, bytes]]:
    """(Type 0 font dict, FontFile3 stream, decoded program) of each font."""
    from pypdf import PdfReader

    result = []
    for font in PdfReader(pdf).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        stream = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]["/FontFile3"].get_object()
        result.append((font, stream, stream.get_data()))
    return result


def test_program_is_a_bare_cid_keyed_cff_holding_exactly_the_page_glyphs(built: tuple[Path, Path]) -> None:
    """The CIDs the page shows are found through the CFF charset, which is
    why the program must be a bare CFF: poppler and PDFium (FreeType) read
    the charset of a bare CID-keyed CFF, but take a CID for a glyph index in
    an OpenType-wrapped one, which would print the wrong glyphs."""
    from pypdf import PdfReader

    from generator.pdffonts import _widths, page_fonts, to_unicode_codes

    out, _raw = built
    for door in doors_in_place_order():
        pdf = door_pdf(out, door.key)
        shown = {str(f.type0["/BaseFont"]): f.codes for f in (page_fonts(PdfReader(pdf).pages[0]) or {}).values()}
        assert len(shown) == 2
        for font, stream, program in _embedded(pdf):
            assert stream["/Subtype"] == "/CIDFontType0C"
            cids = _charset_cids(program)
            codes = shown[str(font["/BaseFont"])]
            assert codes and codes <= cids and len(cids) <= len(codes) + 5, door.key  # the page's glyphs, no more
            widths = set(_widths(font["/DescendantFonts"][0].get_object()["/W"]))
            mapped = to_unicode_codes(font["/ToUnicode"].get_object().get_data())
            assert widths == codes and mapped == codes, door.key


def test_widths_are_the_font_programs_own_for_the_page_glyphs(built: tuple[Path, Path]) -> None:
    """/W of each door's fonts (built from bytes prepared once a chunk, not
    from pypdf numbers) gives each glyph the page shows the advance its
    font program has: WeasyPrint's program, CID == glyph id, 1000 units/em."""
    from fontTools.ttLib import TTFont
    from pypdf import PdfReader

    from generator.pdffonts import _widths, page_fonts

    out, raw = built
    advances: dict[str, dict[int, float]] = {}  # family → CID → width in /W units
    for font in PdfReader(raw).pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        program = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]["/FontFile3"].get_object().get_data()
        face = TTFont(io.BytesIO(program))
        order, per_em = face.getGlyphOrder(), face["head"].unitsPerEm
        advances[str(font["/BaseFont"]).split("+")[1]] = {gid: face["hmtx"][name][0] * 1000 / per_em for gid, name in enumerate(order)}
    for door in doors_in_place_order():
        pdf = door_pdf(out, door.key)
        for found in (page_fonts(PdfReader(pdf).pages[0]) or {}).values():
            family = str(found.type0["/BaseFont"]).split("+")[1]
            widths = {cid: float(w) for cid, w in _widths(found.cidfont["/W"]).items()}
            assert widths == {cid: advances[family][cid] for cid in found.codes}, (door.key, family)


def test_two_builds_in_parallel_chunks_are_byte_identical(built: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import notices

    monkeypatch.setattr(notices, "PARALLEL_FROM", 1)
    monkeypatch.setattr(notices, "CHUNK", 3)
    project = make_project_at(tmp_path / "p", FIXTURES / "crowded" / "content")
    for name in ("one", "two"):
        assert run_cli("notices", "--today", TODAY, "--out", name, cwd=project) == 0
    one = sorted(p.relative_to(project / "one") for p in (project / "one").rglob("*.pdf"))
    assert len(one) == len(doors_in_place_order()) + 1
    for rel in one:
        assert (project / "one" / rel).read_bytes() == (project / "two" / rel).read_bytes(), rel
    # Three chunks joined, each with its own subsets: every page still looks
    # as WeasyPrint drew it.
    joined = project / "one" / "all-notices.pdf"
    assert {kind for _n, kind, *_ in fonts_of(joined)} == {"CID Type 0C"}
    _out, raw = built
    for number in range(1, len(doors_in_place_order()) + 1):
        assert pixels(joined, number) == pixels(raw, number), number


# --------------------------------------------------------------------------
# The guards: what is not a CID-keyed CFF whose CIDs are its glyph ids is
# left as WeasyPrint wrote it


def _weasyprint(html: str, **options: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html).write_pdf(pdf_identifier=False, **options)


def test_truetype_fonts_are_left_alone(tmp_path: Path) -> None:
    from pypdf import PdfReader

    from generator.pdffonts import compact_split

    raw = _weasyprint('<p style="font-family: DejaVu Sans">Door 3</p><p style="font-family: Noto Sans CJK SC">三号门</p>')
    whole, pages = compact_split(raw)

    def programs(data: bytes) -> dict[str, tuple[str, bytes]]:
        result = {}
        for font in PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            key = "/FontFile2" if "/FontFile2" in descriptor else "/FontFile3"
            family = str(font.get_object()["/BaseFont"]).split("+")[1]
            result[family] = (key, descriptor[key].get_object().get_data())
        return result

    before, after = programs(raw), programs(pages[0])
    truetype = [f for f, (key, _) in before.items() if key == "/FontFile2"]
    assert truetype, before.keys()  # DejaVu is a TrueType font
    for family in truetype:
        assert after[family] == before[family]
    cjk = [f for f in before if "CJK" in f]
    assert cjk and all(len(after[f][1]) < len(before[f][1]) / 5 for f in cjk)
    for data in (whole, pages[0]):
        (tmp_path / "x.pdf").write_bytes(data)
        (tmp_path / "raw.pdf").write_bytes(raw)
        assert pixels(tmp_path / "x.pdf", 1) == pixels(tmp_path / "raw.pdf", 1)


def _cjk_document(html: str = "") -> object:
    from weasyprint import HTML

    return HTML(string=html or (
        '<p style="font-family: Noto Sans CJK SC">楼门公示 1 号楼 Door</p>'
        '<p style="break-before: page; font-family: Noto Sans CJK SC; font-weight: bold">近期活动【已取消】</p>'
        '<p style="font-family: DejaVu Sans">Door 3 → 027-5555</p>'
    )).render()


def test_the_one_pass_subset_writes_what_compacting_weasyprints_own_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    """write_compact_split cuts each Noto CJK face once, renumbered, in
    WeasyPrint's writer: the same files, byte for byte, as WeasyPrint's own
    subset (every glyph id kept) cut again by compact_split; WeasyPrint's
    own runs only for the TrueType face."""
    from weasyprint.pdf.fonts import Font

    from generator import pdffonts

    document = _cjk_document()
    plain = pdffonts.compact_split(document.write_pdf(pdf_identifier=False))  # type: ignore[attr-defined]
    pdffonts._install_subset_hook()
    own: list[str] = []
    real_own = pdffonts._weasyprint_subset
    cut: list[int] = []
    real_cut = pdffonts._one_pass_subset

    def counting_own(font: object, to_unicode: object, hinting: bool) -> None:
        own.append(font.family)  # type: ignore[attr-defined]
        real_own(font, to_unicode, hinting)

    def counting_cut(font: object, to_unicode: object, hinting: bool) -> object:
        found = real_cut(font, to_unicode, hinting)  # type: ignore[arg-type]
        cut.append(found is not None)
        return found

    monkeypatch.setattr(pdffonts, "_weasyprint_subset", counting_own)
    monkeypatch.setattr(pdffonts, "_one_pass_subset", counting_cut)
    assert pdffonts.write_compact_split(document, pdf_identifier=False) == plain
    assert cut.count(True) == 2 and own == ["DejaVu Sans"], (cut, own)  # regular and bold Noto CJK cut here
    # Outside write_compact_split, WeasyPrint's own subset, as it ships.
    own.clear()
    data = _cjk_document().write_pdf(pdf_identifier=False)  # type: ignore[attr-defined]
    assert sorted(own) == ["DejaVu Sans", "Noto Sans CJK SC", "Noto Sans CJK SC"]
    assert Font._harfbuzz_subset is not real_own  # the dispatcher stays installed
    assert pdffonts.compact_split(data) == plain


@pytest.mark.parametrize("charset", ["face", "cut"])
def test_a_cut_that_fails_its_guard_falls_back_to_weasyprints_own(charset: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A face whose glyphs asked for do not have their glyph ids as CIDs
    (here: the face's charset read as shifted by one), or whose renumbered
    cut lacks one of them (the cut's charset shifted), gets WeasyPrint's
    subset, and the files are as before; so does a face with glyphs missing
    (no CID for them)."""
    from generator import pdffonts

    document = _cjk_document()
    plain = pdffonts.compact_split(document.write_pdf(pdf_identifier=False))  # type: ignore[attr-defined]
    real_cids = pdffonts.cff_cids
    if charset == "face":
        real_face = pdffonts._face_cids
        monkeypatch.setattr(pdffonts, "_face_cids", lambda *args: [c + 1 for c in real_face(*args) or []] or None)
    else:
        monkeypatch.setattr(pdffonts, "cff_cids", lambda program: [c + 1 for c in real_cids(program) or []] or None)
    pdffonts._install_subset_hook()
    precut: list[dict[bytes, tuple[int, ...]]] = []
    real_compact = pdffonts.compact_split

    def spying(data: bytes, **kwargs: object) -> object:
        precut.append(dict(kwargs["precut"]))  # type: ignore[call-overload]
        monkeypatch.setattr(pdffonts, "cff_cids", real_cids)  # for compact_split's own cut
        return real_compact(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdffonts, "compact_split", spying)
    assert pdffonts.write_compact_split(document, pdf_identifier=False) == plain
    assert precut == [{}]
    # U+10FFFD: in no font, drawn as .notdef with a made-up glyph id
    missing = '<p style="font-family: Noto Sans CJK SC">公示\U0010fffd</p>'
    precut.clear()
    whole, pages = pdffonts.write_compact_split(_cjk_document(missing), pdf_identifier=False)
    assert precut == [{}]
    (tmp_path / "cut.pdf").write_bytes(pages[0])
    (tmp_path / "raw.pdf").write_bytes(_cjk_document(missing).write_pdf())  # type: ignore[attr-defined]
    assert pixels(tmp_path / "cut.pdf", 1) == pixels(tmp_path / "raw.pdf", 1)


def test_a_cut_program_compact_split_does_not_meet_is_written_again_by_weasyprint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A font cut in one pass prints blank unless compact_split embeds it
    as a bare CFF: where compact_split does not meet it (here: it finds no
    font at all), the document is written again with WeasyPrint's own
    subsets, and prints as WeasyPrint draws it."""
    from generator import pdffonts

    html = '<p style="font-family: Noto Sans CJK SC; font-size: 40px">楼门公示 一号楼</p>'
    (tmp_path / "raw.pdf").write_bytes(_weasyprint(html))
    monkeypatch.setattr(pdffonts, "_document_fonts", lambda reader: [])
    with caplog.at_level("WARNING", logger="gongshi"):
        whole, pages = pdffonts.write_compact_split(_cjk_document(html), pdf_identifier=False)
    assert "未能精简" in caplog.text
    for data in (whole, pages[0]):
        (tmp_path / "out.pdf").write_bytes(data)
        assert pixels(tmp_path / "out.pdf", 1) == pixels(tmp_path / "raw.pdf", 1)


def test_another_threads_pdf_gets_weasyprints_own_subset() -> None:
    """The dispatcher cuts only in the thread of a write_compact_split: a
    PDF another thread writes meanwhile is WeasyPrint's, whole."""
    import threading

    from generator import pdffonts

    html = '<p style="font-family: Noto Sans CJK SC">公示栏</p>'
    before = _weasyprint(html)
    pdffonts._install_subset_hook()
    pdffonts._cutting.precut = {}
    try:
        result: list[bytes] = []
        worker = threading.Thread(target=lambda: result.append(_weasyprint(html)))
        worker.start()
        worker.join()
    finally:
        pdffonts._cutting.precut = None
    assert result == [before]


def _font_file(family: str) -> str:
    """The file fontconfig picks for ``family``."""
    return subprocess.run([_tool("fc-match"), "-f", "%{file}", family], capture_output=True, text=True, check=True).stdout.strip()


def test_face_unicodes_are_fonttools_best_character_map(tmp_path: Path) -> None:
    """The door notices' font coverage (notices._font_coverage) read by
    HarfBuzz: the code points of fontTools' best cmap, for the installed
    Noto Sans CJK SC (a collection) and a plain TrueType font; None for a
    file that is not a font."""
    from fontTools.ttLib import TTCollection, TTFont

    from generator.notices import _font_coverage
    from generator.pdffonts import face_unicodes

    cjk, dejavu = _font_file("Noto Sans CJK SC"), _font_file("DejaVu Sans")
    assert cjk.endswith(".ttc") and dejavu.endswith(".ttf")
    expected = frozenset(TTCollection(cjk, lazy=True).fonts[0].getBestCmap())
    assert len(expected) > 40_000 and face_unicodes(cjk) == expected
    assert _font_coverage() == expected
    assert face_unicodes(dejavu) == frozenset(TTFont(dejavu, lazy=True).getBestCmap())
    (tmp_path / "not-a-font.ttf").write_bytes(b"hello")
    assert face_unicodes(str(tmp_path / "not-a-font.ttf")) is None
    assert face_unicodes(str(tmp_path / "missing.ttf")) is None


def test_face_unicodes_without_hb_set_next_many_leaves_it_to_fonttools(monkeypatch: pytest.MonkeyPatch) -> None:
    """HarfBuzz before 4.2 has no hb_set_next_many: face_unicodes says
    None (the font coverage then comes from fontTools), not AttributeError."""
    from generator import pdffonts

    ffi, hb, hbs = pdffonts._harfbuzz()  # type: ignore[misc]

    class Older:
        def __getattr__(self, name: str) -> object:
            if name == "hb_set_next_many":
                raise AttributeError(name)
            return getattr(hb, name)

    monkeypatch.setattr(pdffonts, "_harfbuzz", lambda: (ffi, Older(), hbs))
    assert pdffonts.face_unicodes(_font_file("Noto Sans CJK SC")) is None


def test_subset_refuses_fonts_whose_cids_are_not_their_glyph_ids() -> None:
    from pypdf import PdfReader

    from generator.pdffonts import _widths, cff_cids, subset_cids

    raw = _weasyprint('<p style="font-family: Noto Sans CJK SC">公示栏</p>')
    font = PdfReader(io.BytesIO(raw)).pages[0]["/Resources"]["/Font"]
    program = next(iter(font.values())).get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]["/FontFile3"].get_object().get_data()
    cids = cff_cids(program)
    assert cids is not None and all(cid == gid for gid, cid in enumerate(cids))  # WeasyPrint's: glyph id = CID
    used = sorted(_widths(next(iter(font.values())).get_object()["/DescendantFonts"][0].get_object()["/W"]))
    assert len(used) == 3 and used[0] > 1000  # 公示栏, far into the font
    compact = subset_cids(program, used, same_gids=True)
    assert compact is not None and compact.cids == (0, *used)
    # Renumbered: glyph 1 is CID used[0]. WeasyPrint's codes would be glyph
    # ids, so such a font must not be taken as CID == GID.
    assert subset_cids(compact.program, used, same_gids=True) is None
    assert subset_cids(compact.program, used) is not None  # through the charset: fine
    assert subset_cids(compact.program, [5]) is None  # a CID it does not have


def test_a_cff_that_is_not_cid_keyed_is_not_touched() -> None:
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.t2CharStringPen import T2CharStringPen

    from generator.pdffonts import cff_cids, subset_cids

    pen = T2CharStringPen(500, None)
    pen.moveTo((0, 0))
    pen.lineTo((0, 500))
    pen.lineTo((500, 0))
    pen.closePath()
    builder = FontBuilder(1000, isTTF=False)
    builder.setupGlyphOrder([".notdef", "A"])
    builder.setupCharacterMap({65: "A"})
    builder.setupCFF("Plain", {"FullName": "Plain"}, {".notdef": T2CharStringPen(500, None).getCharString(), "A": pen.getCharString()}, {})
    builder.setupHorizontalMetrics({".notdef": (500, 0), "A": (500, 0)})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupOS2()
    builder.setupPost()
    buf = io.BytesIO()
    builder.save(buf)
    assert cff_cids(buf.getvalue()) is None
    assert subset_cids(buf.getvalue(), [1]) is None


def test_a_page_that_cannot_be_read_keeps_the_document_subset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from generator import pdffonts

    raw = _weasyprint('<p style="font-family: Noto Sans CJK SC">第一页 Page 1</p><p style="break-before: page; font-family: Noto Sans CJK SC; font-weight: bold">第二页【已取消】</p>')
    whole, pages = pdffonts.compact_split(raw)
    monkeypatch.setattr(pdffonts, "read_page", lambda page: None)
    _whole, fallback = pdffonts.compact_split(raw)
    (tmp_path / "raw.pdf").write_bytes(raw)
    for number, (cut, kept) in enumerate(zip(pages, fallback, strict=True), start=1):
        assert len(cut) < len(kept)  # cut to the page vs the document's subset
        for data in (cut, kept):
            (tmp_path / "p.pdf").write_bytes(data)
            assert pixels(tmp_path / "p.pdf", 1) == pixels(tmp_path / "raw.pdf", number)
            assert pdf_pages_text(tmp_path / "p.pdf") == [pdf_pages_text(tmp_path / "raw.pdf")[number - 1]]


# --------------------------------------------------------------------------
# Reading content streams: which codes are shown in which font


def _page(content: bytes, xobjects: dict[str, tuple[bytes, dict[str, object]]] | None = None) -> tuple[object, dict[str, object]]:
    """A detached page with fonts /F1 and /F2 (the shape of WeasyPrint's:
    Type 0, Identity-H, CIDFontType0, FontFile3 /OpenType) and ``content``."""
    from pypdf import PageObject
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    def stream(data: bytes, **entries: object) -> DecodedStreamObject:
        s = DecodedStreamObject()
        s.set_data(data)
        s.update({NameObject(k): v for k, v in entries.items()})
        return s

    fonts = {}
    for name in ("/F1", "/F2"):
        descriptor = DictionaryObject({NameObject("/FontFile3"): stream(b"", **{"/Subtype": NameObject("/OpenType")})})
        cid = DictionaryObject({NameObject("/Subtype"): NameObject("/CIDFontType0"), NameObject("/FontDescriptor"): descriptor})
        fonts[name] = DictionaryObject(
            {
                NameObject("/Subtype"): NameObject("/Type0"),
                NameObject("/Encoding"): NameObject("/Identity-H"),
                NameObject("/DescendantFonts"): ArrayObject([cid]),
            }
        )
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject(k): v for k, v in fonts.items()})})
    forms = DictionaryObject()
    for name, (data, extra) in (xobjects or {}).items():
        forms[NameObject(name)] = stream(data, **{"/Subtype": NameObject("/Form"), **extra})
    resources[NameObject("/XObject")] = forms
    page = PageObject()
    page[NameObject("/Resources")] = resources
    page[NameObject("/Contents")] = stream(content)
    return page, fonts


def _codes(content: bytes, **forms: tuple[bytes, dict[str, object]]) -> dict[str, set[int]] | None:
    from generator.pdffonts import page_fonts

    page, fonts = _page(content, {f"/{k}": v for k, v in forms.items()})
    found = page_fonts(page)
    if found is None:
        return None
    return {name: found[id(font)].codes for name, font in fonts.items()}


def test_codes_follow_tf_and_q_Q() -> None:
    content = b"""q /F1 12 Tf BT [<00010002>-50<0003>] TJ ET
    q BT /F2 9 Tf (\\000\\004\\000\\005) Tj ET Q
    BT <0006> Tj 1 0 Td <0007>' ET Q
    q /F2 1 Tf BT [(\\000\\010)]TJ 0 0 (\\000\\011)" ET Q"""
    assert _codes(content) == {"/F1": {1, 2, 3, 6, 7}, "/F2": {4, 5, 8, 9}}


def test_names_and_strings_that_look_like_operators_change_nothing() -> None:
    content = b"/q gs /Q gs BT /F1 5 Tf (Q) Tj /P <</ActualText <FEFF0051>>> BDC <0002> Tj EMC ET"
    # "(Q)" is the two-byte code 0x5100 only with an odd byte count: refused
    # below; here it is one byte, so the whole page is left alone.
    assert _codes(content) is None
    content = b"/q gs /Q gs BT /F1 5 Tf (QQ) Tj /P <</ActualText <FEFF0051>>> BDC <0002> Tj EMC ET"
    # The property list's string is counted too (more glyphs, never fewer).
    assert _codes(content) == {"/F1": {0x5151, 0xFEFF, 0x0051, 2}, "/F2": set()}


def test_forms_inherit_the_font_and_inline_images_stop_the_cut() -> None:
    form = (b"BT <0009> Tj /F2 3 Tf <000a> Tj ET", {})
    assert _codes(b"BT /F1 7 Tf ET /Fm Do", Fm=form) == {"/F1": {9}, "/F2": {10}}
    assert _codes(b"BI /W 1 /H 1 /BPC 8 /CS /G ID \x00 EI /F1 1 Tf") is None
    assert _codes(b"BT /F9 7 Tf <0001> Tj ET") is None  # a font the page does not have
    assert _codes(b"BT <0001> Tj ET") is None  # text before any font


def test_a_font_name_is_looked_up_in_the_resources_in_force() -> None:
    """A form with resources of its own may give a name the page uses to
    another font (the reader keeps its lookups per resource dict)."""
    from pypdf.generic import DictionaryObject, NameObject

    from generator.pdffonts import page_fonts

    page, fonts = _page(b"BT /F1 7 Tf <0001> Tj ET /Fm Do BT /F1 7 Tf <0003> Tj ET", {"/Fm": (b"BT /F1 7 Tf <0002> Tj ET", {})})
    form = page["/Resources"]["/XObject"]["/Fm"]
    form[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): fonts["/F2"]})})
    found = page_fonts(page)
    assert found is not None
    assert {name: found[id(font)].codes for name, font in fonts.items()} == {"/F1": {1, 3}, "/F2": {2}}



def _charset_cids(program: bytes) -> set[int]:
    """The CIDs of a bare CID-keyed CFF, read by fontTools."""
    from fontTools.cffLib import CFFFontSet

    cff = CFFFontSet()
    cff.decompile(io.BytesIO(program), None)
    top = cff[cff.fontNames[0]]
    assert hasattr(top, "ROS")  # CID-keyed
    return {0 if g == ".notdef" else int(g.removeprefix("cid")) for g in top.charset}


def test_a_cid_set_names_the_glyphs_kept(tmp_path: Path) -> None:
    """PDF 1.4 (and PDF/A) lists the CIDs present in /CIDSet: it must follow
    the subset."""
    from pypdf import PdfReader

    from generator.pdffonts import compact_split

    raw = _weasyprint('<p style="font-family: Noto Sans CJK SC">公示 14</p>', pdf_version="1.4")
    _whole, pages = compact_split(raw)
    font = next(iter(PdfReader(io.BytesIO(pages[0])).pages[0]["/Resources"]["/Font"].values())).get_object()
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    bits = descriptor["/CIDSet"].get_object().get_data()
    present = {i for i in range(len(bits) * 8) if bits[i // 8] & (0x80 >> (i % 8))}
    assert present == _charset_cids(descriptor["/FontFile3"].get_object().get_data())
    (tmp_path / "raw.pdf").write_bytes(raw)
    (tmp_path / "cut.pdf").write_bytes(pages[0])
    assert pixels(tmp_path / "cut.pdf", 1) == pixels(tmp_path / "raw.pdf", 1)
    assert pages[0].startswith(b"%PDF-1.4\n") and _whole.startswith(b"%PDF-1.4\n")  # the version asked for stays


# --------------------------------------------------------------------------
# The fast paths write what the plain pypdf construction writes


def test_files_are_those_pypdfs_own_writer_makes(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """compact_split writes /W as prepared bytes: the same files as with /W
    as pypdf objects (parsed back from those bytes: their values are checked
    above)."""
    from pypdf.generic import ArrayObject

    from generator import pdffonts

    _out, raw = built
    data = raw.read_bytes()
    fast = pdffonts.compact_split(data)

    def as_pypdf(spelled: bytes) -> object:
        return ArrayObject.read_from_stream(io.BytesIO(spelled), None)

    monkeypatch.setattr(pdffonts, "_written", as_pypdf)
    plain = pdffonts.compact_split(data)
    assert fast[0] == plain[0]
    assert len(fast[1]) == len(plain[1]) == len(doors_in_place_order())
    for number, (mine, theirs) in enumerate(zip(fast[1], plain[1], strict=True), start=1):
        assert mine == theirs, number


def test_w_bytes_spell_the_array_pypdf_would_write() -> None:
    from pypdf.generic import ArrayObject, FloatObject, NumberObject

    from generator.pdffonts import _pdf_bytes_of, _w_bytes

    widths = {cid: NumberObject(500 + cid % 7 * 100) for cid in (*range(1, 20), 100, 101, 103, 65534)}
    widths[5] = FloatObject("277.5")  # a width need not be whole

    def straightforward(keep: set[int]) -> bytes:
        """The array built of pypdf objects, one run of consecutive CIDs each."""
        out: ArrayObject = ArrayObject()
        last = -2
        for cid in sorted(keep & set(widths)):
            if cid != last + 1:
                out += [NumberObject(cid), ArrayObject()]
            out[-1].append(widths[cid])
            last = cid
        return _pdf_bytes_of(out)

    spelled = {cid: _pdf_bytes_of(w) for cid, w in widths.items()}
    for keep in (set(), {0}, {1}, {1, 2, 3}, {2, 4, 5, 6, 19, 100, 101, 102, 103, 65534}, set(range(200)), {7, 65534, 70000}):
        assert _w_bytes(spelled, keep) == straightforward(keep), sorted(keep)
    assert _w_bytes(spelled, {4, 5, 6, 101}) == b"[ 4 [ 900 277.5 1100 ] 101 [ 800 ] ]"


def test_a_chunk_leaves_little_for_the_cyclic_collector(built: tuple[Path, Path]) -> None:
    """pypdf's readers and writers are reference cycles: compact_split breaks
    them when done. Left in place, they leave ~700 objects a page here to
    Python's cyclic collector (~40 without), and its full runs walk a
    notice worker's whole heap."""
    import gc

    from generator.pdffonts import compact_split

    _out, raw = built
    data = raw.read_bytes()
    compact_split(data)  # imports and first-use definitions
    gc.collect()
    gc.disable()
    try:
        _whole, pages = compact_split(data)
        left = gc.collect()
    finally:
        gc.enable()
    assert left < 100 * len(pages), left


# --------------------------------------------------------------------------
# generator.pdfwrite: the files are written from the reader's own objects


def _plain(obj: object, seen: tuple[int, ...] = ()) -> object:
    """A pypdf object as plain Python values, every reference followed (a
    loop or /Parent ends the walk): two files' pages compare by what they hold,
    not by how their objects are numbered."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    if isinstance(obj, IndirectObject):
        obj = obj.get_object()
    if id(obj) in seen:
        return "<loop>"
    seen = (*seen, id(obj))
    if isinstance(obj, DictionaryObject):
        entries = {str(k): _plain(v, seen) for k, v in obj.items() if k not in ("/Parent", "/Length")}
        if isinstance(obj, StreamObject):
            entries["<data>"] = obj.get_data()
        return entries
    if isinstance(obj, ArrayObject):
        return [_plain(v, seen) for v in obj]
    return (type(obj).__name__, str(obj))


def _xref_is_right(data: bytes) -> int:
    """Check the cross-reference table against the bytes (each offset is
    where its object starts) and return the number of objects."""
    start = int(data.rsplit(b"startxref", 1)[1].split()[0])
    assert data[start : start + 5] == b"xref\n"
    first, count = (int(x) for x in data[start + 5 :].split(b"\n", 1)[0].split())
    assert first == 0
    table = data[start:].split(b"\n", 2)[2]
    for number in range(1, count):
        entry = table[20 * number : 20 * number + 20]
        assert entry.endswith(b" 00000 n \n"), entry
        offset = int(entry[:10])
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
    assert b"/Size %d" % count in data[data.index(b"trailer", start) :]
    return count - 1


def test_written_files_hold_what_pypdfs_copies_held(built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Each door's page and the whole document, as pdfwrite writes them,
    hold the same objects as pypdf's PdfWriter wrote (the page copied with
    add_page, the document cloned), and poppler reads them without a word."""
    from pypdf import PdfReader, PdfWriter

    from generator import pdffonts, pdfwrite

    _out, raw = built
    data = raw.read_bytes()
    whole, pages = pdffonts.compact_split(data)

    def by_pypdf(page: object, reader: object) -> bytes:
        raise pdfwrite.Unsupported

    def cloned(reader: object) -> bytes:
        return pdffonts.pdf_bytes(PdfWriter(clone_from=reader))

    monkeypatch.setattr(pdfwrite, "page_pdf", by_pypdf)
    monkeypatch.setattr(pdfwrite, "document_pdf", cloned)
    old_whole, old_pages = pdffonts.compact_split(data)
    assert len(pages) == len(old_pages) == len(doors_in_place_order())
    for mine, theirs in zip(pages, old_pages, strict=True):
        ours, before = PdfReader(io.BytesIO(mine), strict=True), PdfReader(io.BytesIO(theirs))
        assert len(ours.pages) == 1
        assert _plain(ours.pages[0]) == _plain(before.pages[0])
        assert _xref_is_right(mine) < 40
        assert mine[:9] == data[:9] == b"%PDF-1.7\n"
        # What pypdf's copy lost: the language (for screen readers) and the title.
        assert ours.trailer["/Root"]["/Lang"] == "zh-CN"
        assert ours.metadata.title == "楼门公示栏"
    ours, before = PdfReader(io.BytesIO(whole), strict=True), PdfReader(io.BytesIO(old_whole))
    assert _plain(ours.trailer["/Root"]) == _plain(before.trailer["/Root"])
    assert [_plain(p) for p in ours.pages] == [_plain(p) for p in before.pages]
    _xref_is_right(whole)
    for name, pdf in (("whole", whole), ("door", pages[0])):
        (tmp_path / f"{name}.pdf").write_bytes(pdf)
        info = subprocess.run([_tool("pdfinfo"), str(tmp_path / f"{name}.pdf")], capture_output=True, text=True, check=True)
        assert info.stderr == "", (name, info.stderr)


def test_a_page_that_reaches_another_page_is_copied_by_pypdf(tmp_path: Path) -> None:
    """A link straight to another page (WeasyPrint's own use named
    destinations): pdfwrite would write that page into the file too, so it
    refuses, and compact_split has pypdf copy the page as before."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    from generator import pdffonts, pdfwrite

    raw = _weasyprint('<p style="font-family: Noto Sans CJK SC">第一页</p><p style="font-family: Noto Sans CJK SC; break-before: page">第二页</p>')
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(raw)))
    link = DictionaryObject({
        NameObject("/Type"): NameObject("/Annot"),
        NameObject("/Subtype"): NameObject("/Link"),
        NameObject("/Rect"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(10), NumberObject(10)]),
        NameObject("/Dest"): ArrayObject([writer.pages[1].indirect_reference, NameObject("/Fit")]),
    })
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(link)])
    linked = pdffonts.pdf_bytes(writer)
    reader = PdfReader(io.BytesIO(linked))
    with pytest.raises(pdfwrite.Unsupported):
        pdfwrite.page_pdf(reader.pages[0], reader)
    pdfwrite.page_pdf(reader.pages[1], reader)  # the page linked to links nowhere
    _whole, pages = pdffonts.compact_split(linked)
    for number, page in enumerate(pages, start=1):
        (tmp_path / f"{number}.pdf").write_bytes(page)
        assert len(PdfReader(io.BytesIO(page)).pages) == 1
        text = subprocess.run([_tool("pdftotext"), "-enc", "UTF-8", str(tmp_path / f"{number}.pdf"), "-"], capture_output=True, check=True)
        assert text.stdout.decode().strip() == ["第一页", "第二页"][number - 1] and text.stderr == b""


def test_pages_with_the_same_glyphs_share_one_cut_and_the_output_is_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's doors show the same glyphs again and again: each different
    glyph set of a font is cut and compressed once per document, and every
    page's PDF is the very bytes it was when each page was cut on its own."""
    from pypdf import PdfReader

    from generator import pdffonts

    pages = ["楼门公示 一号楼", "近期活动 二号楼", "楼门公示 一号楼", "楼门公示 一号楼", "近期活动 二号楼", "另一页 三号楼 讲座"]
    html = "".join(f"<p style='break-before: page; font-family: sans-serif'>{text}</p>" for text in pages)
    data = _weasyprint(html)
    calls: list[frozenset[int]] = []
    real_subset = pdffonts.subset_cids

    def counting(program: bytes, cids: object, *args: object, **kw: object) -> object:
        if not kw.get("same_gids"):
            calls.append(frozenset(cids))  # type: ignore[arg-type]
        return real_subset(program, cids, *args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(pdffonts, "subset_cids", counting)
    whole, singles = pdffonts.compact_split(data)
    assert len(singles) == len(pages) and len(calls) == len(set(calls)) == 3
    real_cut = pdffonts._cut_page
    monkeypatch.setattr(pdffonts, "_cut_page", lambda page, shared, scan, *_memo: real_cut(page, shared, scan))
    calls.clear()
    assert pdffonts.compact_split(data) == (whole, singles)
    assert len(calls) == len(pages)
    texts = [PdfReader(io.BytesIO(single)).pages[0].extract_text() for single in singles]
    assert texts == pages

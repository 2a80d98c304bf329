"""Compact CJK font subsets in WeasyPrint's PDFs, per document and per page.

Why: WeasyPrint 70 subsets a font with HarfBuzz's RETAIN_GIDS and keeps every
glyph id up to the highest one used. For Noto Sans CJK (65,535 glyphs, the
common hanzi far up) each embedded face keeps ~63,000 empty glyphs — empty
CFF charstrings, hmtx and vmtx entries, ~150 KB compressed per face in every
PDF, however little it says. A door notice shows ~100 glyphs per face.

What this module does, on the finished PDF (WeasyPrint itself is not
patched): a font whose program is a CID-keyed CFF (``/FontFile3`` of a
``/CIDFontType0`` under an ``/Identity-H`` Type 0 font) is subset again with
HarfBuzz, this time renumbering the glyphs, and embedded as the bare CFF
(``/FontFile3 /Subtype /CIDFontType0C``). Content streams, ``/W`` and
``/ToUnicode`` keep their codes: the codes are CIDs, and for a CID-keyed CFF
a PDF reader finds a CID's glyph through the CFF charset (ISO 32000-1
§9.7.4.2), which HarfBuzz carries over. The bare CFF is not a detail: poppler
and PDFium (through FreeType) look CIDs up in the charset only for a bare
CFF, and take the CID for a glyph index in an OpenType-wrapped one, which
would print the wrong glyphs (tests/test_pdffonts.py renders every page with
poppler and compares pixels).

Guards, so that a font is either compacted correctly or left as WeasyPrint
wrote it: the document's program must map every code WeasyPrint used (the
keys of /W and /ToUnicode: its glyph ids) to the glyph of that same number,
i.e. CID == GID, as in Noto CJK; the new program's charset must hold every
wanted CID. TrueType fonts (CIDFontType2), other encodings, Type 3 fonts and
unreadable programs are not touched.

Per page (:func:`compact_split`): a page split from a long document would
carry the document's whole glyph set, so each page's copy gets a subset of
the codes its content streams show — read here, with the forms, patterns,
soft masks and annotation appearances they reach — with /W and /ToUnicode
cut to match. A page this reader cannot vouch for (an inline image, a
string it cannot parse, a code outside the document's subset) keeps the
document's subset. Subset tags (``ABCDEF+``) are derived from the glyph
set, so two different subsets never share a name, and the output is
deterministic. WeasyPrint also gives all pages one resource dictionary, so
a split page would carry every page's images (each door's QR code): the
same reading drops the image XObjects a page does not draw.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import re
import struct
import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .weasy import load as load_weasyprint

log = logging.getLogger("gongshi")


# --------------------------------------------------------------------------
# The CFF charset: which CID each glyph of a CID-keyed CFF has


def _sfnt_table(data: bytes, tag: bytes) -> bytes | None:
    if len(data) < 12 or data[:4] != b"OTTO":
        return None
    (count,) = struct.unpack_from(">H", data, 4)
    for i in range(count):
        pos = 12 + 16 * i
        if pos + 16 > len(data):
            return None
        if data[pos : pos + 4] == tag:
            offset, length = struct.unpack_from(">II", data, pos + 8)
            return data[offset : offset + length] if offset + length <= len(data) else None
    return None


def _index(data: bytes | memoryview, pos: int) -> tuple[list[tuple[int, int]], int]:
    """A CFF INDEX at ``pos``: ([(start, end)] of its items, position after it)."""
    (count,) = struct.unpack_from(">H", data, pos)
    if count == 0:
        return [], pos + 2
    size = data[pos + 2]
    offsets_at = pos + 3
    offsets = [int.from_bytes(data[offsets_at + i * size : offsets_at + (i + 1) * size], "big") for i in range(count + 1)]
    base = offsets_at + (count + 1) * size - 1
    return [(base + offsets[i], base + offsets[i + 1]) for i in range(count)], base + offsets[-1]


def _dict(data: bytes) -> dict[int, list[float]]:
    """A CFF DICT: operator (12 x as 1200 + x) → operands."""
    result: dict[int, list[float]] = {}
    operands: list[float] = []
    i = 0
    while i < len(data):
        b = data[i]
        if b <= 21:
            if b == 12:
                i += 1
                b = 1200 + data[i]
            result[b] = operands
            operands = []
            i += 1
        elif b == 28:
            operands.append(struct.unpack_from(">h", data, i + 1)[0])
            i += 3
        elif b == 29:
            operands.append(struct.unpack_from(">i", data, i + 1)[0])
            i += 5
        elif b == 30:  # real: nibbles up to 0xf; its value is never needed here
            i += 1
            while i < len(data) and (data[i] & 0x0F) != 0x0F and (data[i] >> 4) != 0x0F:
                i += 1
            operands.append(0.0)
            i += 1
        elif 32 <= b <= 246:
            operands.append(b - 139)
            i += 1
        elif 247 <= b <= 250:
            operands.append((b - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= b <= 254:
            operands.append(-(b - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError(f"CFF DICT byte {b}")
    return result


_ROS, _CHARSET, _CHARSTRINGS = 1230, 15, 17


def cff_cids(program: bytes) -> list[int] | None:
    """The CID of every glyph (index = glyph id) of an OpenType font whose
    CFF is CID-keyed; None for anything else."""
    cff = _sfnt_table(program, b"CFF ")
    return _charset_cids(cff) if cff is not None else None


def _charset_cids(cff: bytes | memoryview) -> list[int] | None:
    """:func:`cff_cids` of a CFF table."""
    try:
        if cff[0] != 1:
            return None
        _names, pos = _index(cff, cff[2])
        tops, pos = _index(cff, pos)
        if len(tops) != 1:
            return None
        top = _dict(bytes(cff[tops[0][0] : tops[0][1]]))
        if _ROS not in top or _CHARSTRINGS not in top:
            return None
        (count,) = struct.unpack_from(">H", cff, int(top[_CHARSTRINGS][0]))  # glyphs
        charset = int(top.get(_CHARSET, [0])[0])
        if charset <= 2:  # predefined (Latin) charsets: never CID-keyed
            return None
        fmt = cff[charset]
        cids = [0]
        pos = charset + 1
        if fmt == 0:
            cids += struct.unpack_from(f">{count - 1}H", cff, pos)
        elif fmt in (1, 2):
            while len(cids) < count:
                first = struct.unpack_from(">H", cff, pos)[0]
                if fmt == 1:
                    left, pos = cff[pos + 2], pos + 3
                else:
                    left, pos = struct.unpack_from(">H", cff, pos + 2)[0], pos + 4
                cids.extend(range(first, first + left + 1))
        else:
            return None
        return cids[:count] if len(cids) >= count else None
    except (ValueError, IndexError, struct.error):
        return None


# --------------------------------------------------------------------------
# HarfBuzz's subsetter, through its C API (the library WeasyPrint itself
# uses; Debian's libharfbuzz-subset0)

_HB_CDEF = """
typedef struct hb_blob_t hb_blob_t;
typedef struct hb_face_t hb_face_t;
typedef struct hb_set_t hb_set_t;
typedef struct hb_subset_input_t hb_subset_input_t;
hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data, void *destroy);
void hb_blob_destroy(hb_blob_t *blob);
const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
hb_blob_t *hb_face_reference_blob(hb_face_t *face);
hb_blob_t *hb_face_reference_table(const hb_face_t *face, uint32_t tag);
hb_blob_t *hb_blob_create_from_file(const char *file_name);
hb_set_t *hb_set_create(void);
void hb_set_destroy(hb_set_t *set);
unsigned int hb_set_get_population(const hb_set_t *set);
unsigned int hb_set_next_many(const hb_set_t *set, uint32_t codepoint, uint32_t *out, unsigned int size);
void hb_face_collect_unicodes(hb_face_t *face, hb_set_t *out);
void hb_face_destroy(hb_face_t *face);
uint32_t hb_tag_from_string(const char *str, int len);
void hb_set_add(hb_set_t *set, uint32_t codepoint);
hb_subset_input_t *hb_subset_input_create_or_fail(void);
void hb_subset_input_destroy(hb_subset_input_t *input);
hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned int value);
hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
"""
_HB_MEMORY_MODE_DUPLICATE = 0
_HB_SUBSET_SETS_DROP_TABLE_TAG = 3
_HB_NO_HINTING, _HB_DESUBROUTINIZE, _HB_PASSTHROUGH_UNRECOGNIZED, _HB_NOTDEF_OUTLINE = 0x01, 0x04, 0x20, 0x40
# What WeasyPrint asks for; hinting and the .notdef outline stay as
# WeasyPrint left them.
_HB_FLAGS = _HB_DESUBROUTINIZE | _HB_PASSTHROUGH_UNRECOGNIZED | _HB_NOTDEF_OUTLINE
# The tables WeasyPrint drops (GSUB would also pull alternates into the set).
_DROP_TABLES = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")

_hb_libs: tuple[Any, Any, Any] | None = None
_hb_failed = False


def _harfbuzz() -> tuple[Any, Any, Any] | None:
    global _hb_libs, _hb_failed
    if _hb_libs is None and not _hb_failed:
        try:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef(_HB_CDEF)
            _hb_libs = (ffi, ffi.dlopen("libharfbuzz.so.0"), ffi.dlopen("libharfbuzz-subset.so.0"))
        except (ImportError, OSError, AttributeError) as exc:
            _hb_failed = True
            log.warning(f"PDF 字体无法精简（HarfBuzz 子集库不可用：{exc}），PDF 会偏大")
    return _hb_libs


def _hb_subset(program: bytes, gids: Iterable[int]) -> bytes | None:
    """``program`` cut to ``gids`` (and .notdef), glyphs renumbered."""
    libs = _harfbuzz()
    if libs is None:
        return None
    ffi, hb, _hbs = libs
    blob = hb.hb_blob_create(program, len(program), _HB_MEMORY_MODE_DUPLICATE, ffi.NULL, ffi.NULL)
    face = hb.hb_face_create(blob, 0)
    hb.hb_blob_destroy(blob)
    try:
        return _hb_cut(libs, face, gids, _HB_FLAGS)
    finally:
        hb.hb_face_destroy(face)


def _hb_cut(libs: tuple[Any, Any, Any], face: Any, gids: Iterable[int], flags: int) -> bytes | None:
    """HarfBuzz's subset of ``face`` with the glyphs ``gids``, the tables
    WeasyPrint drops dropped; the new font's bytes, or None."""
    ffi, hb, hbs = libs
    spec = hbs.hb_subset_input_create_or_fail()
    result = None
    try:
        if spec == ffi.NULL:
            return None
        glyphs = hbs.hb_subset_input_glyph_set(spec)
        for gid in gids:
            hb.hb_set_add(glyphs, gid)
        drop = hbs.hb_subset_input_set(spec, _HB_SUBSET_SETS_DROP_TABLE_TAG)
        for tag in _DROP_TABLES:
            hb.hb_set_add(drop, hb.hb_tag_from_string(tag, 4))
        hbs.hb_subset_input_set_flags(spec, flags)
        subset = hbs.hb_subset_or_fail(face, spec)
        if subset != ffi.NULL:
            out = hb.hb_face_reference_blob(subset)
            length = ffi.new("unsigned int *")
            data = hb.hb_blob_get_data(out, length)
            result = bytes(ffi.buffer(data, length[0])) if length[0] else None
            hb.hb_blob_destroy(out)
            hb.hb_face_destroy(subset)
    finally:
        if spec != ffi.NULL:
            hbs.hb_subset_input_destroy(spec)
    return result


def face_unicodes(path: str, index: int = 0) -> frozenset[int] | None:
    """The code points the character map of font ``index`` in the file at
    ``path`` maps, read by HarfBuzz (37 ms for Noto Sans CJK's, where
    fontTools took 138 ms, before the door notices' workers could start);
    None if it cannot be read."""
    libs = _harfbuzz()
    if libs is None or not hasattr(libs[1], "hb_set_next_many"):  # HarfBuzz before 4.2
        return None
    ffi, hb, _hbs = libs
    blob = hb.hb_blob_create_from_file(path.encode())
    face = hb.hb_face_create(blob, index)
    hb.hb_blob_destroy(blob)
    found = hb.hb_set_create()
    try:
        hb.hb_face_collect_unicodes(face, found)
        size = hb.hb_set_get_population(found)
        out = ffi.new("uint32_t[]", max(size, 1))
        count = hb.hb_set_next_many(found, 0xFFFFFFFF, out, size)  # from the start (HB_SET_VALUE_INVALID)
        return frozenset(ffi.unpack(out, count)) if count else None
    finally:
        hb.hb_set_destroy(found)
        hb.hb_face_destroy(face)


@dataclass(frozen=True)
class Subset:
    """A compact CID-keyed program and the CID of each of its glyphs."""

    program: bytes
    cids: tuple[int, ...]


def subset_cids(program: bytes, cids: Iterable[int], source_cids: list[int] | None = None, *, same_gids: bool = False) -> Subset | None:
    """``program`` (a CID-keyed CFF OpenType font) cut to the glyphs of
    ``cids``, renumbered, its charset still giving each glyph's CID. With
    ``same_gids``, each wanted CID must also be the glyph id of its glyph
    in ``program`` (true for the fonts WeasyPrint embeds from Noto CJK);
    None when a guard fails."""
    source = source_cids if source_cids is not None else cff_cids(program)
    if source is None:
        return None
    wanted = sorted(set(cids) | {0})
    if same_gids:
        if wanted[-1] >= len(source) or any(source[c] != c for c in wanted):
            return None
        gids = wanted
    else:
        where = {cid: gid for gid, cid in enumerate(source)}
        if any(c not in where for c in wanted):
            return None
        gids = [where[c] for c in wanted]
    new = _hb_subset(program, gids)
    kept = cff_cids(new) if new is not None else None
    # HarfBuzz may keep a few more glyphs than asked (its closure); every
    # wanted CID must be there, each glyph with its own CID.
    if new is None or kept is None or not set(wanted) <= set(kept) or len(set(kept)) != len(kept):
        return None
    return Subset(new, tuple(kept))


# --------------------------------------------------------------------------
# Which codes a page shows in which font: a small content-stream reader

_WS = rb"\x00\t\n\x0c\r "
_DELIM = rb"/\[\]()<>{}%"
_NUM = rb"[-+]?[0-9.]+"
# Only what matters is matched; regex search skips the rest (numbers, path
# and colour operators) in C. A TJ array of numbers and hex strings of whole
# two-byte codes (what WeasyPrint writes) is one match.
_TOKENS = re.compile(
    rb"(?=[\[<>%()/TqQDB'\"])(?:"  # the first characters below: skips the rest faster
    rb"\[(?P<tj>(?:[" + _WS + rb"]*(?:<(?:[0-9A-Fa-f]{4})*>|" + _NUM + rb"))*)[" + _WS + rb"]*\][" + _WS + rb"]*TJ(?![^" + _WS + _DELIM + rb"])"
    rb"|<<|>>|%[^\r\n]*"
    rb"|<(?P<hex>[0-9A-Fa-f" + _WS + rb"]*)>"
    rb"|\((?P<lit>(?:[^()\\]|\\.|\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\))*)\)"
    rb"|/(?P<name>[^" + _WS + _DELIM + rb"]*)"
    rb"|(?<![^" + _WS + _DELIM + rb"])(?P<op>Tj|TJ|'|\"|Tf|q|Q|Do|BI)(?![^" + _WS + _DELIM + rb"])"
    rb"|(?P<bad>[()<>]))",
    re.S,
)
_HEX_STRING = re.compile(rb"<([0-9A-Fa-f" + _WS + rb"]*)>")
_SPACE = re.compile(rb"[" + _WS + rb"]+")


def _hex(raw: bytes) -> bytes:
    text = _SPACE.sub(b"", raw)
    return bytes.fromhex((text + b"0" if len(text) % 2 else text).decode())


_ESCAPES = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b", ord("f"): b"\f"}
_OCTAL = re.compile(rb"\\([0-7]{1,3})|\\(\r\n|\r|\n)|\\(.)", re.S)


def _literal(raw: bytes) -> bytes:
    def replace(m: re.Match[bytes]) -> bytes:
        if m.group(1):
            return bytes([int(m.group(1), 8) & 0xFF])
        if m.group(2):
            return b""
        ch = m.group(3)[0]
        return _ESCAPES.get(ch, bytes([ch]))

    return _OCTAL.sub(replace, raw) if b"\\" in raw else raw


class _Unreadable(Exception):
    """A page this reader will not vouch for: leave its fonts alone."""


@dataclass
class _Font:
    """An embedded font that can be compacted: its Type 0 dict, CIDFont
    dict, font descriptor and program stream (pypdf objects)."""

    type0: Any
    cidfont: Any
    descriptor: Any
    stream: Any
    codes: set[int] = field(default_factory=set)


def _compactable(font: Any) -> _Font | None:
    try:
        if font.get("/Subtype") != "/Type0" or font.get("/Encoding") != "/Identity-H":
            return None
        cidfont = font["/DescendantFonts"][0].get_object()
        if cidfont.get("/Subtype") != "/CIDFontType0":
            return None
        descriptor = cidfont["/FontDescriptor"].get_object()
        ref = descriptor.get("/FontFile3")
        if ref is None:
            return None
        stream = ref.get_object()
        if stream.get("/Subtype") not in ("/OpenType", "/CIDFontType0C"):
            return None
        # Streams this module rewrites must be ones it can write (Flate).
        rewritten = [stream, font.get("/ToUnicode"), descriptor.get("/CIDSet")]
        if any(s is not None and s.get_object().get("/Filter") not in (None, "/FlateDecode") for s in rewritten):
            return None
        return _Font(font, cidfont, descriptor, stream)
    except (KeyError, IndexError, AttributeError, TypeError):
        return None


class _PageFonts:
    """Walks a page's content streams and everything they can draw text
    through, recording the codes shown in each compactable font."""

    def __init__(self) -> None:
        self.fonts: dict[int, _Font] = {}  # id(Type 0 dict) → font
        self.other: set[int] = set()  # fonts not compacted: ignored
        self.drawn: dict[int, set[str]] = {}  # id(resource dict) → XObject names drawn
        self._seen: set[tuple[int, int]] = set()
        # (id(resource dict), name) → what _font found: a page sets its
        # fonts ~40 times, and each lookup through pypdf resolves two
        # references (the dicts live as long as the page: ids stay theirs).
        self._named: dict[tuple[int, str], tuple[int, _Font | None]] = {}

    def _font(self, resources: Any, name: str) -> tuple[int, _Font | None]:
        named = self._named.get((id(resources), name))
        if named is None:
            named = self._named[id(resources), name] = self._lookup(resources, name)
        return named

    def _lookup(self, resources: Any, name: str) -> tuple[int, _Font | None]:
        try:
            font = resources["/Font"][name].get_object()
        except (KeyError, TypeError, AttributeError) as exc:
            raise _Unreadable(f"font {name}") from exc
        key = id(font)
        if key in self.fonts:
            return key, self.fonts[key]
        if key in self.other:
            return key, None
        if font.get("/Subtype") == "/Type3" and "/Resources" in font:
            raise _Unreadable("Type 3 font with resources")
        found = _compactable(font)
        if found is None:
            self.other.add(key)
        else:
            self.fonts[key] = found
        return key, found

    def fonts_of(self, resources: Any) -> None:
        """Every font a resource dict offers, used or not (so an unused one
        is cut to nothing rather than kept whole)."""
        fonts = resources.get("/Font") if resources is not None else None
        if fonts is not None:
            for name in fonts.get_object():
                self._font(resources, name)

    def page(self, page: Any) -> None:
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else None
        contents = page.get_contents()
        self.stream(contents.get_data() if contents is not None else b"", resources, None)
        for annot in page.get("/Annots", []) or []:
            appearance = annot.get_object().get("/AP")
            for kind in appearance.get_object().values() if appearance is not None else ():
                kind = kind.get_object()
                streams = [kind] if hasattr(kind, "get_data") else [v.get_object() for v in kind.values()]
                for s in streams:
                    self.form(s, resources, None)

    def form(self, stream: Any, parent: Any, font: int | None) -> None:
        key = (id(stream), font or 0)
        if key in self._seen:
            return
        self._seen.add(key)
        resources = stream.get("/Resources")
        resources = resources.get_object() if resources is not None else parent
        self.stream(stream.get_data(), resources, font)

    def stream(self, data: bytes, resources: Any, font: int | None) -> None:
        self.fonts_of(resources)
        self._side_streams(resources)
        stack: list[int | None] = []
        strings: list[bytes] = []
        names: list[str] = []
        for m in _TOKENS.finditer(data):
            kind = m.lastgroup
            if kind is None:
                continue  # << >> or a comment
            if kind == "tj":  # whole two-byte codes in every string: decode them at once
                self._show(font, [bytes.fromhex(b"".join(_HEX_STRING.findall(m.group("tj"))).decode())])
            elif kind == "hex":
                strings.append(_hex(m.group("hex")))
            elif kind == "lit":
                strings.append(_literal(m.group("lit")))
            elif kind == "name":
                names.append(m.group("name").decode("latin-1"))
            elif kind == "bad":
                raise _Unreadable("content stream token")
            else:
                op = m.group("op")
                if op in (b"Tj", b"TJ", b"'", b'"'):
                    # Strings since the last operator seen here: more than
                    # the operator's own only if another took strings (a
                    # marked-content property list), which keeps more glyphs.
                    self._show(font, strings)
                elif op == b"Tf":
                    if not names:
                        raise _Unreadable("Tf")
                    font = self._font(resources, "/" + names[-1])[0]
                elif op == b"q":
                    stack.append(font)
                elif op == b"Q":
                    font = stack.pop() if stack else font
                elif op == b"Do":
                    self._do(resources, names[-1] if names else "", font)
                else:  # BI: binary image data follows
                    raise _Unreadable("inline image")
                strings, names = [], []

    def _show(self, font: int | None, strings: list[bytes]) -> None:
        if font is None:
            if any(strings):
                raise _Unreadable("text without a font")
            return
        found = self.fonts.get(font)
        if found is None:
            return
        for s in strings:
            if len(s) % 2:
                raise _Unreadable("odd Identity-H string")
            found.codes.update(struct.unpack(f">{len(s) // 2}H", s))

    def _do(self, resources: Any, name: str, font: int | None) -> None:
        self.drawn.setdefault(id(resources), set()).add("/" + name)
        try:
            xobject = resources["/XObject"]["/" + name].get_object()
        except (KeyError, TypeError, AttributeError) as exc:
            raise _Unreadable(f"XObject {name}") from exc
        if xobject.get("/Subtype") == "/Form":
            self.form(xobject, resources, font)

    def _side_streams(self, resources: Any) -> None:
        """Tiling patterns and soft-mask groups draw with their own content:
        read them all, used or not (reading more only keeps more glyphs)."""
        if resources is None:
            return
        for pattern in (resources.get("/Pattern") or {}).values():
            pattern = pattern.get_object()
            if hasattr(pattern, "get_data"):
                self.form(pattern, resources, None)
        for state in (resources.get("/ExtGState") or {}).values():
            mask: Any = state.get_object().get("/SMask")
            mask = mask.get_object() if mask is not None else None
            if isinstance(mask, dict) and mask.get("/G") is not None:
                self.form(mask["/G"].get_object(), resources, None)


def page_fonts(page: Any) -> dict[int, _Font] | None:
    """The compactable fonts a page can draw with, and the codes it shows
    in each (empty for an unused one); None if the page is not readable."""
    scan = read_page(page)
    return scan.fonts if scan is not None else None


def read_page(page: Any) -> _PageFonts | None:
    """A page's content streams read (fonts, codes, XObjects drawn); None
    if the page is not readable."""
    scan = _PageFonts()
    try:
        scan.page(page)
    except (_Unreadable, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        log.debug(f"PDF page left with its fonts: {exc}")
        return None
    return scan


# --------------------------------------------------------------------------
# Rewriting the font objects


def _tag(name: str, cids: Iterable[int]) -> str:
    """A subset tag from the glyph set: six letters, the same for the same
    subset, different for different ones."""
    digest = hashlib.sha256(name.encode() + b"|" + ",".join(map(str, cids)).encode()).digest()
    return "".join(chr(65 + b % 26) for b in digest[:6])


def _widths(w: Any) -> dict[int, Any]:
    """A CIDFont's /W array as CID → width object."""
    result: dict[int, Any] = {}
    items = list(w.get_object()) if w is not None else []
    i = 0
    while i < len(items):
        first = int(items[i])
        nxt = items[i + 1].get_object() if hasattr(items[i + 1], "get_object") else items[i + 1]
        if isinstance(nxt, list):
            for k, width in enumerate(nxt):
                result[first + k] = width
            i += 2
        else:
            for cid in range(first, int(nxt) + 1):
                result[cid] = items[i + 2]
            i += 3
    return result


def _pdf_bytes_of(obj: Any) -> bytes:
    """How pypdf writes ``obj`` (a direct object) into a file."""
    buf = io.BytesIO()
    obj.write_to_stream(buf)
    return buf.getvalue()


def _w_bytes(widths: dict[int, bytes], keep: set[int]) -> bytes:
    """A /W array of ``widths`` (CID → the width as written) cut to ``keep``,
    in runs of consecutive CIDs, spelled exactly as pypdf writes the array
    of arrays it stands for (``[ 1 [ 224 ] 14 [ 347 278 ] ]``).

    Why bytes and not pypdf objects: a page's /W has ~100 widths per font,
    so building it as a NumberObject each (and writing each back) was the
    largest part of cutting a page, and the allocations made Python's
    cyclic collector run over the whole worker's heap more often."""
    parts = [b"["]
    last = -2
    for cid in sorted(c for c in keep if c in widths):
        if cid != last + 1:
            if last >= 0:
                parts.append(b" ]")  # close the run before
            parts.append(b" %d [" % cid)
        parts.append(b" " + widths[cid])
        last = cid
    if last >= 0:
        parts.append(b" ]")
    parts.append(b" ]")
    return b"".join(parts)


@functools.cache
def _written_type() -> type[Any]:
    """The pypdf object type for bytes written as they are (defined on first
    use: pypdf is imported only when a PDF is made)."""
    from pypdf.generic import PdfObject

    class Written(PdfObject):
        """A direct object already spelled out in PDF syntax, only ever
        written (pdfwrite writes it as it is)."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def write_to_stream(self, stream: Any) -> None:
            stream.write(self.data)

        def clone(self, pdf_dest: Any, force_duplicate: bool = False, ignore_fields: Any = ()) -> Any:
            """For a page pypdf copies (pdfwrite refused it)."""
            return Written(self.data)

    return Written


def _written(data: bytes) -> Any:
    return _written_type()(data)


_BFCHAR = re.compile(rb"\d+\s+beginbfchar(.*?)endbfchar", re.S)
_PAIR = re.compile(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>")


_BFRANGE = re.compile(rb"\d+\s+beginbfrange(.*?)endbfrange", re.S)


def to_unicode_codes(data: bytes) -> set[int]:
    """The codes a ToUnicode CMap maps."""
    codes = {int(g, 16) for b in _BFCHAR.finditer(data) for g, _ in _PAIR.findall(b.group(1))}
    for block in _BFRANGE.finditer(data):
        for first, last in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*[<\[]", block.group(1)):
            codes.update(range(int(first, 16), int(last, 16) + 1))
    return codes


@dataclass(frozen=True)
class _ToUnicode:
    """A ToUnicode CMap of bfchar entries (as WeasyPrint writes them), to cut."""

    head: bytes
    pairs: tuple[tuple[int, bytes, bytes], ...]
    tail: bytes

    @staticmethod
    def parse(data: bytes) -> _ToUnicode | None:
        blocks = list(_BFCHAR.finditer(data))
        if b"bfrange" in data or not blocks:
            return None
        pairs = tuple((int(g, 16), g, u) for b in blocks for g, u in _PAIR.findall(b.group(1)))
        return _ToUnicode(data[: blocks[0].start()], pairs, data[blocks[-1].end() :].lstrip(b"\n"))

    def cut(self, keep: set[int]) -> bytes:
        pairs = [(g, u) for code, g, u in self.pairs if code in keep]
        lines = []
        for i in range(0, len(pairs), 100):
            batch = pairs[i : i + 100]
            lines.append(f"{len(batch)} beginbfchar".encode())
            lines.extend(b"<" + g + b"> <" + u + b">" for g, u in batch)
            lines.append(b"endbfchar")
        return self.head + b"".join(line + b"\n" for line in lines) + self.tail


def _by_program(fonts: Iterable[_Font]) -> dict[int, list[_Font]]:
    groups: dict[int, list[_Font]] = {}
    for font in fonts:
        groups.setdefault(id(font.stream), []).append(font)
    return groups


@dataclass
class _Shared:
    """A document font after compaction: what each page's copy is cut from."""

    subset: Subset
    widths: dict[int, bytes]  # CID → its /W width as the document writes it
    to_unicode: bytes | None  # decoded, as the document has it
    cuttable: _ToUnicode | None


def _put(fonts: list[_Font], subset: Subset, compressed: dict[int, bytes] | None = None) -> None:
    """Embed ``subset`` as the program of ``fonts`` (which share it): the
    bare CFF table as /FontFile3 /CIDFontType0C — PDF readers look CIDs up
    in the charset of a bare CID-keyed CFF, while poppler and PDFium (through
    FreeType) take a CID for a glyph id in an OpenType one — and give each
    font a subset tag of its own. ``compressed``: the stream data of the
    subsets already embedded in this document, by id() of the subset."""
    from pypdf.filters import FlateDecode
    from pypdf.generic import EncodedStreamObject, NameObject

    stream = fonts[0].stream
    data = compressed.get(id(subset)) if compressed is not None else None
    if data is None:
        cff = _sfnt_table(subset.program, b"CFF ")
        assert cff is not None  # subset_cids read it
        if type(stream) is not EncodedStreamObject or stream.get("/Filter") not in ("/FlateDecode", ["/FlateDecode"]):
            stream.set_data(cff)  # as pypdf does it (it refuses other filters)
            data = None
        else:
            data = FlateDecode.encode(cff)
        if compressed is not None and data is not None:
            compressed[id(subset)] = data
    if data is not None:
        # What pypdf's set_data writes (FlateDecode.encode, its default
        # level), without decompressing the program it replaces first (it
        # makes its decoded copy): the data is read back only through
        # get_data, which decodes it again.
        stream._data = data
        stream.decoded_self = None
    stream[NameObject("/Subtype")] = NameObject("/CIDFontType0C")
    for font in fonts:
        base = str(font.type0.get("/BaseFont", "/font"))
        family = base.lstrip("/").split("+", 1)[-1]
        name = NameObject(f"/{_tag(family, subset.cids)}+{family}")
        font.type0[NameObject("/BaseFont")] = name
        font.cidfont[NameObject("/BaseFont")] = name
        font.descriptor[NameObject("/FontName")] = name
        cid_set = font.descriptor.get("/CIDSet")  # PDF 1.4 and PDF/A: the glyphs present
        if cid_set is not None:
            bits = bytearray(subset.cids[-1] // 8 + 1)
            for cid in subset.cids:
                bits[cid // 8] |= 0x80 >> (cid % 8)
            cid_set.get_object().set_data(bytes(bits))


# --------------------------------------------------------------------------
# Whole documents


def _document_fonts(reader: Any) -> list[_Font]:
    """Every compactable font named in a document's page resources, with the
    codes WeasyPrint recorded for it (its /W and /ToUnicode keys: every glyph
    it drew with it)."""
    seen: dict[int, _Font] = {}
    for page in reader.pages:
        for font in _page_level_fonts(page):
            if id(font) in seen:
                continue
            found = _compactable(font)
            if found is None:
                continue
            found.codes = set(_widths(found.cidfont.get("/W")))
            to_unicode = font.get("/ToUnicode")
            if to_unicode is not None:
                found.codes |= to_unicode_codes(to_unicode.get_object().get_data())
            seen[id(font)] = found
    return list(seen.values())


def _page_level_fonts(page: Any) -> list[Any]:
    resources = page.get("/Resources")
    fonts = resources.get_object().get("/Font") if resources is not None else None
    return [ref.get_object() for ref in (fonts.get_object() if fonts is not None else {}).values()]


# --------------------------------------------------------------------------
# WeasyPrint's subset in one pass, for a PDF compacted at once


def write_compact_split(document: Any, *, split: bool = True, **options: Any) -> tuple[bytes, list[bytes]]:
    """``compact_split(document.write_pdf(**options))``, with WeasyPrint's
    font subsets made in one pass.

    Why: WeasyPrint subsets a face twice, both times keeping every glyph id
    up to the highest used (RETAIN_GIDS, see the top of this module): for
    Noto Sans CJK ~12 ms and ~20 ms a face, ~0.8 MB of empty glyphs that
    it then compresses and compact_split decompresses and cuts again. At
    bench scale L (2,001 doors in 26 chunks, two faces each) a chunk's PDF
    written and compacted in 0.63 s instead of 0.73 (medians of 18, the
    two ways alternating on the same documents, the same bytes): ~2 CPU-s
    of the notices' worker's ~25. Here WeasyPrint's face is cut once to
    the glyphs it drew, renumbered, as compact_split would cut it.

    Kept only where compact_split's own cut would be made (subset_cids'
    guards, on WeasyPrint's face): each glyph asked for has its glyph id
    as its CID in the face's charset (Noto CJK), so the codes WeasyPrint
    writes (glyph ids) are CIDs, and the renumbered program keeps every
    one of them, each CID once. Any other face (TrueType, variable,
    colour, with missing glyphs, a CFF whose CIDs are not its glyph ids)
    gets WeasyPrint's own subset. A program cut here, wrapped in OpenType
    as WeasyPrint embeds it, prints blank in poppler and PDFium (they take
    the CID for a glyph id): compact_split knows it by its bytes
    (``precut``) and always embeds it as a bare CFF. WeasyPrint names all
    of a document's fonts in the resources its pages share, where
    compact_split looks; should a program cut here not be met there, the
    document is written again with WeasyPrint's own subsets and compacted
    as before."""
    precut: dict[bytes, tuple[int, ...]] = {}
    _install_subset_hook()
    _cutting.precut = precut
    try:
        data = document.write_pdf(**options)
    finally:
        _cutting.precut = None
    used: set[bytes] = set()
    result = compact_split(data, split=split, precut=precut, used=used)
    if used != set(precut):
        log.warning("PDF 字体：有字体未能精简，已按 WeasyPrint 原样重新生成")
        result = compact_split(document.write_pdf(**options), split=split)
    return result


# The programs the running write_compact_split cut, in this thread (None
# outside one: WeasyPrint's own subset, as it ships).
_cutting = threading.local()
_weasyprint_subset: Any = None


def _install_subset_hook() -> None:
    """Font._harfbuzz_subset dispatches to :func:`_one_pass_subset` inside a
    write_compact_split of this thread and to WeasyPrint's own everywhere
    else. Installed once and left: swapping a class attribute per call would
    race with another thread's write_pdf."""
    global _weasyprint_subset
    load_weasyprint()
    from weasyprint.pdf.fonts import Font

    if _weasyprint_subset is not None:
        return
    _weasyprint_subset = Font._harfbuzz_subset

    def subset(font: Any, to_unicode: Any, hinting: bool) -> None:
        precut: dict[bytes, tuple[int, ...]] | None = getattr(_cutting, "precut", None)
        cut = _one_pass_subset(font, to_unicode, hinting) if precut is not None else None
        if precut is None or cut is None:
            _weasyprint_subset(font, to_unicode, hinting)
            return
        font.file_content = cut.program
        precut[_program_key(cut.program)] = cut.cids

    Font._harfbuzz_subset = subset


def _one_pass_subset(font: Any, to_unicode: Any, hinting: bool) -> Subset | None:
    """WeasyPrint's face of ``font`` cut to the glyph ids in ``to_unicode``
    (and .notdef), renumbered; None unless each glyph asked for has its
    glyph id as its CID in the face, and is kept. The tables dropped and
    the flags are WeasyPrint's (weasyprint/pdf/fonts.py,
    Font._harfbuzz_subset), less RETAIN_GIDS."""
    libs = _harfbuzz()
    if libs is None or not to_unicode or font.missing or font.png or font.svg or font.colr or "CFF " not in font.tables or "fvar" in font.tables:
        return None
    load_weasyprint()
    from weasyprint.pdf.fonts import ffi as weasyprint_ffi

    ffi, _hb, _hbs = libs
    # The same libharfbuzz in this process: WeasyPrint's face is ours too.
    face = ffi.cast("hb_face_t *", int(weasyprint_ffi.cast("uintptr_t", font.hb_face)))
    wanted = sorted({*to_unicode, 0})
    source = _face_cids(libs, face)
    # subset_cids' same_gids guard, on the face itself
    if source is None or wanted[-1] >= len(source) or any(source[g] != g for g in wanted):
        return None
    program = _hb_cut(libs, face, wanted, _HB_DESUBROUTINIZE | _HB_PASSTHROUGH_UNRECOGNIZED | (0 if hinting else _HB_NO_HINTING))
    kept = cff_cids(program) if program is not None else None
    # As in subset_cids: HarfBuzz may keep a few more (its closure: Noto
    # CJK's ： brings another colon glyph along).
    if program is None or kept is None or not set(wanted) <= set(kept) or len(set(kept)) != len(kept):
        return None
    return Subset(program, tuple(kept))


def _face_cids(libs: tuple[Any, Any, Any], face: Any) -> list[int] | None:
    """:func:`cff_cids` of a HarfBuzz face, read in place (Noto CJK's CFF
    table is ~16 MB)."""
    ffi, hb, _hbs = libs
    blob = hb.hb_face_reference_table(face, hb.hb_tag_from_string(b"CFF ", 4))
    try:
        length = ffi.new("unsigned int *")
        data = hb.hb_blob_get_data(blob, length)
        return _charset_cids(memoryview(ffi.buffer(data, length[0]))) if length[0] else None
    finally:
        hb.hb_blob_destroy(blob)


def _program_key(program: bytes) -> bytes:
    return hashlib.sha256(program).digest()


def compact_split(
    data: bytes, *, split: bool = True, precut: dict[bytes, tuple[int, ...]] | None = None, used: set[bytes] | None = None
) -> tuple[bytes, list[bytes]]:
    """WeasyPrint's PDF ``data`` with compact font subsets, and (with
    ``split``) one PDF per page, each with its fonts cut to that page.
    ``precut``: the programs :func:`write_compact_split` cut already (by
    :func:`_program_key`); the keys of those met are added to ``used``."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    try:
        return _compact_split(reader, split, precut or {}, used if used is not None else set())
    finally:
        release(reader)  # its parsed objects, in cycles too (see release)


def _compact_split(reader: Any, split: bool, precut: dict[bytes, tuple[int, ...]], used: set[bytes]) -> tuple[bytes, list[bytes]]:
    from .pdfwrite import Unsupported, document_pdf, page_pdf

    # The document: each program cut to what WeasyPrint drew with it.
    shared: dict[str, _Shared] = {}
    done: list[_Font] = []
    for fonts in _by_program(_document_fonts(reader)).values():
        source = _read(fonts[0].stream)
        if source is None:
            continue
        # A program write_compact_split cut maps codes to glyphs only
        # through its charset: always embedded as a bare CFF. A code it
        # lacks (none WeasyPrint drew) shows .notdef, as in WeasyPrint's own
        # subset, where its glyph is empty.
        key = _program_key(source) if precut else b""
        cids = precut.get(key)
        if cids is not None:
            used.add(key)
            subset: Subset | None = Subset(source, cids)
        else:
            subset = subset_cids(source, set().union(*(f.codes for f in fonts)), same_gids=True)
        if subset is None:
            continue
        _put(fonts, subset)
        for f in fonts:
            ref = f.type0.get("/ToUnicode")
            to_unicode = _read(ref.get_object()) if ref is not None else None
            widths = {cid: _pdf_bytes_of(width) for cid, width in _widths(f.cidfont.get("/W")).items()}
            shared[str(f.type0["/BaseFont"])] = _Shared(
                subset, widths, to_unicode, _ToUnicode.parse(to_unicode) if to_unicode is not None else None
            )
        done.extend(fonts)
    whole = document_pdf(reader)
    if not split:
        return whole, []
    # Each page is written from the document's own objects, its fonts cut
    # for it first (pdfwrite: no copy), and the fonts are put back as the
    # document has them before the next page is read and cut.
    fonts_as_in_document = _Saved([obj for f in done for obj in _font_objects(f)])
    # The doors of a chunk show the same glyphs again and again (an
    # estate's doors list the same activities; bench scale L: 4,000 page
    # cuts, 1,195 different): each cut is made and compressed once.
    cuts: dict[tuple[int, frozenset[int]], Subset | None] = {}
    compressed: dict[int, bytes] = {}
    pages = []
    images: dict[int, set[str]] = {}  # the document's objects: their ids stay theirs
    for page in reader.pages:
        # Read before cutting: an image dropped from the resources is then
        # not written at all.
        scan = read_page(page)
        if scan is not None:
            _drop_undrawn_images(page, scan, images)
        _cut_page(page, shared, scan, cuts, compressed)
        try:
            pages.append(page_pdf(page, reader))
        except Unsupported:
            pages.append(_page_by_pypdf(page))
        fonts_as_in_document.restore()
    return whole, pages


def _page_by_pypdf(page: Any) -> bytes:
    """A page that reaches another page (pdfwrite refuses it), copied by
    pypdf as before: with the pages it reaches."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(page)
    data = pdf_bytes(writer)
    release(writer)
    return data


def _font_objects(font: _Font) -> list[Any]:
    """The objects of a compacted font that cutting it for a page changes."""
    found = [font.type0, font.cidfont, font.descriptor, font.stream]
    for owner, key in ((font.type0, "/ToUnicode"), (font.descriptor, "/CIDSet")):
        ref = owner.get(key)
        if ref is not None:
            found.append(ref.get_object())
    return found


class _Saved:
    """pypdf objects as they are now (their entries and attributes: a
    stream's data), to be put back after each page changed them."""

    def __init__(self, objects: list[Any]) -> None:
        unique = {id(obj): obj for obj in objects}
        self.saved = [(obj, dict(obj), dict(vars(obj))) for obj in unique.values()]

    def restore(self) -> None:
        for obj, entries, attributes in self.saved:
            dict.clear(obj)
            dict.update(obj, entries)
            vars(obj).clear()
            vars(obj).update(attributes)


def _drop_undrawn_images(page: Any, scan: _PageFonts, images: dict[int, set[str]] | None = None) -> None:
    """Give ``page`` resources of its own without the image XObjects its
    content does not draw (WeasyPrint's pages share one resource dict with
    every page's images). Type 3 glyphs may draw with the page's resources
    and are not read: a page using a Type 3 font keeps them all.
    ``images``: which names of an XObject dict (by id) are images, kept
    from page to page of one document: the shared dict names every page's
    QR code, ~150 a chunk, each looked up through pypdf for every page."""
    from pypdf.generic import DictionaryObject, NameObject

    ref = page.get("/Resources")
    if ref is None:
        return
    resources = ref.get_object()
    xobjects = resources.get("/XObject")
    if xobjects is None:
        return
    fonts = resources.get("/Font")
    if any(font.get_object().get("/Subtype") == "/Type3" for font in (fonts.get_object().values() if fonts is not None else ())):
        return
    drawn = scan.drawn.get(id(resources), set())
    xobjects = xobjects.get_object()
    known = images if images is not None else {}
    image_names = known.get(id(xobjects))
    if image_names is None:
        image_names = known[id(xobjects)] = {name for name, x in xobjects.items() if x.get_object().get("/Subtype") == "/Image"}
    keep = {name: x for name, x in xobjects.items() if name in drawn or name not in image_names}
    if len(keep) < len(xobjects):
        own = DictionaryObject(resources)
        own[NameObject("/XObject")] = DictionaryObject(keep)
        page[NameObject("/Resources")] = own


def _cut_page(page: Any, shared: dict[str, _Shared], scan: _PageFonts | None,
              cuts: dict[tuple[int, frozenset[int]], Subset | None] | None = None, compressed: dict[int, bytes] | None = None) -> None:
    """Cut the fonts a page reaches (the document's, put back after the
    page is written) to the codes ``scan`` (the reading of the page) saw
    it show, or the document's whole subset if the page could not be read
    or a guard fails. The page's fonts are found by name, which must be
    unique."""
    from pypdf.generic import NameObject

    met = Counter(str(f.type0.get("/BaseFont")) for f in scan.fonts.values()) if scan is not None else Counter()
    codes_of = {str(f.type0.get("/BaseFont")): f.codes for f in scan.fonts.values()} if scan is not None else {}
    reachable = _reachable_type0(page)
    copies = Counter(str(font.get("/BaseFont")) for font in reachable)
    mine: list[_Font] = []
    known: set[int] = set()
    for font in reachable:
        name = str(font.get("/BaseFont"))
        if name in shared:
            found = _compactable(font)
            assert found is not None  # it was compacted
            if met[name] == 1 and copies[name] == 1:
                found.codes = set(codes_of[name])
                known.add(id(font))
            mine.append(found)
    for group in _by_program(mine).values():
        whole = [shared[str(f.type0["/BaseFont"])] for f in group]
        subset = None
        # Cut only what the reader met in the resources it read (and so
        # knows every use of); anything else keeps the document's subset.
        if all(id(f.type0) in known for f in group) and all(w.subset is whole[0].subset for w in whole):
            codes = set().union(*(f.codes for f in group))
            if codes <= set(whole[0].subset.cids):
                key = (id(whole[0].subset), frozenset(codes))
                if cuts is None or key not in cuts:
                    subset = subset_cids(whole[0].subset.program, codes, list(whole[0].subset.cids))
                    if cuts is not None:
                        cuts[key] = subset
                else:
                    subset = cuts[key]
        if subset is None:  # as in the document
            for f, w in zip(group, whole, strict=True):
                f.codes = set(w.subset.cids)
            subset = whole[0].subset
        _put(group, subset, compressed)
        for f, w in zip(group, whole, strict=True):
            f.cidfont[NameObject("/W")] = _written(_w_bytes(w.widths, f.codes))
            if w.to_unicode is not None:
                cut = w.cuttable.cut(f.codes) if w.cuttable is not None and subset is not whole[0].subset else w.to_unicode
                f.type0["/ToUnicode"].get_object().set_data(cut)


def _reachable_type0(page: Any) -> list[Any]:
    """Every Type 0 font dict a page reaches, by any path (resources, forms,
    patterns, annotations; not up through /Parent): each must be cut for
    it, even one the content-stream reader did not meet. A Type 0 font
    reaches no other font: what is under it (its /W of the document's
    thousands of widths) is not walked."""
    seen: set[int] = set()
    found = []
    todo = [page]
    while todo:
        obj = todo.pop().get_object()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, dict):
            if obj.get("/Subtype") == "/Type0":
                found.append(obj)
                continue
            todo.extend(value for key, value in obj.items() if key != "/Parent")
        elif isinstance(obj, list):
            todo.extend(obj)
    return found


def _read(stream: Any) -> bytes | None:
    try:
        return bytes(stream.get_data())
    except Exception:  # noqa: BLE001 - an undecodable stream is left alone
        return None


def release(pdf: Any) -> None:
    """Let reference counting free a pypdf writer (or reader) that is done
    with: it is unusable afterwards.

    Every object a writer holds points back to it (its
    ``indirect_reference``), a cycle that only Python's cyclic collector
    frees; a reader's parsed objects point back to it the same way. Left to
    the collector, a chunk's writers (~300 objects for each page's copy,
    ~10,000 for the whole document) pile up and make it run more often, and
    every full run walks the worker's whole heap (0.2-0.3 s in a notice
    worker at bench scale L, 3 ms a door of the chunk it falls in).
    Emptying the writer's attributes (its object list, catalog, page list…)
    breaks every such cycle."""
    vars(pdf).clear()


def pdf_bytes(writer: Any) -> bytes:
    """The bytes of a pypdf writer, without the random file identifier (same
    input, same bytes)."""
    writer._ID = None
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()

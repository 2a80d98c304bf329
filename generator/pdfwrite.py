"""Write PDF files straight from a pypdf reader's objects, without copying them.

Why not pypdf's PdfWriter: a door notice chunk (bench scale L: 2,000 doors
in chunks of ~150) is written once whole and once per page, and all chunks
are joined into one file. PdfWriter first clones every object a page
reaches into itself (a new pypdf object for each, ~300 a page) and then
writes the clones, renumbering each reference as it goes: cProfile of
:func:`generator.pdffonts.compact_split` on 150 doors put the clones, the
writer set-up and the writing at 56 % of its time. Here the reader's
objects are written as they are, in one pass that numbers the objects in
the order it meets them.

What it writes: a classic PDF (a cross-reference table, no object streams,
no encryption), as PdfWriter does, of

- :func:`document_pdf`: everything a reader's trailer reaches (its catalog
  with the outlines, its /Info);
- :func:`page_pdf`: one page, with everything it reaches except its
  /Parent, under a new page tree; the catalog keeps the source's /Lang and
  the file the source's /Info (title, producer);
- :func:`joined_pdf`: the pages of several readers under one page tree,
  their bookmarks chained under one outline (all-notices.pdf from the
  chunks; :func:`preload` parses a chunk ahead, as it comes in).

A page that reaches another page (a link to it, say) is refused with
:class:`Unsupported`: its file would carry that page too; so is a join of
documents whose catalogs hold more than pages, bookmarks and a language.
The callers then use pypdf as before.
"""

from __future__ import annotations

import io
from typing import Any

# After the version line, four bytes above 127: the file is binary (ISO 32000-1 §7.5.2).
BINARY_MARK = b"%\xe2\xe3\xcf\xd3\n"


class Unsupported(Exception):
    """This page cannot be written on its own here (see the module docstring)."""


class _Ref:
    """A reference to an object this writer made (the new page tree)."""

    __slots__ = ("number",)

    def __init__(self, number: int) -> None:
        self.number = number


# A name's bytes (#-escaped as PDF wants): the same few dozen names make up
# most of a file's dictionaries.
_NAMES: dict[str, bytes] = {}


class _Writer:
    def __init__(self, reader: Any) -> None:
        from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, NumberObject, StreamObject

        self._types = (IndirectObject, StreamObject, DictionaryObject, ArrayObject, NameObject, NumberObject)
        self.numbers: dict[tuple[int, int, int], int] = {}
        self.objects: list[Any] = []  # object n is objects[n - 1]
        self.overrides: dict[int, dict[str, Any]] = {}  # id(dict) → key → value (None: leave the key out)
        self.refuse_pages = False
        # The source's version (%PDF-1.4 for PDF/A-1, say): nothing written
        # here needs a later one.
        self.header = str(reader.pdf_header).encode("ascii", "replace") + b"\n" + BINARY_MARK

    def new(self, obj: Any) -> int:
        self.objects.append(obj)
        return len(self.objects)

    def number(self, ref: Any) -> int:
        key = (id(ref.pdf), ref.idnum, ref.generation)
        found = self.numbers.get(key)
        if found is None:
            found = self.numbers[key] = self.new(ref.get_object())
        return found

    def emit(self, obj: Any, out: list[bytes]) -> None:
        indirect, stream, dictionary, array, name, number = self._types
        if isinstance(obj, name):
            out.append(_NAMES.get(obj) or _name(obj))
        elif isinstance(obj, indirect):
            out.append(b"%d 0 R" % self.number(obj))
        elif isinstance(obj, number):
            out.append(b"%d" % obj)
        elif isinstance(obj, dictionary):
            self.emit_dict(obj, out, stream)
        elif isinstance(obj, array):
            out.append(b"[")
            for item in obj:
                out.append(b" ")
                self.emit(item, out)
            out.append(b" ]")
        elif isinstance(obj, _Ref):
            out.append(b"%d 0 R" % obj.number)
        else:  # a number, string, boolean or null: no reference inside
            buf = io.BytesIO()
            obj.write_to_stream(buf)
            out.append(buf.getvalue())

    def emit_dict(self, obj: Any, out: list[bytes], stream: type) -> None:
        is_stream = isinstance(obj, stream)
        if is_stream and not obj._data and getattr(obj, "_operations", None):
            obj.get_data()  # a parsed content stream: its bytes again (as pypdf does)
        override = self.overrides.get(id(obj), {})
        if self.refuse_pages and not override and dict.get(obj, "/Type") == "/Page":
            raise Unsupported("the page reaches another page")
        out.append(b"<<\n")
        for key, value in dict.items(obj):
            if key in override:
                value = override[key]
                if value is None:
                    continue
            elif is_stream and key == "/Length":
                continue
            elif key[:2] == "/%" and key[-1:] == "%" and len(key) > 2:
                continue  # pypdf's own bookkeeping, never written
            out.append(_NAMES.get(key) or _name(key))
            out.append(b" ")
            self.emit(value, out)
            out.append(b"\n")
        for key, value in override.items():
            if value is not None and key not in obj:
                out.append(_name(key) + b" ")
                self.emit(value, out)
                out.append(b"\n")
        if is_stream:
            data = obj._data
            out.append(b"/Length %d\n>>\nstream\n" % len(data))
            out.append(data)
            out.append(b"\nendstream")
        else:
            out.append(b">>")

    def pdf(self, root: int, info: int | None) -> bytes:
        """Every object numbered so far and all they reach, in number order."""
        out: list[bytes] = [self.header]
        offsets = []
        position = len(self.header)
        n = 0
        while n < len(self.objects):  # grows as references are met
            parts = [b"%d 0 obj\n" % (n + 1)]
            self.emit(self.objects[n], parts)
            parts.append(b"\nendobj\n")
            offsets.append(position)
            chunk = b"".join(parts)
            out.append(chunk)
            position += len(chunk)
            n += 1
        out.append(b"xref\n0 %d\n0000000000 65535 f \n" % (n + 1))
        out.extend(b"%010d 00000 n \n" % offset for offset in offsets)
        trailer = b"trailer\n<<\n/Size %d\n/Root %d 0 R\n" % (n + 1, root)
        if info is not None:
            trailer += b"/Info %d 0 R\n" % info
        out.append(trailer + b">>\nstartxref\n%d\n%%%%EOF\n" % position)
        return b"".join(out)


def _name(name: str) -> bytes:
    from pypdf.generic import NameObject

    found = _NAMES.get(name)
    if found is None:
        found = NameObject(name).renumber()
        if len(_NAMES) < 10_000:
            _NAMES[name] = found
    return found


def document_pdf(reader: Any) -> bytes:
    """The whole document of ``reader``, as its objects are now."""
    writer = _Writer(reader)
    trailer = dict.get(reader.trailer, "/Root"), dict.get(reader.trailer, "/Info")
    root = writer.number(trailer[0])
    info = writer.number(trailer[1]) if trailer[1] is not None else None
    return writer.pdf(root, info)


def page_pdf(page: Any, reader: Any) -> bytes:
    """One page of ``reader`` as a document of its own (see the module
    docstring); raises :class:`Unsupported` if it reaches another page."""
    writer = _Writer(reader)
    writer.refuse_pages = True
    return _pages_document(writer, [(reader, [page])], outlines=False)


def preload(reader: Any) -> None:
    """Parse every object ``reader``'s document reaches (and its page
    list), so that writing it later only writes: for all-notices.pdf the
    chunks are read as the workers hand them in, and joined at the end
    (parsing is ~5/6 of joining 14 chunks of 150 doors)."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    _ = reader.pages[0] if len(reader.pages) else None
    seen: set[tuple[int, int]] = set()
    todo = [dict.get(reader.trailer, "/Root"), dict.get(reader.trailer, "/Info")]
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            todo.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)


# What a joined document keeps of each part's catalog; a part with anything
# else (named destinations, forms, a structure tree) is joined by pypdf.
_JOINABLE = frozenset({"/Type", "/Pages", "/Outlines", "/Lang"})


def joined_pdf(readers: list[Any]) -> bytes:
    """The pages of ``readers`` one after the other as one document, their
    outlines (WeasyPrint's bookmarks: one per building) joined in the same
    order; the first part's language and /Info. Raises
    :class:`Unsupported` for a part whose catalog holds more."""
    for reader in readers:
        extra = set(reader.trailer["/Root"]) - _JOINABLE
        if extra:
            raise Unsupported(f"catalog entries {sorted(extra)}")
    return _pages_document(_Writer(readers[0]), [(reader, list(reader.pages)) for reader in readers], outlines=True)


def _pages_document(writer: _Writer, parts: list[tuple[Any, list[Any]]], *, outlines: bool) -> bytes:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, NumberObject

    first = parts[0][0]
    source = first.trailer["/Root"]
    info = dict.get(first.trailer, "/Info")
    info_number = writer.number(info) if info is not None else None
    catalog = DictionaryObject({NameObject("/Type"): NameObject("/Catalog")})
    root = writer.new(catalog)
    count = sum(len(pages) for _reader, pages in parts)
    tree = writer.new(DictionaryObject({NameObject("/Type"): NameObject("/Pages"), NameObject("/Count"): NumberObject(count)}))
    dict.__setitem__(catalog, NameObject("/Pages"), _Ref(tree))  # pypdf takes only its own types
    if "/Lang" in source:
        catalog[NameObject("/Lang")] = source["/Lang"]
    kids = []
    for _reader, pages in parts:
        for page in pages:
            # pypdf's page object, not the dictionary its reference leads
            # to: the page has the attributes it inherits from the source's
            # tree (and the changes made to it) only there. References to
            # the page (an outline's destination) lead to it.
            number = writer.new(page)
            ref = page.indirect_reference
            if ref is not None:
                writer.numbers[(id(ref.pdf), ref.idnum, ref.generation)] = number
            # Written with the new tree for its parent; /StructParents points
            # into the source's structure tree, left behind (as
            # PdfWriter.add_page does).
            writer.overrides[id(page)] = {"/Parent": _Ref(tree), "/StructParents": None}
            kids.append(_Ref(number))
    dict.__setitem__(writer.objects[tree - 1], NameObject("/Kids"), ArrayObject(kids))
    if outlines:
        _join_outlines(writer, catalog, [reader for reader, _pages in parts])
    return writer.pdf(root, info_number)


def _join_outlines(writer: _Writer, catalog: Any, readers: list[Any]) -> None:
    """One outline of the parts' outlines: each part's top-level items,
    chained after the last part's, under a new root (their /Parent, /Prev
    and /Next overridden; items further down keep theirs)."""
    from pypdf.generic import DictionaryObject, NameObject, NumberObject

    tops = []  # (first item's reference, last item's reference, items, count)
    for reader in readers:
        ref = dict.get(reader.trailer["/Root"], "/Outlines")
        outline = ref.get_object() if ref is not None else None
        if outline is None or dict.get(outline, "/First") is None:
            continue
        items = []
        item = outline["/First"].get_object()
        seen: set[int] = set()
        while item is not None and id(item) not in seen:
            seen.add(id(item))
            items.append(item)
            following = dict.get(item, "/Next")
            item = following.get_object() if following is not None else None
        tops.append((dict.get(outline, "/First"), dict.get(outline, "/Last"), items, int(outline.get("/Count", len(items)))))
    if not tops:
        return
    top = DictionaryObject({NameObject("/Count"): NumberObject(sum(t[3] for t in tops))})
    number = writer.new(top)
    dict.__setitem__(top, NameObject("/First"), tops[0][0])
    dict.__setitem__(top, NameObject("/Last"), tops[-1][1])
    for k, (_first, _last, items, _count) in enumerate(tops):
        for item in items:
            writer.overrides[id(item)] = {"/Parent": _Ref(number)}
        if k > 0:
            writer.overrides[id(items[0])]["/Prev"] = tops[k - 1][1]
        if k + 1 < len(tops):
            writer.overrides[id(items[-1])]["/Next"] = tops[k + 1][0]
    dict.__setitem__(catalog, NameObject("/Outlines"), _Ref(number))

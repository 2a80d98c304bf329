"""Markdown for data fields (descriptions, editor's notes) and HTML sanitising.

One configured Markdown instance renders every short text once, at model
time; templates receive the HTML. Raw HTML from editors goes through an
allow-list sanitiser (nh3, the maintained binding of Rust's ammonia): scripts,
``on*`` handlers and ``javascript:`` URLs never reach a resident's phone, nor
do styles that cover the page or fetch outside URLs, or ids and classes that
Material's JavaScript and the site's own CSS take for the page's chrome.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape, unescape
from typing import Any
from urllib.parse import quote, unquote

import markdown
import nh3

MARKDOWN_EXTENSIONS = ["tables", "sane_lists", "attr_list", "def_list", "footnotes", "md_in_html"]

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "small", "span", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "section", "nav",
    "label", "input", "svg", "path", "time",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "title", "lang", "dir", "role", "aria-label", "aria-hidden", "tabindex"},
    "a": {"href", "name", "target"},
    "img": {"src", "alt", "width", "height", "loading"},
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "col": {"span"},
    "ol": {"start", "type"},
    "time": {"datetime"},
    "input": {"type", "checked", "disabled", "id", "name"},
    "label": {"for"},
    "svg": {"viewbox", "width", "height", "xmlns", "fill", "class"},
    "path": {"d", "fill"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "webcal"}
# What a table cell's style may keep: the tables extension writes
# ``text-align`` for a column's alignment, Word writes ``vertical-align`` and
# ``white-space``. Word's widths (in pt) and borders only make a table wider
# than a phone; position, z-index and backgrounds let a pasted cell cover the
# whole page with fake text and fetch an outside image.
STYLE_PROPERTIES = {"text-align", "vertical-align", "white-space"}
# Material reads its configuration from <script id="__config"> and names its
# own elements "__drawer", "__search", "__nav_1"…; an editor's id of that
# form stops every script on the page, or shadows a global of the theme's
# (window.__md_scope). Classes with the theme's prefixes (Material's md-, the
# site's gs- and the notice sheets' nt-) would dress pasted text as the
# site's header, search or notices. Heading ids (toc), footnote ids
# ("fn:1", "fnref:1") and classes ("footnote", "footnote-ref"), admonitions
# ("admonition", "note") have none of these forms and pass.
_THEME_ID = re.compile(r"__")
_THEME_CLASS = re.compile(r"(md|gs|nt)-", re.I)
_ID_ATTRIBUTES = {"id", "name", "for"}

# As mkdocs.yml's footnotes setting: the back link's title is a tooltip that
# residents see, and the extension's own is English.
_EXTENSION_CONFIGS = {"footnotes": {"BACKLINK_TITLE": "返回正文第 %d 处"}}
_md = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS, output_format="html")


# Every inline pattern of Python-Markdown 3.11 (pinned) and of the extensions
# in mkdocs.yml, by its regular expression: each match begins at one of
# ` \ [ < & * _ or at the two spaces of "  \n" (backtick, escape, the links,
# images, references and footnotes, autolink, automail, raw HTML, entity,
# emphasis, line break). Text without any of these matches none of them.
_INLINE_PATTERNS = frozenset({
    r"(?:(?<!\\)((?:\\{2})+)(?=`+)|(?<!\\)`)", r"\\(.)", r"\[\^([^\]]*)\]", r"(?<!\!)\[", r"\!\[",
    r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>]*)>", r"<([^<> !]+@[^@<> ]+)>", r"  \n",
    r"""(<(\/?+[a-zA-Z][^\s"'<>@]*+(?:\s+[^\s"'=<>]++(?:\s*+=\s*+(?:"[^"]*+"|'[^']*+'|[^\s"'=<>]++))?+)*+\s*+/?"""
    r"""|!--(?:(?!<!--|-->).)*--|[?](?:(?!<[?]|[?]>).)*[?]|!\[CDATA\[(?:(?!<!\[CDATA\[|\]\]>).)*\]\])>)""",
    r"(&(?:\#[0-9]+|\#x[0-9a-fA-F]+|[a-zA-Z0-9]+);)", r"\*|_",
})
_INLINE_START = re.compile(r"[`\\\[<&*_]|  \n")


def quick_inline(md: markdown.Markdown) -> bool:
    """Let ``md`` pass over text that no inline pattern can match: one
    search for the characters a match begins at, where Python-Markdown
    searches the text once for each of its 15 patterns. Installed only
    when every pattern registered is one of :data:`_INLINE_PATTERNS` (an
    extension or a Markdown version with another leaves ``md`` as it is);
    returns whether it was.

    Why: the inline patterns' searches were Python-Markdown's largest cost
    in a cold build at bench scale L (py-spy: 109 of the main process's
    1,810 samples; Chinese paragraphs seldom hold any of these characters).
    tests/test_markup.py converts the same texts with and without it."""
    from markdown.treeprocessors import InlineProcessor

    inline: Any = md.treeprocessors["inline"] if "inline" in md.treeprocessors else None
    if type(inline) is not InlineProcessor or any(p.compiled_re.pattern not in _INLINE_PATTERNS for p in md.inlinePatterns):
        return False
    handle = inline._InlineProcessor__handleInline

    def handle_inline(data: str, patternIndex: int = 0) -> str:  # noqa: N803 (Python-Markdown's name)
        # An AtomicString (a subclass) is never parsed: handle() returns it.
        if type(data) is str and _INLINE_START.search(data) is None:
            return data
        return handle(data, patternIndex)

    inline._InlineProcessor__handleInline = handle_inline
    return True


# Every block processor of Python-Markdown 3.11 (pinned) and of the
# extensions of mkdocs.yml and MARKDOWN_EXTENSIONS, by class name and
# module. Each one's test, or its run when its test always answers yes
# (reference, footnote, md_in_html), looks for one of these at the start of
# a line of the block: a hash (headings), = or - (setext headings, rules,
# lists), * _ + (rules, lists), a digit (ordered lists, any Unicode digit
# as their \d matches), > (quotes), [ (references, footnotes), ! (admonitions),
# : (definitions), or leading spaces (code, indented content); or for a |
# anywhere (tables), a raw-HTML placeholder (md_in_html) or an empty block.
_BLOCK_PROCESSORS = frozenset({
    ("markdown.blockprocessors", name) for name in (
        "EmptyBlockProcessor", "ListIndentProcessor", "CodeBlockProcessor", "HashHeaderProcessor",
        "SetextHeaderProcessor", "HRProcessor", "OListProcessor", "UListProcessor", "BlockQuoteProcessor",
        "ReferenceProcessor", "ParagraphProcessor")
} | {
    ("markdown.extensions.tables", "TableProcessor"), ("markdown.extensions.sane_lists", "SaneOListProcessor"),
    ("markdown.extensions.sane_lists", "SaneUListProcessor"), ("markdown.extensions.def_list", "DefListProcessor"),
    ("markdown.extensions.def_list", "DefListIndentProcessor"), ("markdown.extensions.footnotes", "FootnoteBlockProcessor"),
    ("markdown.extensions.md_in_html", "MarkdownInHtmlProcessor"), ("markdown.extensions.admonition", "AdmonitionProcessor"),
})
_NOT_PLAIN_BLOCK = re.compile(r"(?m)^[ \t#=*_+>\[!:\-]|^\d|[|\x02\x03]")


def quick_blocks(md: markdown.Markdown) -> bool:
    """Let ``md`` make a paragraph of a block no other block processor can
    take without asking each of them: one search for what their tests look
    for (:data:`_NOT_PLAIN_BLOCK`), where Python-Markdown runs ~16 tests,
    most of them regular expressions, on every block. Installed only when
    every block processor registered is one of :data:`_BLOCK_PROCESSORS`
    and the last is the paragraph's; returns whether it was.

    Why: the block tests were most of Python-Markdown's block parsing in a
    cold build at bench scale L, which was 66 of the 146 py-spy samples of
    its conversions (Chinese paragraphs start with none of those
    characters); L's 5,001 bulletins converted 2.33 s -> 1.67 s, the same
    HTML. tests/test_markup.py converts the same texts with and without it."""
    from markdown.blockprocessors import ParagraphProcessor

    parser = md.parser
    processors = list(parser.blockprocessors)
    if not processors or type(processors[-1]) is not ParagraphProcessor:
        return False
    if any((type(p).__module__, type(p).__name__) not in _BLOCK_PROCESSORS for p in processors):
        return False
    paragraph = processors[-1]

    def parse_blocks(parent: Any, blocks: list[str]) -> None:
        # BlockParser.parseBlocks (3.11.3) with the shortcut; for any other
        # block the registry is read on each call, as there.
        while blocks:
            block = blocks[0]
            if block and block[0] != "\n" and _NOT_PLAIN_BLOCK.search(block) is None:
                paragraph.run(parent, blocks)
                continue
            for processor in parser.blockprocessors:
                if processor.test(parent, blocks[0]) and processor.run(parent, blocks) is not False:
                    break

    parser.parseBlocks = parse_blocks
    return True


quick_inline(_md)
quick_blocks(_md)

_DANGER_RE = re.compile(r"<\s*(script|iframe|object|embed|style)\b|\son[a-z]+\s*=|javascript\s*:", re.I)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter: drop the theme's ids and classes."""
    if attribute in _ID_ATTRIBUTES:
        return None if _THEME_ID.match(value.strip()) else value
    if attribute == "class":
        kept = [c for c in value.split() if not _THEME_CLASS.match(c)]
        return " ".join(kept) if kept else None
    return value


def theme_safe_slugify(inner: Callable[[str, str], str]) -> Callable[[str, str], str]:
    """The table of contents' slugify, giving no heading an id the sanitiser
    drops (``__``: the theme's, above): "## __init__ 说明" got the id
    "__init__-说明", which was dropped, and its entry in the table of
    contents led nowhere."""
    if getattr(inner, "theme_safe", False):
        return inner

    def slugify(value: str, separator: str) -> str:
        slug = inner(value, separator)
        return (slug.lstrip("_") or "section") if slug.startswith("__") else slug

    slugify.theme_safe = True  # type: ignore[attr-defined]
    return slugify


# Cheap tests first: most pages have no raw-text tag and nothing
# _keep_attribute would drop, and nh3 calls the filter for every attribute
# it keeps. 1,000 bulletins of bench scale L: 0.06 s sanitised before these
# rules, 0.11 s with them unguarded. Lower case is enough for the theme's
# marks: class names match CSS selectors case-sensitively.
_THEME_MARKS = ("__", "md-", "gs-", "nt-")


def sanitize(html: str) -> str:
    """Remove everything not on the allow-list."""
    return nh3.clean(
        _open_raw_text(html) if _RAW_OPEN.search(html) else html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_attribute if any(mark in html for mark in _THEME_MARKS) else None,
        filter_style_properties=STYLE_PROPERTIES,
        url_schemes=URL_SCHEMES,
        link_rel=None,
        strip_comments=True,
    )


# Invisible characters pasted from WeChat and Word: a zero-width space, a
# word joiner, a byte-order mark in mid-text. They mean nothing in Chinese
# text, and inside a phone number or a word they break tapping to call and
# finding the word. (Zero-width joiners stay: they hold emoji together.)
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))
_INVISIBLE_RE = re.compile("[\u200b\u2060\ufeff]")


def without_invisible(text: str) -> str:
    """``text`` without the pasted invisible characters above."""
    return text.translate(_INVISIBLE) if _INVISIBLE_RE.search(text) else text


def dangerous_html(text: str) -> str | None:
    """The first dangerous construct in raw text, to report it to the editor."""
    m = _DANGER_RE.search(text)
    return m.group(0).strip() if m else None


def dangerous_spots(text: str) -> list[tuple[int, str]]:
    """(offset, construct) of every dangerous construct in raw text: each
    is removed on publishing, and the editor should delete each."""
    found = []
    for m in _DANGER_RE.finditer(text):
        shown = m.group(0).strip()
        found.append((m.start() + m.group(0).index(shown), shown))
    return found


# A pure function of the text; `serve` reloads the model on every save and
# would otherwise convert thousands of unchanged descriptions again.
@functools.lru_cache(maxsize=1 << 14)
def render_markdown(text: str, here: str = "data", base: str = "/") -> str:
    """Markdown → sanitised HTML (for short fields, not whole articles).

    A link to a content .md file, relative to ``here`` (the folder of the
    file the text is written in, relative to content/), becomes the URL of
    that page under ``base`` (the path of the site's address): the HTML is
    made once for every page that shows it (a team's description on the
    teams page and the home page's welcome are at different depths), so no
    page-relative URL fits all. MkDocs does this for articles, never for
    HTML a template inserts."""
    if not text.strip():
        return ""
    _md.reset()
    html = sanitize(_md.convert(without_invisible(text)))
    return _HREF_RE.sub(lambda m: m.group(1) + _page_url(m.group(2), here, base) + '"', html) if ".md" in html else html


_HREF_RE = re.compile(r'(<a\b[^>]*?\shref=")([^"]*)"')
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def md_link_target(href: str, here: str) -> str | None:
    """The content .md file (relative to content/) a relative link written
    in a file of folder ``here`` points at, or None if it is no such link
    (another URL, a "/" path, outside content/). Whether the file exists
    is the checks' business (checks.check_data_links)."""
    path = unquote(href.split("#", 1)[0].split("?", 1)[0]).strip()
    if not path.endswith(".md") or path.startswith("/") or _SCHEME_RE.match(path):
        return None
    resolved = posixpath.normpath(posixpath.join(here, path))
    return None if resolved == ".." or resolved.startswith("../") else resolved


def _page_url(href: str, here: str, base: str) -> str:
    written = unescape(href)
    rel = md_link_target(written, here)
    if rel is None:
        return href
    from .pages import url_of  # pages imports the model and notices, which import this

    cut = min((i for i in (written.find("#"), written.find("?")) if i >= 0), default=len(written))
    return escape(base + quote(url_of(rel)) + written[cut:], quote=True)


# Elements whose content the HTML parser reads as text up to their end tag:
# without one, the rest of the article is inside them (and <plaintext> has
# no end tag at all). A Word paste that lost its </style> is the usual case.
RAW_TEXT_TAGS = ("script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript", "plaintext")
_RAW_OPEN = re.compile(r"<(" + "|".join(RAW_TEXT_TAGS) + r")(?=[\s/>])[^>]*>?", re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _blank_comments(html: str) -> str:
    """Comments as spaces: a tag inside one is not a tag, offsets stay."""
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), html)


def _never_closed(html: str, m: re.Match[str]) -> bool:
    name = m.group(1)
    if name.lower() == "plaintext":
        return True
    return re.compile(r"</" + name + r"(?=[\s/>])", re.I).search(html, m.end()) is None


def _unclosed(html: str) -> re.Match[str] | None:
    """The first raw-text start tag in HTML with no end tag after it."""
    return next((m for m in _RAW_OPEN.finditer(html) if _never_closed(html, m)), None)


def _open_raw_text(html: str) -> str:
    """Drop raw-text start tags that are never closed, so the text after
    them is published instead of swallowed (bulletins with one do not build,
    see unclosed_raw_text(); other pages get this last resort)."""
    while (m := _unclosed(_blank_comments(html))) is not None:
        html = html[: m.start()] + html[m.end() :]
    return html


def unclosed_raw_text(text: str) -> tuple[str, int] | None:
    """A raw-text start tag (<style>, <script>, <textarea>…) in Markdown
    that is never closed: its tag name and its offset in the text.

    Only what Python-Markdown passes through as HTML counts: a tag written
    as code (`<style>`) comes out escaped and is harmless."""
    if _unclosed(text) is None:
        return None
    _md.reset()
    found = _unclosed(_blank_comments(_md.convert(text)))
    if found is None:
        return None
    tag = found.group(1).lower()
    for m in _RAW_OPEN.finditer(text):
        before = text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
        if m.group(1).lower() == tag and before.count("`") % 2 == 0 and _never_closed(text, m):
            return tag, m.start()
    return tag, 0


def plain_text(html: str) -> str:
    """HTML → text for feeds, calendars and digests."""
    text = re.sub(r"<(br|/p|/li|/h\d|/tr)\b[^>]*>", "\n", html)
    text = re.sub(r"<[^>]+>", "", text)
    text = (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
        .replace("&#39;", "'").replace("&nbsp;", " ").replace("&amp;", "&")
    )
    return re.sub(r"\n{2,}", "\n", text).strip()


_KEEP_SPACE = re.compile(r"(<(pre|textarea|script)\b.*?</\2\s*>)", re.S | re.I)
# A newline and the blank lines and indentation after it; a newline followed
# by text is not matched at all (replacing it with itself was 15 % of the time).
_INDENT = re.compile(r"\n[\n \t]+")


def strip_indentation(html: str) -> str:
    """Drop the templates' indentation and blank lines from a page: ~20 %
    of a page's bytes at district scale (19,000 pages), and no change to
    what is displayed — every run of whitespace still holds a newline, which
    HTML renders as the one space it rendered before. ``<pre>``, ``<textarea>``
    and ``<script>`` keep their text exactly."""
    return StripPiece.of(html).text


# A kept element's start tag (_KEEP_SPACE's), matched or not.
_KEPT_START = re.compile(r"<(?:pre|textarea|script)\b", re.I)
_LONGEST_START = len("<textarea")
# What _INDENT takes for indentation and blank lines.
_SPACES = "\n \t"


@dataclass(frozen=True)
class StripPiece:
    """A piece of a page with :func:`strip_indentation` done on it alone,
    and what :func:`join_stripped` must know to tell whether that is what
    stripping the joined page makes of it."""

    raw: str  # the piece
    text: str  # the piece, stripped
    open_kept: bool  # it holds a kept element's start tag that does not end in it

    @classmethod
    def of(cls, piece: str) -> StripPiece:
        if "\n" not in piece and "<" not in piece:  # a page's title or address: nothing to strip or keep
            return cls(piece, piece, False)
        parts = _KEEP_SPACE.split(piece)
        # split() with two groups yields [text, whole match, tag name, text, …]
        out = []
        open_kept = False
        for i in range(0, len(parts), 3):
            out.append(_INDENT.sub("\n", parts[i]))
            # A start tag between the kept elements found is one that did
            # not end: in a longer page it may end further on.
            open_kept = open_kept or _KEPT_START.search(parts[i]) is not None
            if i + 1 < len(parts):
                out.append(parts[i + 1])
        return cls(piece, "".join(out), open_kept)


def join_stripped(pieces: Sequence[StripPiece]) -> str | None:
    """``strip_indentation`` of the pieces joined, made of the pieces
    stripped alone; None if a join could make it differ: a kept element or
    its start tag across a join, or a run of whitespace across a whole
    piece. A run across a join is one newline, as the piece before it ends.

    Why: a page made from a shell (render.PageShells) is a few fixed pieces
    around the page's own parts; the fixed pieces are stripped once, and
    only the page's own parts for each page (strip_indentation of a whole
    page: ~60 us, ~17,000 such pages at bench scale L)."""
    raw = "".join(p.raw for p in pieces)
    out = []
    at = 0
    in_run = False  # the text so far ends in whitespace holding a newline
    for p in pieces:
        if not p.raw:
            continue
        text = p.text
        if in_run and p.raw[0] in _SPACES:
            # The run goes on: it is the newline the text so far ends with.
            text = text.lstrip(_SPACES)
            if not text:
                return None
        out.append(text)
        at += len(p.raw)
        if at == len(raw):
            break
        if p.open_kept:
            return None
        for m in _KEPT_START.finditer(raw, max(0, at - _LONGEST_START), at + _LONGEST_START + 1):
            if m.start() < at < m.end():
                return None
        back = at
        in_run = False
        while back and raw[back - 1] in _SPACES:
            back -= 1
            if raw[back] == "\n":
                in_run = True
                break
    return "".join(out)


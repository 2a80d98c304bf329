"""Content-level checks on a valid model: what is well-formed but probably wrong.

The validate stage refuses what cannot be published. These checks run after it,
on the assembled model, and mostly warn: a broken link, a missing image, two
activities booked into one room at the same time. (Two are errors: an
editor's page at the URL of a generated page, and a link to a content .md
file that is not there, which ``check_dead_links`` finds before anything is
rendered.) ``check`` prints them, the MkDocs build logs them through the
plugin logger (so ``--strict`` fails on them). No MkDocs here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from difflib import SequenceMatcher
from html import unescape
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote

from markdown.util import BLOCK_LEVEL_ELEMENTS

from . import queries
from .a11y import missing_alt
from .errors import Location, Problems
from .load import Article
from .markup import md_link_target
from .model import Activity, FieldText, Occurrence, Site
from .pages import generated_pages, url_of
from .strings import strings
from .validate import nearest

_TEXT = r"(?:[^\[\]\\]|\\.|\[(?:[^\[\]\\]|\\.)*\])*"  # link text, one level of [brackets] inside
_DEST = r"\(\s*(?:<(?P<angle>[^>\n]*)>|(?P<plain>[^)\s]+))(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
# Markdown images and links: ![alt](src "title"), [text](target), <target>.
# Separately, so that both of [![alt](photo.jpg)](page.md) are found.
_MD_IMAGE_RE = re.compile(r"!\[(?P<text>" + _TEXT + r")\]" + _DEST)
_MD_LINK_RE = re.compile(r"(?<![!\\])\[(?P<text>" + _TEXT + r")\]" + _DEST)
# Reference links: [text][label], [text][], [label] with "[label]: target"
# anywhere in the text (Python-Markdown's ReferenceProcessor).
_REF_DEF_RE = re.compile(r"^[ \t]*\[(?P<label>[^\[\]^][^\[\]]*)\]:[ \t]*\n?[ \t]*(?P<target>\S+)", re.M)
_REF_FULL_RE = re.compile(r"(?P<img>!?)\[(?P<text>" + _TEXT + r")\]\s?\[(?P<label>[^\[\]]*)\]")
_REF_SHORT_RE = re.compile(r"(?P<img>!?)\[(?P<text>[^\[\]^][^\[\]]*)\](?![\[(:])")
# attr_list after an image: ![](x.png){: alt="…" } gives the alt text.
_ATTR_ALT_RE = re.compile(r"\{[^}\n]*(?<![\w-])alt\s*=\s*[\"']?\s*[^\s\"'}]")
# Raw HTML an editor pasted (Word, WeChat): <a href="…">, <img src=…>, the
# value quoted or not, the tag over several lines.
_HTML_TAG_RE = re.compile(r"<(?P<tag>a|img)\b(?:[^>\"']|\"[^\"]*\"|'[^']*')*>", re.I)
_HTML_ATTR_RE = re.compile(r"""(?<![\w-])(?P<name>href|src|alt|data-src)\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'=<>`]+))""", re.I)
_COMMENT_RE = re.compile(r"<!--.*?-->", re.S)
_CODE_SPAN_RE = re.compile(r"(?<![\\`])(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
# A block-level start tag at the start of a line opens raw HTML that
# Python-Markdown copies as it is, blank lines and all, to its closing tag.
_HTML_BLOCK_RE = re.compile(r"^ {0,3}<(?P<tag>[a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>", re.M)
_BLOCK_TAGS = frozenset(BLOCK_LEVEL_ELEMENTS)
# What opens a container whose blocks are indented 4 spaces: a list item,
# an admonition, a footnote, a definition.
_CONTAINER_RE = re.compile(r"^[ \t]*(?:\d+\.[ \t]|[*+-][ \t]|[!?]{3}\+?[ \t]|\[\^[^\]]+\]:|:[ \t])")
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# A path on the editor's own computer (Word's file:///C:/…/clip_image002.jpg,
# C:\Users\…\现场.jpg, \\server\share\…): no single-letter URL scheme exists.
_LOCAL_RE = re.compile(r"^(?:file:|[a-zA-Z]:|\\\\)", re.I)
# WeChat articles' image server (mmbiz.qpic.cn): it answers other sites
# with a picture saying 此图片来自微信公众平台 未经允许不可引用.
_WECHAT_IMAGE_RE = re.compile(r"^(?:https?:)?//[^/]*\bqpic\.cn/", re.I)


class Target(NamedTuple):
    """A link or image of an article's body, as Python-Markdown will render it."""

    line: int
    col: int  # of the target as written
    target: str
    is_image: bool
    alt: str | None = None  # an image's text alternative; None if not a plain image
    html: bool = False  # written as an HTML tag
    start: int = 0  # column of the image's first character
    lazy: str = ""  # an <img>'s data-src when it has no src (WeChat's lazy loading)


# serve: rel → (the article, its links and images), kept while a rebuild
# hands back the same article object (load.FileCache: the file's bytes are
# the same), so a save does not parse every article's links again.
TargetCache = dict[str, tuple[Article, list[Target]]]


def check_site(content_dir: Path, articles: Iterable[Article], site: Site, p: Problems, cache: TargetCache | None = None) -> None:
    """Every content-level problem of the site, added to ``p``: one error
    (a page clashing with a generated one), the rest warnings. (Dead links
    to .md files: check_dead_links, with the model.)"""
    articles = list(articles)
    check_page_clashes(articles, site, p)
    check_links(content_dir, articles, site, p, cache)
    check_venue_overlaps(site, p)
    check_notice_text(site, p, content_dir.name)
    check_future_bulletins(articles, site, p)


def check_page_clashes(articles: list[Article], site: Site, p: Problems) -> None:
    """An editor's page at the URL of a generated page (content/buildings/gy-01.md
    and building gy-01) would silently replace one of them: an error."""
    # By URL: bulletins/columns/tongzhi/index.md is the column page's
    # bulletins/columns/tongzhi/ as much as bulletins/columns/tongzhi.md.
    generated = {spec.url: spec for spec in generated_pages(site)}
    for article in articles:
        spec = generated.get(url_of(article.rel))
        if spec is not None and article.rel not in site.drafts:
            p.error(Location(article.shown), f"与自动生成的页面“{spec.title}”（{spec.url}）网址相同", "请给这个文件改名或移到别的文件夹")


# ---------------------------------------------------------------------------
# links and images


def _targets(article: Article) -> list[Target]:
    """Each link and image of the body that Python-Markdown renders as one,
    in the order written: inline, reference-style and raw HTML, in list
    items and other indented blocks, but not in code."""
    return _text_targets(article.body, article.body_line)


def _text_targets(body: str, first_line: int) -> list[Target]:
    if "[" not in body and "<" not in body:
        return []  # most bulletins: no link, no image
    lines = _Lines(body, first_line)
    # Comments are copied as they are, never shown; raw HTML blocks are
    # HTML, the Markdown in them left as text; code is neither.
    plain = _COMMENT_RE.sub(_blank, body)
    markdown = _blank_ranges(plain, _raw_html(plain), _RAW)
    code = _code(markdown)
    markdown, html = _blank_ranges(markdown, code), _blank_ranges(plain, code)
    found: list[tuple[int, Target]] = []
    spans = []
    for regex, is_image in ((_MD_IMAGE_RE, True), (_MD_LINK_RE, False)):
        for m in regex.finditer(markdown):
            spans.append(m.span())
            group = "angle" if m.group("angle") is not None else "plain"
            alt = None if not is_image or _ATTR_ALT_RE.match(markdown, m.end()) else _unescape_md(m.group("text"))
            found.append((m.start(), lines.target(m.start(group), m.group(group), is_image, alt, m.start())))
    found += _reference_targets(markdown, spans, lines)
    for m in _HTML_TAG_RE.finditer(html):
        attrs = {a.group("name").lower(): a for a in _HTML_ATTR_RE.finditer(m.group(0))}
        is_image = m.group("tag").lower() == "img"
        value = attrs.get("src" if is_image else "href")
        alt_attr = attrs.get("alt")
        alt_text = None if not is_image else unescape(_attr_value(alt_attr)) if alt_attr is not None else ""
        if value is None:
            if is_image:
                lazy = attrs.get("data-src")
                found.append((m.start(), lines.target(m.start(), "", True, alt_text, m.start(), html=True,
                                                     lazy=_attr_value(lazy) if lazy is not None else "")))
            continue
        group = next(g for g in ("dq", "sq", "bare") if value.group(g) is not None)
        found.append((m.start(), lines.target(m.start() + value.start(group), value.group(group), is_image, alt_text, m.start(), html=True)))
    return [t for _, t in sorted(found, key=lambda pair: pair[0])]


def _reference_targets(markdown: str, inline: list[tuple[int, int]], lines: _Lines) -> list[tuple[int, Target]]:
    """[text][label] and [label] with their "[label]: target", reported
    where the target is written, once per definition (and kind) used.
    ``inline``: where the inline links and images are."""
    defs: dict[str, re.Match[str]] = {}
    for m in _REF_DEF_RE.finditer(markdown):
        defs[_label(m.group("label"))] = m  # the last one counts
    if not defs:
        return []
    text = _REF_DEF_RE.sub(_blank, _blank_ranges(markdown, inline))
    used: dict[tuple[str, bool], tuple[int, str]] = {}
    for m in _REF_FULL_RE.finditer(text):
        label = _label(m.group("label") or m.group("text"))
        if label in defs:
            used.setdefault((label, bool(m.group("img"))), (m.start(), m.group("text")))
    text = _REF_FULL_RE.sub(_blank, text)
    for m in _REF_SHORT_RE.finditer(text):
        label = _label(m.group("text"))
        if label in defs:
            used.setdefault((label, bool(m.group("img"))), (m.start(), m.group("text")))
    found = []
    for (label, is_image), (at, alt) in used.items():
        d = defs[label]
        target = d.group("target")
        offset = d.start("target")
        if target.startswith("<") and target.endswith(">"):
            target, offset = target[1:-1], offset + 1
        found.append((at, lines.target(offset, target, is_image, _unescape_md(alt) if is_image else None, at)))
    return found


class _Lines:
    """Line and column, in the file, of an offset in an article's body."""

    def __init__(self, body: str, first_line: int):
        self.body = body
        self.first_line = first_line

    def where(self, offset: int) -> tuple[int, int]:
        # Counted for each: most articles have a few links, if any.
        return self.first_line + self.body.count("\n", 0, offset), offset - self.body.rfind("\n", 0, offset)

    def target(self, offset: int, target: str, is_image: bool, alt: str | None, start: int, html: bool = False, lazy: str = "") -> Target:
        line, col = self.where(offset)
        start_line, start_col = self.where(start)
        return Target(line, col, target, is_image, alt, html, start_col if start_line == line else 1, lazy)


def _blank(m: re.Match[str]) -> str:
    """The match as spaces, its line breaks kept: offsets stay put."""
    return re.sub(r"[^\n]", " ", m.group(0))


def _blank_ranges(text: str, ranges: Iterable[tuple[int, int]], fill: str = " ") -> str:
    parts, last = [], 0
    for start, end in sorted(ranges):
        if start < last:
            continue
        parts += [text[last:start], re.sub(r"[^\n]", fill, text[start:end])]
        last = end
    return "".join(parts) + text[last:] if parts else text


def _raw_html(text: str) -> list[tuple[int, int]]:
    """Raw HTML blocks: from a block-level start tag at the start of a line
    to its closing tag (or the end), as Python-Markdown's HTML extractor
    reads them. With markdown="1" (md_in_html) their content is Markdown."""
    found: list[tuple[int, int]] = []
    last = 0
    for m in _HTML_BLOCK_RE.finditer(text):
        tag = m.group("tag").lower()
        if m.start() < last or tag not in _BLOCK_TAGS or re.search(r"(?<![\w-])markdown\s*=", m.group("attrs")):
            continue
        end = len(text)
        if tag == "hr" or m.group("attrs").rstrip().endswith("/"):
            end = m.end()
        else:
            depth = 1
            for t in re.finditer(rf"<(/?){tag}(?=[\s/>])[^>]*>", text[m.end():], re.I):
                depth += -1 if t.group(1) else 1
                if depth == 0:
                    end = m.end() + t.end()
                    break
        found.append((m.start(), end))
        last = end
    return found


# Raw HTML, in the Markdown text: Python-Markdown sets it on lines of its
# own, so what follows its closing tag on the same line starts a new block
# (and is not indented by it).
_RAW = "\0"
# Quote markers ("> ", nested too), read as blanks of the same length: a
# line holding only ">" is a blank line in its quote, and a code block in a
# quote is indented after its markers (Python-Markdown strips them first).
_QUOTED = "\x01"
_QUOTE_RE = re.compile(r"^(?: {0,3}> ?)+", re.M)
_BLANK = " \t" + _RAW + _QUOTED
_INDENTED_RE = re.compile(r"^\x01*(?: {4}| {0,3}\t)", re.M)
# Blocks: text between blank lines.
_BLOCK_RE = re.compile(r"(?:^(?![ \t\0\x01]*$).*(?:\n|$))+", re.M)


def _indent(line: str) -> int:
    """Leading spaces, a tab counting to the next multiple of 4 (as in Python-Markdown)."""
    expanded = line.lstrip(_QUOTED).expandtabs(4)
    return len(expanded) - len(expanded.lstrip(" "))


def _code(text: str) -> list[tuple[int, int]]:
    """Code, as Python-Markdown reads it: indented blocks after a blank line,
    4 spaces deeper than the list item, admonition, footnote or definition
    they are in (if any), in quotes too, and `code spans`, over line breaks too."""
    if ">" in text:
        text = _QUOTE_RE.sub(lambda m: _QUOTED * len(m.group(0)), text)
    if not _INDENTED_RE.search(text):
        # No indented line, no code block: only `code spans`, in a block.
        if "`" not in text:
            return []
        return [(b.start() + m.start(), b.start() + m.end()) for b in _BLOCK_RE.finditer(text) for m in _CODE_SPAN_RE.finditer(b.group(0))]
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    found: list[tuple[int, int]] = []
    containers: list[int] = []  # the indent of the blocks inside each open container
    i, n = 0, len(lines)
    while i < n:
        if not lines[i].strip(_BLANK):
            i += 1
            continue
        indent = _indent(lines[i])
        while containers and containers[-1] > indent:
            containers.pop()
        base = containers[-1] if containers else 0
        j = i
        if indent >= base + 4:
            while j < n and lines[j].strip(_BLANK) and _indent(lines[j]) >= base + 4:
                j += 1
            found.append((starts[i], starts[j] - 1))
            i = j
            continue
        while j < n and lines[j].strip(_BLANK):
            if _CONTAINER_RE.match(lines[j]):
                level = _indent(lines[j]) // 4 * 4 + 4
                while containers and containers[-1] >= level:
                    containers.pop()
                containers.append(level)
            j += 1
        block = text[starts[i]:starts[j] - 1]
        if "`" in block:
            found += [(starts[i] + m.start(), starts[i] + m.end()) for m in _CODE_SPAN_RE.finditer(block)]
        i = j
    return found


def _label(text: str) -> str:
    return " ".join(text.split()).lower()


def _unescape_md(text: str) -> str:
    return re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)


def _attr_value(m: re.Match[str]) -> str:
    return next(v for v in (m.group("dq"), m.group("sq"), m.group("bare")) if v is not None)


def _targets_of(article: Article, cache: TargetCache | None) -> list[Target]:
    if cache is None:
        return _targets(article)
    hit = cache.get(article.rel)
    if hit is not None and hit[0] is article:
        return hit[1]
    found = _targets(article)
    cache[article.rel] = (article, found)
    return found


def _published_md(articles: list[Article], site: Site) -> set[str]:
    """The .md files (relative to content/) that become pages: the
    editors' pages but drafts, and the generated pages' sources."""
    md = {a.rel for a in articles if a.rel not in site.drafts}
    md.update(spec.src_uri for spec in generated_pages(site))
    return md


def check_dead_links(articles: list[Article], site: Site, p: Problems, cache: TargetCache | None = None) -> None:
    """A link to a content .md file that is not there (a typo, a deleted or
    renamed bulletin) is an error. MkDocs publishes such a link as written,
    pointing at a .md file the site does not have: a dead link on every
    resident's phone, where a failed build keeps the last good site
    (cli.cmd_build swaps the new site in only on success). So is a link
    starting with "/" to a .md file, which MkDocs also leaves as it is.
    Run with the model, before anything is rendered, so that ``serve`` shows
    it as an error page. A link to a draft stays a warning (check_links)."""
    published_md: set[str] | None = None
    for article in articles:
        if article.rel in site.drafts:
            continue
        for t in _targets_of(article, cache):
            if t.is_image or _LOCAL_RE.match(t.target.strip()):
                continue
            target = unquote(t.target.split("#", 1)[0].split("?", 1)[0]).strip()
            if not target.endswith(".md") or _SCHEME_RE.match(target) or target.startswith("//"):
                continue
            if published_md is None:
                published_md = _published_md(articles, site)
            here_dir = posixpath.dirname(article.rel)
            absolute = target.startswith("/")
            resolved = posixpath.normpath(posixpath.join(here_dir, target) if not absolute else target.lstrip("/"))
            if not absolute and (resolved in published_md or resolved in site.drafts):
                continue
            loc = Location(article.shown, t.line, t.col)
            record = Path(article.rel).stem
            content = article.shown[: len(article.shown) - len(article.rel)] if article.shown.endswith(article.rel) else "content/"
            if absolute and resolved in published_md:
                relative = posixpath.relpath(resolved, here_dir or ".")
                p.error(loc, f"链接“{t.target}”以“/”开头，网站上不会换成那篇文章的网址，居民点开是死链",
                        f"请写成相对于本文件的路径：“{relative}”", record=record, field="正文")
                continue
            # Never "did you mean" the page the link is in.
            close = _nearest_md(resolved, published_md - {article.rel})
            hint = f"是否想链接到“{posixpath.relpath(close, here_dir or '.')}”？" if close else ""
            if resolved.startswith("../") or resolved == "..":
                p.error(loc, f"链接“{t.target}”指向 {content.rstrip('/')}/ 以外的文件，网站上没有这个页面",
                        hint or f"站内链接请写成相对于本文件的 .md 文件路径，且文件要在 {content.rstrip('/')}/ 里", record=record, field="正文")
                continue
            p.error(loc, f"链接“{t.target}”指向的文章 {content}{resolved} 不存在，发布后是死链",
                    hint or "请检查文件名和文件夹（路径相对于本文件所在的文件夹）；如那篇文章已删去，请删去这个链接",
                    record=record, field="正文")


def check_data_links(articles: list[Article], site: Site, p: Problems, content_dir: Path | None = None) -> None:
    """Links in Markdown fields (an activity's, a team's or a lecture
    series' description, the welcome text, a bulletin's editor_note), as
    check_dead_links and check_links for articles' bodies: a link to a
    content .md file that is not there is an error, a "/" link to a page
    the site does not have a warning. (render_markdown has made the links
    to .md files page URLs.) Reported at the field's line in its file."""
    texts: list[FieldText] = [*site.info.texts, *(t for b in site.bulletins for t in b.texts)]
    for group in (site.teams, site.series, site.activities):
        for record in group.values():
            texts.extend(record.texts)
    if not texts:
        return
    # The pages there are, made at the first link that needs them: most
    # fields link nowhere or to a relative address (the welcome text's
    # places/), and listing every page and its URL took 51-60 ms of each
    # `serve` rebuild at bench scale L (17,000 generated pages).
    known: tuple[set[str], set[str]] | None = None

    def published() -> tuple[set[str], set[str]]:
        nonlocal known
        if known is None:
            md = _published_md(articles, site)
            known = md, {url_of(src) for src in md}
        return known

    static: set[str] | None = None
    for ft in texts:
        content = ft.loc.path[: ft.loc.path.rfind(ft.here + "/")] if ft.here + "/" in ft.loc.path else "content/"
        for t in _text_targets(ft.text, 1):
            raw = t.target
            if t.is_image or _LOCAL_RE.match(raw.strip()):
                continue
            target = unquote(raw.split("#", 1)[0].split("?", 1)[0]).strip()
            if not target or _SCHEME_RE.match(target) or target.startswith("//"):
                continue
            loc = _field_location(ft, t)
            if target.endswith(".md"):
                published_md = published()[0]
                resolved = md_link_target(raw, ft.here)
                if resolved is not None and resolved in published_md:
                    continue
                if resolved is not None and resolved in site.drafts:
                    p.warn(loc, f"链接“{raw}”指向一篇草稿，草稿不会发布", "请等那篇简报发布后再加链接，或删去 draft: true", record=ft.record, field=ft.field)
                    continue
                wanted = resolved or posixpath.normpath(target.lstrip("/"))
                close = _nearest_md(wanted, published_md)
                hint = f"是否想链接到“{posixpath.relpath(close, ft.here)}”？" if close else ""
                if target.startswith("/"):
                    fix = f"请写成相对于本文件的路径：“{posixpath.relpath(wanted, ft.here)}”" if wanted in published_md else hint
                    p.error(loc, f"链接“{raw}”以“/”开头，网站上不会换成那篇文章的网址，居民点开是死链",
                            fix or "请写成相对于本文件的 .md 文件路径，如“../bulletins/文件名.md”", record=ft.record, field=ft.field)
                elif resolved is None:
                    p.error(loc, f"链接“{raw}”指向 {content.rstrip('/')}/ 以外的文件，网站上没有这个页面",
                            hint or "站内链接请写成相对于本文件的 .md 文件路径，如“../bulletins/文件名.md”", record=ft.record, field=ft.field)
                else:
                    p.error(loc, f"链接“{raw}”指向的文章 {content}{resolved} 不存在，发布后是死链",
                            hint or f"请检查文件名和文件夹（路径相对于本文件所在的文件夹 {content}{ft.here}/）；如那篇文章已删去，请删去这个链接",
                            record=ft.record, field=ft.field)
                continue
            if not target.startswith("/"):
                continue  # resolved against each page's own URL: not checked here
            if static is None:
                static = _static_files(content_dir) if content_dir is not None else set()
            published_md, urls = published()
            if _resolves(target, "", "", published_md, urls, static):
                continue
            hint = _nearest(target, "", "", published_md, urls)
            p.warn(loc, f"链接“{raw}”指向的页面不存在", hint or "请检查链接地址；站内文章可写成相对于本文件的 .md 文件路径，如“../bulletins/文件名.md”",
                   record=ft.record, field=ft.field)


def _field_location(ft: FieldText, t: Target) -> Location:
    """Where a link of a data field is in its file: the line exactly when
    the field is a block (description: |) or one line; the column in a
    literal block (its indentation is kept) and on a value's first line."""
    if ft.block:
        return Location(ft.loc.path, ft.loc.line + t.line, ft.indent + t.col if ft.indent else 0)
    if t.line == 1:
        return Location(ft.loc.path, ft.loc.line, ft.loc.col + int(ft.quoted) + t.col - 1)
    return Location(ft.loc.path, ft.loc.line + t.line - 1, 0)


def _static_files(content_dir: Path) -> set[str]:
    """The files of content/ published as they are (not .md, not data/)."""
    return {
        f.relative_to(content_dir).as_posix()
        for f in content_dir.rglob("*")
        if f.is_file() and f.suffix != ".md" and "data" != f.relative_to(content_dir).parts[0]
    }


IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg", ".avif", ".bmp")


def _nearest_image(target: str, here_dir: str, static: set[str]) -> tuple[str, bool] | None:
    """The image file an editor's missing image probably is, as they would
    write it from the article, and whether it differs only in letter case
    (Photo.JPG for photo.jpg: Windows and macOS open either, the web server
    only one); else the closest image name, in the article's folder first."""
    wanted = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(here_dir, target))
    images = [rel for rel in static if rel.lower().endswith(IMAGE_SUFFIXES)]
    same = sorted(rel for rel in images if rel.lower() == wanted.lower())
    found = same[0] if same else _nearest_md(wanted, images)
    if found is None:
        return None
    shown = "/" + found if target.startswith("/") else posixpath.relpath(found, here_dir or ".")
    return shown, found.lower() == wanted.lower()


def _nearest_md(wanted: str, md: Iterable[str]) -> str | None:
    """The published .md file (or image) the editor probably meant: by file
    name (the whole paths share "bulletins/2026" and would make any two look
    alike), in the folder of the link if one there is close, else wherever
    the name is (a link written from another folder)."""
    folder, name = posixpath.split(wanted)
    by_name: dict[str, list[str]] = {}
    for rel in md:
        by_name.setdefault(posixpath.basename(rel), []).append(rel)
    close = nearest(name, by_name)
    if close is None:
        return None
    return min(by_name[close], key=lambda rel: (posixpath.dirname(rel) != folder, -SequenceMatcher(None, posixpath.dirname(rel), folder).ratio(), rel))


def check_links(content_dir: Path, articles: list[Article], site: Site, p: Problems, cache: TargetCache | None = None) -> None:
    """Warn about internal links to pages that do not exist, missing images,
    links and images to the editor's own computer, and images without alt
    text. (A link to a .md file that is not there is check_dead_links'
    error, reported already.)"""
    published_md = _published_md(articles, site)
    static = _static_files(content_dir)
    urls = {url_of(src) for src in published_md}
    for article in articles:
        if article.rel in site.drafts:
            continue
        here_dir = posixpath.dirname(article.rel)
        page_url = url_of(article.rel)
        record = Path(article.rel).stem
        for t in _targets_of(article, cache):
            raw = t.target
            loc = Location(article.shown, t.line, t.col)
            if t.is_image and t.alt is not None and not t.alt.strip():
                message, fix = missing_alt(raw, t.html)
                p.warn(Location(article.shown, t.line, t.start), message, fix, record=record, field="正文")
            if _LOCAL_RE.match(raw.strip()):
                _warn_local(loc, raw, t.is_image, posixpath.dirname(article.shown), p, record)
                continue
            if t.is_image and (t.lazy or _WECHAT_IMAGE_RE.match(raw.strip())):
                # Pasted from a WeChat article: its images load by script
                # (data-src, no src) and its image server refuses other sites.
                p.warn(loc, f"图片“{t.lazy}”只写在 data-src 里（从微信公众号等网页复制来的代码），网站上显示不出来" if t.lazy
                       else f"图片“{raw}”在微信公众号的服务器上，微信不允许其他网站引用，居民只会看到“未经允许不可引用”",
                       f"请把图片保存下来放进 {posixpath.dirname(article.shown)}/（与本文同一文件夹），再用相对路径引用：![图片说明](文件名.jpg)",
                       record=record, field="正文")
                continue
            target = unquote(raw.split("#", 1)[0].split("?", 1)[0]).strip()
            if not target or _SCHEME_RE.match(target) or target.startswith("//"):
                continue
            if _resolves(target, here_dir, page_url, published_md, urls, static):
                continue
            if t.is_image:
                close = _nearest_image(target, here_dir, static)
                put = f"请把图片文件放进 {posixpath.dirname(article.shown)}/（与本文同一文件夹）"
                if close is None:
                    fix = f"{put}，并检查文件名和大小写"
                elif close[1]:
                    fix = f"文件名的大小写不一致：请写成“{close[0]}”（网站服务器区分大小写，在自己电脑上能打开不等于网上能显示）"
                else:
                    fix = f"是不是“{close[0]}”？不是的话，{put}"
                p.warn(loc, f"图片“{raw}”不存在", fix, record=record, field="正文")
                continue
            if target.endswith(".md"):
                resolved = posixpath.normpath(posixpath.join(here_dir, target))
                if resolved in site.drafts and not target.startswith("/"):
                    p.warn(loc, f"链接“{raw}”指向一篇草稿，草稿不会发布", "请等那篇简报发布后再加链接，或删去 draft: true", record=record, field="正文")
                continue  # a .md file that is not there: check_dead_links' error
            # Never "did you mean" the page the link is in.
            hint = _nearest(target, here_dir, page_url, published_md - {article.rel}, urls - {page_url})
            p.warn(loc, f"链接“{raw}”指向的页面不存在", hint or "请检查链接地址；站内链接可写成相对于本文件的 .md 文件路径", record=record, field="正文")


def _warn_local(loc: Location, raw: str, is_image: bool, folder: str, p: Problems, record: str) -> None:
    """A path on the editor's computer (Word pastes file:///C:/…): the
    sanitiser drops it and residents see a blank box or a dead link."""
    name = re.split(r"[\\/]", unquote(raw.strip()))[-1] or "文件名"
    shown = f"<{name}>" if re.search(r"\s", name) else name
    if is_image:
        p.warn(loc, f"图片“{raw}”是编辑自己电脑上的文件，网站上只会显示一个空白框",
               f"请把图片文件“{name}”放进 {folder}/（与本文同一文件夹），再用相对路径引用：![图片说明]({shown})", record=record, field="正文")
    else:
        p.warn(loc, f"链接“{raw}”指向编辑自己电脑上的文件，居民打不开",
               f"请把文件“{name}”放进 {folder}/（与本文同一文件夹），再用相对路径链接：[说明]({shown})", record=record, field="正文")


def _resolves(target: str, here_dir: str, page_url: str, md: set[str], urls: set[str], static: set[str]) -> bool:
    if target.startswith("/"):
        path = target.lstrip("/")
        return path in static or _as_url(path) in urls or path.removesuffix("index.html") in urls
    file_rel = posixpath.normpath(posixpath.join(here_dir, target))
    if target.endswith(".md"):
        return file_rel in md
    if file_rel in static:
        return True
    # A URL-style link is resolved by the browser against the page's URL.
    url_rel = posixpath.normpath(posixpath.join(page_url or ".", target))
    if url_rel.startswith(".."):
        return False
    return url_rel in static or _as_url(url_rel) in urls or url_rel.removesuffix("index.html") in urls


def _as_url(path: str) -> str:
    path = path.strip("/")
    return "" if path in ("", ".") else path + "/"


def _nearest(target: str, here_dir: str, page_url: str, md: set[str], urls: set[str]) -> str:
    if target.endswith(".md"):
        wanted = posixpath.normpath(posixpath.join(here_dir, target))
        close = nearest(wanted, md)
        return f"是否想链接到“{posixpath.relpath(close, here_dir or '.')}”？" if close else ""
    base = "" if target.startswith("/") else page_url
    wanted = _as_url(posixpath.normpath(posixpath.join(base or ".", target.lstrip("/"))))
    close = nearest(wanted, urls)
    return f"是否想链接到“/{close}”？" if close else ""


# ---------------------------------------------------------------------------
# venues booked twice


def check_venue_overlaps(site: Site, p: Problems) -> None:
    """Warn once per pair of activities held in one venue at overlapping times."""
    by_venue: dict[str, list[tuple[Occurrence, Activity]]] = {}
    for activity in site.activities.values():
        for occ in activity.occurrences:
            if occ.status == "scheduled":
                by_venue.setdefault(activity.venue, []).append((occ, activity))
    reported: set[tuple[str, str]] = set()
    for venue_id in sorted(by_venue):
        items = sorted(by_venue[venue_id], key=lambda pair: (pair[0].start, pair[1].id))
        for i, (occ, activity) in enumerate(items):
            for later_occ, later in items[i + 1 :]:
                if later_occ.start >= occ.end:
                    break
                pair = (activity.id, later.id)
                if later.id == activity.id or pair in reported:
                    continue
                reported.add(pair)
                start = max(occ.start, later_occ.start)
                end = min(occ.end, later_occ.end)
                when = f"{start:%Y-%m-%d} {start:%H:%M}–{end:%H:%M}"
                venue = site.venues[venue_id].name if venue_id in site.venues else venue_id
                p.warn(
                    later.source,
                    f"与活动“{activity.id}”（{activity.source}）同在“{venue}”，时间重叠：{when}",
                    "请改动其中一项的时间或场地；如场地确实能同时容纳两项活动，可忽略此警告",
                    record=later.id,
                    field="venue",
                )


# --------------------------------------------------------------------------
# what a door notice cannot print


def check_notice_text(site: Site, p: Problems, content: str = "content") -> None:
    """What door notices cannot print, with the record (and its line, for
    activities): emoji, which the notice leaves out (notices.printable), and
    characters no installed font has, which the notice prints as
    notices.MISSING_GLYPH (notices.no_glyph)."""
    from .notices import MISSING_GLYPH, NO_GLYPH_FIX, no_glyph, note_as_printed, title_as_printed, unprintable, venue_as_printed

    t = strings(site.info.language)
    # The statuses of each activity's dates still to come: one that is over
    # prints on no notice again, and is not named below.
    coming = {a.id: {o.status for o in a.occurrences if not queries.is_over(site, o)} for a in site.activities.values()}
    for a in site.activities.values():
        # Named once, as most of its dates print it: a badge (【已取消】)
        # takes room from the title's two lines, so a title whole on its
        # ordinary dates may still be cut on a cancelled one.
        for status in sorted(coming[a.id], key=lambda s: s != "scheduled"):
            cut = title_as_printed(a.title, status, t)
            if cut:
                p.warn(a.source, f"标题太长，楼门公示上只印得下“{cut}”", "请把标题缩短，把细节写进说明（网页上照常显示全文）", record=a.id, field="title")
                break
        # The notes a notice prints: those of cancelled or postponed dates.
        notes = dict.fromkeys(o.note for o in a.occurrences if o.note and o.status != "scheduled")
        for text in notes:
            name = "status_note" if text == a.status_note else "note"
            cut = note_as_printed(text, t)
            if cut:
                p.warn(a.source, f"说明太长，楼门公示上只印得下“{cut}”", "请把改到的日期、时间写在说明的最前面，或把说明缩短（网页上照常显示全文）", record=a.id, field=name)
    # A venue's name is the notice's 地点 line, two lines at most; where to
    # go is what a cut must not lose ("…靠近三号楼…").
    used = {a.venue for a in site.activities.values() if coming[a.id]}
    for v in sorted(used):
        cut = venue_as_printed(site.venues[v].name, t)
        if cut:
            p.warn(Location(f"{content}/data/venues.yml"), f"场地名称太长，楼门公示上只印得下“{cut}”", "请缩短场地名称，门牌、楼层和怎么走写进 address（网页上照常显示全文）", record=v, field="name")
    for loc, record, name, text in notice_texts(site, content):
        found = unprintable(text)
        if found:
            p.warn(loc, f"“{found}”是表情或图形符号，楼门公示栏印不出来，打印时已略去", "网页上照常显示；公示栏上如要强调，请改用文字，如“【重要】”", record=record, field=name)
        found = no_glyph(text)
        if found:
            p.warn(loc, f"“{found}”没有任何已安装的字体能印出，楼门公示上会印成“{MISSING_GLYPH}”", NO_GLYPH_FIX, record=record, field=name)


def notice_texts(site: Site, content: str = "content") -> list[tuple[Location, str, str, str]]:
    """(where, record, field, text) for every text a door notice may print."""
    places, venues = Location(f"{content}/data/places.yml"), Location(f"{content}/data/venues.yml")
    checked: list[tuple[Location, str, str, str]] = []
    for a in site.activities.values():
        fields = [("title", a.title), ("status_note", a.status_note)]
        if a.lecture is not None:
            fields += [("speaker", a.lecture.speaker), ("affiliation", a.lecture.affiliation)]
        fields += [("note", o.note) for o in a.occurrences if o.note]
        checked += [(a.source, a.id, name, text or "") for name, text in fields]
    for v in site.venues.values():
        checked += [(venues, v.id, "name", v.name), (venues, v.id, "address", v.address)]
    for group in (site.communities, site.estates, site.courtyards, site.buildings):
        checked += [(places, x.id, "name", x.name) for x in group.values()]
    for b in site.buildings.values():
        checked += [(places, f"{b.id}/{e.id}", "name", e.name) for e in b.entrances]
    checked += [(places, g.id, "worker", g.worker.role) for g in site.grids.values() if g.worker]
    checked.append((Location(f"{content}/data/site.yml"), "organisation", "name", site.organisation.name))
    return checked


def check_future_bulletins(articles: list[Article], site: Site, p: Problems) -> None:
    """A bulletin dated after today is published all the same (a static site
    is not rebuilt on that day by itself), but it is most often a mistyped
    year: say so, at its date line."""
    by_src = {a.rel: a for a in articles}
    for b in site.bulletins:
        article = by_src.get(b.src)
        at = {key: article.meta.loc_of(key) if article is not None else b.source for key in ("date", "published")}
        if b.date > site.today:
            p.warn(at["date"], f"成文日期 {b.date.isoformat()} 在今天（{site.today.isoformat()}）之后，简报已照常发布",
                   "如果年份或月份写错了请改正；若要到那天再发布，请先写 draft: true，到时再删去", record=b.id, field="date")
        # published defaults to date: only one written out can be wrong.
        if b.published != b.date and b.published > site.today:
            p.warn(at["published"], f"发布日期 {b.published.isoformat()} 在今天（{site.today.isoformat()}）之后，简报已照常发布，订阅里也写着这个日期",
                   "如果年份或月份写错了请改正；若要到那天再发布，请先写 draft: true，到时再删去", record=b.id, field="published")
        elif b.published < b.date:
            p.warn(at["published"], f"发布日期 {b.published.isoformat()} 早于成文日期 {b.date.isoformat()}",
                   "请检查两个日期是否写反或写错：发布日期是简报上网的日子，不早于成文日期", record=b.id, field="published")

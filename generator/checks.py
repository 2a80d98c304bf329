"""Content-level checks on a valid model: what is well-formed but probably wrong.

The validate stage refuses what cannot be published. These checks run after it,
on the assembled model, and mostly warn: a broken link, a missing image, two
activities booked into one room at the same time. (One is an error: an
editor's page at the URL of a generated page.) ``check`` prints them, the
MkDocs build logs them through the plugin logger (so ``--strict`` fails on them).
No MkDocs here.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

from .errors import Location, Problems
from .load import Article
from .model import Activity, Occurrence, Site
from .pages import generated_pages
from .validate import nearest

# Markdown links and images: [text](target "title"), ![alt](src), <target>.
_MD_LINK_RE = re.compile(r"(?P<img>!?)\[(?:[^\]\\]|\\.)*\]\(\s*(?:<(?P<angle>[^>]*)>|(?P<plain>[^)\s]+))(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
# Raw HTML an editor pasted: <a href="…">, <img src="…">.
_HTML_LINK_RE = re.compile(r"<(?P<tag>a|img)\b[^>]*?\b(?:href|src)\s*=\s*(?P<q>[\"'])(?P<target>[^\"']*)(?P=q)", re.I)
_SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_FENCE_RE = re.compile(r"^\s*(```|~~~)")


def check_site(content_dir: Path, articles: Iterable[Article], site: Site, p: Problems) -> None:
    """Every content-level problem of the site, added to ``p``: one error
    (a page clashing with a generated one), the rest warnings."""
    articles = list(articles)
    check_page_clashes(articles, site, p)
    check_links(content_dir, articles, site, p)
    check_venue_overlaps(site, p)
    check_notice_text(site, p, content_dir.name)
    check_future_bulletins(articles, site, p)


def check_page_clashes(articles: list[Article], site: Site, p: Problems) -> None:
    """An editor's page at the URL of a generated page (content/buildings/gy-01.md
    and building gy-01) would silently replace one of them: an error."""
    generated = {spec.src_uri: spec for spec in generated_pages(site)}
    for article in articles:
        spec = generated.get(article.rel)
        if spec is not None and article.rel not in site.drafts:
            p.error(Location(article.shown), f"与自动生成的页面“{spec.title}”（{spec.url}）网址相同", "请给这个文件改名或移到别的文件夹")


# ---------------------------------------------------------------------------
# links and images


def _url_of(src: str) -> str:
    """The directory URL MkDocs gives a Markdown source path."""
    stem = src[: -len(".md")]
    if stem == "index" or stem == "README":
        return ""
    if stem.endswith("/index") or stem.endswith("/README"):
        return stem.rsplit("/", 1)[0] + "/"
    return stem + "/"


def _targets(article: Article) -> Iterable[tuple[int, int, str, bool]]:
    """(line, col, target, is_image) for each link in the body, outside code."""
    in_fence = False
    for i, line in enumerate(article.body.split("\n")):
        if _FENCE_RE.match(line):
            in_fence = not in_fence
            continue
        if in_fence or line.startswith(("    ", "\t")):
            continue
        # Inline code spans are not links.
        scan = re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)
        for m in _MD_LINK_RE.finditer(scan):
            group = "angle" if m.group("angle") is not None else "plain"
            yield article.body_line + i, m.start(group) + 1, m.group(group), bool(m.group("img"))
        for m in _HTML_LINK_RE.finditer(scan):
            yield article.body_line + i, m.start("target") + 1, m.group("target"), m.group("tag").lower() == "img"


def check_links(content_dir: Path, articles: list[Article], site: Site, p: Problems) -> None:
    """Warn about internal links to pages that do not exist and missing images."""
    published_md = {a.rel for a in articles if a.rel not in site.drafts}
    published_md.update(spec.src_uri for spec in generated_pages(site))
    static = {
        f.relative_to(content_dir).as_posix()
        for f in content_dir.rglob("*")
        if f.is_file() and f.suffix != ".md" and "data" != f.relative_to(content_dir).parts[0]
    }
    urls = {_url_of(src) for src in published_md}
    for article in articles:
        if article.rel in site.drafts:
            continue
        here_dir = posixpath.dirname(article.rel)
        page_url = _url_of(article.rel)
        record = Path(article.rel).stem
        for line, col, raw, is_image in _targets(article):
            target = unquote(raw.split("#", 1)[0].split("?", 1)[0]).strip()
            if not target or _SCHEME_RE.match(target) or target.startswith("//"):
                continue
            loc = Location(article.shown, line, col)
            if _resolves(target, here_dir, page_url, published_md, urls, static):
                continue
            if is_image:
                p.warn(loc, f"图片“{raw}”不存在", "请把图片文件放进 content/ 下（如与文章同一文件夹），并检查文件名和大小写", record=record, field="正文")
                continue
            if target.endswith(".md"):
                resolved = posixpath.normpath(posixpath.join(here_dir, target))
                if resolved in site.drafts:
                    p.warn(loc, f"链接“{raw}”指向一篇草稿，草稿不会发布", "请等那篇简报发布后再加链接，或删去 draft: true", record=record, field="正文")
                    continue
            hint = _nearest(target, here_dir, page_url, published_md, urls)
            p.warn(loc, f"链接“{raw}”指向的页面不存在", hint or "请检查链接地址；站内链接可写成相对于本文件的 .md 文件路径", record=record, field="正文")


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
    characters no installed font has, which fail the notices' PDF once
    their activity comes into the window (notices.no_glyph): said now, not
    on the day the site stops updating."""
    from .notices import NO_GLYPH_FIX, no_glyph, unprintable

    for loc, record, name, text in notice_texts(site, content):
        found = unprintable(text)
        if found:
            p.warn(loc, f"“{found}”是表情或图形符号，楼门公示栏印不出来，打印时已略去", "网页上照常显示；公示栏上如要强调，请改用文字，如“【重要】”", record=record, field=name)
        found = no_glyph(text)
        if found:
            p.warn(loc, f"“{found}”没有任何已安装的字体能印出，楼门公示上会印成方框，这项进入公示期时构建会失败", NO_GLYPH_FIX, record=record, field=name)


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
        if b.date > site.today:
            article = by_src.get(b.src)
            p.warn(article.meta.loc_of("date") if article is not None else b.source, f"成文日期 {b.date.isoformat()} 在今天（{site.today.isoformat()}）之后，简报已照常发布",
                   "如果年份或月份写错了请改正；若要到那天再发布，请先写 draft: true，到时再删去", record=b.id, field="date")

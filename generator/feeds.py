"""Atom (RFC 4287) feeds of the published bulletins.

    feeds/atom.xml                 every bulletin, newest first
    feeds/columns/<column>.xml     one column (栏目)

Rendered from the template ``theme/feeds/atom.xml`` rather than a feed library:
the format is a dozen elements, the template keeps markup out of Python (and
editable next to the other templates), and Jinja's XML autoescaping covers
escaping. A library such as feedgen would add lxml-level dependencies and its
own timestamp defaults for little gain.

Reproducibility: nothing here reads the clock. An entry's ``published`` and
``updated`` are its published date at midnight in the site's zone; a feed's
``updated`` is its newest entry's (for an empty column, the newest bulletin of
the site, or the build's ``--today`` when there is none). Entry ids are the
bulletin's absolute URL, which comes from its file name and so never changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from .markup import plain_text
from .model import Bulletin, Site
from .outputs import Output
from .strings import strings

ALL_FEED = "feeds/atom.xml"


def column_feed(column_id: str) -> str:
    return f"feeds/columns/{column_id}.xml"


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    url: str
    published: str
    updated: str
    author: str
    column_id: str
    column_name: str
    summary: str


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    subtitle: str
    language: str
    self_url: str
    page_url: str
    updated: str
    author: str
    entries: tuple[Entry, ...]


def write(out: Output) -> None:
    """Write the site-wide feed and one feed per column."""
    site = out.site
    template = out.env.get_template("feeds/atom.xml")
    for rel, feed in feeds(site):
        out.write(rel, template.render(feed=feed), "Atom 订阅")


def feeds(site: Site) -> list[tuple[str, Feed]]:
    """(path, feed) for the site-wide feed and every column, in a stable order."""
    t = strings(site.info.language)
    result = [(ALL_FEED, _feed(site, ALL_FEED, t.feed_name.format(site=site.info.title, name=t.bulletins), "bulletins/", site.bulletins))]
    for column in site.columns.values():
        rel = column_feed(column.id)
        bulletins = tuple(b for b in site.bulletins if b.column == column.id)
        title = t.feed_name.format(site=site.info.title, name=column.name)
        result.append((rel, _feed(site, rel, title, f"bulletins/columns/{column.id}/", bulletins)))
    return result


def _feed(site: Site, rel: str, title: str, page: str, bulletins: tuple[Bulletin, ...]) -> Feed:
    entries = tuple(_entry(site, b) for b in bulletins)
    return Feed(
        id=site.absolute(rel),
        title=title,
        subtitle=site.info.description,
        language=site.info.language,
        self_url=site.absolute(rel),
        page_url=site.absolute(page),
        updated=_updated(site, bulletins),
        author=site.organisation.name,
        entries=entries,
    )


def _entry(site: Site, b: Bulletin) -> Entry:
    stamp = rfc3339(site, b.published)
    column = site.columns[b.column]
    return Entry(
        id=site.absolute(b.url),
        title=b.title,
        url=site.absolute(b.url),
        published=stamp,
        updated=stamp,
        author=b.office or site.organisation.name,
        column_id=column.id,
        column_name=column.name,
        summary=b.summary or plain_text(b.editor_note_html),
    )


def _updated(site: Site, bulletins: tuple[Bulletin, ...]) -> str:
    pool = bulletins or site.bulletins
    newest = max((b.published for b in pool), default=site.today)
    return rfc3339(site, newest)


def rfc3339(site: Site, day: date) -> str:
    """Midnight of ``day`` in the site's zone, with its offset."""
    return datetime.combine(day, time.min, site.tz).isoformat()
